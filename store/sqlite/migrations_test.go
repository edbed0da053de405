package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/ids"
	"taizhang/org"
	"taizhang/signals"
)

// A store written at migration 18 keeps what it held: its texts' copies are
// still found afterwards (migration 20: band rows no longer name the entry
// and form, keys no longer JSON), of the same form only, and a re-check
// replaces an old print cleanly; its notifications are still listed, newest
// first (migration 21).
func TestMigrationsKeepData(t *testing.T) {
	ctx := context.Background()
	dir, old := storeAtMigration(t, 18)
	keys := signals.TextKeys(signals.Shingles("本周走访困难群众十二户，解决用水问题三件，落实帮扶措施五项。"))
	for _, e := range []struct{ id, form string }{{"aaaaaaaaaaaaaaaaaaaaaaa1", "form"}, {"aaaaaaaaaaaaaaaaaaaaaaa2", "form"}, {"aaaaaaaaaaaaaaaaaaaaaaa3", "other"}} {
		mustExec(t, old, `INSERT INTO entries (id, form_id, form_version, unit_id, unit_path, author_id, client_id, status, rev, period,
			data, payload_hash, created_at, updated_at) VALUES (?, ?, 1, 'v1', '["city","v1"]', 'u1', ?, 'submitted', 1, '', '{}', '', 0, 0)`,
			e.id, e.form, e.id)
		mustExec(t, old, `INSERT INTO text_prints (entry_id, form_id, keys) VALUES (?, ?, ?)`, e.id, e.form, mustJSON(keys))
		for _, k := range keys {
			mustExec(t, old, `INSERT INTO text_bands (form_id, key, entry_id) VALUES (?, ?, ?)`, e.form, k, e.id)
		}
	}
	for i, n := range []string{"n1", "n2", "n3"} {
		mustExec(t, old, `INSERT INTO notifications (id, user_id, entry_id, kind, message, created_at, read_at)
			VALUES (?, 'boss', 'aaaaaaaaaaaaaaaaaaaaaaa1', 'submit', '待审', ?, NULL)`, n, 1000+i)
	}
	mustExec(t, old, `UPDATE notifications SET read_at = 5000 WHERE id = 'n2'`)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openStore(t, dir)
	system := auth.SystemScope("city")
	boss := auth.ScopeForTest(t, "v1", "boss", auth.RoleSupervisor)
	if list, err := db.Notifications().ListNotifications(ctx, boss, true, 10); err != nil || len(list) != 2 || list[0].ID != "n3" || list[1].ID != "n1" {
		t.Fatalf("unread notifications after the migration: %+v %v", list, err)
	}
	candidates := func() []string {
		hits, err := db.Signals().TextCandidates(ctx, system, "form", keys, "new")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, h.EntryID)
		}
		slices.Sort(ids)
		return ids
	}
	if got := candidates(); !slices.Equal(got, []string{"aaaaaaaaaaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaaaaaaaaaa2"}) {
		t.Fatalf("candidates after the migration: %v", got)
	}
	// The first entry is re-checked with a different text: its old rows go.
	other := signals.TextKeys(signals.Shingles("组织党员干部学习新修订的条例，开展专题研讨两次，形成问题清单一份。"))
	err := db.inTx(ctx, "re-check", func(tx *txn) error {
		return writePrints(ctx, tx, &signals.Prints{EntryID: "aaaaaaaaaaaaaaaaaaaaaaa1", FormID: "form", TextKeys: other})
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := candidates(); !slices.Equal(got, []string{"aaaaaaaaaaaaaaaaaaaaaaa2"}) {
		t.Fatalf("candidates after a re-check: %v", got)
	}
	var bands int
	if err := db.writer.QueryRow(`SELECT count(*) FROM text_bands`).Scan(&bands); err != nil || bands != 3*len(keys) {
		t.Fatalf("%d band rows, want %d (%v)", bands, 3*len(keys), err)
	}
}

// storeAtMigration makes a data dir whose database has had the first n
// migrations, as a release of that time left it, and returns the database
// open without the store (which would migrate it on).
func storeAtMigration(t *testing.T, n int) (dir string, old *sql.DB) {
	t.Helper()
	dir = t.TempDir()
	path := filepath.Join(dir, FileName)
	if err := create(path); err != nil {
		t.Fatal(err)
	}
	old, err := openSQLite(dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := apply(context.Background(), old, i+1, migrations[i]); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	return dir, old
}

// openStore opens the store in dir, migrating it on, for one test.
func openStore(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := Open(context.Background(), Options{Dir: dir, AuditKey: []byte("migration-test-key-0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func mustExec(t *testing.T, db *sql.DB, stmt string, args ...any) {
	t.Helper()
	if _, err := db.Exec(stmt, args...); err != nil {
		t.Fatal(err)
	}
}

// Entries written before paths came from the units table keep a copy of
// theirs; a move takes them along like any other (and drops the copy), and a
// new entry of a known unit stores none.
func TestMoveTakesEntriesWithTheirOwnPath(t *testing.T) {
	ctx := context.Background()
	db := openStore(t, t.TempDir())
	admin := auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	for _, path := range [][]string{{"city"}, {"city", "d1"}, {"city", "d2"}, {"city", "d1", "t1"}, {"city", "d1", "t1", "v1"}} {
		u := org.Unit{ID: path[len(path)-1], Name: "单位", Kind: org.KindTownship, Active: true, Path: path, CreatedAt: at, UpdatedAt: at}
		if len(path) > 1 {
			u.ParentID = path[len(path)-2]
		}
		if err := db.Org().InsertUnit(ctx, admin, u); err != nil {
			t.Fatal(err)
		}
	}
	var filed []string
	for i, path := range [][]string{{"city", "d1", "t1", "v1"}, {"city", "d1", "t1"}} {
		e := entries.Entry{ID: ids.New(at), FormID: "f", FormVersion: 1, UnitID: path[len(path)-1], UnitPath: path,
			AuthorID: "u", ClientID: fmt.Sprint(i), Status: "submitted", Data: json.RawMessage(`{}`), CreatedAt: at, UpdatedAt: at}
		if err := db.Entries().Insert(ctx, admin, e); err != nil {
			t.Fatal(err)
		}
		filed = append(filed, e.ID)
	}
	var own string
	if err := db.writer.QueryRow(`SELECT unit_path FROM entries WHERE id = ?`, filed[0]).Scan(&own); err != nil || own != "" {
		t.Fatalf("a new entry of a known unit stores its path %q (%v)", own, err)
	}
	if _, err := db.writer.Exec(`UPDATE entries SET unit_path = '["city","d1","t1","v1"]' WHERE id = ?`, filed[0]); err != nil {
		t.Fatal(err) // as written before
	}
	if err := db.Org().MoveUnit(ctx, admin, []string{"city", "d1", "t1"}, []string{"city", "d2", "t1"}, at); err != nil {
		t.Fatal(err)
	}
	for _, id := range filed {
		e, err := db.Entries().Get(ctx, auth.ScopeForTest(t, "d2", "r", auth.RoleSupervisor), id)
		if err != nil || e.UnitPath[1] != "d2" {
			t.Fatalf("entry %s from the new district: %+v %v", id, e.UnitPath, err)
		}
		if _, err := db.Entries().Get(ctx, auth.ScopeForTest(t, "d1", "r", auth.RoleSupervisor), id); !errs.Is(err, errs.NotFound) {
			t.Fatalf("entry %s from the old district: %v", id, err)
		}
	}
	for unit, want := range map[string]int{"city": 2, "d1": 0, "d2": 2, "t1": 2, "v1": 1} {
		page, err := db.Entries().List(ctx, auth.ScopeForTest(t, unit, "r", auth.RoleSupervisor), entries.Query{})
		if err != nil || len(page.Items) != want {
			t.Fatalf("%s lists %d entries (%v), want %d", unit, len(page.Items), err, want)
		}
	}
	if err := db.writer.QueryRow(`SELECT unit_path FROM entries WHERE id = ?`, filed[0]).Scan(&own); err != nil || own != "" {
		t.Fatalf("a moved entry keeps its own path %q (%v)", own, err)
	}
}

// An entry's data is stored compressed; entries written before keep their
// JSON, are read and searched the same, and are compressed at their next write.
func TestEntriesWrittenBeforeKeepTheirData(t *testing.T) {
	ctx := context.Background()
	db := openStore(t, t.TempDir())
	admin := auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	at := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	if err := db.Org().InsertUnit(ctx, admin, org.Unit{ID: "city", Name: "市", Kind: org.KindCity, Active: true, Path: []string{"city"}, CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	text := `本周走访困难群众十二户，解决用水问题三件，落实帮扶措施五项。村务公开栏按月更新，群众反映的道路照明问题已报乡镇统一安排。`
	data := json.RawMessage(mustJSON(map[string]any{"measures": text, "steps": text + text, "note": "<急> & \"快\"", "count": 12}))
	var filed []string
	for i := range 2 {
		e := entries.Entry{ID: ids.New(at), FormID: "f", FormVersion: 1, UnitID: "city", UnitPath: []string{"city"},
			AuthorID: "u", ClientID: fmt.Sprint(i), Status: "submitted", Rev: 1, Data: data, CreatedAt: at, UpdatedAt: at}
		if err := db.Entries().Insert(ctx, admin, e); err != nil {
			t.Fatal(err)
		}
		filed = append(filed, e.ID)
	}
	stored := func(id string) (plain string, packed []byte) {
		t.Helper()
		if err := db.writer.QueryRow(`SELECT data, packed FROM entries WHERE id = ?`, id).Scan(&plain, &packed); err != nil {
			t.Fatal(err)
		}
		return plain, packed
	}
	if plain, packed := stored(filed[0]); plain != "" || len(packed) == 0 || len(packed) >= len(data) {
		t.Fatalf("a new entry stores %d bytes of JSON and %d packed, for %d bytes of data", len(plain), len(packed), len(data))
	}
	mustExec(t, db.writer, `UPDATE entries SET data = ?, packed = NULL WHERE id = ?`, string(data), filed[1]) // as written before

	for _, id := range filed {
		e, err := db.Entries().Get(ctx, admin, id)
		if err != nil || string(e.Data) != string(data) {
			t.Fatalf("entry %s reads %s (%v)", id, e.Data, err)
		}
	}
	for q, want := range map[string]int{"照明问题": 2, "<急> & \"快\"": 2, "measures": 0, "12": 0, "停电": 0} {
		page, err := db.Entries().List(ctx, admin, entries.Query{Q: q})
		n, cerr := db.Entries().Count(ctx, admin, entries.Query{Q: q})
		if err != nil || cerr != nil || len(page.Items) != want || n != want {
			t.Fatalf("q %q lists %d, counts %d (%v %v), want %d", q, len(page.Items), n, err, cerr, want)
		}
	}

	e, _ := db.Entries().Get(ctx, admin, filed[1])
	e.Data = json.RawMessage(mustJSON(map[string]any{"measures": text + "已整改", "steps": text + text}))
	if _, err := db.Entries().Update(ctx, admin, e, 1); err != nil {
		t.Fatal(err)
	}
	if plain, packed := stored(filed[1]); plain != "" || len(packed) == 0 {
		t.Fatalf("an entry written before and written again keeps %q and %d packed bytes", plain, len(packed))
	}
	if got, err := db.Entries().Get(ctx, admin, filed[1]); err != nil || string(got.Data) != string(e.Data) {
		t.Fatalf("after its next write: %s (%v)", got.Data, err)
	}
	e.Data = json.RawMessage(`{"measures":"已整改"}`)
	if _, err := db.Entries().Update(ctx, admin, e, 2); err != nil {
		t.Fatal(err)
	}
	if plain, packed := stored(filed[1]); plain != string(e.Data) || packed != nil {
		t.Fatalf("data too short to shrink is stored as %q and %d packed bytes", plain, len(packed))
	}

	mustExec(t, db.writer, `UPDATE entries SET packed = x'28b52ffd00' WHERE id = ?`, filed[0])
	if _, err := db.Entries().Get(ctx, admin, filed[0]); err == nil {
		t.Fatal("an entry whose packed data is damaged reads without an error")
	}
}

// A store upgraded with entries written before packing packs them after it
// opens, in the background; their data reads the same, short data stays JSON.
func TestOldEntriesArePackedAfterOpen(t *testing.T) {
	ctx := context.Background()
	dir, old := storeAtMigration(t, 21)
	long := mustJSON(map[string]any{"measures": strings.Repeat("本周走访困难群众十二户，解决用水问题三件。", 20)})
	short := `{"name":"张三"}`
	for i := range 2*packOldBatch + 1 { // three batches
		data := long
		if i%2 == 1 {
			data = short
		}
		mustExec(t, old, `INSERT INTO entries (id, form_id, form_version, unit_id, unit_path, author_id, client_id, status, rev, period,
			data, payload_hash, created_at, updated_at) VALUES (?, 'f', 1, 'city', '["city"]', 'u', ?, 'submitted', 1, '', ?, '', 0, 0)`,
			fmt.Sprintf("entry%06d", i), fmt.Sprint(i), data)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := openStore(t, dir)
	<-db.packedOld
	var packedRows, plainRows int
	if err := db.writer.QueryRow(`SELECT count(*) FILTER (WHERE packed IS NOT NULL AND data = ''), count(*) FILTER (WHERE packed IS NULL AND data = ?)
		FROM entries`, short).Scan(&packedRows, &plainRows); err != nil {
		t.Fatal(err)
	}
	if packedRows != packOldBatch+1 || plainRows != packOldBatch {
		t.Fatalf("after the pass: %d packed, %d short ones as JSON; want %d and %d", packedRows, plainRows, packOldBatch+1, packOldBatch)
	}
	admin := auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	for i, want := range map[int]string{0: long, 1: short, 2 * packOldBatch: long} {
		if _, err := db.writer.Exec(`INSERT OR IGNORE INTO entry_scope (unit_id, created_at, entry_id) VALUES ('city', 0, ?)`, fmt.Sprintf("entry%06d", i)); err != nil {
			t.Fatal(err)
		}
		e, err := db.Entries().Get(ctx, admin, fmt.Sprintf("entry%06d", i))
		if err != nil || string(e.Data) != want {
			t.Fatalf("entry %d reads %.40s… (%v)", i, e.Data, err)
		}
	}
}
