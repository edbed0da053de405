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

func openTestDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		db := openTestDB(t)
		return storetest.Harness{Entries: db.Entries(), Org: db.Org(), Sessions: db.Sessions(), Forms: db.Forms(), Audit: db.Audit(), Notifications: db.Notifications(), Attachments: db.Attachments()}
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

// TestAuditVerifyDetectsTampering edits and deletes records behind the store's
// back, as someone with database access might; verification names the record.
func TestAuditVerifyDetectsTampering(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	log := &audit.Log{Store: db.Audit(), Now: time.Now}
	for i := range 5 {
		if err := log.Record(ctx, "u", "login", []string{"city"}, fmt.Sprint(i), nil); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := audit.Verify(ctx, db.Audit()); err != nil || n != 5 {
		t.Fatalf("intact chain: %d %v", n, err)
	}
	sqlite.ExecForTest(t, db, `UPDATE audit_log SET target = 'forged' WHERE seq = 3`)
	if _, err := audit.Verify(ctx, db.Audit()); err == nil || !strings.Contains(err.Error(), "record 3") {
		t.Fatalf("an edited record: %v", err)
	}
	sqlite.ExecForTest(t, db, `DELETE FROM audit_log WHERE seq = 3`)
	if _, err := audit.Verify(ctx, db.Audit()); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Fatalf("a deleted record: %v", err)
	}
}
