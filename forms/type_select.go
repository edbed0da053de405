package forms

import "fmt"

// selectType is one choice from a list shown as a picker.
type selectType struct{}

func (selectType) settings() []setting { return []setting{sOptions} }
func (selectType) holdsValue() bool    { return true }

func (selectType) checkSettings(f *Field) []problem { return checkOptions(f) }

func (selectType) checkValue(f *Field, v any, _ *Env) (any, []problem) { return checkChoice(f, v) }

// MaxOptions bounds a choice list.
const MaxOptions = 500

func checkOptions(f *Field) []problem {
	if len(f.Options) == 0 || len(f.Options) > MaxOptions {
		return fail("options", fmt.Sprintf("请设置 1 到 %d 个选项", MaxOptions))
	}
	seen := map[string]bool{}
	for _, o := range f.Options {
		if o.Value == "" || o.Label == "" {
			return fail("options", "选项的值和名称都不能为空")
		}
		if seen[o.Value] {
			return fail("options", fmt.Sprintf("选项值“%s”重复", o.Value))
		}
		seen[o.Value] = true
	}
	return nil
}

func hasOption(f *Field, value string) bool {
	for _, o := range f.Options {
		if o.Value == value {
			return true
		}
	}
	return false
}

func checkChoice(f *Field, v any) (any, []problem) {
	s, ok := v.(string)
	if !ok {
		return nil, fail("type", "应为一个选项")
	}
	if !hasOption(f, s) {
		return nil, fail("not_an_option", "不是可选的选项", "value", s)
	}
	return s, nil
}
