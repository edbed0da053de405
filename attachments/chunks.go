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
	"sync"

	"taizhang/errs"
)

// Chunks receives large files in pieces over a bad network: the phone declares
// the file's hash and size, sends byte ranges in order, and after a dropped
// connection asks where to resume. An upload is named by uploader and hash, so
// starting it again resumes it, and a finished one is the same attachment.
type Chunks struct {
	Dir      string // partial files live here until complete
	MaxBytes int64

	mu sync.Mutex // appends to one upload must not interleave
}

// Upload is the state of a chunked upload.
type Upload struct {
	ID     string `json:"uploadId"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Offset int64  `json:"offset"`
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
	u := Upload{ID: IDFor(uploaderID, sha), SHA256: sha, Size: size}
	part, meta := c.paths(u.ID)
	if info, err := os.Stat(part); err == nil {
		u.Offset = info.Size()
		return u, nil
	}
	if err := os.MkdirAll(c.Dir, 0o750); err != nil {
		return Upload{}, err
	}
	raw, _ := json.Marshal(u)
	if err := os.WriteFile(meta, raw, 0o600); err != nil {
		return Upload{}, err
	}
	return u, os.WriteFile(part, nil, 0o600)
}

// Status reports how much of an upload has arrived; errs.NotFound if the
// caller never started it.
func (c *Chunks) Status(uploaderID, id string) (Upload, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.status(uploaderID, id)
}

func (c *Chunks) status(uploaderID, id string) (Upload, error) {
	part, meta := c.paths(filepath.Base(id))
	raw, err := os.ReadFile(meta)
	var u Upload
	if err != nil || json.Unmarshal(raw, &u) != nil || IDFor(uploaderID, u.SHA256) != id {
		return Upload{}, errs.New(errs.NotFound, "上传不存在")
	}
	info, err := os.Stat(part)
	if err != nil {
		return Upload{}, errs.New(errs.NotFound, "上传不存在")
	}
	u.Offset = info.Size()
	return u, nil
}

// Append writes bytes at start, which must be where the upload stands: a range
// already received or beyond the end is a conflict that names the offset to
// resume from.
func (c *Chunks) Append(uploaderID, id string, start int64, r io.Reader) (Upload, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := c.status(uploaderID, id)
	if err != nil {
		return u, err
	}
	if start != u.Offset {
		return u, &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("应从第 %d 字节继续上传", u.Offset),
			Fields: []errs.FieldError{{Field: "Content-Range", Code: "wrong_offset", Params: map[string]any{"offset": u.Offset}}}}
	}
	part, _ := c.paths(u.ID)
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return u, err
	}
	n, copyErr := io.Copy(f, io.LimitReader(r, u.Size-u.Offset+1))
	if err := errors.Join(copyErr, f.Sync(), f.Close()); err != nil {
		return u, err
	}
	u.Offset += n
	if u.Offset > u.Size {
		c.discard(u.ID)
		return u, errs.New(errs.Invalid, "上传的字节数超过了声明的文件大小，请重新上传")
	}
	return u, nil
}

// Complete checks the finished file against its declared hash and hands it to
// fn (which stores it), then removes the partial files. A mismatch discards the
// upload: the phone must send it again.
func (c *Chunks) Complete(u Upload, fn func(io.Reader) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
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
		c.discard(u.ID)
		return errs.New(errs.Invalid, "文件校验失败（SHA-256 不符），请重新上传")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	c.discard(u.ID)
	return nil
}

func (c *Chunks) discard(id string) {
	part, meta := c.paths(id)
	_ = os.Remove(part)
	_ = os.Remove(meta)
}
