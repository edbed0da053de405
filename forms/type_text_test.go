package forms

import "testing"

func TestTextType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"text","label":"A","minLength":2,"maxLength":5,"pattern":"[一-龥A-Z]+"}`, []typeCase{
		{value: `"张三"`}, {value: `"ABCDE"`},
		{value: `"张"`, wantCode: "too_short"}, {value: `"张三李四王五"`, wantCode: "too_long"},
		{value: `"ab"`, wantCode: "pattern"}, {value: `5`, wantCode: "type"}, {value: `["x"]`, wantCode: "type"},
	})
	runTypeTable(t, `{"key":"m","type":"text","label":"M","notVague":true}`, []typeCase{
		{value: `"由村会计每月五日前张贴补助明细"`}, {value: `"进一步加强，认真落实！"`, wantCode: "vague"},
	})
	badSettings(t, `{"key":"a","type":"text","label":"A","minLength":5,"maxLength":2}`, "invalid_range")
	badSettings(t, `{"key":"a","type":"text","label":"A","pattern":"(unclosed"}`, "invalid_pattern")
	badSettings(t, `{"key":"a","type":"text","label":"A","options":[{"value":"x","label":"X"}]}`, "setting_not_allowed")
}
