package mongo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/attachments"
	"taizhang/errs"
)

// UploadStore implements attachments.UploadStore: "uploads" holds each
// upload's state, the lengths of its accepted pieces and, on a bucket, the
// parts of its multipart upload; "upload_pieces" the pieces not (yet) in a
// part, keyed by upload, offset and length. Without transactions, a piece
// is written before the upload moves past it; a piece whose move lost to
// another instance's is never part of the chain the lengths describe, and goes
// when the upload does.
type UploadStore struct {
	db             *DB
	uploads, parts *mongo.Collection
}

// Uploads returns the chunked-upload store.
func (db *DB) Uploads() *UploadStore {
	return &UploadStore{db: db, uploads: db.db.Collection("uploads"), parts: db.db.Collection("upload_pieces")}
}

var _ attachments.UploadStore = (*UploadStore)(nil)

type uploadDoc struct {
	ID         string    `bson:"_id"`
	UploaderID string    `bson:"uploaderId"`
	SHA256     string    `bson:"sha256"`
	Size       int64     `bson:"size"`
	Offset     int64     `bson:"offset"`
	Lengths    []int64   `bson:"lengths"`
	Touched    time.Time `bson:"touched"`
	// A multipart upload on the bucket: its id, the parts stored, the bytes
	// they hold, the part numbers handed out.
	PartsID    string             `bson:"partsId,omitempty"`
	Parts      []attachments.Part `bson:"parts,omitempty"`
	Flushed    int64              `bson:"flushed"`
	PartClaims int                `bson:"partClaims"`
}

type pieceDoc struct {
	ID     string `bson:"_id"`
	Upload string `bson:"upload"`
	Offset int64  `bson:"offset"`
	Data   []byte `bson:"data"`
}

func pieceID(upload string, offset, length int64) string {
	return fmt.Sprintf("%s:%d:%d", upload, offset, length)
}

func (d uploadDoc) upload() attachments.Upload {
	return attachments.Upload{ID: d.ID, Uploader: d.UploaderID, SHA256: d.SHA256, Size: d.Size, Offset: d.Offset, Touched: d.Touched.UTC(),
		PartsID: d.PartsID, Parts: d.Parts, Flushed: d.Flushed}
}

// CreateUpload implements attachments.UploadStore.
func (s *UploadStore) CreateUpload(ctx context.Context, u attachments.Upload) (out attachments.Upload, err error) {
	defer s.db.track("uploads.create", time.Now(), &err)
	_, err = s.uploads.InsertOne(ctx, uploadDoc{ID: u.ID, UploaderID: u.Uploader, SHA256: u.SHA256, Size: u.Size, Lengths: []int64{}, Touched: u.Touched,
		PartsID: u.PartsID})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return u, mapError("create upload", err)
	}
	return s.Upload(ctx, u.Uploader, u.ID)
}

func (s *UploadStore) doc(ctx context.Context, uploaderID, id string) (uploadDoc, error) {
	var d uploadDoc
	err := s.uploads.FindOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "uploaderId", Value: uploaderID}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, attachments.ErrNoUpload
	}
	return d, mapError("get upload", err)
}

// Upload implements attachments.UploadStore.
func (s *UploadStore) Upload(ctx context.Context, uploaderID, id string) (attachments.Upload, error) {
	d, err := s.doc(ctx, uploaderID, id)
	return d.upload(), err
}

// Uploads implements attachments.UploadStore.
func (s *UploadStore) Uploads(ctx context.Context, uploaderID string) ([]attachments.Upload, error) {
	docs, err := findAll[uploadDoc](ctx, s.uploads, "list uploads", bson.D{{Key: "uploaderId", Value: uploaderID}}, options.Find().SetProjection(bson.D{{Key: "lengths", Value: 0}}))
	if err != nil {
		return nil, err
	}
	out := make([]attachments.Upload, len(docs))
	for i, d := range docs {
		out[i] = d.upload()
	}
	return out, nil
}

// AppendPiece implements attachments.UploadStore.
func (s *UploadStore) AppendPiece(ctx context.Context, uploaderID string, u attachments.Upload, piece []byte, touched time.Time) (err error) {
	defer s.db.track("uploads.append", time.Now(), &err)
	length := int64(len(piece))
	_, err = s.parts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: pieceID(u.ID, u.Offset, length)}},
		pieceDoc{ID: pieceID(u.ID, u.Offset, length), Upload: u.ID, Offset: u.Offset, Data: piece}, options.Replace().SetUpsert(true))
	if err != nil && !mongo.IsDuplicateKeyError(err) { // two upserts of one piece: the same bytes either way
		return mapError("store piece", err)
	}
	res, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}, {Key: "uploaderId", Value: uploaderID}, {Key: "offset", Value: u.Offset}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "offset", Value: u.Offset + length}, {Key: "touched", Value: touched}}},
			{Key: "$push", Value: bson.D{{Key: "lengths", Value: length}}}})
	if err != nil {
		return mapError("append piece", err)
	}
	if res.MatchedCount == 0 {
		return errs.New(errs.Conflict, "上传位置已变化")
	}
	return nil
}

// ReadUpload implements attachments.UploadStore: the pieces the upload's
// lengths name, one in memory at a time.
func (s *UploadStore) ReadUpload(ctx context.Context, u attachments.Upload) (io.ReadCloser, error) {
	d, err := s.doc(ctx, u.Uploader, u.ID)
	if err != nil {
		return nil, err
	}
	r := &pieceReader{ctx: ctx, s: s, upload: d, end: u.Offset}
	for r.pos < u.Flushed && r.next < len(d.Lengths) { // those are in parts now
		r.pos += d.Lengths[r.next]
		r.next++
	}
	return r, nil
}

type pieceReader struct {
	ctx    context.Context
	s      *UploadStore
	upload uploadDoc
	next   int   // index into upload.Lengths
	pos    int64 // offset of the next piece
	end    int64
	buf    bytes.Reader
}

func (r *pieceReader) Read(p []byte) (int, error) {
	for r.buf.Len() == 0 {
		if r.next >= len(r.upload.Lengths) || r.pos >= r.end {
			return 0, io.EOF
		}
		length := r.upload.Lengths[r.next]
		var piece pieceDoc
		if err := r.s.parts.FindOne(r.ctx, bson.D{{Key: "_id", Value: pieceID(r.upload.ID, r.pos, length)}}).Decode(&piece); err != nil {
			return 0, mapError("read upload", err)
		}
		r.buf.Reset(piece.Data)
		r.pos += length
		r.next++
	}
	return r.buf.Read(p)
}

func (r *pieceReader) Close() error { return nil }

// ClaimPart implements attachments.UploadStore.
func (s *UploadStore) ClaimPart(ctx context.Context, uploaderID, id string) (_ int, _ attachments.Upload, err error) {
	defer s.db.track("uploads.claim", time.Now(), &err)
	var d uploadDoc
	err = s.uploads.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: id}, {Key: "uploaderId", Value: uploaderID}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "partClaims", Value: 1}}}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, d.upload(), attachments.ErrNoUpload
	}
	return d.PartClaims, d.upload(), mapError("claim part", err)
}

// SavePart implements attachments.UploadStore: the part is recorded only if
// no other part came first; its pieces are removed after.
func (s *UploadStore) SavePart(ctx context.Context, u attachments.Upload, part attachments.Part) (err error) {
	defer s.db.track("uploads.part", time.Now(), &err)
	flushed := u.Flushed + part.Size
	res, err := s.uploads.UpdateOne(ctx, bson.D{{Key: "_id", Value: u.ID}, {Key: "uploaderId", Value: u.Uploader}, {Key: "flushed", Value: u.Flushed}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "flushed", Value: flushed}}}, {Key: "$push", Value: bson.D{{Key: "parts", Value: part}}}})
	if err != nil {
		return mapError("save part", err)
	}
	if res.MatchedCount == 0 {
		return errs.New(errs.Conflict, "上传的分段已变化")
	}
	_, err = s.parts.DeleteMany(ctx, bson.D{{Key: "upload", Value: u.ID}, {Key: "offset", Value: bson.D{{Key: "$lt", Value: flushed}}}})
	return mapError("drop pieces in a part", err)
}

// DeleteUpload implements attachments.UploadStore: pieces first, so a crash in
// between leaves an upload the sweep still finds.
func (s *UploadStore) DeleteUpload(ctx context.Context, uploaderID, id string) (err error) {
	defer s.db.track("uploads.delete", time.Now(), &err)
	if _, err := s.doc(ctx, uploaderID, id); err != nil {
		return err
	}
	if _, err := s.parts.DeleteMany(ctx, bson.D{{Key: "upload", Value: id}}); err != nil {
		return mapError("delete pieces", err)
	}
	_, err = s.uploads.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "uploaderId", Value: uploaderID}})
	return mapError("delete upload", err)
}

// ExpireUploads implements attachments.UploadStore.
func (s *UploadStore) ExpireUploads(ctx context.Context, before time.Time) (gone []attachments.Upload, err error) {
	defer s.db.track("uploads.expire", time.Now(), &err)
	docs, err := findAll[uploadDoc](ctx, s.uploads, "expired uploads", bson.D{{Key: "touched", Value: bson.D{{Key: "$lt", Value: before}}}},
		options.Find().SetProjection(bson.D{{Key: "lengths", Value: 0}}))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if err := s.DeleteUpload(ctx, d.UploaderID, d.ID); err != nil && !errs.Is(err, errs.NotFound) {
			return gone, err
		}
		gone = append(gone, d.upload())
	}
	return gone, nil
}
