package forms

// textareaType is multi-line text; it takes the same settings as text.
type textareaType struct{}

func (textareaType) settings() []setting { return textType{}.settings() }
func (textareaType) holdsValue() bool    { return true }

func (textareaType) checkSettings(f *Field) []problem { return checkTextSettings(f) }

func (textareaType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkText(f, v) }
