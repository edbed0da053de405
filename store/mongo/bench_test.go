package mongo_test

import (
	"os"
	"testing"

	"taizhang/entries"
	"taizhang/store/mongo"
	"taizhang/store/mongo/mongotest"
	"taizhang/store/storetest"
)

// BenchmarkEntries runs on embedded FerretDB at small sizes only (it scans whole
// tables), and on MONGODB_TEST_URI at the full size when set.
func BenchmarkEntries(b *testing.B) {
	benchOn := func(b *testing.B, be backend, sizes []int) {
		storetest.Bench(b, func(b *testing.B) storetest.BenchHarness {
			db := be.open(b)
			return storetest.BenchHarness{
				Entries: db.Entries(),
				Seed:    func(tb testing.TB, es []entries.Entry) { mongo.SeedEntries(tb, db, es) },
			}
		}, sizes)
	}
	b.Run("ferretdb", func(b *testing.B) { benchOn(b, startFerretDB(b), []int{1_000}) })
	if uri := os.Getenv("MONGODB_TEST_URI"); uri != "" {
		b.Run("mongodb", func(b *testing.B) { benchOn(b, backend{Backend: mongotest.Backend{URI: uri}}, []int{1_000, 100_000}) })
	}
}
