// Package jsonlogic evaluates JsonLogic rules (jsonlogic.com) with the semantics
// of the reference implementation, json-logic-js, which the PWA runs: the same
// rule gives the same result on the server and in the browser. It passes the
// official conformance suite, and adds two operators forms need, "today" and
// "days_between", implemented identically in frontend/src/rules.
package jsonlogic

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// MaxDepth bounds rule nesting: deep enough for any form, shallow enough that a
// hostile schema cannot exhaust the stack.
const MaxDepth = 32

// Evaluator applies rules. The zero value uses the wall clock for "today".
type Evaluator struct {
	Now func() time.Time
}

// Shanghai is the time zone in which "today" is taken: every deadline of the
// campaign is in Beijing time.
var Shanghai = time.FixedZone("CST", 8*3600)

// ErrUnknownOperator is wrapped by errors for an operator nobody implements.
var ErrUnknownOperator = errors.New("unknown operator")

// ErrTooDeep is returned for rules nested deeper than MaxDepth.
var ErrTooDeep = fmt.Errorf("rule nested deeper than %d levels", MaxDepth)

// Apply evaluates rule against data (both as decoded by encoding/json).
func (e Evaluator) Apply(rule, data any) (any, error) {
	return e.apply(rule, data, 0)
}

// operator returns the single key of a logic object; anything else is a literal.
func operator(rule any) (string, any, bool) {
	m, ok := rule.(map[string]any)
	if !ok || len(m) != 1 {
		return "", nil, false
	}
	for op, args := range m {
		return op, args, true
	}
	return "", nil, false
}

func (e Evaluator) apply(rule, data any, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, ErrTooDeep
	}
	if list, ok := rule.([]any); ok {
		out := make([]any, len(list))
		for i, r := range list {
			v, err := e.apply(r, data, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	op, rawArgs, ok := operator(rule)
	if !ok {
		return rule, nil
	}
	if !Truthy(data) && !isEmptyArray(data) {
		data = map[string]any{} // json-logic-js: data = data || {}
	}
	args, ok := rawArgs.([]any)
	if !ok {
		args = []any{rawArgs}
	}
	if v, found, err := e.lazy(op, args, data, depth+1); found {
		return v, err
	}
	values := make([]any, len(args))
	for i, a := range args {
		v, err := e.apply(a, data, depth+1)
		if err != nil {
			return nil, err
		}
		values[i] = v
	}
	return e.call(op, values, data)
}

func isEmptyArray(v any) bool {
	a, ok := v.([]any)
	return ok && len(a) == 0
}

func (e Evaluator) call(op string, v []any, data any) (any, error) {
	if fn, ok := simpleOps[op]; ok {
		return fn(v), nil
	}
	switch op {
	case "var":
		return getVar(data, arg(v, 0), len(v) > 1, arg(v, 1)), nil
	case "missing":
		return missing(data, v), nil
	case "missing_some":
		return missingSome(data, v), nil
	case "today":
		return e.today(), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownOperator, op)
}

func arg(v []any, i int) any {
	if i < len(v) {
		return v[i]
	}
	return nil
}

// getVar reads a dotted path: "a.b.0". An empty path is the data itself.
func getVar(data, path any, hasDefault bool, def any) any {
	notFound := any(nil)
	if hasDefault {
		notFound = def
	}
	if path == nil || path == "" {
		return data
	}
	current := data
	for _, key := range strings.Split(toString(path), ".") {
		next, ok := child(current, key)
		if !ok {
			return notFound
		}
		current = next
	}
	return current
}

func child(v any, key string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		c, ok := x[key]
		return c, ok
	case []any:
		i := int(stringToNumber(key))
		if float64(i) != stringToNumber(key) || i < 0 || i >= len(x) {
			return nil, false
		}
		return x[i], true
	case string:
		i := int(stringToNumber(key))
		r := []rune(x)
		if key == "" || float64(i) != stringToNumber(key) || i < 0 || i >= len(r) {
			return nil, false
		}
		return string(r[i]), true
	}
	return nil, false
}

func missing(data any, v []any) any {
	keys := v
	if len(v) > 0 {
		if list, ok := v[0].([]any); ok {
			keys = list
		}
	}
	out := []any{}
	for _, k := range keys {
		if val := getVar(data, k, false, nil); val == nil || val == "" {
			out = append(out, k)
		}
	}
	return out
}

func missingSome(data any, v []any) any {
	need := toNumber(arg(v, 0))
	options, _ := arg(v, 1).([]any)
	absent := missing(data, []any{options}).([]any)
	if float64(len(options)-len(absent)) >= need {
		return []any{}
	}
	return absent
}

func (e Evaluator) today() any {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	return now().In(Shanghai).Format(time.DateOnly)
}

// number turns NaN and infinities, which JSON cannot carry, into null.
func number(f float64) any {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return f
}
