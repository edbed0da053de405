package forms

import (
	"encoding/json"
	"testing"
)

// typeCase is one value for one field; wantCode "" means valid.
type typeCase struct {
	value    string // JSON
	wantCode string
	stored   string // JSON of the normalised value, when it differs from value
}

// runTypeTable checks the field's settings, then every case's value.
func runTypeTable(t *testing.T, fieldJSON string, cases []typeCase) {
	t.Helper()
	var f Field
	if err := json.Unmarshal([]byte(fieldJSON), &f); err != nil {
		t.Fatal(err)
	}
	ft := typeOf(f.Type)
	if p := append(checkAllowedSettings(&f, ft), ft.checkSettings(&f)...); len(p) > 0 {
		t.Fatalf("settings of %s refused: %v", fieldJSON, p)
	}
	for _, c := range cases {
		var v any
		if err := json.Unmarshal([]byte(c.value), &v); err != nil {
			t.Fatal(err)
		}
		got, problems := ft.checkValue(&f, v, &Env{UnitInScope: func(id string) bool { return id != "foreign" },
			UserInScope: func(id string) bool { return id != "stranger" }})
		code := ""
		if len(problems) > 0 {
			code = problems[0].code
		}
		if code != c.wantCode {
			t.Errorf("%s: %s → %q, want %q", f.Type, c.value, code, c.wantCode)
			continue
		}
		want := c.stored
		if want == "" {
			want = c.value
		}
		if code == "" && !sameJSON(got, json.RawMessage(want)) {
			t.Errorf("%s: %s stored as %v, want %s", f.Type, c.value, got, want)
		}
	}
}

// badSettings asserts that a field's settings are refused with code.
func badSettings(t *testing.T, fieldJSON, code string) {
	t.Helper()
	var f Field
	if err := json.Unmarshal([]byte(fieldJSON), &f); err != nil {
		t.Fatal(err)
	}
	ft := typeOf(f.Type)
	for _, p := range append(checkAllowedSettings(&f, ft), ft.checkSettings(&f)...) {
		if p.code == code {
			return
		}
	}
	t.Errorf("settings %s: want %q", fieldJSON, code)
}
