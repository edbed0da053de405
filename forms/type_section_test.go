package forms

import "testing"

func TestSectionType(t *testing.T) {
	if (sectionType{}).holdsValue() {
		t.Fatal("a section must hold no value")
	}
	badSettings(t, `{"key":"a","type":"section","label":"A","maxLength":3}`, "setting_not_allowed")
	f := Form{Key: "f", Title: "F", Category: CategoryCustom, Fields: []Field{{Key: "s", Type: "section", Label: "S", Required: true}}}
	if f.Check() == nil {
		t.Fatal("a required section must be refused")
	}
}
