package signals

import (
	"errors"
	"strings"
	"time"

	exif "github.com/dsoprea/go-exif/v3"
	exifcommon "github.com/dsoprea/go-exif/v3/common"
)

// Meta is when and where a photo says it was taken. Phones and the PWA's
// compression often strip EXIF: a photo without it is "no evidence", never a
// fault. The PWA reads EXIF on the phone before compressing and sends it with
// the upload, marked as claimed.
type Meta struct {
	TakenAt  time.Time `json:"takenAt,omitzero"`
	Lat      float64   `json:"lat,omitempty"`
	Lng      float64   `json:"lng,omitempty"`
	HasPlace bool      `json:"hasPlace,omitempty"`
	// Source is "exif" (read from the file here) or "claimed" (sent by the
	// phone, read from the original before compression); empty: none.
	Source string `json:"source,omitempty"`
}

// Known reports whether the photo says anything.
func (m Meta) Known() bool { return !m.TakenAt.IsZero() || m.HasPlace }

// Sane drops an absurd time (before 2000, or after now plus a day) or place
// (off the globe, or exactly 0,0: a GPS without a fix).
func (m Meta) Sane(now time.Time) Meta {
	if m.TakenAt.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) || m.TakenAt.After(now.Add(24*time.Hour)) {
		m.TakenAt = time.Time{}
	}
	if m.Lat < -90 || m.Lat > 90 || m.Lng < -180 || m.Lng > 180 || (m.Lat == 0 && m.Lng == 0) {
		m.Lat, m.Lng, m.HasPlace = 0, 0, false
	}
	if !m.Known() {
		m.Source = ""
	}
	return m
}

// beijing is the zone EXIF times (which carry none) are read in.
var beijing = time.FixedZone("CST", 8*3600)

// ReadEXIF reads the capture time and GPS position from a JPEG's first bytes
// (EXIF sits at the start). A file without EXIF, or with a broken one, has
// no Meta; it never panics (the library's panics are recovered).
func ReadEXIF(head []byte, now time.Time) (m Meta) {
	defer func() {
		if recover() != nil {
			m = Meta{}
		}
	}()
	raw, err := exif.SearchAndExtractExif(head)
	if err != nil {
		return Meta{}
	}
	tags, _, err := exif.GetFlatExifData(raw, nil)
	if err != nil && !errors.Is(err, exif.ErrTagNotFound) {
		return Meta{}
	}
	var lat, lng []exifcommon.Rational
	var latRef, lngRef string
	for _, tag := range tags {
		switch tag.TagName {
		case "DateTimeOriginal":
			if s, ok := tag.Value.(string); ok {
				if t, err := time.ParseInLocation("2006:01:02 15:04:05", strings.TrimSpace(strings.TrimRight(s, "\x00")), beijing); err == nil {
					m.TakenAt = t.UTC()
				}
			}
		case "GPSLatitude":
			lat, _ = tag.Value.([]exifcommon.Rational)
		case "GPSLongitude":
			lng, _ = tag.Value.([]exifcommon.Rational)
		case "GPSLatitudeRef":
			latRef, _ = tag.Value.(string)
		case "GPSLongitudeRef":
			lngRef, _ = tag.Value.(string)
		}
	}
	if d, ok := degrees(lat); ok {
		if e, ok := degrees(lng); ok {
			m.Lat, m.Lng, m.HasPlace = signed(d, latRef, "S"), signed(e, lngRef, "W"), true
		}
	}
	m.Source = "exif"
	return m.Sane(now)
}

// degrees reads degrees, minutes and seconds.
func degrees(r []exifcommon.Rational) (float64, bool) {
	if len(r) != 3 {
		return 0, false
	}
	var parts [3]float64
	for i, x := range r {
		if x.Denominator == 0 {
			return 0, false
		}
		parts[i] = float64(x.Numerator) / float64(x.Denominator)
	}
	return parts[0] + parts[1]/60 + parts[2]/3600, true
}

func signed(v float64, ref, negative string) float64 {
	if strings.HasPrefix(strings.ToUpper(ref), negative) {
		return -v
	}
	return v
}
