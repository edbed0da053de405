package mongo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/attachments"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/signals"
)

// AttachmentStore implements attachments.Store: metadata in "attachments", bytes
// in the blob store (Options.Blobs; GridFS by default).
type AttachmentStore struct {
	db      *DB
	meta    *mongo.Collection
	entries *mongo.Collection
	blobs   attachments.Blobs
}

// Attachments returns the attachment store.
func (db *DB) Attachments() *AttachmentStore {
	return &AttachmentStore{db: db, meta: db.db.Collection("attachments"), entries: db.db.Collection("entries"), blobs: db.blobs}
}

var _ attachments.Store = (*AttachmentStore)(nil)

type attachmentDoc struct {
	ID          string    `bson:"_id"`
	UploaderID  string    `bson:"uploaderId"`
	UnitPath    []string  `bson:"unitPath"`
	SHA256      string    `bson:"sha256"`
	Size        int64     `bson:"size"`
	ContentType string    `bson:"contentType"`
	Width       int       `bson:"width"`
	Height      int       `bson:"height"`
	CreatedAt   time.Time `bson:"createdAt"`
	Print       []int64   `bson:"print,omitempty"` // uint64 hashes, as BSON has no unsigned type
	Meta        *metaDoc  `bson:"meta,omitempty"`
}

type metaDoc struct {
	TakenAt  time.Time `bson:"takenAt,omitempty"`
	Lat      float64   `bson:"lat,omitempty"`
	Lng      float64   `bson:"lng,omitempty"`
	HasPlace bool      `bson:"hasPlace,omitempty"`
	Source   string    `bson:"source"`
}

func toMetaDoc(m signals.Meta) *metaDoc {
	if !m.Known() {
		return nil
	}
	return &metaDoc{TakenAt: m.TakenAt, Lat: m.Lat, Lng: m.Lng, HasPlace: m.HasPlace, Source: m.Source}
}

func (d *metaDoc) meta() signals.Meta {
	if d == nil {
		return signals.Meta{}
	}
	m := signals.Meta{Lat: d.Lat, Lng: d.Lng, HasPlace: d.HasPlace, Source: d.Source}
	if !d.TakenAt.IsZero() {
		m.TakenAt = d.TakenAt.UTC()
	}
	return m
}

func toSigned(print []uint64) []int64 {
	out := make([]int64, len(print))
	for i, h := range print {
		out[i] = int64(h)
	}
	return out
}

func toUnsigned(print []int64) []uint64 {
	if len(print) == 0 {
		return nil
	}
	out := make([]uint64, len(print))
	for i, h := range print {
		out[i] = uint64(h)
	}
	return out
}

func (d attachmentDoc) toAttachment() attachments.Attachment {
	return attachments.Attachment{ID: d.ID, UploaderID: d.UploaderID, UnitPath: d.UnitPath, SHA256: d.SHA256, Size: d.Size,
		ContentType: d.ContentType, Width: d.Width, Height: d.Height, CreatedAt: d.CreatedAt.UTC(), Print: toUnsigned(d.Print), Meta: d.Meta.meta()}
}

var errAttachmentNotFound = errs.New(errs.NotFound, "附件不存在")

// Save implements attachments.Store.
func (s *AttachmentStore) Save(ctx context.Context, scope auth.Scope, a attachments.Attachment, content io.Reader) (out attachments.Attachment, err error) {
	defer s.db.track("attachments.save", time.Now(), &err)
	if existing, err := s.byID(ctx, a.ID); err == nil {
		return existing, nil
	}
	if err := s.blobs.Put(ctx, a.SHA256, a.Size, content); err != nil {
		return a, err
	}
	_, err = s.meta.InsertOne(ctx, attachmentDoc{ID: a.ID, UploaderID: a.UploaderID, UnitPath: a.UnitPath, SHA256: a.SHA256,
		Size: a.Size, ContentType: a.ContentType, Width: a.Width, Height: a.Height, CreatedAt: a.CreatedAt,
		Print: toSigned(a.Print), Meta: toMetaDoc(a.Meta)})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return a, mapError("save attachment", err)
	}
	return s.byID(ctx, a.ID)
}

func (s *AttachmentStore) byID(ctx context.Context, id string) (attachments.Attachment, error) {
	var d attachmentDoc
	err := s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return attachments.Attachment{}, errAttachmentNotFound
	}
	return d.toAttachment(), mapError("get attachment", err)
}

// Get implements attachments.Store: the uploader reads their own; others read
// what an entry in their scope, filed by the uploader, references.
func (s *AttachmentStore) Get(ctx context.Context, scope auth.Scope, id string) (attachments.Attachment, error) {
	unitID, ok := scope.UnitID()
	if !ok {
		return attachments.Attachment{}, errAttachmentNotFound
	}
	a, err := s.byID(ctx, id)
	if err != nil || a.UploaderID == scope.UserID() {
		return a, err
	}
	err = s.entries.FindOne(ctx, bson.D{{Key: "attachments", Value: id}, {Key: "unitPath", Value: unitID}, {Key: "authorId", Value: a.UploaderID}},
		options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return attachments.Attachment{}, errAttachmentNotFound
	}
	return a, mapError("check attachment access", err)
}

// Open implements attachments.Store.
func (s *AttachmentStore) Open(ctx context.Context, scope auth.Scope, id string) (attachments.Attachment, io.ReadCloser, error) {
	a, err := s.Get(ctx, scope, id)
	if err != nil {
		return a, nil, err
	}
	stream, err := s.blobs.Open(ctx, a.SHA256)
	if err != nil {
		return a, nil, fmt.Errorf("open attachment %s: %w", id, err)
	}
	return a, stream, nil
}

// Ownership implements attachments.Store.
func (s *AttachmentStore) Ownership(ctx context.Context, scope auth.Scope, ids []string) (attachments.Ownership, error) {
	out := attachments.Ownership{Own: map[string]attachments.Attachment{}, Foreign: map[string]bool{}}
	if len(ids) == 0 || scope.UserID() == "" {
		return out, nil
	}
	docs, err := findAll[attachmentDoc](ctx, s.meta, "attachment ownership", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return out, err
	}
	for _, d := range docs {
		if d.UploaderID == scope.UserID() {
			out.Own[d.ID] = d.toAttachment()
		} else {
			out.Foreign[d.ID] = true
		}
	}
	return out, nil
}

// OpenThumb implements attachments.Store: the original decides access; its
// thumbnail, which no entry names, is then read by its id.
func (s *AttachmentStore) OpenThumb(ctx context.Context, scope auth.Scope, id string) (attachments.Attachment, io.ReadCloser, error) {
	a, err := s.Get(ctx, scope, id)
	if err != nil {
		return a, nil, err
	}
	var doc attachmentDoc
	err = s.meta.FindOne(ctx, bson.D{{Key: "_id", Value: attachments.ThumbID(a)}}).Decode(&doc)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return a, nil, errs.New(errs.NotFound, "没有缩略图")
	}
	if err != nil {
		return a, nil, mapError("attachment thumbnail", err)
	}
	stream, err := s.blobs.Open(ctx, doc.SHA256)
	if err != nil {
		return a, nil, fmt.Errorf("open thumbnail of %s: %w", id, err)
	}
	return doc.toAttachment(), stream, nil
}
