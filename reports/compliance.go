package reports

import (
	"context"
	"time"

	"taizhang/auth"
	"taizhang/ledger"
	"taizhang/org"
)

// Round is a column of the compliance matrix.
type Round struct {
	Period string    `json:"period"`
	Label  string    `json:"label"`
	Due    time.Time `json:"due"`
}

// Cell is one unit's (or one subtree's) state in one round. A row of one
// unit has Status; a row of a subtree has Counts of each status.
type Cell struct {
	Period           string         `json:"period"`
	Status           string         `json:"status,omitempty"`
	FirstSubmittedAt *time.Time     `json:"firstSubmittedAt,omitempty"`
	EntryID          string         `json:"entryId,omitempty"`
	ExemptionID      string         `json:"exemptionId,omitempty"`
	Reason           string         `json:"reason,omitempty"`
	Counts           map[string]int `json:"counts,omitempty"`
}

// Row is a child unit of the asked unit (or the unit itself, when it owes
// too): its cells by round and its on-time rate over the rounds due.
type Row struct {
	UnitID string `json:"unitId"`
	Name   string `json:"name"`
	// Self marks the asked unit's own row; Subtree a row of several units,
	// which a tap drills into.
	Self       bool     `json:"self,omitempty"`
	Subtree    bool     `json:"subtree,omitempty"`
	OnTimeRate *float64 `json:"onTimeRate"`
	Cells      []Cell   `json:"cells"`
	counts     map[string]int
}

// Matrix is the compliance of a unit's children with one form over rounds.
type Matrix struct {
	FormID    string         `json:"formId"`
	FormTitle string         `json:"formTitle"`
	UnitID    string         `json:"unitId"`
	UnitName  string         `json:"unitName"`
	Periods   []Round        `json:"periods"`
	Rows      []Row          `json:"rows"`
	Totals    map[string]int `json:"totals"`
}

// Compliance answers "who filed this form on time, late or not at all" for
// the children of unitID (default: the caller's unit) over the rounds due in
// the span. Out-of-scope units and unknown forms are 404.
func (s *Service) Compliance(ctx context.Context, scope auth.Scope, formID, unitID string, span Range) (Matrix, error) {
	now := s.Now()
	v, err := s.viewOf(ctx, scope, formID, unitID)
	if err != nil {
		return Matrix{}, err
	}
	if span, err = rangeOf(span, now, 8*7*24*time.Hour); err != nil {
		return Matrix{}, err
	}
	rounds := periodsIn(v.def, span, now)
	m := Matrix{FormID: v.def.ID, FormTitle: v.version.Schema.Title, UnitID: v.unit.ID, UnitName: v.unit.Name,
		Periods: make([]Round, len(rounds)), Rows: []Row{}, Totals: map[string]int{}}
	keys := make([]string, len(rounds))
	for i, p := range rounds {
		m.Periods[i], keys[i] = Round{Period: p.Key, Label: PeriodLabel(p.Key), Due: p.Due}, p.Key
	}
	if len(keys) == 0 {
		return m, nil
	}
	list, err := s.Ledger.Obligations(ctx, scope, ledger.ObligationQuery{FormID: v.def.ID, Periods: keys, UnitID: v.unit.ID, OwnOnly: v.ownOnly})
	if err != nil {
		return Matrix{}, err
	}
	m.Rows = v.rows(list, keys, now)
	for _, r := range m.Rows {
		for status, n := range r.counts {
			m.Totals[status] += n
		}
	}
	return m, nil
}

// rows groups a round's obligations by the child of the view's unit they lie
// under; the unit's own obligations make a row of their own.
func (v view) rows(list []ledger.Obligation, keys []string, now time.Time) []Row {
	byRow := map[string][]ledger.Obligation{}
	units := map[string]map[string]bool{} // row → the units owing in it
	for _, o := range list {
		if !o.Owed {
			continue
		}
		row := v.child(o.UnitPath)
		byRow[row] = append(byRow[row], o)
		if units[row] == nil {
			units[row] = map[string]bool{}
		}
		units[row][o.UnitID] = true
	}
	var out []Row
	if own := byRow[""]; len(own) > 0 {
		out = append(out, row(Row{UnitID: v.unit.ID, Name: v.unit.Name + "（本单位）", Self: true}, own, keys, now, false))
	}
	for _, c := range v.children() {
		if len(byRow[c.ID]) > 0 {
			subtree := len(units[c.ID]) > 1 || !units[c.ID][c.ID]
			out = append(out, row(Row{UnitID: c.ID, Name: name(c)}, byRow[c.ID], keys, now, subtree))
		}
	}
	return out
}

func name(u org.Unit) string {
	if !u.Active {
		return u.Name + "（已停用）"
	}
	return u.Name
}

// row fills a row's cells, round by round, and its on-time rate: on time out of
// the rounds due (on time, late or missing; exempted and pending rounds aside).
func row(r Row, list []ledger.Obligation, keys []string, now time.Time, subtree bool) Row {
	r.Subtree, r.counts = subtree, map[string]int{}
	byPeriod := map[string][]ledger.Obligation{}
	for _, o := range list {
		byPeriod[o.Period] = append(byPeriod[o.Period], o)
	}
	for _, k := range keys {
		cell := Cell{Period: k}
		for _, o := range byPeriod[k] {
			status := o.Status(now)
			r.counts[status]++
			if subtree {
				if cell.Counts == nil {
					cell.Counts = map[string]int{}
				}
				cell.Counts[status]++
				continue
			}
			cell.Status, cell.EntryID = status, o.EntryID
			if !o.FirstSubmittedAt.IsZero() {
				at := o.FirstSubmittedAt
				cell.FirstSubmittedAt = &at
			}
			if o.Exemption != nil {
				cell.ExemptionID, cell.Reason = o.Exemption.ID, o.Exemption.Reason
			}
		}
		r.Cells = append(r.Cells, cell)
	}
	if due := r.counts[ledger.OnTime] + r.counts[ledger.Late] + r.counts[ledger.Missing]; due > 0 {
		rate := float64(r.counts[ledger.OnTime]) / float64(due)
		r.OnTimeRate = &rate
	}
	return r
}
