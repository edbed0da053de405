package sqlite_test

import (
	"context"
	"testing"

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
		return storetest.Harness{Entries: db.Entries(), Org: db.Org(), Sessions: db.Sessions(), Forms: db.Forms()}
	})
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
