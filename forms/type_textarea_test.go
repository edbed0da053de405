package forms

import (
	"strings"
	"testing"
)

func TestTextareaType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"textarea","label":"A","minLength":3}`, []typeCase{
		{value: `"第一行\n第二行"`}, {value: `"短"`, wantCode: "too_short"}, {value: `null`, wantCode: "type"},
		{value: `"` + strings.Repeat("长", MaxTextBytes/3+1) + `"`, wantCode: "too_long"},
	})
	badSettings(t, `{"key":"a","type":"textarea","label":"A","maxLength":1000000}`, "out_of_range")
	badSettings(t, `{"key":"a","type":"textarea","label":"A","min":1}`, "setting_not_allowed")
}
