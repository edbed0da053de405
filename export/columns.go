// Package export writes a form's entries and the office's weekly 通报 as Excel
// workbooks and CSV files that people forward as they are: every row, columns
// headed in Chinese, values typed for Excel, personal data masked, nothing a
// spreadsheet would run as a formula. It reads through the domain services
// with the caller's scope; it knows nothing of HTTP. docs/exports.md.
package export

import (
	"fmt"
	"slices"
	"strings"

	"taizhang/forms"
)

// Column is a form field as a column: merged by key across every published
// version, so an entry filed on version 1 and one on version 3 share a sheet.
type Column struct {
	Key   string
	Label string // the latest version's label that has the key
	Field forms.Field
	// Versions that have the field; in the others its cell is empty because
	// the question was not asked, not because it was left blank.
	Versions []int
}

// Columns merges the value fields of versions (oldest first) by key: the
// latest version's order, then the keys only older versions had, newest first.
func Columns(versions []forms.Version) []Column {
	var out []Column
	at := map[string]int{}
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		for _, f := range valueFields(v.Schema.Fields) {
			j, seen := at[f.Key]
			if !seen {
				at[f.Key], j = len(out), len(out)
				out = append(out, Column{Key: f.Key, Label: f.Label, Field: f})
			}
			if f.Type == "group" && seen { // a group's columns are merged too
				out[j].Field.Fields = mergeFields(out[j].Field.Fields, f.Fields)
			}
			out[j].Versions = append(out[j].Versions, v.Version)
		}
	}
	for i := range out {
		slices.Sort(out[i].Versions)
	}
	return out
}

// valueFields are the fields that hold values, sections and notes left out.
func valueFields(fields []forms.Field) []forms.Field {
	var out []forms.Field
	for _, f := range fields {
		if f.Type != "section" && f.Type != "note" {
			out = append(out, f)
		}
	}
	return out
}

// mergeFields adds to a newer group's fields those only an older one had.
func mergeFields(newer, older []forms.Field) []forms.Field {
	for _, f := range valueFields(older) {
		if !slices.ContainsFunc(newer, func(n forms.Field) bool { return n.Key == f.Key }) {
			newer = append(newer, f)
		}
	}
	return newer
}

// Legend says, version by version, which columns it has and what its empty
// cells mean: the 说明 sheet.
func Legend(versions []forms.Version, cols []Column) [][]string {
	rows := [][]string{{"版本", "发布时间", "包含的栏目", "本版本没有的栏目（空白表示未设此问，不是漏填）"}}
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		var has, lacks []string
		for _, c := range cols {
			if slices.Contains(c.Versions, v.Version) {
				has = append(has, c.Label)
			} else {
				lacks = append(lacks, c.Label)
			}
		}
		rows = append(rows, []string{fmt.Sprintf("第 %d 版", v.Version), v.PublishedAt.In(forms.Beijing).Format("2006-01-02 15:04"),
			strings.Join(has, "、"), strings.Join(lacks, "、")})
	}
	return append(rows, []string{}, []string{"其他栏目为空白时，表示填报人未填写该项。"},
		[]string{"身份证号、手机号已按规定脱敏（如 110***********1234）；未脱敏的导出会记入审计日志。"})
}
