package forms

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	"taizhang/errs"
	"taizhang/forms/jsonlogic"
)

// Mode says how strictly to validate.
type Mode int

const (
	// Submit checks everything the form declares.
	Submit Mode = iota
	// Draft checks only that present values have the right types: a draft may be
	// incomplete.
	Draft
)

// Result is the outcome of validating data against a form.
type Result struct {
	Errors []errs.FieldError
	// Visible says, for every field with a visibleIf condition, whether it is shown,
	// by path, e.g. "members[0].note". Fields without a condition are always shown.
	Visible  map[string]bool
	Computed map[string]any // calculated values by field path
	Data     map[string]any // what to store: visible fields only, calculations applied
}

// Valid reports whether there were no errors.
func (r Result) Valid() bool { return len(r.Errors) == 0 }

// Err returns the errors as one Invalid error, or nil.
func (r Result) Err() error {
	if r.Valid() {
		return nil
	}
	return errs.Fields(fmt.Sprintf("填报内容有 %d 处需要修改", len(r.Errors)), r.Errors...)
}

// Validate checks data against a checked form. Fields are processed in order;
// each field's rules see the values of the fields before it as they will be
// stored (hidden ones removed, calculated ones computed) and the raw values of
// the fields after it. Inside a group item, rules see the item's values over the
// entry's. The browser applies the same order (frontend/src/forms).
func Validate(f *Form, data map[string]any, mode Mode, env *Env) Result {
	v := &validation{mode: mode, env: env, logic: jsonlogic.Evaluator{Now: env.now},
		res: Result{Visible: map[string]bool{}, Computed: map[string]any{}}}
	if data == nil {
		data = map[string]any{}
	}
	v.res.Data = v.level("", f.Fields, data, maps.Clone(data))
	return v.res
}

type validation struct {
	mode  Mode
	env   *Env
	logic jsonlogic.Evaluator
	res   Result
}

func (v *validation) fail(path string, p problem) {
	v.res.Errors = append(v.res.Errors, errs.FieldError{Field: path, Code: p.code, Message: p.message, Params: p.params})
}

// level validates one list of fields over values; ctx is what rules see, and is
// updated as fields are hidden or computed. It returns the values to store.
func (v *validation) level(prefix string, fields []Field, values, ctx map[string]any) map[string]any {
	for key := range values {
		if !holdsKey(fields, key) {
			v.fail(prefix+key, problem{code: "unknown", message: "表单中没有这个字段"})
		}
	}
	out := make(map[string]any, len(values))
	for i := range fields {
		f := &fields[i]
		path := prefix + f.Key
		if f.VisibleIf != nil {
			visible := v.rule(f.VisibleIf, ctx, true)
			v.res.Visible[path] = visible
			if !visible {
				delete(ctx, f.Key)
				continue
			}
		}
		if !f.holdsValue() {
			continue
		}
		value := values[f.Key]
		if f.Calculate != nil {
			value = v.compute(f.Calculate, ctx)
			v.res.Computed[path] = value
			ctx[f.Key] = value
		}
		if stored, ok := v.value(path, f, value, ctx); ok {
			out[f.Key] = stored
		}
	}
	return out
}

// value checks one visible field's value and returns what to store.
func (v *validation) value(path string, f *Field, value any, ctx map[string]any) (any, bool) {
	if IsBlank(value) {
		required := f.Required || v.rule(f.RequiredIf, ctx, false)
		if required && v.mode == Submit {
			v.fail(path, problem{code: "required", message: "此项为必填项"})
		}
		if f.Type == "group" && value != nil && v.mode == Submit && f.MinItems != nil && *f.MinItems > 0 {
			v.fail(path, problem{code: "too_few", message: fmt.Sprintf("至少填写 %d 项", *f.MinItems), params: map[string]any{"min": *f.MinItems}})
		}
		return nil, false
	}
	normalised, problems := typeOf(f.Type).checkValue(f, value, v.env)
	if v.mode == Draft {
		problems = typeProblemsOnly(problems)
	}
	for _, p := range problems {
		v.fail(path, p)
	}
	if len(problems) > 0 {
		return nil, false
	}
	if f.Type == "group" {
		return v.items(path, f, value.([]any), ctx), true
	}
	if v.mode == Submit && f.ValidIf != nil && !v.rule(f.ValidIf, ctx, true) {
		v.fail(path, problem{code: "invalid", message: f.ValidMessage})
	}
	return normalised, true
}

// items validates each item of a group with the item's values over the entry's.
// The layered context is only built when the item's fields have rules to see it.
func (v *validation) items(path string, f *Field, list []any, ctx map[string]any) []any {
	stored := make([]any, len(list))
	needCtx := hasRules(f.Fields)
	for i, item := range list {
		values := item.(map[string]any)
		var itemCtx map[string]any
		if needCtx {
			itemCtx = maps.Clone(ctx)
			maps.Copy(itemCtx, values)
		}
		stored[i] = v.level(path+"["+strconv.Itoa(i)+"].", f.Fields, values, itemCtx)
	}
	return stored
}

// holdsKey reports whether key names a value field (sections and notes never
// carry data). Levels are small: a scan beats building a map per item.
func holdsKey(fields []Field, key string) bool {
	for i := range fields {
		if fields[i].Key == key {
			return fields[i].holdsValue()
		}
	}
	return false
}

// hasRules reports whether any field at this level or below has a condition or a
// calculation.
func hasRules(fields []Field) bool {
	for i := range fields {
		f := &fields[i]
		if f.VisibleIf != nil || f.RequiredIf != nil || f.ValidIf != nil || f.Calculate != nil || hasRules(f.Fields) {
			return true
		}
	}
	return false
}

// typeProblemsOnly keeps the problems a draft must not have: wrong types, which
// would make the stored draft unreadable, not missing or out-of-range values.
func typeProblemsOnly(problems []problem) []problem {
	var out []problem
	for _, p := range problems {
		if p.code == "type" || p.code == "too_long" || p.code == "invalid_attachment" {
			out = append(out, p)
		}
	}
	return out
}

// rule evaluates a condition; a missing rule gives ifAbsent. An evaluation error
// (only possible for rules that bypassed Check) counts as false.
func (v *validation) rule(rule any, ctx map[string]any, ifAbsent bool) bool {
	if rule == nil {
		return ifAbsent
	}
	res, err := v.logic.Apply(rule, ctx)
	return err == nil && jsonlogic.Truthy(res)
}

func (v *validation) compute(rule any, ctx map[string]any) any {
	res, err := v.logic.Apply(rule, ctx)
	if err != nil {
		return nil
	}
	return res
}

// Clock returns a fixed time, for tests and for the server-time "today" of a request.
func Clock(t time.Time) func() time.Time { return func() time.Time { return t } }
