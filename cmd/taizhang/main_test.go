package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taizhang/audit"
	"taizhang/config"
)

// envOf turns a map into a getenv function; unset keys read as empty.
func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// runningServer starts the real program on port 0 with a fresh data dir and
// returns its base URL; the server stops (store closed) when the test ends.
func runningServer(t *testing.T, env map[string]string) (baseURL string, stop func() error) {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if env["TAIZHANG_DATA_DIR"] == "" {
		env["TAIZHANG_DATA_DIR"] = t.TempDir()
	}
	cfg, err := config.Load(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p, err := start(ctx, cfg, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.serve(ctx, ln) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestServesHealthReadinessMetricsAndShell(t *testing.T) {
	base, _ := runningServer(t, nil)
	for path, want := range map[string]string{
		"/healthz": `"ok"`, "/readyz": `"ready"`, "/metrics": "taizhang_build_info", "/": "台账",
	} {
		status, body := get(t, base+path)
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d, want 200 containing %q: %.200s", path, status, want, body)
		}
	}
}

// TestShutdownReleasesTheStore stops the server and then opens the same data dir
// again: that only works if HTTP stopped and the store was closed.
func TestShutdownReleasesTheStore(t *testing.T) {
	dir := t.TempDir()
	_, stop := runningServer(t, map[string]string{"TAIZHANG_DATA_DIR": dir})
	if err := stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	runningServer(t, map[string]string{"TAIZHANG_DATA_DIR": dir})
}

func TestSecondProcessOnSameDataDirRefuses(t *testing.T) {
	dir := t.TempDir()
	runningServer(t, map[string]string{"TAIZHANG_DATA_DIR": dir})
	err := run(context.Background(), nil, envOf(map[string]string{"TAIZHANG_DATA_DIR": dir, "TAIZHANG_ADDR": "127.0.0.1:0"}),
		io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use by another taizhang process") {
		t.Fatalf("want a clear refusal, got %v", err)
	}
}

func TestInvalidConfigurationNamesTheVariable(t *testing.T) {
	err := run(context.Background(), []string{"serve"}, envOf(map[string]string{"TAIZHANG_LOG_FORMAT": "xml"}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TAIZHANG_LOG_FORMAT") {
		t.Fatalf("want an error naming TAIZHANG_LOG_FORMAT, got %v", err)
	}
}

func TestUnreachableMongoDBFailsClearly(t *testing.T) {
	start := time.Now()
	err := run(context.Background(), nil, envOf(map[string]string{
		"TAIZHANG_DB_URL": "mongodb://127.0.0.1:1/x", "TAIZHANG_DB_CONNECT_TIMEOUT": "1s",
		"TAIZHANG_DATA_DIR": t.TempDir(),
	}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TAIZHANG_DB_URL") || !strings.Contains(err.Error(), "did not answer within 1s") {
		t.Fatalf("want a clear MongoDB error, got %v", err)
	}
	if time.Since(start) > 15*time.Second {
		t.Fatalf("gave up after %s, ignoring TAIZHANG_DB_CONNECT_TIMEOUT=1s", time.Since(start))
	}
}

func TestCommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"version"}, envOf(nil), &out, io.Discard); err != nil || out.String() != version+"\n" {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	if err := run(context.Background(), []string{"frobnicate"}, envOf(nil), io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "unknown command frobnicate") {
		t.Fatalf("unknown command: %v", err)
	}
}

// TestAuditVerifyCommand runs `taizhang audit verify` beside a running server
// whose logins were audited, then after tampering with the file as the outside
// review did: an edited record, a cut-off tail (which used to read "intact"),
// and a record changed with every later hash recomputed.
func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	base, stop := runningServer(t, map[string]string{"TAIZHANG_DATA_DIR": dir, "TAIZHANG_ADMIN_PHONE": "13800000001",
		"TAIZHANG_ADMIN_PASSWORD": "admin-pass-1"})
	for range 3 {
		resp, err := http.Post(base+"/api/v1/auth/login", "application/json",
			strings.NewReader(`{"phone":"13800000001","password":"admin-pass-1"}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("login: %v %v", err, resp.Status)
		}
		resp.Body.Close()
	}
	env := envOf(map[string]string{"TAIZHANG_DATA_DIR": dir})
	verify := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"audit", "verify"}, args...), env, &out, io.Discard)
		return out.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "intact: 3 records") {
		t.Fatalf("verify beside the server: %v %q", err, out)
	}
	if err := stop(); err != nil { // shutting down writes the last checkpoint
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(filepath.Join(dir, config.CheckpointFile))
	elsewhere := filepath.Join(t.TempDir(), "checkpoints.jsonl")
	_ = os.WriteFile(elsewhere, saved, 0o600)
	if out, err := verify("--checkpoint", elsewhere); err != nil || !strings.Contains(out, "records after 3 are not covered") {
		t.Fatalf("verify with the checkpoints: %v %q", err, out)
	}
	tamper := func(stmt string, args ...any) {
		db, err := sqliteOpenForTamper(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(stmt, args...); err != nil {
			t.Fatal(err)
		}
	}
	tamper(`DELETE FROM audit_log WHERE seq = 3`)
	if _, err := verify(); err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("a cut-off tail: %v", err)
	}
	_ = os.Remove(filepath.Join(dir, config.CheckpointFile)) // the attacker removes the file too…
	if _, err := verify("--checkpoint", elsewhere); err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("a cut-off tail, against the copy kept elsewhere: %v", err)
	}
	tamper(`UPDATE audit_log SET actor_id = 'someone-else' WHERE seq = 2`)
	if _, err := verify(); err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("an edited record: %v", err)
	}
	forged := audit.Record{Seq: 2}
	tamper(`UPDATE audit_log SET hash = ? WHERE seq = 2`, forged.Seal([]byte("not-the-key-not-the-key-not-the-key")))
	if _, err := verify(); err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Fatalf("a record resealed without the key: %v", err)
	}
}

// TestRollupCommand checks the demo city's kept counts against a recount
// beside the running server, finds a count edited behind its back, and
// rebuilds it once the server has stopped.
func TestRollupCommand(t *testing.T) {
	dir := t.TempDir()
	_, stop := runningServer(t, map[string]string{"TAIZHANG_DATA_DIR": dir, "TAIZHANG_DEMO": "1"})
	env := envOf(map[string]string{"TAIZHANG_DATA_DIR": dir})
	rollup := func(verb string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"rollup", verb}, env, &out, io.Discard)
		return out.String(), err
	}
	if out, err := rollup("verify"); err != nil || !strings.Contains(out, "rollup matches the entries") || strings.Contains(out, ": 0 cells") {
		t.Fatalf("verify beside the server: %v %q", err, out)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	db, err := sqliteOpenForTamper(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE entry_counts SET n = n + 5 WHERE (form_id, unit_id, bucket, status, field, option) =
		(SELECT form_id, unit_id, bucket, status, field, option FROM entry_counts WHERE n > 0 LIMIT 1)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := rollup("verify"); err == nil || !strings.Contains(err.Error(), "differs from the entries in 1 cells") {
		t.Fatalf("verify an edited count: %v", err)
	}
	if out, err := rollup("rebuild"); err != nil || !strings.Contains(out, "rebuilt") {
		t.Fatalf("rebuild: %v %q", err, out)
	}
	if out, err := rollup("verify"); err != nil || !strings.Contains(out, "matches") {
		t.Fatalf("verify after the rebuild: %v %q", err, out)
	}
}
