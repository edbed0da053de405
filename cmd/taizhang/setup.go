package main

import (
	"context"
	"io"
)

// setUp runs the one-time start-up tasks against the open store: the bootstrap
// administrator (TAIZHANG_ADMIN_PHONE / _PASSWORD) and the demo city
// (TAIZHANG_DEMO=1). Each is idempotent, so a restart repeats nothing.
func (p *program) setUp(ctx context.Context, stdout io.Writer) error {
	if p.cfg.AdminPhone != "" {
		p.log.Warn("TAIZHANG_ADMIN_PHONE is set, but this build has no user accounts yet; no administrator was created")
	}
	if p.cfg.Demo {
		p.log.Warn("TAIZHANG_DEMO=1: this build has no units, users or forms to load yet; serving an empty ledger")
	}
	return nil
}
