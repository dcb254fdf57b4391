package spreadsheet

import (
	"io"
	"strconv"

	"rectify/internal/web/i18n"
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
	// Warning marks a row that was imported, listed for a warning (a department or
	// category the campaign does not know); importing it again changes nothing.
	Warning bool
}

// annotationHeader is what the writers put before the original header, in lang.
func annotationHeader(lang string) []string {
	h := make([]string, len(annotationKeys))
	for i, k := range annotationKeys {
		h[i] = i18n.Text(lang, k)
	}
	return h
}

// WriteRejectedCSV writes rejected rows as CSV (see WriteCSV): where each row was
// and why it was refused, then its original cells. The file's own words (its
// headers, the mark of a row listed for a warning) are in lang, as the reasons
// are: a clerk reads one language in it.
func WriteRejectedCSV(w io.Writer, lang string, header []string, rows []Rejected) error {
	return WriteCSV(w, rejectedTable(lang, header, rows))
}

// WriteRejectedXLSX writes rejected rows as a one-sheet workbook (see WriteXLSX),
// its sheet named and its own words written in lang.
func WriteRejectedXLSX(w io.Writer, lang string, header []string, rows []Rejected) error {
	return WriteXLSX(w, rejectedTable(lang, header, rows))
}

// rejectedTable lays rejected rows out as the office fixes them: sheet, row
// number, column and reason, then the original cells under the original header.
// A row listed for a warning has its reason marked so, and the sheet's name says
// the file holds such rows too.
func rejectedTable(lang string, header []string, rows []Rejected) Table {
	width := rejectedWidth(header, rows)
	sheet := i18n.Text(lang, "rejected.sheet")
	for _, r := range rows {
		if r.Warning {
			sheet = i18n.Text(lang, "rejected.sheet_warned")
			break
		}
	}
	return Table{
		Sheet:        sheet,
		Header:       appendCells(annotationHeader(lang), header, width),
		Widths:       []float64{14, 8, 14, 48},
		DefaultWidth: 20,
		Rows: func(yield func([]any) bool) {
			for _, r := range rows {
				var line any = ""
				if r.Line > 0 {
					line = r.Line
				}
				reason := r.Reason
				if r.Warning {
					reason = i18n.Text(lang, "rejected.warning", reason)
				}
				rec := []any{r.Sheet, line, r.Column, reason}
				for _, c := range appendCells(nil, r.Cells, width) {
					rec = append(rec, c)
				}
				if !yield(rec) {
					return
				}
			}
		},
	}
}

// rejectedWidth is the number of original columns to write: the header's, or
// more when a row has cells beyond it.
func rejectedWidth(header []string, rows []Rejected) int {
	width := len(header)
	for _, r := range rows {
		width = max(width, len(r.Cells))
	}
	return min(width, maxColumns-len(annotationKeys))
}

// appendCells appends cells padded (or cut) to width.
func appendCells(rec, cells []string, width int) []string {
	for i := 0; i < width; i++ {
		c := ""
		if i < len(cells) {
			c = cells[i]
		}
		rec = append(rec, c)
	}
	return rec
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
