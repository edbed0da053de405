package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodrv "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"taizhang/config"
	"taizhang/ids"
	"taizhang/signals/signalstest"
	"taizhang/store/mongo/mongotest"
	"taizhang/store/sqlite"
)

// BenchmarkEntryWeight files entries of about 2 KB of JSON (30 fields, half
// of them Chinese sentences) through the API, submitted (so history, audit
// and notifications are written), and reports what each entry adds to the
// embedded store's file, beside a baseline table holding only the same JSON
// payloads by id (what a plain JSON-record store, PocketBase for one, keeps).
// Run with -benchtime 1x (make bench); numbers go to docs/performance.md.
func BenchmarkEntryWeight(b *testing.B) {
	const n = 10_000
	dir := b.TempDir()
	var before int64
	fileWeighed(b, n, map[string]string{"TAIZHANG_DATA_DIR": dir}, func() { before = storeBytes(b, dir) })
	after := storeBytes(b, dir)
	baseline, rawBytes := baselineBytes(b, n)
	perEntry := float64(after-before) / n
	b.ReportMetric(float64(rawBytes)/n, "json-B")
	b.ReportMetric(perEntry, "store-B/entry")
	b.ReportMetric(float64(baseline)/n, "baseline-B/entry")
	b.ReportMetric(perEntry/(float64(baseline)/n), "store/baseline")
}

// BenchmarkEntryWeightMongo files the same entries into the MongoDB adapter
// (embedded FerretDB, or MONGODB_TEST_URI) and reports the BSON its documents
// take per entry — what MongoDB's dataSize counts, before WiredTiger
// compresses it; indexes are not counted — beside a collection of {_id, data}
// documents holding the same JSON as BSON.
func BenchmarkEntryWeightMongo(b *testing.B) {
	const n = 200 // FerretDB scans whole collections, even by _id: filing slows as they grow
	backend, ok := mongotest.Real()
	if !ok {
		backend = mongotest.StartFerretDB(b)
	}
	u, _ := url.Parse(backend.URI)
	u.Path = fmt.Sprintf("/weight_%d", time.Now().UnixNano())
	if backend.MaxPoolSize > 0 {
		u.RawQuery = fmt.Sprintf("maxPoolSize=%d", backend.MaxPoolSize)
	}
	client, err := mongodrv.Connect(options.Client().ApplyURI(u.String()))
	if err != nil {
		b.Fatal(err)
	}
	db := client.Database(strings.TrimPrefix(u.Path, "/"))
	b.Cleanup(func() { _ = db.Drop(context.Background()); _ = client.Disconnect(context.Background()) })
	var before int64
	fileWeighed(b, n, map[string]string{"TAIZHANG_DATA_DIR": b.TempDir(), "TAIZHANG_DB_URL": u.String()},
		func() { before = documentBytes(b, db) })
	after := documentBytes(b, db)
	var rawBytes int64
	records := db.Collection("baseline_records")
	for i := range n {
		raw, _ := json.Marshal(twoKilobyteBody(uint64(i + 1)))
		rawBytes += int64(len(raw))
		var data bson.Raw
		if err := bson.UnmarshalExtJSON(raw, false, &data); err != nil {
			b.Fatal(err)
		}
		if _, err := records.InsertOne(context.Background(), bson.D{{Key: "_id", Value: ids.New(time.Now())}, {Key: "data", Value: data}}); err != nil {
			b.Fatal(err)
		}
	}
	baseline := collectionBytes(b, records)
	perEntry := float64(after-before) / n
	b.ReportMetric(float64(rawBytes)/n, "json-B")
	b.ReportMetric(perEntry, "bson-B/entry")
	b.ReportMetric(float64(baseline)/n, "baseline-B/entry")
	b.ReportMetric(perEntry/(float64(baseline)/n), "store/baseline")
}

// fileWeighed starts the program with the demo city and env, calls ready once
// the form is published, files n submitted entries through the API, checks
// every entry's signals (writing its text's prints) and stops the program.
func fileWeighed(b *testing.B, n int, env map[string]string, ready func()) {
	env["TAIZHANG_DEMO"], env["TAIZHANG_DEMO_WEEKS"], env["TAIZHANG_LOG_LEVEL"], env["TAIZHANG_REMINDER_EVERY"] = "1", "0", "error", "1h"
	cfg, err := config.Load(envOf(env))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := start(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	served := make(chan error, 1)
	go func() { served <- p.serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	formID := publishThirtyFieldForm(b, client, base)
	cadre := benchLogin(b, client, base, demoCadrePhone)
	ready()
	var seq atomic.Int64
	rate(workers, n, func() error {
		i := seq.Add(1)
		payload, _ := json.Marshal(map[string]any{"clientId": fmt.Sprintf("weight-%08d", i), "data": twoKilobyteBody(uint64(i)), "submit": true})
		// 200: the client sent it again on a fresh connection and the server
		// answered from what it had stored (FerretDB is slow enough for that).
		return expect(client, "POST", base+"/api/v1/forms/"+formID+"/entries", cadre, payload, 201, 200)
	})
	units, _ := p.tree.All(ctx)
	for {
		checked, err := p.entries.CheckSignals(ctx, units[0].Path[0], 1000)
		if err != nil {
			b.Fatal(err)
		}
		if checked == 0 {
			break
		}
	}
	cancel()
	<-served
}

// documentBytes is the BSON of every document in db, largest collections
// printed first (docs/performance.md).
func documentBytes(b *testing.B, db *mongodrv.Database) int64 {
	names, err := db.ListCollectionNames(context.Background(), bson.D{})
	if err != nil {
		b.Fatal(err)
	}
	var total int64
	sizes := map[string]int64{}
	for _, name := range names {
		sizes[name] = collectionBytes(b, db.Collection(name))
		total += sizes[name]
	}
	slices.SortFunc(names, func(x, y string) int { return cmp.Compare(sizes[y], sizes[x]) })
	for _, name := range names[:min(8, len(names))] {
		fmt.Fprintf(os.Stderr, "%-28s %8d KB\n", name, sizes[name]>>10)
	}
	return total
}

func collectionBytes(b *testing.B, coll *mongodrv.Collection) (total int64) {
	cur, err := coll.Find(context.Background(), bson.D{})
	if err != nil {
		b.Fatal(err)
	}
	defer cur.Close(context.Background())
	for cur.Next(context.Background()) {
		total += int64(len(cur.Current))
	}
	return total
}

// twoKilobyteBody is the data of the thirty-field form at about 2 KB of JSON:
// its 15 texts of 8 to 12 words differ from entry to entry, as real ones do
// (identical texts would all be checked against each other as copies), and so
// does their length: rows of one size pack into pages in steps (six 2.6 KB rows
// fill a 16 KiB page as six 2.4 KB rows do), hiding what a row change saves.
func twoKilobyteBody(seed uint64) map[string]any {
	data := thirtyFieldBody()
	for i := 0; i < 30; i += 2 {
		data[fmt.Sprintf("f%02d", i)] = signalstest.Words(seed*100+uint64(i), 8+int(seed%5))
	}
	return data
}

// storeBytes is the size of the closed-or-checkpointed database file: the
// WAL is folded in first, so what is measured is what stays.
func storeBytes(b *testing.B, dir string) int64 {
	path := filepath.Join(dir, sqlite.FileName)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	rows, err := db.Query(`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 12`)
	if err == nil { // where the bytes are, largest first (docs/performance.md)
		for rows.Next() {
			var name string
			var size int64
			_ = rows.Scan(&name, &size)
			fmt.Fprintf(os.Stderr, "%-28s %8d KB\n", name, size>>10)
		}
		rows.Close()
	}
	return info.Size()
}

// baselineBytes stores the JSON of the n entries filed (twoKilobyteBody 1…n),
// each under a fresh id, in a table of their own and returns the file's size
// and the JSON's.
func baselineBytes(b *testing.B, n int) (size, rawBytes int64) {
	path := filepath.Join(b.TempDir(), "baseline.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	// The same page size as the store's (sqlite.PageSize), so that the
	// ratio measures what is stored, not how rows pack into pages.
	if _, err := db.Exec(fmt.Sprintf(`PRAGMA page_size = %d; CREATE TABLE records (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT`, sqlite.PageSize)); err != nil {
		b.Fatal(err)
	}
	tx, _ := db.Begin()
	for i := range n {
		raw, _ := json.Marshal(twoKilobyteBody(uint64(i + 1)))
		rawBytes += int64(len(raw))
		if _, err := tx.Exec(`INSERT INTO records VALUES (?, ?)`, ids.New(time.Now()), string(raw)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(path)
	return info.Size(), rawBytes
}
