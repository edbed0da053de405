package api

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"taizhang/signals/signalstest"
)

// BenchmarkFilingWithSignals files the same 1,000 records — a photo and a long
// description each — into two fresh embedded stores, one checking signals
// and one not, 8 at a time, and reports the rates and their ratio. Aim: with
// signals ≥ 0.8× without. Signals are checked after the filing is answered:
// the check's own rate (what the background keeps up with) is reported too.
// Photos are uploaded before the clock starts. Run with -benchtime 1x (make bench).
func BenchmarkFilingWithSignals(b *testing.B) {
	const n, workers = 1000, 8
	photos := make([][]byte, n)
	for i := range photos {
		photos[i] = jpegOf(b, signalstest.Scene(uint64(100+i), 320, 240), 85)
	}
	rate := func(signalsOn bool) float64 {
		t := &testing.T{}
		sw := newSignalWorld(t, newWorld(t))
		if !signalsOn {
			sw.entries.Signals = nil
		}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = str(sw.call("POST", "/api/v1/attachments", sw.cadre, upload{file: photos[i]}).json(t), "id")
		}
		next := make(chan int, n)
		for i := range n {
			next <- i
		}
		close(next)
		start := time.Now()
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := range next {
					r := sw.call("POST", "/api/v1/forms/"+sw.formID+"/entries", sw.cadre, map[string]any{"clientId": fmt.Sprintf("bench-%06d", i),
						"data": map[string]any{"name": "走访", "what": signalstest.Text(uint64(i)), "photos": []string{ids[i]}}, "submit": true})
					if r.status != 201 {
						panic(fmt.Sprintf("%d %s", r.status, r.body))
					}
				}
			})
		}
		wg.Wait()
		filed := n / time.Since(start).Seconds()
		if signalsOn {
			start = time.Now()
			checked, err := sw.entries.CheckSignals(context.Background(), sw.units["city"].ID, n)
			if err != nil || checked != n {
				panic(fmt.Sprintf("checked %d of %d: %v", checked, n, err))
			}
			b.ReportMetric(n/time.Since(start).Seconds(), "checks/s")
		}
		return filed
	}
	without, with := rate(false), rate(true)
	b.ReportMetric(without, "filings/s-without")
	b.ReportMetric(with, "filings/s-with-signals")
	b.ReportMetric(with/without, "with/without")
}
