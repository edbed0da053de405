// Package workbooktest makes hostile workbooks for tests.
package workbooktest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"

	"github.com/xuri/excelize/v2"
)

// Bomb is a real workbook whose first sheet, named sheet, is replaced by
// spaces bytes of spaces (a whole number of MiB), compressed about a
// thousandfold: 1 GiB fits in about 1 MB.
//
// Compressing a gigabyte takes seconds (minutes under the race detector), so
// the part is assembled instead: one MiB of spaces is deflated and flushed to a
// byte boundary, and that run of non-final blocks — which refers to nothing
// before itself — is repeated, then closed by an empty final block.
func Bomb(sheet string, spaces int64) []byte {
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetName("Sheet1", sheet)
	var src bytes.Buffer
	_ = f.Write(&src)
	in, _ := zip.NewReader(bytes.NewReader(src.Bytes()), int64(src.Len()))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, part := range in.File {
		if part.Name != "xl/worksheets/sheet1.xml" {
			_ = zw.Copy(part)
			continue
		}
		body, crc := deflatedSpaces(spaces >> 20)
		w, _ := zw.CreateRaw(&zip.FileHeader{Name: part.Name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(spaces >> 20 << 20)})
		_, _ = w.Write(body)
	}
	_ = zw.Close()
	return out.Bytes()
}

// deflatedSpaces is a raw deflate stream of mib MiB of spaces, and its CRC-32.
func deflatedSpaces(mib int64) ([]byte, uint32) {
	chunk := bytes.Repeat([]byte(" "), 1<<20)
	var one bytes.Buffer
	fw, _ := flate.NewWriter(&one, flate.BestCompression)
	_, _ = fw.Write(chunk)
	_ = fw.Flush() // non-final blocks ending on a byte boundary
	var body bytes.Buffer
	var crc uint32
	for range mib {
		body.Write(one.Bytes())
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	body.Write([]byte{0x03, 0x00}) // an empty final block (fixed Huffman, end of block)
	return body.Bytes(), crc
}
