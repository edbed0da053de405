// Package ledger keeps who owes what: for every scheduled assignment and every
// round (period), one obligation per responsible unit — pending, filed on time,
// late, missing or exempted — and counts of entries by form, unit, period,
// status and reportable option, kept in the same transaction as the entry step
// that changes them, so a dashboard costs O(units in view), never O(entries).
// docs/reports.md states the rules. It knows nothing of HTTP or storage.
package ledger

import (
	"context"
	"slices"
	"time"

	"taizhang/auth"
	"taizhang/errs"
)

// The states of an obligation.
const (
	Pending  = "pending"  // not yet due, nothing submitted
	OnTime   = "onTime"   // first submitted at or before the due time
	Late     = "late"     // first submitted after it
	Missing  = "missing"  // due passed, nothing submitted
	Exempted = "exempted" // excused by the office, with a reason
)

// Statuses lists the states in the order reports show them.
var Statuses = []string{OnTime, Late, Missing, Pending, Exempted}

// Obligation is what one unit owes for one round of one form.
type Obligation struct {
	FormID   string
	Period   string
	UnitID   string
	UnitPath []string
	DueAt    time.Time
	// Owed is true when the unit was responsible when the round opened; a
	// row with Owed false only records a filing (or a claim) of a unit that
	// owed nothing, and reports leave it out.
	Owed             bool
	EntryID          string    // the entry filed for it: the first submitted, or the one claiming the round
	FirstSubmittedAt time.Time // zero: nothing submitted yet
	Exemption        *Exemption
}

// Exemption excuses an obligation, with the office's reason.
type Exemption struct {
	ID     string    `json:"id"`
	Reason string    `json:"reason"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Status is the obligation's state at now. A returned entry that is filed
// again keeps its first submission time; drafts never count.
func (o Obligation) Status(now time.Time) string {
	switch {
	case o.Exemption != nil:
		return Exempted
	case !o.FirstSubmittedAt.IsZero() && !o.FirstSubmittedAt.After(o.DueAt):
		return OnTime
	case !o.FirstSubmittedAt.IsZero():
		return Late
	case now.After(o.DueAt):
		return Missing
	}
	return Pending
}

// Filing is what an entry step tells the ledger, written with the step.
type Filing struct {
	FormID, Period, UnitID string
	UnitPath               []string
	DueAt                  time.Time // a placeholder until the round is materialized
	EntryID                string
	// SubmittedAt, when set, is a submission: the first one is kept.
	SubmittedAt time.Time
	// Claim takes the round for EntryID (a form filed once per period): a
	// round another entry holds is refused with errs.Conflict naming it.
	Claim bool
}

// CountKey is one cell of the entry counts: entries of a form in a unit and
// bucket (their period, or the ISO week they were created in) with a status,
// or — Field and Option set, Status empty — with an option of a reportable
// field. Drafts are never counted.
type CountKey struct {
	FormID, UnitID, Bucket, Status, Field, Option string
}

// Count is a counted cell; UnitPath scopes it.
type Count struct {
	CountKey
	UnitPath []string
	N        int
}

// ObligationQuery selects obligations of one form in the caller's scope.
type ObligationQuery struct {
	FormID  string
	Periods []string // empty: every period
	UnitID  string   // that unit's subtree, within the scope; empty: the scope's
	OwnOnly bool     // UnitID itself, not its subtree
	UnitIDs []string // only these units of the subtree; empty: all
}

// RoundCount is how many obligations of one round are in one status under a
// child of the asked unit (UnitID the child's), or of the unit itself
// (UnitID the unit's). Deeper marks counts that include units below the child.
type RoundCount struct {
	UnitID, Period, Status string
	N                      int
	Deeper                 bool
}

// CountRounds counts owed obligations of unitID's subtree by child, round and
// status at now: what a compliance matrix shows of a subtree.
func CountRounds(list []Obligation, unitID string, now time.Time) []RoundCount {
	type key struct{ unit, period, status string }
	sums := map[key]*RoundCount{}
	var order []key
	for _, o := range list {
		i := slices.Index(o.UnitPath, unitID)
		if !o.Owed || i < 0 {
			continue
		}
		child := o.UnitPath[min(i+1, len(o.UnitPath)-1)]
		k := key{child, o.Period, o.Status(now)}
		if sums[k] == nil {
			sums[k] = &RoundCount{UnitID: child, Period: o.Period, Status: k.status}
			order = append(order, k)
		}
		sums[k].N++
		sums[k].Deeper = sums[k].Deeper || o.UnitID != child
	}
	out := make([]RoundCount, len(order))
	for i, k := range order {
		out[i] = *sums[k]
	}
	return out
}

// CountQuery selects counted cells of one form in the caller's scope.
type CountQuery struct {
	FormID string
	UnitID string // that unit's subtree, within the scope; empty: the scope's
	// ByChild sums the subtree's counts by the child of the unit they lie
	// under (SumByChild): a summary reads one row per child, not per unit.
	ByChild bool
}

// Store keeps obligations and counts. Reads and exemptions are scoped; the
// sweeper's writes and the recount are not (the server does them for
// everyone). Entry stores write Filings and count deltas with each step.
type Store interface {
	// Materialize records the owed obligations of one round — inserting them,
	// or marking an existing row (a filing made before the round was
	// materialized) owed with its due time — and that the round is done.
	Materialize(ctx context.Context, formID, period string, owed []Obligation) error
	// Materialized returns the rounds of a form already materialized.
	Materialized(ctx context.Context, formID string) (map[string]bool, error)
	Obligations(ctx context.Context, scope auth.Scope, q ObligationQuery) ([]Obligation, error)
	// RoundCounts is CountRounds over the owed obligations q selects, counted
	// by the store: a matrix of a thousand units reads a few hundred sums.
	RoundCounts(ctx context.Context, scope auth.Scope, q ObligationQuery, now time.Time) ([]RoundCount, error)
	// Exempt sets an exemption on an owed obligation without one (errs.Conflict
	// if it has one, errs.NotFound if there is no such owed obligation in scope).
	Exempt(ctx context.Context, scope auth.Scope, formID, period, unitID string, ex Exemption) error
	// Unexempt removes an exemption by its id and returns the obligation it excused.
	Unexempt(ctx context.Context, scope auth.Scope, exemptionID string) (Obligation, error)
	Counts(ctx context.Context, scope auth.Scope, q CountQuery) ([]Count, error)
	// AllCounts and ReplaceCounts serve `taizhang rollup verify|rebuild`.
	AllCounts(ctx context.Context) ([]Count, error)
	ReplaceCounts(ctx context.Context, counts []Count) error
	// CountsBuilt reports whether the counts cover every entry: false on a
	// store whose entries were filed before the ledger existed, until a rebuild.
	CountsBuilt(ctx context.Context) (bool, error)
}

// ErrFiled refuses a second entry of a unit for a round of a form filed once
// per period (409), naming the entry that holds the round.
func ErrFiled(entryID, period string) error {
	return &errs.Error{Code: errs.Conflict, Message: "本单位这一期已经报送过，请打开已报送的记录",
		Fields: []errs.FieldError{{Field: "period", Code: "already_filed", Message: "本单位这一期已有记录",
			Params: map[string]any{"entryId": entryID, "period": period}}}}
}
