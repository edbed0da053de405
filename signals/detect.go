package signals

import (
	"context"
	"fmt"
	"math"
	"time"

	"taizhang/auth"
)

// Photo is a photo of the entry being checked, as stored at upload.
type Photo struct {
	AttachmentID string
	SHA256       string
	Print        []uint64 // nil: not an image that could be hashed
	Meta         Meta
}

// Place is a point on the map.
type Place struct{ Lat, Lng float64 }

// Subject is the entry being checked at submission.
type Subject struct {
	EntryID, FormID, UnitID, AuthorID, Period string
	Root                                      string // the tree's root unit: lookups read the whole store
	// Claimed is the date the entry claims (its first date field, else the
	// filing time); Place its first geopoint, if any.
	Claimed time.Time
	Place   *Place
	Photos  []Photo
	Text    string // LongText of its data
}

// Prints is what a submitted entry leaves in the index for later entries.
type Prints struct {
	EntryID, FormID, UnitID, AuthorID, Period string
	At                                        time.Time
	Photos                                    []PhotoPrint
	TextKeys                                  []int64
	// First: the entry has left no prints before, so a store has nothing of
	// it to replace (most entries are checked once, at their first revision).
	First bool
}

// PhotoPrint is one indexed photo.
type PhotoPrint struct {
	AttachmentID, SHA256 string
	Print                []uint64
	Bands                []Band // Bands(Print)
}

// PhotoHit is an indexed photo of another entry that may match.
type PhotoHit struct {
	EntryID, UnitID, AttachmentID, SHA256 string
	At                                    time.Time
	Print                                 []uint64
}

// TextHit is another entry of the form whose text shares a band key.
type TextHit struct {
	EntryID, UnitID, AuthorID, Period string
	At                                time.Time
}

// Index keeps the prints of submitted entries: the whole store, because
// reuse across units is the point. Its lookups read beyond any one person's
// scope, so the detector calls them with the system scope; what they return
// is shown only as a unit's name and a date.
type Index interface {
	// PhotoCandidates returns the indexed photos of entries other than
	// exclude that have a band with one of keys whose hash is near, or one
	// of shas (the same bytes). near is checked on the band rows, before
	// anything else of a candidate is read.
	PhotoCandidates(ctx context.Context, scope auth.Scope, keys []int64, near func(hash uint64) bool, shas []string, exclude string) ([]PhotoHit, error)
	// TextCandidates returns the entries of the form, other than exclude,
	// whose text has one of keys.
	TextCandidates(ctx context.Context, scope auth.Scope, formID string, keys []int64, exclude string) ([]TextHit, error)
}

// MaxTextCandidates bounds the entries a text is checked against exactly
// (each is read): a text filed a thousand times must not make every later
// check read a thousand entries. The signal names one entry and counts the
// others found.
const MaxTextCandidates = 20

// MaxPhotoCandidates bounds the other photos a photo is matched with: a
// picture filed ten thousand times must not make every later check read ten
// thousand rows. The signal names the earliest and counts at least this many.
const MaxPhotoCandidates = 200

// Limits of the photo time and place rules.
const (
	MaxDaysBefore = 7   // a photo may be a week older than the day it is claimed for
	MaxKm         = 5.0 // and this far from the place claimed
	// BoilerplatePeriods: the same text in this many other periods by one
	// author is boilerplate.
	BoilerplatePeriods = 2
)

// Detector turns an entry's photos and text into signals.
type Detector struct {
	Index Index
	// TextOf reads another entry's LongText (to check a candidate exactly).
	TextOf func(ctx context.Context, scope auth.Scope, entryID string) (string, error)
	// UnitName names a unit with its path, for details.
	UnitName func(ctx context.Context, unitID string) string
}

// Detect checks a subject and returns its signals and the prints it leaves.
func (d *Detector) Detect(ctx context.Context, s Subject) ([]Signal, Prints, error) {
	prints := Prints{EntryID: s.EntryID, FormID: s.FormID, UnitID: s.UnitID, AuthorID: s.AuthorID, Period: s.Period, At: s.Claimed}
	var out []Signal
	for _, p := range s.Photos {
		out = append(out, metaSignals(s, p)...)
		if p.Print != nil {
			prints.Photos = append(prints.Photos, PhotoPrint{AttachmentID: p.AttachmentID, SHA256: p.SHA256, Print: p.Print, Bands: Bands(p.Print)})
		}
	}
	system := auth.SystemScope(s.Root)
	reuse, err := d.photoReuse(ctx, system, s)
	if err != nil {
		return nil, prints, err
	}
	out = append(out, reuse...)
	shingles := Shingles(s.Text)
	prints.TextKeys = TextKeys(shingles)
	copied, err := d.textCopies(ctx, system, s, shingles, prints.TextKeys)
	if err != nil {
		return nil, prints, err
	}
	return append(out, copied...), prints, nil
}

// photoReuse finds each photo's copies in other entries: the same bytes, or
// a print within MaxDistance. One signal per photo, naming the earliest other
// entry and counting the rest.
func (d *Detector) photoReuse(ctx context.Context, system auth.Scope, s Subject) ([]Signal, error) {
	var out []Signal
	for _, p := range s.Photos {
		var keys []int64
		if p.Print != nil {
			keys = ProbeKeys(p.Print)
		}
		hits, err := d.Index.PhotoCandidates(ctx, system, keys, Near(p.Print), []string{p.SHA256}, s.EntryID)
		if err != nil {
			return nil, err
		}
		var first *PhotoHit
		entries := map[string]bool{}
		for _, h := range hits { // near or the same bytes: the index checked
			entries[h.EntryID] = true
			if first == nil || h.At.Before(first.At) {
				first = &h
			}
		}
		if first == nil {
			continue
		}
		how := "相似的照片"
		if first.SHA256 == p.SHA256 {
			how = "同一张照片"
		}
		out = append(out, Signal{Kind: PhotoReuse, OtherEntryID: first.EntryID, Photo: p.AttachmentID, OtherPhoto: first.AttachmentID,
			Detail: fmt.Sprintf("%s %s 报送的记录中有%s%s", d.UnitName(ctx, first.UnitID), day(first.At), how, others(len(entries)-1, len(hits) >= MaxPhotoCandidates))})
	}
	return out, nil
}

// others says how many more entries matched; atLeast when the search
// stopped at its bound and there may be more.
func others(n int, atLeast bool) string {
	switch {
	case n <= 0:
		return ""
	case atLeast:
		return fmt.Sprintf("（另有至少 %d 条记录也相同）", n)
	}
	return fmt.Sprintf("（另有 %d 条记录也相同）", n)
}

// textCopies checks the entries sharing a band key exactly: another unit's
// text ≥ CopyThreshold the same is text_copy; the author's own in
// BoilerplatePeriods other periods is boilerplate.
func (d *Detector) textCopies(ctx context.Context, system auth.Scope, s Subject, shingles ShingleSet, keys []int64) ([]Signal, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	hits, err := d.Index.TextCandidates(ctx, system, s.FormID, keys, s.EntryID)
	if err != nil {
		return nil, err
	}
	var out []Signal
	ownPeriods := map[string]TextHit{}
	var first *TextHit
	copies, best := 0, 0.0
	for _, h := range hits {
		if h.UnitID == s.UnitID && h.AuthorID != s.AuthorID {
			continue // colleagues of one unit share wording by nature
		}
		text, err := d.TextOf(ctx, system, h.EntryID)
		if err != nil {
			return nil, err
		}
		similarity := Similarity(shingles, Shingles(text))
		if similarity < CopyThreshold {
			continue
		}
		if h.AuthorID == s.AuthorID {
			if h.Period != s.Period && h.Period != "" {
				ownPeriods[h.Period] = h
			}
			continue
		}
		copies++
		if first == nil || h.At.Before(first.At) {
			first, best = &h, similarity
		}
	}
	if first != nil {
		out = append(out, Signal{Kind: TextCopy, OtherEntryID: first.EntryID,
			Detail: fmt.Sprintf("文字与%s %s 报送的记录有 %d%% 相同%s", d.UnitName(ctx, first.UnitID), day(first.At), int(math.Round(best*100)), others(copies-1, len(hits) >= MaxTextCandidates))})
	}
	if len(ownPeriods) >= BoilerplatePeriods {
		latest := TextHit{}
		for _, h := range ownPeriods {
			if h.At.After(latest.At) {
				latest = h
			}
		}
		out = append(out, Signal{Kind: Boilerplate, OtherEntryID: latest.EntryID,
			Detail: fmt.Sprintf("同一填报人在另外 %d 期报送了基本相同的文字", len(ownPeriods))})
	}
	return out, nil
}

// metaSignals compares a photo's capture time and place with the entry's.
func metaSignals(s Subject, p Photo) []Signal {
	claimed := ""
	if p.Meta.Source == "claimed" {
		claimed = "（据手机上传时读取的原图信息）"
	}
	var out []Signal
	if t := p.Meta.TakenAt; !t.IsZero() && !s.Claimed.IsZero() {
		if days := int(s.Claimed.Sub(t).Hours() / 24); days > MaxDaysBefore {
			out = append(out, Signal{Kind: PhotoTime, Photo: p.AttachmentID,
				Detail: fmt.Sprintf("照片拍摄于 %s，比记录日期 %s 早 %d 天%s", day(t), day(s.Claimed), days, claimed)})
		}
	}
	if p.Meta.HasPlace && s.Place != nil {
		if km := distanceKm(Place{p.Meta.Lat, p.Meta.Lng}, *s.Place); km > MaxKm {
			out = append(out, Signal{Kind: PhotoPlace, Photo: p.AttachmentID,
				Detail: fmt.Sprintf("照片拍摄地点距记录位置约 %.0f 公里%s", km, claimed)})
		}
	}
	return out
}

// distanceKm is the great-circle distance (haversine).
func distanceKm(a, b Place) float64 {
	const earth = 6371.0
	rad := math.Pi / 180
	dLat, dLng := (b.Lat-a.Lat)*rad, (b.Lng-a.Lng)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earth * math.Asin(math.Sqrt(h))
}

// day is a date in Beijing time.
func day(t time.Time) string { return t.In(beijing).Format("2006-01-02") }
