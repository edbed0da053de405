// Package workbooktest makes hostile workbooks for tests.
package workbooktest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"

	"github.com/xuri/excelize/v2"
)

// Bomb is a real workbook whose first sheet, named sheet, is replaced by
// spaces bytes of spaces, compressed as well as deflate can: 1 GiB fits in
// about 1 MB.
func Bomb(sheet string, spaces int64) []byte {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", sheet)
	var src bytes.Buffer
	_ = f.Write(&src)
	in, _ := zip.NewReader(bytes.NewReader(src.Bytes()), int64(src.Len()))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, part := range in.File {
		if part.Name != "xl/worksheets/sheet1.xml" {
			_ = zw.Copy(part)
			continue
		}
		w, _ := zw.Create(part.Name)
		chunk := bytes.Repeat([]byte(" "), 1<<20)
		for left := spaces; left > 0; left -= int64(len(chunk)) {
			_, _ = w.Write(chunk[:min(left, int64(len(chunk)))])
		}
	}
	_ = zw.Close()
	return out.Bytes()
}
