package forms

import "testing"

func TestMoneyType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"money","label":"A","min":0}`, []typeCase{
		{value: `0`}, {value: `120.5`}, {value: `0.07`}, {value: `19999.99`}, {value: `0.3`},
		{value: `1.005`, wantCode: "money"}, {value: `-0.01`, wantCode: "too_small"}, {value: `"12.00"`, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"money","label":"A","min":10,"max":1}`, "invalid_range")
}
