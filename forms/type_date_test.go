package forms

import "testing"

func TestDateType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"date","label":"A"}`, []typeCase{
		{value: `"2026-11-27"`}, {value: `"2028-02-29"`},
		{value: `"2026-02-29"`, wantCode: "format"}, {value: `"2026/11/27"`, wantCode: "format"},
		{value: `"2026-11-27T00:00:00Z"`, wantCode: "format"}, {value: `20261127`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"date","label":"A","min":1}`, "setting_not_allowed")
}
