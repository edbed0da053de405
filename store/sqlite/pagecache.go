package sqlite

import (
	"database/sql"
	"fmt"
	"sync"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// slotsPerConnection is how many page slots each connection may fill: its
// cache of the default 2,000 KiB holds 121 pages of 16 KiB, or 470 of 4 KiB
// in a database made before pages were 16 KiB. There must be room for all of
// them: with fewer than 10 slots free SQLite would shrink every cache.
const slotsPerConnection = 480

// maxSlots bounds the buffer on a machine with many cores (a reader each):
// SQLite touches 4 KiB of every slot at start, 16 MiB for this many. They
// hold the full caches of about 30 connections of 16 KiB pages (8 of an old
// database's 4 KiB ones); past that, the caches share the slots and stay
// smaller than the default, which costs reads, never correctness.
const maxSlots = 4096

// pageSlot is a page of PageSize with room for what SQLite keeps beside it
// (272 bytes in this build, SQLITE_CONFIG_PCACHE_HDRSZ; a larger need would
// only send pages to the allocator, as before).
const pageSlot = PageSize + 512

// configurePageCache gives SQLite's page caches one buffer whose slots it
// recycles, once, and returns what SQLite answered (nil when it took it:
// TestPagesComeFromTheSlots). By default every page is allocated and freed
// one by one, and a reader frees its whole cache each time it starts reading
// after another connection committed — under a stream of filings, before
// almost every read. Each 16 KiB page was then a fresh allocation that the
// allocator often handed back to the kernel and faulted in again: with the
// page reads, about a tenth of a filing's CPU (docs/performance.md).
//
// SQLite takes it only before its first connection, so every handle is
// opened through openSQLite, which calls this first; a server on MongoDB,
// which never opens one, pays nothing. The buffer is 40 MiB of address space
// on two cores (more with more readers); SQLite writes each slot's first
// bytes at its first connection, 4 KiB of memory a slot (9.4 MiB on two cores), and
// the rest is touched only as pages fill it.
var configurePageCache = sync.OnceValue(func() error {
	tls := libc.NewTLS()
	defer tls.Close()
	args := libc.Xmalloc(tls, 3*8)
	if args == 0 {
		return errNoPageCache
	}
	defer libc.Xfree(tls, args)
	slots := min((readerConns()+1)*slotsPerConnection, maxSlots) // the readers and the writer
	buffer := libc.Xmalloc(tls, uint64(pageSlot*slots))          // kept for the process's life, as SQLite requires
	if buffer == 0 {
		return errNoPageCache
	}
	rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(args, buffer, int32(pageSlot), int32(slots)))
	if rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("sqlite: configure the page cache: result code %d", rc)
	}
	return nil
})

var errNoPageCache = fmt.Errorf("sqlite: configure the page cache: out of memory")

// openSQLite opens a handle on a database file, SQLite's page cache
// configured first. The store opens every handle through it.
func openSQLite(dsn string) (*sql.DB, error) {
	_ = configurePageCache() // refused: SQLite's own page cache, slower but sound
	return sql.Open("sqlite", dsn)
}
