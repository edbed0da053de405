package forms

import (
	"encoding/json"
	"os"
	"testing"

	"taizhang/forms/jsonlogic"
)

// The corpus lives in testdata/fuzz/<Fuzz name>; `make fuzz` grows it.

func seedSchemas(f *testing.F) {
	for _, t := range Templates(DefaultCampaignEnd) {
		raw, _ := json.Marshal(t)
		f.Add(raw)
	}
	if raw, err := os.ReadFile("testdata/form-cases.json"); err == nil {
		var suite struct {
			Forms map[string]json.RawMessage `json:"forms"`
		}
		_ = json.Unmarshal(raw, &suite)
		for _, schema := range suite.Forms {
			f.Add([]byte(schema))
		}
	}
}

// FuzzParseForm: no schema, however malformed, makes parsing, validation or the
// JSON Schema export panic.
func FuzzParseForm(f *testing.F) {
	seedSchemas(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		form, err := ParseForm(raw)
		if err != nil {
			return
		}
		Validate(&form, map[string]any{}, Submit, &Env{Now: templateNow})
		if _, err := json.Marshal(JSONSchema(form, 1)); err != nil {
			t.Fatalf("JSON Schema of a valid form does not encode: %v", err)
		}
	})
}

// FuzzValidate feeds arbitrary data to the templates. Beyond not panicking, what
// validation stores must itself validate and store unchanged.
func FuzzValidate(f *testing.F) {
	for key, sample := range TemplateSamples() {
		raw, _ := json.Marshal(sample)
		f.Add(key, raw)
	}
	f.Add("problem", []byte(`{"measures":[{"measure":"加强","deadline":"2099-01-01","x":1}],"source":5}`))
	templates := map[string]Form{}
	for _, t := range Templates(DefaultCampaignEnd) {
		templates[t.Key] = t
	}
	f.Fuzz(func(t *testing.T, key string, raw []byte) {
		form, ok := templates[key]
		if !ok {
			return
		}
		var data map[string]any
		if json.Unmarshal(raw, &data) != nil {
			return
		}
		env := &Env{Now: templateNow}
		first := Validate(&form, data, Submit, env)
		if !first.Valid() {
			return
		}
		second := Validate(&form, first.Data, Submit, env)
		if !second.Valid() || !sameJSON(first.Data, second.Data) {
			t.Fatalf("stored data does not revalidate: %v → %v (%v)", first.Data, second.Data, second.Errors)
		}
	})
}

// FuzzJSONLogic: any rule on any data evaluates or fails cleanly.
func FuzzJSONLogic(f *testing.F) {
	f.Add([]byte(`{"if":[{"<":[{"var":"a"},1,3]},{"cat":["x",{"var":"b.0"}]},{"reduce":[{"var":"c"},{"+":[{"var":"current"},{"var":"accumulator"}]},0]}]}`), []byte(`{"a":2,"b":["y"],"c":[1,2]}`))
	f.Add([]byte(`{"days_between":[{"today":[]},{"substr":[{"var":"d"},-10]}]}`), []byte(`{"d":"due 2026-12-01"}`))
	f.Fuzz(func(t *testing.T, rawRule, rawData []byte) {
		var rule, data any
		if json.Unmarshal(rawRule, &rule) != nil || json.Unmarshal(rawData, &data) != nil {
			return
		}
		_, _ = jsonlogic.Evaluator{Now: templateNow}.Apply(rule, data)
	})
}
