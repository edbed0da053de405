package forms

// noteType is text shown to the filer (instructions, a policy excerpt); it holds no value.
type noteType struct{}

func (noteType) settings() []setting { return []setting{sText} }
func (noteType) holdsValue() bool    { return false }

func (noteType) checkSettings(f *Field) []problem {
	if len(f.Text) > MaxTextBytes {
		return fail("too_long", "说明文字过长")
	}
	return nil
}

func (noteType) checkValue(*Field, any, *Env) (any, []problem) { return nil, nil }
