package mongo

import (
	"context"
	"testing"

	"taizhang/entries"
)

// SeedEntries bulk-inserts entries as Insert would store them, for benchmarks.
func SeedEntries(tb testing.TB, db *DB, es []entries.Entry) {
	tb.Helper()
	docs := make([]any, 0, len(es))
	for _, e := range es {
		doc, err := toEntryDoc(e)
		if err != nil {
			tb.Fatal(err)
		}
		doc.Rev = 1
		docs = append(docs, doc)
	}
	for start := 0; start < len(docs); start += 1000 {
		if _, err := db.db.Collection("entries").InsertMany(context.Background(), docs[start:min(start+1000, len(docs))]); err != nil {
			tb.Fatal(err)
		}
	}
}

// RecordMoveOnly writes a move's record and stops, as a crash right after step 1
// of MoveUnit would.
func RecordMoveOnly(tb testing.TB, db *DB, oldPath, newPath []string) {
	tb.Helper()
	_, err := db.Org().moves.InsertOne(context.Background(), moveDoc{ID: oldPath[len(oldPath)-1], OldPath: oldPath, NewPath: newPath})
	if err != nil {
		tb.Fatal(err)
	}
}
