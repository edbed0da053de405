package forms

import (
	"strings"
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCurrentPeriod(t *testing.T) {
	friday := Assignment{Schedule: Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}}
	monthEnd := Assignment{Schedule: Schedule{Kind: "monthly", Day: 31, Time: "18:00"}}
	once := Assignment{Schedule: Schedule{Kind: "once", Due: "2026-12-01T12:00:00+08:00"}}
	ending := Assignment{Schedule: Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}, EndDate: "2026-12-31"}
	for _, c := range []struct {
		name   string
		a      Assignment
		now    string
		period string
		due    string
		ok     bool
	}{
		{"weekly, Monday", friday, "2026-11-23T09:00:00+08:00", "2026-W48", "2026-11-27T12:00:00+08:00", true},
		{"weekly, Friday morning", friday, "2026-11-27T11:59:00+08:00", "2026-W48", "2026-11-27T12:00:00+08:00", true},
		{"weekly, Friday after noon", friday, "2026-11-27T12:01:00+08:00", "2026-W49", "2026-12-04T12:00:00+08:00", true},
		{"weekly, Sunday", friday, "2026-11-29T20:00:00+08:00", "2026-W49", "2026-12-04T12:00:00+08:00", true},
		{"weekly, UTC Thursday night is Beijing Friday", friday, "2026-11-26T20:00:00Z", "2026-W48", "2026-11-27T12:00:00+08:00", true},
		{"weekly, ISO week 53 (2026 has 53)", friday, "2026-12-29T09:00:00+08:00", "2026-W53", "2027-01-01T12:00:00+08:00", true},
		{"monthly, day 31 in November", monthEnd, "2026-11-10T09:00:00+08:00", "2026-11", "2026-11-30T18:00:00+08:00", true},
		{"monthly, past the end", monthEnd, "2026-11-30T19:00:00+08:00", "2026-12", "2026-12-31T18:00:00+08:00", true},
		{"monthly, February", monthEnd, "2027-02-01T00:00:00+08:00", "2027-02", "2027-02-28T18:00:00+08:00", true},
		{"once", once, "2026-11-27T09:00:00+08:00", "once", "2026-12-01T12:00:00+08:00", true},
		{"campaign still running", ending, "2026-12-24T09:00:00+08:00", "2026-W52", "2026-12-25T12:00:00+08:00", true},
		{"campaign over", ending, "2026-12-26T09:00:00+08:00", "", "", false},
	} {
		p, ok := c.a.CurrentPeriod(at(c.now))
		if ok != c.ok || (ok && (p.Key != c.period || !p.Due.Equal(at(c.due)))) {
			t.Errorf("%s: got %v %s %s, want %v %s %s", c.name, ok, p.Key, p.Due, c.ok, c.period, c.due)
		}
	}
}

func TestAssignmentCheck(t *testing.T) {
	for name, a := range map[string]Assignment{
		"no unit":     {Schedule: Schedule{Kind: "once", Due: "2026-12-01T12:00:00+08:00"}},
		"bad kind":    {UnitID: "u", Schedule: Schedule{Kind: "daily", Time: "12:00"}},
		"bad weekday": {UnitID: "u", Schedule: Schedule{Kind: "weekly", Weekday: 0, Time: "12:00"}},
		"bad time":    {UnitID: "u", Schedule: Schedule{Kind: "weekly", Weekday: 5, Time: "noon"}},
		"bad day":     {UnitID: "u", Schedule: Schedule{Kind: "monthly", Day: 32, Time: "12:00"}},
		"bad due":     {UnitID: "u", Schedule: Schedule{Kind: "once", Due: "tomorrow"}},
		"bad end":     {UnitID: "u", Schedule: Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}, EndDate: "2026-13-01"},
	} {
		if len(a.Check("assignments[0]")) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
	good := Assignment{UnitID: "u", Schedule: Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}}
	if p := good.Check("a"); len(p) != 0 || !good.Descendants() {
		t.Errorf("a good assignment: %v", p)
	}
}

func TestPeriodsFromTheStartToNow(t *testing.T) {
	a := Assignment{UnitID: "u", Start: "2026-11-02", Schedule: Schedule{Kind: "weekly", Weekday: 5, Time: "12:00"}, EndDate: "2026-12-31"}
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, Beijing) // a Wednesday
	got := a.Periods(time.Time{}, now)
	keys := []string{}
	for _, p := range got {
		keys = append(keys, p.Key)
	}
	if strings.Join(keys, ",") != "2026-W45,2026-W46,2026-W47,2026-W48" {
		t.Fatalf("periods %v", keys)
	}
	if !got[0].Start.Equal(time.Date(2026, 11, 2, 0, 0, 0, 0, Beijing)) || !got[1].Start.Equal(got[0].Due) {
		t.Errorf("starts %s %s", got[0].Start, got[1].Start)
	}
	if last := got[3]; !last.Due.Equal(time.Date(2026, 11, 27, 12, 0, 0, 0, Beijing)) {
		t.Errorf("the current round is due %s", last.Due)
	}
	if p, ok := a.PeriodOf("2026-W46", time.Time{}, now); !ok || !p.Due.Equal(time.Date(2026, 11, 13, 12, 0, 0, 0, Beijing)) {
		t.Errorf("W46: %v %v", p, ok)
	}
	if _, ok := a.PeriodOf("2026-W49", time.Time{}, now); ok {
		t.Error("a round not yet open was found")
	}
	after := a.Periods(time.Time{}, time.Date(2027, 3, 1, 0, 0, 0, 0, Beijing)) // past the campaign
	if n := len(after); n != 8 || after[n-1].Key != "2026-W52" {                // W53 is due 2027-01-01, after the end
		t.Errorf("after the end: %d rounds, last %v", n, after[n-1].Key)
	}
	monthly := Assignment{UnitID: "u", Start: "2026-10-15", Schedule: Schedule{Kind: "monthly", Day: 31, Time: "18:00"}}
	if got := monthly.Periods(time.Time{}, now); len(got) != 2 || got[0].Key != "2026-10" || got[1].Key != "2026-11" {
		t.Errorf("monthly %v", got)
	}
	once := Assignment{UnitID: "u", Start: "2026-11-01", Schedule: Schedule{Kind: "once", Due: "2027-06-30T18:00:00+08:00"}}
	if got := once.Periods(time.Time{}, now); len(got) != 1 || got[0].Key != "once" {
		t.Errorf("once %v", got)
	}
}
