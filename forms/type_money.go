package forms

import "math"

// moneyType is an amount in yuan with at most two decimals (fen).
type moneyType struct{}

func (moneyType) settings() []setting { return []setting{sMin, sMax} }
func (moneyType) holdsValue() bool    { return true }

func (moneyType) checkSettings(f *Field) []problem { return checkRange(f.Min, f.Max, "min", "max") }

func (moneyType) checkValue(f *Field, v any, _ *Env) (any, []problem) {
	n, ok := v.(float64)
	// Compare in fen with a tolerance: 0.1+0.2 style binary noise is not a third decimal.
	if ok && math.Abs(n*100-math.Round(n*100)) > 1e-6 {
		return nil, fail("money", "金额最多保留两位小数")
	}
	return checkNumber(f, v)
}
