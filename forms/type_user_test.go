package forms

import "testing"

func TestUserType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"user","label":"A"}`, []typeCase{
		{value: `"user-1"`}, {value: `"stranger"`, wantCode: "not_in_scope"}, {value: `{"id":"x"}`, wantCode: "type"},
	})
}
