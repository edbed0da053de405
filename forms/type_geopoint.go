package forms

// geopointType is a location from the phone: {"lat", "lng", "accuracy" in metres}.
type geopointType struct{}

func (geopointType) settings() []setting            { return nil }
func (geopointType) holdsValue() bool               { return true }
func (geopointType) checkSettings(*Field) []problem { return nil }

func (geopointType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fail("type", "应为位置")
	}
	lat, okLat := m["lat"].(float64)
	lng, okLng := m["lng"].(float64)
	acc, okAcc := m["accuracy"].(float64)
	if _, has := m["accuracy"]; !has {
		okAcc, acc = true, 0
	}
	if !okLat || !okLng || !okAcc || len(m) > 3 || (len(m) == 3 && !hasKeys(m, "lat", "lng", "accuracy")) {
		return nil, fail("type", "位置应包含 lat、lng 和可选的 accuracy")
	}
	if lat < -90 || lat > 90 || lng < -180 || lng > 180 || acc < 0 {
		return nil, fail("out_of_range", "位置坐标超出范围")
	}
	return v, nil
}

func hasKeys(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}
