package attachments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"time"

	"taizhang/errs"
)

// Chunks receives large files in pieces over a bad network: the phone declares
// the file's hash and size, sends byte ranges in order, and after a dropped
// connection asks where to resume. An upload is named by uploader and hash, so
// starting it again resumes it, and a finished one is the same attachment.
//
// The pieces live in the store (UploadStore), which every instance shares: a
// resumed upload may reach any instance behind the load balancer. On a bucket
// (Parts), a file larger than MinPart is an S3 multipart upload: pieces wait in
// the store only until they make a part, so the database holds at most a part
// and a piece of it. Partial uploads cost space until they finish, so each
// uploader may hold only a few open uploads and a bounded number of declared
// bytes; uploads untouched for a day are swept away, and a failed one is
// removed at once.
type Chunks struct {
	Store    UploadStore
	Parts    MultipartBlobs // nil: the pieces stay in Store until the file is whole
	MaxBytes int64          // the largest file
	Now      func() time.Time
}

// MultipartBlobs is a blob store that joins a file from parts on its side
// (S3's multipart upload). Name is the upload's id; the joined file is kept
// apart from the content-addressed blobs until it is checked and stored.
type MultipartBlobs interface {
	// BeginParts starts a multipart upload and returns its id.
	BeginParts(ctx context.Context, name string) (partsID string, err error)
	// PutPart stores size bytes of data as part number and returns its ETag.
	// Every part but the last must hold at least MinPart bytes.
	PutPart(ctx context.Context, name, partsID string, number int, size int64, data io.Reader) (etag string, err error)
	// JoinParts completes the upload from parts, in order, and opens the file.
	JoinParts(ctx context.Context, name, partsID string, parts []Part) (io.ReadCloser, error)
	// DropParts aborts the upload, and removes the joined file if there is one.
	DropParts(ctx context.Context, name, partsID string) error
}

// Part is one stored part of a multipart upload.
type Part struct {
	Number int    `json:"number" bson:"number"`
	ETag   string `json:"etag" bson:"etag"`
	Size   int64  `json:"size" bson:"size"`
}

// UploadStore keeps chunked uploads in progress. Every call names the
// uploader: nobody reads or extends another person's upload.
type UploadStore interface {
	// CreateUpload records u unless an upload with its id exists; either way
	// it returns the stored upload.
	CreateUpload(ctx context.Context, u Upload) (Upload, error)
	// Upload returns the uploader's upload; errs.NotFound otherwise.
	Upload(ctx context.Context, uploaderID, id string) (Upload, error)
	// Uploads lists the uploader's open uploads.
	Uploads(ctx context.Context, uploaderID string) ([]Upload, error)
	// AppendPiece stores piece at u.Offset and moves the upload past it, but
	// only if it still stands at u.Offset: of two instances given the same
	// piece at once, one wins and the other gets errs.Conflict.
	AppendPiece(ctx context.Context, uploaderID string, u Upload, piece []byte, touched time.Time) error
	// ReadUpload streams u's pieces from u.Flushed to u.Offset, in order.
	ReadUpload(ctx context.Context, u Upload) (io.ReadCloser, error)
	// ClaimPart hands out a part number that no other call got for this
	// upload, with the upload as it stands at that moment.
	ClaimPart(ctx context.Context, uploaderID, id string) (int, Upload, error)
	// SavePart records part as holding u's pieces from u.Flushed on and
	// removes those pieces, unless another part was saved since u was read
	// (errs.Conflict).
	SavePart(ctx context.Context, u Upload, part Part) error
	// DeleteUpload removes an upload and its pieces.
	DeleteUpload(ctx context.Context, uploaderID, id string) error
	// ExpireUploads removes the uploads untouched since before, and returns
	// them (their parts are the caller's to drop).
	ExpireUploads(ctx context.Context, before time.Time) ([]Upload, error)
}

// Limits on what one uploader may hold open at a time, and for how long.
const (
	MaxOpenUploads = 5
	// MaxPendingFiles is how many largest-size files' worth of declared bytes
	// one uploader may have open.
	MaxPendingFiles = 3
	UploadExpiry    = 24 * time.Hour
	// MaxPiece is the largest piece: a store document (MongoDB: 16 MiB) holds one.
	MaxPiece = 4 << 20
	// MinPart is the smallest part of a multipart upload but its last (S3's
	// limit); phones send pieces of a few hundred KB, so a part is several.
	MinPart = 5 << 20
)

// Upload is the state of a chunked upload.
type Upload struct {
	ID     string `json:"uploadId"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Offset int64  `json:"offset"`
	// The rest is the store's bookkeeping, not shown.
	Uploader string    `json:"-"`
	Touched  time.Time `json:"-"`
	PartsID  string    `json:"-"` // the multipart upload holding its parts ("" none)
	Parts    []Part    `json:"-"`
	Flushed  int64     `json:"-"` // bytes in Parts; pieces from here on are in the store
}

// Start begins (or resumes) the upload of a file with the given hash and size.
func (c *Chunks) Start(ctx context.Context, uploaderID, sha string, size int64) (Upload, error) {
	if CheckSHA(sha) != nil {
		return Upload{}, errs.Fields("sha256 无效", errs.FieldError{Field: "sha256", Code: "invalid", Message: "应为 64 位十六进制 SHA-256"})
	}
	if size < 1 || size > c.MaxBytes {
		return Upload{}, errs.New(errs.TooLarge, fmt.Sprintf("文件不能超过 %d MB", c.MaxBytes>>20))
	}
	id := IDFor(uploaderID, sha)
	if u, err := c.Store.Upload(ctx, uploaderID, id); err == nil {
		return u, nil
	}
	if err := c.checkRoom(ctx, uploaderID, size); err != nil {
		return Upload{}, err
	}
	u := Upload{ID: id, SHA256: sha, Size: size, Uploader: uploaderID, Touched: c.Now().UTC()}
	if c.Parts != nil && size > MinPart {
		var err error
		if u.PartsID, err = c.Parts.BeginParts(ctx, id); err != nil {
			return Upload{}, err
		}
	}
	stored, err := c.Store.CreateUpload(ctx, u)
	if u.PartsID != "" && (err != nil || stored.PartsID != u.PartsID) {
		// Not recorded, or another instance's start won: ours holds nothing.
		_ = c.Parts.DropParts(context.WithoutCancel(ctx), id, u.PartsID)
	}
	return stored, err
}

// checkRoom refuses a new upload beyond the uploader's limits (429): a few
// open uploads at once, and declared bytes worth a few of the largest files.
func (c *Chunks) checkRoom(ctx context.Context, uploaderID string, size int64) error {
	open, err := c.Store.Uploads(ctx, uploaderID)
	if err != nil {
		return err
	}
	pending := size
	for _, u := range open {
		pending += u.Size
	}
	if len(open) >= MaxOpenUploads || pending > MaxPendingFiles*c.MaxBytes {
		return &errs.Error{Code: errs.TooManyRequests, RetryAfter: time.Minute,
			Message: fmt.Sprintf("未完成的上传过多（最多 %d 个、共 %d MB），请先完成或等待正在上传的文件", MaxOpenUploads, MaxPendingFiles*c.MaxBytes>>20)}
	}
	return nil
}

// Status reports how much of an upload has arrived; errs.NotFound if the
// caller never started it.
func (c *Chunks) Status(ctx context.Context, uploaderID, id string) (Upload, error) {
	return c.Store.Upload(ctx, uploaderID, id)
}

// ErrNoUpload is what a store answers for an upload that is not the caller's,
// or no longer there.
var ErrNoUpload = errs.New(errs.NotFound, "上传不存在或已过期，请重新上传")

// Range is a piece's place in its file: "bytes First-Last/Total".
type Range struct{ First, Last, Total int64 }

var contentRange = regexp.MustCompile(`^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$`)

// ParseRange reads a Content-Range header; the numbers are checked against the
// upload by Append.
func ParseRange(header string) (Range, error) {
	m := contentRange.FindStringSubmatch(header)
	if m == nil {
		return Range{}, badRange("应为 bytes 起始-结束/总大小")
	}
	var r Range
	_, _ = fmt.Sscan(m[1], &r.First)
	_, _ = fmt.Sscan(m[2], &r.Last)
	_, _ = fmt.Sscan(m[3], &r.Total)
	return r, nil
}

func badRange(message string) error {
	return errs.Fields("Content-Range 无效", errs.FieldError{Field: "Content-Range", Code: "invalid", Message: message})
}

// Append writes a piece at its range, which must start where the upload stands
// (a range already received or beyond is a conflict naming the offset to resume
// from), end where the piece's bytes end, and name the upload's declared size.
func (c *Chunks) Append(ctx context.Context, uploaderID, id string, r Range, piece []byte) (Upload, error) {
	u, err := c.Store.Upload(ctx, uploaderID, id)
	if err != nil {
		return Upload{}, err
	}
	switch {
	case r.Total != u.Size:
		return Upload{}, badRange(fmt.Sprintf("总大小应为 %d 字节", u.Size))
	case r.First != u.Offset:
		return u, wrongOffset(u.Offset)
	case len(piece) == 0 || r.Last != r.First+int64(len(piece))-1 || r.Last >= u.Size:
		return Upload{}, badRange(fmt.Sprintf("这一段有 %d 字节，与 Content-Range 不符", len(piece)))
	case len(piece) > MaxPiece:
		return Upload{}, errs.New(errs.TooLarge, fmt.Sprintf("每段不能超过 %d MB", MaxPiece>>20))
	}
	// Pieces that make a part go to the bucket before this one is taken: if
	// the bucket fails, the piece is refused (503) and sent again.
	if u.PartsID != "" && u.Offset-u.Flushed >= MinPart {
		if _, err := c.putPart(ctx, uploaderID, id, false); err != nil && !errs.Is(err, errs.Conflict) {
			return Upload{}, err
		}
	}
	if err := c.Store.AppendPiece(ctx, uploaderID, u, piece, c.Now().UTC()); errs.Is(err, errs.Conflict) {
		// Another instance took the same piece first: say where it stands now.
		now, err := c.Store.Upload(ctx, uploaderID, id)
		if err != nil {
			return Upload{}, err
		}
		return now, wrongOffset(now.Offset)
	} else if err != nil {
		return Upload{}, err
	}
	u.Offset += int64(len(piece))
	return u, nil
}

func wrongOffset(offset int64) error {
	return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("应从第 %d 字节继续上传", offset),
		Fields: []errs.FieldError{{Field: "Content-Range", Code: "wrong_offset", Params: map[string]any{"offset": offset}}}}
}

// Complete hands the finished file to fn (which stores it), checking it
// against its declared hash as fn reads it: a file that differs fails at its
// last byte, before fn stores anything, and Complete says so. fn reads the
// file to its end. The upload is removed whatever happens: a mismatch or a
// refused file must be sent again from the start, and nothing of it may stay.
func (c *Chunks) Complete(ctx context.Context, u Upload, fn func(io.Reader) error) error {
	defer c.remove(context.WithoutCancel(ctx), u)
	body, err := c.open(ctx, u)
	if err != nil {
		return err
	}
	defer body.Close()
	checked := &hashChecked{r: body, hash: sha256.New(), want: u.SHA256}
	err = fn(checked)
	if checked.mismatch {
		return errs.New(errs.Invalid, "文件校验失败（SHA-256 不符），请重新上传")
	}
	return err
}

// hashChecked reads r, and at its end fails instead if what was read does not
// hash to want. The pieces are read once, not once to check and once to store.
type hashChecked struct {
	r        io.Reader
	hash     hash.Hash
	want     string
	mismatch bool
}

var errHashMismatch = errors.New("the file does not match its declared SHA-256")

func (h *hashChecked) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.hash.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(h.hash.Sum(nil)) != h.want {
		h.mismatch = true
		return n, errHashMismatch
	}
	return n, err
}

// open reads a finished upload: its pieces from the store, or the file the
// bucket joins from its parts once the last pieces are a part too.
func (c *Chunks) open(ctx context.Context, u Upload) (io.ReadCloser, error) {
	if u.PartsID == "" {
		return c.Store.ReadUpload(ctx, u)
	}
	var err error
	for range 3 { // a conflict is another instance's part saved meanwhile: go on from it
		if u, err = c.putPart(ctx, u.Uploader, u.ID, true); !errs.Is(err, errs.Conflict) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return c.Parts.JoinParts(ctx, u.ID, u.PartsID, u.Parts)
}

// putPart moves the pieces the store holds into the upload's next part: a
// part of at least MinPart bytes, or the last one. Of two instances doing so
// at once, the store keeps one part (the other gets errs.Conflict); the other
// part is never listed, and the bucket drops it when the upload completes.
func (c *Chunks) putPart(ctx context.Context, uploaderID, id string, last bool) (Upload, error) {
	if c.Parts == nil { // begun by an instance with a bucket, continued on one without
		return Upload{}, errs.New(errs.Unavailable, "文件存储未配置，请联系管理员")
	}
	number, u, err := c.Store.ClaimPart(ctx, uploaderID, id)
	if err != nil {
		return u, err
	}
	held := u.Offset - u.Flushed
	if held == 0 || (!last && held < MinPart) {
		return u, nil // another instance moved them first
	}
	body, err := c.Store.ReadUpload(ctx, u)
	if err != nil {
		return u, err
	}
	defer body.Close()
	part := Part{Number: number, Size: held}
	if part.ETag, err = c.Parts.PutPart(ctx, u.ID, u.PartsID, number, held, body); err != nil {
		return u, err
	}
	if err := c.Store.SavePart(ctx, u, part); err != nil {
		return u, err
	}
	u.Parts, u.Flushed = append(u.Parts, part), u.Flushed+held
	return u, nil
}

// remove deletes an upload's parts, then the upload and its pieces. Parts the
// bucket could not drop now are left to its lifecycle rule (deploy/README.md).
func (c *Chunks) remove(ctx context.Context, u Upload) {
	if u.PartsID != "" && c.Parts != nil {
		_ = c.Parts.DropParts(ctx, u.ID, u.PartsID)
	}
	_ = c.Store.DeleteUpload(ctx, u.Uploader, u.ID)
}

// Sweep removes uploads untouched for UploadExpiry, with their parts, and
// returns how many.
func (c *Chunks) Sweep(ctx context.Context) (int, error) {
	gone, err := c.Store.ExpireUploads(ctx, c.Now().Add(-UploadExpiry))
	for _, u := range gone {
		if u.PartsID != "" && c.Parts != nil {
			err = errors.Join(err, c.Parts.DropParts(ctx, u.ID, u.PartsID))
		}
	}
	return len(gone), err
}
