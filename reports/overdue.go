package reports

import (
	"context"
	"slices"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/org"
)

// Late is an entry past a deadline: a problem item still being rectified past
// its earliest open measure's deadline, or an entry waiting for its reviewer
// past the review's deadline.
type Late struct {
	Kind        string    `json:"kind"` // rectification | review
	EntryID     string    `json:"entryId"`
	Title       string    `json:"title"`
	FormTitle   string    `json:"formTitle"`
	UnitID      string    `json:"unitId"`
	UnitName    string    `json:"unitName"`
	Status      string    `json:"status"`
	DueAt       time.Time `json:"dueAt"`
	DaysOverdue int       `json:"daysOverdue"`
}

// maxScanned bounds how many entries each kind of overdue list reads.
const maxScanned = 1000

// Overdue lists what is past its deadline in a subtree, oldest first.
func (s *Service) Overdue(ctx context.Context, scope auth.Scope, unitID string) ([]Late, error) {
	own, _ := scope.UnitID()
	if unitID == "" {
		unitID = own
	}
	units, err := s.Tree.Subtree(ctx, scope)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(units, func(u org.Unit) bool { return u.ID == unitID })
	ownOnly := !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) && !scope.Has(auth.RoleSupervisor)
	if i < 0 || ownOnly && unitID != own {
		return nil, errNoUnit
	}
	now, out := s.Now(), []Late{}
	names := map[string]string{}
	for _, u := range units {
		names[u.ID] = u.Name
	}
	seen := map[string]bool{}
	keep := func(e entries.Entry, wf entries.Workflow, formTitle string) error {
		if ownOnly && e.UnitID != own || seen[e.ID] {
			return nil
		}
		l := Late{EntryID: e.ID, Title: e.Title, FormTitle: formTitle, UnitID: e.UnitID, UnitName: names[e.UnitID], Status: e.Status}
		if l.Title == "" && e.Period != "" { // a weekly report has no title field: its round names it
			l.Title = PeriodLabel(e.Period)
		}
		due, reviewLate := wf.ReviewLate(e, now)
		switch {
		case wf.RectificationLate(e, now):
			l.Kind, l.DueAt = "rectification", e.DueAt
		case reviewLate:
			l.Kind, l.DueAt = "review", due
		default:
			return nil
		}
		l.DaysOverdue = int(now.Sub(l.DueAt).Hours()/24) + 1
		seen[e.ID] = true
		out = append(out, l)
		return nil
	}
	queries := []entries.Query{{UnitID: unitID, OverdueAt: now}}
	for _, status := range entries.ReviewStates {
		queries = append(queries, entries.Query{UnitID: unitID, Status: status})
	}
	for _, q := range queries {
		if err := s.Entries.Scan(ctx, scope, q, maxScanned, keep); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b Late) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}
