package forms

import "testing"

const choices = `"options":[{"value":"y","label":"是"},{"value":"n","label":"否"}]`

func TestSelectType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"select","label":"A",`+choices+`}`, []typeCase{
		{value: `"y"`}, {value: `"n"`}, {value: `"maybe"`, wantCode: "not_an_option"}, {value: `["y"]`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"select","label":"A"}`, "options")
	badSettings(t, `{"key":"a","type":"select","label":"A","options":[{"value":"y","label":"是"},{"value":"y","label":"也是"}]}`, "options")
	badSettings(t, `{"key":"a","type":"select","label":"A","options":[{"value":"","label":"空"}]}`, "options")
}
