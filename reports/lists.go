package reports

import (
	"context"
	"slices"
	"strings"
	"time"

	"taizhang/auth"
	"taizhang/ledger"
)

// Filer is someone to call about a missing report.
type Filer struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Owing is one unit's obligation in a round, with whom to call.
type Owing struct {
	UnitID           string            `json:"unitId"`
	UnitName         string            `json:"unitName"`
	UnitPath         string            `json:"unitPath"` // names below the caller's unit, joined by /
	Period           string            `json:"period"`
	Status           string            `json:"status"`
	DueAt            time.Time         `json:"dueAt"`
	FirstSubmittedAt *time.Time        `json:"firstSubmittedAt"`
	EntryID          string            `json:"entryId,omitempty"`
	Exemption        *ledger.Exemption `json:"exemption,omitempty"`
	Filers           []Filer           `json:"filers"`
}

// Obligations lists the units behind a cell: one round of a form, every unit
// of the subtree that owes it (or only those in status), with their filers'
// names and phones, for the office to call. Cadres see their own unit's.
func (s *Service) Obligations(ctx context.Context, scope auth.Scope, formID, period, status, unitID string) ([]Owing, error) {
	if period == "" {
		return nil, badParam("period", "请指定期次")
	}
	if status != "" && !slices.Contains(ledger.Statuses, status) {
		return nil, badParam("status", "状态应为 onTime、late、missing、pending 或 exempted")
	}
	v, err := s.viewOf(ctx, scope, formID, unitID)
	if err != nil {
		return nil, err
	}
	list, err := s.Ledger.Obligations(ctx, scope, ledger.ObligationQuery{FormID: v.def.ID, Periods: []string{period}, UnitID: v.unit.ID, OwnOnly: v.ownOnly})
	if err != nil {
		return nil, err
	}
	now, names := s.Now(), v.names()
	out := []Owing{}
	for _, o := range list {
		st := o.Status(now)
		if !o.Owed || status != "" && st != status {
			continue
		}
		w := Owing{UnitID: o.UnitID, UnitName: names[o.UnitID], UnitPath: v.pathNames(o.UnitPath, names), Period: o.Period,
			Status: st, DueAt: o.DueAt, EntryID: o.EntryID, Exemption: o.Exemption, Filers: []Filer{}}
		if !o.FirstSubmittedAt.IsZero() {
			at := o.FirstSubmittedAt
			w.FirstSubmittedAt = &at
		}
		out = append(out, w)
	}
	slices.SortFunc(out, func(a, b Owing) int { return strings.Compare(a.UnitPath, b.UnitPath) })
	return out, s.addFilers(ctx, scope, out)
}

// pathNames names a unit by its path below the view's unit.
func (v view) pathNames(path []string, names map[string]string) string {
	if i := slices.Index(path, v.unit.ID); i >= 0 {
		path = path[min(i+1, len(path)-1):]
	}
	out := make([]string, 0, len(path))
	for _, id := range path {
		if n := names[id]; n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "/")
}

// addFilers adds each unit's active cadres: whom the office calls.
func (s *Service) addFilers(ctx context.Context, scope auth.Scope, list []Owing) error {
	ids := make([]string, len(list))
	for i, w := range list {
		ids[i] = w.UnitID
	}
	cadres, err := s.Users.WithRole(ctx, scope, auth.RoleCadre, ids)
	if err != nil {
		return err
	}
	byUnit := map[string][]Filer{}
	for _, c := range cadres {
		byUnit[c.UnitID] = append(byUnit[c.UnitID], Filer{Name: c.Name, Phone: c.Phone})
	}
	for i := range list {
		if f := byUnit[list[i].UnitID]; f != nil {
			list[i].Filers = f
		}
	}
	return nil
}
