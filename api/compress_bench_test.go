package api

import (
	"fmt"
	"testing"

	"github.com/valyala/fasthttp"

	"taizhang/signals/signalstest"
)

// BenchmarkCompressAnswers compresses two real answers — a filing's and a
// supervisor's page of 20 entries, each with a long description — the ways
// a server could: brotli at its default level (what phones got until the
// API chose), gzip at its default and at its fastest (what a client that
// does not take zstd gets), zstd at its fastest (what the API sends a
// client that takes it). It reports the time per answer and the bytes sent; compressAnswers
// says why the API takes the fastest.
func BenchmarkCompressAnswers(b *testing.B) {
	t := &testing.T{}
	ew := entryWorldIn(t, newWorld(t))
	var filed []byte
	for i := range 20 {
		r := ew.call("POST", "/api/v1/forms/"+ew.formID+"/entries", ew.cadre, map[string]any{"clientId": fmt.Sprintf("compress-%08d", i),
			"data": map[string]any{"name": signalstest.Text(uint64(i)), "size": i}, "submit": true})
		if r.status != 201 {
			b.Fatalf("filing: %d %s", r.status, r.body)
		}
		filed = r.body
	}
	page := ew.call("GET", "/api/v1/entries?limit=20", ew.townSup, nil)
	if page.status != 200 {
		b.Fatalf("page: %d %s", page.status, page.body)
	}
	ways := []struct {
		name     string
		compress func(dst, src []byte) []byte
	}{
		{"brotli-default", func(dst, src []byte) []byte {
			return fasthttp.AppendBrotliBytesLevel(dst, src, fasthttp.CompressBrotliDefaultCompression)
		}},
		{"gzip-default", func(dst, src []byte) []byte {
			return fasthttp.AppendGzipBytesLevel(dst, src, fasthttp.CompressDefaultCompression)
		}},
		{"gzip-fastest", func(dst, src []byte) []byte {
			return fasthttp.AppendGzipBytesLevel(dst, src, fasthttp.CompressBestSpeed)
		}},
		{"zstd-fastest", func(dst, src []byte) []byte {
			return answerEncoder.EncodeAll(src, dst)
		}},
	}
	for _, answer := range []struct {
		name string
		body []byte
	}{{"filing", filed}, {"page", page.body}} {
		for _, way := range ways {
			b.Run(answer.name+"/"+way.name, func(b *testing.B) {
				var out []byte
				for b.Loop() {
					out = way.compress(out[:0], answer.body)
				}
				b.ReportMetric(float64(len(answer.body)), "answer-B")
				b.ReportMetric(float64(len(out)), "sent-B")
			})
		}
	}
}
