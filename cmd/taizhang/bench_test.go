package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"taizhang/auth"
	"taizhang/config"
	"taizhang/entries"
	"taizhang/ids"
	"taizhang/store/sqlite"
)

// workers is how many clients run at once in every rate measured here.
const workers = 16

// BenchmarkFilingAndListing measures, in one run on the embedded store, filing
// a 30-field entry over HTTP at 16 connections and listing the newest 20 entries
// of a district holding 100k, each beside its baseline: a bare Fiber handler
// that only parses the JSON, raw single-row autocommit SQLite inserts with the
// same durability, and the raw indexed query. Run with -benchtime 1x
// (make bench); numbers go to docs/performance.md.
func BenchmarkFilingAndListing(b *testing.B) {
	const filings, listings = 3000, 3000
	dir := b.TempDir()
	cfg, _ := config.Load(envOf(map[string]string{"TAIZHANG_DATA_DIR": dir, "TAIZHANG_DEMO": "1", "TAIZHANG_DEMO_WEEKS": "0", "TAIZHANG_LOG_LEVEL": "error"}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, err := start(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = p.serve(ctx, ln) }()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}

	formID := publishThirtyFieldForm(b, client, base)
	cadre := benchLogin(b, client, base, "13800000005")
	body := thirtyFieldBody()
	var seq atomic.Int64
	filing := rate(workers, filings, func() error {
		payload, _ := json.Marshal(map[string]any{"clientId": fmt.Sprintf("bench-%08d", seq.Add(1)), "data": body, "submit": true})
		return expect(client, "POST", base+"/api/v1/forms/"+formID+"/entries", cadre, payload, 201)
	})
	bare := rate(workers, filings, bareFiber(b, client, body))
	rawInsert := rate(workers, filings, rawInserts(b))

	seedEntries(b, dir, 100_000)
	district := benchLogin(b, client, base, "13800000003")
	list := rate(workers, listings, func() error {
		return expect(client, "GET", base+"/api/v1/entries?limit=20", district, nil, 200)
	})
	rawQuery := rate(workers, listings, rawQueries(b, dir))
	storeList := rate(workers, listings, storeLists(b, dir))

	b.ReportMetric(filing, "filings/s")
	b.ReportMetric(bare, "bare-fiber/s")
	b.ReportMetric(rawInsert, "raw-inserts/s")
	b.ReportMetric(filing/rawInsert, "filing/raw-insert")
	b.ReportMetric(list, "lists/s")
	b.ReportMetric(rawQuery, "raw-queries/s")
	b.ReportMetric(list/rawQuery, "list/raw-query")
	b.ReportMetric(storeList, "store-lists/s")
	b.ReportMetric(storeList/rawQuery, "store-list/raw-query")
}

// rate runs total calls of fn on workers goroutines and returns calls per second.
func rate(workers, total int, fn func() error) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Value
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(total) {
				if err := fn(); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := failed.Load(); err != nil {
		panic(err)
	}
	return float64(total) / time.Since(start).Seconds()
}

func expect(client *http.Client, method, url, token string, body []byte, status ...int) error {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if !slices.Contains(status, resp.StatusCode) {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, out)
	}
	return nil
}

func benchLogin(b testing.TB, client *http.Client, base, phone string) string {
	body, _ := json.Marshal(map[string]string{"phone": phone, "password": "taizhang2026"})
	resp, err := client.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.AccessToken
}

func thirtyFieldBody() map[string]any {
	data := map[string]any{}
	for i := range 30 {
		if i%2 == 0 {
			data[fmt.Sprintf("f%02d", i)] = "由村会计每月五日前张贴补助明细并拍照上传"
		} else {
			data[fmt.Sprintf("f%02d", i)] = float64(i)
		}
	}
	return data
}

func publishThirtyFieldForm(b testing.TB, client *http.Client, base string) string {
	admin := benchLogin(b, client, base, "13800000001")
	var fields []map[string]any
	for i := range 30 {
		f := map[string]any{"key": fmt.Sprintf("f%02d", i), "label": fmt.Sprintf("字段%d", i), "required": true}
		if i%2 == 0 {
			f["type"], f["maxLength"] = "text", 200
		} else {
			f["type"], f["min"], f["max"] = "integer", 0, 1000
		}
		fields = append(fields, f)
	}
	schema, _ := json.Marshal(map[string]any{"key": "bench30", "title": "三十项", "category": "custom", "onePerPeriod": false, "fields": fields})
	req, _ := http.NewRequest("POST", base+"/api/v1/forms", bytes.NewReader(schema))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var created struct {
		ID string `json:"id"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	var units []struct {
		ID       string `json:"id"`
		ParentID string `json:"parentId"`
	}
	req, _ = http.NewRequest("GET", base+"/api/v1/units", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, _ = client.Do(req)
	_ = json.NewDecoder(resp.Body).Decode(&units)
	resp.Body.Close()
	if err := expect(client, "POST", base+"/api/v1/forms/"+created.ID+"/publish", admin, nil, 200); err != nil {
		b.Fatal(err)
	}
	assign, _ := json.Marshal(map[string]any{"assignments": []any{map[string]any{"unitId": units[0].ID,
		"schedule": map[string]any{"kind": "weekly", "weekday": 5, "time": "12:00"}}}})
	if err := expect(client, "PUT", base+"/api/v1/forms/"+created.ID+"/assignments", admin, assign, 200); err != nil {
		b.Fatal(err)
	}
	return created.ID
}

// bareFiber is the floor of HTTP: a Fiber handler that parses the JSON and answers.
func bareFiber(b *testing.B, client *http.Client, body map[string]any) func() error {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Post("/entries", func(c *fiber.Ctx) error {
		var in map[string]any
		if err := json.Unmarshal(c.Body(), &in); err != nil {
			return err
		}
		return c.SendStatus(201)
	})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = app.Listener(ln) }()
	b.Cleanup(func() { _ = app.Shutdown() })
	payload, _ := json.Marshal(map[string]any{"clientId": "x", "data": body, "submit": true})
	url := "http://" + ln.Addr().String() + "/entries"
	return func() error { return expect(client, "POST", url, "", payload, 201) }
}

// rawInserts is the floor of durable storage: one row per autocommit
// transaction, with the store's pragmas (WAL, synchronous FULL), one writer, the
// statement prepared once.
func rawInserts(b *testing.B) func() error {
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	b.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE t (id TEXT PRIMARY KEY, data TEXT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	insert, err := db.Prepare(`INSERT INTO t (id, data) VALUES (?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	payload, _ := json.Marshal(thirtyFieldBody())
	return func() error {
		_, err := insert.Exec(ids.New(time.Now()), string(payload))
		return err
	}
}

// seedEntries writes n entries straight into the data dir's database, spread
// over the demo district 东城区's townships and villages.
func seedEntries(b *testing.B, dir string, n int) { seedEntriesOf(b, dir, n, "seed", "seed") }

// seedEntriesOf writes n submitted entries of a form, by one author, spread
// over the villages and communities, straight into the SQLite file.
func seedEntriesOf(b *testing.B, dir string, n int, formID, authorID string) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var paths []string
	rows, _ := db.Query(`SELECT path FROM units WHERE kind IN ('village', 'community')`)
	for rows.Next() {
		var p string
		_ = rows.Scan(&p)
		paths = append(paths, p)
	}
	rows.Close()
	tx, _ := db.Begin()
	insert, _ := tx.Prepare(`INSERT INTO entries (id, form_id, form_version, unit_id, unit_path, author_id, client_id, status,
		rev, period, data, payload_hash, created_at, updated_at, open) VALUES (?,?,1,?,?,?,?,'submitted',1,'',?,'',?,?,0)`)
	scope, _ := tx.Prepare(`INSERT INTO entry_scope (unit_id, created_at, entry_id) VALUES (?,?,?)`)
	data, _ := json.Marshal(thirtyFieldBody())
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		var path []string
		_ = json.Unmarshal([]byte(paths[i%len(paths)]), &path)
		at := t0.Add(time.Duration(i) * time.Second)
		id := ids.New(at)
		// No path of its own: the store reads it from the unit, as for an entry filed.
		if _, err := insert.Exec(id, formID, path[len(path)-1], "", authorID, fmt.Sprintf("seed-%d", i),
			string(data), at.UnixMilli(), at.UnixMilli()); err != nil {
			b.Fatal(err)
		}
		for _, unit := range path {
			_, _ = scope.Exec(unit, at.UnixMilli(), id)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// storeLists lists through the store itself (entries.Store.List, scope applied,
// rows decoded), without HTTP: the same page the API serves.
func storeLists(b *testing.B, dir string) func() error {
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var district string
	raw, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=query_only(1)")
	defer raw.Close()
	if err := raw.QueryRow(`SELECT id FROM units WHERE name = '东城区'`).Scan(&district); err != nil {
		b.Fatal(err)
	}
	scope := auth.ScopeForTest(b, district, "bench", auth.RoleSupervisor)
	return func() error {
		page, err := db.Entries().List(context.Background(), scope, entries.Query{Limit: 20})
		if err == nil && len(page.Items) != 20 {
			err = fmt.Errorf("listed %d entries", len(page.Items))
		}
		return err
	}
}

// rawQueries runs the store's planned listing query directly, prepared once on
// connections kept open: the floor of "newest 20 in a subtree".
func rawQueries(b *testing.B, dir string) func() error {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName)+"?_pragma=query_only(1)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	var district string
	if err := db.QueryRow(`SELECT id FROM units WHERE name = '东城区'`).Scan(&district); err != nil {
		b.Fatal(err)
	}
	db.SetMaxIdleConns(workers) // no connection is closed and reopened between queries
	query, err := db.Prepare(`SELECT e.id, e.data, e.packed FROM entry_scope s CROSS JOIN entries e ON e.id = s.entry_id
			WHERE s.unit_id = ? ORDER BY s.created_at DESC, s.entry_id DESC LIMIT 21`)
	if err != nil {
		b.Fatal(err)
	}
	return func() error {
		rows, err := query.Query(district)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, data string
			var packed []byte
			if err := rows.Scan(&id, &data, &packed); err != nil {
				return err
			}
		}
		return rows.Err()
	}
}
