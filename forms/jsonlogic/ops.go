package jsonlogic

import (
	"math"
	"strings"
	"time"
)

// simpleOps take already-evaluated arguments.
var simpleOps = map[string]func(v []any) any{
	"==":  func(v []any) any { return looseEqual(arg(v, 0), arg(v, 1)) },
	"!=":  func(v []any) any { return !looseEqual(arg(v, 0), arg(v, 1)) },
	"===": func(v []any) any { return strictEqual(arg(v, 0), arg(v, 1)) },
	"!==": func(v []any) any { return !strictEqual(arg(v, 0), arg(v, 1)) },
	">":   func(v []any) any { return less(arg(v, 1), arg(v, 0)) },
	">=":  func(v []any) any { return lessOrEqual(arg(v, 1), arg(v, 0)) },
	"<":   func(v []any) any { return chain(v, less) },
	"<=":  func(v []any) any { return chain(v, lessOrEqual) },
	"!!":  func(v []any) any { return Truthy(arg(v, 0)) },
	"!":   func(v []any) any { return !Truthy(arg(v, 0)) },
	"%":   func(v []any) any { return number(math.Mod(toNumber(arg(v, 0)), toNumber(arg(v, 1)))) },
	"log": func(v []any) any { return arg(v, 0) },
	"in":  func(v []any) any { return in(arg(v, 0), arg(v, 1)) },
	"cat": func(v []any) any {
		var b strings.Builder
		for _, x := range v {
			b.WriteString(toString(x))
		}
		return b.String()
	},
	"substr": substr,
	"+": func(v []any) any {
		sum := 0.0
		for _, x := range v {
			sum += parseFloat(x)
		}
		return number(sum)
	},
	"*": func(v []any) any {
		if len(v) == 1 {
			return v[0] // reduce without an initial value returns a lone element as is
		}
		product := parseFloat(arg(v, 0))
		for _, x := range v[1:] {
			product *= parseFloat(x)
		}
		return number(product)
	},
	"-": func(v []any) any {
		if len(v) < 2 {
			return number(-toNumber(arg(v, 0)))
		}
		return number(toNumber(v[0]) - toNumber(v[1]))
	},
	"/":            func(v []any) any { return number(toNumber(arg(v, 0)) / toNumber(arg(v, 1))) },
	"min":          func(v []any) any { return extreme(v, math.Min, math.Inf(1)) },
	"max":          func(v []any) any { return extreme(v, math.Max, math.Inf(-1)) },
	"merge":        merge,
	"days_between": daysBetween,
}

// chain is "<" and "<=" with an optional third argument: a < b < c.
func chain(v []any, cmp func(a, b any) bool) any {
	if len(v) >= 3 {
		return cmp(v[0], v[1]) && cmp(v[1], v[2])
	}
	return cmp(arg(v, 0), arg(v, 1))
}

func in(needle, haystack any) any {
	switch h := haystack.(type) {
	case string:
		return strings.Contains(h, toString(needle))
	case []any:
		for _, x := range h {
			if strictEqual(x, needle) {
				return true
			}
		}
	}
	return false
}

// substr is JavaScript's String.prototype.substr, with json-logic-js's reading of
// a negative length as "stop that many characters before the end".
func substr(v []any) any {
	s := []rune(toString(arg(v, 0)))
	start := int(toNumber(arg(v, 1)))
	if start < 0 {
		start = max(len(s)+start, 0)
	}
	start = min(start, len(s))
	rest := s[start:]
	if len(v) < 3 || v[2] == nil {
		return string(rest)
	}
	n := int(toNumber(v[2]))
	if n < 0 {
		n = max(len(rest)+n, 0)
	}
	return string(rest[:min(n, len(rest))])
}

func extreme(v []any, pick func(a, b float64) float64, start float64) any {
	out := start
	for _, x := range v {
		out = pick(out, toNumber(x))
	}
	return number(out)
}

func merge(v []any) any {
	out := []any{}
	for _, x := range v {
		if list, ok := x.([]any); ok {
			out = append(out, list...)
		} else {
			out = append(out, x)
		}
	}
	return out
}

// daysBetween returns whole calendar days from the first date to the second
// (negative if the second is earlier); dates are "YYYY-MM-DD" or RFC 3339 times,
// taken in Beijing time. Anything else gives null.
func daysBetween(v []any) any {
	from, ok1 := calendarDay(arg(v, 0))
	to, ok2 := calendarDay(arg(v, 1))
	if !ok1 || !ok2 {
		return nil
	}
	return float64((to - from) / 86400)
}

// calendarDay is the date's midnight as Unix seconds, counted in UTC so that
// days are always 86400 seconds apart.
func calendarDay(v any) (int64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Unix(), true
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, false
	}
	y, m, d := t.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix(), true
}
