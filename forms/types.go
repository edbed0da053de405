package forms

import (
	"fmt"
	"slices"
)

// FieldType is the behaviour of one field type: which settings it takes, how it
// checks them, and how it checks a value. Each type lives in its own file.
type FieldType interface {
	// settings lists the type settings this type accepts.
	settings() []setting
	// checkSettings validates the settings' values (ranges, options…).
	checkSettings(f *Field) []problem
	// checkValue validates a non-empty value and may return it normalised.
	checkValue(f *Field, v any, env *Env) (any, []problem)
	// holdsValue is false for layout types.
	holdsValue() bool
}

// problem is a validation failure at one field, before its path is known.
type problem struct {
	code    string
	message string
	params  map[string]any
}

func fail(code, message string, params ...any) []problem {
	p := problem{code: code, message: message}
	if len(params) > 0 {
		p.params = map[string]any{}
		for i := 0; i+1 < len(params); i += 2 {
			p.params[params[i].(string)] = params[i+1]
		}
	}
	return []problem{p}
}

// fieldTypes is the registry: a field's "type" key selects its behaviour.
var fieldTypes = map[string]FieldType{
	"text": textType{}, "textarea": textareaType{}, "number": numberType{}, "integer": integerType{},
	"money": moneyType{}, "date": dateType{}, "datetime": datetimeType{}, "time": timeType{},
	"select": selectType{}, "multiselect": multiselectType{}, "radio": radioType{}, "checkbox": checkboxType{},
	"phone": phoneType{}, "idcard": idcardType{}, "email": emailType{}, "url": urlType{},
	"photo": photoType{}, "file": fileType{}, "geopoint": geopointType{}, "signature": signatureType{},
	"unit": unitType{}, "user": userType{}, "section": sectionType{}, "note": noteType{}, "group": groupType{},
}

// Types lists every field type, for the form builder.
func Types() []string {
	names := make([]string, 0, len(fieldTypes))
	for name := range fieldTypes {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func typeOf(name string) FieldType {
	if t, ok := fieldTypes[name]; ok {
		return t
	}
	return unknownType{}
}

type unknownType struct{}

func (unknownType) settings() []setting                           { return nil }
func (unknownType) checkSettings(*Field) []problem                { return nil }
func (unknownType) checkValue(*Field, any, *Env) (any, []problem) { return nil, nil }
func (unknownType) holdsValue() bool                              { return false }

// checkAllowedSettings refuses settings the type does not take.
func checkAllowedSettings(f *Field, t FieldType) []problem {
	var out []problem
	for _, s := range f.settingsUsed() {
		if !slices.Contains(t.settings(), s) {
			out = append(out, problem{code: "setting_not_allowed",
				message: fmt.Sprintf("“%s”类型的字段不支持设置 %s", f.Type, s), params: map[string]any{"setting": string(s)}})
		}
	}
	return out
}

// checkRange validates a min/max pair of pointers.
func checkRange[T int | float64](lo, hi *T, loName, hiName string) []problem {
	if lo != nil && hi != nil && *lo > *hi {
		return fail("invalid_range", fmt.Sprintf("%s 不能大于 %s", loName, hiName))
	}
	return nil
}

// IsBlank reports whether a value counts as not filled in: null, blank text or
// an empty list.
func IsBlank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return TrimBlank(x) == ""
	case []any:
		return len(x) == 0
	}
	return false
}
