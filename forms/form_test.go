package forms

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"taizhang/errs"
)

// schemaErrors returns the paths and codes Check reports for a schema.
func schemaErrors(t *testing.T, schema string) map[string]string {
	t.Helper()
	_, err := ParseForm([]byte(schema))
	var e *errs.Error
	out := map[string]string{}
	if err == nil {
		return out
	}
	if !errors.As(err, &e) {
		t.Fatalf("not an errs.Error: %v", err)
	}
	for _, f := range e.Fields {
		out[f.Field] = f.Code
	}
	if len(e.Fields) == 0 {
		out[""] = string(e.Code)
	}
	return out
}

func TestSchemaCheck(t *testing.T) {
	nest := func(depth int) string {
		s := `{"key":"x","type":"text","label":"X"}`
		for range depth {
			s = `{"key":"g","type":"group","label":"G","fields":[` + s + `]}`
		}
		return s
	}
	deepRule := strings.Repeat(`{"!":`, 40) + "true" + strings.Repeat("}", 40)
	var many []string
	for i := range 501 {
		many = append(many, fmt.Sprintf(`{"key":"f%d","type":"checkbox","label":"F"}`, i))
	}
	form := func(fields string) string {
		return `{"key":"f","title":"表","category":"custom","fields":[` + fields + `]}`
	}
	for name, c := range map[string]struct {
		schema, path, code string
	}{
		"bad form key":       {`{"key":"Form","title":"表","category":"custom","fields":[]}`, "key", "invalid_key"},
		"bad category":       {`{"key":"f","title":"表","category":"other","fields":[]}`, "category", "invalid"},
		"bad workflow":       {`{"key":"f","title":"表","category":"custom","workflow":"magic","fields":[]}`, "workflow", "invalid"},
		"unknown setting":    {`{"key":"f","title":"表","category":"custom","fields":[],"colour":"red"}`, "", "invalid"},
		"bad field key":      {form(`{"key":"1a","type":"text","label":"A"}`), "fields[0].key", "invalid_key"},
		"duplicate key":      {form(`{"key":"a","type":"text","label":"A"},{"key":"a","type":"date","label":"B"}`), "fields[1].key", "duplicate"},
		"unknown type":       {form(`{"key":"a","type":"colour","label":"A"}`), "fields[0].type", "unknown_type"},
		"missing label":      {form(`{"key":"a","type":"text"}`), "fields[0].label", "required"},
		"unknown operator":   {form(`{"key":"a","type":"text","label":"A","visibleIf":{"eval":["x"]}}`), "fields[0].visibleIf", "invalid_rule"},
		"rule too deep":      {form(`{"key":"a","type":"text","label":"A","visibleIf":` + deepRule + `}`), "fields[0].visibleIf", "invalid_rule"},
		"validIf no message": {form(`{"key":"a","type":"text","label":"A","validIf":true}`), "fields[0].validMessage", "required"},
		"calculated group":   {form(`{"key":"a","type":"group","label":"A","calculate":1,"fields":[{"key":"x","type":"text","label":"X"}]}`), "fields[0].calculate", "setting_not_allowed"},
		"group depth 4":      {form(nest(4)), "fields[0].fields[0].fields[0].fields[0].fields", "too_deep"},
		"501 fields":         {form(strings.Join(many, ",")), "fields", "too_many"},
	} {
		got := schemaErrors(t, c.schema)
		if got[c.path] != c.code {
			t.Errorf("%s: want %s at %q, got %v", name, c.code, c.path, got)
		}
	}
	if got := schemaErrors(t, form(nest(3))); len(got) != 0 {
		t.Errorf("three levels of groups are allowed: %v", got)
	}
}

// TestFormJSONRoundTrip: a checked schema marshals back to what was sent, so
// stored versions show exactly what the administrator published.
func TestFormJSONRoundTrip(t *testing.T) {
	raw := `{"key":"visit","title":"入户走访","category":"shishi","workflow":"approval","fields":[{"key":"size","type":"integer","label":"家庭人口","min":1,"max":30},{"key":"poor","type":"radio","label":"是否低保户","options":[{"value":"y","label":"是"}]}]}`
	f, err := ParseForm([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(f)
	if !sameJSON(json.RawMessage(out), json.RawMessage(raw)) {
		t.Fatalf("round trip:\n%s\n%s", out, raw)
	}
}
