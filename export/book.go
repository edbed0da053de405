package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Book is a file being written: sheets of rows. An XLSX book holds every
// sheet; a CSV file only the first (further sheets are dropped).
type Book interface {
	// Sheet starts a sheet headed by header; rows go to the returned Sheet.
	Sheet(name string, header []string) (Sheet, error)
	// Notes adds a sheet of plain text rows (the legend).
	Notes(name string, rows [][]string) error
	// Close finishes the file on w.
	Close(w io.Writer) error
}

// Sheet takes rows of cells (see values.go for the kinds).
type Sheet interface {
	Row(cells []any) error
}

// Formats of an export.
const (
	XLSX = "xlsx"
	CSV  = "csv"
)

// NewBook starts a book in format (xlsx or csv).
func NewBook(format string) (Book, error) {
	switch format {
	case XLSX:
		return newXLSX()
	case CSV:
		return &csvBook{}, nil
	}
	return nil, errFormat
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ---- CSV: UTF-8 with a BOM (so Excel reads Chinese), RFC 4180 quoting, CRLF.

type csvBook struct {
	started bool
	out     *csv.Writer
	flush   func() error
	pending [][]string // rows before Stream
}

type csvSheet struct{ book *csvBook }

func (b *csvBook) Sheet(_ string, header []string) (Sheet, error) {
	if b.started {
		return discard{}, nil
	}
	b.started = true
	b.pending = append(b.pending, neutralized(header))
	return csvSheet{b}, nil
}

func (b *csvBook) Notes(string, [][]string) error { return nil }

// The CSV is written as rows arrive when a writer is attached (Stream), else
// kept until Close.
func (s csvSheet) Row(cells []any) error {
	record := make([]string, len(cells))
	for i, c := range cells {
		record[i] = csvText(c)
	}
	if s.book.out != nil {
		return s.book.out.Write(record)
	}
	s.book.pending = append(s.book.pending, record)
	return nil
}

// Stream attaches the file's destination, so rows are not held in memory.
func (b *csvBook) Stream(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	b.out = csv.NewWriter(bw)
	b.out.UseCRLF = true
	for _, r := range b.pending {
		if err := b.out.Write(r); err != nil {
			return err
		}
	}
	b.pending = nil
	b.flush = bw.Flush
	return nil
}

func (b *csvBook) Close(w io.Writer) error {
	if b.out == nil {
		if err := b.Stream(w); err != nil {
			return err
		}
	}
	b.out.Flush()
	if err := b.out.Error(); err != nil {
		return err
	}
	return b.flush()
}

func csvText(c any) string {
	switch v := c.(type) {
	case nil:
		return ""
	case float64:
		return formatFloat(v)
	case Money:
		return strconv.FormatFloat(float64(v), 'f', 2, 64)
	case Date:
		if v.Clock {
			return v.T.Format("2006-01-02 15:04")
		}
		return v.T.Format("2006-01-02")
	case string:
		if Formulaic(v) {
			return "'" + v // the apostrophe Excel and LibreOffice read as "this is text"
		}
		return v
	}
	return fmt.Sprint(c)
}

func neutralized(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = csvText(t)
	}
	return out
}

type discard struct{}

func (discard) Row([]any) error { return nil }

// ---- XLSX through excelize's streaming writer: rows go to temporary files,
// not memory, so 100,000 rows cost what one does.

type xlsxBook struct {
	f       *excelize.File
	streams []*excelize.StreamWriter
	rows    []int
	styles  styles
	first   bool
}

type styles struct{ header, date, clock, money, text int }

func newXLSX() (*xlsxBook, error) {
	f := excelize.NewFile()
	b := &xlsxBook{f: f, first: true}
	var err error
	set := func(dst *int, s *excelize.Style) {
		if err == nil {
			*dst, err = f.NewStyle(s)
		}
	}
	dateFmt, clockFmt, moneyFmt := "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "#,##0.00"
	set(&b.styles.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	set(&b.styles.date, &excelize.Style{CustomNumFmt: &dateFmt})
	set(&b.styles.clock, &excelize.Style{CustomNumFmt: &clockFmt})
	set(&b.styles.money, &excelize.Style{CustomNumFmt: &moneyFmt})
	set(&b.styles.text, &excelize.Style{NumFmt: 49}) // "@": Excel keeps what is typed there as text
	return b, err
}

type xlsxSheet struct {
	book *xlsxBook
	i    int
}

func (b *xlsxBook) Sheet(name string, header []string) (Sheet, error) {
	if err := b.newSheet(name); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := sw.SetColWidth(1, max(len(header), 1), 16); err != nil {
		return nil, err
	}
	b.streams, b.rows = append(b.streams, sw), append(b.rows, 0)
	s := xlsxSheet{b, len(b.streams) - 1}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: b.styles.header, Value: h}
	}
	return s, s.write(cells)
}

// newSheet names the first sheet (excelize starts with Sheet1) or adds one.
func (b *xlsxBook) newSheet(name string) error {
	if b.first {
		b.first = false
		return b.f.SetSheetName("Sheet1", name)
	}
	_, err := b.f.NewSheet(name)
	return err
}

func (s xlsxSheet) Row(cells []any) error {
	out := make([]any, len(cells))
	for i, c := range cells {
		out[i] = s.book.cell(c)
	}
	return s.write(out)
}

func (s xlsxSheet) write(cells []any) error {
	s.book.rows[s.i]++
	ref, err := excelize.CoordinatesToCellName(1, s.book.rows[s.i])
	if err != nil {
		return err
	}
	return s.book.streams[s.i].SetRow(ref, cells)
}

func (b *xlsxBook) cell(c any) any {
	switch v := c.(type) {
	case Money:
		return excelize.Cell{StyleID: b.styles.money, Value: float64(v)}
	case Date:
		if v.Clock {
			return excelize.Cell{StyleID: b.styles.clock, Value: beijing(v.T)}
		}
		return excelize.Cell{StyleID: b.styles.date, Value: beijing(v.T)}
	case string:
		if Formulaic(v) { // a string cell is never a formula; the text format keeps it so when edited
			return excelize.Cell{StyleID: b.styles.text, Value: v}
		}
	}
	return c
}

func (b *xlsxBook) Notes(name string, rows [][]string) error {
	if err := b.newSheet(name); err != nil {
		return err
	}
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, t := range r {
			cells[j] = t
		}
		ref, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := b.f.SetSheetRow(name, ref, &cells); err != nil {
			return err
		}
	}
	if err := b.f.SetColWidth(name, "A", "B", 18); err != nil {
		return err
	}
	return b.f.SetColWidth(name, "C", "D", 60)
}

func (b *xlsxBook) Close(w io.Writer) error {
	defer b.f.Close()
	for _, sw := range b.streams {
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	b.f.SetActiveSheet(0)
	return b.f.Write(w)
}
