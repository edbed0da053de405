package forms

import "testing"

func TestPhoneType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"phone","label":"A"}`, []typeCase{
		{value: `"13800138000"`}, {value: `"+86 138-0013-8000"`, stored: `"13800138000"`},
		{value: `"1380013800"`, wantCode: "invalid_phone"}, {value: `"138001380001"`, wantCode: "invalid_phone"},
		{value: `"12800138000"`, wantCode: "invalid_phone"}, {value: `"1380013800a"`, wantCode: "invalid_phone"},
		{value: `13800138000`, wantCode: "type"},
	})
}
