package entries

import (
	"slices"

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
	Action         string
	From           []string
	To             string
	Who            []Who
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
}

// Workflows are the built-in ones a form may name.
var Workflows = map[string]Workflow{
	"approval": {Name: "approval", Submitted: "submitted", Open: []string{"draft", "returned"},
		Transitions: []Transition{
			{Action: "submit", From: []string{"draft", "returned"}, To: "submitted", Who: []Who{Author}},
			{Action: "approve", From: []string{"submitted"}, To: "approved", Who: []Who{Supervisor}},
			{Action: "return", From: []string{"submitted"}, To: "returned", Who: []Who{Supervisor}, RequireComment: true},
			{Action: "reject", From: []string{"submitted"}, To: "rejected", Who: []Who{Supervisor}, RequireComment: true},
		}},
	"rectification": {Name: "rectification", Submitted: "submitted", Open: []string{"draft", "submitted", "accepted", "rectifying"},
		Transitions: []Transition{
			{Action: "submit", From: []string{"draft"}, To: "submitted", Who: []Who{Author}},
			{Action: "accept", From: []string{"submitted"}, To: "accepted", Who: []Who{Supervisor}},
			{Action: "rectify", From: []string{"accepted", "rectifying"}, To: "rectified", Who: []Who{Author},
				RequireAnyOf: []string{"evidence", "evidencePhotos"}},
			{Action: "close", From: []string{"rectified"}, To: "closed", Who: []Who{Supervisor}},
			{Action: "reopen", From: []string{"rectified"}, To: "rectifying", Who: []Who{Supervisor}, RequireComment: true},
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

// mayAct reports whether the caller may take t on e. Supervisors act on entries
// of units strictly below their own (never their own unit's peers), and nobody
// reviews their own entry.
func mayAct(t Transition, e Entry, scope auth.Scope) (who Who, ok bool) {
	isAuthor := e.AuthorID == scope.UserID()
	unitID, _ := scope.UnitID()
	below := e.InScope(scope) && e.UnitID != unitID
	for _, w := range t.Who {
		switch {
		case w == Author && isAuthor:
			return w, true
		case w == Supervisor && !isAuthor && below && scope.Has(auth.RoleSupervisor):
			return w, true
		case w == Office && !isAuthor && scope.Has(auth.RoleOffice):
			return w, true
		case w == Admin && !isAuthor && scope.Has(auth.RoleAdmin):
			return w, true
		}
	}
	return "", false
}
