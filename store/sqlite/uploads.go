package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"time"

	"taizhang/attachments"
	"taizhang/errs"
)

// UploadStore implements attachments.UploadStore: uploads and their pieces in
// two tables, so a resumed upload finds its pieces whichever process serves it.
type UploadStore struct{ db *DB }

// Uploads returns the chunked-upload store.
func (db *DB) Uploads() *UploadStore { return &UploadStore{db: db} }

var _ attachments.UploadStore = (*UploadStore)(nil)

const uploadColumns = `id, uploader_id, sha256, size, offset, touched`

func scanUpload(row scanner) (attachments.Upload, error) {
	var u attachments.Upload
	var touched sql.NullInt64
	err := row.Scan(&u.ID, &u.Uploader, &u.SHA256, &u.Size, &u.Offset, &touched)
	u.Touched = fromMillis(touched)
	return u, err
}

// CreateUpload implements attachments.UploadStore.
func (s *UploadStore) CreateUpload(ctx context.Context, u attachments.Upload) (out attachments.Upload, err error) {
	defer s.db.track("uploads.create", time.Now(), &err)
	err = s.db.inTx(ctx, "create upload", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO uploads (`+uploadColumns+`) VALUES (?,?,?,?,0,?) ON CONFLICT (id) DO NOTHING`,
			u.ID, u.Uploader, u.SHA256, u.Size, millis(u.Touched))
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
func (s *UploadStore) ReadUpload(ctx context.Context, uploaderID, id string) (io.ReadCloser, error) {
	u, err := s.Upload(ctx, uploaderID, id)
	if err != nil {
		return nil, err
	}
	return &pieceReader{ctx: ctx, s: s, id: u.ID, end: u.Offset}, nil
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
func (s *UploadStore) ExpireUploads(ctx context.Context, before time.Time) (n int, err error) {
	defer s.db.track("uploads.expire", time.Now(), &err)
	err = s.db.inTx(ctx, "expire uploads", func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM upload_pieces WHERE upload_id IN (SELECT id FROM uploads WHERE touched < ?)`, millis(before)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM uploads WHERE touched < ?`, millis(before))
		if err != nil {
			return err
		}
		count, _ := res.RowsAffected()
		n = int(count)
		return nil
	})
	return n, mapError("expire uploads", err)
}
