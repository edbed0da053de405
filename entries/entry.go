// Package entries holds the ledger entry — one filed form — and the contract its
// storage must honour. It knows nothing of HTTP or of any database.
package entries

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"taizhang/audit"
	"taizhang/auth"
	"taizhang/errs"
	"taizhang/ledger"
	"taizhang/notify"
	"taizhang/signals"
)

// Entry is one ledger record: a form filled by a cadre for a unit.
type Entry struct {
	ID          string
	FormID      string
	FormVersion int
	UnitID      string
	// UnitPath lists the unit's ancestors from the root down to UnitID itself; scope
	// checks test membership in it, so it must be complete.
	UnitPath []string
	AuthorID string
	// ClientID is made on the device; (AuthorID, ClientID) is unique so that a phone
	// retrying on a bad network never files twice.
	ClientID string
	Status   string
	Rev      int
	Period   string // e.g. "2026-W48" for scheduled forms; empty otherwise
	// Title is what lists show of the entry: its form's title field's value
	// (forms.TitleOf), kept beside the data so a list need not decode it.
	Title string
	Data  json.RawMessage
	// PayloadHash identifies what the client sent, so a replay can be told apart
	// from a different payload under the same ClientID.
	PayloadHash     string
	DueAt           time.Time // zero: no deadline
	CreatedAt       time.Time
	SubmittedAt     time.Time // zero: never submitted
	UpdatedAt       time.Time
	ClientCreatedAt time.Time // the device's clock, kept apart because phones drift
	// Open is true while the entry's workflow still waits for the filer (a draft,
	// a returned entry, an unrectified problem): past DueAt it is overdue.
	Open        bool
	Attachments []string // attachment ids referenced by Data
	// Signals are the questions found at submission (signals package).
	Signals []signals.Signal
	// SignalsDue says the entry was submitted and its signals are not
	// checked yet: the check runs after the filing is answered.
	SignalsDue bool
	History    []Event // every create, edit and transition, oldest first
	// NoReviewer is set by a step that asked for review when nobody can review
	// it (no supervisor in the unit or above): administrators were told, and the
	// filer should be. Not stored.
	NoReviewer bool
}

// Event is one step in an entry's history, kept for accountability.
type Event struct {
	At        time.Time `json:"at"`
	ActorID   string    `json:"actorId"`
	ActorRole string    `json:"actorRole"`
	Action    string    `json:"action"` // create, edit, or a workflow action
	From      string    `json:"from,omitempty"`
	To        string    `json:"to"`
	Comment   string    `json:"comment,omitempty"`
	Changes   []Change  `json:"changes,omitempty"`
	Data      any       `json:"data,omitempty"` // evidence and other action data
}

// Change is one field path whose value an edit changed.
type Change struct {
	Path   string `json:"path"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// InScope reports whether the entry's unit lies in the caller's subtree.
func (e Entry) InScope(scope auth.Scope) bool {
	unitID, ok := scope.UnitID()
	return ok && slices.Contains(e.UnitPath, unitID)
}

// Query selects a page of entries, newest first. Empty fields do not filter.
type Query struct {
	FormID   string
	Status   string
	UnitID   string // that unit's subtree, intersected with the caller's scope
	AuthorID string
	Period   string
	// OverdueAt, when set, keeps open entries whose deadline is before it.
	OverdueAt time.Time
	From, To  time.Time // CreatedAt in [From, To); zero: unbounded
	Q         string    // substring of one of the entry's text values (HasText)
	Limit     int
	Cursor    string // from a previous Page.NextCursor
}

// Page is one page of a listing; NextCursor is empty on the last page.
type Page struct {
	Items      []Entry
	NextCursor string
}

// The errors every Store returns alike, so both adapters speak to users in one voice.
var (
	// ErrNotFound: no such entry in the caller's scope.
	ErrNotFound = errs.New(errs.NotFound, "记录不存在")
	// ErrStale: a conditional update found another revision.
	ErrStale = errs.New(errs.Conflict, "记录已被他人修改，请刷新后重试")
)

// StaleRevision is ErrStale naming the stored revision, so a client can reload
// exactly what it missed.
func StaleRevision(current int) error {
	return &errs.Error{Code: errs.Conflict, Message: ErrStale.Message, Fields: []errs.FieldError{{Field: "rev", Code: "stale",
		Message: fmt.Sprintf("记录已更新到第 %d 版，请刷新后重试", current), Params: map[string]any{"current": current}}}}
}

// Store is what entry storage must do. Every method takes the caller's scope and
// applies it inside the query; out-of-scope records behave as absent.
type Store interface {
	// Insert stores a new entry with Rev 1, and its effects (at most one). It fails
	// with errs.Duplicate when the author already has an entry with this ClientID,
	// and errs.Forbidden when the entry's unit is outside scope.
	Insert(ctx context.Context, scope auth.Scope, e Entry, fx ...Effects) error
	// Get returns the entry or errs.NotFound.
	Get(ctx context.Context, scope auth.Scope, id string) (Entry, error)
	// GetByClientID finds an author's entry by the device-made id, for replays.
	GetByClientID(ctx context.Context, scope auth.Scope, authorID, clientID string) (Entry, error)
	// Update replaces the mutable fields (Status, Title, Data, PayloadHash, Period, DueAt,
	// SubmittedAt, UpdatedAt, Open, Attachments, Signals, History) if the stored
	// Rev equals expectedRev, and returns the entry with Rev expectedRev+1. A
	// different stored Rev gives errs.Conflict.
	Update(ctx context.Context, scope auth.Scope, e Entry, expectedRev int, fx ...Effects) (Entry, error)
	// List returns a page, newest first (CreatedAt, then ID, descending). To keep
	// pages cheap, each item's History holds only its last event, without changes,
	// and a store may leave PayloadHash empty: listed entries are
	// shown, never written back.
	List(ctx context.Context, scope auth.Scope, q Query) (Page, error)
	// Count counts what List would list over all its pages (Limit and Cursor ignored).
	Count(ctx context.Context, scope auth.Scope, q Query) (int, error)
	// SignalsDue returns the entries whose signals are due to be checked,
	// whole and oldest first (an entry's check may find the one filed before
	// it): one read for a batch, not one per entry.
	SignalsDue(ctx context.Context, scope auth.Scope, limit int) ([]Entry, error)
	// SetSignals stores an entry's checked signals, and fx (its prints and
	// counts), if the entry is still at rev and still due; it reports whether
	// it did. The revision does not change: whoever holds the entry may still
	// act on it. Of two instances checking the same entry, one stores.
	SetSignals(ctx context.Context, scope auth.Scope, id string, rev int, list []signals.Signal, fx Effects) (bool, error)
}

// Effects are what a step writes besides the entry: its audit record and the
// notifications it sends. A store with transactions writes them in the entry's
// transaction, so no acknowledged step lacks its audit record; without
// transactions they are written right after the entry.
type Effects struct {
	Audit         *audit.Record
	Notifications []notify.Notification
	// Counts are the changes to the ledger's entry counts, Filing what the
	// step records in the obligation ledger (nil: nothing).
	Counts []ledger.Count
	Filing *ledger.Filing
	// Prints is what a submission leaves in the signals index (nil: nothing).
	Prints *signals.Prints
}

// LastEvent is what List keeps of an entry's history: the latest event without
// its field changes (enough to show a reviewer's comment).
func (e Entry) LastEvent() (Event, bool) {
	if len(e.History) == 0 {
		return Event{}, false
	}
	last := e.History[len(e.History)-1]
	last.Changes = nil
	return last, true
}
