package export

import (
	"strings"
	"time"
	"unicode/utf8"

	"taizhang/forms"
)

// A cell is one of: nil (empty), string (text), float64 (a number), Money (a
// number in yuan), Date (a day or a moment in Beijing time). Writers turn
// each into what their format has for it.
type (
	// Money is an amount in yuan, shown with two decimals.
	Money float64
	// Date is a day (Clock false) or a moment, in Beijing time.
	Date struct {
		T     time.Time
		Clock bool
	}
)

// Names turns the ids in an entry into what people read.
type Names interface {
	Unit(id string) string // the unit's full path of names
	User(id string) string
}

// valueOf is a field's value as a cell: numbers as numbers, dates as dates,
// choices by their labels, units and people by name, attachments counted,
// ID-card and phone numbers masked when mask is set.
func valueOf(f forms.Field, v any, names Names, mask bool) any {
	if v == nil {
		return nil
	}
	switch f.Type {
	case "number", "integer":
		n, _ := v.(float64)
		return n
	case "money":
		n, _ := v.(float64)
		return Money(n)
	case "date", "datetime":
		return dateOf(f.Type, v)
	case "select", "radio":
		return optionLabel(f, v)
	case "multiselect":
		list, _ := v.([]any)
		labels := make([]string, 0, len(list))
		for _, item := range list {
			labels = append(labels, optionLabel(f, item))
		}
		return strings.Join(labels, "、")
	case "checkbox":
		if b, _ := v.(bool); b {
			return "是"
		}
		return "否"
	case "idcard", "phone":
		s, _ := v.(string)
		if mask {
			return Mask(s)
		}
		return s
	case "photo", "file", "group":
		list, _ := v.([]any)
		return float64(len(list))
	case "signature":
		return 1.0
	case "geopoint":
		m, _ := v.(map[string]any)
		lat, _ := m["lat"].(float64)
		lng, _ := m["lng"].(float64)
		return formatFloat(lat) + "," + formatFloat(lng)
	case "unit":
		s, _ := v.(string)
		return names.Unit(s)
	case "user":
		s, _ := v.(string)
		return names.User(s)
	}
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return s
}

func dateOf(typ string, v any) any {
	s, _ := v.(string)
	if typ == "date" {
		d, err := time.ParseInLocation(time.DateOnly, s, forms.Beijing)
		if err != nil {
			return s
		}
		return Date{T: d}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return Date{T: t.In(forms.Beijing), Clock: true}
}

func optionLabel(f forms.Field, v any) string {
	s, _ := v.(string)
	return f.LabelOf(s)
}

// Mask keeps the first three and the last four characters of an ID-card or
// phone number: 110***********1234, 138****5678.
func Mask(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 7 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
}

// Formulaic reports whether a spreadsheet would read text as a formula (or
// as the start of one): it begins with =, +, -, @, a tab or a carriage
// return. Such text is written so that it stays text (CSV injection).
func Formulaic(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// beijing shows t's Beijing wall clock as a zone-less time, which is what a
// spreadsheet's date serial numbers mean.
func beijing(t time.Time) time.Time {
	b := t.In(forms.Beijing)
	return time.Date(b.Year(), b.Month(), b.Day(), b.Hour(), b.Minute(), b.Second(), 0, time.UTC)
}
