package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"

	"taizhang/attachments"
	"taizhang/errs"
)

// UploadStore implements attachments.UploadStore: uploads (with, on a bucket,
// the parts of their multipart uploads) and their pieces in two tables, so a
// resumed upload finds its pieces whichever process serves it.
type UploadStore struct{ db *DB }

// Uploads returns the chunked-upload store.
func (db *DB) Uploads() *UploadStore { return &UploadStore{db: db} }

var _ attachments.UploadStore = (*UploadStore)(nil)

const uploadColumns = `id, uploader_id, sha256, size, offset, touched, parts_id, parts, flushed`

func scanUpload(row scanner) (attachments.Upload, error) {
	var u attachments.Upload
	var touched sql.NullInt64
	var parts string
	err := row.Scan(&u.ID, &u.Uploader, &u.SHA256, &u.Size, &u.Offset, &touched, &u.PartsID, &parts, &u.Flushed)
	u.Touched = fromMillis(touched)
	if err == nil {
		err = json.Unmarshal([]byte(parts), &u.Parts)
	}
	return u, err
}

// CreateUpload implements attachments.UploadStore.
func (s *UploadStore) CreateUpload(ctx context.Context, u attachments.Upload) (out attachments.Upload, err error) {
	defer s.db.track("uploads.create", time.Now(), &err)
	err = s.db.inTx(ctx, "create upload", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (id, uploader_id, sha256, size, touched, parts_id) VALUES (?,?,?,?,?,?)
			ON CONFLICT (id) DO NOTHING`, u.ID, u.Uploader, u.SHA256, u.Size, millis(u.Touched), u.PartsID)
		return err
	})
	if err != nil {
		return u, mapError("create upload", err)
	}
	return s.Upload(ctx, u.Uploader, u.ID)
}

// Upload implements attachments.UploadStore.
func (s *UploadStore) Upload(ctx context.Context, uploaderID, id string) (u attachments.Upload, err error) {
	defer s.db.track("uploads.get", time.Now(), &err)
	u, err = scanUpload(s.db.readers.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = ? AND uploader_id = ?`, id, uploaderID))
	if errors.Is(err, sql.ErrNoRows) {
		return u, attachments.ErrNoUpload
	}
	return u, mapError("get upload", err)
}

// Uploads implements attachments.UploadStore.
func (s *UploadStore) Uploads(ctx context.Context, uploaderID string) ([]attachments.Upload, error) {
	return queryAll(ctx, s.db, "list uploads", scanUpload, `SELECT `+uploadColumns+` FROM uploads WHERE uploader_id = ?`, uploaderID)
}

// AppendPiece implements attachments.UploadStore: the offset moves only from
// where the caller saw it, in the same transaction that stores the piece.
func (s *UploadStore) AppendPiece(ctx context.Context, uploaderID string, u attachments.Upload, piece []byte, touched time.Time) (err error) {
	defer s.db.track("uploads.append", time.Now(), &err)
	return mapError("append piece", s.db.inTx(ctx, "append piece", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE uploads SET offset = ?, touched = ? WHERE id = ? AND uploader_id = ? AND offset = ?`,
			u.Offset+int64(len(piece)), millis(touched), u.ID, uploaderID, u.Offset)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "上传位置已变化")
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO upload_pieces (upload_id, offset, data) VALUES (?,?,?)`, u.ID, u.Offset, piece)
		return err
	}))
}

// ReadUpload implements attachments.UploadStore: one piece in memory at a time.
func (s *UploadStore) ReadUpload(ctx context.Context, u attachments.Upload) (io.ReadCloser, error) {
	if _, err := s.Upload(ctx, u.Uploader, u.ID); err != nil {
		return nil, err
	}
	return &pieceReader{ctx: ctx, s: s, id: u.ID, pos: u.Flushed, end: u.Offset}, nil
}

// ClaimPart implements attachments.UploadStore.
func (s *UploadStore) ClaimPart(ctx context.Context, uploaderID, id string) (number int, u attachments.Upload, err error) {
	defer s.db.track("uploads.claim", time.Now(), &err)
	// The number and the state are read in one transaction: a part saved
	// after this claim carries a higher number than any claimed before it.
	err = s.db.inTx(ctx, "claim part", func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `UPDATE uploads SET part_claims = part_claims + 1
			WHERE id = ? AND uploader_id = ? RETURNING part_claims`, id, uploaderID).Scan(&number)
		if err != nil {
			return err
		}
		u, err = scanUpload(tx.QueryRowContext(ctx, `SELECT `+uploadColumns+` FROM uploads WHERE id = ?`, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, u, attachments.ErrNoUpload
	}
	return number, u, mapError("claim part", err)
}

// SavePart implements attachments.UploadStore: the part is recorded and its
// pieces removed in one transaction, only if no other part came first.
func (s *UploadStore) SavePart(ctx context.Context, u attachments.Upload, part attachments.Part) (err error) {
	defer s.db.track("uploads.part", time.Now(), &err)
	parts, err := json.Marshal(append(slices.Clip(u.Parts), part))
	if err != nil {
		return err
	}
	return mapError("save part", s.db.inTx(ctx, "save part", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE uploads SET parts = ?, flushed = ? WHERE id = ? AND uploader_id = ? AND flushed = ?`,
			string(parts), u.Flushed+part.Size, u.ID, u.Uploader, u.Flushed)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.New(errs.Conflict, "上传的分段已变化")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM upload_pieces WHERE upload_id = ? AND offset < ?`, u.ID, u.Flushed+part.Size)
		return err
	}))
}

// pieceReader reads an upload's pieces one by one, in offset order.
type pieceReader struct {
	ctx      context.Context
	s        *UploadStore
	id       string
	end, pos int64
	buf      bytes.Reader
}

func (r *pieceReader) Read(p []byte) (int, error) {
	for r.buf.Len() == 0 {
		if r.pos >= r.end {
			return 0, io.EOF
		}
		var data []byte
		err := r.s.db.readers.QueryRowContext(r.ctx, `SELECT data FROM upload_pieces WHERE upload_id = ? AND offset = ?`, r.id, r.pos).Scan(&data)
		if err != nil {
			return 0, mapError("read upload", err)
		}
		r.buf.Reset(data)
		r.pos += int64(len(data))
	}
	return r.buf.Read(p)
}

func (r *pieceReader) Close() error { return nil }

// DeleteUpload implements attachments.UploadStore.
func (s *UploadStore) DeleteUpload(ctx context.Context, uploaderID, id string) (err error) {
	defer s.db.track("uploads.delete", time.Now(), &err)
	return mapError("delete upload", s.db.inTx(ctx, "delete upload", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE id = ? AND uploader_id = ?`, id, uploaderID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			_, err = tx.ExecContext(ctx, `DELETE FROM upload_pieces WHERE upload_id = ?`, id)
		}
		return err
	}))
}

// ExpireUploads implements attachments.UploadStore.
func (s *UploadStore) ExpireUploads(ctx context.Context, before time.Time) (gone []attachments.Upload, err error) {
	defer s.db.track("uploads.expire", time.Now(), &err)
	err = s.db.inTx(ctx, "expire uploads", func(tx *txn) error {
		gone = nil
		if _, err := tx.ExecContext(ctx, `DELETE FROM upload_pieces WHERE upload_id IN (SELECT id FROM uploads WHERE touched < ?)`, millis(before)); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `DELETE FROM uploads WHERE touched < ? RETURNING `+uploadColumns, millis(before))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUpload(rows)
			if err != nil {
				return err
			}
			gone = append(gone, u)
		}
		return rows.Err()
	})
	return gone, mapError("expire uploads", err)
}
