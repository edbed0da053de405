package formimport

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"taizhang/forms"
)

// importable says whether a field's values can come from a cell: files,
// photos and signatures cannot, nor can repeating groups (one row is one entry).
func importable(f forms.Field) bool {
	switch f.Type {
	case "photo", "file", "signature", "group", "section", "note":
		return false
	}
	return true
}

// cellValue reads a cell (its raw text: numbers and dates as Excel stores
// them) as the field's value: the form engine then checks it like a filing.
// ok false comes with a message for the person who made the sheet.
func cellValue(f forms.Field, raw string, dir *directory) (any, string) {
	switch f.Type {
	case "number", "integer", "money":
		clean := strings.NewReplacer(",", "", "，", "", "元", "", "¥", "", "￥", "").Replace(raw)
		n, err := strconv.ParseFloat(strings.TrimSpace(clean), 64)
		if err != nil {
			return nil, "应为数字"
		}
		return n, ""
	case "date":
		t, ok := parseTime(raw, dateLayouts)
		if !ok {
			return nil, "应为日期，如 2026-11-27"
		}
		return t.Format(time.DateOnly), ""
	case "datetime":
		t, ok := parseTime(raw, dateTimeLayouts)
		if !ok {
			return nil, "应为日期时间，如 2026-11-27 09:30"
		}
		return t.Format(time.RFC3339), ""
	case "time":
		if n, err := strconv.ParseFloat(raw, 64); err == nil && n >= 0 && n < 1 { // Excel keeps a time as a fraction of a day
			return time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n * float64(24*time.Hour)).Round(time.Minute)).Format("15:04"), ""
		}
		t, err := time.Parse("15:04", raw)
		if err != nil {
			return nil, "应为时间，如 09:30"
		}
		return t.Format("15:04"), ""
	case "select", "radio":
		return option(f, raw)
	case "multiselect":
		var out []any
		for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune("、,，;；", r) }) {
			v, problem := option(f, part)
			if problem != "" {
				return nil, problem
			}
			out = append(out, v)
		}
		return out, ""
	case "checkbox":
		switch raw {
		case "是", "√", "✓", "TRUE", "true", "1", "Y", "y":
			return true, ""
		case "否", "×", "FALSE", "false", "0", "N", "n":
			return false, ""
		}
		return nil, "应为“是”或“否”"
	case "geopoint":
		lat, lng, found := strings.Cut(strings.ReplaceAll(raw, "，", ","), ",")
		la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		ln, err2 := strconv.ParseFloat(strings.TrimSpace(lng), 64)
		if !found || err1 != nil || err2 != nil {
			return nil, "应为“纬度,经度”，如 39.90,116.40"
		}
		return map[string]any{"lat": la, "lng": ln}, ""
	case "unit":
		u, problem := dir.unit(raw)
		return u.ID, problem
	case "user":
		u, problem := dir.user(raw)
		return u.ID, problem
	}
	return raw, ""
}

func option(f forms.Field, raw string) (any, string) {
	raw = strings.TrimSpace(raw)
	labels := make([]string, 0, len(f.Options))
	for _, o := range f.Options {
		if o.Label == raw || o.Value == raw {
			return o.Value, ""
		}
		labels = append(labels, o.Label)
	}
	return nil, fmt.Sprintf("“%s”不是可选项，应为：%s", raw, strings.Join(labels, "、"))
}

var (
	dateLayouts     = []string{"2006-01-02", "2006/1/2", "2006-1-2", "2006.1.2", "2006年1月2日", "20060102"}
	dateTimeLayouts = []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006/1/2 15:04", "2006/1/2 15:04:05", "2006年1月2日 15:04",
		"2006-01-02T15:04:05Z07:00", "2006-01-02", "2006/1/2"}
)

// parseTime reads a Beijing date or time written out, or an Excel serial
// number (what a date-formatted cell holds).
func parseTime(raw string, layouts []string) (time.Time, bool) {
	if n, err := strconv.ParseFloat(raw, 64); err == nil && n > 1 && n < 2958466 {
		t, err := excelize.ExcelDateToTime(n, false)
		if err != nil {
			return time.Time{}, false
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, forms.Beijing), true
	}
	for _, layout := range layouts {
		if t, err := time.ParseInLocation(layout, raw, forms.Beijing); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
