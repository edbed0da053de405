package forms

// emailType is an e-mail address (a practical shape check, not RFC 5322).
type emailType struct{}

func (emailType) settings() []setting            { return nil }
func (emailType) holdsValue() bool               { return true }
func (emailType) checkSettings(*Field) []problem { return nil }

func (emailType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	s, ok := v.(string)
	if !ok || len(s) > 254 || !matches(`[^\s@]+@[^\s@]+\.[^\s@]+`, s) {
		return nil, fail("invalid_email", "邮箱地址格式不正确")
	}
	return s, nil
}
