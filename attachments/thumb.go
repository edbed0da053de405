package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"time"

	"taizhang/auth"
)

// ThumbSize is the longest side of a thumbnail, in pixels.
const ThumbSize = 320

// MaxThumbPixels bounds the images thumbnailed: decoding a larger one would
// hold its whole bitmap (4 bytes a pixel) in memory. Larger photos are shown
// whole.
const MaxThumbPixels = 40_000_000

// ThumbID names the thumbnail of an attachment: another attachment of the
// same uploader, found only through its original's id.
func ThumbID(a Attachment) string { return IDFor(a.UploaderID, a.SHA256+"#thumb") }

// SaveThumb makes and stores a JPEG thumbnail of a JPEG or PNG photo larger
// than ThumbSize, once; anything else (a PDF, HEIC, WebP, a small or a huge
// image) has none and is shown whole.
func SaveThumb(ctx context.Context, store Store, scope auth.Scope, a Attachment, content io.Reader, now time.Time) error {
	if a.ContentType != "image/jpeg" && a.ContentType != "image/png" || max(a.Width, a.Height) <= ThumbSize ||
		a.Width*a.Height > MaxThumbPixels {
		return nil
	}
	img, _, err := image.Decode(content)
	if err != nil {
		return nil // an image its header promised but its bytes do not hold: shown whole
	}
	small := shrink(img, ThumbSize)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, small, &jpeg.Options{Quality: 75}); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	thumb := Attachment{ID: ThumbID(a), UploaderID: a.UploaderID, UnitPath: a.UnitPath, SHA256: hex.EncodeToString(sum[:]),
		Size: int64(buf.Len()), ContentType: "image/jpeg", Width: small.Rect.Dx(), Height: small.Rect.Dy(),
		CreatedAt: now.UTC().Truncate(time.Millisecond)}
	_, err = store.Save(ctx, scope, thumb, bytes.NewReader(buf.Bytes()))
	return err
}

// shrink scales img down so that its longest side is size, averaging the
// source pixels each target pixel covers (a box filter: good enough for a
// list's thumbnail, and pure Go). A large box is sampled on a grid of at most
// maxSamples×maxSamples pixels: the average barely moves, the time drops.
func shrink(img image.Image, size int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := size, h*size/w
	if h > w {
		tw, th = w*size/h, size
	}
	tw, th = max(tw, 1), max(th, 1)
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	pixel := pixelReader(img)
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		ystep := max((y1-y0)/maxSamples, 1)
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			xstep := max((x1-x0)/maxSamples, 1)
			var r, g, bl, a, n uint32
			for sy := y0; sy < y1; sy += ystep {
				for sx := x0; sx < x1; sx += xstep {
					cr, cg, cb, ca := pixel(sx, sy)
					r, g, bl, a, n = r+cr, g+cg, bl+cb, a+ca, n+1
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(r/n), uint8(g/n), uint8(bl/n), uint8(a/n)
		}
	}
	return out
}

const maxSamples = 4

// pixelReader returns a function reading one pixel as 8-bit RGBA. A JPEG
// decodes to YCbCr: that one is read from its planes directly, without an
// interface call and an allocation per pixel (half the thumbnail's time).
func pixelReader(img image.Image) func(x, y int) (r, g, b, a uint32) {
	if ycc, ok := img.(*image.YCbCr); ok {
		return func(x, y int) (uint32, uint32, uint32, uint32) {
			yi, ci := ycc.YOffset(x, y), ycc.COffset(x, y)
			r, g, b := color.YCbCrToRGB(ycc.Y[yi], ycc.Cb[ci], ycc.Cr[ci])
			return uint32(r), uint32(g), uint32(b), 255
		}
	}
	return func(x, y int) (uint32, uint32, uint32, uint32) {
		r, g, b, a := img.At(x, y).RGBA()
		return r >> 8, g >> 8, b >> 8, a >> 8
	}
}
