package forms

import (
	"fmt"
	"testing"
)

// benchForm has 50 fields — 44 at the top (ten with conditions) and a group of 5
// — and benchData fills it with 20 group items: the reference load.
func benchForm() (Form, map[string]any) {
	types := []string{"text", "integer", "money", "date", "select", "textarea", "phone", "checkbox"}
	options := []Option{{"a", "甲"}, {"b", "乙"}, {"c", "丙"}}
	var fields []Field
	data := map[string]any{}
	for i := range 44 {
		f := Field{Key: fmt.Sprintf("f%02d", i), Type: types[i%len(types)], Label: fmt.Sprintf("字段%d", i), Required: i%3 == 0}
		switch f.Type {
		case "text", "textarea":
			f.MaxLength = intp(200)
			data[f.Key] = "由村会计王某每月五日前张贴明细"
		case "integer", "money":
			f.Min, f.Max = floatp(0), floatp(1e6)
			data[f.Key] = 42.0
		case "date":
			data[f.Key] = "2026-11-27"
		case "select":
			f.Options = options
			data[f.Key] = "b"
		case "phone":
			data[f.Key] = "13800138000"
		case "checkbox":
			data[f.Key] = true
		}
		if i%4 == 1 && i < 40 { // ten conditions
			f.VisibleIf = map[string]any{"==": []any{map[string]any{"var": "f00"}, "由村会计王某每月五日前张贴明细"}}
			f.RequiredIf = map[string]any{">": []any{map[string]any{"var": "f01"}, 10.0}}
		}
		fields = append(fields, f)
	}
	group := Field{Key: "items", Type: "group", Label: "明细", MaxItems: intp(50), Fields: []Field{
		{Key: "name", Type: "text", Label: "名称", Required: true},
		{Key: "qty", Type: "integer", Label: "数量", Min: floatp(1)},
		{Key: "price", Type: "money", Label: "单价"},
		{Key: "when", Type: "date", Label: "日期"},
		{Key: "kind", Type: "select", Label: "类别", Options: options},
	}}
	fields = append(fields[:43], group)
	items := make([]any, 20)
	for i := range items {
		items[i] = map[string]any{"name": "物资", "qty": 3.0, "price": 12.5, "when": "2026-11-20", "kind": "a"}
	}
	data["items"] = items
	delete(data, "f43")
	return Form{Key: "bench", Title: "基准", Category: CategoryCustom, Fields: fields}, data
}

// BenchmarkValidate: aim ≥ 20,000 validations per second on one core
// (go test -run '^$' -bench Validate -cpu 1 ./forms/).
func BenchmarkValidate(b *testing.B) {
	form, data := benchForm()
	if err := form.Check(); err != nil {
		b.Fatal(err)
	}
	env := &Env{Now: templateNow}
	if res := Validate(&form, data, Submit, env); !res.Valid() {
		b.Fatalf("the benchmark entry must be valid: %v", res.Errors)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Validate(&form, data, Submit, env)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "validations/s")
}
