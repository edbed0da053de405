package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkExport exports 100,000 entries of a 30-field form from the real
// binary as XLSX and as CSV jobs, and reports rows per second and the
// server's peak resident memory during each export (VmHWM, reset before
// each), beside the same rows written by excelize's streaming writer and by
// encoding/csv alone in this process: the baseline of the file format.
// Run with -benchtime 1x (make bench); numbers go to docs/performance.md.
func BenchmarkExport(b *testing.B) {
	const n = 100_000
	bin := testBinary(b)
	dir := b.TempDir()
	base, server := startBinary(b, bin, "TAIZHANG_DATA_DIR="+dir, "TAIZHANG_DEMO_WEEKS=0")
	client := &http.Client{}
	formID := publishThirtyFieldForm(b, client, base)
	office := benchLogin(b, client, base, "13800000002")
	var me struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	getJSON(b, client, base+"/api/v1/me", office, &me)
	seedEntriesOf(b, dir, n, formID, me.User.ID)
	pid := server.Process.Pid
	atRest := memoryKiB(b, pid, "VmRSS")
	for _, format := range []string{"xlsx", "csv"} {
		_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) // VmHWM from here
		start := time.Now()
		rows := exportJob(b, client, base, office, formID, format)
		elapsed := time.Since(start)
		if rows != n {
			b.Fatalf("%s export wrote %d rows, want %d", format, rows, n)
		}
		raw := baselineRows(b, format, n)
		b.ReportMetric(float64(n)/elapsed.Seconds(), format+"-rows/s")
		b.ReportMetric(float64(n)/raw.Seconds(), format+"-raw-rows/s")
		b.ReportMetric(elapsed.Seconds()/raw.Seconds(), format+"/raw")
		b.ReportMetric(float64(memoryKiB(b, pid, "VmHWM"))/1024, format+"-peak-RSS-MB")
	}
	b.ReportMetric(float64(atRest)/1024, "rest-RSS-MB")
}

// exportJob starts an export job, waits for it, fetches the file and
// returns the rows the server counted into it.
func exportJob(b *testing.B, client *http.Client, base, token, formID, format string) int {
	body, _ := json.Marshal(map[string]any{"kind": "entries", "formId": formID, "format": format})
	req, _ := http.NewRequest("POST", base+"/api/v1/exports", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	var job struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Rows   int    `json:"rows"`
		Error  string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		b.Fatalf("start export: %d", resp.StatusCode)
	}
	for job.Status != "done" {
		if job.Status == "failed" {
			b.Fatalf("export failed: %s", job.Error)
		}
		time.Sleep(50 * time.Millisecond)
		getJSON(b, client, base+"/api/v1/exports/"+job.ID, token, &job)
	}
	req, _ = http.NewRequest("GET", base+"/api/v1/exports/"+job.ID+"/file", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err = client.Do(req); err != nil {
		b.Fatal(err)
	}
	size, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || size == 0 {
		b.Fatalf("export file: %d, %d bytes", resp.StatusCode, size)
	}
	return job.Rows
}

func getJSON(b *testing.B, client *http.Client, url, token string, out any) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		b.Fatal(err)
	}
}

// baselineRows writes n rows of 42 cells (the export's width) with the file
// format's library alone, to a discarded file.
func baselineRows(b *testing.B, format string, n int) time.Duration {
	row := make([]any, 42)
	text := make([]string, 42)
	for i := range row {
		if i%2 == 0 {
			row[i], text[i] = "由村会计每月五日前张贴补助明细并拍照上传", "由村会计每月五日前张贴补助明细并拍照上传"
		} else {
			row[i], text[i] = float64(i), fmt.Sprint(i)
		}
	}
	start := time.Now()
	if format == "csv" {
		w := csv.NewWriter(io.Discard)
		for range n {
			_ = w.Write(text)
		}
		w.Flush()
		return time.Since(start)
	}
	f := excelize.NewFile()
	defer f.Close()
	sw, _ := f.NewStreamWriter("Sheet1")
	for i := range n {
		ref, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(ref, row); err != nil {
			b.Fatal(err)
		}
	}
	_ = sw.Flush()
	_ = f.Write(io.Discard)
	return time.Since(start)
}
