package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"taizhang/config"
	"taizhang/ids"
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
	cfg, _ := config.Load(envOf(map[string]string{"TAIZHANG_DATA_DIR": dir, "TAIZHANG_DEMO": "1", "TAIZHANG_DEMO_WEEKS": "0",
		"TAIZHANG_LOG_LEVEL": "error", "TAIZHANG_REMINDER_EVERY": "1h"}))
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
	before := storeBytes(b, dir)
	body := twoKilobyteBody()
	var seq atomic.Int64
	rate(workers, n, func() error {
		payload, _ := json.Marshal(map[string]any{"clientId": fmt.Sprintf("weight-%08d", seq.Add(1)), "data": body, "submit": true})
		return expect(client, "POST", base+"/api/v1/forms/"+formID+"/entries", cadre, payload, 201)
	})
	cancel()
	<-served
	after := storeBytes(b, dir)
	raw, _ := json.Marshal(body)
	baseline := baselineBytes(b, n, raw)
	perEntry := float64(after-before) / n
	b.ReportMetric(float64(len(raw)), "json-B")
	b.ReportMetric(perEntry, "store-B/entry")
	b.ReportMetric(float64(baseline)/n, "baseline-B/entry")
	b.ReportMetric(perEntry/(float64(baseline)/n), "store/baseline")
}

// twoKilobyteBody is the data of the thirty-field form at about 2 KB of JSON.
func twoKilobyteBody() map[string]any {
	data := thirtyFieldBody()
	for i := 0; i < 30; i += 2 {
		data[fmt.Sprintf("f%02d", i)] = fmt.Sprintf("第%d项：由村会计每月五日前张贴补助明细并拍照上传，群众可现场查阅并提出意见", i)
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

// baselineBytes stores n copies of raw, each under a fresh id, in a table of
// their own and returns the file's size.
func baselineBytes(b *testing.B, n int, raw []byte) int64 {
	path := filepath.Join(b.TempDir(), "baseline.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE records (id TEXT PRIMARY KEY, data TEXT NOT NULL) STRICT`); err != nil {
		b.Fatal(err)
	}
	tx, _ := db.Begin()
	for range n {
		if _, err := tx.Exec(`INSERT INTO records VALUES (?, ?)`, ids.New(time.Now()), string(raw)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	info, _ := os.Stat(path)
	return info.Size()
}
