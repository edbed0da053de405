package signals

import (
	"context"
	"slices"

	"taizhang/auth"
)

// Batch is an Index that also answers from the prints of entries checked
// earlier in the same batch and not stored yet. Checking a batch one entry
// after another and then storing all results together (one commit instead
// of one each) thus finds the copies among them that checking and storing
// one at a time would: a later entry sees an earlier one's prints.
type Batch struct {
	Index
	pending []Prints
}

// NewBatch starts a batch over the stored index.
func NewBatch(stored Index) *Batch { return &Batch{Index: stored} }

// Add makes an entry's prints visible to the entries checked after it.
func (b *Batch) Add(p Prints) { b.pending = append(b.pending, p) }

// PhotoCandidates implements Index: the stored candidates, then the pending
// photos with the same bytes or a band among keys whose hash is near.
func (b *Batch) PhotoCandidates(ctx context.Context, scope auth.Scope, keys []int64, near func(uint64) bool, shas []string, exclude string) ([]PhotoHit, error) {
	hits, err := b.Index.PhotoCandidates(ctx, scope, keys, near, shas, exclude)
	if err != nil {
		return nil, err
	}
	for _, p := range b.pending {
		if p.EntryID == exclude || slices.ContainsFunc(hits, func(h PhotoHit) bool { return h.EntryID == p.EntryID }) {
			continue // its prints stored before: it is being checked again
		}
		for _, photo := range p.Photos {
			if slices.Contains(shas, photo.SHA256) || slices.ContainsFunc(photo.Bands, func(band Band) bool {
				return slices.Contains(keys, band.Key) && near(band.Hash)
			}) {
				hits = append(hits, PhotoHit{EntryID: p.EntryID, UnitID: p.UnitID, AttachmentID: photo.AttachmentID,
					SHA256: photo.SHA256, At: p.At, Print: photo.Print})
			}
		}
	}
	return hits, nil
}

// TextCandidates implements Index: the stored candidates, then the pending
// entries of the form sharing a key, at most MaxTextCandidates in all.
func (b *Batch) TextCandidates(ctx context.Context, scope auth.Scope, formID string, keys []int64, exclude string) ([]TextHit, error) {
	hits, err := b.Index.TextCandidates(ctx, scope, formID, keys, exclude)
	if err != nil {
		return nil, err
	}
	for _, p := range b.pending {
		if len(hits) >= MaxTextCandidates {
			break
		}
		stored := slices.ContainsFunc(hits, func(h TextHit) bool { return h.EntryID == p.EntryID })
		if p.FormID == formID && p.EntryID != exclude && !stored && slices.ContainsFunc(p.TextKeys, func(k int64) bool { return slices.Contains(keys, k) }) {
			hits = append(hits, TextHit{EntryID: p.EntryID, UnitID: p.UnitID, AuthorID: p.AuthorID, Period: p.Period, At: p.At})
		}
	}
	return hits, nil
}
