package sqlite_test

import (
	"context"
	"testing"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/store/sqlite"
)

// TestPagesComeFromTheSlots: SQLite takes its page cache's buffer only
// before its first connection, so the store configures it before opening
// any (a handle opened another way first would silently undo it), and the
// store's reads then cache their pages in its slots.
func TestPagesComeFromTheSlots(t *testing.T) {
	db := openTestDB(t)
	if err := sqlite.PageCacheErr(); err != nil {
		t.Fatal(err)
	}
	scope := auth.ScopeForTest(t, "city", "admin", auth.RoleAdmin)
	if _, err := db.Entries().List(context.Background(), scope, entries.Query{}); err != nil {
		t.Fatal(err)
	}
	if used := sqlite.PageSlotsUsed(); used == 0 {
		t.Fatal("no page is cached in the page cache's slots")
	}
}
