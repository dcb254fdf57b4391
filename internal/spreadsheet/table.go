package spreadsheet

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
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

// WriteXLSX writes t as a one-sheet workbook with a bold, frozen header row.
// String cells are string cells (never formulas) and also carry the apostrophe
// prefix, so a CSV saved from it is as safe as ours. It streams, so 200,000 rows
// do not sit in memory as cells. Excel holds at most 32,767 characters in a cell;
// longer ones are cut.
func WriteXLSX(w io.Writer, t Table) (err error) {
	f := excelize.NewFile()
	// Close removes excelize's temporary files, which hold the rows streamed so far
	// (citizens' words): a failure to remove them is worth an error.
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), t.Sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(t.Sheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for col, width := range t.Widths {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return err
		}
	}
	if t.DefaultWidth > 0 && len(t.Header) > len(t.Widths) {
		if err := sw.SetColWidth(len(t.Widths)+1, min(len(t.Header), excelize.MaxColumns), t.DefaultWidth); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	values := make([]any, 0, len(t.Header))
	for _, h := range t.Header {
		values = append(values, excelize.Cell{StyleID: bold, Value: EscapeCell(h)})
	}
	if err := sw.SetRow("A1", values); err != nil {
		return err
	}
	line := 1
	for row := range t.Rows {
		line++
		if line > excelize.TotalRows {
			return fmt.Errorf("spreadsheet: more than %d rows do not fit in one sheet", excelize.TotalRows-1)
		}
		values = values[:0]
		for _, c := range row {
			switch v := c.(type) {
			case int:
				values = append(values, v)
			case string:
				values = append(values, strings.ToValidUTF8(EscapeCell(v), "\uFFFD"))
			default:
				return fmt.Errorf("spreadsheet: cell of type %T", c)
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, line)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, values); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
}
