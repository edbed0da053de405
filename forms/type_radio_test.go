package forms

import "testing"

func TestRadioType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"radio","label":"A",`+choices+`}`, []typeCase{
		{value: `"y"`}, {value: `"Y"`, wantCode: "not_an_option"}, {value: `true`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"radio","label":"A","options":[]}`, "options")
	badSettings(t, `{"key":"a","type":"radio","label":"A",`+choices+`,"maxItems":1}`, "setting_not_allowed")
}
