// Package signalstest makes the photos signals are tested with: JPEGs carrying
// EXIF capture time and GPS, as a phone's camera writes them.
package signalstest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	exif "github.com/dsoprea/go-exif/v3"
	exifcommon "github.com/dsoprea/go-exif/v3/common"
)

// JPEGWithEXIF encodes img as a JPEG whose EXIF says it was taken at taken
// ("2006:01:02 15:04:05", camera local time; empty: no time) at lat, lng
// (both 0: no position).
func JPEGWithEXIF(t testing.TB, img image.Image, taken string, lat, lng float64) []byte {
	t.Helper()
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	raw := exifBytes(t, taken, lat, lng)
	segment := make([]byte, 4, 4+6+len(raw))
	segment[0], segment[1] = 0xFF, 0xE1
	binary.BigEndian.PutUint16(segment[2:], uint16(2+6+len(raw)))
	segment = append(append(segment, "Exif\x00\x00"...), raw...)
	b := plain.Bytes()
	return append(append(append([]byte{}, b[:2]...), segment...), b[2:]...) // after SOI
}

func exifBytes(t testing.TB, taken string, lat, lng float64) []byte {
	im, err := exifcommon.NewIfdMappingWithStandard()
	if err != nil {
		t.Fatal(err)
	}
	root := exif.NewIfdBuilder(im, exif.NewTagIndex(), exifcommon.IfdStandardIfdIdentity, exifcommon.EncodeDefaultByteOrder)
	if err := root.AddStandardWithName("Make", "TaizhangTestCam"); err != nil {
		t.Fatal(err)
	}
	if taken != "" {
		sub, err := exif.GetOrCreateIbFromRootIb(root, "IFD/Exif")
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.AddStandardWithName("DateTimeOriginal", taken); err != nil {
			t.Fatal(err)
		}
	}
	if lat != 0 || lng != 0 {
		gps, err := exif.GetOrCreateIbFromRootIb(root, "IFD/GPSInfo")
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range map[string]any{
			"GPSLatitudeRef": ref(lat, "N", "S"), "GPSLongitudeRef": ref(lng, "E", "W"),
			"GPSLatitude": dms(lat), "GPSLongitude": dms(lng),
		} {
			if err := gps.AddStandardWithName(name, v); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	raw, err := exif.NewIfdByteEncoder().EncodeToExif(root)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func ref(v float64, positive, negative string) string {
	if v < 0 {
		return negative
	}
	return positive
}

// dms writes a coordinate as degrees, minutes and seconds (to 1/1000 s).
func dms(v float64) []exifcommon.Rational {
	v = math.Abs(v)
	d := math.Floor(v)
	m := math.Floor((v - d) * 60)
	s := ((v-d)*60 - m) * 60
	return []exifcommon.Rational{{Numerator: uint32(d), Denominator: 1}, {Numerator: uint32(m), Denominator: 1},
		{Numerator: uint32(math.Round(s * 1000)), Denominator: 1000}}
}

// Scene draws a village photo: sky, ground, houses and people as blocks of
// colour, and sensor noise. Different seeds give different photos of the same
// kind of scene — the hard case for telling copies from look-alikes.
func Scene(seed uint64, w, h int) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, 7))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	horizon := h/3 + r.IntN(h/3)
	sky := color.RGBA{uint8(100 + r.IntN(100)), uint8(150 + r.IntN(80)), 230, 255}
	ground := color.RGBA{uint8(60 + r.IntN(80)), uint8(90 + r.IntN(80)), uint8(40 + r.IntN(60)), 255}
	for y := range h {
		for x := range w {
			c := ground
			if y < horizon {
				c = sky
				c.R = uint8(int(c.R) * (h + y) / (2 * h))
			}
			img.SetRGBA(x, y, c)
		}
	}
	for range 6 + r.IntN(6) {
		x0, y0 := r.IntN(w), horizon-h/8+r.IntN(h/2)
		bw, bh := w/12+r.IntN(w/5), h/12+r.IntN(h/4)
		c := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		for y := y0; y < min(y0+bh, h); y++ {
			for x := x0; x < min(x0+bw, w); x++ {
				img.SetRGBA(x, y, c)
			}
		}
	}
	for i := range img.Pix {
		if i%4 != 3 {
			img.Pix[i] = uint8(max(0, min(255, int(img.Pix[i])+r.IntN(21)-10)))
		}
	}
	return img
}

// vocabulary is 500 four-character "words" of common CJK characters.
var vocabulary = func() []string {
	r := rand.New(rand.NewPCG(2, 2))
	words := make([]string, 500)
	for i := range words {
		var w strings.Builder
		for range 4 {
			w.WriteRune(rune(0x4e00 + r.IntN(2000)))
		}
		words[i] = w.String()
	}
	return words
}()

// Text is a record's description of 30 words of one vocabulary: records
// written apart share little, as real ones do.
func Text(seed uint64) string { return words(rand.New(rand.NewPCG(seed, 3)), 30) }

// Words is n words of the vocabulary, picked by seed: a field's text.
func Words(seed uint64, n int) string { return words(rand.New(rand.NewPCG(seed, 5)), n) }

func words(r *rand.Rand, n int) string {
	var t strings.Builder
	for range n {
		t.WriteString(vocabulary[r.IntN(len(vocabulary))])
	}
	return t.String()
}
