package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"taizhang/auth"
)

// A restart fails the jobs that were queued or running, saying so, and keeps
// finished ones until they expire; expired files are removed.
func TestJobsAfterARestart(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	write := func(id, body string) {
		if err := os.WriteFile(filepath.Join(dir, id+".json"), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("running", `{"id":"running","ownerId":"u1","kind":"entries","format":"csv","status":"running"}`)
	write("done", `{"id":"done","ownerId":"u1","kind":"entries","format":"csv","status":"done","expiresAt":"2026-12-02T00:00:00Z"}`)
	write("old", `{"id":"old","ownerId":"u1","kind":"entries","format":"csv","status":"done","expiresAt":"2026-12-01T00:00:00Z"}`)
	for _, id := range []string{"done", "old"} {
		if err := os.WriteFile(filepath.Join(dir, id+".out"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	jobs, err := OpenJobs(dir, &Service{Now: func() time.Time { return now }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	owner, stranger := auth.ScopeForTest(t, "city", "u1"), auth.ScopeForTest(t, "city", "u2")
	if j, err := jobs.Get(owner, "running"); err != nil || j.Status != Failed || !strings.Contains(j.Error, "重启") {
		t.Fatalf("interrupted job: %+v %v", j, err)
	}
	if _, err := jobs.Get(stranger, "done"); err == nil {
		t.Fatal("someone else's job was found")
	}
	f, _, err := jobs.Open(owner, "done")
	if err != nil {
		t.Fatalf("finished job: %v", err)
	}
	f.Close()
	if _, err := jobs.Get(owner, "old"); err == nil {
		t.Fatal("an expired job is still listed")
	}
	if _, err := os.Stat(filepath.Join(dir, "old.out")); !os.IsNotExist(err) {
		t.Fatalf("the expired file is still there: %v", err)
	}
}

func TestMaskAndFormulas(t *testing.T) {
	for in, want := range map[string]string{"11010519491231002X": "110***********002X", "13912345678": "139****5678", "123": "***"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	for _, s := range []string{"=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"} {
		if !Formulaic(s) || csvText(s) != "'"+s {
			t.Errorf("%q is not neutralised: %q", s, csvText(s))
		}
	}
	if Formulaic("正常文本") || csvText(-1.5) != "-1.5" {
		t.Error("plain text or a negative number was touched")
	}
}

// The spreadsheet day numbers of the XLSX writer: Beijing wall clock, days
// since 1899-12-30 (Excel's and LibreOffice's epoch).
func TestSerial(t *testing.T) {
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	if got := serial(day); got != 46353 {
		t.Errorf("serial(2026-11-27) = %v, want 46353", got)
	}
	if got := serial(day.Add(12 * time.Hour)); got != 46353.5 {
		t.Errorf("serial(2026-11-27 12:00) = %v, want 46353.5", got)
	}
	if got := string(appendEscaped(nil, "a<b>&c\x01\uFFFE")); got != "a&lt;b&gt;&amp;c" {
		t.Errorf("escaped: %q", got)
	}
}
