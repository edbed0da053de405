package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/entries"

	"taizhang/store/sqlite"
	"taizhang/store/storetest"
)

var testAuditKey = []byte("sqlite-test-audit-key-0123456789abcdef")

func openTestDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: tb.TempDir(), AuditKey: testAuditKey})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		db := openTestDB(t)
		return storetest.Harness{Entries: db.Entries(), Org: db.Org(), Sessions: db.Sessions(), Forms: db.Forms(), Audit: db.Audit(), Notifications: db.Notifications(), Attachments: db.Attachments(), Uploads: db.Uploads(), Throttle: db.Throttle(), Ledger: db.Ledger(), Remind: db.Remind(), Push: db.Push(), AuditKey: testAuditKey}
	})
}

// TestStatementsArePreparedAndReleased: after ordinary writes and reads the
// store holds prepared statements on both sides, and still closes cleanly and
// reopens (a statement left unfinalized would keep SQLite from closing).
func TestStatementsArePreparedAndReleased(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, scope := context.Background(), auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	for i := range 3 { // the first insert runs unprepared; later ones reuse it
		e := entries.Entry{ID: fmt.Sprintf("entry-%d", i), FormID: "f", FormVersion: 1, UnitID: "city", UnitPath: []string{"city"},
			AuthorID: "a", ClientID: fmt.Sprintf("c-%d", i), Status: "submitted", Data: []byte(`{}`), CreatedAt: time.Now(), UpdatedAt: time.Now()}
		if err := db.Entries().Insert(ctx, scope, e); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Entries().List(ctx, scope, entries.Query{}); err != nil {
			t.Fatal(err)
		}
	}
	if reads, writes := sqlite.PreparedCounts(db); reads == 0 || writes == 0 {
		t.Fatalf("prepared statements: %d on the readers, %d on the writer", reads, writes)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	again, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if page, err := again.Entries().List(ctx, scope, entries.Query{}); err != nil || len(page.Items) != 3 {
		t.Fatalf("after reopening: %d entries, %v", len(page.Items), err)
	}
	again.Close()
}

func TestSecondProcessCannotOpenDataDir(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = sqlite.Open(context.Background(), sqlite.Options{Dir: dir})
	if err == nil {
		t.Fatal("a second open of the same data dir must fail")
	}
	t.Log(err)
}

// TestAuditVerifyDetectsTampering edits, deletes, cuts off and rewrites records
// behind the store's back, as someone with database access might; verification
// names the record.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	ctx := context.Background()
	chain := func(n int) *sqlite.DB {
		db := openTestDB(t)
		log := &audit.Log{Store: db.Audit(), Now: time.Now}
		for i := range n {
			if err := log.Record(ctx, "u", "login", []string{"city"}, fmt.Sprint(i), nil); err != nil {
				t.Fatal(err)
			}
		}
		return db
	}
	db := chain(5)
	if rep, err := audit.Verify(ctx, db.Audit(), testAuditKey); err != nil || rep.Records != 5 {
		t.Fatalf("intact chain: %+v %v", rep, err)
	}
	sqlite.ExecForTest(t, db, `UPDATE audit_log SET target = 'forged' WHERE seq = 3`)
	if _, err := audit.Verify(ctx, db.Audit(), testAuditKey); err == nil || !strings.Contains(err.Error(), "record 3") {
		t.Fatalf("an edited record: %v", err)
	}
	sqlite.ExecForTest(t, db, `DELETE FROM audit_log WHERE seq = 3`)
	if _, err := audit.Verify(ctx, db.Audit(), testAuditKey); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a deleted record: %v", err)
	}

	// A cut-off tail: the outside review deleted the last 107 records and the
	// chain still read "intact". A checkpoint taken before the cut names them.
	db = chain(120)
	head, _ := db.Audit().Head(ctx)
	checkpoint := audit.NewCheckpoint(testAuditKey, head, time.Now())
	sqlite.ExecForTest(t, db, `DELETE FROM audit_log WHERE seq > 13`)
	if _, err := audit.Verify(ctx, db.Audit(), testAuditKey, checkpoint); err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("a tail cut off behind a checkpoint: %v", err)
	}

	// A record changed with every later hash recomputed: without the key the
	// forger can only reseal unkeyed, or under a key of their own.
	for name, forgerKey := range map[string][]byte{"unkeyed": nil, "another key": []byte("forger-key-forger-key-forger-key!!")} {
		db = chain(6)
		rewriteFrom(t, db, 4, forgerKey)
		if _, err := audit.Verify(ctx, db.Audit(), testAuditKey); err == nil || !strings.Contains(err.Error(), "record 4") {
			t.Errorf("a rewrite sealed %s: %v", name, err)
		}
	}
}

// rewriteFrom edits record seq and reseals it and every later record under
// key, chaining each to the one before: a complete rewrite.
func rewriteFrom(t *testing.T, db *sqlite.DB, seq int64, key []byte) {
	ctx := context.Background()
	var records []audit.Record
	_ = db.Audit().Walk(ctx, func(r audit.Record) error { records = append(records, r); return nil })
	prev := records[seq-2].Hash
	for _, r := range records[seq-1:] {
		if r.Seq == seq {
			r.Target = "forged"
		}
		r.PrevHash = prev
		r.Hash = r.Seal(key)
		sqlite.ExecForTest(t, db, `UPDATE audit_log SET target = ?, prev_hash = ?, hash = ? WHERE seq = ?`, r.Target, r.PrevHash, r.Hash, r.Seq)
		prev = r.Hash
	}
}
