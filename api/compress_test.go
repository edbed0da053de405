package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// phoneEncodings is what a phone's browser accepts.
var phoneEncodings = map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}

// TestAnswersAreCompressedByWhatTheyAre: the API's JSON is zstd for a client
// that takes it, else gzip at its fastest even for a client that takes
// brotli; attached files and exports go as they are, with their length, and
// a range of a file is exactly its bytes.
func TestAnswersAreCompressedByWhatTheyAre(t *testing.T) {
	ew := newEntryWorld(t)
	file := func(clientID, acceptEncoding string) reply {
		return ew.callWith("POST", "/api/v1/forms/"+ew.formID+"/entries", ew.cadre, map[string]any{"clientId": clientID,
			"data": map[string]any{"name": "村东头路灯坏了三盏，已联系供电所更换并回访了附近住户", "size": 3}, "submit": true},
			map[string]string{"Accept-Encoding": acceptEncoding})
	}
	for i, c := range []struct{ accepts, encoding string }{
		{phoneEncodings["Accept-Encoding"], "zstd"},
		{"gzip, deflate, br", "gzip"},
		{"gzip, zstd;q=0", "gzip"}, // zstd refused
		{"zstd", "zstd"},
	} {
		filed := file(fmt.Sprintf("compress-%08d", i), c.accepts)
		if filed.status != 201 || filed.header.Get("Content-Encoding") != c.encoding || !strings.Contains(filed.header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("filing answer to %q: %d, Content-Encoding %q, Vary %q, want %s", c.accepts, filed.status,
				filed.header.Get("Content-Encoding"), filed.header.Get("Vary"), c.encoding)
		}
		var answer struct {
			Entry struct{ ID string } `json:"entry"`
		}
		if err := json.Unmarshal(decompress(t, c.encoding, filed.body), &answer); err != nil || answer.Entry.ID == "" {
			t.Fatalf("filing answer to %q does not decompress to the entry: %v", c.accepts, err)
		}
	}

	pdf := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("整改报告 "), 400)...) // compresses well, yet must not be
	id := str(ew.call("POST", "/api/v1/attachments", ew.cadre, upload{file: pdf}).json(t), "id")
	whole := ew.callWith("GET", "/api/v1/attachments/"+id, ew.cadre, nil, phoneEncodings)
	if whole.status != 200 || whole.header.Get("Content-Encoding") != "" || whole.header.Get("Content-Length") != strconv.Itoa(len(pdf)) ||
		!bytes.Equal(whole.body, pdf) {
		t.Fatalf("a PDF: %d, Content-Encoding %q, Content-Length %q", whole.status, whole.header.Get("Content-Encoding"), whole.header.Get("Content-Length"))
	}
	part := ew.callWith("GET", "/api/v1/attachments/"+id, ew.cadre, nil, map[string]string{"Accept-Encoding": "gzip, br", "Range": "bytes=100-199"})
	if part.status != 206 || part.header.Get("Content-Encoding") != "" || !bytes.Equal(part.body, pdf[100:200]) {
		t.Fatalf("a range of a PDF: %d, Content-Encoding %q, %d bytes", part.status, part.header.Get("Content-Encoding"), len(part.body))
	}

	xw := newExportWorld(t, newWorld(t))
	url := "/api/v1/forms/" + xw.formID + "/export"
	xlsx := xw.callWith("GET", url+".xlsx", xw.office, nil, phoneEncodings)
	if xlsx.status != 200 || xlsx.header.Get("Content-Encoding") != "" || xlsx.header.Get("Content-Length") != strconv.Itoa(len(xlsx.body)) {
		t.Fatalf("an xlsx export: %d, Content-Encoding %q, Content-Length %q of %d", xlsx.status,
			xlsx.header.Get("Content-Encoding"), xlsx.header.Get("Content-Length"), len(xlsx.body))
	}
	csv := xw.callWith("GET", url+".csv", xw.office, nil, phoneEncodings)
	if csv.status != 200 || csv.header.Get("Content-Encoding") != "gzip" || !bytes.Contains(gunzip(t, csv.body), []byte("修路灯")) {
		t.Fatalf("a CSV export: %d, Content-Encoding %q", csv.status, csv.header.Get("Content-Encoding"))
	}
}

// decompress undoes a Content-Encoding, gzip or zstd.
func decompress(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	if encoding == "gzip" {
		return gunzip(t, body)
	}
	r, err := zstd.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("not zstd: %v", err)
	}
	return out
}

func gunzip(t *testing.T, body []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
