package forms

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"
)

type formCases struct {
	Forms map[string]json.RawMessage `json:"forms"`
	Cases []struct {
		Name     string          `json:"name"`
		Form     string          `json:"form"`
		Mode     string          `json:"mode"`
		Now      string          `json:"now"`
		Data     map[string]any  `json:"data"`
		Errors   [][2]string     `json:"errors"`
		Visible  map[string]bool `json:"visible"`
		Computed map[string]any  `json:"computed"`
		Stored   map[string]any  `json:"stored"`
		Title    *string         `json:"title"`
	} `json:"cases"`
}

// TestSharedFormCases runs forms/testdata/form-cases.json, which the front end's
// engine runs too: the same schema and data give the same errors, visibility and
// computed values in both.
func TestSharedFormCases(t *testing.T) {
	raw, err := os.ReadFile("testdata/form-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite formCases
	if err := json.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	schemas := map[string]Form{}
	for name, rawForm := range suite.Forms {
		f, err := ParseForm(rawForm)
		if err != nil {
			t.Fatalf("form %s: %v", name, err)
		}
		schemas[name] = f
	}
	for _, c := range suite.Cases {
		t.Run(c.Name, func(t *testing.T) {
			form := schemas[c.Form]
			mode := Submit
			if c.Mode == "draft" {
				mode = Draft
			}
			env := &Env{Now: time.Now}
			if c.Now != "" {
				now, _ := time.Parse(time.RFC3339, c.Now)
				env.Now = Clock(now)
			}
			res := Validate(&form, c.Data, mode, env)
			got := [][2]string{}
			for _, e := range res.Errors {
				got = append(got, [2]string{e.Field, e.Code})
			}
			want := c.Errors
			less := func(a, b [2]string) int { return slices.Compare(a[:], b[:]) }
			slices.SortFunc(got, less)
			slices.SortFunc(want, less)
			if !slices.Equal(got, want) {
				t.Errorf("errors\n got %v\nwant %v", got, want)
			}
			for path, visible := range c.Visible {
				if res.Visible[path] != visible {
					t.Errorf("visible[%s] = %v, want %v", path, res.Visible[path], visible)
				}
			}
			if c.Title != nil && TitleOf(&form, c.Data) != *c.Title {
				t.Errorf("title %q, want %q", TitleOf(&form, c.Data), *c.Title)
			}
			for path, value := range c.Computed {
				if !sameJSON(res.Computed[path], value) {
					t.Errorf("computed[%s] = %v, want %v", path, res.Computed[path], value)
				}
			}
			if c.Stored != nil && !sameJSON(res.Data, c.Stored) {
				t.Errorf("stored\n got %v\nwant %v", res.Data, c.Stored)
			}
		})
	}
}

func sameJSON(a, b any) bool {
	var x, y any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	_ = json.Unmarshal(ja, &x)
	_ = json.Unmarshal(jb, &y)
	return reflect.DeepEqual(x, y)
}
