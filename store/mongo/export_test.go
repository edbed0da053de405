package mongo

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

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

// InsertEntryAsBefore stores e as entries were stored before their data was
// kept as JSON text: the data as a document, and search, a copy of its text.
func InsertEntryAsBefore(tb testing.TB, db *DB, e entries.Entry, search string) {
	tb.Helper()
	doc, err := toEntryDoc(e)
	if err != nil {
		tb.Fatal(err)
	}
	if err := bson.UnmarshalExtJSON(e.Data, false, &doc.Data); err != nil {
		tb.Fatal(err)
	}
	doc.JSON, doc.Rev = "", 1
	ctx := context.Background()
	if _, err := db.db.Collection("entries").InsertOne(ctx, doc); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.db.Collection("entries").UpdateByID(ctx, e.ID, bson.D{{Key: "$set", Value: bson.D{{Key: "search", Value: search}}}}); err != nil {
		tb.Fatal(err)
	}
}

// StoredFields lists the fields of an entry's stored document.
func StoredFields(tb testing.TB, db *DB, id string) []string {
	tb.Helper()
	raw, err := db.db.Collection("entries").FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Raw()
	if err != nil {
		tb.Fatal(err)
	}
	elems, _ := raw.Elements()
	var keys []string
	for _, el := range elems {
		keys = append(keys, el.Key())
	}
	return keys
}
