package forms

import "testing"

func TestSignatureType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"signature","label":"A"}`, []typeCase{
		{value: attachmentID}, {value: `[` + attachmentID + `]`, wantCode: "invalid_attachment"},
		{value: `"data:image/png;base64,AAAA"`, wantCode: "invalid_attachment"},
	})
}
