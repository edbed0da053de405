package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"strconv"
	"testing"
)

// phoneEncodings is what a phone's browser accepts.
var phoneEncodings = map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}

// TestAnswersAreCompressedByWhatTheyAre: the API's JSON and CSV are gzip at
// its fastest even for a client that takes brotli; attached files and
// exports go as they are, with their length, and a range of a file is
// exactly its bytes.
func TestAnswersAreCompressedByWhatTheyAre(t *testing.T) {
	ew := newEntryWorld(t)
	filed := ew.callWith("POST", "/api/v1/forms/"+ew.formID+"/entries", ew.cadre, map[string]any{"clientId": "compress-00000001",
		"data": map[string]any{"name": "村东头路灯坏了三盏，已联系供电所更换并回访了附近住户", "size": 3}, "submit": true}, phoneEncodings)
	if filed.status != 201 || filed.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("filing answer: %d, Content-Encoding %q", filed.status, filed.header.Get("Content-Encoding"))
	}
	var answer struct {
		Entry struct{ ID string } `json:"entry"`
	}
	if err := json.Unmarshal(gunzip(t, filed.body), &answer); err != nil || answer.Entry.ID == "" {
		t.Fatalf("filing answer does not unzip to the entry: %v", err)
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
