package forms

import (
	"fmt"
	"math"
)

// numberType is any finite number, optionally within min and max.
type numberType struct{}

func (numberType) settings() []setting { return []setting{sMin, sMax} }
func (numberType) holdsValue() bool    { return true }

func (numberType) checkSettings(f *Field) []problem { return checkRange(f.Min, f.Max, "min", "max") }

func (numberType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkNumber(f, v) }

func checkNumber(f *Field, v any) (any, []problem) {
	n, ok := v.(float64)
	if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil, fail("type", "应为数字")
	}
	if f.Min != nil && n < *f.Min {
		return nil, fail("too_small", fmt.Sprintf("不能小于 %s", formatNumber(*f.Min)), "min", *f.Min)
	}
	if f.Max != nil && n > *f.Max {
		return nil, fail("too_large", fmt.Sprintf("不能大于 %s", formatNumber(*f.Max)), "max", *f.Max)
	}
	return n, nil
}

func formatNumber(n float64) string {
	return fmt.Sprintf("%g", n)
}
