package formimport

import (
	"reflect"
	"strings"
	"testing"

	"taizhang/forms"
	"taizhang/org"
)

func TestCellValues(t *testing.T) {
	opts := []forms.Option{{Value: "edu", Label: "教育"}, {Value: "med", Label: "医疗"}}
	dir := &directory{names: map[string]string{"c": "市", "d1": "东城区", "d2": "西城区", "t1": "城关镇", "t2": "城关镇"},
		byName: map[string][]org.Unit{"城关镇": {{ID: "t1", Path: []string{"c", "d1", "t1"}}, {ID: "t2", Path: []string{"c", "d2", "t2"}}}},
		people: map[string][]org.User{"张三": {{ID: "u1"}}, "13900000001": {{ID: "u1"}}, "李四": {{ID: "u2"}, {ID: "u3"}}}}
	cases := []struct {
		typ, raw string
		want     any
		problem  string
	}{
		{"money", "1,234.50元", 1234.5, ""},
		{"integer", "三十", nil, "应为数字"},
		{"date", "46353", "2026-11-27", ""}, // an Excel date cell
		{"date", "2026/11/27", "2026-11-27", ""},
		{"date", "2026年11月27日", "2026-11-27", ""},
		{"date", "明天", nil, "应为日期"},
		{"datetime", "2026-11-27 09:30", "2026-11-27T09:30:00+08:00", ""},
		{"datetime", "46353.5", "2026-11-27T12:00:00+08:00", ""},
		{"time", "0.5", "12:00", ""},
		{"time", "09:30", "09:30", ""},
		{"select", "医疗", "med", ""},
		{"select", "edu", "edu", ""},
		{"select", "体育", nil, "应为：教育、医疗"},
		{"multiselect", "教育、医疗", []any{"edu", "med"}, ""},
		{"multiselect", "教育,体育", nil, "“体育”不是可选项"},
		{"checkbox", "是", true, ""},
		{"checkbox", "也许", nil, "应为“是”或“否”"},
		{"geopoint", "39.9，116.4", map[string]any{"lat": 39.9, "lng": 116.4}, ""},
		{"unit", "东城区/城关镇", "t1", ""},
		{"unit", "城关镇", "", "请写出上级"},
		{"user", "13900000001", "u1", ""},
		{"user", "李四", "", "请改填手机号"},
		{"text", "=1+2", "=1+2", ""},
	}
	for _, c := range cases {
		got, problem := cellValue(forms.Field{Type: c.typ, Options: opts}, c.raw, dir)
		if c.problem != "" {
			if !strings.Contains(problem, c.problem) {
				t.Errorf("%s %q: problem %q, want one saying %q", c.typ, c.raw, problem, c.problem)
			}
			continue
		}
		if problem != "" || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q = %#v (%q), want %#v", c.typ, c.raw, got, problem, c.want)
		}
	}
}

func TestHeadersAreMatchedByLabel(t *testing.T) {
	for in, want := range map[string]string{" 事项名称* ": "事项名称", "投入资金（必填）": "投入资金", "受益\u3000人数": "受益人数"} {
		if got := normal(in); got != want {
			t.Errorf("normal(%q) = %q, want %q", in, got, want)
		}
	}
}
