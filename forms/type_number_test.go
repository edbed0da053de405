package forms

import "testing"

func TestNumberType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"number","label":"A","min":-1.5,"max":10}`, []typeCase{
		{value: `-1.5`}, {value: `10`}, {value: `3.14159`},
		{value: `-2`, wantCode: "too_small"}, {value: `10.01`, wantCode: "too_large"},
		{value: `"3"`, wantCode: "type"}, {value: `true`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"number","label":"A","min":3,"max":1}`, "invalid_range")
	badSettings(t, `{"key":"a","type":"number","label":"A","maxLength":3}`, "setting_not_allowed")
}
