package forms

// timeType is a time of day, "12:00".
type timeType struct{}

func (timeType) settings() []setting            { return nil }
func (timeType) holdsValue() bool               { return true }
func (timeType) checkSettings(*Field) []problem { return nil }

func (timeType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	return checkLayout(v, "15:04", "应为时间，如 12:00")
}
