package mongo

import (
	"context"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/signals"
)

// SignalIndex implements signals.Index: "photo_prints" holds one document per
// indexed photo with its band keys (a multikey index finds them), "text_prints"
// one per entry with its text's band keys.
type SignalIndex struct {
	db            *DB
	photos, texts *mongo.Collection
}

// Signals returns the signals index.
func (db *DB) Signals() *SignalIndex {
	return &SignalIndex{db: db, photos: db.db.Collection("photo_prints"), texts: db.db.Collection("text_prints")}
}

var _ signals.Index = (*SignalIndex)(nil)

type photoPrintDoc struct {
	ID           string    `bson:"_id"` // entry id + ":" + attachment id
	EntryID      string    `bson:"entryId"`
	AttachmentID string    `bson:"attachmentId"`
	UnitID       string    `bson:"unitId"`
	At           time.Time `bson:"at"`
	SHA256       string    `bson:"sha256"`
	Print        []int64   `bson:"print"`
	Keys         []int64   `bson:"keys"`
}

type textPrintDoc struct {
	EntryID  string    `bson:"_id"`
	FormID   string    `bson:"formId"`
	UnitID   string    `bson:"unitId"`
	AuthorID string    `bson:"authorId"`
	Period   string    `bson:"period"`
	At       time.Time `bson:"at"`
	Keys     []int64   `bson:"keys"`
}

// writePrints replaces an entry's prints. Without transactions it runs after
// the entry is written; a crash between loses this entry's prints only (it
// is then not found as the other half of a later reuse).
func (s *SignalIndex) writePrints(ctx context.Context, p *signals.Prints) error {
	if p == nil {
		return nil
	}
	// The old prints go (an entry's first prints replace nothing) and the new
	// come in one ordered bulk write: a delete and the photos' upserts, not one
	// round trip per photo.
	var photos []mongo.WriteModel
	if !p.First {
		photos = append(photos, mongo.NewDeleteManyModel().SetFilter(bson.D{{Key: "entryId", Value: p.EntryID}}))
	}
	for _, photo := range p.Photos {
		doc := photoPrintDoc{ID: p.EntryID + ":" + photo.AttachmentID, EntryID: p.EntryID, AttachmentID: photo.AttachmentID, UnitID: p.UnitID,
			At: p.At, SHA256: photo.SHA256, Print: toSigned(photo.Print), Keys: bandKeys(photo.Bands)}
		photos = append(photos, mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: doc.ID}}).SetReplacement(doc).SetUpsert(true))
	}
	if len(photos) > 0 {
		if _, err := s.photos.BulkWrite(ctx, photos, options.BulkWrite().SetOrdered(true)); err != nil {
			return mapError("replace photo prints", err)
		}
	}
	if len(p.TextKeys) == 0 {
		if p.First {
			return nil
		}
		_, err := s.texts.DeleteOne(ctx, bson.D{{Key: "_id", Value: p.EntryID}})
		return mapError("text prints", err)
	}
	doc := textPrintDoc{EntryID: p.EntryID, FormID: p.FormID, UnitID: p.UnitID, AuthorID: p.AuthorID, Period: p.Period, At: p.At, Keys: p.TextKeys}
	_, err := s.texts.ReplaceOne(ctx, bson.D{{Key: "_id", Value: p.EntryID}}, doc, options.Replace().SetUpsert(true))
	return mapError("text prints", err)
}

func bandKeys(bands []signals.Band) []int64 {
	out := make([]int64, len(bands))
	for i, b := range bands {
		out[i] = b.Key
	}
	return out
}

// PhotoCandidates implements signals.Index: documents sharing a band key,
// kept if one of their hashes is near, and those with the same bytes.
func (s *SignalIndex) PhotoCandidates(ctx context.Context, _ auth.Scope, keys []int64, near func(uint64) bool, shas []string,
	exclude string) (out []signals.PhotoHit, err error) {
	defer s.db.track("signals.photos", time.Now(), &err)
	var or bson.A
	if len(keys) > 0 {
		or = append(or, bson.D{{Key: "keys", Value: bson.D{{Key: "$in", Value: keys}}}})
	}
	if len(shas) > 0 {
		or = append(or, bson.D{{Key: "sha256", Value: bson.D{{Key: "$in", Value: shas}}}})
	}
	if len(or) == 0 {
		return nil, nil
	}
	docs, err := findAll[photoPrintDoc](ctx, s.photos, "photo candidates", bson.D{{Key: "$or", Value: or}, {Key: "entryId", Value: bson.D{{Key: "$ne", Value: exclude}}}},
		options.Find().SetLimit(5000).SetProjection(bson.D{{Key: "keys", Value: 0}}))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		print := toUnsigned(d.Print)
		if !slices.ContainsFunc(print, near) && !slices.Contains(shas, d.SHA256) {
			continue
		}
		out = append(out, signals.PhotoHit{EntryID: d.EntryID, UnitID: d.UnitID, AttachmentID: d.AttachmentID, SHA256: d.SHA256,
			At: d.At.UTC(), Print: print})
	}
	// The earliest MaxPhotoCandidates, as SQLite answers: the signal names the
	// earliest and says "at least" when the bound was reached.
	slices.SortStableFunc(out, func(a, b signals.PhotoHit) int { return a.At.Compare(b.At) })
	return out[:min(len(out), signals.MaxPhotoCandidates)], nil
}

// TextCandidates implements signals.Index.
func (s *SignalIndex) TextCandidates(ctx context.Context, _ auth.Scope, formID string, keys []int64, exclude string) (out []signals.TextHit, err error) {
	defer s.db.track("signals.texts", time.Now(), &err)
	if len(keys) == 0 {
		return nil, nil
	}
	docs, err := findAll[textPrintDoc](ctx, s.texts, "text candidates", bson.D{{Key: "formId", Value: formID}, {Key: "keys", Value: bson.D{{Key: "$in", Value: keys}}},
		{Key: "_id", Value: bson.D{{Key: "$ne", Value: exclude}}}}, options.Find().SetLimit(signals.MaxTextCandidates).SetProjection(bson.D{{Key: "keys", Value: 0}}))
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		out = append(out, signals.TextHit{EntryID: d.EntryID, UnitID: d.UnitID, AuthorID: d.AuthorID, Period: d.Period, At: d.At.UTC()})
	}
	return out, nil
}

// SignalsDue implements entries.Store.
func (s *EntryStore) SignalsDue(ctx context.Context, _ auth.Scope, limit int) ([]entries.Entry, error) {
	docs, err := findAll[entryDoc](ctx, s.coll, "signals due", bson.D{{Key: "signalsDue", Value: true}},
		options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, err
	}
	out := make([]entries.Entry, len(docs))
	for i, d := range docs {
		if out[i], err = d.toEntry(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetSignals implements entries.Store: the update that clears the due flag
// decides who stores; only that caller writes the effects.
func (s *EntryStore) SetSignals(ctx context.Context, _ auth.Scope, id string, rev int, list []signals.Signal, fx entries.Effects) (set bool, err error) {
	defer s.db.track("entries.signals", time.Now(), &err)
	err = s.db.atomically(ctx, func(ctx context.Context) error {
		res, err := s.coll.UpdateOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "rev", Value: rev}, {Key: "signalsDue", Value: true}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "signals", Value: signalsJSON(list)}, {Key: "signalsDue", Value: false}}}})
		if err != nil {
			return mapError("set signals", err)
		}
		if res.MatchedCount != 1 {
			return nil
		}
		set = true
		return s.writeEffects(ctx, []entries.Effects{fx})
	})
	return set, err
}
