package forms

import "time"

// Env is what validation needs to know about the world beyond the data: the time
// (for "today"), and which units and users the filer may name. Nil functions
// accept any well-formed id.
type Env struct {
	Now         func() time.Time
	UnitInScope func(id string) bool
	UserInScope func(id string) bool
}

func (e *Env) now() time.Time {
	if e == nil || e.Now == nil {
		return time.Now()
	}
	return e.Now()
}
