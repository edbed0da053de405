package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkLoginBurst sends 200 logins at once to the real binary, each from
// its own address (through a trusted proxy) for its own phone, so every one
// of them reaches the password check; unknown phones cost the same as known
// ones. It reports the server's peak resident memory (VmHWM) beside its memory
// at rest, and how the burst was answered: 401 checked, 503 asked to come back.
// Unbounded, 50 such logins took a server from 170 MB to 5.49 GB.
func BenchmarkLoginBurst(b *testing.B) {
	const burst = 200
	bin := testBinary(b)
	base, server := startBinary(b, bin, "TAIZHANG_DATA_DIR="+b.TempDir(), "TAIZHANG_TRUSTED_PROXIES=127.0.0.1")
	atRest := memoryKiB(b, server.Process.Pid, "VmRSS")
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, _ := json.Marshal(map[string]string{"phone": fmt.Sprintf("137%08d", i), "password": "wrong-password"})
			req, _ := http.NewRequest("POST", base+"/api/v1/auth/login", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.0.%d.%d", i/250, i%250+1))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := memoryKiB(b, server.Process.Pid, "VmHWM")
	if statuses[401]+statuses[503] != burst {
		b.Fatalf("the burst was answered %v, want only 401 and 503", statuses)
	}
	b.ReportMetric(float64(atRest)/1024, "rest-RSS-MB")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MB")
	b.ReportMetric(float64(statuses[401]), "checked")
	b.ReportMetric(float64(statuses[503]), "asked-to-retry")
	b.ReportMetric(elapsed.Seconds(), "burst-s")
}

// memoryKiB reads one memory line of /proc/pid/status (Linux).
func memoryKiB(b *testing.B, pid int, field string) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Skipf("no /proc here: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if value, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(value), "kB")))
			return n
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
