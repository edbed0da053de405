package forms

// unitType names a unit the filer may see (their own or one below it).
type unitType struct{}

func (unitType) settings() []setting            { return nil }
func (unitType) holdsValue() bool               { return true }
func (unitType) checkSettings(*Field) []problem { return nil }

func (unitType) checkValue(_ *Field, v any, env *Env) (any, []problem) {
	s, ok := v.(string)
	if !ok || s == "" || len(s) > 64 {
		return nil, fail("type", "应为单位")
	}
	if env != nil && env.UnitInScope != nil && !env.UnitInScope(s) {
		return nil, fail("not_in_scope", "单位不存在或不在您的范围内")
	}
	return s, nil
}
