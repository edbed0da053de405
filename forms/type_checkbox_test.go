package forms

import "testing"

func TestCheckboxType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"checkbox","label":"A"}`, []typeCase{
		{value: `true`}, {value: `false`}, {value: `"true"`, wantCode: "type"}, {value: `1`, wantCode: "type"},
	})
}
