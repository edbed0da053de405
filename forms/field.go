// Package forms is the form engine: schemas that administrators build without
// code, field types, validation with per-field errors in Chinese, JsonLogic
// conditions and calculations, immutable published versions, and assignments
// with schedules. It knows nothing of HTTP or storage.
package forms

import "encoding/json"

// Field is one question of a form. Settings that do not apply to the field's type
// are refused when the schema is checked, so a field's JSON says exactly what it does.
type Field struct {
	Key      string          `json:"key"`
	Type     string          `json:"type"`
	Label    string          `json:"label"`
	Help     string          `json:"help,omitempty"`
	Required bool            `json:"required,omitempty"`
	Default  json.RawMessage `json:"default,omitempty"`

	// Conditions and calculations, as JsonLogic.
	VisibleIf    any    `json:"visibleIf,omitempty"`
	RequiredIf   any    `json:"requiredIf,omitempty"`
	ValidIf      any    `json:"validIf,omitempty"`
	ValidMessage string `json:"validMessage,omitempty"`
	Calculate    any    `json:"calculate,omitempty"`

	// Type settings.
	MinLength *int     `json:"minLength,omitempty"`
	MaxLength *int     `json:"maxLength,omitempty"`
	Pattern   string   `json:"pattern,omitempty"`
	NotVague  bool     `json:"notVague,omitempty"` // text: refuse text made only of stock phrases
	Min       *float64 `json:"min,omitempty"`
	Max       *float64 `json:"max,omitempty"`
	Options   []Option `json:"options,omitempty"`
	MaxFiles  *int     `json:"maxFiles,omitempty"`
	MinItems  *int     `json:"minItems,omitempty"`
	MaxItems  *int     `json:"maxItems,omitempty"`
	Text      string   `json:"text,omitempty"` // note
	Fields    []Field  `json:"fields,omitempty"`
	// Reportable counts entries by this field's option in the office's
	// summaries (the seven 办实事 categories): a top-level select or radio.
	Reportable bool `json:"reportable,omitempty"`
	// Public shows the field on the form's public commitment board
	// (公开承诺), if the form is one. Personal data never is: see publicTypes.
	Public bool `json:"public,omitempty"`
}

// LabelOf is a choice as people read it: the label of the option whose value
// it is, or the value itself (an option since removed, or no options).
func (f Field) LabelOf(value string) string {
	for _, o := range f.Options {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

// Option is one choice of a select, radio or multiselect field.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// setting names a type setting, for error messages and for the per-type lists
// of what is allowed.
type setting string

const (
	sMinLength setting = "minLength"
	sMaxLength setting = "maxLength"
	sPattern   setting = "pattern"
	sNotVague  setting = "notVague"
	sMin       setting = "min"
	sMax       setting = "max"
	sOptions   setting = "options"
	sMaxFiles  setting = "maxFiles"
	sMinItems  setting = "minItems"
	sMaxItems  setting = "maxItems"
	sText      setting = "text"
	sFields    setting = "fields"
)

// settingsUsed lists the type settings the field sets.
func (f *Field) settingsUsed() []setting {
	var used []setting
	add := func(s setting, set bool) {
		if set {
			used = append(used, s)
		}
	}
	add(sMinLength, f.MinLength != nil)
	add(sMaxLength, f.MaxLength != nil)
	add(sPattern, f.Pattern != "")
	add(sNotVague, f.NotVague)
	add(sMin, f.Min != nil)
	add(sMax, f.Max != nil)
	add(sOptions, f.Options != nil)
	add(sMaxFiles, f.MaxFiles != nil)
	add(sMinItems, f.MinItems != nil)
	add(sMaxItems, f.MaxItems != nil)
	add(sText, f.Text != "")
	add(sFields, f.Fields != nil)
	return used
}

// holdsValue is false for layout types (section, note), which never appear in data.
func (f *Field) holdsValue() bool {
	return typeOf(f.Type).holdsValue()
}
