package forms

import "testing"

func TestEmailType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"email","label":"A"}`, []typeCase{
		{value: `"wang@example.gov.cn"`}, {value: `"a@b"`, wantCode: "invalid_email"},
		{value: `"a b@c.cn"`, wantCode: "invalid_email"}, {value: `"@c.cn"`, wantCode: "invalid_email"}, {value: `1`, wantCode: "invalid_email"},
	})
}
