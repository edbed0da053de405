package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/errs"
)

// AttachmentStore implements attachments.Store: metadata in SQLite, bytes in
// the blob store (Options.Blobs; by default <data dir>/blobs).
type AttachmentStore struct {
	db    *DB
	blobs attachments.Blobs
}

// Attachments returns the attachment store.
func (db *DB) Attachments() *AttachmentStore {
	return &AttachmentStore{db: db, blobs: db.blobs}
}

var _ attachments.Store = (*AttachmentStore)(nil)

var errAttachmentNotFound = errs.New(errs.NotFound, "附件不存在")

const attachmentColumns = `a.id, a.uploader_id, a.unit_path, a.sha256, a.size, a.content_type, a.width, a.height, a.created_at, a.print, a.meta`

// Save implements attachments.Store. The bytes are stored before the metadata,
// so an attachment never names bytes that are not there.
func (s *AttachmentStore) Save(ctx context.Context, scope auth.Scope, a attachments.Attachment, content io.Reader) (out attachments.Attachment, err error) {
	defer s.db.track("attachments.save", time.Now(), &err)
	if existing, err := s.byID(ctx, a.ID); err == nil {
		return existing, nil
	}
	if err := s.blobs.Put(ctx, a.SHA256, a.Size, content); err != nil {
		return a, err
	}
	_, err = s.db.exec(ctx, `INSERT INTO attachments (id, uploader_id, unit_path, sha256, size, content_type,
		width, height, created_at, print, meta) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO NOTHING`, a.ID, a.UploaderID,
		mustJSON(nonNil(a.UnitPath)), a.SHA256, a.Size, a.ContentType, a.Width, a.Height, millis(a.CreatedAt),
		jsonOrEmpty(a.Print), jsonOrEmpty(a.Meta))
	if err != nil {
		return a, mapError("save attachment", err)
	}
	return s.byID(ctx, a.ID)
}

func (s *AttachmentStore) byID(ctx context.Context, id string) (attachments.Attachment, error) {
	a, err := scanAttachment(s.db.queryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errAttachmentNotFound
	}
	return a, mapError("get attachment", err)
}

// Get implements attachments.Store.
func (s *AttachmentStore) Get(ctx context.Context, scope auth.Scope, id string) (a attachments.Attachment, err error) {
	defer s.db.track("attachments.get", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return a, errAttachmentNotFound
	}
	a, err = scanAttachment(s.db.queryRow(ctx, `SELECT `+attachmentColumns+` FROM attachments a
		WHERE a.id = ? AND (a.uploader_id = ? OR EXISTS (SELECT 1 FROM entry_attachments ea JOIN entries e ON e.id = ea.entry_id
			WHERE ea.attachment_id = a.id AND e.author_id = a.uploader_id AND `+inScope+`))`, id, scope.UserID(), unitID))
	if errors.Is(err, sql.ErrNoRows) {
		return a, errAttachmentNotFound
	}
	return a, mapError("get attachment", err)
}

// Open implements attachments.Store.
func (s *AttachmentStore) Open(ctx context.Context, scope auth.Scope, id string) (attachments.Attachment, io.ReadCloser, error) {
	a, err := s.Get(ctx, scope, id)
	if err != nil {
		return a, nil, err
	}
	f, err := s.blobs.Open(ctx, a.SHA256)
	if err != nil {
		return a, nil, fmt.Errorf("open attachment %s: %w", id, err)
	}
	return a, f, nil
}

// Ownership implements attachments.Store.
func (s *AttachmentStore) Ownership(ctx context.Context, scope auth.Scope, ids []string) (attachments.Ownership, error) {
	out := attachments.Ownership{Own: map[string]attachments.Attachment{}, Foreign: map[string]bool{}}
	if len(ids) == 0 || scope.UserID() == "" {
		return out, nil
	}
	args := anys(ids)
	list, err := queryAll(ctx, s.db, "attachment ownership", scanAttachment, `SELECT `+attachmentColumns+` FROM attachments a
		WHERE a.id IN (`+placeholders(len(ids))+`)`, args...)
	for _, a := range list {
		if a.UploaderID == scope.UserID() {
			out.Own[a.ID] = a
		} else {
			out.Foreign[a.ID] = true
		}
	}
	return out, err
}

func scanAttachment(row scanner) (attachments.Attachment, error) {
	var a attachments.Attachment
	var path, print, meta string
	var created sql.NullInt64
	err := row.Scan(&a.ID, &a.UploaderID, &path, &a.SHA256, &a.Size, &a.ContentType, &a.Width, &a.Height, &created, &print, &meta)
	if err != nil {
		return a, err
	}
	a.CreatedAt = fromMillis(created)
	return a, errors.Join(json.Unmarshal([]byte(path), &a.UnitPath), unmarshalIfAny(print, &a.Print), unmarshalIfAny(meta, &a.Meta))
}

// jsonOrEmpty stores a zero value as ” (most attachments have no print or meta).
func jsonOrEmpty[T any](v T) string {
	raw := mustJSON(v)
	if raw == "null" || raw == "{}" || raw == "[]" {
		return ""
	}
	return raw
}

func unmarshalIfAny(raw string, v any) error {
	if raw == "" {
		return nil
	}
	return json.Unmarshal([]byte(raw), v)
}

// OpenThumb implements attachments.Store: the original decides access; its
// thumbnail, which no entry names, is then read by its id.
func (s *AttachmentStore) OpenThumb(ctx context.Context, scope auth.Scope, id string) (attachments.Attachment, io.ReadCloser, error) {
	a, err := s.Get(ctx, scope, id)
	if err != nil {
		return a, nil, err
	}
	list, err := queryAll(ctx, s.db, "attachment thumbnail", scanAttachment, `SELECT `+attachmentColumns+` FROM attachments a WHERE a.id = ?`,
		attachments.ThumbID(a))
	if err != nil {
		return a, nil, err
	}
	if len(list) == 0 {
		return a, nil, errs.New(errs.NotFound, "没有缩略图")
	}
	f, err := s.blobs.Open(ctx, list[0].SHA256)
	if err != nil {
		return a, nil, fmt.Errorf("open thumbnail of %s: %w", id, err)
	}
	return list[0], f, nil
}
