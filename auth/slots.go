package auth

import (
	"context"
	"runtime"
	"time"

	"taizhang/errs"
)

// PasswordSlots bounds how many password hashings (argon2id: 64 MiB each by
// default) run at once on this instance. Unbounded, 50 concurrent logins took a
// server from 170 MB to 5.5 GB. Callers beyond the slots wait in a bounded queue;
// beyond the queue they are told to come back (503 with Retry-After), which is
// cheaper for everyone than thrashing.
type PasswordSlots struct {
	slots   chan struct{}
	waiting chan struct{}
}

// NewPasswordSlots allows concurrent hashings and queue callers waiting for one.
func NewPasswordSlots(concurrent, queue int) *PasswordSlots {
	return &PasswordSlots{slots: make(chan struct{}, max(concurrent, 1)), waiting: make(chan struct{}, max(concurrent+queue, 1))}
}

// errBusy tells a caller to retry: the server is hashing as many passwords as
// it has memory for.
var errBusy = &errs.Error{Code: errs.Unavailable, Message: "登录人数较多，请稍后再试", RetryAfter: 2 * time.Second}

// Do runs fn in a slot. A nil *PasswordSlots runs fn at once (tests, tools).
func (p *PasswordSlots) Do(ctx context.Context, fn func()) error {
	if p == nil {
		fn()
		return nil
	}
	select {
	case p.waiting <- struct{}{}:
	default:
		return errBusy
	}
	defer func() { <-p.waiting }()
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return errBusy
	}
	defer func() { <-p.slots }()
	fn()
	// Collect the 64 MiB just used before the slot's next hashing allocates its
	// own: left to the pacer, garbage from a burst piles up and the heap doubles.
	runtime.GC()
	return nil
}
