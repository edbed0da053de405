package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
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
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = h
	}
	return csvSheet{b}, csvSheet{b}.Row(cells)
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

type discard struct{}

func (discard) Row([]any) error { return nil }
