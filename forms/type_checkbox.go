package forms

// checkboxType is yes or no.
type checkboxType struct{}

func (checkboxType) settings() []setting            { return nil }
func (checkboxType) holdsValue() bool               { return true }
func (checkboxType) checkSettings(*Field) []problem { return nil }

func (checkboxType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	if _, ok := v.(bool); !ok {
		return nil, fail("type", "应为是或否")
	}
	return v, nil
}
