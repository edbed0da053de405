package forms

import "testing"

func TestIdcardType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"idcard","label":"A"}`, []typeCase{
		{value: `"11010519491231002X"`}, {value: `"11010519491231002x"`, stored: `"11010519491231002X"`},
		{value: `"110105194912310021"`, wantCode: "invalid_idcard"}, // wrong check digit
		{value: `"110105194902300027"`, wantCode: "invalid_idcard"}, // 30 February
		{value: `"110105491231002"`, wantCode: "invalid_idcard"},    // old 15-digit form
		{value: `110105194912310020`, wantCode: "invalid_idcard"},
	})
}
