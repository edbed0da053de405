package forms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"unicode/utf8"

	"taizhang/errs"
	"taizhang/forms/jsonlogic"
)

// Category sorts forms by the campaign's record types.
type Category string

// The categories of domain.md.
const (
	CategoryShishi  Category = "shishi"  // 我为群众办实事
	CategoryProblem Category = "problem" // 问题清单
	CategoryWeekly  Category = "weekly"  // 信息周报
	CategoryCustom  Category = "custom"
)

// Workflows a form may use; the entries issue defines what they do.
var Workflows = []string{"approval", "approval2", "rectification", "none"}

// Form is a schema: what the administrator builds and publishes.
type Form struct {
	Key         string   `json:"key"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Category    Category `json:"category"`
	Workflow    string   `json:"workflow,omitempty"`
	// TitleField names the top-level field whose value titles an entry in
	// lists (事项名称); empty: the first single-line text field.
	TitleField string `json:"titleField,omitempty"`
	// OnePerPeriod: a unit files a scheduled form once per period (a weekly
	// report), and a second filing is refused naming the first. Unset: true,
	// except for 办实事 records and problem items, of which a unit files many.
	OnePerPeriod *bool `json:"onePerPeriod,omitempty"`
	// PublicCommitment puts the form's reviewed entries on the public
	// commitment board (公开承诺, /p/{unit}): only the fields marked public.
	PublicCommitment bool    `json:"publicCommitment,omitempty"`
	Fields           []Field `json:"fields"`
}

// OncePerPeriod reports whether a unit files this form at most once a period.
func (f *Form) OncePerPeriod() bool {
	if f.OnePerPeriod != nil {
		return *f.OnePerPeriod
	}
	return f.Category != CategoryShishi && f.Category != CategoryProblem
}

// publicTypes may be shown on the public board. Never ID numbers, phones,
// people, signatures, files or locations (a household's place), nor e-mail.
var publicTypes = map[string]bool{
	"text": true, "textarea": true, "select": true, "radio": true, "multiselect": true, "checkbox": true, "date": true,
	"integer": true, "number": true, "money": true, "group": true, "unit": true, "datetime": true, "time": true,
}

// ReportableFields are the fields counted by option in summaries.
func (f *Form) ReportableFields() []Field {
	var out []Field
	for _, field := range f.Fields {
		if field.Reportable {
			out = append(out, field)
		}
	}
	return out
}

// titleTypes are the field types an entry's title may come from.
var titleTypes = []string{"text", "textarea", "select", "radio"}

// TitleOf is an entry's title: the value of the form's title field (an
// option's label for a choice), or of its first single-line text field,
// shortened to 60 characters; "" when there is none.
func TitleOf(f *Form, data map[string]any) string {
	for _, field := range f.Fields {
		if f.TitleField == field.Key || f.TitleField == "" && field.Type == "text" {
			s, _ := data[field.Key].(string)
			s = TrimBlank(field.LabelOf(s))
			if r := []rune(s); len(r) > 60 {
				s = string(r[:59]) + "…"
			}
			return s
		}
	}
	return ""
}

// Limits that keep one form and one entry within what a phone and a request handle.
const (
	MaxFields     = 500
	MaxGroupDepth = 3
	MaxDataBytes  = 1 << 20
)

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ParseForm decodes a schema strictly (unknown keys are errors) and checks it.
func ParseForm(raw []byte) (Form, error) {
	var f Form
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Form{}, errs.Wrap(errs.Invalid, "表单定义不是有效的 JSON 或含有未知设置: "+err.Error(), err)
	}
	return f, f.Check()
}

// Check validates the whole schema and reports every problem with its path,
// e.g. fields[3].options.
func (f *Form) Check() error {
	c := &schemaCheck{}
	if !keyPattern.MatchString(f.Key) {
		c.add("key", "invalid_key", "表单标识应以小写字母开头，只含小写字母、数字和下划线，最长 40 个字符")
	}
	if f.Title == "" || utf8.RuneCountInString(f.Title) > 100 {
		c.add("title", "required", "请填写表单名称（最多 100 个字）")
	}
	switch f.Category {
	case CategoryShishi, CategoryProblem, CategoryWeekly, CategoryCustom:
	default:
		c.add("category", "invalid", "表单类别应为 shishi、problem、weekly 或 custom")
	}
	if f.Workflow == "" {
		f.Workflow = "approval"
	}
	if !slices.Contains(Workflows, f.Workflow) {
		c.add("workflow", "invalid", "流程应为 approval、approval2（两级审核）、rectification 或 none")
	}
	c.fields("fields", f.Fields, 1)
	if f.TitleField != "" && !slices.ContainsFunc(f.Fields, func(x Field) bool {
		return x.Key == f.TitleField && slices.Contains(titleTypes, x.Type)
	}) {
		c.add("titleField", "invalid", "标题字段应为本表单第一层的文本、多行文本、下拉或单选字段")
	}
	if c.count > MaxFields {
		c.add("fields", "too_many", fmt.Sprintf("字段总数不能超过 %d 个", MaxFields))
	}
	if len(c.problems) > 0 {
		return errs.Fields("表单定义有误", c.problems...)
	}
	return nil
}

type schemaCheck struct {
	problems []errs.FieldError
	count    int
}

func (c *schemaCheck) add(path, code, message string) {
	c.problems = append(c.problems, errs.FieldError{Field: path, Code: code, Message: message})
}

func (c *schemaCheck) fields(path string, fields []Field, depth int) {
	seen := map[string]bool{}
	for i := range fields {
		f := &fields[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		c.count++
		c.field(p, f, depth)
		if seen[f.Key] {
			c.add(p+".key", "duplicate", fmt.Sprintf("字段标识“%s”在同一层重复", f.Key))
		}
		seen[f.Key] = true
	}
}

func (c *schemaCheck) field(p string, f *Field, depth int) {
	if !keyPattern.MatchString(f.Key) {
		c.add(p+".key", "invalid_key", "字段标识应以小写字母开头，只含小写字母、数字和下划线，最长 40 个字符")
	}
	t, known := fieldTypes[f.Type]
	if !known {
		c.add(p+".type", "unknown_type", fmt.Sprintf("未知的字段类型“%s”", f.Type))
		return
	}
	if f.Label == "" && f.Type != "note" || utf8.RuneCountInString(f.Label) > 200 {
		c.add(p+".label", "required", "请填写字段名称（最多 200 个字）")
	}
	for _, pr := range append(checkAllowedSettings(f, t), t.checkSettings(f)...) {
		c.add(p, pr.code, pr.message)
	}
	c.rules(p, f)
	if f.Reportable && (depth > 1 || f.Type != "select" && f.Type != "radio") {
		c.add(p+".reportable", "setting_not_allowed", "只有第一层的下拉或单选字段可以按选项统计")
	}
	if f.Public && !publicTypes[f.Type] {
		c.add(p+".public", "setting_not_allowed", "身份证号、电话、人员、签名、文件、定位等可能含个人信息的字段不能公开")
	}
	if f.Type == "group" {
		if depth > MaxGroupDepth {
			c.add(p+".fields", "too_deep", fmt.Sprintf("分组最多嵌套 %d 层", MaxGroupDepth))
			return
		}
		c.fields(p+".fields", f.Fields, depth+1)
	}
}

func (c *schemaCheck) rules(p string, f *Field) {
	for name, rule := range map[string]any{"visibleIf": f.VisibleIf, "requiredIf": f.RequiredIf,
		"validIf": f.ValidIf, "calculate": f.Calculate} {
		if rule == nil {
			continue
		}
		if err := jsonlogic.Check(rule); err != nil {
			c.add(p+"."+name, "invalid_rule", "规则无效: "+err.Error())
		}
	}
	if !f.holdsValue() && (f.Required || f.RequiredIf != nil || f.ValidIf != nil || f.Calculate != nil || f.Default != nil) {
		c.add(p, "setting_not_allowed", "说明和分节不能设置必填、校验、计算或默认值")
	}
	if f.Calculate != nil && f.Type == "group" {
		c.add(p+".calculate", "setting_not_allowed", "分组不能设置计算")
	}
	if f.ValidIf != nil && f.ValidMessage == "" {
		c.add(p+".validMessage", "required", "设置了校验规则时，请填写校验不通过时的提示")
	}
}
