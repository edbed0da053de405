package forms

import "time"

// dateType is a calendar date, "2026-11-27".
type dateType struct{}

func (dateType) settings() []setting            { return nil }
func (dateType) holdsValue() bool               { return true }
func (dateType) checkSettings(*Field) []problem { return nil }

func (dateType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	return checkLayout(v, time.DateOnly, "应为日期，如 2026-11-27")
}

func checkLayout(v any, layout, message string) (any, []problem) {
	s, ok := v.(string)
	if !ok {
		return nil, fail("type", message)
	}
	if _, err := time.Parse(layout, s); err != nil {
		return nil, fail("format", message)
	}
	return s, nil
}
