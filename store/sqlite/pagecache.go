package sqlite

import (
	"fmt"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// pageSlots is how many pages of up to PageSize SQLite's page caches take
// from one buffer set aside for them: about as many as the connections'
// caches hold together (five connections of 2,000 KiB each, the default
// cache_size). Pages beyond it are allocated one by one, as before.
const pageSlots = 640

// pageSlot is a page of PageSize with room for what SQLite keeps beside it
// (272 bytes in this build, SQLITE_CONFIG_PCACHE_HDRSZ; a larger need would
// only send pages to the allocator, as before).
const pageSlot = PageSize + 512

// pageCacheErr is the result of configuring the page cache; nil when SQLite
// took it (TestPagesComeFromTheSlots).
var pageCacheErr error

// init gives SQLite's page caches one buffer whose slots it recycles. By
// default every page is allocated and freed one by one, and a reader frees
// its whole cache each time it starts reading after another connection
// committed — under a stream of filings, before almost every read. Each 16
// KiB page was then a fresh allocation that the allocator often handed back
// to the kernel and faulted in again: with the page reads, about a tenth of
// a filing's CPU (docs/performance.md). This must run before SQLite initializes, at the
// first connection; it is process-wide, and the buffer (about 10 MiB) is
// touched only as far as it is used.
func init() {
	tls := libc.NewTLS()
	defer tls.Close()
	args := libc.Xmalloc(tls, 3*8)
	if args == 0 {
		pageCacheErr = fmt.Errorf("sqlite: configure the page cache: out of memory")
		return
	}
	defer libc.Xfree(tls, args)
	buffer := libc.Xmalloc(tls, uint64(pageSlot*pageSlots)) // kept for the process's life, as SQLite requires
	if buffer == 0 {
		pageCacheErr = fmt.Errorf("sqlite: configure the page cache: out of memory")
		return
	}
	rc := sqlite3.Xsqlite3_config(tls, sqlite3.SQLITE_CONFIG_PAGECACHE, libc.VaList(args, buffer, int32(pageSlot), int32(pageSlots)))
	if rc != sqlite3.SQLITE_OK {
		pageCacheErr = fmt.Errorf("sqlite: configure the page cache: result code %d", rc)
	}
}
