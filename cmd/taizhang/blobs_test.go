package main

import (
	"bytes"
	"context"
	"image"
	"image/jpeg"
	"io"
	"strings"
	"testing"

	"taizhang/store/s3/s3test"
)

// TestBadBlobURLStopsTheBinary: a malformed TAIZHANG_BLOB_URL, a missing
// bucket and wrong credentials each stop the binary at start, naming the
// variable and what is wrong; the secret is never in the message.
func TestBadBlobURLStopsTheBinary(t *testing.T) {
	fake := s3test.Start(t, "taizhang")
	good := fake.URL("photos")
	for name, c := range map[string]struct {
		url, key, secret, want string
	}{
		"malformed":         {"s3://?endpoint=x", s3test.AccessKey, s3test.SecretKey, "must look like s3://BUCKET"},
		"not s3":            {"https://bucket.example.com", s3test.AccessKey, s3test.SecretKey, "must be empty (data dir or GridFS) or an s3:// URL"},
		"bucket missing":    {strings.Replace(good, "s3://taizhang/", "s3://nosuchbucket/", 1), s3test.AccessKey, s3test.SecretKey, `bucket "nosuchbucket" does not exist`},
		"wrong credentials": {good, "intruder", "wrong-secret-value", "cannot be read"},
	} {
		t.Run(name, func(t *testing.T) {
			err := run(context.Background(), []string{"serve"}, envOf(map[string]string{
				"TAIZHANG_DATA_DIR": t.TempDir(), "TAIZHANG_ADDR": "127.0.0.1:0", "TAIZHANG_BLOB_URL": c.url,
				"AWS_ACCESS_KEY_ID": c.key, "AWS_SECRET_ACCESS_KEY": c.secret,
			}), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "TAIZHANG_BLOB_URL") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error naming TAIZHANG_BLOB_URL and %q, got %v", c.want, err)
			}
			if strings.Contains(err.Error(), c.secret) {
				t.Fatalf("the error shows the secret: %v", err)
			}
		})
	}
}

// TestServesFromABucket: the real program with TAIZHANG_BLOB_URL keeps an
// upload's bytes in the bucket, and reads them back from there.
func TestServesFromABucket(t *testing.T) {
	fake := s3test.Start(t, "taizhang")
	env := map[string]string{"TAIZHANG_DEMO": "1", "TAIZHANG_DEMO_WEEKS": "0"}
	for _, kv := range fake.Env("city") {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	base, _ := runningServer(t, env)
	token := loginToken(t, base, demoCadrePhone)
	photo := jpegPhoto(t, 640, 480, 3)
	before := fake.Requests()
	up := upload(t, base+"/api/v1/attachments", token, "photo.jpg", photo)
	if up.status != 201 || fake.Requests() == before {
		t.Fatalf("upload: %d %s (bucket requests %d → %d)", up.status, up.body, before, fake.Requests())
	}
	var a struct{ ID string }
	up.json(t, &a)
	got := call(t, "GET", base+"/api/v1/attachments/"+a.ID, token, nil)
	if got.status != 200 || string(got.body) != string(photo) {
		t.Fatalf("download: %d, %d bytes of %d", got.status, len(got.body), len(photo))
	}
}

// demoCadrePhone signs in as the demo city's village cadre (红旗村).
const demoCadrePhone = "13800000005"

// jpegPhoto is a w×h JPEG of noise: it compresses as badly as a real photo,
// so its size is a photo's (640×480: about 300 KB).
func jpegPhoto(t testing.TB, w, h int, seed uint32) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
