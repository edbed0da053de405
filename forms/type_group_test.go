package forms

import "testing"

func TestGroupType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"group","label":"A","minItems":1,"maxItems":2,"fields":[{"key":"x","type":"text","label":"X"}]}`, []typeCase{
		{value: `[{"x":"1"}]`}, {value: `[{},{}]`},
		{value: `[{},{},{}]`, wantCode: "too_many"}, {value: `[1]`, wantCode: "type"}, {value: `{"x":"1"}`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"group","label":"A"}`, "fields")
	badSettings(t, `{"key":"a","type":"group","label":"A","maxItems":201,"fields":[{"key":"x","type":"text","label":"X"}]}`, "out_of_range")
}
