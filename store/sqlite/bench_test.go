package sqlite_test

import (
	"testing"

	"taizhang/entries"
	"taizhang/store/sqlite"
	"taizhang/store/storetest"
)

func BenchmarkEntries(b *testing.B) {
	storetest.Bench(b, func(b *testing.B) storetest.BenchHarness {
		db := openTestDB(b)
		return storetest.BenchHarness{
			Entries: db.Entries(),
			Seed:    func(tb testing.TB, es []entries.Entry) { sqlite.SeedEntries(tb, db, es) },
		}
	}, []int{1_000, 100_000})
}
