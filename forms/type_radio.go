package forms

// radioType is one choice from a short list shown as buttons.
type radioType struct{}

func (radioType) settings() []setting { return []setting{sOptions} }
func (radioType) holdsValue() bool    { return true }

func (radioType) checkSettings(f *Field) []problem { return checkOptions(f) }

func (radioType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkChoice(f, v) }
