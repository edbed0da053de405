package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once; PRAGMA user_version records how many
// ran. Never edit a released migration: append a new one.
var migrations = []string{
	// 1: entries, and one row per (ancestor unit, entry) so that "newest entries in a
	// subtree" is a range scan of one index in the order we return, whatever the
	// planner's statistics say.
	`CREATE TABLE entries (
		id                TEXT PRIMARY KEY,
		form_id           TEXT NOT NULL,
		form_version      INTEGER NOT NULL,
		unit_id           TEXT NOT NULL,
		unit_path         TEXT NOT NULL,
		author_id         TEXT NOT NULL,
		client_id         TEXT NOT NULL,
		status            TEXT NOT NULL,
		rev               INTEGER NOT NULL,
		period            TEXT NOT NULL,
		data              TEXT NOT NULL,
		payload_hash      TEXT NOT NULL,
		due_at            INTEGER,
		created_at        INTEGER NOT NULL,
		submitted_at      INTEGER,
		updated_at        INTEGER NOT NULL,
		client_created_at INTEGER,
		UNIQUE (author_id, client_id)
	) STRICT;
	CREATE TABLE entry_scope (
		unit_id    TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		entry_id   TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
		PRIMARY KEY (unit_id, created_at, entry_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX entry_scope_entry ON entry_scope (entry_id);`,
	// 2: the organisation (units, users), refresh tokens, and the tree version
	// that tells every instance's unit cache when to reload.
	`CREATE TABLE units (
		id         TEXT PRIMARY KEY,
		parent_id  TEXT NOT NULL,
		name       TEXT NOT NULL,
		kind       TEXT NOT NULL,
		code       TEXT NOT NULL,
		sort_order INTEGER NOT NULL,
		active     INTEGER NOT NULL,
		path       TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	) STRICT;
	CREATE TABLE users (
		id                   TEXT PRIMARY KEY,
		name                 TEXT NOT NULL,
		phone                TEXT NOT NULL UNIQUE,
		unit_id              TEXT NOT NULL,
		unit_path            TEXT NOT NULL,
		roles                TEXT NOT NULL,
		active               INTEGER NOT NULL,
		password_hash        TEXT NOT NULL,
		must_change_password INTEGER NOT NULL,
		auth_version         INTEGER NOT NULL,
		rev                  INTEGER NOT NULL,
		created_at           INTEGER NOT NULL,
		updated_at           INTEGER NOT NULL,
		last_login_at        INTEGER
	) STRICT;
	CREATE INDEX users_unit ON users (unit_id);
	CREATE TABLE refresh_tokens (
		hash         TEXT PRIMARY KEY,
		family_id    TEXT NOT NULL,
		user_id      TEXT NOT NULL,
		auth_version INTEGER NOT NULL,
		created_at   INTEGER NOT NULL,
		expires_at   INTEGER NOT NULL,
		used         INTEGER NOT NULL,
		revoked      INTEGER NOT NULL
	) STRICT;
	CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
	CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
	INSERT INTO meta (key, value) VALUES ('tree_version', 0);`,

	// 3: forms, their assignments (a table of their own so "forms assigned to this
	// unit" is an index lookup) and their immutable published versions.
	`CREATE TABLE forms (
		id             TEXT PRIMARY KEY,
		owner_unit_id  TEXT NOT NULL,
		owner_path     TEXT NOT NULL,
		key            TEXT NOT NULL UNIQUE,
		draft          TEXT NOT NULL,
		latest_version INTEGER NOT NULL,
		archived       INTEGER NOT NULL,
		assignments    TEXT NOT NULL,
		rev            INTEGER NOT NULL,
		created_at     INTEGER NOT NULL,
		updated_at     INTEGER NOT NULL
	) STRICT;
	CREATE TABLE form_assignments (
		unit_id             TEXT NOT NULL,
		form_id             TEXT NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
		include_descendants INTEGER NOT NULL,
		PRIMARY KEY (unit_id, form_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX form_assignments_form ON form_assignments (form_id);
	CREATE TABLE form_versions (
		form_id      TEXT NOT NULL REFERENCES forms (id),
		version      INTEGER NOT NULL,
		hash         TEXT NOT NULL,
		schema       TEXT NOT NULL,
		published_at INTEGER NOT NULL,
		published_by TEXT NOT NULL,
		PRIMARY KEY (form_id, version)
	) STRICT, WITHOUT ROWID;`,

	// 4: what the entries workflow keeps on an entry, the audit log chained by hash,
	// and in-app notifications.
	`ALTER TABLE entries ADD COLUMN open INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE entries ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
	ALTER TABLE entries ADD COLUMN search TEXT NOT NULL DEFAULT '';
	ALTER TABLE entries ADD COLUMN history TEXT NOT NULL DEFAULT '[]';
	CREATE TABLE audit_log (
		seq        INTEGER PRIMARY KEY,
		at         INTEGER NOT NULL,
		actor_id   TEXT NOT NULL,
		action     TEXT NOT NULL,
		unit_path  TEXT NOT NULL,
		target     TEXT NOT NULL,
		detail     TEXT NOT NULL,
		prev_hash  TEXT NOT NULL,
		hash       TEXT NOT NULL
	) STRICT;
	CREATE TABLE notifications (
		id         TEXT PRIMARY KEY,
		user_id    TEXT NOT NULL,
		entry_id   TEXT NOT NULL,
		kind       TEXT NOT NULL,
		message    TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		read_at    INTEGER
	) STRICT;
	CREATE INDEX notifications_user ON notifications (user_id, created_at);`,

	// 5: attachments (bytes live in the data directory, named by their hash) and
	// which entries reference them, so reading a photo checks access by index.
	`CREATE TABLE attachments (
		id           TEXT PRIMARY KEY,
		uploader_id  TEXT NOT NULL,
		unit_path    TEXT NOT NULL,
		sha256       TEXT NOT NULL,
		size         INTEGER NOT NULL,
		content_type TEXT NOT NULL,
		width        INTEGER NOT NULL,
		height       INTEGER NOT NULL,
		created_at   INTEGER NOT NULL
	) STRICT;
	CREATE TABLE entry_attachments (
		attachment_id TEXT NOT NULL,
		entry_id      TEXT NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
		PRIMARY KEY (attachment_id, entry_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX entry_attachments_entry ON entry_attachments (entry_id);`,

	// 6: the last history event alone, so listings need not decode whole histories.
	`ALTER TABLE entries ADD COLUMN last_event TEXT NOT NULL DEFAULT '';`,

	// 7: an entry's title, for lists (forms.TitleOf); entries filed before it have none.
	`ALTER TABLE entries ADD COLUMN title TEXT NOT NULL DEFAULT '';`,

	// 8: the obligation ledger and the entry counts (package ledger). unit_path
	// is "/root/…/unit/", so a subtree is one range of the index; a unit move
	// rewrites it. The counts of entries filed before this migration are
	// rebuilt at the next start (ledger_meta.counts_built).
	`CREATE TABLE obligations (
		form_id            TEXT NOT NULL,
		period             TEXT NOT NULL,
		unit_id            TEXT NOT NULL,
		unit_path          TEXT NOT NULL,
		due_at             INTEGER NOT NULL,
		owed               INTEGER NOT NULL,
		entry_id           TEXT NOT NULL DEFAULT '',
		first_submitted_at INTEGER,
		exemption_id       TEXT NOT NULL DEFAULT '',
		exemption          TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (form_id, period, unit_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX obligations_scope ON obligations (form_id, unit_path, period);
	CREATE INDEX obligations_exemption ON obligations (exemption_id) WHERE exemption_id != '';
	CREATE TABLE ledger_rounds (
		form_id         TEXT NOT NULL,
		period          TEXT NOT NULL,
		materialized_at INTEGER NOT NULL,
		PRIMARY KEY (form_id, period)
	) STRICT, WITHOUT ROWID;
	CREATE TABLE entry_counts (
		form_id   TEXT NOT NULL,
		unit_id   TEXT NOT NULL,
		bucket    TEXT NOT NULL,
		status    TEXT NOT NULL,
		field     TEXT NOT NULL,
		option    TEXT NOT NULL,
		unit_path TEXT NOT NULL,
		n         INTEGER NOT NULL,
		PRIMARY KEY (form_id, unit_id, bucket, status, field, option)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX entry_counts_scope ON entry_counts (form_id, unit_path);
	CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT, WITHOUT ROWID;`,
	// 9: the compliance matrix reads a subtree's obligations from this index
	// alone: looking each row up in its table was half its time. (Counts are
	// not covered the same way: n in the index made every filing ~20% slower
	// for a summary ~2× faster; see docs/performance.md.)
	`DROP INDEX obligations_scope;
	CREATE INDEX obligations_scope ON obligations (form_id, unit_path, period, due_at, owed, entry_id, first_submitted_at, exemption);`,
	// 10: reminders (package remind): the lease that lets one instance sweep,
	// what was sent (never twice), and what a notification is about when it is
	// not one entry: a form's round in a unit.
	`CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until INTEGER NOT NULL) STRICT, WITHOUT ROWID;
	CREATE TABLE sent (key TEXT PRIMARY KEY, at INTEGER NOT NULL) STRICT, WITHOUT ROWID;
	ALTER TABLE notifications ADD COLUMN form_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE notifications ADD COLUMN unit_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE notifications ADD COLUMN period TEXT NOT NULL DEFAULT '';`,
	// 11: reminders leave the app: deliveries waiting for a channel (Web Push,
	// 企业微信, 钉钉), and the browsers that asked for pushes.
	`CREATE TABLE deliveries (
		id         TEXT PRIMARY KEY,
		channel    TEXT NOT NULL,
		user_id    TEXT NOT NULL,
		message    TEXT NOT NULL,
		not_before INTEGER,
		attempts   INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT '',
		sent_at    INTEGER
	) STRICT;
	CREATE INDEX deliveries_due ON deliveries (not_before) WHERE sent_at IS NULL AND not_before IS NOT NULL;
	CREATE TABLE push_subscriptions (
		endpoint   TEXT PRIMARY KEY,
		user_id    TEXT NOT NULL,
		p256dh     TEXT NOT NULL,
		auth       TEXT NOT NULL,
		created_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);`,
	// 12: units' group robots (企业微信, 钉钉 webhooks) that take escalations.
	`CREATE TABLE unit_robots (unit_id TEXT PRIMARY KEY, robots TEXT NOT NULL) STRICT, WITHOUT ROWID;`,
	// 13: who users are on 企业微信 and 钉钉, learned when they sign in through them.
	`CREATE TABLE platform_members (platform TEXT NOT NULL, user_id TEXT NOT NULL, member_id TEXT NOT NULL,
		PRIMARY KEY (platform, user_id)) STRICT, WITHOUT ROWID;`,
	// 14: chunked uploads in progress and their pieces, in the store rather than
	// one instance's disk (the same tables exist on MongoDB for several instances).
	`CREATE TABLE uploads (
		id          TEXT PRIMARY KEY,
		uploader_id TEXT NOT NULL,
		sha256      TEXT NOT NULL,
		size        INTEGER NOT NULL,
		offset      INTEGER NOT NULL DEFAULT 0,
		touched     INTEGER NOT NULL
	) STRICT, WITHOUT ROWID;
	CREATE INDEX uploads_uploader ON uploads (uploader_id);
	CREATE INDEX uploads_touched ON uploads (touched);
	CREATE TABLE upload_pieces (
		upload_id TEXT NOT NULL,
		offset    INTEGER NOT NULL,
		data      BLOB NOT NULL,
		PRIMARY KEY (upload_id, offset)
	) STRICT;`,
	// 15: login throttle records (per phone, per client address), shared by
	// every process on the store.
	`CREATE TABLE throttle (
		key          TEXT PRIMARY KEY,
		attempts     INTEGER NOT NULL,
		lockouts     INTEGER NOT NULL,
		locked_until INTEGER NOT NULL,
		last_seen    INTEGER NOT NULL,
		version      INTEGER NOT NULL
	) STRICT, WITHOUT ROWID;`,
	// 16: an entry's weight. The search and last_event columns are no longer
	// written (q walks the data itself; a listing picks the last event out of
	// the history), and the first history event no longer repeats every field
	// (the data is what was filed, with later changes undone). The pages this
	// frees are reused by new entries; VACUUM gives them back to the disk.
	`UPDATE entries SET search = '', last_event = '' WHERE search <> '' OR last_event <> '';
	UPDATE entries SET history = json_remove(history, '$[0].changes') WHERE json_type(history, '$[0].changes') IS NOT NULL;`,
	// 17: signals against 走过场. A photo's perceptual print and EXIF; the
	// signals found on an entry; and the index of submitted entries' prints:
	// each photo's hashes by 16-bit band (multi-index hashing) and each text's
	// MinHash band keys, one row per key.
	`ALTER TABLE attachments ADD COLUMN print TEXT NOT NULL DEFAULT '';
	ALTER TABLE attachments ADD COLUMN meta TEXT NOT NULL DEFAULT '';
	ALTER TABLE entries ADD COLUMN signals TEXT NOT NULL DEFAULT '';
	CREATE TABLE photo_prints (
		entry_id      TEXT NOT NULL,
		attachment_id TEXT NOT NULL,
		unit_id       TEXT NOT NULL,
		at            INTEGER NOT NULL,
		sha256        TEXT NOT NULL,
		print         TEXT NOT NULL,
		PRIMARY KEY (entry_id, attachment_id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX photo_prints_sha ON photo_prints (sha256);
	CREATE TABLE photo_bands (
		key           INTEGER NOT NULL,
		hash          INTEGER NOT NULL, -- the whole hash the band is of: compared before any join
		entry_id      TEXT NOT NULL,
		attachment_id TEXT NOT NULL,
		PRIMARY KEY (key, entry_id, attachment_id, hash)
	) STRICT, WITHOUT ROWID;
	CREATE TABLE text_bands (
		form_id  TEXT NOT NULL,
		key      INTEGER NOT NULL,
		entry_id TEXT NOT NULL,
		PRIMARY KEY (form_id, key, entry_id)
	) STRICT, WITHOUT ROWID;`,
	// 18: signals are checked after the filing is answered: entries due for
	// a check, found by a partial index; each entry's text band keys, so a
	// re-check removes its bands by primary key (an index of the bands by
	// entry weighed as much as the bands).
	`ALTER TABLE entries ADD COLUMN signals_due INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX entries_signals_due ON entries (id) WHERE signals_due = 1;
	CREATE TABLE text_prints (entry_id TEXT PRIMARY KEY, form_id TEXT NOT NULL, keys TEXT NOT NULL) STRICT, WITHOUT ROWID;`,
	// 19: entry_scope rows are removed by primary key (a moved unit's entries
	// know their old path); the index by entry weighed as much as the rows.
	`DROP INDEX entry_scope_entry;`,
	// 20: a text's band rows name a small number of its print instead of its
	// entry and form, and keep 32 bits of the key: 8 rows of ~15 bytes instead of
	// ~64 (docs/performance.md). Old keys stay as JSON until their entry is re-checked.
	`CREATE TABLE text_prints_new (
		num      INTEGER PRIMARY KEY,
		entry_id TEXT NOT NULL UNIQUE,
		keys     ANY NOT NULL -- 4-byte big-endian stored keys; JSON before migration 20
	) STRICT;
	INSERT INTO text_prints_new (entry_id, keys) SELECT entry_id, keys FROM text_prints;
	CREATE TABLE text_bands_new (
		key INTEGER NOT NULL,
		num INTEGER NOT NULL,
		PRIMARY KEY (key, num)
	) STRICT, WITHOUT ROWID;
	INSERT OR IGNORE INTO text_bands_new (key, num)
		SELECT CASE WHEN (b.key & 4294967295) >= 2147483648 THEN (b.key & 4294967295) - 4294967296 ELSE (b.key & 4294967295) END, p.num
		FROM text_bands b JOIN text_prints_new p ON p.entry_id = b.entry_id;
	DROP TABLE text_bands;
	DROP TABLE text_prints;
	ALTER TABLE text_prints_new RENAME TO text_prints;
	ALTER TABLE text_bands_new RENAME TO text_bands;`,
	// 21: notifications are kept in the order a user reads them: the table's
	// key is the listing's, so there is no rowid table beside an index by user
	// and another by id (85 bytes a notification; one is written per filing).
	`CREATE TABLE notifications_new (
		user_id    TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		id         TEXT NOT NULL,
		entry_id   TEXT NOT NULL,
		kind       TEXT NOT NULL,
		message    TEXT NOT NULL,
		read_at    INTEGER,
		form_id    TEXT NOT NULL DEFAULT '',
		unit_id    TEXT NOT NULL DEFAULT '',
		period     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (user_id, created_at, id)
	) STRICT, WITHOUT ROWID;
	INSERT INTO notifications_new (user_id, created_at, id, entry_id, kind, message, read_at, form_id, unit_id, period)
		SELECT user_id, created_at, id, entry_id, kind, message, read_at, form_id, unit_id, period FROM notifications;
	DROP TABLE notifications;
	ALTER TABLE notifications_new RENAME TO notifications;`,
	// 22: an entry's data is kept zstd-compressed (packed.go). Entries written
	// before keep their JSON in data until their next write.
	`ALTER TABLE entries ADD COLUMN packed BLOB;`,
	// 23: on a bucket, a large chunked upload is an S3 multipart upload: its
	// id, the parts stored (JSON), the bytes they hold, the part numbers handed out.
	`ALTER TABLE uploads ADD COLUMN parts_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE uploads ADD COLUMN parts TEXT NOT NULL DEFAULT '[]';
	ALTER TABLE uploads ADD COLUMN flushed INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE uploads ADD COLUMN part_claims INTEGER NOT NULL DEFAULT 0;`,
	// 24: the people version (org.Versions) changes with every user added or
	// changed in what the caches keep — by trigger, so no write can forget it.
	// A login (last_login_at, a rehashed password alone) leaves it.
	`INSERT INTO meta (key, value) VALUES ('people_version', 0);
	CREATE TRIGGER users_inserted AFTER INSERT ON users
		BEGIN UPDATE meta SET value = value + 1 WHERE key = 'people_version'; END;
	CREATE TRIGGER users_changed AFTER UPDATE OF name, phone, unit_id, unit_path, roles, active, auth_version ON users
		BEGIN UPDATE meta SET value = value + 1 WHERE key = 'people_version'; END;
	CREATE TRIGGER users_deleted AFTER DELETE ON users
		BEGIN UPDATE meta SET value = value + 1 WHERE key = 'people_version'; END;`,
	// 25: the entries not in a final state, by status, newest first: review
	// queues and badges walk these rather than a district's history (finalStates).
	`CREATE INDEX entries_backlog ON entries (status, created_at DESC, id DESC)
		WHERE status NOT IN ('approved', 'closed', 'filed', 'rejected');`,
	// 26: the open entries (still owed by their filer), newest first: the
	// overdue lists walk these rather than a subtree's history (walksOpen).
	`CREATE INDEX entries_open ON entries (created_at DESC, id DESC) WHERE open;`,
	// 27: a user's unread notifications, for the badge every phone asks for
	// each minute: they walked all the user's notifications, read or not.
	`CREATE INDEX notifications_unread ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;`,
	// 28: the forms version (org.Versions) changes with every form added or
	// written, by trigger as the people version does (forms.DefinitionCache).
	`INSERT INTO meta (key, value) VALUES ('forms_version', 0);
	CREATE TRIGGER forms_inserted AFTER INSERT ON forms
		BEGIN UPDATE meta SET value = value + 1 WHERE key = 'forms_version'; END;
	CREATE TRIGGER forms_changed AFTER UPDATE ON forms
		BEGIN UPDATE meta SET value = value + 1 WHERE key = 'forms_version'; END;
	CREATE TRIGGER forms_deleted AFTER DELETE ON forms
		BEGIN UPDATE meta SET value = value + 1 WHERE key = 'forms_version'; END;`,
	// 29: an author's entries not in a final state, by status, newest first:
	// a cadre's returned entries (the badge) without the city's backlog.
	`CREATE INDEX entries_author_backlog ON entries (author_id, status, created_at DESC, id DESC)
		WHERE status NOT IN ('approved', 'closed', 'filed', 'rejected');`,
}

func migrate(ctx context.Context, db *sql.DB) error {
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this binary knows (%d): upgrade taizhang", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if err := apply(ctx, db, i+1, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

func apply(ctx context.Context, db *sql.DB, version int, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}
