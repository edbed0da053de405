package forms

// urlType is an http or https address.
type urlType struct{}

func (urlType) settings() []setting            { return nil }
func (urlType) holdsValue() bool               { return true }
func (urlType) checkSettings(*Field) []problem { return nil }

func (urlType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	s, ok := v.(string)
	if !ok || len(s) > 2048 || !matches(`https?://[^\s/?#]+[^\s]*`, s) {
		return nil, fail("invalid_url", "网址应以 http:// 或 https:// 开头")
	}
	return s, nil
}
