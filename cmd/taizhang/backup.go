package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"taizhang/attachments"
	"taizhang/config"
	"taizhang/push"
	"taizhang/store/sqlite"
)

// backupManifest describes a backup; restore reads it to know it is one.
type backupManifest struct {
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	Blobs     int       `json:"blobs"`     // files copied from the data dir's blobs
	BlobBytes int64     `json:"blobBytes"` // their size
	BlobsAt   string    `json:"blobsAt"`   // "data dir", or the bucket (not copied)
	Database  string    `json:"database"`  // file name in the backup
	Generated []string  `json:"generated"` // secrets and checkpoints copied beside it
}

const manifestFile = "backup.json"

// generatedFiles are the data dir's own files a restore needs: the keys that
// sign tokens, seal the audit chain and push; the audit checkpoints.
var generatedFiles = []string{"jwt.secret", "audit.key", push.KeysFile, config.CheckpointFile}

// backup copies the embedded store while it serves: first the audit
// checkpoints (so every checkpoint copied covers records the database copy
// has), then a consistent snapshot of the database, then the blobs (an
// attachment's bytes are stored before its record, so every attachment in the
// snapshot finds its blob). On MongoDB it refuses and says what to use.
func backup(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "--to" {
		return errors.New("usage: taizhang backup --to PATH")
	}
	to := args[1]
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if cfg.DBURL != "" {
		return errors.New("TAIZHANG_DB_URL names MongoDB: back it up with mongodump --oplog (or your cloud's snapshots) and the bucket with replication; see deploy/README.md")
	}
	if err := emptyDir(to); err != nil {
		return fmt.Errorf("--to %s: %w", to, err)
	}
	m := backupManifest{Version: version, CreatedAt: time.Now().UTC(), Database: sqlite.FileName, BlobsAt: "data dir"}
	for _, name := range generatedFiles {
		copied, err := copyIfPresent(filepath.Join(cfg.DataDir, name), filepath.Join(to, name))
		if err != nil {
			return err
		}
		if copied {
			m.Generated = append(m.Generated, name)
		}
	}
	start := time.Now()
	if err := sqlite.Backup(ctx, cfg.DataDir, filepath.Join(to, sqlite.FileName)); err != nil {
		return err
	}
	if cfg.BlobURL != "" {
		m.BlobsAt = config.RedactURL(cfg.BlobURL)
	} else if m.Blobs, m.BlobBytes, err = copyTree(filepath.Join(cfg.DataDir, "blobs"), filepath.Join(to, "blobs")); err != nil {
		return err
	}
	raw, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(to, manifestFile), raw, 0o600); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "backed up %s to %s in %s: the database, %d blobs (%d MB), %v\n",
		cfg.DataDir, to, time.Since(start).Round(time.Millisecond), m.Blobs, m.BlobBytes>>20, m.Generated)
	if err == nil && cfg.BlobURL != "" {
		_, err = fmt.Fprintf(stdout, "attachments are in %s: back the bucket up with its own replication\n", m.BlobsAt)
	}
	return err
}

// restore copies a backup into an empty data dir and checks the database.
func restore(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "--from" {
		return errors.New("usage: taizhang restore --from PATH")
	}
	from := args[1]
	cfg, err := config.Load(getenv)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	var m backupManifest
	raw, err := os.ReadFile(filepath.Join(from, manifestFile))
	if err == nil {
		err = json.Unmarshal(raw, &m)
	}
	if err != nil {
		return fmt.Errorf("--from %s is not a taizhang backup (%s): %w", from, manifestFile, err)
	}
	if err := emptyDir(cfg.DataDir); err != nil {
		return fmt.Errorf("TAIZHANG_DATA_DIR %s: %w (restore only into an empty data dir)", cfg.DataDir, err)
	}
	if err := sqlite.CheckIntegrity(ctx, filepath.Join(from, m.Database)); err != nil {
		return fmt.Errorf("the backup's database: %w", err)
	}
	for _, name := range append([]string{m.Database}, m.Generated...) {
		if _, err := copyIfPresent(filepath.Join(from, name), filepath.Join(cfg.DataDir, name)); err != nil {
			return err
		}
	}
	blobs, size, err := copyTree(filepath.Join(from, "blobs"), filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "restored the backup of %s into %s: the database, %d blobs (%d MB), %v\n",
		m.CreatedAt.Format(time.RFC3339), cfg.DataDir, blobs, size>>20, m.Generated)
	return err
}

// emptyDir makes dir if it is missing and refuses it if it holds anything.
func emptyDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	names, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		return errors.New("is not empty")
	}
	return nil
}

// copyIfPresent copies a file, reporting false if there is none to copy.
func copyIfPresent(from, to string) (bool, error) {
	src, err := os.Open(from)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer src.Close()
	return true, writeFile(to, src)
}

// writeFile writes r to path (mode 0600) and syncs it: a backup is only one
// if it reached the disk.
func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	dst, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, r)
	return errors.Join(err, dst.Sync(), dst.Close())
}

// copyTree copies the blobs under from (files named by their SHA-256; a blob
// still being written has a temporary name and is skipped) and counts them.
func copyTree(from, to string) (files int, size int64, err error) {
	err = filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == from {
			return filepath.SkipDir // no blobs yet
		}
		if err != nil || !d.Type().IsRegular() || attachments.CheckSHA(d.Name()) != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		if _, err := copyIfPresent(path, filepath.Join(to, rel)); err != nil {
			return err
		}
		info, err := d.Info()
		if err == nil {
			files++
			size += info.Size()
		}
		return err
	})
	return files, size, err
}
