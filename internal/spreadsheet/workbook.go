package spreadsheet

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Paper settings of a printed sheet (Table.Print).
const (
	// PaperA4 is A4 in the OOXML paper size codes.
	PaperA4 = 9
	// PrintTitles is the defined name that repeats rows on every printed page.
	PrintTitles = "_xlnm.Print_Titles"
)

// WriteWorkbook writes tables as the sheets of one workbook, in order. Each
// sheet has its title lines (Table.Title; the first bold), then a bold header
// row frozen with what is above it, and its rows; a sheet to print is set up
// for A4 landscape, one page wide, the title and header repeated on every page.
// String cells are string cells (never formulas) and also carry the apostrophe
// prefix, so a CSV saved from it is as safe as ours. It streams, so 200,000 rows
// do not sit in memory as cells. Excel holds at most 32,767 characters in a cell;
// longer ones are cut.
func WriteWorkbook(w io.Writer, tables ...Table) (err error) {
	f := excelize.NewFile()
	// Close removes excelize's temporary files, which hold the rows streamed so far
	// (citizens' words): a failure to remove them is worth an error.
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	styles, err := newStyles(f)
	if err != nil {
		return err
	}
	for i, t := range tables {
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), t.Sheet)
		} else {
			_, err = f.NewSheet(t.Sheet)
		}
		if err != nil {
			return err
		}
		if err := writeSheet(f, t, styles); err != nil {
			return fmt.Errorf("spreadsheet: sheet %s: %w", t.Sheet, err)
		}
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

// Percent is a rate (0–1) a workbook writes as a number shown as a percentage
// (85.7%), so it sorts and adds up as the figure it is.
type Percent float64

// styles are the cell styles of a workbook's sheets.
type styles struct{ bold, title, percent int }

func newStyles(f *excelize.File) (styles, error) {
	var s styles
	var err error
	if s.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return s, err
	}
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return s, err
	}
	format := "0.0%"
	s.percent, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	return s, err
}

// writeSheet streams t into its (existing, empty) sheet of f. What is not data —
// the print setup — is set before the stream starts, which carries it over.
func writeSheet(f *excelize.File, t Table, st styles) error {
	head := len(t.Title) + 1 // the header's row
	if t.Print {
		if err := printSetup(f, t.Sheet, head); err != nil {
			return err
		}
	}
	sw, err := f.NewStreamWriter(t.Sheet)
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
	top := fmt.Sprintf("A%d", head+1)
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: head, TopLeftCell: top, ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	for i, line := range t.Title {
		style := 0
		if i == 0 {
			style = st.title
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+1), []any{excelize.Cell{StyleID: style, Value: cellText(line)}}); err != nil {
			return err
		}
	}
	values := make([]any, 0, len(t.Header))
	for _, h := range t.Header {
		values = append(values, excelize.Cell{StyleID: st.bold, Value: EscapeCell(h)})
	}
	if err := sw.SetRow(fmt.Sprintf("A%d", head), values); err != nil {
		return err
	}
	line := head
	for row := range t.Rows {
		line++
		if line > excelize.TotalRows {
			return fmt.Errorf("spreadsheet: more than %d rows do not fit in one sheet", excelize.TotalRows-head)
		}
		values = values[:0]
		for _, c := range row {
			switch v := c.(type) {
			case int:
				values = append(values, v)
			case float64:
				values = append(values, v)
			case Percent:
				values = append(values, excelize.Cell{StyleID: st.percent, Value: float64(v)})
			case string:
				values = append(values, cellText(v))
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
	if len(t.Title) > 0 && len(t.Header) > 1 {
		// Each title line spans the table, so a long one is not cut at column A's edge.
		last, err := excelize.ColumnNumberToName(len(t.Header))
		if err != nil {
			return err
		}
		for i := range t.Title {
			if err := sw.MergeCell(fmt.Sprintf("A%d", i+1), fmt.Sprintf("%s%d", last, i+1)); err != nil {
				return err
			}
		}
	}
	return sw.Flush()
}

// cellText is a string cell as it is written: escaped, valid UTF-8.
func cellText(s string) string { return strings.ToValidUTF8(EscapeCell(s), "\uFFFD") }

// printSetup sets sheet up for A4 landscape, one page wide and as many long as it
// takes, with rows 1 to head (title and header) on every page.
func printSetup(f *excelize.File, sheet string, head int) error {
	size, orientation, wide, tall, fit := PaperA4, "landscape", 1, 0, true
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &wide, FitToHeight: &tall,
	}); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name: PrintTitles, RefersTo: fmt.Sprintf("'%s'!$1:$%d", sheet, head), Scope: sheet,
	})
}
