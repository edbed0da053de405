package forms

// userType names a user the filer may see.
type userType struct{}

func (userType) settings() []setting            { return nil }
func (userType) holdsValue() bool               { return true }
func (userType) checkSettings(*Field) []problem { return nil }

func (userType) checkValue(_ *Field, v any, env *Env) (any, []problem) {
	s, ok := v.(string)
	if !ok || s == "" || len(s) > 64 {
		return nil, fail("type", "应为人员")
	}
	if env != nil && env.UserInScope != nil && !env.UserInScope(s) {
		return nil, fail("not_in_scope", "人员不存在或不在您的范围内")
	}
	return s, nil
}
