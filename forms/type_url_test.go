package forms

import "testing"

func TestURLType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"url","label":"A"}`, []typeCase{
		{value: `"https://www.gov.cn/zhengce/"`}, {value: `"http://10.1.2.3:8080/a?b=c"`},
		{value: `"javascript:alert(1)"`, wantCode: "invalid_url"}, {value: `"www.gov.cn"`, wantCode: "invalid_url"},
		{value: `"https://a b.cn"`, wantCode: "invalid_url"},
	})
}
