package reports

import (
	"context"
	"slices"
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
	if m.Rows, err = s.rows(ctx, scope, v, keys, now); err != nil {
		return Matrix{}, err
	}
	for _, r := range m.Rows {
		for status, n := range r.counts {
			m.Totals[status] += n
		}
	}
	return m, nil
}

// rows makes a row of the view's unit (when it owes) and of each child with
// obligations in the rounds: a child with owing units below it shows the sums
// of its subtree (counted by the store), a unit alone its own obligations.
func (s *Service) rows(ctx context.Context, scope auth.Scope, v view, keys []string, now time.Time) ([]Row, error) {
	q := ledger.ObligationQuery{FormID: v.def.ID, Periods: keys, UnitID: v.unit.ID, OwnOnly: v.ownOnly}
	if v.ownOnly { // a cadre's own unit: its few rows
		own, err := s.Ledger.Obligations(ctx, scope, q)
		if err != nil || len(own) == 0 {
			return []Row{}, err
		}
		return []Row{row(Row{UnitID: v.unit.ID, Name: v.unit.Name + "（本单位）", Self: true}, own, keys, now)}, nil
	}
	counts, err := s.Ledger.RoundCounts(ctx, scope, q, now)
	if err != nil {
		return nil, err
	}
	byChild, deeper := map[string][]ledger.RoundCount{}, map[string]bool{}
	alone := []string{}
	for _, c := range counts {
		if byChild[c.UnitID] == nil && c.UnitID != v.unit.ID {
			alone = append(alone, c.UnitID) // for now; dropped below if deeper
		}
		byChild[c.UnitID] = append(byChild[c.UnitID], c)
		deeper[c.UnitID] = deeper[c.UnitID] || c.Deeper
	}
	alone = slices.DeleteFunc(append(alone, v.unit.ID), func(id string) bool { return deeper[id] })
	q.UnitIDs = alone
	details, err := s.Ledger.Obligations(ctx, scope, q)
	if err != nil {
		return nil, err
	}
	byUnit := map[string][]ledger.Obligation{}
	for _, o := range details {
		if o.Owed {
			byUnit[o.UnitID] = append(byUnit[o.UnitID], o)
		}
	}
	var out []Row
	if own := byUnit[v.unit.ID]; len(own) > 0 {
		out = append(out, row(Row{UnitID: v.unit.ID, Name: v.unit.Name + "（本单位）", Self: true}, own, keys, now))
	}
	for _, c := range v.children() {
		switch {
		case deeper[c.ID]:
			out = append(out, subtreeRow(Row{UnitID: c.ID, Name: name(c)}, byChild[c.ID], keys))
		case len(byUnit[c.ID]) > 0:
			out = append(out, row(Row{UnitID: c.ID, Name: name(c)}, byUnit[c.ID], keys, now))
		}
	}
	return out, nil
}

func name(u org.Unit) string {
	if !u.Active {
		return u.Name + "（已停用）"
	}
	return u.Name
}

// row fills the row of one unit, round by round, and its on-time rate.
func row(r Row, list []ledger.Obligation, keys []string, now time.Time) Row {
	r.counts = map[string]int{}
	byPeriod := map[string]ledger.Obligation{}
	for _, o := range list {
		byPeriod[o.Period] = o
	}
	for _, k := range keys {
		cell := Cell{Period: k}
		if o, ok := byPeriod[k]; ok {
			cell.Status, cell.EntryID = o.Status(now), o.EntryID
			r.counts[cell.Status]++
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
	return withRate(r)
}

// subtreeRow fills the row of a child with units below it: each cell the
// counts of each status in its subtree.
func subtreeRow(r Row, counts []ledger.RoundCount, keys []string) Row {
	r.Subtree, r.counts = true, map[string]int{}
	byPeriod := map[string]map[string]int{}
	for _, c := range counts {
		if byPeriod[c.Period] == nil {
			byPeriod[c.Period] = map[string]int{}
		}
		byPeriod[c.Period][c.Status] += c.N
		r.counts[c.Status] += c.N
	}
	for _, k := range keys {
		r.Cells = append(r.Cells, Cell{Period: k, Counts: byPeriod[k]})
	}
	return withRate(r)
}

// withRate adds the on-time rate: on time out of the rounds due (on time,
// late or missing; exempted and pending rounds aside).
func withRate(r Row) Row {
	if due := r.counts[ledger.OnTime] + r.counts[ledger.Late] + r.counts[ledger.Missing]; due > 0 {
		rate := float64(r.counts[ledger.OnTime]) / float64(due)
		r.OnTimeRate = &rate
	}
	return r
}
