package forms

import "testing"

func TestMultiselectType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"multiselect","label":"A","minItems":1,"maxItems":2,"options":[{"value":"a","label":"甲"},{"value":"b","label":"乙"},{"value":"c","label":"丙"}]}`, []typeCase{
		{value: `["a"]`}, {value: `["c","a"]`},
		{value: `["a","b","c"]`, wantCode: "too_many"}, {value: `["a","a"]`, wantCode: "duplicate"},
		{value: `["z"]`, wantCode: "not_an_option"}, {value: `"a"`, wantCode: "type"}, {value: `[1]`, wantCode: "not_an_option"},
	})
	badSettings(t, `{"key":"a","type":"multiselect","label":"A",`+choices+`,"minItems":3,"maxItems":1}`, "invalid_range")
}
