package attachments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"taizhang/errs"
)

// Chunks receives large files in pieces over a bad network: the phone declares
// the file's hash and size, sends byte ranges in order, and after a dropped
// connection asks where to resume. An upload is named by uploader and hash, so
// starting it again resumes it, and a finished one is the same attachment.
//
// Partial files cost disk until they finish, so each uploader may hold only a
// few open uploads and a bounded number of declared bytes; uploads untouched for
// a day are swept away, and a failed one is removed at once.
type Chunks struct {
	Dir      string // partial files live here until complete
	MaxBytes int64  // the largest file
	Now      func() time.Time

	mu sync.Mutex // appends to one upload must not interleave
}

// Limits on what one uploader may hold open at a time, and for how long.
const (
	MaxOpenUploads = 5
	// MaxPendingFiles is how many largest-size files' worth of declared bytes
	// one uploader may have open.
	MaxPendingFiles = 3
	UploadExpiry    = 24 * time.Hour
)

// Upload is the state of a chunked upload.
type Upload struct {
	ID     string `json:"uploadId"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Offset int64  `json:"offset"`
	// Uploader and Touched are kept in the metadata file, not shown.
	Uploader string    `json:"uploader,omitempty"`
	Touched  time.Time `json:"touched,omitzero"`
}

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (c *Chunks) paths(id string) (part, meta string) {
	return filepath.Join(c.Dir, id+".part"), filepath.Join(c.Dir, id+".json")
}

// Start begins (or resumes) the upload of a file with the given hash and size.
func (c *Chunks) Start(uploaderID, sha string, size int64) (Upload, error) {
	if !shaPattern.MatchString(sha) {
		return Upload{}, errs.Fields("sha256 无效", errs.FieldError{Field: "sha256", Code: "invalid", Message: "应为 64 位十六进制 SHA-256"})
	}
	if size < 1 || size > c.MaxBytes {
		return Upload{}, errs.New(errs.TooLarge, fmt.Sprintf("文件不能超过 %d MB", c.MaxBytes>>20))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := IDFor(uploaderID, sha)
	if u, err := c.status(uploaderID, id); err == nil {
		return u.shown(), nil
	}
	if err := c.checkRoom(uploaderID, size); err != nil {
		return Upload{}, err
	}
	u := Upload{ID: id, SHA256: sha, Size: size, Uploader: uploaderID, Touched: c.Now().UTC()}
	if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return Upload{}, err
	}
	part, _ := c.paths(u.ID)
	if err := os.WriteFile(part, nil, 0o600); err != nil {
		return Upload{}, err
	}
	return u.shown(), c.writeMeta(u)
}

// checkRoom refuses a new upload beyond the uploader's limits (429): a few
// open uploads at once, and declared bytes worth a few of the largest files.
func (c *Chunks) checkRoom(uploaderID string, size int64) error {
	open, err := c.open()
	if err != nil {
		return err
	}
	count, pending := 0, size
	for _, u := range open {
		if u.Uploader == uploaderID {
			count++
			pending += u.Size
		}
	}
	if count >= MaxOpenUploads || pending > MaxPendingFiles*c.MaxBytes {
		return &errs.Error{Code: errs.TooManyRequests, RetryAfter: time.Minute,
			Message: fmt.Sprintf("未完成的上传过多（最多 %d 个、共 %d MB），请先完成或等待正在上传的文件", MaxOpenUploads, MaxPendingFiles*c.MaxBytes>>20)}
	}
	return nil
}

// open lists the uploads in progress, from their metadata files.
func (c *Chunks) open() ([]Upload, error) {
	names, err := filepath.Glob(filepath.Join(c.Dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var out []Upload
	for _, name := range names {
		raw, err := os.ReadFile(name)
		var u Upload
		if err == nil && json.Unmarshal(raw, &u) == nil && u.ID != "" {
			out = append(out, u)
		}
	}
	return out, nil
}

func (c *Chunks) writeMeta(u Upload) error {
	_, meta := c.paths(u.ID)
	raw, _ := json.Marshal(u)
	return os.WriteFile(meta, raw, 0o600)
}

// shown is what the API answers: no uploader, no bookkeeping.
func (u Upload) shown() Upload {
	u.Uploader, u.Touched = "", time.Time{}
	return u
}

// Status reports how much of an upload has arrived; errs.NotFound if the
// caller never started it.
func (c *Chunks) Status(uploaderID, id string) (Upload, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.status(uploaderID, id)
	return u.shown(), err
}

var errNoUpload = errs.New(errs.NotFound, "上传不存在或已过期，请重新上传")

func (c *Chunks) status(uploaderID, id string) (Upload, error) {
	part, meta := c.paths(filepath.Base(id))
	raw, err := os.ReadFile(meta)
	var u Upload
	if err != nil || json.Unmarshal(raw, &u) != nil || IDFor(uploaderID, u.SHA256) != id {
		return Upload{}, errNoUpload
	}
	info, err := os.Stat(part)
	if err != nil {
		return Upload{}, errNoUpload
	}
	u.Offset = info.Size()
	return u, nil
}

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
func (c *Chunks) Append(uploaderID, id string, r Range, piece []byte) (Upload, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.status(uploaderID, id)
	if err != nil {
		return Upload{}, err
	}
	switch {
	case r.Total != u.Size:
		return Upload{}, badRange(fmt.Sprintf("总大小应为 %d 字节", u.Size))
	case r.First != u.Offset:
		return u.shown(), &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("应从第 %d 字节继续上传", u.Offset),
			Fields: []errs.FieldError{{Field: "Content-Range", Code: "wrong_offset", Params: map[string]any{"offset": u.Offset}}}}
	case len(piece) == 0 || r.Last != r.First+int64(len(piece))-1 || r.Last >= u.Size:
		return Upload{}, badRange(fmt.Sprintf("这一段有 %d 字节，与 Content-Range 不符", len(piece)))
	}
	part, _ := c.paths(u.ID)
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return Upload{}, err
	}
	_, writeErr := f.Write(piece)
	if err := errors.Join(writeErr, f.Sync(), f.Close()); err != nil {
		return Upload{}, err
	}
	u.Offset += int64(len(piece))
	u.Touched = c.Now().UTC()
	return u.shown(), c.writeMeta(u)
}

// Complete checks the finished file against its declared hash and hands it to
// fn (which stores it). The partial files are removed whatever happens: a
// mismatch or a refused file must be sent again from the start, and nothing of
// it may stay on disk.
func (c *Chunks) Complete(u Upload, fn func(io.Reader) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.discard(u.ID)
	part, _ := c.paths(u.ID)
	f, err := os.Open(part)
	if err != nil {
		return err
	}
	defer f.Close()
	hash := sha256.New()
	if _, err := io.Copy(hash, f); err != nil {
		return err
	}
	if hex.EncodeToString(hash.Sum(nil)) != u.SHA256 {
		return errs.New(errs.Invalid, "文件校验失败（SHA-256 不符），请重新上传")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return fn(f)
}

// Sweep removes uploads untouched for UploadExpiry, and stray files of
// uploads whose metadata is gone. It returns how many uploads it removed.
func (c *Chunks) Sweep() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	open, err := c.open()
	if err != nil {
		return 0, err
	}
	cutoff, removed := c.Now().Add(-UploadExpiry), 0
	known := map[string]bool{}
	for _, u := range open {
		if u.Touched.Before(cutoff) {
			c.discard(u.ID)
			removed++
			continue
		}
		known[u.ID] = true
	}
	parts, _ := filepath.Glob(filepath.Join(c.Dir, "*.part"))
	for _, p := range parts {
		if !known[strings.TrimSuffix(filepath.Base(p), ".part")] {
			_ = os.Remove(p)
		}
	}
	return removed, nil
}

func (c *Chunks) discard(id string) {
	part, meta := c.paths(id)
	_ = os.Remove(part)
	_ = os.Remove(meta)
}
