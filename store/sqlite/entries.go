package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
)

// EntryStore implements entries.Store on SQLite.
type EntryStore struct{ db *DB }

// Entries returns the entry store.
func (db *DB) Entries() *EntryStore { return &EntryStore{db: db} }

var _ entries.Store = (*EntryStore)(nil)

const entryColumns = `e.id, e.form_id, e.form_version, e.unit_id, ` + entryPath + `, e.author_id, e.client_id,
	e.status, e.rev, e.period, e.title, e.data, e.packed, e.payload_hash, e.due_at, e.created_at, e.submitted_at,
	e.updated_at, e.client_created_at, e.open, e.attachments, e.signals, e.signals_due, e.history`

// listColumns are entryColumns with the last event, without its changes, in
// place of the history, and no payload hash: a listing shows neither. SQLite
// picks the event out of the stored history (no copy of it is kept: that was
// an eighth of an entry's weight), so Go decodes one small event per row.
var listColumns = strings.NewReplacer("e.history", lastEventColumn, "e.payload_hash", "''").Replace(entryColumns)

const lastEventColumn = `coalesce(json_remove(json_extract(e.history, '$[#-1]'), '$.changes'), '')`

// entryPath is an entry's unit path: its unit's, which the units table keeps
// (a copy in every entry was 107 bytes of its weight, and a moved township
// rewrote every entry under it). Entries written before, and entries of a unit
// the units table does not hold (benchmarks), keep a path of their own.
const entryPath = `coalesce(nullif(e.unit_path, ''), (SELECT u.path FROM units u WHERE u.id = e.unit_id), '[]')`

// ownPath is what Insert stores as an entry's path: nothing when its unit's
// path is the same. Parameters: the unit id, then the path twice.
const ownPath = `CASE WHEN (SELECT u.path FROM units u WHERE u.id = ?) = ? THEN '' ELSE ? END`

// inScope is ANDed into every single-entry query: the scope unit must be on the
// entry's unit path, which its scope rows say by primary key. Its one
// parameter is the scope's unit id.
const inScope = `EXISTS (SELECT 1 FROM entry_scope x WHERE x.unit_id = ? AND x.created_at = e.created_at AND x.entry_id = e.id)`

// Insert implements entries.Store.
func (s *EntryStore) Insert(ctx context.Context, scope auth.Scope, e entries.Entry, fx ...entries.Effects) (err error) {
	defer s.db.track("entries.insert", time.Now(), &err)
	if !e.InScope(scope) {
		return errs.New(errs.Forbidden, "无权在该单位填报")
	}
	path, err := json.Marshal(e.UnitPath)
	if err != nil {
		return err
	}
	plain, packed := pack(e.Data)
	return s.db.inTx(ctx, "insert entry", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO entries (id, form_id, form_version, unit_id, unit_path,
			author_id, client_id, status, rev, period, title, data, packed, payload_hash, due_at, created_at,
			submitted_at, updated_at, client_created_at, open, attachments, signals, signals_due, history)
			VALUES (?,?,?,?,`+ownPath+`,?,?,?,1,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			e.ID, e.FormID, e.FormVersion, e.UnitID, e.UnitID, string(path), string(path), e.AuthorID, e.ClientID, e.Status,
			e.Period, e.Title, plain, packed, e.PayloadHash, millis(e.DueAt), millis(e.CreatedAt),
			millis(e.SubmittedAt), millis(e.UpdatedAt), millis(e.ClientCreatedAt), e.Open,
			mustJSON(nonNil(e.Attachments)), jsonOrEmpty(e.Signals), e.SignalsDue, mustJSON(nonNil(e.History)))
		if err != nil {
			return err
		}
		if err := insertScopeRows(ctx, tx, e.ID, e.CreatedAt, e.UnitPath); err != nil {
			return err
		}
		if err := insertAttachmentLinks(ctx, tx, e); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
}

// Get implements entries.Store.
func (s *EntryStore) Get(ctx context.Context, scope auth.Scope, id string) (e entries.Entry, err error) {
	defer s.db.track("entries.get", time.Now(), &err)
	return s.getWhere(ctx, scope, "e.id = ?", id)
}

// GetByClientID implements entries.Store.
func (s *EntryStore) GetByClientID(ctx context.Context, scope auth.Scope, authorID, clientID string) (e entries.Entry, err error) {
	defer s.db.track("entries.get_by_client_id", time.Now(), &err)
	return s.getWhere(ctx, scope, "e.author_id = ? AND e.client_id = ?", authorID, clientID)
}

func (s *EntryStore) getWhere(ctx context.Context, scope auth.Scope, where string, args ...any) (entries.Entry, error) {
	unitID, ok := scope.UnitID()
	if !ok {
		return entries.Entry{}, entries.ErrNotFound
	}
	row := s.db.queryRow(ctx, `SELECT `+entryColumns+` FROM entries e WHERE `+where+` AND `+inScope,
		append(args, unitID)...)
	e, err := scanEntry(row)
	if errors.Is(err, sql.ErrNoRows) {
		return entries.Entry{}, entries.ErrNotFound
	}
	if err != nil {
		return entries.Entry{}, mapError("get entry", err)
	}
	return e, nil
}

// Update implements entries.Store.
func (s *EntryStore) Update(ctx context.Context, scope auth.Scope, e entries.Entry, expectedRev int, fx ...entries.Effects) (out entries.Entry, err error) {
	defer s.db.track("entries.update", time.Now(), &err)
	unitID, ok := scope.UnitID()
	if !ok {
		return entries.Entry{}, entries.ErrNotFound
	}
	updated := false
	plain, packed := pack(e.Data)
	err = s.db.inTx(ctx, "update entry", func(tx *txn) error {
		updated = false // a second run (inTx) says afresh
		res, err := tx.ExecContext(ctx, `UPDATE entries AS e SET status = ?, title = ?, data = ?, packed = ?, payload_hash = ?,
			period = ?, due_at = ?, submitted_at = ?, updated_at = ?, open = ?, attachments = ?, signals = ?, signals_due = ?,
			history = ?, rev = rev + 1
			WHERE e.id = ? AND e.rev = ? AND `+inScope,
			e.Status, e.Title, plain, packed, e.PayloadHash, e.Period, millis(e.DueAt), millis(e.SubmittedAt),
			millis(e.UpdatedAt), e.Open, mustJSON(nonNil(e.Attachments)), jsonOrEmpty(e.Signals), e.SignalsDue, mustJSON(nonNil(e.History)),
			e.ID, expectedRev, unitID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		updated = true
		if err := linkAttachments(ctx, tx, e); err != nil {
			return err
		}
		return writeEffects(ctx, tx, fx)
	})
	if err != nil {
		return entries.Entry{}, err
	}
	if !updated {
		return entries.Entry{}, s.whyNotUpdated(ctx, scope, e.ID)
	}
	return s.getWhere(ctx, scope, "e.id = ?", e.ID)
}

// insertScopeRows writes one entry_scope row per unit on the path, in one
// statement: one execution instead of one per ancestor, and a filing is CPU-bound.
func insertScopeRows(ctx context.Context, tx *txn, entryID string, createdAt time.Time, path []string) error {
	args := make([]any, 0, 3*len(path))
	for _, unitID := range path {
		args = append(args, unitID, millis(createdAt), entryID)
	}
	return insertRows(ctx, tx, `INSERT INTO entry_scope (unit_id, created_at, entry_id) VALUES `, 3, args)
}

// writeEffects appends a step's audit record and notifications in the entry's
// own transaction: either the step and its record are stored, or neither.
func writeEffects(ctx context.Context, tx *txn, fx []entries.Effects) error {
	for _, f := range fx {
		if err := recordFiling(ctx, tx, f.Filing); err != nil {
			return err
		}
		if err := addCounts(ctx, tx, f.Counts); err != nil {
			return err
		}
		if f.Audit != nil {
			if _, err := appendAudit(ctx, tx, *f.Audit); err != nil {
				return err
			}
		}
		if err := insertNotifications(ctx, tx, f.Notifications); err != nil {
			return err
		}
		if err := writePrints(ctx, tx, f.Prints); err != nil {
			return err
		}
	}
	return nil
}

// linkAttachments replaces the record of which attachments the entry references.
func linkAttachments(ctx context.Context, tx *txn, e entries.Entry) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM entry_attachments WHERE entry_id = ?`, e.ID); err != nil {
		return err
	}
	return insertAttachmentLinks(ctx, tx, e)
}

func insertAttachmentLinks(ctx context.Context, tx *txn, e entries.Entry) error {
	for _, id := range e.Attachments {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO entry_attachments (attachment_id, entry_id) VALUES (?,?)`, id, e.ID); err != nil {
			return err
		}
	}
	return nil
}

// whyNotUpdated tells a stale revision (conflict) from an absent entry.
func (s *EntryStore) whyNotUpdated(ctx context.Context, scope auth.Scope, id string) error {
	if _, err := s.getWhere(ctx, scope, "e.id = ?", id); err != nil {
		return err
	}
	return entries.ErrStale
}

// List implements entries.Store. The query walks entry_scope's primary key for one
// unit, newest first, and stops after limit+1 matches; CROSS JOIN pins that join order
// so the planner cannot choose to sort the whole subtree instead.
func (s *EntryStore) List(ctx context.Context, scope auth.Scope, q entries.Query) (page entries.Page, err error) {
	defer s.db.track("entries.list", time.Now(), &err)
	plan, err := entries.PlanList(q)
	if err != nil {
		return entries.Page{}, err
	}
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return entries.Page{}, nil
	}
	sqlText, args := listQuery(scopeUnit, q, plan)
	refs, err := queryAll(ctx, s.db, "list entries", scanListRef, sqlText, args...)
	if err != nil {
		return entries.Page{}, err
	}
	items, err := s.listed(ctx, refs)
	if err != nil {
		return entries.Page{}, err
	}
	page.Items, page.NextCursor = entries.NextCursor(items, plan.Limit)
	return page, nil
}

// listRef is what the list walk reads per entry: which revision, and the unit
// path (the one part of a row that changes without a new revision).
type listRef struct {
	key  listKey
	path string
}

func scanListRef(row scanner) (r listRef, err error) {
	return r, row.Scan(&r.key.id, &r.key.rev, &r.path)
}

// listed returns the entries refs name, in order: from the list cache, reading
// the rows it lacks in one query.
func (s *EntryStore) listed(ctx context.Context, refs []listRef) ([]entries.Entry, error) {
	out := make([]entries.Entry, len(refs))
	var missing []any
	for i, r := range refs {
		e, ok := s.db.listCache.get(r.key)
		if !ok {
			missing = append(missing, r.key.id)
			continue
		}
		out[i] = e
	}
	if len(missing) > 0 {
		rows, err := queryAll(ctx, s.db, "list entries", scanEntry, `SELECT `+listColumns+` FROM entries e WHERE e.id IN (`+
			placeholders(len(missing))+`)`, missing...)
		if err != nil {
			return nil, err
		}
		byID := make(map[string]entries.Entry, len(rows))
		for _, e := range rows {
			s.db.listCache.put(listKey{e.ID, e.Rev}, e)
			byID[e.ID] = e
		}
		for i, r := range refs {
			if out[i].ID == "" {
				out[i] = byID[r.key.id] // if updated meanwhile, its newer revision
			}
		}
	}
	for i, r := range refs {
		if err := decodeIDs(r.path, &out[i].UnitPath); err != nil {
			return nil, mapError("list entries", err)
		}
	}
	return out, nil
}

// listQuery builds the list statement. The walked unit is the requested one when
// given; the caller's scope unit must then also be on each entry's path, so asking
// for a foreign unit yields nothing rather than a wider view.
func listQuery(scopeUnit string, q entries.Query, plan entries.ListPlan) (string, []any) {
	where, args := listWhere(`e.id, e.rev, `+entryPath, scopeUnit, q, plan.After)
	at, id := walkOrder(q)
	return where + ` ORDER BY ` + at + ` DESC, ` + id + ` DESC LIMIT ?`, append(args, plan.Limit+1)
}

// Count implements entries.Store: the same walk and filters as List, unpaged.
func (s *EntryStore) Count(ctx context.Context, scope auth.Scope, q entries.Query) (n int, err error) {
	defer s.db.track("entries.count", time.Now(), &err)
	scopeUnit, ok := scope.UnitID()
	if !ok {
		return 0, nil
	}
	sqlText, args := listWhere("count(*)", scopeUnit, q, nil)
	err = s.db.queryRow(ctx, sqlText, args...).Scan(&n)
	return n, mapError("count entries", err)
}

// finalStateNames are the workflows' states entries stay in for good: most
// of a store's entries, by far. Every other state is a backlog — waiting for
// a review, returned to the filer, being rectified — and the entries_backlog
// index (migration 25) holds those only. finalStates must read as the
// index's own condition, so SQLite can tell the index serves a query (the
// plan test fails otherwise); TestFinalStatesAreTheWorkflows fails when a
// workflow gains a final state this list lacks.
var finalStateNames = []string{"approved", "closed", "filed", "rejected"}

var finalStates = "'" + strings.Join(finalStateNames, "', '") + "'"

// walksBacklog reports whether a listing walks the entries in its status
// rather than its unit's whole history: the tab bar's badges and review
// queues ask every minute for a handful of waiting entries among a district's
// hundred thousand, and walking the history cost 35 ms at 10,000
// (BenchmarkEntries/WaitingInSubtree).
func walksBacklog(q entries.Query) bool {
	return q.Status != "" && !slices.Contains(finalStateNames, q.Status)
}

// walksOpen reports whether a listing of overdue entries (open ones past
// their deadline) walks the open entries rather than its unit's history.
func walksOpen(q entries.Query) bool { return !q.OverdueAt.IsZero() && !walksBacklog(q) }

// walkOrder names the walk's (created_at, id) columns, newest first.
func walkOrder(q entries.Query) (at, id string) {
	if walksBacklog(q) || walksOpen(q) {
		return "e.created_at", "e.id"
	}
	return "s.created_at", "s.entry_id"
}

// listWhere selects columns from the walk of one unit's entries with q's
// filters: entry_scope's rows of the unit, or the backlog index of q's status
// (or the open entries' index for overdue ones) with each entry's scope row
// looked up.
func listWhere(columns, scopeUnit string, q entries.Query, after *entries.Position) (string, []any) {
	walk := scopeUnit
	if q.UnitID != "" {
		walk = q.UnitID
	}
	var b strings.Builder
	switch {
	case walksBacklog(q) && q.AuthorID != "":
		// A cadre's own returned entries, the badge every phone asks for each
		// minute: the author's backlog, not the whole city's in that status.
		b.WriteString(`SELECT ` + columns + ` FROM entries e INDEXED BY entries_author_backlog
			WHERE e.status NOT IN (` + finalStates + `) AND ` + inScope)
	case walksBacklog(q):
		b.WriteString(`SELECT ` + columns + ` FROM entries e INDEXED BY entries_backlog
			WHERE e.status NOT IN (` + finalStates + `) AND ` + inScope)
	case walksOpen(q):
		b.WriteString(`SELECT ` + columns + ` FROM entries e INDEXED BY entries_open WHERE e.open AND ` + inScope)
	default:
		b.WriteString(`SELECT ` + columns + ` FROM entry_scope s CROSS JOIN entries e ON e.id = s.entry_id WHERE s.unit_id = ?`)
	}
	args := []any{walk}
	if walk != scopeUnit {
		b.WriteString(` AND ` + inScope)
		args = append(args, scopeUnit)
	}
	at, id := walkOrder(q)
	if after != nil {
		b.WriteString(` AND (` + at + `, ` + id + `) < (?, ?)`)
		args = append(args, after.CreatedAt.UnixMilli(), after.ID)
	}
	for _, f := range []struct{ column, value string }{
		{"e.form_id", q.FormID}, {"e.status", q.Status}, {"e.author_id", q.AuthorID}, {"e.period", q.Period},
	} {
		if f.value != "" {
			b.WriteString(` AND ` + f.column + ` = ?`)
			args = append(args, f.value)
		}
	}
	if !q.OverdueAt.IsZero() {
		b.WriteString(` AND e.open AND e.due_at < ?`)
		args = append(args, q.OverdueAt.UnixMilli())
	}
	if !q.From.IsZero() {
		b.WriteString(` AND ` + at + ` >= ?`)
		args = append(args, q.From.UnixMilli())
	}
	if !q.To.IsZero() {
		b.WriteString(` AND ` + at + ` < ?`)
		args = append(args, q.To.UnixMilli())
	}
	if q.Q != "" {
		b.WriteString(` AND ` + hasTextFunction + `(e.data, e.packed, ?)`)
		args = append(args, q.Q)
	}
	return b.String(), args
}

type scanner interface{ Scan(dest ...any) error }

func scanEntry(row scanner) (entries.Entry, error) {
	var e entries.Entry
	var path, plain, attachments, signalList, history string
	var packed []byte
	var due, created, submitted, updated, clientCreated sql.NullInt64
	err := row.Scan(&e.ID, &e.FormID, &e.FormVersion, &e.UnitID, &path, &e.AuthorID, &e.ClientID,
		&e.Status, &e.Rev, &e.Period, &e.Title, &plain, &packed, &e.PayloadHash, &due, &created, &submitted, &updated, &clientCreated,
		&e.Open, &attachments, &signalList, &e.SignalsDue, &history)
	if err != nil {
		return e, err
	}
	data, err := entryData(plain, packed)
	if err := errors.Join(err, decodeIDs(path, &e.UnitPath), decodeIDs(attachments, &e.Attachments),
		unmarshalIfAny(signalList, &e.Signals), decodeHistory(history, &e.History)); err != nil {
		return e, err
	}
	e.Attachments, e.History = orNil(e.Attachments), orNil(e.History)
	e.Data = data
	e.DueAt, e.CreatedAt, e.SubmittedAt = fromMillis(due), fromMillis(created), fromMillis(submitted)
	e.UpdatedAt, e.ClientCreatedAt = fromMillis(updated), fromMillis(clientCreated)
	return e, nil
}

// decodeIDs reads a JSON array of ids. Ids are plain [0-9A-Za-z_-] strings, so
// splitting is enough and much cheaper than a JSON decode on every listed row;
// anything unusual still goes through encoding/json.
func decodeIDs(raw string, ids *[]string) error {
	if raw == "[]" { // most entries have no attachments yet
		*ids = nil
		return nil
	}
	inner, ok := strings.CutPrefix(raw, `["`)
	if inner, ok2 := strings.CutSuffix(inner, `"]`); ok && ok2 && !strings.ContainsAny(inner, `\ `) {
		*ids = strings.Split(inner, `","`)
		return nil
	}
	return json.Unmarshal([]byte(raw), ids)
}

// decodeHistory reads the history column (a list) or, in listings, the
// last event a listing picks out of it (one event, or empty).
func decodeHistory(raw string, history *[]entries.Event) error {
	switch {
	case raw == "":
		return nil
	case raw[0] == '{':
		var last entries.Event
		err := json.Unmarshal([]byte(raw), &last)
		*history = []entries.Event{last}
		return err
	}
	return json.Unmarshal([]byte(raw), history)
}

// orNil reads an empty list back as nil, as the domain writes it.
func orNil[T any](list []T) []T {
	if len(list) == 0 {
		return nil
	}
	return list
}

// nonNil stores empty lists as [] rather than null.
func nonNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

// millis stores times as Unix milliseconds (MongoDB's precision, so both adapters
// round-trip the same values); the zero time is NULL.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func fromMillis(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}
