package forms

import "testing"

const attachmentID = `"0123456789abcdef01234567"`

func TestPhotoType(t *testing.T) {
	runTypeTable(t, `{"key":"a","type":"photo","label":"A","maxFiles":2}`, []typeCase{
		{value: `[` + attachmentID + `]`}, {value: `[` + attachmentID + `,` + attachmentID + `]`},
		{value: `[` + attachmentID + `,` + attachmentID + `,` + attachmentID + `]`, wantCode: "too_many"},
		{value: `["../../etc/passwd"]`, wantCode: "invalid_attachment"}, {value: attachmentID, wantCode: "type"},
	})
	badSettings(t, `{"key":"a","type":"photo","label":"A","maxFiles":0}`, "out_of_range")
	badSettings(t, `{"key":"a","type":"photo","label":"A","maxFiles":51}`, "out_of_range")
}
