// Package blobtest is the contract every blob store (data dir, GridFS, S3)
// passes: the attachment stores rely on nothing more than this.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"sync"
	"testing"

	"taizhang/attachments"
)

// Run runs the contract on the blob store open returns (a fresh one each time).
func Run(t *testing.T, open func(t *testing.T) attachments.Blobs) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open(t)) })
	t.Run("SeekStartsThere", func(t *testing.T) { testSeek(t, open(t)) })
	t.Run("ShortReaderStoresNothing", func(t *testing.T) { testShortReader(t, open(t)) })
	t.Run("ConcurrentPutsOfOneBlob", func(t *testing.T) { testConcurrentPuts(t, open(t)) })
	t.Run("RefusesKeysThatAreNotHashes", func(t *testing.T) { testBadKeys(t, open(t)) })
}

// Content returns n pseudo-random bytes (seeded: the same n gives the same
// bytes) and their hash.
func Content(n int, seed uint64) ([]byte, string) {
	r := rand.New(rand.NewPCG(seed, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

func readAll(t *testing.T, b attachments.Blobs, sha string) []byte {
	t.Helper()
	r, err := b.Open(context.Background(), sha)
	if err != nil {
		t.Fatalf("open %s: %v", sha[:8], err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("read %s: %v", sha[:8], err)
	}
	return got
}

func testRoundTrip(t *testing.T, b attachments.Blobs) {
	ctx := context.Background()
	if err := b.Check(ctx); err != nil {
		t.Fatalf("check: %v", err)
	}
	content, sha := Content(3<<20+17, 1) // more than one GridFS chunk and S3 read buffer
	if has, err := b.Has(ctx, sha); has || err != nil {
		t.Fatalf("an empty store has it: %v %v", has, err)
	}
	if _, err := b.Open(ctx, sha); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("opening an absent blob: want fs.ErrNotExist, got %v", err)
	}
	if err := b.Put(ctx, sha, int64(len(content)), bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if has, err := b.Has(ctx, sha); !has || err != nil {
		t.Fatalf("stored blob not found: %v %v", has, err)
	}
	if !bytes.Equal(readAll(t, b, sha), content) {
		t.Fatal("the bytes read differ from the bytes stored")
	}
	// Storing it again (another uploader's copy) changes nothing.
	if err := b.Put(ctx, sha, int64(len(content)), bytes.NewReader(content)); err != nil {
		t.Fatalf("second put: %v", err)
	}
	if !bytes.Equal(readAll(t, b, sha), content) {
		t.Fatal("a second put changed the bytes")
	}
}

func testSeek(t *testing.T, b attachments.Blobs) {
	ctx := context.Background()
	content, sha := Content(700_000, 2)
	if err := b.Put(ctx, sha, int64(len(content)), bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	for _, offset := range []int64{0, 1, 255 << 10, int64(len(content)) - 10} {
		r, err := b.Open(ctx, sha)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Seek(offset, io.SeekStart); err != nil {
			t.Fatalf("seek %d: %v", offset, err)
		}
		got := make([]byte, min(1000, int64(len(content))-offset))
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("read at %d: %v", offset, err)
		}
		r.Close()
		if !bytes.Equal(got, content[offset:offset+int64(len(got))]) {
			t.Fatalf("bytes at %d differ", offset)
		}
	}
}

// failingReader gives some bytes, then fails: a phone's connection dropping.
type failingReader struct {
	r io.Reader
	n int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	p = p[:min(len(p), f.n)]
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func testShortReader(t *testing.T, b attachments.Blobs) {
	ctx := context.Background()
	content, sha := Content(600_000, 3)
	err := b.Put(ctx, sha, int64(len(content)), &failingReader{r: bytes.NewReader(content), n: 300_000})
	if err == nil {
		t.Fatal("a reader that fails halfway must fail the put")
	}
	if has, _ := b.Has(ctx, sha); has {
		t.Fatal("half a blob was stored")
	}
	// Fewer bytes than declared, without an error, is refused too.
	if err := b.Put(ctx, sha, int64(len(content)), bytes.NewReader(content[:1000])); err == nil {
		t.Fatal("a short body must fail the put")
	}
	if has, _ := b.Has(ctx, sha); has {
		t.Fatal("a short body was stored")
	}
}

func testConcurrentPuts(t *testing.T, b attachments.Blobs) {
	ctx := context.Background()
	content, sha := Content(400_000, 4)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = b.Put(ctx, sha, int64(len(content)), bytes.NewReader(content)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("put %d: %v", i, err)
		}
	}
	if !bytes.Equal(readAll(t, b, sha), content) {
		t.Fatal("concurrent puts left other bytes")
	}
}

func testBadKeys(t *testing.T, b attachments.Blobs) {
	ctx := context.Background()
	for _, key := range []string{"", "../../etc/passwd", "ABCDEF", "g" + string(bytes.Repeat([]byte("0"), 63))} {
		if err := b.Put(ctx, key, 1, bytes.NewReader([]byte("x"))); err == nil {
			t.Errorf("put %q must fail", key)
		}
		if _, err := b.Open(ctx, key); err == nil {
			t.Errorf("open %q must fail", key)
		}
	}
}
