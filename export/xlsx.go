package export

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// xlsxBook writes an Office Open XML workbook as it goes: the first sheet's
// rows are deflated straight into the file, the others (a repeating group's
// items, usually few) wait in temporary files until it is done. excelize's
// writer, which the 通报 uses, holds the whole zip in memory and ran at a
// third of this speed on 100,000 rows (docs/performance.md); this one keeps
// its memory flat whatever the row count.
type xlsxBook struct {
	zip    *zip.Writer
	sheets []*xlsxSheet
}

type xlsxSheet struct {
	name  string
	width int
	rows  int
	w     *bufio.Writer
	tmp   *os.File // nil for the sheet written straight into the zip
	refs  []string // column letters, by index
	buf   []byte
}

// Styles, by their index in styles.xml's cellXfs.
const (
	styleHeader = 1
	styleDate   = 2
	styleClock  = 3
	styleMoney  = 4
	styleText   = 5 // text format and quotePrefix: what typing an apostrophe does in Excel
)

func newXLSX() (*xlsxBook, error) { return &xlsxBook{}, nil }

// Stream names where the file goes; the first sheet is written there as its
// rows come. Without it the first sheet waits in a temporary file too.
func (b *xlsxBook) Stream(w io.Writer) {
	b.zip = zip.NewWriter(w)
	b.zip.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed) // a sheet of text compresses well even at the fastest level
	})
}

func (b *xlsxBook) Sheet(name string, header []string) (Sheet, error) {
	s := &xlsxSheet{name: name, width: len(header)}
	if len(b.sheets) == 0 && b.zip != nil {
		w, err := b.zip.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", 1))
		if err != nil {
			return nil, err
		}
		s.w = bufio.NewWriterSize(w, 64<<10)
	} else {
		tmp, err := os.CreateTemp("", "taizhang-sheet-*.xml")
		if err != nil {
			return nil, err
		}
		_ = os.Remove(tmp.Name()) // gone once closed
		s.tmp, s.w = tmp, bufio.NewWriterSize(tmp, 64<<10)
	}
	b.sheets = append(b.sheets, s)
	if s.tmp == nil {
		if _, err := s.w.WriteString(sheetStart(s.width)); err != nil {
			return nil, err
		}
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = headerCell(h)
	}
	return s, s.Row(cells)
}

// headerCell is a header's text, in the header style.
type headerCell string

func (b *xlsxBook) Notes(name string, rows [][]string) error {
	s, err := b.Sheet(name, rows[0])
	if err != nil {
		return err
	}
	for _, r := range rows[1:] {
		cells := make([]any, len(r))
		for i, t := range r {
			cells[i] = t
		}
		if err := s.Row(cells); err != nil {
			return err
		}
	}
	s.(*xlsxSheet).width = 4
	return nil
}

func (s *xlsxSheet) ref(col int) string {
	for len(s.refs) <= col {
		s.refs = append(s.refs, columnName(len(s.refs)+1))
	}
	return s.refs[col]
}

func columnName(n int) string {
	name := ""
	for ; n > 0; n = (n - 1) / 26 {
		name = string(rune('A'+(n-1)%26)) + name
	}
	return name
}

// Row writes one <row>: numbers as numbers, dates as serial numbers in a
// date format, text as inline strings (never a formula).
func (s *xlsxSheet) Row(cells []any) error {
	s.rows++
	row := strconv.Itoa(s.rows)
	b := append(s.buf[:0], `<row r="`...)
	b = append(append(b, row...), `">`...)
	for i, c := range cells {
		if c == nil {
			continue
		}
		b = append(append(append(append(b, `<c r="`...), s.ref(i)...), row...), '"')
		b = appendCell(b, c)
	}
	b = append(b, "</row>"...)
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

func appendCell(b []byte, c any) []byte {
	style, value, text := 0, "", ""
	switch v := c.(type) {
	case float64:
		value = formatFloat(v)
	case Money:
		style, value = styleMoney, formatFloat(float64(v))
	case Date:
		style = styleDate
		if v.Clock {
			style = styleClock
		}
		value = strconv.FormatFloat(serial(v.T), 'f', -1, 64)
	case headerCell:
		style, text = styleHeader, string(v)
	case string:
		text = v
		if Formulaic(v) {
			style = styleText
		}
	default:
		text = fmt.Sprint(v)
	}
	if style > 0 {
		b = append(append(b, ` s="`...), strconv.Itoa(style)...)
		b = append(b, '"')
	}
	if value != "" {
		return append(append(append(b, "><v>"...), value...), "</v></c>"...)
	}
	b = append(b, ` t="inlineStr"><is><t xml:space="preserve">`...)
	return append(appendEscaped(b, text), "</t></is></c>"...)
}

// serial is a spreadsheet's day number of a time's Beijing wall clock.
func serial(t time.Time) float64 {
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	return float64(beijing(t).Sub(epoch)) / float64(24*time.Hour)
}

// appendEscaped writes text as XML character data, leaving out the
// characters XML 1.0 cannot hold.
func appendEscaped(b []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xFFFE && r != 0xFFFF && r != utf8.RuneError && !(r >= 0xD800 && r < 0xE000):
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}

func sheetStart(width int) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
		fmt.Sprintf(`<sheetFormatPr defaultRowHeight="15"/><cols><col min="1" max="%d" width="16" customWidth="1"/></cols><sheetData>`, max(width, 1))
}

const sheetEnd = `</sheetData></worksheet>`

func (b *xlsxBook) Close(w io.Writer) error {
	if b.zip == nil {
		b.Stream(w)
	}
	for i, s := range b.sheets {
		if err := b.finish(i, s); err != nil {
			return err
		}
	}
	parts := map[string]string{"[Content_Types].xml": contentTypes(len(b.sheets)), "_rels/.rels": rootRels,
		"xl/workbook.xml": b.workbook(), "xl/_rels/workbook.xml.rels": workbookRels(len(b.sheets)), "xl/styles.xml": stylesXML}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"} {
		w, err := b.zip.Create(name)
		if err == nil {
			_, err = io.WriteString(w, parts[name])
		}
		if err != nil {
			return err
		}
	}
	return b.zip.Close()
}

// finish ends a sheet: the streamed one in place, the others copied in.
func (b *xlsxBook) finish(i int, s *xlsxSheet) error {
	if s.tmp == nil {
		if _, err := s.w.WriteString(sheetEnd); err != nil {
			return err
		}
		return s.w.Flush()
	}
	defer s.tmp.Close()
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	w, err := b.zip.Create(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1))
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, sheetStart(s.width)); err != nil {
		return err
	}
	if _, err := io.Copy(w, s.tmp); err != nil {
		return err
	}
	_, err = io.WriteString(w, sheetEnd)
	return err
}

func (b *xlsxBook) workbook() string {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	for i, s := range b.sheets {
		fmt.Fprintf(&sb, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, appendEscaped(nil, s.name), i+1, i+1)
	}
	sb.WriteString(`</sheets></workbook>`)
	return sb.String()
}

func contentTypes(sheets int) string {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>`)
	for i := 1; i <= sheets; i++ {
		fmt.Fprintf(&sb, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i)
	}
	sb.WriteString(`</Types>`)
	return sb.String()
}

const rootRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
	`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`

func workbookRels(sheets int) string {
	var sb strings.Builder
	sb.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	for i := 1; i <= sheets; i++ {
		fmt.Fprintf(&sb, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i, i)
	}
	fmt.Fprintf(&sb, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`, sheets+1)
	return sb.String()
}

// stylesXML: 0 plain, 1 header (bold on light blue), 2 date, 3 date and
// time, 4 money, 5 text kept as typed (format @, quotePrefix).
const stylesXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
	`<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
	`<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="166" formatCode="#,##0.00"/></numFmts>` +
	`<fonts count="2"><font><sz val="11"/><name val="宋体"/><family val="2"/></font><font><b/><sz val="11"/><name val="宋体"/><family val="2"/></font></fonts>` +
	`<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>` +
	`<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>` +
	`<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
	`<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
	`<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
	`<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1"/>` +
	`<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
	`<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1" applyNumberFormat="1"/></cellXfs>` +
	`<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`
