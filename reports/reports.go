// Package reports answers the leading-group office's questions from the
// ledger: who filed on time, late or not at all; how many records each unit
// has, by status and category; what is overdue. It reads, never writes, and
// costs O(units in view): obligations and counts, never a scan of entries
// (but for the overdue list, which lists entries). docs/reports.md.
package reports

import (
	"context"
	"fmt"
	"slices"
	"time"

	"taizhang/auth"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/org"
)

// Service reads reports in the caller's scope.
type Service struct {
	Ledger ledger.Store
	Forms  interface {
		Readable(ctx context.Context, scope auth.Scope, unitPath []string, id string, version int) (forms.Definition, forms.Version, error)
	}
	Tree    *org.TreeCache
	Users   org.UserStore
	Entries *entries.Service
	Now     func() time.Time
}

// MaxRange is the longest span a report covers.
const MaxRange = 2 * 366 * 24 * time.Hour

// Range is a span of time a report covers, inclusive of both days.
type Range struct{ From, To time.Time }

// view is what a report is about: a form, a unit, and whether the caller may
// see only that unit (a cadre sees their own unit's obligations, nothing more).
type view struct {
	def     forms.Definition
	version forms.Version
	unit    org.Unit
	units   []org.Unit // the unit's subtree, the unit first
	ownOnly bool
}

var errNoUnit = errs.New(errs.NotFound, "单位不存在或不在您的查看范围内")

// viewOf resolves the form and the unit of a report within the caller's scope.
// Office, administrators and supervisors see their subtree; anyone else only
// their own unit.
func (s *Service) viewOf(ctx context.Context, scope auth.Scope, formID, unitID string) (view, error) {
	own, ok := scope.UnitID()
	if !ok {
		return view{}, errNoUnit
	}
	subtree, err := s.Tree.Subtree(ctx, scope)
	if err != nil {
		return view{}, err
	}
	if len(subtree) == 0 {
		return view{}, errNoUnit
	}
	if unitID == "" {
		unitID = own
	}
	ownOnly := !scope.Has(auth.RoleOffice) && !scope.Has(auth.RoleAdmin) && !scope.Has(auth.RoleSupervisor)
	if ownOnly && unitID != own {
		return view{}, errNoUnit
	}
	i := slices.IndexFunc(subtree, func(u org.Unit) bool { return u.ID == unitID })
	if i < 0 {
		return view{}, errNoUnit
	}
	v := view{unit: subtree[i], ownOnly: ownOnly}
	for _, u := range subtree {
		if u.IsUnder(unitID) {
			v.units = append(v.units, u)
		}
	}
	if v.def, v.version, err = s.Forms.Readable(ctx, scope, subtree[0].Path, formID, 0); err != nil {
		return view{}, err
	}
	return v, nil
}

// rangeOf checks a report's span: from before to, at most MaxRange.
func rangeOf(r Range, now time.Time, defaultSpan time.Duration) (Range, error) {
	if r.From.IsZero() {
		r.From = now.Add(-defaultSpan)
		if !r.To.IsZero() {
			r.From = r.To.Add(-defaultSpan)
		}
	}
	if r.To.IsZero() {
		// Up to now, and the rounds open now: a weekly report filed on Friday
		// afternoon counts in next week's round, a monthly one in next month's.
		r.To = now.AddDate(0, 0, 31)
	}
	if r.From.After(r.To) {
		return r, badParam("from", "开始时间不能晚于结束时间")
	}
	if r.To.Sub(r.From) > MaxRange {
		return r, badParam("to", "查询范围不能超过两年")
	}
	return r, nil
}

func badParam(field, message string) error {
	return &errs.Error{Code: errs.Unprocessable, Message: message, Fields: []errs.FieldError{{Field: field, Code: "invalid", Message: message}}}
}

// periodsIn lists the form's rounds due within the span, oldest first.
func periodsIn(def forms.Definition, r Range, now time.Time) []forms.Period {
	seen := map[string]bool{}
	var out []forms.Period
	end := r.To.In(forms.Beijing)
	endOfDay := time.Date(end.Year(), end.Month(), end.Day(), 23, 59, 59, 0, forms.Beijing)
	for _, a := range def.Assignments {
		for _, p := range a.Periods(def.CreatedAt, now) {
			// Due in the span — or the round open at its end, due later.
			inSpan := !p.Due.Before(r.From) && (!p.Due.After(endOfDay) || !p.Start.After(r.To))
			if seen[p.Key] || !inSpan {
				continue
			}
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b forms.Period) int { return a.Due.Compare(b.Due) })
	return out
}

// PeriodSpan is the calendar span of a week or month key, in Beijing time:
// "2026-W45" from its Monday to the next, "2026-11" from the first of the
// month to the next; ok is false for any other key ("once").
func PeriodSpan(key string) (start, end time.Time, ok bool) {
	var y, n int
	if _, err := fmt.Sscanf(key, "%d-W%d", &y, &n); err == nil && n >= 1 && n <= 53 {
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, forms.Beijing)
		start = jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(n-1))
		return start, start.AddDate(0, 0, 7), true
	}
	if _, err := fmt.Sscanf(key, "%d-%d", &y, &n); err == nil && n >= 1 && n <= 12 {
		start = time.Date(y, time.Month(n), 1, 0, 0, 0, 0, forms.Beijing)
		return start, start.AddDate(0, 1, 0), true
	}
	return time.Time{}, time.Time{}, false
}

// PeriodLabel names a round in Chinese: 2026年第49周, 2026年12月, 一次性.
func PeriodLabel(key string) string {
	var y, n int
	if _, err := fmt.Sscanf(key, "%d-W%d", &y, &n); err == nil {
		return fmt.Sprintf("%d年第%d周", y, n)
	}
	if _, err := fmt.Sscanf(key, "%d-%d", &y, &n); err == nil {
		return fmt.Sprintf("%d年%d月", y, n)
	}
	return "一次性"
}

// children are the view unit's child units, in the tree's order.
func (v view) children() []org.Unit {
	var out []org.Unit
	for _, u := range v.units {
		if u.ParentID == v.unit.ID {
			out = append(out, u)
		}
	}
	return out
}

// names maps unit ids of the view to their names.
func (v view) names() map[string]string {
	out := make(map[string]string, len(v.units))
	for _, u := range v.units {
		out[u.ID] = u.Name
	}
	return out
}
