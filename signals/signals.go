// Package signals finds what a supervisor approving two hundred entries a week
// cannot: the same photo filed by three villages, a measure copied word for
// word from another unit, a photo claimed for Tuesday's visit taken a month
// earlier 40 km away, the same text filed week after week. A signal never
// blocks filing; it is a question for the reviewer, who may mark it explained.
//
// The package is plain Go: photo prints (perceptual hashes), EXIF, text
// fingerprints (MinHash) and the rules that turn matches into signals. The
// store keeps the prints of submitted entries and answers band lookups.
package signals

import "time"

// Kinds of signal.
const (
	PhotoReuse  = "photo_reuse" // a photo (or a near copy) is in another entry
	PhotoTime   = "photo_time"  // taken long before the date the entry claims
	PhotoPlace  = "photo_place" // taken far from the place the entry claims
	TextCopy    = "text_copy"   // a long text mostly the same as another unit's
	Boilerplate = "boilerplate" // the author filed the same text for other periods
)

// KindNames are the kinds as people read them.
var KindNames = map[string]string{
	PhotoReuse: "照片重复", PhotoTime: "拍摄时间不符", PhotoPlace: "拍摄地点不符", TextCopy: "文字雷同", Boilerplate: "套话重复",
}

// Signal is one question about an entry. Detail says it in Chinese and names
// the other entry's unit and date (which anyone who sees the signal may know);
// the other entry's content is shown only to those who may read that entry.
type Signal struct {
	Kind         string `json:"kind"`
	Detail       string `json:"detail"`
	OtherEntryID string `json:"otherEntryId,omitempty"`
	// Photo and OtherPhoto are the two attachments compared, Field the text
	// field: what the review screen shows side by side.
	Photo      string       `json:"photo,omitempty"`
	OtherPhoto string       `json:"otherPhoto,omitempty"`
	Field      string       `json:"field,omitempty"`
	Explained  *Explanation `json:"explained,omitempty"`
}

// Explanation is a reviewer's answer to a signal.
type Explanation struct {
	Comment string    `json:"comment"`
	By      string    `json:"-"` // user id (in the audit log)
	ByName  string    `json:"byName"`
	At      time.Time `json:"at"`
}

// Same reports whether two signals are about the same thing, so that a
// signal found again on resubmission keeps its explanation.
func (s Signal) Same(o Signal) bool {
	return s.Kind == o.Kind && s.OtherEntryID == o.OtherEntryID && s.Photo == o.Photo && s.Field == o.Field
}

// Carry keeps the explanations of earlier signals that are found again.
func Carry(found, earlier []Signal) []Signal {
	for i := range found {
		for _, e := range earlier {
			if e.Explained != nil && found[i].Same(e) {
				found[i].Explained = e.Explained
			}
		}
	}
	return found
}
