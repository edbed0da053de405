package signals

import (
	"image"
	"math/bits"

	"github.com/corona10/goimagehash"

	"taizhang/imaging"
)

// A photo's print is three 64-bit perceptual hashes (DCT pHash): of the whole
// picture after trimming flat borders (a phone screenshot's bars), and of its
// centre at 90% and 81%. A copy cropped by 10% then matches the original's
// 90% hash, and the other way round; recompression, resizing and a
// screenshot move a hash by a few bits. Tuned in photo_test.go on real
// transformations: copies stay within 4 bits, distinct photos of similar
// scenes at least 12 apart; MaxDistance sits between.
const (
	MaxDistance = 6
	// bands: each hash is cut into four 16-bit bands. Two hashes within 7 bits
	// agree within 1 bit on at least one band (pigeonhole), so looking up each
	// band's value and its 16 one-bit neighbours finds every match within
	// MaxDistance among millions of stored hashes (multi-index hashing).
	bands    = 4
	bandBits = 16
)

// crops are the centre fractions hashed.
var crops = []float64{1, 0.9, 0.81}

// printSize is the side a photo is first shrunk to: the hashes look at 64×64
// pixels of it, and hashing the full photo three times took 20 ms.
const printSize = 256

// Print hashes an image; nil if it cannot be hashed.
func Print(img image.Image) []uint64 {
	// Borders are judged at full size: shrinking averages a sky's sensor
	// noise away until it looks as flat as a screenshot's bar.
	img = trimBorders(img)
	if b := img.Bounds(); max(b.Dx(), b.Dy()) > printSize {
		img = imaging.Shrink(img, printSize)
	}
	var out []uint64
	for _, f := range crops {
		h, err := goimagehash.PerceptionHash(centre(img, f))
		if err != nil {
			return nil
		}
		out = append(out, h.GetHash())
	}
	return out
}

// Near reports whether a stored hash is within MaxDistance of one of the
// print's hashes.
func Near(print []uint64) func(uint64) bool {
	return func(h uint64) bool { return Distance(print, []uint64{h}) <= MaxDistance }
}

// Distance is the smallest Hamming distance between two prints' hashes (64:
// nothing in common).
func Distance(a, b []uint64) int {
	d := 64
	for _, x := range a {
		for _, y := range b {
			d = min(d, bits.OnesCount64(x^y))
		}
	}
	return d
}

// Band is one index row of a print: a band key and the hash it is of.
type Band struct {
	Key  int64
	Hash uint64
}

// Bands are the index rows of a print's hashes: one per band and hash, the
// band's number in the high bits of the key so that bands never collide.
func Bands(print []uint64) []Band {
	var out []Band
	for _, h := range print {
		for b := range bands {
			out = append(out, Band{Key: bandKey(b, h), Hash: h})
		}
	}
	return out
}

func bandKey(b int, h uint64) int64 {
	return int64(b)<<bandBits | int64((h>>(b*bandBits))&(1<<bandBits-1))
}

// ProbeKeys are the band keys to look up for a print: for the whole
// picture's hash each band's value and its one-bit neighbours (every stored
// hash within 7 bits is found); for the centre crops' hashes the bands
// themselves (within 3 bits: a 10% crop measured at most 2). 17 + 1 + 1 keys
// a band: on a million random hashes about a thousand candidates, each ruled
// in or out by its distance before anything else is read.
func ProbeKeys(print []uint64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for i, h := range print {
		flips := bandBits
		if i > 0 {
			flips = 0
		}
		for b := range bands {
			v := (h >> (b * bandBits)) & (1<<bandBits - 1)
			for flip := -1; flip < flips; flip++ {
				w := v
				if flip >= 0 {
					w ^= 1 << flip
				}
				if k := int64(b)<<bandBits | int64(w); !seen[k] {
					seen[k] = true
					out = append(out, k)
				}
			}
		}
	}
	return out
}

type subImager interface {
	SubImage(image.Rectangle) image.Image
}

// centre is the middle fraction f of img (each side trimmed equally).
func centre(img image.Image, f float64) image.Image {
	s, ok := img.(subImager)
	if !ok || f >= 1 {
		return img
	}
	b := img.Bounds()
	dx, dy := int(float64(b.Dx())*(1-f)/2), int(float64(b.Dy())*(1-f)/2)
	return s.SubImage(image.Rect(b.Min.X+dx, b.Min.Y+dy, b.Max.X-dx, b.Max.Y-dy))
}

// trimBorders removes flat rows and columns at the edges: the bars around a
// screenshot of a photo. A row is flat when its brightness hardly varies
// (a sky with sensor noise is not).
func trimBorders(img image.Image) image.Image {
	s, ok := img.(subImager)
	if !ok {
		return img
	}
	b := img.Bounds()
	top, bottom, left, right := b.Min.Y, b.Max.Y, b.Min.X, b.Max.X
	const keep = 16 // never trim a picture to nothing
	for bottom-top > keep && flat(img, left, right, top, top+1) {
		top++
	}
	for bottom-top > keep && flat(img, left, right, bottom-1, bottom) {
		bottom--
	}
	for right-left > keep && flat(img, left, left+1, top, bottom) {
		left++
	}
	for right-left > keep && flat(img, right-1, right, top, bottom) {
		right--
	}
	return s.SubImage(image.Rect(left, top, right, bottom))
}

// flat reports whether the brightness in the rectangle varies by less than
// a level or two; it samples at most 64 pixels along the line.
func flat(img image.Image, x0, x1, y0, y1 int) bool {
	stepX, stepY := max((x1-x0)/64, 1), max((y1-y0)/64, 1)
	var sum, sq, n float64
	for y := y0; y < y1; y += stepY {
		for x := x0; x < x1; x += stepX {
			r, g, bl, _ := img.At(x, y).RGBA()
			v := float64(r+g+bl) / 3 / 256
			sum, sq, n = sum+v, sq+v*v, n+1
		}
	}
	mean := sum / n
	return sq/n-mean*mean < 3
}
