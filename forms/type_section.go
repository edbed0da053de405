package forms

// sectionType is a heading that groups the fields after it on screen; it holds no value.
type sectionType struct{}

func (sectionType) settings() []setting                           { return nil }
func (sectionType) holdsValue() bool                              { return false }
func (sectionType) checkSettings(*Field) []problem                { return nil }
func (sectionType) checkValue(*Field, any, *Env) (any, []problem) { return nil, nil }
