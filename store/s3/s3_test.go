package s3_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"taizhang/attachments"
	"taizhang/attachments/blobtest"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/store/s3"
	"taizhang/store/s3/s3test"
)

func open(t *testing.T, raw, access, secret string) *s3.Blobs {
	t.Helper()
	cfg, err := s3.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AccessKey, cfg.SecretKey = access, secret
	b, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBlobContractOnFakeS3 runs the blob contract on gofakes3, each run under
// its own prefix of one bucket.
func TestBlobContractOnFakeS3(t *testing.T) {
	fake := s3test.Start(t, "taizhang")
	blobtest.Run(t, func(t *testing.T) attachments.Blobs {
		return open(t, fake.URL(ids.New(time.Now())), s3test.AccessKey, s3test.SecretKey)
	})
}

// TestBlobContractOnRealS3 runs it on a real S3-compatible server when
// TAIZHANG_TEST_S3_URL names a bucket (credentials from AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY).
func TestBlobContractOnRealS3(t *testing.T) {
	raw := os.Getenv("TAIZHANG_TEST_S3_URL")
	if raw == "" {
		t.Skip("TAIZHANG_TEST_S3_URL is not set: no real S3-compatible server to test against")
	}
	cfg, err := s3.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, func(t *testing.T) attachments.Blobs {
		c := cfg
		c.Prefix += "taizhang-test-" + ids.New(time.Now()) + "/"
		c.AccessKey, c.SecretKey = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		b, err := s3.New(c)
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestParseURL(t *testing.T) {
	cfg, err := s3.ParseURL("s3://photos/city/a?endpoint=minio:9000&region=cn-east-1&secure=false&pathStyle=true")
	if err != nil {
		t.Fatal(err)
	}
	want := s3.Config{Bucket: "photos", Prefix: "city/a/", Endpoint: "minio:9000", Region: "cn-east-1", PathStyle: true}
	if cfg != want {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
	if cfg, _ := s3.ParseURL("s3://photos"); !cfg.Secure || cfg.Endpoint != "s3.amazonaws.com" || cfg.Prefix != "" {
		t.Fatalf("defaults: %+v", cfg)
	}
	for _, bad := range []string{"http://x/y", "s3:///nobucket", "s3://b?endpoint=http://h:1", "s3://b?secure=maybe", "s3://b?colour=red", "::"} {
		if _, err := s3.ParseURL(bad); err == nil {
			t.Errorf("%q must be refused", bad)
		}
	}
}

// TestCheckNamesWhatIsWrong: a missing bucket and wrong credentials stop the
// binary at start, so Check must fail for each, saying which.
func TestCheckNamesWhatIsWrong(t *testing.T) {
	fake := s3test.Start(t, "taizhang")
	ctx := context.Background()
	if err := open(t, fake.URL("x"), s3test.AccessKey, s3test.SecretKey).Check(ctx); err != nil {
		t.Fatalf("a good bucket: %v", err)
	}
	missing := strings.Replace(fake.URL("x"), "s3://taizhang/", "s3://nosuchbucket/", 1)
	if err := open(t, missing, s3test.AccessKey, s3test.SecretKey).Check(ctx); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("a missing bucket: %v", err)
	}
	if err := open(t, fake.URL("x"), "intruder", "guess").Check(ctx); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("wrong credentials: %v", err)
	}
}

// TestBucketDownIsUnavailable: while the bucket fails, a put is 503 with
// Retry-After and stores nothing; afterwards the same put works.
func TestBucketDownIsUnavailable(t *testing.T) {
	fake := s3test.Start(t, "taizhang")
	b := open(t, fake.URL("down"), s3test.AccessKey, s3test.SecretKey)
	content, sha := blobtest.Content(400_000, 9)
	fake.SetDown(true)
	err := b.Put(context.Background(), sha, int64(len(content)), bytes.NewReader(content))
	var e *errs.Error
	if !errs.Is(err, errs.Unavailable) || !asError(err, &e) || e.RetryAfter <= 0 {
		t.Fatalf("want unavailable with a retry time, got %v", err)
	}
	fake.SetDown(false)
	if has, _ := b.Has(context.Background(), sha); has {
		t.Fatal("a failed put left an object")
	}
	if err := b.Put(context.Background(), sha, int64(len(content)), bytes.NewReader(content)); err != nil {
		t.Fatalf("after the bucket is back: %v", err)
	}
}

func asError(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	*target = e
	return ok
}
