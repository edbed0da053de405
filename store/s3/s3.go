// Package s3 keeps attachment bytes in an S3-compatible bucket (OSS, COS, OBS,
// MinIO, AWS): TAIZHANG_BLOB_URL=s3://BUCKET/PREFIX?endpoint=…. Objects are
// named PREFIX/<two hex digits>/<sha256>, private; every download is streamed
// through the API after its scope check, never by a public or presigned URL.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"taizhang/attachments"
	"taizhang/errs"
)

// Config is a parsed TAIZHANG_BLOB_URL plus the credentials.
type Config struct {
	Bucket    string
	Prefix    string // object names start with it ("" or ending in "/")
	Endpoint  string // HOST:PORT
	Region    string
	Secure    bool // https
	PathStyle bool // bucket in the path, not the host name (MinIO, most private clouds)
	AccessKey string
	SecretKey string
}

// ParseURL reads s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&secure=true|false&pathStyle=true.
// The endpoint defaults to AWS (s3.amazonaws.com), secure to true.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, errors.New("is not a URL")
	}
	if u.Scheme != "s3" || u.Host == "" {
		return Config{}, errors.New("must look like s3://BUCKET/PREFIX?endpoint=HOST:PORT")
	}
	q := u.Query()
	c := Config{Bucket: u.Host, Endpoint: q.Get("endpoint"), Region: q.Get("region"), Secure: true}
	if c.Endpoint == "" {
		c.Endpoint = "s3.amazonaws.com"
	}
	if strings.Contains(c.Endpoint, "/") {
		return Config{}, errors.New("endpoint is HOST:PORT, without a scheme or path (use secure=false for http)")
	}
	if prefix := strings.Trim(u.Path, "/"); prefix != "" {
		c.Prefix = prefix + "/"
	}
	for name, field := range map[string]*bool{"secure": &c.Secure, "pathStyle": &c.PathStyle} {
		if v := q.Get(name); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return Config{}, fmt.Errorf("%s must be true or false", name)
			}
			*field = b
		}
	}
	for name := range q {
		switch name {
		case "endpoint", "region", "secure", "pathStyle":
		default:
			return Config{}, fmt.Errorf("unknown parameter %q (endpoint, region, secure, pathStyle)", name)
		}
	}
	return c, nil
}

// Blobs implements attachments.Blobs on a bucket.
type Blobs struct {
	client *minio.Client
	cfg    Config
}

var _ attachments.Blobs = (*Blobs)(nil)

// New makes a client; Check proves the bucket is there.
func New(cfg Config) (*Blobs, error) {
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.Secure, Region: cfg.Region, BucketLookup: lookup,
		// A phone waits for its upload's answer: a few quick retries, then
		// 503 and the phone's own retry, rather than the client's default ten.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, err
	}
	return &Blobs{client: client, cfg: cfg}, nil
}

func (b *Blobs) key(sha string) string { return b.cfg.Prefix + sha[:2] + "/" + sha }

// Check implements attachments.Blobs: the bucket exists and these credentials
// may read it.
func (b *Blobs) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ok, err := b.client.BucketExists(ctx, b.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("bucket %q at %s cannot be read: %w", b.cfg.Bucket, b.cfg.Endpoint, err)
	}
	if !ok {
		return fmt.Errorf("bucket %q does not exist at %s", b.cfg.Bucket, b.cfg.Endpoint)
	}
	return nil
}

// Has implements attachments.Blobs.
func (b *Blobs) Has(ctx context.Context, sha string) (bool, error) {
	if err := attachments.CheckSHA(sha); err != nil {
		return false, err
	}
	_, err := b.client.StatObject(ctx, b.cfg.Bucket, b.key(sha), minio.StatObjectOptions{})
	if isNotFound(err) {
		return false, nil
	}
	return err == nil, unavailable(err)
}

// Put implements attachments.Blobs. An object appears only when its upload
// completes, so a dropped connection stores nothing.
func (b *Blobs) Put(ctx context.Context, sha string, size int64, content io.Reader) error {
	if has, err := b.Has(ctx, sha); has || err != nil {
		return err
	}
	_, err := b.client.PutObject(ctx, b.cfg.Bucket, b.key(sha), content, size,
		minio.PutObjectOptions{ContentType: "application/octet-stream"})
	return unavailable(err)
}

// Open implements attachments.Blobs. The object is fetched lazily: Seek before
// the first Read asks the bucket for that range only.
func (b *Blobs) Open(ctx context.Context, sha string) (io.ReadSeekCloser, error) {
	if err := attachments.CheckSHA(sha); err != nil {
		return nil, err
	}
	if _, err := b.client.StatObject(ctx, b.cfg.Bucket, b.key(sha), minio.StatObjectOptions{}); err != nil {
		if isNotFound(err) {
			return nil, fmt.Errorf("blob %s: %w", sha, fs.ErrNotExist)
		}
		return nil, unavailable(err)
	}
	obj, err := b.client.GetObject(ctx, b.cfg.Bucket, b.key(sha), minio.GetObjectOptions{})
	return obj, unavailable(err)
}

func isNotFound(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == "NoSuchKey" || code == "NotFound"
}

// unavailable turns the bucket being unreachable or failing into 503 with
// Retry-After: the phone keeps its file and tries again.
func unavailable(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	return &errs.Error{Code: errs.Unavailable, Message: "文件存储暂时不可用，请稍后重试", RetryAfter: 10 * time.Second, Err: err}
}
