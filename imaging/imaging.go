// Package imaging holds the little image processing taizhang does in pure Go:
// scaling a photo down for a thumbnail or a perceptual hash.
package imaging

import (
	"image"
	"image/color"
)

// Shrink scales img down so that its longest side is size, averaging the
// source pixels each target pixel covers (a box filter: good enough for a
// list's thumbnail, and pure Go). A large box is sampled on a grid of at most
// maxSamples×maxSamples pixels: the average barely moves, the time drops.
func Shrink(img image.Image, size int) *image.RGBA {
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
