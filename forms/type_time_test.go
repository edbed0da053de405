package forms

import "testing"

func TestTimeType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"time","label":"A"}`, []typeCase{
		{value: `"12:00"`}, {value: `"00:00"`}, {value: `"23:59"`},
		{value: `"24:00"`, wantCode: "format"}, {value: `"12:00:00"`, wantCode: "format"}, {value: `"9:5"`, wantCode: "format"},
		{value: `1200`, wantCode: "type"},
	})
}
