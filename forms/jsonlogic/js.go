package jsonlogic

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// The JavaScript value semantics JsonLogic is defined by (json-logic-js), over
// the values encoding/json produces: nil, bool, float64, string, []any and
// map[string]any.

// Truthy is JsonLogic's truthiness: JavaScript's, except that an empty array is false.
func Truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case float64:
		return x != 0 && !math.IsNaN(x)
	case string:
		return x != ""
	case []any:
		return len(x) > 0
	}
	return true
}

// toNumber is JavaScript's Number(v).
func toNumber(v any) float64 {
	switch x := v.(type) {
	case nil:
		return 0
	case bool:
		if x {
			return 1
		}
		return 0
	case float64:
		return x
	case string:
		return stringToNumber(x)
	case []any:
		return stringToNumber(toString(x))
	}
	return math.NaN()
}

var jsNumber = regexp.MustCompile(`^[+-]?(Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$`)

func stringToNumber(s string) float64 {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return 0
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		n, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	case !jsNumber.MatchString(s):
		return math.NaN()
	case strings.HasSuffix(s, "Infinity"):
		if s[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return math.NaN()
	}
	return f
}

var floatPrefix = regexp.MustCompile(`^[+-]?(Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)`)

// parseFloat is JavaScript's parseFloat: the longest numeric prefix of String(v).
func parseFloat(v any) float64 {
	if f, ok := v.(float64); ok {
		return f
	}
	m := floatPrefix.FindString(strings.TrimLeft(toString(v), " \t\n\r\v\f"))
	if m == "" {
		return math.NaN()
	}
	return stringToNumber(m)
}

// toString is JavaScript's String(v).
func toString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return numberToString(x)
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			if e != nil {
				parts[i] = toString(e)
			}
		}
		return strings.Join(parts, ",")
	}
	return "[object Object]"
}

func numberToString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e-7 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // 1e+21, 1.5e-07
	mantissa, exp, _ := strings.Cut(s, "e")
	sign, digits := exp[:1], strings.TrimLeft(exp[1:], "0")
	return mantissa + "e" + sign + digits
}

// isPrimitive reports whether v is not an array or object.
func isPrimitive(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return false
	}
	return true
}

// toPrimitive is JavaScript's ToPrimitive for our values: arrays and objects
// become their string form.
func toPrimitive(v any) any {
	if isPrimitive(v) {
		return v
	}
	return toString(v)
}

// looseEqual is JavaScript's ==.
func looseEqual(a, b any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if !isPrimitive(a) && !isPrimitive(b) {
		return false // distinct objects are never equal
	}
	a, b = toPrimitive(a), toPrimitive(b)
	switch x := a.(type) {
	case string:
		if y, ok := b.(string); ok {
			return x == y
		}
	case bool:
		if y, ok := b.(bool); ok {
			return x == y
		}
	}
	return toNumber(a) == toNumber(b)
}

// strictEqual is JavaScript's ===.
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	}
	return false
}

// less is JavaScript's a < b.
func less(a, b any) bool {
	a, b = toPrimitive(a), toPrimitive(b)
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return x < y
		}
	}
	return toNumber(a) < toNumber(b)
}

// lessOrEqual is JavaScript's a <= b, which is !(b < a) unless a NaN is involved.
func lessOrEqual(a, b any) bool {
	a, b = toPrimitive(a), toPrimitive(b)
	if x, ok := a.(string); ok {
		if y, ok := b.(string); ok {
			return x <= y
		}
	}
	return toNumber(a) <= toNumber(b)
}
