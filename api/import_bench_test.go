package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// BenchmarkImport imports a 10,000-row ledger into the embedded store
// through the API (read, check every row, write), beside the dry run of the
// same file (read and check only): the difference is the cost of writing.
// Aim: ≥ 5,000 rows/s. make bench; numbers in docs/performance.md.
func BenchmarkImport(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		w := newWorldOn(b, sqliteStores(b))
		iw := importWorld{world: w, formID: w.publishForm(b, ledgerV2())}
		iw.office = w.tokenFor(w.addUser("13900000402", "city", false, "office"))
		file := bigLedger(b, n)
		b.StartTimer()
		start := time.Now()
		r := iw.importFile(file, true, nil)
		dry := time.Since(start)
		if r.status != 200 || r.json(b)["valid"] != true {
			b.Fatalf("dry run: %d %.300s", r.status, r.body)
		}
		start = time.Now()
		r = iw.importFile(file, false, nil)
		real := time.Since(start)
		if r.status != 201 || r.json(b)["created"] != float64(n) {
			b.Fatalf("import: %d %.300s", r.status, r.body)
		}
		b.ReportMetric(n/real.Seconds(), "rows/s")
		b.ReportMetric(n/dry.Seconds(), "checked-rows/s")
	}
}

func bigLedger(b *testing.B, n int) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, _ := f.NewStreamWriter("Sheet1")
	_ = sw.SetRow("A1", ledgerHeader)
	for i := range n {
		ref, _ := excelize.CoordinatesToCellName(1, i+2)
		row := goodRow([]string{"单位v1", "单位t1", "单位d1/单位t1/单位v1"}[i%3], "", fmt.Sprintf("第%d件实事", i))
		if err := sw.SetRow(ref, row); err != nil {
			b.Fatal(err)
		}
	}
	_ = sw.Flush()
	buf, err := f.WriteToBuffer()
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
