package signals

import (
	"bytes"
	"image"
	"image/jpeg"
	"image/png"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"taizhang/signals/signalstest"
)

func reencode(t testing.TB, img image.Image, quality int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func resized(img image.Image, f float64) *image.RGBA {
	b := img.Bounds()
	w, h := int(float64(b.Dx())*f), int(float64(b.Dy())*f)
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			out.Set(x, y, img.At(b.Min.X+int(float64(x)/f), b.Min.Y+int(float64(y)/f)))
		}
	}
	return out
}

// screenshotOf is a phone's screenshot of the photo: shown smaller, with a
// dark status bar above and a bar below, saved as PNG.
func screenshotOf(t testing.TB, img image.Image) image.Image {
	small := resized(img, 0.45)
	w, h := small.Bounds().Dx(), small.Bounds().Dy()
	out := image.NewRGBA(image.Rect(0, 0, w, h+h/4))
	for i := range out.Pix {
		out.Pix[i] = 24
	}
	for y := range h {
		for x := range w {
			out.Set(x, y+h/8, small.At(x, y))
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, out)
	decoded, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return decoded
}

// TestPrintFindsCopiesAndNotLookAlikes: re-encoded at another quality,
// resized, cropped by 10% and screenshotted copies of 24 photos are all
// within MaxDistance of the original; among 80 distinct photos of similar
// scenes, the false-positive rate (pairs within MaxDistance) is measured and
// must be zero.
func TestPrintFindsCopiesAndNotLookAlikes(t *testing.T) {
	worst := map[string]int{}
	for seed := range uint64(24) {
		photo := signalstest.Scene(seed, 640, 480)
		original := Print(reencode(t, photo, 90))
		for name, copyOf := range map[string]image.Image{
			"re-encoded at quality 40": reencode(t, photo, 40),
			"resized to half":          resized(photo, 0.5),
			"cropped by 10%":           centre(photo, 0.9),
			"screenshot":               screenshotOf(t, photo),
		} {
			d := Distance(original, Print(copyOf))
			worst[name] = max(worst[name], d)
			if d > MaxDistance {
				t.Errorf("photo %d %s: distance %d > %d", seed, name, d, MaxDistance)
			}
		}
	}
	t.Logf("worst distance of a copy: %v", worst)
	var prints [][]uint64
	for seed := range uint64(80) {
		prints = append(prints, Print(reencode(t, signalstest.Scene(1000+seed, 480, 360), 85)))
	}
	pairs, flagged, nearest := 0, 0, 64
	for i := range prints {
		for j := i + 1; j < len(prints); j++ {
			d := Distance(prints[i], prints[j])
			pairs++
			nearest = min(nearest, d)
			if d <= MaxDistance {
				flagged++
			}
		}
	}
	t.Logf("distinct photos: %d of %d pairs within %d bits (false-positive rate %.4f%%); the nearest two differ by %d",
		flagged, pairs, MaxDistance, 100*float64(flagged)/float64(pairs), nearest)
	if flagged > 0 {
		t.Fatalf("%d pairs of distinct photos flagged as copies", flagged)
	}
}

// TestProbesFindEveryHashWithinSevenBits: multi-index hashing's promise, on
// random hashes: every hash within 7 bits of a query shares a probed band key.
func TestProbesFindEveryHashWithinSevenBits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		q := r.Uint64()
		other := q
		for range r.IntN(8) { // 0–7 bits flipped
			other ^= 1 << r.IntN(64)
		}
		probes := ProbeKeys([]uint64{q})
		found := false
		for _, band := range Bands([]uint64{other}) {
			found = found || slices.Contains(probes, band.Key)
		}
		if !found {
			t.Fatalf("%016x and %016x differ by %d bits but share no probed band", q, other, bits.OnesCount64(q^other))
		}
	}
}

func TestPrintSurvivesOddImages(t *testing.T) {
	flatImage := image.NewGray(image.Rect(0, 0, 50, 50))
	if p := Print(flatImage); len(p) != 3 {
		t.Fatalf("a flat image still has a print: %v", p)
	}
	tiny := image.NewRGBA(image.Rect(0, 0, 1, 1))
	_ = Print(tiny) // no panic
}
