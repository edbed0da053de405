package mongo_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/store/mongo"
	"taizhang/store/storetest"
)

// ferretMissing is what FerretDB v1.24.2 (SQLite handler) lacks, measured here;
// each contract test that needs one of these skips and names it.
var ferretMissing = map[storetest.Feature]string{
	storetest.Transactions: "FerretDB v1.24 has no multi-document transactions",
}

// backend is one server the contract runs against.
type backend struct {
	uri         string
	maxPoolSize uint64
	missing     map[storetest.Feature]string
}

var dbCounter atomic.Int64

// open returns a store on a fresh database of b, dropped after the test.
func (b backend) open(tb testing.TB) *mongo.DB {
	tb.Helper()
	u, err := url.Parse(b.uri)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = fmt.Sprintf("/taizhang_test_%d_%d", os.Getpid(), dbCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mongo.Open(ctx, mongo.Options{URI: u.String(), ConnectTimeout: 20 * time.Second, MaxPoolSize: b.maxPoolSize})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = db.DropDatabase(context.Background())
		_ = db.Close()
	})
	return db
}

// startFerretDB runs FerretDB with its SQLite handler in a fresh temp dir, inside
// the test binary; the production binary never links it.
func startFerretDB(tb testing.TB) backend {
	tb.Helper()
	uri, stop := runFerretDB(tb, tb.TempDir(), "127.0.0.1:0")
	tb.Cleanup(stop)
	// FerretDB v1 loses concurrent updates unless the client serialises them.
	return backend{uri: uri, maxPoolSize: 1, missing: ferretMissing}
}

// runFerretDB serves the SQLite files in dir on addr until stop is called.
func runFerretDB(tb testing.TB, dir, addr string) (uri string, stop func()) {
	tb.Helper()
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
	})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = f.Run(ctx) }()
	var once sync.Once
	return f.MongoDBURI(), func() { once.Do(func() { cancel(); <-done }) }
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
	if uri := os.Getenv("MONGODB_TEST_URI"); uri != "" {
		out["mongodb"] = backend{uri: uri}
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

func TestContract(t *testing.T) {
	for name, b := range backends(t) {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) storetest.Harness {
				db := b.open(t)
				return storetest.Harness{Entries: db.Entries(), Org: db.Org(), Sessions: db.Sessions(), Forms: db.Forms(), Audit: db.Audit(), Notifications: db.Notifications(), Attachments: db.Attachments(), Missing: b.missing}
			})
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
