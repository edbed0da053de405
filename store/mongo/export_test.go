package mongo

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/entries"
	"taizhang/signals"
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

// IndexNames lists a collection's indexes; CreateIndex adds one by hand, as an
// earlier version would have.
func IndexNames(tb testing.TB, db *DB, collection string) []string {
	tb.Helper()
	specs, err := db.db.Collection(collection).Indexes().ListSpecifications(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return names
}

func CreateIndex(tb testing.TB, db *DB, collection, name string, keys bson.D) {
	tb.Helper()
	model := mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	if _, err := db.db.Collection(collection).Indexes().CreateOne(context.Background(), model); err != nil {
		tb.Fatal(err)
	}
}

// EnsureIndexes runs what Open runs at start.
func EnsureIndexes(tb testing.TB, db *DB) {
	tb.Helper()
	if err := ensureIndexes(context.Background(), db.db); err != nil {
		tb.Fatal(err)
	}
}

// SeedPrints stores the signals prints of entries as a check would.
func SeedPrints(tb testing.TB, db *DB, list []signals.Prints) {
	tb.Helper()
	for i := range list {
		if err := db.Signals().writePrints(context.Background(), &list[i]); err != nil {
			tb.Fatal(err)
		}
	}
}
