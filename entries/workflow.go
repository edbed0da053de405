package entries

import (
	"slices"
	"time"

	"taizhang/auth"
)

// Who may take a transition.
type Who string

const (
	// Author is the entry's filer.
	Author Who = "author"
	// Supervisor is a supervisor of a unit above the entry's unit.
	Supervisor Who = "supervisor"
	// Office and Admin act through their roles, within their scope.
	Office Who = "office"
	Admin  Who = "admin"
)

// Transition is one step a workflow allows.
type Transition struct {
	Action string
	From   []string
	To     string // empty: the entry stays in its state (a measure reported done)
	Who    []Who
	// Level picks which supervisors may act: 1 the nearest unit above the entry's
	// that has active supervisors, 2 the next such unit above that; 0 any.
	Level          int
	RequireComment bool
	// RequireAnyOf names action-data keys of which at least one must be given,
	// e.g. the evidence of a rectification.
	RequireAnyOf []string
}

// Workflow is data: states, transitions, and which states are still open (the
// filer owes something; past the deadline such an entry is overdue).
type Workflow struct {
	Name        string
	Submitted   string // the state filing with submit=true leads to
	Open        []string
	Transitions []Transition
	// ReviewWithin is how long an entry may wait in a state for its reviewer;
	// past that the entry shows as overdue for review.
	ReviewWithin map[string]time.Duration
}

const threeDays = 72 * time.Hour

// Workflows are the built-in ones a form may name.
var Workflows = map[string]Workflow{
	"approval": {Name: "approval", Submitted: "submitted", Open: []string{"draft", "returned"},
		ReviewWithin: map[string]time.Duration{"submitted": threeDays},
		Transitions: []Transition{
			{Action: "submit", From: []string{"draft", "returned"}, To: "submitted", Who: []Who{Author}},
			{Action: "approve", From: []string{"submitted"}, To: "approved", Who: []Who{Supervisor}, Level: 1},
			{Action: "return", From: []string{"submitted"}, To: "returned", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
			{Action: "reject", From: []string{"submitted"}, To: "rejected", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
		}},
	// approval2 adds a second level: the nearest reviewing unit approves first
	// (reviewed), the next one above it gives the final approval.
	"approval2": {Name: "approval2", Submitted: "submitted", Open: []string{"draft", "returned"},
		ReviewWithin: map[string]time.Duration{"submitted": threeDays, "reviewed": threeDays},
		Transitions: []Transition{
			{Action: "submit", From: []string{"draft", "returned"}, To: "submitted", Who: []Who{Author}},
			{Action: "approve", From: []string{"submitted"}, To: "reviewed", Who: []Who{Supervisor}, Level: 1},
			{Action: "approve", From: []string{"reviewed"}, To: "approved", Who: []Who{Supervisor}, Level: 2},
			{Action: "return", From: []string{"submitted"}, To: "returned", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
			{Action: "return", From: []string{"reviewed"}, To: "returned", Who: []Who{Supervisor}, Level: 2, RequireComment: true},
			{Action: "reject", From: []string{"submitted"}, To: "rejected", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
			{Action: "reject", From: []string{"reviewed"}, To: "rejected", Who: []Who{Supervisor}, Level: 2, RequireComment: true},
		}},
	// rectification: 立项 (accept), or back to the filer (return) or out
	// (reject); each measure reported done with its evidence (measure), then the
	// whole item put to 销号 (rectify) and closed, or sent back (reopen). A
	// supervisor may also close an item still being rectified, saying why.
	"rectification": {Name: "rectification", Submitted: "submitted", Open: []string{"draft", "returned", "submitted", "accepted", "rectifying"},
		ReviewWithin: map[string]time.Duration{"submitted": threeDays, "rectified": threeDays},
		Transitions: []Transition{
			{Action: "submit", From: []string{"draft", "returned"}, To: "submitted", Who: []Who{Author}},
			{Action: "accept", From: []string{"submitted"}, To: "accepted", Who: []Who{Supervisor}, Level: 1},
			{Action: "return", From: []string{"submitted"}, To: "returned", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
			{Action: "reject", From: []string{"submitted"}, To: "rejected", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
			{Action: "measure", From: []string{"accepted", "rectifying"}, Who: []Who{Author},
				RequireAnyOf: []string{"evidence", "evidencePhotos"}},
			{Action: "rectify", From: []string{"accepted", "rectifying"}, To: "rectified", Who: []Who{Author},
				RequireAnyOf: []string{"evidence", "evidencePhotos"}},
			{Action: "close", From: []string{"rectified"}, To: "closed", Who: []Who{Supervisor}, Level: 1},
			{Action: "close", From: []string{"accepted", "rectifying"}, To: "closed", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
			{Action: "reopen", From: []string{"rectified"}, To: "rectifying", Who: []Who{Supervisor}, Level: 1, RequireComment: true},
		}},
	"none": {Name: "none", Submitted: "filed", Open: []string{"draft"},
		Transitions: []Transition{
			{Action: "submit", From: []string{"draft"}, To: "filed", Who: []Who{Author}},
		}},
}

// IsOpen reports whether an entry in state is still owed by its filer.
func (w Workflow) IsOpen(state string) bool { return slices.Contains(w.Open, state) }

// Allowed lists the actions possible from state, for error messages and UIs.
func (w Workflow) Allowed(state string) []string {
	var out []string
	for _, t := range w.Transitions {
		if slices.Contains(t.From, state) {
			out = append(out, t.Action)
		}
	}
	return out
}

// Find returns the transition for action from state.
func (w Workflow) Find(action, state string) (Transition, bool) {
	for _, t := range w.Transitions {
		if t.Action == action && slices.Contains(t.From, state) {
			return t, true
		}
	}
	return Transition{}, false
}

// StateDueAt is when the entry's reviewer should have acted, or zero when its
// state waits for no reviewer.
// ReviewStates are the states in which an entry waits for a reviewer (each
// with a deadline in ReviewWithin): the review queues count them, and
// entries overdue for review are found in them.
var ReviewStates = []string{"submitted", "reviewed", "rectified"}

// ReviewLate returns when the reviewer should have acted on e, and whether
// that has passed at now.
func (w Workflow) ReviewLate(e Entry, now time.Time) (time.Time, bool) {
	due := w.StateDueAt(e)
	return due, !due.IsZero() && due.Before(now)
}

// RectificationLate reports a problem item still being rectified (filed,
// open) past its deadline — its earliest open measure's.
func (w Workflow) RectificationLate(e Entry, now time.Time) bool {
	return w.Name == "rectification" && e.Open && e.Status != "draft" && e.DueAt.Before(now)
}

func (w Workflow) StateDueAt(e Entry) time.Time {
	within, ok := w.ReviewWithin[e.Status]
	last, has := e.LastEvent()
	if !ok || !has {
		return time.Time{}
	}
	return last.At.Add(within)
}

// mayAct reports whether the caller may take t on e. Supervisors act on entries
// of their own unit and the units below it, at the transition's level:
// reviewUnits lists the units on the entry's path — its own first — that have
// active supervisors other than the author, nearest first. Nobody reviews
// their own entry.
func mayAct(t Transition, e Entry, scope auth.Scope, reviewUnits []string) (who Who, ok bool) {
	isAuthor := e.AuthorID == scope.UserID()
	unitID, _ := scope.UnitID()
	atLevel := t.Level == 0 || (t.Level <= len(reviewUnits) && reviewUnits[t.Level-1] == unitID)
	for _, w := range t.Who {
		switch {
		case w == Author && isAuthor:
			return w, true
		case w == Supervisor && !isAuthor && e.InScope(scope) && atLevel && scope.Has(auth.RoleSupervisor):
			return w, true
		case w == Office && !isAuthor && scope.Has(auth.RoleOffice):
			return w, true
		case w == Admin && !isAuthor && scope.Has(auth.RoleAdmin):
			return w, true
		}
	}
	return "", false
}
