package forms

import "testing"

func TestUnitType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"unit","label":"A"}`, []typeCase{
		{value: `"unit-1"`}, {value: `"foreign"`, wantCode: "not_in_scope"}, {value: `7`, wantCode: "type"},
	})
}
