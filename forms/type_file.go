package forms

// fileType is one or more uploaded documents (PDF or images), by attachment id.
type fileType struct{}

func (fileType) settings() []setting { return []setting{sMaxFiles} }
func (fileType) holdsValue() bool    { return true }

func (fileType) checkSettings(f *Field) []problem { return checkMaxFiles(f) }

func (fileType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkAttachments(f, v) }
