package forms

import (
	"strings"
	"testing"
)

func TestNoteType(t *testing.T) {
	if (noteType{}).holdsValue() {
		t.Fatal("a note must hold no value")
	}
	runTypeTable(t, `{"key":"a","type":"note","text":"请如实填写"}`, nil)
	badSettings(t, `{"key":"a","type":"note","text":"`+strings.Repeat("长", MaxTextBytes)+`"}`, "too_long")
	badSettings(t, `{"key":"a","type":"note","text":"x","options":[]}`, "setting_not_allowed")
}
