package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"taizhang/auth"
	"taizhang/demo"
	"taizhang/forms"
	"taizhang/org"
)

// setUp runs the one-time start-up tasks against the open store: the bootstrap
// administrator (TAIZHANG_ADMIN_PHONE / _PASSWORD, on a store without units) and
// the demo city (TAIZHANG_DEMO=1). Both are idempotent, so a restart repeats
// nothing.
func (p *program) setUp(ctx context.Context, stdout io.Writer) error {
	now := time.Now().UTC().Truncate(time.Millisecond)
	created, err := org.Bootstrap(ctx, p.store.units, p.store.users, "本市", p.cfg.AdminPhone, p.cfg.AdminPassword,
		auth.DefaultPasswordParams, now)
	if err != nil {
		return fmt.Errorf("bootstrap administrator: %w", err)
	}
	if created {
		p.log.Info("created the root unit and the bootstrap administrator", "phone", p.cfg.AdminPhone)
	}
	if !p.cfg.Demo {
		return nil
	}
	loaded, err := demo.Load(ctx, p.store.units, p.store.users, auth.DefaultPasswordParams, now)
	if err != nil {
		return fmt.Errorf("load demo data (TAIZHANG_DEMO): %w", err)
	}
	if loaded {
		p.log.Info("loaded the demo city")
	}
	root, err := p.store.units.RootUnit(ctx)
	if err != nil {
		return err
	}
	tree := &org.TreeCache{Units: p.store.units}
	formsLoaded, err := demo.LoadForms(ctx, &forms.Service{Store: p.store.forms, PathOf: tree.PathOf, Now: time.Now}, root.ID)
	if err != nil {
		return fmt.Errorf("load demo forms (TAIZHANG_DEMO): %w", err)
	}
	if formsLoaded > 0 {
		p.log.Info("published the demo forms", "count", formsLoaded)
	}
	return demo.PrintLogins(stdout)
}
