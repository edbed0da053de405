// Command taizhang serves the ledger's API and PWA. main is wiring only: it reads the
// configuration, opens the one store, builds the HTTP app and shuts all of it down
// in order.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"taizhang/config"

	"taizhang/api"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], config.LookupEnv(os.LookupEnv), os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "taizhang:", err)
		os.Exit(1)
	}
}

const usage = `taizhang — 台账: records of the work-style rectification campaign

Usage:
  taizhang [serve]       serve the API and the PWA (the default)
  taizhang audit verify [--checkpoint FILE]
                         check the audit log's keyed hash chain, and that every
                         checkpoint (the data dir's audit-checkpoints.jsonl, and
                         FILE: a copy of it or a JSON server log) still matches it
  taizhang rollup verify recount every entry and print where the kept counts differ
  taizhang rollup rebuild
                         rewrite the kept counts from the entries
  taizhang backup --to PATH
                         copy the embedded store while it serves: a consistent
                         snapshot of the database, its blobs and generated keys
                         (on MongoDB: use mongodump, see deploy/README.md)
  taizhang restore --from PATH
                         copy a backup into an empty TAIZHANG_DATA_DIR
  taizhang routes        print the API's route table (Markdown, as in docs/api.md)
  taizhang version       print the version
  taizhang help          show this text

Configuration is read from TAIZHANG_* environment variables; see README.md.
`

// run is the single exit point: every failure comes back here as an error.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	command := "serve"
	if len(args) > 0 {
		command = args[0]
	}
	switch command {
	case "serve":
		return serve(ctx, getenv, stdout, stderr)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return errors.New("usage: taizhang audit verify [--checkpoint FILE]")
		}
		return verifyAudit(ctx, args[2:], getenv, stdout)
	case "rollup":
		return rollup(ctx, args[1:], getenv, stdout)
	case "backup":
		return backup(ctx, args[1:], getenv, stdout)
	case "restore":
		return restore(ctx, args[1:], getenv, stdout)
	case "routes":
		return api.WriteRouteTable(stdout)
	case "version":
		_, err := fmt.Fprintln(stdout, version)
		return err
	case "help", "-h", "--help":
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	return errors.New("unknown command " + command + "\n\n" + usage)
}
