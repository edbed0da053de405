package forms

import "fmt"

// multiselectType is several distinct choices from a list.
type multiselectType struct{}

func (multiselectType) settings() []setting { return []setting{sOptions, sMinItems, sMaxItems} }
func (multiselectType) holdsValue() bool    { return true }

func (multiselectType) checkSettings(f *Field) []problem {
	return append(checkOptions(f), checkRange(f.MinItems, f.MaxItems, "minItems", "maxItems")...)
}

func (multiselectType) checkValue(f *Field, v any, _ *Env) (any, []problem) {
	list, ok := v.([]any)
	if !ok {
		return nil, fail("type", "应为选项列表")
	}
	seen := map[string]bool{}
	for _, item := range list {
		s, ok := item.(string)
		if !ok || !hasOption(f, s) {
			return nil, fail("not_an_option", "含有不可选的选项")
		}
		if seen[s] {
			return nil, fail("duplicate", "选项重复")
		}
		seen[s] = true
	}
	if p := checkCount(len(list), f.MinItems, f.MaxItems); p != nil {
		return nil, p
	}
	return list, nil
}

func checkCount(n int, lo, hi *int) []problem {
	if lo != nil && n < *lo {
		return fail("too_few", fmt.Sprintf("至少选择或填写 %d 项", *lo), "min", *lo)
	}
	if hi != nil && n > *hi {
		return fail("too_many", fmt.Sprintf("最多选择或填写 %d 项", *hi), "max", *hi)
	}
	return nil
}
