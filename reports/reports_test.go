package reports

import (
	"testing"
	"time"

	"taizhang/forms"
)

// TestPeriodSpan: the calendar span of a week or month key, which both the
// API's from/to and the summary's buckets read.
func TestPeriodSpan(t *testing.T) {
	for key, want := range map[string][2]string{
		"2026-W49": {"2026-11-30", "2026-12-07"},
		"2026-W01": {"2025-12-29", "2026-01-05"},
		"2026-W53": {"2026-12-28", "2027-01-04"},
		"2026-12":  {"2026-12-01", "2027-01-01"},
	} {
		start, end, ok := PeriodSpan(key)
		if !ok || start.Format(time.DateOnly) != want[0] || end.Format(time.DateOnly) != want[1] || start.Location() != forms.Beijing {
			t.Errorf("%s: %v %v %v, want %v", key, start, end, ok, want)
		}
	}
	for _, key := range []string{"once", "2026-W54", "2026-13", "2026-W00"} {
		if _, _, ok := PeriodSpan(key); ok {
			t.Errorf("%s has a span", key)
		}
	}
}
