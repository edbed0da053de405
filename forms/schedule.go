package forms

import (
	"fmt"
	"time"

	"taizhang/errs"
	"taizhang/forms/jsonlogic"
)

// Beijing is the zone of every deadline: the campaign runs on Beijing time.
var Beijing = jsonlogic.Shanghai

// Schedule says when filings of an assigned form are due.
type Schedule struct {
	Kind    string `json:"kind"`              // once | weekly | monthly
	Due     string `json:"due,omitempty"`     // once: RFC 3339
	Weekday int    `json:"weekday,omitempty"` // weekly: 1 Monday … 7 Sunday
	Day     int    `json:"day,omitempty"`     // monthly: 1…31 (clamped to the month's last day)
	Time    string `json:"time,omitempty"`    // weekly, monthly: "12:00"
}

// Assignment gives a published form to a unit (and by default its descendants).
type Assignment struct {
	UnitID             string   `json:"unitId"`
	IncludeDescendants *bool    `json:"includeDescendants,omitempty"` // default true
	Schedule           Schedule `json:"schedule"`
	EndDate            string   `json:"endDate,omitempty"` // the campaign's last day, "2027-06-30"
	// Start is when the assignment began, "2026-11-27T17:00:00+08:00" (or a
	// day, "2026-11-02"): the obligation ledger counts rounds from the one open
	// then. Set when the assignment is first saved.
	Start string `json:"start,omitempty"`
	// Reminders are the assignment's reminder rules; nil: the defaults.
	Reminders *Reminders `json:"reminders,omitempty"`
}

// Reminders say when the filers of an assignment's units are reminded of a
// round and whether a missed round is escalated.
type Reminders struct {
	// Before lists hours before the due time, e.g. [24, 2]; empty: none.
	Before []int `json:"before"`
	// Escalate tells the supervisors above and the office at the due time.
	Escalate bool `json:"escalate"`
}

// DefaultReminders: a day and two hours before, and escalation at the due time.
var DefaultReminders = Reminders{Before: []int{24, 2}, Escalate: true}

// ReminderRules are the assignment's rules, or the defaults.
func (a Assignment) ReminderRules() Reminders {
	if a.Reminders == nil {
		return DefaultReminders
	}
	return *a.Reminders
}

// Descendants reports whether the assignment covers the unit's subtree.
func (a Assignment) Descendants() bool { return a.IncludeDescendants == nil || *a.IncludeDescendants }

// Period is one round of filing: "2026-W48", "2026-11" or "once".
type Period struct {
	Key string    `json:"period"`
	Due time.Time `json:"due"`
	// Start is when the round opened: the previous round's deadline, or the
	// assignment's start for its first round.
	Start time.Time `json:"-"`
}

// Check validates an assignment's schedule.
func (a Assignment) Check(path string) []errs.FieldError {
	var out []errs.FieldError
	bad := func(field, msg string) {
		out = append(out, errs.FieldError{Field: path + "." + field, Code: "invalid", Message: msg})
	}
	if a.UnitID == "" {
		bad("unitId", "请选择单位")
	}
	s := a.Schedule
	switch s.Kind {
	case "once":
		if _, err := time.Parse(time.RFC3339, s.Due); err != nil {
			bad("schedule.due", "截止时间应为 RFC 3339，如 2026-12-01T12:00:00+08:00")
		}
	case "weekly":
		if s.Weekday < 1 || s.Weekday > 7 {
			bad("schedule.weekday", "星期应为 1（周一）到 7（周日）")
		}
	case "monthly":
		if s.Day < 1 || s.Day > 31 {
			bad("schedule.day", "日期应为 1 到 31")
		}
	default:
		bad("schedule.kind", "周期应为 once、weekly 或 monthly")
	}
	if s.Kind != "once" {
		if _, err := time.Parse("15:04", s.Time); err != nil {
			bad("schedule.time", "时间应为 HH:MM，如 12:00")
		}
	}
	if a.EndDate != "" {
		if _, err := time.Parse(time.DateOnly, a.EndDate); err != nil {
			bad("endDate", "结束日期应为 YYYY-MM-DD")
		}
	}
	if _, ok := a.started(); a.Start != "" && !ok {
		bad("start", "开始时间应为 YYYY-MM-DD 或 RFC 3339 时间")
	}
	if r := a.Reminders; r != nil {
		if len(r.Before) > 4 {
			bad("reminders.before", "截止前提醒最多设 4 次")
		}
		for _, h := range r.Before {
			if h < 1 || h > 168 {
				bad("reminders.before", "截止前提醒应在截止前 1 到 168 小时之间")
			}
		}
	}
	return out
}

// started reads Start: the moment the assignment was saved (RFC 3339), or a
// day an administrator gave (from its first moment, Beijing time).
func (a Assignment) started() (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, a.Start); err == nil {
		return t, true
	}
	t, err := time.ParseInLocation(time.DateOnly, a.Start, Beijing)
	return t, err == nil
}

// Periods lists the assignment's rounds from its start (or since, when the
// start is unknown) through the current one at now — the first not yet due —
// and not past the campaign's end date. The ledger owes one obligation per
// responsible unit and round.
func (a Assignment) Periods(since, now time.Time) []Period {
	if start, ok := a.started(); ok {
		since = start // the first round is the one open then, not one that closed earlier that day
	}
	current, ok := a.CurrentPeriod(now)
	if !ok { // past the campaign's end: up to its last round
		current, ok = a.lastPeriod()
	}
	if !ok {
		return nil
	}
	var out []Period
	opened := since.In(Beijing)
	for p, ok := a.CurrentPeriod(opened); ok && !p.Due.After(current.Due); p, ok = a.CurrentPeriod(p.Due.Add(time.Second)) {
		p.Start = opened
		out = append(out, p)
		if a.Schedule.Kind == "once" {
			break
		}
		opened = p.Due
	}
	return out
}

// lastPeriod is the round due on or before the campaign's end date.
func (a Assignment) lastPeriod() (Period, bool) {
	end, err := time.ParseInLocation(time.DateOnly, a.EndDate, Beijing)
	if err != nil {
		return Period{}, false
	}
	var last Period
	found := false
	for p, ok := a.CurrentPeriod(end.AddDate(0, 0, -40)); ok; p, ok = a.CurrentPeriod(p.Due.Add(time.Second)) {
		last, found = p, true
		if a.Schedule.Kind == "once" {
			break
		}
	}
	return last, found
}

// PeriodOf finds a round of the assignment by its key among Periods.
func (a Assignment) PeriodOf(key string, since, now time.Time) (Period, bool) {
	for _, p := range a.Periods(since, now) {
		if p.Key == key {
			return p, true
		}
	}
	return Period{}, false
}

// CurrentPeriod is the round a filer works on at now: the first whose deadline is
// not yet past. It is false once the campaign's end date is past that deadline.
func (a Assignment) CurrentPeriod(now time.Time) (Period, bool) {
	now = now.In(Beijing)
	var p Period
	switch a.Schedule.Kind {
	case "once":
		due, err := time.Parse(time.RFC3339, a.Schedule.Due)
		if err != nil {
			return Period{}, false
		}
		p = Period{Key: "once", Due: due.In(Beijing)}
	case "weekly":
		p = weeklyPeriod(now, a.Schedule)
	case "monthly":
		p = monthlyPeriod(now, a.Schedule)
	default:
		return Period{}, false
	}
	if a.EndDate != "" {
		end, err := time.ParseInLocation(time.DateOnly, a.EndDate, Beijing)
		if err != nil || p.Due.After(end.AddDate(0, 0, 1)) {
			return Period{}, false
		}
	}
	return p, true
}

func clock(s Schedule) (hour, minute int) {
	t, _ := time.Parse("15:04", s.Time)
	return t.Hour(), t.Minute()
}

func weeklyPeriod(now time.Time, s Schedule) Period {
	h, m := clock(s)
	offset := (s.Weekday - isoWeekday(now) + 7) % 7
	y, mo, d := now.AddDate(0, 0, offset).Date()
	due := time.Date(y, mo, d, h, m, 0, 0, Beijing)
	if due.Before(now) {
		due = due.AddDate(0, 0, 7)
	}
	year, week := due.ISOWeek()
	return Period{Key: fmt.Sprintf("%d-W%02d", year, week), Due: due}
}

func isoWeekday(t time.Time) int {
	if t.Weekday() == time.Sunday {
		return 7
	}
	return int(t.Weekday())
}

func monthlyPeriod(now time.Time, s Schedule) Period {
	h, m := clock(s)
	due := dueInMonth(now.Year(), now.Month(), s.Day, h, m)
	if due.Before(now) {
		due = dueInMonth(now.Year(), now.Month()+1, s.Day, h, m)
	}
	return Period{Key: due.Format("2006-01"), Due: due}
}

// dueInMonth clamps day to the month's last day: "day 31" means month end.
func dueInMonth(year int, month time.Month, day, h, m int) time.Time {
	first := time.Date(year, month, 1, 0, 0, 0, 0, Beijing)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(day, last), h, m, 0, 0, Beijing)
}
