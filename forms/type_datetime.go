package forms

import "time"

// datetimeType is an instant with its zone, RFC 3339: "2026-11-27T12:00:00+08:00".
type datetimeType struct{}

func (datetimeType) settings() []setting            { return nil }
func (datetimeType) holdsValue() bool               { return true }
func (datetimeType) checkSettings(*Field) []problem { return nil }

func (datetimeType) checkValue(_ *Field, v any, _ *Env) (any, []problem) {
	return checkLayout(v, time.RFC3339, "应为日期时间，如 2026-11-27T12:00:00+08:00")
}
