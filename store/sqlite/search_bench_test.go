package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/ids"
	"taizhang/signals/signalstest"
)

// BenchmarkSearchPacked measures what compressing entries' data costs a
// search: q that no entry holds (the worst case: every entry of the subtree
// is read) over 10,000 entries of about 2 KB. The baseline is the search as
// it was before packing — SQLite's instr on the stored JSON, then json_tree —
// on a store of the same data kept as JSON, timed alternately with the store's
// own search so both see the same machine. Reports packed/before.
func BenchmarkSearchPacked(b *testing.B) {
	ctx := context.Background()
	packed, plain := searchStore(b, false), searchStore(b, true)
	scope := auth.ScopeForTest(b, "city", "bench", auth.RoleSupervisor)
	const q = "无此内容"
	var took [2]time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		page, err := packed.Entries().List(ctx, scope, entries.Query{Q: q, Limit: 20})
		if err != nil || len(page.Items) != 0 {
			b.Fatalf("search: %d items, %v", len(page.Items), err)
		}
		took[0] += time.Since(start)
		start = time.Now()
		var n int
		err = plain.readers.QueryRowContext(ctx, `SELECT count(*) FROM entry_scope s CROSS JOIN entries e ON e.id = s.entry_id
			WHERE s.unit_id = 'city' AND instr(e.data, ?) > 0
			AND EXISTS (SELECT 1 FROM json_tree(e.data) WHERE type = 'text' AND instr(value, ?) > 0)`, q, q).Scan(&n)
		if err != nil || n != 0 {
			b.Fatalf("search as before: %d, %v", n, err)
		}
		took[1] += time.Since(start)
	}
	b.ReportMetric(float64(took[0].Microseconds())/float64(b.N), "packed-µs/search")
	b.ReportMetric(float64(took[1].Microseconds())/float64(b.N), "before-µs/search")
	b.ReportMetric(float64(took[0])/float64(took[1]), "packed/before")
}

func searchStore(b *testing.B, asJSON bool) *DB {
	db, err := Open(context.Background(), Options{Dir: b.TempDir(), AuditKey: []byte("search-bench-key-0123456789abcdef0")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	es := make([]entries.Entry, 10_000)
	for i := range es {
		data := map[string]any{}
		for f := range 30 {
			if f%2 == 0 {
				data[fmt.Sprintf("f%02d", f)] = signalstest.Words(uint64(i*100+f), 8+i%5)
			} else {
				data[fmt.Sprintf("f%02d", f)] = f
			}
		}
		raw, _ := json.Marshal(data)
		created := at.Add(time.Duration(i) * time.Second)
		es[i] = entries.Entry{ID: ids.New(created), FormID: "f", FormVersion: 1, UnitID: "v", UnitPath: []string{"city", "d", "t", "v"},
			AuthorID: "u", ClientID: fmt.Sprint(i), Status: "submitted", Rev: 1, Data: raw, CreatedAt: created, UpdatedAt: created}
	}
	SeedEntries(b, db, es)
	if asJSON {
		seed(b, db, func(ctx context.Context, tx *sql.Tx) error {
			for _, e := range es {
				if _, err := tx.ExecContext(ctx, `UPDATE entries SET data = ?, packed = NULL WHERE id = ?`, string(e.Data), e.ID); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return db
}

// BenchmarkGetPacked is what packing costs reading an entry: one entry by id
// of 10,000 of about 2 KB, from packed data and from the same data kept as
// JSON (read as before), alternately. (Listings keep decoded rows by
// revision, so the pages everyone reads are unpacked once.) Reports
// packed/plain.
func BenchmarkGetPacked(b *testing.B) {
	ctx := context.Background()
	stores := []*DB{searchStore(b, false), searchStore(b, true)}
	scope := auth.ScopeForTest(b, "city", "bench", auth.RoleSupervisor)
	var pages [2][]entries.Entry
	for i, db := range stores {
		page, err := db.Entries().List(ctx, scope, entries.Query{Limit: 100})
		if err != nil || len(page.Items) != 100 {
			b.Fatalf("list: %d items, %v", len(page.Items), err)
		}
		pages[i] = page.Items
	}
	var took [2]time.Duration
	b.ResetTimer()
	for n := range b.N {
		for i, db := range stores {
			start := time.Now()
			if _, err := db.Entries().Get(ctx, scope, pages[i][n%100].ID); err != nil {
				b.Fatal(err)
			}
			took[i] += time.Since(start)
		}
	}
	b.ReportMetric(float64(took[0].Nanoseconds())/float64(b.N)/1e3, "packed-µs/get")
	b.ReportMetric(float64(took[1].Nanoseconds())/float64(b.N)/1e3, "plain-µs/get")
	b.ReportMetric(float64(took[0])/float64(took[1]), "packed/plain")
}
