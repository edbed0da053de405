package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"taizhang/org"
)

// The change counters (org.Versions: tree, people, forms) move only when
// this process writes: the data directory is locked to one process, and
// every write goes through its one writer connection. So the writer reads
// them after each write, and every request takes them from memory instead of
// running a statement on a reader — one whose page cache, under a stream of
// filings, the last commit had just dropped: 3–5% of a filing's CPU
// (docs/performance.md).
//
// A write's versions are known before the write is answered, so a request
// that starts after a user was disabled sees the move. A store opened
// read-only beside a running server does not write, and reads them each time.

const versionsQuery = `SELECT (SELECT value FROM meta WHERE key = 'tree_version'),
	(SELECT value FROM meta WHERE key = 'people_version'), (SELECT value FROM meta WHERE key = 'forms_version')`

// knownVersions is the versions as of the last write.
type knownVersions struct {
	mu     sync.Mutex
	v      org.Versions
	known  bool
	broken bool // a read after a write failed: from then on the database is asked
}

// learn keeps what the writer read after a write. Versions only grow, and a
// write that committed earlier may report after one that committed later, so
// each counter keeps the larger value.
func (k *knownVersions) learn(v org.Versions, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err != nil || k.broken {
		k.broken, k.known = true, false
		return
	}
	k.v = org.Versions{Tree: max(k.v.Tree, v.Tree), People: max(k.v.People, v.People), Forms: max(k.v.Forms, v.Forms)}
	k.known = true
}

func (k *knownVersions) get() (org.Versions, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.v, k.known
}

// scanVersions reads versionsQuery's row, on whichever connection ran it.
func scanVersions(row *sql.Row) (v org.Versions, err error) {
	err = row.Scan(&v.Tree, &v.People, &v.Forms)
	return v, err
}

// learnVersions reads the versions on the writer, after a write outside
// group commit (which reads them in its transaction).
func (db *DB) learnVersions() {
	db.versions.learn(scanVersions(db.writer.QueryRow(versionsQuery)))
}

// exec runs one write on the writer connection outside group commit, and
// learns the versions after it: every such write goes through here.
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	defer db.learnVersions()
	return db.writer.ExecContext(ctx, query, args...)
}
