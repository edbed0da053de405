package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"taizhang/auth"
	"taizhang/demo"
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
	return p.loadDemo(ctx, now, stdout)
}

// loadDemo loads the demo city, its forms and — on the first start — its
// past (TAIZHANG_DEMO_WEEKS): the city is dated demo.Since, and its history is
// filed on a clock turned from then to now.
func (p *program) loadDemo(ctx context.Context, now time.Time, stdout io.Writer) error {
	since, formsAt := now, now // no past: the city begins now
	if p.cfg.DemoWeeks > 0 {
		since = demo.Since(now, p.cfg.DemoWeeks)
		formsAt = since.Add(time.Hour + time.Minute) // just after a midnight: see demo.Since
	}
	loaded, err := demo.Load(ctx, p.store.units, p.store.users, auth.DefaultPasswordParams, since)
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
	clock := demo.NewClock(formsAt)
	past := newDomain(p.store, clock.Now)
	formsLoaded, err := demo.LoadForms(ctx, past.forms, root.ID)
	if err != nil {
		return fmt.Errorf("load demo forms (TAIZHANG_DEMO): %w", err)
	}
	if formsLoaded == 0 {
		return demo.PrintLogins(stdout)
	}
	p.log.Info("published the demo forms", "count", formsLoaded)
	if p.cfg.DemoWeeks == 0 {
		return demo.PrintLogins(stdout)
	}
	history := &demo.History{Clock: clock, Forms: p.store.forms, Entries: past.entries, Ledger: past.ledger, Sweeper: past.sweeper,
		Attachments: p.store.attachments, Tree: past.tree, Users: p.store.users, Now: now}
	started := time.Now()
	if err := history.Write(ctx); err != nil {
		return fmt.Errorf("file the demo history (TAIZHANG_DEMO): %w", err)
	}
	p.log.Info("filed the demo city's past", "weeks", p.cfg.DemoWeeks, "took", time.Since(started).Round(time.Millisecond))
	return demo.PrintLogins(stdout)
}
