package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"taizhang/audit"
	"taizhang/config"
	"taizhang/store/mongo"
	"taizhang/store/sqlite"
)

// verifyAudit walks the audit chain of the configured store. On the embedded
// store it opens the database read-only, so it can run beside the server.
func verifyAudit(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	var store audit.Store
	if cfg.DBURL == "" {
		db, err := sqlite.Open(ctx, sqlite.Options{Dir: cfg.DataDir, ReadOnly: true})
		if err != nil {
			return err
		}
		defer db.Close()
		store = db.Audit()
	} else {
		db, err := mongo.Open(ctx, mongo.Options{URI: cfg.DBURL, ConnectTimeout: cfg.DBConnectTimeout})
		if err != nil {
			return err
		}
		defer db.Close()
		store = db.Audit()
	}
	start := time.Now()
	n, err := audit.Verify(ctx, store)
	if err != nil {
		return fmt.Errorf("audit chain broken after %d records: %w", n, err)
	}
	_, err = fmt.Fprintf(stdout, "audit chain intact: %d records verified in %s\n", n, time.Since(start).Round(time.Millisecond))
	return err
}
