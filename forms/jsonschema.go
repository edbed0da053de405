package forms

import "fmt"

// JSONSchema exports a version's structure as JSON Schema 2020-12, for systems
// that consume taizhang's data. JsonLogic conditions (visibleIf, requiredIf,
// validIf, calculate) have no JSON Schema equivalent: fields with them are not
// listed as required, and the rules are carried as x-taizhang-* annotations.
func JSONSchema(f Form, version int) map[string]any {
	s := objectSchema(f.Fields)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = fmt.Sprintf("urn:taizhang:form:%s:v%d", f.Key, version)
	s["title"] = f.Title
	if f.Description != "" {
		s["description"] = f.Description
	}
	return s
}

func objectSchema(fields []Field) map[string]any {
	props := map[string]any{}
	required := []string{}
	for i := range fields {
		f := &fields[i]
		if !f.holdsValue() {
			continue
		}
		props[f.Key] = fieldSchema(f)
		if f.Required && f.VisibleIf == nil && f.Calculate == nil {
			required = append(required, f.Key)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required, "additionalProperties": false}
}

const attachmentPattern = "^[0-9a-f]{24,64}$"

func fieldSchema(f *Field) map[string]any {
	s := typeSchema(f)
	s["title"] = f.Label
	if f.Help != "" {
		s["description"] = f.Help
	}
	for name, rule := range map[string]any{"x-taizhang-visibleIf": f.VisibleIf, "x-taizhang-requiredIf": f.RequiredIf,
		"x-taizhang-validIf": f.ValidIf, "x-taizhang-calculate": f.Calculate} {
		if rule != nil {
			s[name] = rule
		}
	}
	return s
}

func typeSchema(f *Field) map[string]any {
	switch f.Type {
	case "text", "textarea":
		return textSchema(f)
	case "number", "integer", "money":
		return numberSchema(f)
	case "date":
		return map[string]any{"type": "string", "format": "date"}
	case "datetime":
		return map[string]any{"type": "string", "format": "date-time"}
	case "time":
		return map[string]any{"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}
	case "select", "radio":
		return map[string]any{"type": "string", "enum": optionValues(f)}
	case "multiselect":
		return withCount(map[string]any{"type": "array", "uniqueItems": true,
			"items": map[string]any{"type": "string", "enum": optionValues(f)}}, f.MinItems, f.MaxItems)
	case "checkbox":
		return map[string]any{"type": "boolean"}
	case "phone":
		return map[string]any{"type": "string", "pattern": "^1[3-9][0-9]{9}$"}
	case "idcard":
		return map[string]any{"type": "string", "pattern": "^[0-9]{17}[0-9X]$"}
	case "email":
		return map[string]any{"type": "string", "format": "email"}
	case "url":
		return map[string]any{"type": "string", "format": "uri", "pattern": "^https?://"}
	case "photo", "file":
		limit := defaultMaxFiles
		if f.MaxFiles != nil {
			limit = *f.MaxFiles
		}
		return map[string]any{"type": "array", "maxItems": limit, "items": map[string]any{"type": "string", "pattern": attachmentPattern}}
	case "signature":
		return map[string]any{"type": "string", "pattern": attachmentPattern}
	case "geopoint":
		return map[string]any{"type": "object", "required": []string{"lat", "lng"}, "additionalProperties": false,
			"properties": map[string]any{"lat": map[string]any{"type": "number", "minimum": -90, "maximum": 90},
				"lng":      map[string]any{"type": "number", "minimum": -180, "maximum": 180},
				"accuracy": map[string]any{"type": "number", "minimum": 0}}}
	case "group":
		limit := MaxGroupItems
		if f.MaxItems != nil {
			limit = *f.MaxItems
		}
		return withCount(map[string]any{"type": "array", "items": objectSchema(f.Fields)}, f.MinItems, &limit)
	}
	return map[string]any{"type": "string", "minLength": 1} // unit, user: ids
}

func textSchema(f *Field) map[string]any {
	s := map[string]any{"type": "string"}
	if f.MinLength != nil {
		s["minLength"] = *f.MinLength
	}
	if f.MaxLength != nil {
		s["maxLength"] = *f.MaxLength
	}
	if f.Pattern != "" {
		s["pattern"] = "^(?:" + f.Pattern + ")$"
	}
	return s
}

func numberSchema(f *Field) map[string]any {
	s := map[string]any{"type": "number"}
	switch f.Type {
	case "integer":
		s["type"] = "integer"
	case "money":
		s["multipleOf"] = 0.01
	}
	if f.Min != nil {
		s["minimum"] = *f.Min
	}
	if f.Max != nil {
		s["maximum"] = *f.Max
	}
	return s
}

func optionValues(f *Field) []string {
	values := make([]string, len(f.Options))
	for i, o := range f.Options {
		values[i] = o.Value
	}
	return values
}

func withCount(s map[string]any, lo, hi *int) map[string]any {
	if lo != nil {
		s["minItems"] = *lo
	}
	if hi != nil {
		s["maxItems"] = *hi
	}
	return s
}
