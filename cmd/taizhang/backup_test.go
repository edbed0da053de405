package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestBackupUnderLoadRestores backs up the embedded store while eight
// workers file into it, restores the copy into an empty data dir, and shows
// that the audit chain verifies there and that every entry acknowledged
// before the backup began, and a photo, came back.
func TestBackupUnderLoadRestores(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testBinary(t)
	dir := t.TempDir()
	base, _ := startBinary(t, bin, "TAIZHANG_DATA_DIR="+dir, "TAIZHANG_DEMO_WEEKS=0")
	token := loginToken(t, base, demoCadrePhone)
	formID := demoFormID(t, base, token, "problem")
	photo := jpegPhoto(t, 320, 240, 5)
	var att struct{ ID string }
	upload(t, base+"/api/v1/attachments", token, "photo.jpg", photo).json(t, &att)

	storm := startFilingStorm(func(clientID string) bool { return fileOrReplay(base, token, formID, clientID) })
	waitFor(t, func() bool { return len(storm.acknowledged()) >= 100 })
	before := storm.acknowledged()

	saved := t.TempDir()
	out := runCommand(t, bin, []string{"TAIZHANG_DATA_DIR=" + dir}, "backup", "--to", saved)
	storm.end()
	if !strings.Contains(out, "backed up") || !strings.Contains(out, "1 blobs") {
		t.Fatalf("backup said: %s", out)
	}

	restored := t.TempDir()
	runCommand(t, bin, []string{"TAIZHANG_DATA_DIR=" + restored}, "restore", "--from", saved)
	if out := runCommand(t, bin, []string{"TAIZHANG_DATA_DIR=" + restored}, "audit", "verify"); !strings.Contains(out, "audit chain intact") {
		t.Fatalf("audit verify on the restored store: %s", out)
	}
	again, _ := startBinary(t, bin, "TAIZHANG_DATA_DIR="+restored)
	token = loginToken(t, again, demoCadrePhone)
	stored := listClientIDs(t, again, token, formID)
	for id := range before {
		if stored[id] != 1 {
			t.Errorf("%s, acknowledged before the backup, is stored %d times after the restore", id, stored[id])
		}
	}
	if got := call(t, "GET", again+"/api/v1/attachments/"+att.ID, token, nil); got.status != 200 || !bytes.Equal(got.body, photo) {
		t.Fatalf("the photo after the restore: %d", got.status)
	}
	t.Logf("%d entries acknowledged before the backup, %d in the restored store", len(before), len(stored))
}

// TestRestoreRefusesAUsedDataDir: a restore never mixes a backup into a live
// store, and a backup of MongoDB points at mongodump.
func TestRestoreRefusesAUsedDataDir(t *testing.T) {
	used := t.TempDir()
	if err := os.WriteFile(used+"/taizhang.db", []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	saved := t.TempDir()
	if err := os.WriteFile(saved+"/backup.json", []byte(`{"database":"taizhang.db"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"restore", "--from", saved}, envOf(map[string]string{"TAIZHANG_DATA_DIR": used}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore into a used data dir: %v", err)
	}
	err = run(context.Background(), []string{"restore", "--from", t.TempDir()}, envOf(map[string]string{"TAIZHANG_DATA_DIR": t.TempDir()}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a taizhang backup") {
		t.Fatalf("restore from a directory that is no backup: %v", err)
	}
	err = run(context.Background(), []string{"backup", "--to", t.TempDir()}, envOf(map[string]string{"TAIZHANG_DB_URL": "mongodb://db/x"}), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "mongodump") {
		t.Fatalf("backup on MongoDB: %v", err)
	}
}

// runCommand runs the binary with a command, failing the test on an error.
func runCommand(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("taizhang %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}
