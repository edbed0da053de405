package forms

import "fmt"

// groupType is a repeatable block of fields, e.g. the rectification measures of
// a problem or the members of a household. Its value is a list of objects.
type groupType struct{}

// MaxGroupItems caps maxItems.
const MaxGroupItems = 200

func (groupType) settings() []setting { return []setting{sFields, sMinItems, sMaxItems} }
func (groupType) holdsValue() bool    { return true }

func (groupType) checkSettings(f *Field) []problem {
	var out []problem
	if len(f.Fields) == 0 {
		out = append(out, fail("fields", "分组至少要有一个字段")...)
	}
	for _, n := range []*int{f.MinItems, f.MaxItems} {
		if n != nil && (*n < 0 || *n > MaxGroupItems) {
			out = append(out, fail("out_of_range", fmt.Sprintf("条数限制应在 0 到 %d 之间", MaxGroupItems))...)
		}
	}
	return append(out, checkRange(f.MinItems, f.MaxItems, "minItems", "maxItems")...)
}

// checkValue checks the list itself; the engine validates each item's fields.
func (groupType) checkValue(f *Field, v any, _ *Env) (any, []problem) {
	list, ok := v.([]any)
	if !ok {
		return nil, fail("type", "应为列表")
	}
	for _, item := range list {
		if _, ok := item.(map[string]any); !ok {
			return nil, fail("type", "列表中的每一项都应为对象")
		}
	}
	hi := f.MaxItems
	if hi == nil {
		limit := MaxGroupItems
		hi = &limit
	}
	if p := checkCount(len(list), f.MinItems, hi); p != nil {
		return nil, p
	}
	return list, nil
}
