package spreadsheet

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
)

// Table is one sheet to write: a header row and rows of cells, each a string or
// an int. Every string cell is escaped (EscapeCell), so nothing a citizen typed
// runs as a formula in the program that opens the file; an int stays a number,
// so the office can sort by it.
type Table struct {
	Sheet  string
	Header []string
	// Widths are the first columns' widths in characters; DefaultWidth (when not 0)
	// is the width of the others.
	Widths       []float64
	DefaultWidth float64
	// Rows yields the rows in order; it is read once, as the file is written.
	Rows iter.Seq[[]any]
	// Title are lines written above the header in a workbook (WriteWorkbook): what
	// the sheet is, who files it, up to when. The CSV writer leaves them out, so a
	// CSV stays one table.
	Title []string
	// Print sets the sheet up for paper (WriteWorkbook): A4 landscape, fitted to
	// the page's width, the title and header rows repeated on every page.
	Print bool
}

// WriteCSV writes t as CSV: UTF-8 with a BOM, which Excel needs to show Chinese
// correctly, and CRLF line ends.
func WriteCSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	rec := make([]string, 0, len(t.Header))
	for _, h := range t.Header {
		rec = append(rec, EscapeCell(h))
	}
	if err := cw.Write(rec); err != nil {
		return err
	}
	for row := range t.Rows {
		rec = rec[:0]
		for _, c := range row {
			switch v := c.(type) {
			case int:
				rec = append(rec, strconv.Itoa(v))
			case string:
				rec = append(rec, EscapeCell(v))
			default:
				return fmt.Errorf("spreadsheet: cell of type %T", c)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteXLSX writes t as a one-sheet workbook with a bold, frozen header row
// (WriteWorkbook).
func WriteXLSX(w io.Writer, t Table) error { return WriteWorkbook(w, t) }
