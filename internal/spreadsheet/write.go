package spreadsheet

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Rejected is a row that was not imported, as the rejected-rows file shows it:
// where it was, which column broke which rule, and its original cells, so the
// office can fix it in place and re-import just those rows.
type Rejected struct {
	Sheet  string
	Line   int
	Cells  []string
	Column string
	Reason string
}

// annotationHeader is what the writers put before the original header.
var annotationHeader = []string{HeaderSheet, HeaderLine, HeaderColumn, HeaderReason}

// rejectedSheet names the one sheet of a rejected-rows workbook.
const rejectedSheet = "未导入的行"

// WriteRejectedCSV writes rejected rows as CSV: UTF-8 with a BOM, which Excel
// needs to show Chinese correctly, CRLF line ends, and every cell that a
// spreadsheet program could run as a formula prefixed with an apostrophe.
func WriteRejectedCSV(w io.Writer, header []string, rows []Rejected) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	cw.UseCRLF = true
	width := rejectedWidth(header, rows)
	rec := make([]string, 0, len(annotationHeader)+width)
	rec = append(rec, annotationHeader...)
	if err := cw.Write(appendCells(rec, header, width)); err != nil {
		return err
	}
	for _, r := range rows {
		rec = append(rec[:0], EscapeCell(r.Sheet), lineText(r.Line), EscapeCell(r.Column), EscapeCell(r.Reason))
		if err := cw.Write(appendCells(rec, r.Cells, width)); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteRejectedXLSX writes rejected rows as a one-sheet workbook. Every cell is
// a string cell (never a formula) and also carries the apostrophe prefix, so a
// CSV saved from it is as safe as ours. It streams, so 200,000 rejected rows do
// not sit in memory as cells. Excel holds at most 32,767 characters in a cell;
// longer ones are cut.
func WriteRejectedXLSX(w io.Writer, header []string, rows []Rejected) error {
	if len(rows)+1 > excelize.TotalRows {
		return fmt.Errorf("spreadsheet: %d rejected rows do not fit in one sheet", len(rows))
	}
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), rejectedSheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(rejectedSheet)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	width := rejectedWidth(header, rows)
	for col, w := range []float64{14, 8, 14, 48} {
		if err := sw.SetColWidth(col+1, col+1, w); err != nil {
			return err
		}
	}
	if width > 0 {
		if err := sw.SetColWidth(5, min(4+width, excelize.MaxColumns), 20); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	rec := make([]string, 0, len(annotationHeader)+width)
	values := make([]any, 0, len(annotationHeader)+width)
	rec = appendCells(append(rec, annotationHeader...), header, width)
	for _, c := range rec {
		values = append(values, excelize.Cell{StyleID: bold, Value: c})
	}
	if err := sw.SetRow("A1", values); err != nil {
		return err
	}
	for i, r := range rows {
		rec = appendCells(append(rec[:0], EscapeCell(r.Sheet), "", EscapeCell(r.Column), EscapeCell(r.Reason)), r.Cells, width)
		values = values[:0]
		for j, c := range rec {
			if j == 1 && r.Line > 0 {
				values = append(values, r.Line) // a number, so the office can sort by it
				continue
			}
			values = append(values, strings.ToValidUTF8(c, "\uFFFD"))
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
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

// rejectedWidth is the number of original columns to write: the header's, or
// more when a row has cells beyond it.
func rejectedWidth(header []string, rows []Rejected) int {
	width := len(header)
	for _, r := range rows {
		width = max(width, len(r.Cells))
	}
	return min(width, maxColumns-len(annotationHeader))
}

// appendCells appends cells escaped and padded (or cut) to width.
func appendCells(rec, cells []string, width int) []string {
	for i := 0; i < width; i++ {
		c := ""
		if i < len(cells) {
			c = EscapeCell(cells[i])
		}
		rec = append(rec, c)
	}
	return rec
}

func lineText(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// AlignRejected puts rejected rows from sheets with different headers under one
// header, so a workbook whose 班子意见 and 个人意见 sheets order or name their
// columns differently still gives one rejected-rows file in which each column
// means one thing. Columns are matched by field (来源 and 渠道 are one column),
// others by header text. With rows from a single sheet nothing changes.
func AlignRejected(headers map[string][]string, rows []Rejected) ([]string, []Rejected) {
	var sheets []string
	seen := map[string]bool{}
	for _, r := range rows {
		if !seen[r.Sheet] {
			seen[r.Sheet] = true
			sheets = append(sheets, r.Sheet)
		}
	}
	if len(sheets) <= 1 {
		var h []string
		if len(sheets) == 1 {
			h = headers[sheets[0]]
		}
		return h, rows
	}
	var union []string
	index := map[string]int{} // column key → union column
	place := map[string][]int{}
	for _, s := range sheets {
		h := headers[s]
		count := map[string]int{}
		cols := make([]int, len(h))
		for i, text := range h {
			key := "text:" + normHeader(text)
			if f, ok := FieldOf(text); ok {
				key = "field:" + string(f)
			} else if normHeader(text) == "" {
				key = "blank:" + strconv.Itoa(i)
			}
			count[key]++
			key += "#" + strconv.Itoa(count[key])
			j, ok := index[key]
			if !ok {
				j = len(union)
				index[key] = j
				union = append(union, text)
			}
			cols[i] = j
		}
		place[s] = cols
	}
	out := make([]Rejected, len(rows))
	for k, r := range rows {
		cols := place[r.Sheet]
		cells := make([]string, len(union))
		for i, c := range r.Cells {
			if i < len(cols) {
				cells[cols[i]] = c
				continue
			}
			key := "beyond:" + strconv.Itoa(i)
			j, ok := index[key]
			if !ok {
				j = len(union)
				index[key] = j
				union = append(union, "")
			}
			if j >= len(cells) {
				cells = append(cells, make([]string, j+1-len(cells))...)
			}
			cells[j] = c
		}
		r.Cells = cells
		out[k] = r
	}
	for k := range out { // rows read before a beyond-header column was met
		if n := len(union) - len(out[k].Cells); n > 0 {
			out[k].Cells = append(out[k].Cells, make([]string, n)...)
		}
	}
	return union, out
}
