package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"taizhang/store/sqlite"
)

// BenchmarkFilingCPU files 5,000 thirty-field entries into the real binary
// over 16 connections and reports the server's CPU time per filing (user +
// system, from /proc/PID/stat), beside the rate. CPU per filing is what
// decides how many filings a core carries at the deadline hour. Two
// measures: while the filings are answered, and settled — until the server
// is idle again, so the signals check each filing causes in the background
// is counted whether it kept up or fell behind.
// The filings accept what a phone's browser does, so each answer is
// compressed as a phone's would be.
//
// one-cadre files everything as one cadre of one village, as the numbers in
// docs/performance.md were measured; sixteen-cadres as sixteen cadres of the
// demo city's units, each filing with its own reviewers, as at a deadline
// hour: each commit then touches more of the indexes' pages.
// checked-elsewhere files as one-cadre on an instance that leaves the
// signals check to another, which holds its lease: what the filing itself
// costs, apart from the check issue 17 added (whose cost is the difference).
// Run with -benchtime 1x (make bench); numbers go to docs/performance.md.
func BenchmarkFilingCPU(b *testing.B) {
	b.Run("one-cadre", func(b *testing.B) { benchFilingCPU(b, b.TempDir(), demoCadrePhone) })
	b.Run("sixteen-cadres", func(b *testing.B) { benchFilingCPU(b, b.TempDir(), demoCadrePhones...) })
	b.Run("checked-elsewhere", func(b *testing.B) { benchFilingCPU(b, checkedElsewhere(b), demoCadrePhone) })
}

// demoCadrePhones are sixteen of the demo city's cadres, in fifteen units.
var demoCadrePhones = []string{"13800000005", "13800000006", "13800000007", "13800000009",
	"13800000101", "13800000102", "13800000103", "13800000104", "13800000105", "13800000106",
	"13800000107", "13800000108", "13800000109", "13800000110", "13800000111", "13800000112"}

// checkedElsewhere is a data dir whose signals check's lease another
// instance holds for the next hour.
func checkedElsewhere(b *testing.B) string {
	dir := b.TempDir()
	db, err := sqlite.Open(context.Background(), sqlite.Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	if held, err := db.Remind().Claim(context.Background(), signalsLease, "another-instance", now, now.Add(time.Hour)); !held || err != nil {
		b.Fatalf("claiming the check's lease: %v %v", held, err)
	}
	return dir
}

func benchFilingCPU(b *testing.B, dir string, phones ...string) {
	const n = 5000
	bin := testBinary(b)
	base, server := startBinary(b, bin, "TAIZHANG_DATA_DIR="+dir, "TAIZHANG_DEMO_WEEKS=0", "TAIZHANG_REMINDER_EVERY=1h")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	phone := &http.Client{Transport: phoneEncodings{&http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}}
	formID := publishThirtyFieldForm(b, client, base)
	var cadres []string
	for _, p := range phones {
		cadres = append(cadres, benchLogin(b, client, base, p))
	}
	var seq atomic.Int64
	file := func() error {
		// Texts that differ from entry to entry, as real ones do: identical
		// ones are the signals check's worst case (each a copy of the last
		// twenty), which would be measured here as filing.
		i := seq.Add(1)
		payload, _ := json.Marshal(map[string]any{"clientId": fmt.Sprintf("cpu-%08d", i), "data": twoKilobyteBody(uint64(i)), "submit": true})
		return expect(phone, "POST", base+"/api/v1/forms/"+formID+"/entries", cadres[int(i)%len(cadres)], payload, 201)
	}
	rate(workers, 200, file) // warm up: caches, prepared statements, connections
	before := cpuTicks(b, server.Process.Pid)
	perSecond := rate(workers, n, file)
	used := cpuTicks(b, server.Process.Pid) - before
	b.ReportMetric(float64(used)*10/float64(n), "cpu-ms/filing") // a tick is 10 ms (USER_HZ 100)
	settled := settledTicks(b, server.Process.Pid)
	b.ReportMetric(float64(settled-before)*10/float64(n), "settled-cpu-ms/filing")
	b.ReportMetric(perSecond, "filings/s")
}

// phoneEncodings sends the Accept-Encoding of a phone's browser (Go's client
// sends gzip only) and leaves the answer as it came.
type phoneEncodings struct{ http.RoundTripper }

func (p phoneEncodings) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	return p.RoundTripper.RoundTrip(req)
}

// settledTicks waits until a process has used less than 0.1 s of CPU in
// 3 s (idle but for its timers) and returns its CPU time then.
func settledTicks(b *testing.B, pid int) int64 {
	last := cpuTicks(b, pid)
	for {
		time.Sleep(3 * time.Second)
		now := cpuTicks(b, pid)
		if now-last < 10 {
			return now
		}
		last = now
	}
}

// cpuTicks is a process's user + system CPU time in clock ticks.
func cpuTicks(b *testing.B, pid int) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	// Fields after the command name (which may hold spaces) start at ") ".
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}
