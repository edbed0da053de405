package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"taizhang/attachments"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/store/s3"
	"taizhang/store/s3/s3test"
	"taizhang/store/sqlite"
)

// partsWorld is chunked uploads on the embedded store with a bucket.
type partsWorld struct {
	chunks  *attachments.Chunks
	cfg     s3.Config
	setDown func(bool) // nil on a real server
	now     time.Time
}

// eachBucket runs a test on gofakes3, and on the real S3-compatible server
// TAIZHANG_TEST_S3_URL names (with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY),
// which enforces S3's part sizes, when it is set.
func eachBucket(t *testing.T, test func(t *testing.T, w *partsWorld)) {
	t.Run("fake", func(t *testing.T) {
		fake := s3test.Start(t, "taizhang")
		cfg, err := s3.ParseURL(fake.URL(ids.New(time.Now())))
		if err != nil {
			t.Fatal(err)
		}
		cfg.AccessKey, cfg.SecretKey = s3test.AccessKey, s3test.SecretKey
		test(t, newPartsWorld(t, cfg, fake.SetDown))
	})
	if raw := os.Getenv("TAIZHANG_TEST_S3_URL"); raw != "" {
		t.Run("real", func(t *testing.T) {
			cfg, err := s3.ParseURL(raw)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Prefix += "taizhang-test-" + ids.New(time.Now()) + "/"
			cfg.AccessKey, cfg.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
			test(t, newPartsWorld(t, cfg, nil))
		})
	}
}

func newPartsWorld(t *testing.T, cfg s3.Config, setDown func(bool)) *partsWorld {
	w := &partsWorld{cfg: cfg, setDown: setDown, now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	blobs, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.chunks = &attachments.Chunks{Store: db.Uploads(), Parts: blobs, MaxBytes: 32 << 20, Now: func() time.Time { return w.now }}
	return w
}

// leftovers lists what the world's uploads hold in the bucket.
func (w *partsWorld) leftovers(t *testing.T) (inProgress, joined []string) {
	lookup := minio.BucketLookupAuto
	if w.cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(w.cfg.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(w.cfg.AccessKey, w.cfg.SecretKey, ""),
		Secure: w.cfg.Secure, Region: w.cfg.Region, BucketLookup: lookup})
	if err != nil {
		t.Fatal(err)
	}
	return s3test.Uploads(t, client, w.cfg.Bucket, w.cfg.Prefix)
}

func randomFile(size int, seed uint64) ([]byte, string) {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// send appends file[from:to] as the phone does.
func (w *partsWorld) send(u attachments.Upload, file []byte, from, to int) (attachments.Upload, error) {
	return w.chunks.Append(context.Background(), u.Uploader, u.ID, attachments.Range{First: int64(from), Last: int64(to - 1), Total: int64(len(file))}, file[from:to])
}

// TestLargeChunkedUploadIsAMultipartUpload: on a bucket, a 12 MB file sent in
// 512 KB pieces goes into an S3 multipart upload as its pieces make parts; the
// store never holds more than a part and a piece of it; every part but the
// last is at least S3's 5 MiB; the file joined at the end is the one sent, and
// nothing of the upload stays in the bucket or the store.
func TestLargeChunkedUploadIsAMultipartUpload(t *testing.T) {
	eachBucket(t, testLargeChunkedUpload)
}

func testLargeChunkedUpload(t *testing.T, w *partsWorld) {
	ctx := context.Background()
	file, sha := randomFile(12<<20+123, 1)
	u, err := w.chunks.Start(ctx, "cadre-1", sha, int64(len(file)))
	if err != nil || u.PartsID == "" {
		t.Fatalf("start: %+v %v", u, err)
	}
	const piece = 512 << 10
	for from := 0; from < len(file)-piece; from += piece {
		if u, err = w.send(u, file, from, from+piece); err != nil {
			t.Fatalf("piece at %d: %v", from, err)
		}
		now, _ := w.chunks.Status(ctx, u.Uploader, u.ID)
		if held := now.Offset - now.Flushed; held > attachments.MinPart+piece {
			t.Fatalf("at %d the store holds %d bytes of pieces", now.Offset, held)
		}
	}
	before, _ := w.chunks.Status(ctx, u.Uploader, u.ID)
	if len(before.Parts) != 2 || before.Flushed < 2*attachments.MinPart {
		t.Fatalf("before the last piece: %d parts holding %d bytes", len(before.Parts), before.Flushed)
	}
	for _, p := range before.Parts {
		if p.Size < attachments.MinPart {
			t.Fatalf("part %d holds %d bytes, less than S3 accepts but for the last", p.Number, p.Size)
		}
	}
	if pending, _ := w.leftovers(t); len(pending) != 1 {
		t.Fatalf("multipart uploads in progress: %v", pending)
	}
	last := len(file) - len(file)%piece
	if u, err = w.send(u, file, last, len(file)); err != nil || u.Offset != u.Size {
		t.Fatalf("last piece: %+v %v", u, err)
	}
	var got []byte
	if err := w.chunks.Complete(ctx, u, func(r io.Reader) (err error) { got, err = io.ReadAll(r); return err }); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, file) {
		t.Fatalf("joined %d bytes, not the %d sent", len(got), len(file))
	}
	w.wantNothingLeft(t, u)
}

// TestMultipartUploadFailsWhole: a file that does not hash to what was
// declared fails at the end and leaves nothing; a part the bucket cannot take
// refuses its piece with 503, and the same piece is taken once it is back; an
// upload abandoned for a day is swept with its parts.
func TestMultipartUploadFailsWhole(t *testing.T) {
	eachBucket(t, testMultipartFailsWhole)
}

func testMultipartFailsWhole(t *testing.T, w *partsWorld) {
	ctx := context.Background()
	file, _ := randomFile(6<<20, 2)
	_, other := randomFile(10, 3)
	u, err := w.chunks.Start(ctx, "cadre-1", other, int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	for from := 0; from < len(file); from += 1 << 20 {
		if u, err = w.send(u, file, from, from+1<<20); err != nil {
			t.Fatal(err)
		}
	}
	err = w.chunks.Complete(ctx, u, func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
	if !errs.Is(err, errs.Invalid) {
		t.Fatalf("a file that is not what was declared: %v", err)
	}
	w.wantNothingLeft(t, u)

	file, sha := randomFile(7<<20, 4)
	if u, err = w.chunks.Start(ctx, "cadre-1", sha, int64(len(file))); err != nil {
		t.Fatal(err)
	}
	for from := 0; from < 5<<20; from += 1 << 20 {
		if u, err = w.send(u, file, from, from+1<<20); err != nil {
			t.Fatal(err)
		}
	}
	if w.setDown != nil { // a real server cannot be taken down from here
		w.setDown(true)
		_, err = w.send(u, file, 5<<20, 6<<20) // five pieces make a part, sent before this one is taken
		var e *errs.Error
		if !asError(err, &e) || e.Code != errs.Unavailable || e.RetryAfter == 0 {
			t.Fatalf("bucket down for a part: %v", err)
		}
		w.setDown(false)
		if now, _ := w.chunks.Status(ctx, u.Uploader, u.ID); now.Offset != 5<<20 || now.Flushed != 0 {
			t.Fatalf("a refused piece moved the upload: %+v", now)
		}
	}
	if u, err = w.send(u, file, 5<<20, 6<<20); err != nil || u.Offset != 6<<20 {
		t.Fatalf("the piece after a part: %+v %v", u, err)
	}
	w.now = w.now.Add(25 * time.Hour)
	if n, err := w.chunks.Sweep(ctx); n != 1 || err != nil {
		t.Fatalf("sweep: %d %v", n, err)
	}
	w.wantNothingLeft(t, u)
}

func (w *partsWorld) wantNothingLeft(t *testing.T, u attachments.Upload) {
	t.Helper()
	if pending, joined := w.leftovers(t); len(pending)+len(joined) != 0 {
		t.Fatalf("left in the bucket: multipart uploads %v, files %v", pending, joined)
	}
	if _, err := w.chunks.Status(context.Background(), u.Uploader, u.ID); !errs.Is(err, errs.NotFound) {
		t.Fatalf("the upload is still in the store: %v", err)
	}
}
