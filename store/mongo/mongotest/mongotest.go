// Package mongotest runs the MongoDB adapter against FerretDB embedded in the
// test binary (SQLite handler), or against MONGODB_TEST_URI. Only tests import
// it, so the production binary never links FerretDB.
package mongotest

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"

	"taizhang/store/mongo"
)

// Backend is one MongoDB-compatible server to test against.
type Backend struct {
	Name        string
	URI         string
	MaxPoolSize uint64
}

// StartFerretDB runs FerretDB in a fresh temp dir until the test ends.
func StartFerretDB(tb testing.TB) Backend {
	tb.Helper()
	uri, stop := RunFerretDB(tb, tb.TempDir(), "127.0.0.1:0")
	tb.Cleanup(stop)
	// FerretDB v1 loses concurrent updates unless the client serialises them.
	return Backend{Name: "ferretdb", URI: uri, MaxPoolSize: 1}
}

// RunFerretDB serves the SQLite files in dir on addr until stop is called.
func RunFerretDB(tb testing.TB, dir, addr string) (uri string, stop func()) {
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

// Real returns the MONGODB_TEST_URI backend, if that variable is set.
func Real() (Backend, bool) {
	uri := os.Getenv("MONGODB_TEST_URI")
	return Backend{Name: "mongodb", URI: uri}, uri != ""
}

var dbCounter atomic.Int64

// Open returns a store on a fresh database of b, dropped after the test.
// AuditKey seals the audit records of every store Open returns.
var AuditKey = []byte("mongotest-audit-key-0123456789abcdef")

func (b Backend) Open(tb testing.TB) *mongo.DB {
	tb.Helper()
	u, err := url.Parse(b.URI)
	if err != nil {
		tb.Fatal(err)
	}
	u.Path = fmt.Sprintf("/taizhang_test_%d_%d", os.Getpid(), dbCounter.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := mongo.Open(ctx, mongo.Options{URI: u.String(), ConnectTimeout: 20 * time.Second, MaxPoolSize: b.MaxPoolSize, AuditKey: AuditKey})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = db.DropDatabase(context.Background())
		_ = db.Close()
	})
	return db
}
