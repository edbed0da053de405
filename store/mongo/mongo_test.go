package mongo_test

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"taizhang/attachments"
	"taizhang/attachments/blobtest"
	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/store/mongo"
	"taizhang/store/mongo/mongotest"
	"taizhang/store/storetest"
)

// ferretMissing is what FerretDB v1.24.2 (SQLite handler) lacks, measured here;
// each contract test that needs one of these skips and names it.
var ferretMissing = map[storetest.Feature]string{
	storetest.Transactions: "FerretDB v1.24 has no multi-document transactions",
}

// backend is one server the contract runs against, with what it lacks.
type backend struct {
	mongotest.Backend
	missing map[storetest.Feature]string
}

func (b backend) open(tb testing.TB) *mongo.DB { return b.Open(tb) }

func startFerretDB(tb testing.TB) backend {
	return backend{Backend: mongotest.StartFerretDB(tb), missing: ferretMissing}
}

func runFerretDB(tb testing.TB, dir, addr string) (string, func()) {
	return mongotest.RunFerretDB(tb, dir, addr)
}

// TestDatabaseLostAndBack stops the server under an open store: calls fail as
// Unavailable (503 upstream), and succeed again once the server returns.
func TestDatabaseLostAndBack(t *testing.T) {
	dir := t.TempDir()
	uri, stop := runFerretDB(t, dir, "127.0.0.1:0")
	ctx := context.Background()
	db, err := mongo.Open(ctx, mongo.Options{URI: uri + "outage", ConnectTimeout: 2 * time.Second, MaxPoolSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	scope := auth.ScopeForTest(t, "city", "u", auth.RoleCadre)
	e := entries.Entry{ID: ids.New(time.Now()), FormID: "f", UnitID: "city", UnitPath: []string{"city"}, AuthorID: "u",
		ClientID: "c", Status: "draft", Data: []byte(`{}`), CreatedAt: time.UnixMilli(1).UTC(), UpdatedAt: time.UnixMilli(1).UTC()}
	if err := db.Entries().Insert(ctx, scope, e); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := db.Ping(ctx); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("ping with the server gone: want unavailable, got %v", err)
	}
	if _, err := db.Entries().Get(ctx, scope, e.ID); !errs.Is(err, errs.Unavailable) {
		t.Fatalf("get with the server gone: want unavailable, got %v", err)
	}
	_, restart := runFerretDB(t, dir, strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/"))
	t.Cleanup(restart)
	deadline := time.Now().Add(20 * time.Second)
	for db.Ping(ctx) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the store did not recover after the server returned")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := db.Entries().Get(ctx, scope, e.ID); err != nil {
		t.Fatalf("get after recovery: %v", err)
	}
}

func backends(t *testing.T) map[string]backend {
	out := map[string]backend{"ferretdb": startFerretDB(t)}
	if real, ok := mongotest.Real(); ok {
		b := backend{Backend: real}
		if !b.open(t).Transactions() {
			b.missing = map[storetest.Feature]string{storetest.Transactions: "MONGODB_TEST_URI is a standalone server; transactions need a replica set"}
		}
		out["mongodb"] = b
	} else {
		t.Log("MONGODB_TEST_URI not set: the contract runs on embedded FerretDB only")
	}
	return out
}

// TestFerretDBSkipList prints what the contract skips on FerretDB and why; `make
// test` shows these lines.
func TestFerretDBSkipList(t *testing.T) {
	for feature, reason := range ferretMissing {
		t.Logf("FerretDB v1.24.2 lacks %s (%s): contract tests needing it are skipped there", feature, reason)
	}
}

// TestTransactionsDetected: the adapter asks the server whether it runs
// transactions; FerretDB must say no, or the skip list above would hide a gap.
func TestTransactionsDetected(t *testing.T) {
	if startFerretDB(t).open(t).Transactions() {
		t.Fatal("FerretDB v1.24 reported transactions: update ferretMissing")
	}
	if real, ok := mongotest.Real(); ok {
		t.Logf("MONGODB_TEST_URI runs transactions: %v", backend{Backend: real}.open(t).Transactions())
	}
}

func TestContract(t *testing.T) {
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Harness {
				db := b.open(t)
				return storetest.Harness{Entries: db.Entries(), Org: db.Org(), Sessions: db.Sessions(), Forms: db.Forms(), Audit: db.Audit(), Notifications: db.Notifications(), Attachments: db.Attachments(), Uploads: db.Uploads(), Throttle: db.Throttle(), Ledger: db.Ledger(), Remind: db.Remind(), Push: db.Push(), AuditKey: mongotest.AuditKey, Missing: b.missing}
			})
		})
	}
}

// TestBlobContractOnGridFS runs the blob contract on the default GridFS store.
func TestBlobContractOnGridFS(t *testing.T) {
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) attachments.Blobs { return b.open(t).Blobs() })
		})
	}
}

func TestOpenFailsWithinTimeout(t *testing.T) {
	start := time.Now()
	_, err := mongo.Open(context.Background(), mongo.Options{URI: "mongodb://127.0.0.1:1/x", ConnectTimeout: 1500 * time.Millisecond})
	if err == nil {
		t.Fatal("open must fail when nothing listens")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("open gave up after %s; it must respect the configured timeout", took)
	}
	t.Log(err)
}

// TestEntriesWrittenBeforeKeepWorking: an entry stored with its data as a
// document and a search copy (before the data was kept as JSON text) reads the
// same, is found by q as before, and loses both old fields when next written.
func TestEntriesWrittenBeforeKeepWorking(t *testing.T) {
	db := startFerretDB(t).open(t)
	ctx := context.Background()
	scope := auth.ScopeForTest(t, "city", "u", auth.RoleCadre)
	at := time.UnixMilli(1_700_000_000_000).UTC()
	e := entries.Entry{ID: ids.New(at), FormID: "f", UnitID: "v1", UnitPath: []string{"city", "v1"}, AuthorID: "u", ClientID: "c",
		Status: "submitted", Rev: 1, Data: []byte(`{"note":"红旗村 自来水 抢修","subsidy":120.5}`), CreatedAt: at, UpdatedAt: at}
	mongo.InsertEntryAsBefore(t, db, e, "红旗村 自来水 抢修 ")
	got, err := db.Entries().Get(ctx, scope, e.ID)
	if err != nil || !jsonEqual(got.Data, e.Data) {
		t.Fatalf("read back: %s %v", got.Data, err)
	}
	found := func(q string) int {
		page, err := db.Entries().List(ctx, scope, entries.Query{Q: q})
		n, cerr := db.Entries().Count(ctx, scope, entries.Query{Q: q})
		if err != nil || cerr != nil || n != len(page.Items) {
			t.Fatalf("q %q: listed %d, counted %d (%v %v)", q, len(page.Items), n, err, cerr)
		}
		return n
	}
	if found("自来水") != 1 || found("不存在") != 0 {
		t.Fatal("q on an entry written before")
	}
	if _, err := db.Entries().Update(ctx, scope, got, 1); err != nil {
		t.Fatal(err)
	}
	fields := strings.Join(mongo.StoredFields(t, db, e.ID), ",")
	if !strings.Contains(fields, "json") || strings.Contains(fields, "search") || strings.Contains(fields, "data") {
		t.Fatalf("fields after an update: %s", fields)
	}
	if found("自来水") != 1 || found("subsidy") != 0 || found("120.5") != 0 {
		t.Fatal("q after the update: only text values are searched")
	}
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// An index an earlier version ensured, which MongoDB would hold against every
// entry with an attachment, is dropped at the next start.
func TestObsoleteIndexDroppedAtStart(t *testing.T) {
	db := startFerretDB(t).open(t)
	mongo.CreateIndex(t, db, "entries", "attachment_refs", bson.D{{Key: "attachments", Value: 1}, {Key: "unitPath", Value: 1}})
	mongo.EnsureIndexes(t, db)
	names := mongo.IndexNames(t, db, "entries")
	if slices.Contains(names, "attachment_refs") || !slices.Contains(names, "attachment_entries") {
		t.Fatalf("entries' indexes after a start: %v", names)
	}
	mongo.EnsureIndexes(t, db) // and again: nothing to drop
}
