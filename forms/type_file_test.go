package forms

import (
	"strings"
	"testing"
)

func TestFileType(t *testing.T) {
	sha := `"` + strings.Repeat("ab", 32) + `"`
	runTypeTable(t, `{"key":"a","type":"file","label":"A"}`, []typeCase{
		{value: `[` + sha + `]`}, {value: `[` + attachmentID + `]`},
		{value: `[` + strings.Repeat(attachmentID+",", 9) + attachmentID + `]`, wantCode: "too_many"}, // default limit 9
		{value: `["ABCDEF0123456789ABCDEF01"]`, wantCode: "invalid_attachment"},
	})
}
