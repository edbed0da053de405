package forms

import "math"

// integerType is a whole number.
type integerType struct{}

func (integerType) settings() []setting { return []setting{sMin, sMax} }
func (integerType) holdsValue() bool    { return true }

func (integerType) checkSettings(f *Field) []problem { return checkRange(f.Min, f.Max, "min", "max") }

func (integerType) checkValue(f *Field, v any, _ *Env) (any, []problem) {
	if n, ok := v.(float64); ok && n != math.Trunc(n) {
		return nil, fail("not_integer", "应为整数")
	}
	return checkNumber(f, v)
}
