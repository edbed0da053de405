// Package workbook opens uploaded Excel files without trusting them. An xlsx is
// a zip of XML parts, and a 1 MB upload can hold a gigabyte of spaces: opened
// naively it took 99 s, 2 GB of memory and a 1 GB temporary file before being
// refused. Open reads the zip's directory first and refuses, before
// decompressing anything, a part or a total that is too large or compressed
// suspiciously well; archive/zip then refuses any part that inflates beyond
// the size its header declared.
package workbook

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"taizhang/errs"
)

// Limits of an uploaded workbook. A 10,000-row import of a wide form is a few
// megabytes of XML; these leave room for ten times that.
const (
	MaxFileBytes  = 16 << 20 // the upload itself
	MaxPartBytes  = 64 << 20 // one XML part, uncompressed
	MaxTotalBytes = 96 << 20 // all parts, uncompressed
	MaxParts      = 2000
	// MaxRatio is the largest compression ratio accepted for a part over
	// ratioFloor bytes; spreadsheet XML compresses 5–30×, a bomb a thousandfold.
	MaxRatio   = 200
	ratioFloor = 1 << 20
)

var errNotXLSX = errs.New(errs.Invalid, "文件不是有效的 Excel（.xlsx）文件")

// Open reads an uploaded .xlsx within the limits above. Problems are errs
// errors: Invalid for a file that is not a workbook, TooLarge for one beyond a
// limit, each with a message for the person who uploaded it.
func Open(r io.Reader) (*excelize.File, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxFileBytes+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "上传中断，请重试", err)
	}
	if len(raw) > MaxFileBytes {
		return nil, errs.New(errs.TooLarge, fmt.Sprintf("Excel 文件不能超过 %d MB", MaxFileBytes>>20))
	}
	if err := checkParts(raw); err != nil {
		return nil, err
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{UnzipSizeLimit: MaxTotalBytes, UnzipXMLSizeLimit: MaxPartBytes})
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, errNotXLSX.Message, err)
	}
	return f, nil
}

// checkParts inspects the zip directory: nothing is decompressed yet.
func checkParts(raw []byte) error {
	z, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		return errs.Wrap(errs.Invalid, errNotXLSX.Message, err)
	}
	if len(z.File) > MaxParts {
		return tooLarge("文件中的部件过多")
	}
	var total uint64
	for _, part := range z.File {
		size := part.UncompressedSize64
		total += size
		switch {
		case size > MaxPartBytes:
			return tooLarge(fmt.Sprintf("“%s”解压后超过 %d MB", part.Name, MaxPartBytes>>20))
		case total > MaxTotalBytes:
			return tooLarge(fmt.Sprintf("解压后超过 %d MB", MaxTotalBytes>>20))
		case size > ratioFloor && size > MaxRatio*max(part.CompressedSize64, 1):
			return tooLarge(fmt.Sprintf("“%s”的压缩比异常（超过 %d 倍），疑似压缩炸弹", part.Name, MaxRatio))
		}
	}
	return nil
}

func tooLarge(detail string) error {
	return errs.New(errs.TooLarge, "Excel 文件过大或结构异常："+detail+"，请检查文件或分批导入")
}
