package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/ids"
	"taizhang/signals"
	"taizhang/signals/signalstest"
	"taizhang/store/sqlite"
)

// BenchmarkPhotoLookup looks up one photo's near-duplicates among 1,000,002
// stored hashes (333,334 photos of three hashes each, random), one of them a
// copy within 5 bits: what a submission does per photo. Aim: < 5 ms.
func BenchmarkPhotoLookup(b *testing.B) {
	db := openTestDB(b)
	r := rand.New(rand.NewPCG(1, 1))
	const photos = 333_334
	list := make([]signals.Prints, 0, photos/100)
	flush := func() { sqlite.SeedPrints(b, db, list); list = list[:0] }
	var target []uint64
	for i := range photos {
		print := []uint64{r.Uint64(), r.Uint64(), r.Uint64()}
		if i == photos/2 {
			target = print
		}
		list = append(list, signals.Prints{EntryID: fmt.Sprintf("e%07d", i), UnitID: "v1", At: time.Unix(0, 0),
			Photos: []signals.PhotoPrint{{AttachmentID: fmt.Sprintf("a%07d", i), SHA256: fmt.Sprintf("%064x", i), Print: print, Bands: signals.Bands(print)}}})
		if len(list) == cap(list) {
			flush()
		}
	}
	flush()
	query := []uint64{target[0] ^ 0b10101, r.Uint64(), r.Uint64()} // 3 bits off the stored one
	index, scope, ctx := db.Signals(), auth.SystemScope("city"), context.Background()
	keys := signals.ProbeKeys(query)
	for b.Loop() {
		hits, err := index.PhotoCandidates(ctx, scope, keys, signals.Near(query), []string{strings.Repeat("f", 64)}, "new")
		if err != nil {
			b.Fatal(err)
		}
		found := 0
		for _, h := range hits {
			if signals.Distance(query, h.Print) <= signals.MaxDistance {
				found++
			}
		}
		if found != 1 {
			b.Fatalf("found %d copies among %d candidates, want 1", found, len(hits))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/lookup")
}

// BenchmarkTextCheck checks one record's text against 100,000 stored records
// of the same form: LSH candidates, then each candidate read and compared
// exactly. The texts are 30 words from a 500-word vocabulary
// (signalstest.Text). one-copy: one stored text is the query's copy.
// many-copies: every tenth is (a template copied 10,000 times). Aim: < 20 ms
// per entry.
func BenchmarkTextCheck(b *testing.B) {
	b.Run("one-copy", func(b *testing.B) { textCheck(b, func(i int) bool { return i == 50_000 }) })
	b.Run("many-copies", func(b *testing.B) { textCheck(b, func(i int) bool { return i%10 == 0 }) })
}

func textCheck(b *testing.B, isCopy func(i int) bool) {
	db := openTestDB(b)
	const n = 100_000
	path := []string{"city", "d1", "t1", "v1"}
	copied := signalstest.Text(n)
	batch, prints := make([]entries.Entry, 0, 5000), make([]signals.Prints, 0, 5000)
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		t := signalstest.Text(uint64(i))
		if isCopy(i) {
			t = copied
		}
		data, _ := json.Marshal(map[string]any{"what": t})
		id := ids.New(at.Add(time.Duration(i) * time.Second))
		batch = append(batch, entries.Entry{ID: id, FormID: "form", FormVersion: 1, UnitID: "v1", UnitPath: path, AuthorID: fmt.Sprintf("u%d", i%300),
			ClientID: fmt.Sprintf("c%d", i), Status: "submitted", Data: data, CreatedAt: at, UpdatedAt: at})
		prints = append(prints, signals.Prints{EntryID: id, FormID: "form", UnitID: "v1", TextKeys: signals.TextKeys(signals.Shingles(t))})
		if len(batch) == cap(batch) {
			sqlite.SeedEntries(b, db, batch)
			sqlite.SeedPrints(b, db, prints)
			batch, prints = batch[:0], prints[:0]
		}
	}
	store := db.Entries()
	detector := &signals.Detector{Index: db.Signals(),
		TextOf: func(ctx context.Context, scope auth.Scope, id string) (string, error) {
			e, err := store.Get(ctx, scope, id)
			var data map[string]any
			_ = json.Unmarshal(e.Data, &data)
			return signals.LongText(data), err
		},
		UnitName: func(context.Context, string) string { return "另一单位" }}
	subject := signals.Subject{EntryID: "new", FormID: "form", UnitID: "v9", AuthorID: "someone", Root: "city", Text: copied + "。"}
	for b.Loop() {
		found, _, err := detector.Detect(context.Background(), subject)
		if err != nil {
			b.Fatal(err)
		}
		if len(found) == 0 || found[0].Kind != signals.TextCopy {
			b.Fatalf("signals: %+v", found)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/check")
}
