package signals_test

import (
	"image"
	"math"
	"testing"
	"time"

	"taizhang/signals"
	"taizhang/signals/signalstest"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func TestReadEXIFTimeAndPlace(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	photo := signalstest.JPEGWithEXIF(t, img, "2026:11:24 09:30:00", 30.2741, -120.1551)
	m := signals.ReadEXIF(photo, now)
	if m.Source != "exif" || !m.TakenAt.Equal(time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC)) {
		t.Fatalf("time: %+v (EXIF times are Beijing time)", m)
	}
	if !m.HasPlace || math.Abs(m.Lat-30.2741) > 1e-4 || math.Abs(m.Lng+120.1551) > 1e-4 {
		t.Fatalf("place: %+v", m)
	}
}

// TestReadEXIFBadInput: no EXIF, truncated files, absurd dates and
// coordinates are "no evidence", never a crash.
func TestReadEXIFBadInput(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	good := signalstest.JPEGWithEXIF(t, img, "2026:11:24 09:30:00", 30.27, 120.15)
	for name, c := range map[string]struct {
		head []byte
		time bool
	}{
		"no EXIF":           {signalstest.JPEGWithEXIF(t, img, "", 0, 0), false},
		"year 1900":         {signalstest.JPEGWithEXIF(t, img, "1900:01:01 00:00:00", 0, 0), false},
		"next year":         {signalstest.JPEGWithEXIF(t, img, "2027:06:01 00:00:00", 0, 0), false},
		"not a date":        {signalstest.JPEGWithEXIF(t, img, "yesterday", 0, 0), false},
		"truncated":         {good[:40], false},
		"empty":             {nil, false},
		"not a JPEG at all": {[]byte("%PDF-1.7 nothing here"), false},
	} {
		m := signals.ReadEXIF(c.head, now)
		if !m.TakenAt.IsZero() != c.time || m.HasPlace {
			t.Errorf("%s: %+v", name, m)
		}
	}
	if m := signals.ReadEXIF(signalstest.JPEGWithEXIF(t, img, "", 95, 200), now); m.HasPlace {
		t.Errorf("a place off the globe: %+v", m)
	}
}
