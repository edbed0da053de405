package workbook

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"taizhang/errs"
	"taizhang/workbook/workbooktest"
)

// realWorkbook is a small valid xlsx with one sheet.
func realWorkbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetCellValue("Sheet1", "A1", "单位名称")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func wantCode(t *testing.T, err error, code errs.Code, contains string) {
	t.Helper()
	if !errs.Is(err, code) || !strings.Contains(err.Error(), contains) {
		t.Fatalf("want %s containing %q, got %v", code, contains, err)
	}
}

func TestOpensARealWorkbook(t *testing.T) {
	f, err := Open(bytes.NewReader(realWorkbook(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Sheet1", "A1"); v != "单位名称" {
		t.Fatalf("A1 = %q", v)
	}
}

func TestRefusesBeforeDecompressing(t *testing.T) {
	t.Run("a part beyond its size", func(t *testing.T) {
		_, err := Open(bytes.NewReader(workbooktest.Bomb("Sheet1", MaxPartBytes+1)))
		wantCode(t, err, errs.TooLarge, "sheet1.xml")
	})
	t.Run("a part compressed like a bomb", func(t *testing.T) {
		_, err := Open(bytes.NewReader(workbooktest.Bomb("Sheet1", 8<<20)))
		wantCode(t, err, errs.TooLarge, "压缩比")
	})
	t.Run("an upload beyond its size", func(t *testing.T) {
		_, err := Open(io.LimitReader(neverEnding{}, MaxFileBytes+10))
		wantCode(t, err, errs.TooLarge, "16 MB")
	})
	t.Run("not a zip", func(t *testing.T) {
		_, err := Open(strings.NewReader("姓名,手机号\n张三,13800138000\n"))
		wantCode(t, err, errs.Invalid, "Excel")
	})
}

// TestALyingHeaderReadsNoMoreThanItDeclares: a part whose header declares
// fewer bytes than it inflates to passes the directory check, but archive/zip
// stops reading it at the declared size: the bomb never goes off.
func TestALyingHeaderReadsNoMoreThanItDeclares(t *testing.T) {
	content := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		strings.Repeat(`<row><c t="inlineStr"><is><t>x</t></is></c></row>`, 200_000) + `</sheetData></worksheet>`)
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestCompression)
	_, _ = fw.Write(content)
	_ = fw.Close()
	real := realWorkbook(t)
	src, _ := zip.NewReader(bytes.NewReader(real), int64(len(real)))
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, part := range src.File {
		if part.Name == "xl/worksheets/sheet1.xml" {
			w, _ := zw.CreateRaw(&zip.FileHeader{Name: part.Name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(content),
				CompressedSize64: uint64(packed.Len()), UncompressedSize64: 2000})
			_, _ = w.Write(packed.Bytes())
			continue
		}
		_ = zw.Copy(part)
	}
	_ = zw.Close()
	f, err := Open(bytes.NewReader(out.Bytes()))
	if err != nil {
		return // refused outright: also fine
	}
	defer f.Close()
	rows, _ := f.GetRows("Sheet1")
	if len(rows) > 100 {
		t.Fatalf("%d rows read from a part that declared 2,000 bytes", len(rows))
	}
}

type neverEnding struct{}

func (neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}
