// Package s3test runs an in-process S3-compatible server (gofakes3 on memory)
// for tests, with what gofakes3 lacks and tests need: an access key that
// must match, parts of multipart uploads sent aws-chunked decoded as S3 does,
// and a switch that takes the server down.
package s3test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Credentials the fake accepts.
const (
	AccessKey = "taizhang-test"
	SecretKey = "taizhang-test-secret"
)

// Server is a running fake.
type Server struct {
	Endpoint string // HOST:PORT
	Bucket   string
	backend  *s3mem.Backend
	down     atomic.Bool
	requests atomic.Int64
}

// Start serves a fake S3 with bucket made, until the test ends.
func Start(t testing.TB, bucket string) *Server {
	t.Helper()
	s := &Server{Bucket: bucket, backend: s3mem.New()}
	if err := s.backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(s.backend, gofakes3.WithoutVersioning())
	srv := httptest.NewServer(s.guard(fake.Server()))
	t.Cleanup(srv.Close)
	s.Endpoint = strings.TrimPrefix(srv.URL, "http://")
	return s
}

// URL is the TAIZHANG_BLOB_URL of the bucket, under prefix.
func (s *Server) URL(prefix string) string {
	return "s3://" + s.Bucket + "/" + prefix + "?endpoint=" + s.Endpoint + "&secure=false&pathStyle=true&region=us-east-1"
}

// Env is the environment a taizhang binary needs to use the fake.
func (s *Server) Env(prefix string) []string {
	return []string{"TAIZHANG_BLOB_URL=" + s.URL(prefix), "AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey}
}

// SetDown makes every request fail with 503 (down) or serves again.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Requests counts the requests served so far.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Uploads lists what chunked uploads hold in the bucket under prefix:
// multipart uploads in progress, and joined files not yet removed.
func (s *Server) Uploads(t testing.TB, prefix string) (inProgress, joined []string) {
	t.Helper()
	client, err := minio.New(s.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(AccessKey, SecretKey, ""),
		BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return Uploads(t, client, s.Bucket, prefix+"/")
}

// Uploads lists, on any bucket, the multipart uploads in progress and the
// objects under prefix + "uploads/" (prefix "" or ending in "/").
func Uploads(t testing.TB, client *minio.Client, bucket, prefix string) (inProgress, joined []string) {
	t.Helper()
	ctx, under := context.Background(), prefix+"uploads/"
	pending, err := minio.Core{Client: client}.ListMultipartUploads(ctx, bucket, under, "", "", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range pending.Uploads {
		inProgress = append(inProgress, u.Key)
	}
	for o := range client.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: under, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		joined = append(joined, o.Key)
	}
	return inProgress, joined
}

// guard refuses requests signed with another access key (gofakes3 checks no
// signatures) and, while down, every request.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		if s.down.Load() {
			s3Error(w, http.StatusServiceUnavailable, "ServiceUnavailable", "down for the test")
			return
		}
		if !strings.Contains(r.Header.Get("Authorization"), "Credential="+AccessKey+"/") {
			s3Error(w, http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
			return
		}
		if r.URL.Query().Has("partNumber") && strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			if err := unchunk(r); err != nil {
				s3Error(w, http.StatusBadRequest, "IncompleteBody", err.Error())
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// unchunk decodes a part sent aws-chunked ("<hex size>;chunk-signature=…\r\n
// <bytes>\r\n", ending with a chunk of size 0), as S3 does: minio-go sends
// parts so over plain http, and gofakes3 decodes only whole objects.
func unchunk(r *http.Request) error {
	in := bufio.NewReader(r.Body)
	var out bytes.Buffer
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			return fmt.Errorf("chunk header: %w", err)
		}
		hexSize, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		size, err := strconv.ParseInt(hexSize, 16, 64)
		if err != nil {
			return fmt.Errorf("chunk size %q: %w", hexSize, err)
		}
		if size == 0 {
			break
		}
		if _, err := io.CopyN(&out, in, size); err != nil {
			return fmt.Errorf("chunk: %w", err)
		}
		if _, err := in.Discard(2); err != nil { // \r\n
			return err
		}
	}
	r.Body = io.NopCloser(&out)
	r.ContentLength = int64(out.Len())
	r.Header.Set("Content-Length", strconv.Itoa(out.Len()))
	r.Header.Del("X-Amz-Decoded-Content-Length")
	return nil
}

func s3Error(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>` + message + `</Message></Error>`))
}
