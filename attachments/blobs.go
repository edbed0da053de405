package attachments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// Blobs keeps file contents under their SHA-256: the data dir, GridFS or an
// S3-compatible bucket. Who may read a blob is decided by the attachment store
// before it opens one; a blob store knows nothing of people.
type Blobs interface {
	// Has reports whether the content with this hash is stored.
	Has(ctx context.Context, sha string) (bool, error)
	// Put stores size bytes of content under sha, whole or not at all: a
	// reader cut short leaves nothing behind. Storing the same sha again is
	// harmless. The caller has checked that content hashes to sha.
	Put(ctx context.Context, sha string, size int64, content io.Reader) error
	// Open reads a stored blob; the error wraps fs.ErrNotExist when it is
	// absent. Seeking lets a ranged download start where it asks, not at 0.
	Open(ctx context.Context, sha string) (io.ReadSeekCloser, error)
	// Check proves at start that the store is there and readable, so a
	// misconfigured bucket stops the binary instead of the first upload.
	Check(ctx context.Context) error
}

var shaKey = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckSHA refuses a key that is not a lower-case hex SHA-256: blob stores
// build paths and object names from it.
func CheckSHA(sha string) error {
	if !shaKey.MatchString(sha) {
		return fmt.Errorf("blob key %q is not a SHA-256", sha)
	}
	return nil
}

// DirBlobs keeps blobs as files in Dir/<first two hex digits>/<sha256>: the
// embedded store's default.
type DirBlobs struct{ Dir string }

func (d DirBlobs) path(sha string) string { return filepath.Join(d.Dir, sha[:2], sha) }

// Has implements Blobs.
func (d DirBlobs) Has(_ context.Context, sha string) (bool, error) {
	if err := CheckSHA(sha); err != nil {
		return false, err
	}
	_, err := os.Stat(d.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// Put implements Blobs: written to a temporary file and renamed into place, so
// a crash or a short reader never leaves a half file under a hash.
func (d DirBlobs) Put(ctx context.Context, sha string, size int64, content io.Reader) error {
	if has, err := d.Has(ctx, sha); has || err != nil {
		return err
	}
	path := d.path(sha)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "incoming-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, content)
	if err == nil && n != size {
		err = fmt.Errorf("blob %s: got %d bytes, want %d", sha, n, size)
	}
	if err := errors.Join(err, tmp.Sync(), tmp.Close()); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Open implements Blobs.
func (d DirBlobs) Open(_ context.Context, sha string) (io.ReadSeekCloser, error) {
	if err := CheckSHA(sha); err != nil {
		return nil, err
	}
	return os.Open(d.path(sha))
}

// Check implements Blobs: the directory exists or can be made, and is writable.
func (d DirBlobs) Check(context.Context) error {
	if err := os.MkdirAll(d.Dir, 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(d.Dir, "check-*")
	if err != nil {
		return fmt.Errorf("blob dir %s is not writable: %w", d.Dir, err)
	}
	return errors.Join(f.Close(), os.Remove(f.Name()))
}
