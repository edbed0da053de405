package s3

import (
	"context"
	"io"

	"github.com/minio/minio-go/v7"

	"taizhang/attachments"
)

var _ attachments.MultipartBlobs = (*Blobs)(nil)

// partsKey names a chunked upload's multipart object, apart from the
// content-addressed blobs: PREFIX/uploads/<upload id>.
func (b *Blobs) partsKey(name string) string { return b.cfg.Prefix + "uploads/" + name }

func (b *Blobs) core() minio.Core { return minio.Core{Client: b.client} }

// BeginParts implements attachments.MultipartBlobs.
func (b *Blobs) BeginParts(ctx context.Context, name string) (string, error) {
	id, err := b.core().NewMultipartUpload(ctx, b.cfg.Bucket, b.partsKey(name), minio.PutObjectOptions{ContentType: "application/octet-stream"})
	return id, unavailable(err)
}

// PutPart implements attachments.MultipartBlobs.
func (b *Blobs) PutPart(ctx context.Context, name, partsID string, number int, size int64, data io.Reader) (string, error) {
	part, err := b.core().PutObjectPart(ctx, b.cfg.Bucket, b.partsKey(name), partsID, number, data, size, minio.PutObjectPartOptions{})
	return part.ETag, unavailable(err)
}

// JoinParts implements attachments.MultipartBlobs.
func (b *Blobs) JoinParts(ctx context.Context, name, partsID string, parts []attachments.Part) (io.ReadCloser, error) {
	list := make([]minio.CompletePart, len(parts))
	for i, p := range parts {
		list[i] = minio.CompletePart{PartNumber: p.Number, ETag: p.ETag}
	}
	if _, err := b.core().CompleteMultipartUpload(ctx, b.cfg.Bucket, b.partsKey(name), partsID, list, minio.PutObjectOptions{}); err != nil {
		return nil, unavailable(err)
	}
	obj, err := b.client.GetObject(ctx, b.cfg.Bucket, b.partsKey(name), minio.GetObjectOptions{})
	return obj, unavailable(err)
}

// DropParts implements attachments.MultipartBlobs: an upload already gone
// (completed, or aborted by another instance) is no error.
func (b *Blobs) DropParts(ctx context.Context, name, partsID string) error {
	err := b.core().AbortMultipartUpload(ctx, b.cfg.Bucket, b.partsKey(name), partsID)
	if code := minio.ToErrorResponse(err).Code; code == "NoSuchUpload" {
		err = nil
	}
	if err != nil {
		return unavailable(err)
	}
	return unavailable(b.client.RemoveObject(ctx, b.cfg.Bucket, b.partsKey(name), minio.RemoveObjectOptions{}))
}
