package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"taizhang/config"
	"taizhang/entries"
	"taizhang/errs"
	"taizhang/forms"
	"taizhang/ledger"
	"taizhang/store/sqlite"
)

// rollup runs `taizhang rollup verify|rebuild` against the configured store:
// verify recounts every entry and prints each cell where the kept counts
// differ (an error when any does); rebuild writes the recount.
func rollup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "verify" && args[0] != "rebuild" {
		return errors.New("usage: taizhang rollup verify|rebuild")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	cfg.Demo, cfg.AdminPhone, cfg.AdminPassword = false, "", "" // a tool: no set-up
	if err := cfg.LoadAuditKey(); err != nil {
		cfg.AuditKey = "" // verify writes no audit; rebuild neither
	}
	store, err := openForRollup(ctx, cfg, args[0] == "verify")
	if err != nil {
		return err
	}
	defer store.close()
	versions := &forms.VersionCache{Source: store.forms}
	if args[0] == "rebuild" {
		if err := rebuildCounts(ctx, store, versions); err != nil {
			return err
		}
		_, err := fmt.Fprintln(stdout, "rollup rebuilt from the entries")
		return err
	}
	counted, err := recount(ctx, store, versions)
	if err != nil {
		return err
	}
	kept, err := store.ledger.AllCounts(ctx)
	if err != nil {
		return err
	}
	diffs := ledger.Compare(kept, counted)
	for _, d := range diffs {
		fmt.Fprintln(stdout, d)
	}
	if len(diffs) > 0 {
		return fmt.Errorf("rollup differs from the entries in %d cells (taizhang rollup rebuild rewrites it)", len(diffs))
	}
	_, err = fmt.Fprintf(stdout, "rollup matches the entries: %d cells\n", len(counted))
	return err
}

// openForRollup opens the store; verify opens the embedded one read-only, so
// it runs beside the server (rebuild needs the server stopped).
func openForRollup(ctx context.Context, cfg config.Config, readOnly bool) (openStore, error) {
	if !readOnly || cfg.DBURL != "" {
		return open(ctx, cfg, func(string, time.Duration, error) {})
	}
	db, err := sqlite.Open(ctx, sqlite.Options{Dir: cfg.DataDir, ReadOnly: true})
	if err != nil {
		return openStore{}, err
	}
	return openStore{entries: db.Entries(), forms: db.Forms(), units: db.Org(), ledger: db.Ledger(), close: db.Close}, nil
}

func recount(ctx context.Context, store openStore, versions *forms.VersionCache) ([]ledger.Count, error) {
	root, err := store.units.RootUnit(ctx)
	if err != nil {
		return nil, err
	}
	return entries.Recount(ctx, store.entries, versions, root.ID)
}

// rebuildCounts writes a recount of every entry as the kept counts.
func rebuildCounts(ctx context.Context, store openStore, versions interface {
	GetVersion(ctx context.Context, formID string, version int) (forms.Version, error)
}) error {
	root, err := store.units.RootUnit(ctx)
	if errs.Is(err, errs.NotFound) {
		return store.ledger.ReplaceCounts(ctx, nil) // an empty store: nothing to count
	}
	if err != nil {
		return err
	}
	counted, err := entries.Recount(ctx, store.entries, versions, root.ID)
	if err != nil {
		return err
	}
	return store.ledger.ReplaceCounts(ctx, counted)
}
