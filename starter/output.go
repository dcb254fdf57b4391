package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// printJSON writes a response body indented, as --json promises. A body that is not
// JSON is written unchanged rather than lost. Like all printing to the terminal, a
// failed write is not reported: there is no one to tell.
func printJSON(w io.Writer, body []byte) {
	body = bytes.TrimSpace(body) // Indent keeps trailing newlines; we add exactly one
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		_, _ = w.Write(body)
		if !bytes.HasSuffix(body, []byte("\n")) {
			fmt.Fprintln(w)
		}
		return
	}
	buf.WriteByte('\n')
	_, _ = w.Write(buf.Bytes())
}

// table lays out rows in aligned columns. It exists instead of text/tabwriter because
// tabwriter counts runes, and the names in this domain are Chinese: a CJK character
// takes two terminal columns, so tabwriter's columns drift.
type table struct {
	rows [][]string
}

// row adds one row; cells are flattened to a single line.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = oneLine(c)
	}
	t.rows = append(t.rows, cells)
}

// write prints the rows, padding every column but the last to its widest cell.
func (t *table) write(w io.Writer) {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// displayWidth is the number of terminal columns s occupies.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// runeWidth is 2 for East Asian wide and full-width characters, 1 otherwise. The
// ranges cover CJK ideographs, kana, Hangul, full-width forms and common emoji, which
// is what shows up in opinions.
func runeWidth(r rune) int {
	switch {
	case r < 0x1100:
		return 1
	case r <= 0x115F,
		r >= 0x2E80 && r <= 0x303E,
		r >= 0x3041 && r <= 0x33FF,
		r >= 0x3400 && r <= 0x4DBF,
		r >= 0x4E00 && r <= 0x9FFF,
		r >= 0xA000 && r <= 0xA4CF,
		r >= 0xAC00 && r <= 0xD7A3,
		r >= 0xF900 && r <= 0xFAFF,
		r >= 0xFE30 && r <= 0xFE4F,
		r >= 0xFF00 && r <= 0xFF60,
		r >= 0xFFE0 && r <= 0xFFE6,
		r >= 0x1F300 && r <= 0x1F64F,
		r >= 0x1F900 && r <= 0x1F9FF,
		r >= 0x20000 && r <= 0x3FFFD:
		return 2
	}
	return 1
}

// oneLine flattens whitespace so a cell cannot break a table's rows.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// truncate shortens s to at most width terminal columns, marking the cut with "…".
func truncate(s string, width int) string {
	if displayWidth(s) <= width {
		return s
	}
	n := 0
	for i, r := range s {
		rw := runeWidth(r)
		if n+rw > width-1 {
			return s[:i] + "…"
		}
		n += rw
	}
	return s
}

// dash stands in for an empty value, so a missing field reads as missing rather than
// as a misaligned column.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// pct renders a 0–1 ratio as a percentage; nil (no data yet) is "-".
func pct(r *float64) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", *r*100)
}

// rawText renders a JSON value whose shape the contract leaves open (departments,
// policy, extensions): strings bare, lists of strings joined, anything else compact.
func rawText(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return "-"
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		return dash(str)
	}
	var strs []string
	if json.Unmarshal(raw, &strs) == nil {
		if len(strs) == 0 {
			return "-"
		}
		return strings.Join(strs, ", ")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return s
}
