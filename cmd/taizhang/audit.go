package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"taizhang/audit"
	"taizhang/config"
	"taizhang/store/mongo"
	"taizhang/store/sqlite"
)

// verifyAudit walks the audit chain of the configured store under the audit
// key, checking it against every checkpoint: the data dir's checkpoint file
// and the one named by --checkpoint. On the embedded store it opens the
// database read-only, so it can run beside the server.
func verifyAudit(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if err := cfg.LoadAuditKey(); err != nil {
		return fmt.Errorf("audit key (TAIZHANG_AUDIT_KEY): %w", err)
	}
	key := []byte(cfg.AuditKey)
	files := []string{filepath.Join(cfg.DataDir, config.CheckpointFile)}
	switch {
	case len(args) == 2 && args[0] == "--checkpoint":
		files = append(files, args[1])
	case len(args) != 0:
		return errors.New("usage: taizhang audit verify [--checkpoint FILE]")
	}
	checkpoints, err := readCheckpoints(files, key, len(args) == 2)
	if err != nil {
		return err
	}
	store, closeStore, err := openAudit(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeStore()
	start := time.Now()
	rep, err := audit.Verify(ctx, store, key, checkpoints...)
	if err != nil {
		return fmt.Errorf("audit chain broken after %d records: %w", rep.Records, err)
	}
	_, err = fmt.Fprintf(stdout, "audit chain intact: %d records verified in %s\n", rep.Records, time.Since(start).Round(time.Millisecond))
	if err == nil && rep.Unkeyed > 0 {
		_, err = fmt.Fprintf(stdout, "note: the first %d records were written before the chain was keyed: edits to them are detected, a rewrite of them is not\n", rep.Unkeyed)
	}
	if err == nil {
		_, err = fmt.Fprintf(stdout, "%d checkpoints match; records after %d are not covered by any checkpoint yet\n", len(checkpoints), rep.Covered)
	}
	return err
}

// readCheckpoints reads every checkpoint file; the data dir's may be missing
// (a store that never served), the one asked for explicitly may not.
func readCheckpoints(files []string, key []byte, lastRequired bool) ([]audit.Checkpoint, error) {
	var out []audit.Checkpoint
	for i, name := range files {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) && !(lastRequired && i == len(files)-1) {
			continue
		}
		if err != nil {
			return nil, err
		}
		list, err := audit.ReadCheckpoints(f, key)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, list...)
	}
	return out, nil
}

func openAudit(ctx context.Context, cfg config.Config) (audit.Store, func() error, error) {
	if cfg.DBURL == "" {
		db, err := sqlite.Open(ctx, sqlite.Options{Dir: cfg.DataDir, ReadOnly: true})
		if err != nil {
			return nil, nil, err
		}
		return db.Audit(), db.Close, nil
	}
	db, err := mongo.Open(ctx, mongo.Options{URI: cfg.DBURL, ConnectTimeout: cfg.DBConnectTimeout})
	if err != nil {
		return nil, nil, err
	}
	return db.Audit(), db.Close, nil
}
