package spreadsheet

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxCellRunes is the most characters one cell may hold: Excel's own limit, so
// no ledger an office typed or saved in Excel or WPS comes near it. A row with a
// longer cell is refused (Row.TooLong names the cell); no opinion field is
// anywhere near as long, and a cell several hundred megabytes long would
// otherwise travel on into the store, the batch report and the downloads.
const MaxCellRunes = 32767

// CutRunes is how much of an over-long cell is kept: the first characters,
// enough for the office to recognise the cell in the rejected-rows file, then
// a mark saying how long it was (see Cut).
const CutRunes = 1000

// cutPattern reads back the mark that ends a cell Cut shortened.
var cutPattern = regexp.MustCompile(`…\[cut: the cell had ([0-9]+) characters\]$`)

const cutSuffix = " characters]"

// Cut returns a cell over MaxCellRunes as its first CutRunes characters followed
// by "…[cut: the cell had N characters]", in a new string, so the long one can
// be freed at once; a cell within the limit comes back as it is. The readers cut
// every cell as soon as they have it, and a row with a cut cell is refused:
// reading the mark back, a cut cell is refused again when the rejected-rows file
// is imported without the cell being fixed, instead of importing the shortened
// text as if it were the whole.
func Cut(s string) string {
	if len(s) <= MaxCellRunes { // never more characters than bytes
		return s
	}
	n := utf8.RuneCountInString(s)
	if n <= MaxCellRunes {
		return s
	}
	end := 0
	for range CutRunes {
		_, size := utf8.DecodeRuneInString(s[end:])
		end += size
	}
	return s[:end] + "…[cut: the cell had " + strconv.Itoa(n) + cutSuffix
}

// CutLength reports whether a cell is one Cut shortened, and how many
// characters it had.
func CutLength(s string) (int, bool) {
	if len(s) < CutRunes || !strings.HasSuffix(s, cutSuffix) {
		return 0, false
	}
	m := cutPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, false
	}
	return n, true
}

// cutAll cuts every over-long cell of a row in place.
func cutAll(cells []string) {
	for i, c := range cells {
		if len(c) > MaxCellRunes {
			cells[i] = Cut(c)
		}
	}
}

// LongCell is a cell of a row longer than MaxCellRunes: the row cannot be
// imported, and Row.Cells holds the cell cut (see Cut).
type LongCell struct {
	// Column is the column's header as written, or "column D" without one.
	Column string
	// Letter is the column's spreadsheet letter.
	Letter string
	// Field is the canonical column, "" for one this package does not know.
	Field Field
	// Runes is how many characters the cell had.
	Runes int
}
