package forms

import "testing"

func TestDatetimeType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"datetime","label":"A"}`, []typeCase{
		{value: `"2026-11-27T12:00:00+08:00"`}, {value: `"2026-11-27T04:00:00Z"`},
		{value: `"2026-11-27 12:00"`, wantCode: "format"}, {value: `"2026-11-27T12:00:00"`, wantCode: "format"},
		{value: `1764216000`, wantCode: "type"},
	})
}
