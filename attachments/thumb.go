package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"io"
	"time"

	"taizhang/auth"
	"taizhang/imaging"
)

// ThumbSize is the longest side of a thumbnail, in pixels.
const ThumbSize = 320

// MaxDecodePixels bounds the images decoded (for a thumbnail and a print):
// decoding holds the whole bitmap (4 bytes a pixel) in memory, so a
// decompression bomb — a small file that claims 50 megapixels or more — is
// refused by its header before a byte of it is decoded. Larger photos are
// stored and shown whole, without thumbnail or print.
const MaxDecodePixels = 40_000_000

// decode decodes a JPEG or PNG whose header size is within MaxDecodePixels;
// nil for anything else or for bytes that do not hold the image promised.
func decode(a Attachment, content io.Reader) image.Image {
	if a.ContentType != "image/jpeg" && a.ContentType != "image/png" || a.Width*a.Height > MaxDecodePixels || a.Width*a.Height == 0 {
		return nil
	}
	img, _, err := image.Decode(content)
	if err != nil {
		return nil
	}
	return img
}

// ThumbID names the thumbnail of an attachment: another attachment of the
// same uploader, found only through its original's id.
func ThumbID(a Attachment) string { return IDFor(a.UploaderID, a.SHA256+"#thumb") }

// saveThumb makes and stores a JPEG thumbnail of a decoded photo larger than
// ThumbSize, once; anything else (a PDF, HEIC, WebP, a small or a huge image,
// img nil) has none and is shown whole.
func saveThumb(ctx context.Context, store Store, scope auth.Scope, a Attachment, img image.Image, now time.Time) error {
	if img == nil || max(a.Width, a.Height) <= ThumbSize {
		return nil
	}
	small := imaging.Shrink(img, ThumbSize)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 75}); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	thumb := Attachment{ID: ThumbID(a), UploaderID: a.UploaderID, UnitPath: a.UnitPath, SHA256: hex.EncodeToString(sum[:]),
		Size: int64(buf.Len()), ContentType: "image/jpeg", Width: small.Rect.Dx(), Height: small.Rect.Dy(),
		CreatedAt: now.UTC().Truncate(time.Millisecond)}
	_, err := store.Save(ctx, scope, thumb, bytes.NewReader(buf.Bytes()))
	return err
}
