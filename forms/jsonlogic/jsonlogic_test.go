package jsonlogic

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFormOperators: the operators taizhang adds. Their twins in the front end
// run the shared table in forms/testdata/form-cases.json.
func TestFormOperators(t *testing.T) {
	// 2026-11-27 17:30 UTC is already 2026-11-28 in Beijing.
	e := Evaluator{Now: func() time.Time { return time.Date(2026, 11, 27, 17, 30, 0, 0, time.UTC) }}
	for rule, want := range map[string]string{
		`{"today":[]}`: `"2026-11-28"`,
		`{"days_between":["2026-11-01","2026-11-28"]}`:                                   `27`,
		`{"days_between":["2026-11-28","2026-11-01"]}`:                                   `-27`,
		`{"days_between":["2026-11-27T20:00:00Z","2026-11-29"]}`:                         `1`,
		`{"days_between":[{"today":[]},"2026-12-31"]}`:                                   `33`,
		`{"days_between":["not a date","2026-11-01"]}`:                                   `null`,
		`{"<=":[{"days_between":[{"today":[]},"2026-12-01"]},30]}`:                       `true`,
		`{"days_between":[{"var":"start"},{"var":"end"}]}`:                               `null`,
		`{"if":[{"<":[{"days_between":["2026-01-01","2026-03-01"]},60]},"soon","late"]}`: `"soon"`,
	} {
		got, err := e.Apply(decode(t, rule), nil)
		if err != nil || !sameJSON(got, decode(t, want)) {
			t.Errorf("%s = %s (%v), want %s", rule, mustJSON(got), err, want)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat(`{"!":`, MaxDepth+2) + "true" + strings.Repeat("}", MaxDepth+2)
	if _, err := (Evaluator{}).Apply(decode(t, deep), nil); !errors.Is(err, ErrTooDeep) {
		t.Errorf("a deep rule: %v", err)
	}
	if err := Check(decode(t, deep)); !errors.Is(err, ErrTooDeep) {
		t.Errorf("Check of a deep rule: %v", err)
	}
	if err := Check(decode(t, `{"and":[{"exec":["rm -rf /"]}]}`)); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("Check of an unknown operator: %v", err)
	}
	if _, err := (Evaluator{}).Apply(decode(t, `{"exec":[]}`), nil); !errors.Is(err, ErrUnknownOperator) {
		t.Errorf("Apply of an unknown operator: %v", err)
	}
	if err := Check(decode(t, `{"and":[{"==":[{"var":"a"},1]},{"days_between":[{"today":[]},"2026-12-01"]}]}`)); err != nil {
		t.Errorf("a good rule: %v", err)
	}
}
