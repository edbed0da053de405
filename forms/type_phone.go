package forms

import "strings"

// phoneType is a mainland China mobile number; "+86", spaces and dashes are
// accepted and removed.
type phoneType struct{}

func (phoneType) settings() []setting            { return nil }
func (phoneType) holdsValue() bool               { return true }
func (phoneType) checkSettings(*Field) []problem { return nil }

var phoneSeparators = strings.NewReplacer(" ", "", "-", "")

func (phoneType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	s, ok := v.(string)
	if !ok {
		return nil, fail("type", "应为手机号")
	}
	phone := phoneSeparators.Replace(s)
	phone = strings.TrimPrefix(phone, "+86")
	if !matches(`1[3-9][0-9]{9}`, phone) {
		return nil, fail("invalid_phone", "请输入 11 位中国大陆手机号")
	}
	return phone, nil
}
