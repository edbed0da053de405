package forms

import "testing"

func TestIntegerType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"integer","label":"A","min":1,"max":30}`, []typeCase{
		{value: `1`}, {value: `30`}, {value: `4.0`, stored: `4`},
		{value: `4.5`, wantCode: "not_integer"}, {value: `0`, wantCode: "too_small"}, {value: `31`, wantCode: "too_large"},
		{value: `"4"`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"integer","label":"A","options":[]}`, "setting_not_allowed")
}
