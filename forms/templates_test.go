package forms

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var templateNow = Clock(time.Date(2026, 11, 27, 9, 0, 0, 0, Beijing))

// TestTemplatesCheckAndAcceptTheirSamples: every template is a valid schema, its
// sample entry validates, and so does it against the exported JSON Schema
// (checked by an independent JSON Schema 2020-12 implementation).
func TestTemplatesCheckAndAcceptTheirSamples(t *testing.T) {
	samples := TemplateSamples()
	for _, f := range Templates(DefaultCampaignEnd) {
		if err := f.Check(); err != nil {
			t.Fatalf("%s: %v", f.Key, err)
		}
		sample := samples[f.Key]
		if res := Validate(&f, sample, Submit, &Env{Now: templateNow}); !res.Valid() {
			t.Errorf("%s sample: %v", f.Key, res.Errors)
		}
		schema := compileSchema(t, JSONSchema(f, 1))
		if err := schema.Validate(roundTrip(t, sample)); err != nil {
			t.Errorf("%s sample against its JSON Schema: %v", f.Key, err)
		}
		bad := roundTrip(t, sample).(map[string]any)
		bad["unexpected"] = true
		if schema.Validate(bad) == nil {
			t.Errorf("%s: the JSON Schema accepts an unknown field", f.Key)
		}
	}
}

func compileSchema(t *testing.T, s map[string]any) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	if err := c.AddResource("schema.json", roundTrip(t, s)); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func roundTrip(t *testing.T, v any) any {
	t.Helper()
	raw, _ := json.Marshal(v)
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestProblemTemplateRefusesVagueness: the speech's "虚、大、空" — generic measures
// and deadlines beyond the campaign are refused with explanations.
func TestProblemTemplateRefusesVagueness(t *testing.T) {
	f := Templates(DefaultCampaignEnd)[1]
	data := map[string]any{"problem": "作风不实，工作推进慢，群众有意见", "source": "self", "style": "fu", "owner": "李某",
		"measures": []any{
			map[string]any{"measure": "进一步加强作风建设，切实提高工作水平，认真落实各项措施", "deadline": "2026-12-31"},
			map[string]any{"measure": "由办公室每周一上午公示上周群众来信办理结果", "deadline": "2027-07-01"},
		}}
	res := Validate(&f, data, Submit, &Env{Now: templateNow})
	got := map[string]string{}
	for _, e := range res.Errors {
		got[e.Field] = e.Code + " " + e.Message
	}
	if !strings.HasPrefix(got["measures[0].measure"], "vague") || !strings.Contains(got["measures[1].deadline"], "2027-06-30") {
		t.Fatalf("errors: %v", got)
	}
}
