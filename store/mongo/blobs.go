package mongo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"taizhang/attachments"
)

// GridFSBlobs implements attachments.Blobs in the GridFS bucket "blobs", the
// SHA-256 as file id: the MongoDB store's blobs when TAIZHANG_BLOB_URL is empty.
type GridFSBlobs struct {
	bucket *mongo.GridFSBucket
	// opening serialises opening upload streams: the driver's bucket notes
	// its first write (when it makes its indexes) without a lock.
	opening sync.Mutex
}

var _ attachments.Blobs = (*GridFSBlobs)(nil)

// Has implements attachments.Blobs.
func (g *GridFSBlobs) Has(ctx context.Context, sha string) (bool, error) {
	if err := attachments.CheckSHA(sha); err != nil {
		return false, err
	}
	cur, err := g.bucket.Find(ctx, bson.D{{Key: "_id", Value: sha}})
	if err != nil {
		return false, mapError("find blob", err)
	}
	defer cur.Close(ctx)
	return cur.Next(ctx), mapError("find blob", cur.Err())
}

// Put implements attachments.Blobs. GridFS writes the file document after its
// chunks, so an interrupted upload leaves no file (its orphan chunks are
// deleted by the driver on abort).
func (g *GridFSBlobs) Put(ctx context.Context, sha string, size int64, content io.Reader) error {
	if has, err := g.Has(ctx, sha); has || err != nil {
		return err
	}
	g.opening.Lock()
	stream, err := g.bucket.OpenUploadStreamWithID(ctx, sha, sha)
	g.opening.Unlock()
	if err != nil {
		return mapError("store blob", err)
	}
	n, err := io.Copy(stream, content)
	if err == nil && n != size {
		err = fmt.Errorf("blob %s: got %d bytes, want %d", sha, n, size)
	}
	if err != nil {
		_ = stream.Abort()
		return err
	}
	if err := stream.Close(); err != nil && !mongo.IsDuplicateKeyError(err) { // a concurrent upload of the same bytes won
		return mapError("store blob", err)
	}
	return nil
}

// Open implements attachments.Blobs.
func (g *GridFSBlobs) Open(ctx context.Context, sha string) (io.ReadSeekCloser, error) {
	if err := attachments.CheckSHA(sha); err != nil {
		return nil, err
	}
	stream, err := g.bucket.OpenDownloadStream(ctx, sha)
	if errors.Is(err, mongo.ErrFileNotFound) {
		return nil, fmt.Errorf("blob %s: %w", sha, fs.ErrNotExist)
	}
	if err != nil {
		return nil, mapError("open blob", err)
	}
	return &gridFSReader{GridFSDownloadStream: stream}, nil
}

// Check implements attachments.Blobs: the database answers (Open pinged it).
func (g *GridFSBlobs) Check(context.Context) error { return nil }

// gridFSReader adds forward seeking to a download stream, which can only skip:
// enough for a ranged download, which seeks once before reading.
type gridFSReader struct {
	*mongo.GridFSDownloadStream
	pos int64
}

func (r *gridFSReader) Read(p []byte) (int, error) {
	n, err := r.GridFSDownloadStream.Read(p)
	r.pos += int64(n)
	return n, err
}

func (r *gridFSReader) Seek(offset int64, whence int) (int64, error) {
	if whence == io.SeekCurrent {
		offset += r.pos
	}
	if whence == io.SeekEnd || offset < r.pos {
		return r.pos, errors.New("a GridFS blob seeks forward only")
	}
	n, err := r.Skip(offset - r.pos)
	r.pos += n
	return r.pos, err
}

// Blobs is the store's blob store (GridFS unless Options.Blobs named another).
func (db *DB) Blobs() attachments.Blobs { return db.blobs }
