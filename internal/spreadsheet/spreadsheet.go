// Package spreadsheet reads the opinion ledgers campaign offices keep — Excel
// workbooks, CSV exports from hotline and online systems, JSON from other
// software — row by row, and writes the rows that could not be imported back out
// so the office can fix and re-import just those.
//
// It finds columns by their header names (Chinese or English, in any order,
// below any title rows), streams so a 200,000-row file never sits in memory,
// and keeps every cell as text: nothing is evaluated, nothing is guessed. It does
// not judge an opinion: that is intake.Normalize's job, which runs on every row
// this package yields.
package spreadsheet

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"

	"rectify/internal/web/i18n"
)

// Field is a canonical column: what a ledger's column means, whatever its header
// says, so callers never deal with header spellings.
type Field string

// The columns an opinion ledger may have. Only Required ones must be present.
const (
	FieldContent     Field = "content"
	FieldChannel     Field = "channel"
	FieldCollectedAt Field = "collected_at"
	FieldKey         Field = "key"
	FieldSerial      Field = "serial"
	FieldSubmitter   Field = "submitter"
	FieldPhone       Field = "phone"
	FieldTarget      Field = "target"
	FieldDepartment  Field = "department"
	FieldCategory    Field = "category"

	// The progress columns of a ledger kept mid-campaign: a row with a state is an
	// item already under way, brought in where it stands (see intake.Progress).
	FieldState        Field = "state"
	FieldOfficial     Field = "official"
	FieldLeader       Field = "leader"
	FieldMeasures     Field = "measures"
	FieldDeadline     Field = "deadline"
	FieldAssignedOn   Field = "assigned_on"
	FieldSubmittedOn  Field = "submitted_on"
	FieldVerifiedOn   Field = "verified_on"
	FieldVerifier     Field = "verifier"
	FieldClosedOn     Field = "closed_on"
	FieldSatisfaction Field = "satisfaction"
)

// Required are the columns without which a row cannot become an opinion; a header
// row is the first row that has all of them.
var Required = []Field{FieldContent, FieldChannel, FieldCollectedAt}

// ProgressFields are the columns of a ledger kept mid-campaign, which say how far
// an item already under way has come.
var ProgressFields = []Field{FieldState, FieldOfficial, FieldLeader, FieldMeasures, FieldDeadline, FieldAssignedOn,
	FieldSubmittedOn, FieldVerifiedOn, FieldVerifier, FieldClosedOn, FieldSatisfaction}

// Fields lists every canonical column in the order messages and tests use.
var Fields = append([]Field{FieldContent, FieldChannel, FieldCollectedAt, FieldKey, FieldSerial, FieldSubmitter,
	FieldPhone, FieldTarget, FieldDepartment, FieldCategory}, ProgressFields...)

// DateFields are the columns read as dates: any form ParseDate accepts becomes
// YYYY-MM-DD.
var DateFields = []Field{FieldCollectedAt, FieldDeadline, FieldAssignedOn, FieldSubmittedOn, FieldVerifiedOn, FieldClosedOn}

// Aliases are the header names offices actually use for each column. The first
// one is the name messages show. Matching ignores surrounding and inner spaces,
// full-width forms, a required-column asterisk, and case, "_" and "-" in English.
//
// FieldKey's names are the identifier columns: a value there is the opinion's
// identity, so a row with the same key in another file is the same opinion.
// FieldSerial's are row counters (序号 1…N, restarted on every sheet and in every
// office's file): they only say where a row sits, for messages, and are never an
// identity.
var Aliases = map[Field][]string{
	FieldContent:      {"意见内容", "意见建议", "意见建议内容", "问题描述", "content"},
	FieldChannel:      {"来源", "渠道", "来源渠道", "意见来源", "征求方式", "channel"},
	FieldCollectedAt:  {"收集时间", "收集日期", "日期", "collected_at"},
	FieldKey:          {"编号", "意见编号", "工单号", "工单编号", "受理编号", "受理号", "key", "id"},
	FieldSerial:       {"序号", "行号", "顺序号", "No.", "No", "#", "row"},
	FieldSubmitter:    {"反映人", "提出人", "submitter"},
	FieldPhone:        {"联系电话", "电话", "phone"},
	FieldTarget:       {"意见对象", "针对对象", "target"},
	FieldDepartment:   {"涉及单位", "责任单位", "责任部门", "department"},
	FieldCategory:     {"类别", "问题类别", "分类", "category"},
	FieldState:        {"整改状态", "办理状态", "整改进展", "state"},
	FieldOfficial:     {"责任人", "具体责任人", "承办人", "official"},
	FieldLeader:       {"责任领导", "分管领导", "牵头领导", "leader"},
	FieldMeasures:     {"整改措施", "整改举措", "measures"},
	FieldDeadline:     {"整改时限", "完成时限", "办理时限", "deadline"},
	FieldAssignedOn:   {"交办日期", "交办时间", "assigned_on"},
	FieldSubmittedOn:  {"完成日期", "整改完成日期", "提交日期", "submitted_on"},
	FieldVerifiedOn:   {"验收日期", "验收时间", "verified_on"},
	FieldVerifier:     {"验收人", "verifier"},
	FieldClosedOn:     {"销号日期", "销号时间", "closed_on"},
	FieldSatisfaction: {"满意度", "群众满意度", "回访结果", "satisfaction"},
}

// aliasIndex maps a normalized header to its field.
var aliasIndex = func() map[string]Field {
	m := map[string]Field{}
	for f, names := range Aliases {
		for _, n := range names {
			m[normHeader(n)] = f
		}
	}
	return m
}()

// annotationKeys are the catalogue keys of the columns the rejected-rows writers
// put before the original ones, in the reader's language.
var annotationKeys = []string{"rejected.header_sheet", "rejected.header_row", "rejected.header_column", "rejected.header_reason"}

// annotationIndex recognises those columns on re-import, in every language and
// as files written before they followed the reader's language named them, and
// leaves them out of Row.Extra: they describe the last attempt, not the opinion.
var annotationIndex = func() map[string]bool {
	m := map[string]bool{}
	for _, h := range []string{"工作表/sheet", "行号/row", "问题列/column", "原因/reason"} {
		m[normHeader(h)] = true
	}
	for _, lang := range i18n.Languages {
		for _, k := range annotationKeys {
			m[normHeader(i18n.Text(lang, k))] = true
		}
	}
	return m
}()

// headerSearchRows bounds how far down a sheet the header row may be, so a sheet
// of notes is given up on quickly instead of being read to the end.
const headerSearchRows = 30

// Limits bound what one import may cost; a file over either is refused whole.
type Limits struct {
	// MaxBytes is the largest file accepted, checked before parsing. Zero: the default.
	MaxBytes int64
	// MaxRows is the most data rows accepted, counted while reading. Zero: the default.
	MaxRows int
}

// DefaultLimits fit the largest ledgers offices keep (hundreds of thousands of
// rows) while keeping a single import's memory and time predictable.
var DefaultLimits = Limits{MaxBytes: 50 << 20, MaxRows: 200_000}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultLimits.MaxRows
	}
	return l
}

// Row is one data row of a ledger, with its columns resolved, and everything the
// caller needs to tell the user where it came from.
type Row struct {
	// Sheet is the worksheet's name for xlsx ("" for csv and json): the label
	// offices use for team and individual opinions (班子意见 / 个人意见).
	Sheet string
	// Line is the row number as the user sees it: the Excel row number (title rows
	// count), the CSV line where the record starts, the JSON element's index+1.
	Line int
	// Fields holds the value of each column the sheet has: trimmed; full-width
	// digits, letters and spaces folded for channel, collected_at, key, serial and
	// phone;
	// the DateFields as YYYY-MM-DD when they are any accepted date form, else as typed.
	Fields map[Field]string
	// Columns is the header text of each field's column, as written, for messages.
	Columns map[Field]string
	// Extra holds the non-blank values of columns this package does not know,
	// keyed by their header: offices add columns and expect them kept.
	Extra map[string]string
	// Cells are the row's cell texts in column order, for the rejected-rows
	// file: merged cells filled in, padded to the header's width, and an Excel
	// serial number in the date column shown as the date (YYYY-MM-DD) it is.
	// A cell over MaxCellRunes is cut (see Cut), here and in Fields and Extra.
	Cells []string
	// TooLong names the cells over MaxCellRunes, in column order: a row with
	// any cannot be imported.
	TooLong []LongCell
}

// Reader yields a ledger's data rows one at a time, so a file of any size costs
// the memory of one row. It is not safe for concurrent use.
type Reader interface {
	// Next returns the next data row, io.EOF after the last one, or a *FileError
	// when the file turns out to be unusable part-way (nothing may be imported).
	// Blank rows are skipped.
	Next() (Row, error)
	// Header returns a sheet's header cells as written in the file (for json,
	// every key of every object in order of appearance), so a rejected-rows file
	// can repeat them; nil for a sheet without a header.
	Header(sheet string) []string
	// Sheets names the sheets that have a header row, in workbook order ([""]
	// for csv and json): callers scope per-sheet numbering (序号) by it.
	Sheets() []string
	// Skipped describes each sheet that has content but no recognisable header,
	// which was therefore not read, so the caller can tell the user.
	Skipped() []string
	// Close releases the file and any temporary files.
	Close() error
}

// FileError is a whole-file problem: nothing in the file may be imported, and
// the message says what to fix.
type FileError struct {
	// Code is one of empty, no_data_rows, corrupt, not_spreadsheet,
	// missing_column, too_large, too_many_rows, unsupported_format.
	Code string
	// Message explains the problem to an office clerk; it never quotes cell content.
	Message string
	// Missing names the required columns that were not found (missing_column).
	Missing []Field
}

// Error implements error.
func (e *FileError) Error() string { return e.Code + ": " + e.Message }

// The FileError codes.
const (
	CodeEmpty             = "empty"
	CodeNoDataRows        = "no_data_rows"
	CodeCorrupt           = "corrupt"
	CodeNotSpreadsheet    = "not_spreadsheet"
	CodeMissingColumn     = "missing_column"
	CodeTooLarge          = "too_large"
	CodeTooManyRows       = "too_many_rows"
	CodeUnsupportedFormat = "unsupported_format"
)

func fileErr(code, format string, args ...any) *FileError {
	return &FileError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Open opens a ledger for reading. The format comes from name's extension (the
// name the user gave the file; path is where it is stored), and the content must
// match it. Whole-file problems found before the first data row — empty, no
// header, no data rows, not the format it claims — are returned here as a
// *FileError; later ones come from Next.
func Open(path, name string, limits Limits) (Reader, error) {
	limits = limits.withDefaults()
	if name == "" {
		name = path
	}
	ext := strings.ToLower(filepath.Ext(name))
	switch ext {
	case ".xlsx", ".csv", ".json":
	case ".xls", ".et", ".wps", ".ods", ".numbers", ".xlsm", ".xlsb":
		return nil, fileErr(CodeUnsupportedFormat, "%s files cannot be read; save the workbook as .xlsx (Excel workbook) or .csv and import that", ext)
	default:
		return nil, fileErr(CodeUnsupportedFormat, "only .xlsx, .csv and .json files can be imported")
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fileErr(CodeNotSpreadsheet, "not a regular file")
	}
	if fi.Size() == 0 {
		return nil, fileErr(CodeEmpty, "the file is empty")
	}
	if fi.Size() > limits.MaxBytes {
		return nil, fileErr(CodeTooLarge, "the file is %s; at most %s can be imported at once — split it", mb(fi.Size()), mb(limits.MaxBytes))
	}
	var r Reader
	switch ext {
	case ".xlsx":
		r, err = openXLSX(path, limits)
	case ".csv":
		r, err = openCSV(path, limits)
	default:
		r, err = openJSON(path, limits)
	}
	if err != nil {
		return nil, err
	}
	// Reading the first data row now turns "no data rows" (and the other problems
	// found before it) into an Open error, before the caller starts anything.
	first, err := r.Next()
	if err != nil {
		_ = r.Close()
		if errors.Is(err, io.EOF) { // readers report no rows as no_data_rows; be safe
			return nil, fileErr(CodeNoDataRows, "the file has a header row but no data rows")
		}
		return nil, err
	}
	return &prefetched{Reader: r, row: first, ready: true}, nil
}

// prefetched returns the row Open read ahead before asking the format reader again.
type prefetched struct {
	Reader
	row   Row
	ready bool
}

func (p *prefetched) Next() (Row, error) {
	if p.ready {
		p.ready = false
		row := p.row
		p.row = Row{}
		return row, nil
	}
	return p.Reader.Next()
}

// mb writes a size the way people read file sizes.
func mb(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// normHeader folds a header cell to the form aliases are matched in.
func normHeader(s string) string {
	s = width.Narrow.String(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '_' || r == '-' || r == '*' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
	return s
}

// FieldOf tells which canonical column a header names, if any.
func FieldOf(header string) (Field, bool) {
	f, ok := aliasIndex[normHeader(header)]
	return f, ok
}

// layout is a sheet's header resolved to fields: how to turn its rows into Rows.
type layout struct {
	sheet   string
	header  []string
	fields  []Field  // per column; "" for columns that go to Extra
	keys    []string // per column: the Extra key (header text, made unique)
	skip    []bool   // per column: one of our own annotation columns
	first   map[Field]int
	columns map[Field]string
	// date1904 reads serial dates in the 1904 date system (old Mac workbooks).
	date1904 bool
}

// matchHeader resolves a candidate header row. ok says whether it has every
// required field; found counts the required fields it has (for messages).
func matchHeader(sheet string, cells []string) (l *layout, found int, ok bool) {
	l = &layout{sheet: sheet, first: map[Field]int{}, columns: map[Field]string{}}
	l.extend(cells)
	for _, f := range Required {
		if _, has := l.first[f]; has {
			found++
		}
	}
	return l, found, found == len(Required)
}

// extend adds header columns (JSON keys arrive as they are met).
func (l *layout) extend(cells []string) {
	used := make(map[string]bool, len(l.keys)+len(cells))
	for _, k := range l.keys {
		used[k] = true
	}
	for _, h := range cells {
		i := len(l.header)
		l.header = append(l.header, h)
		f, isField := FieldOf(h)
		ann := !isField && annotationIndex[normHeader(h)]
		key := strings.TrimSpace(h)
		if key == "" {
			key = "column " + columnName(i+1)
		}
		if used[key] {
			key = key + " (" + columnName(i+1) + ")"
		}
		used[key] = true
		l.keys = append(l.keys, key)
		l.skip = append(l.skip, ann)
		if isField {
			l.fields = append(l.fields, f)
			if _, has := l.first[f]; !has {
				l.first[f] = i
				l.columns[f] = h
			}
		} else {
			l.fields = append(l.fields, "")
		}
	}
}

// columnName is the spreadsheet letter of a 1-based column, which offices use to
// point at a column even when it has no header.
func columnName(n int) string {
	if s, err := excelize.ColumnNumberToName(n); err == nil {
		return s
	}
	return strconv.Itoa(n)
}

// row builds a Row from a data row's cells (already unescaped and merge-filled).
func (l *layout) row(line int, cells []string) Row {
	for len(cells) > len(l.header) && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	if len(cells) < len(l.header) {
		padded := make([]string, len(l.header))
		copy(padded, cells)
		cells = padded
	}
	r := Row{
		Sheet:   l.sheet,
		Line:    line,
		Fields:  make(map[Field]string, len(l.first)),
		Columns: make(map[Field]string, len(l.first)),
		Cells:   cells,
	}
	for f, i := range l.first {
		r.Columns[f] = l.header[i]
		r.Fields[f] = ""
	}
	for i, c := range cells {
		v := strings.TrimSpace(c)
		if v == "" {
			continue
		}
		if n, cut := CutLength(v); cut {
			r.TooLong = append(r.TooLong, l.longCell(i, n))
		}
		if i >= len(l.header) {
			setExtra(&r, "column "+columnName(i+1), v)
			continue
		}
		if l.skip[i] {
			continue
		}
		f := l.fields[i]
		if f == "" {
			setExtra(&r, l.keys[i], v)
			continue
		}
		if r.Fields[f] != "" { // a second column for the same field: keep it too
			setExtra(&r, l.keys[i], v)
			continue
		}
		r.Fields[f] = cleanField(f, v, l.date1904)
		r.Columns[f] = l.header[i]
		// A date column's serial numbers (real Excel date cells) show in Cells as
		// the dates Excel displayed, not as bare numbers, in the rejected-rows file.
		if isDate(f) {
			if d, ok := serialDate(v, l.date1904); ok {
				cells[i] = d
			}
		}
	}
	return r
}

// longCell describes the over-long cell in column i (0-based).
func (l *layout) longCell(i, runes int) LongCell {
	lc := LongCell{Letter: columnName(i + 1), Runes: runes}
	if i < len(l.header) {
		lc.Column, lc.Field = l.header[i], l.fields[i]
	}
	if strings.TrimSpace(lc.Column) == "" {
		lc.Column = "column " + lc.Letter
	}
	return lc
}

func setExtra(r *Row, k, v string) {
	if r.Extra == nil {
		r.Extra = map[string]string{}
	}
	r.Extra[k] = v
}

// cleanField normalizes a trimmed value the way the field's readers expect.
func cleanField(f Field, v string, date1904 bool) string {
	switch f {
	case FieldChannel, FieldKey, FieldSerial, FieldPhone:
		return narrow(v)
	}
	if isDate(f) {
		v = narrow(v)
		if d, ok := parseDate(v, date1904); ok {
			return d
		}
	}
	return v
}

// isDate reports whether f is one of DateFields.
func isDate(f Field) bool { return slices.Contains(DateFields, f) }

// narrow folds full-width digits, letters and spaces to ASCII and trims. Most
// values have none, and skipping the transformer for them halves a row's cost.
func narrow(v string) string {
	if strings.IndexByte(v, 0xEF) < 0 && !strings.Contains(v, "\u3000") {
		return v
	}
	return strings.TrimSpace(width.Narrow.String(v))
}

// blank reports whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// headerSearch finds a sheet's header row among its first rows and remembers the
// best near-miss, so "missing column" can name exactly what is missing.
type headerSearch struct {
	bestFound int
	bestSheet string
	bestLine  int
	bestHave  map[Field]bool
}

// consider records a non-matching candidate row.
func (h *headerSearch) consider(l *layout, found int, sheet string, line int) {
	if found <= h.bestFound {
		return
	}
	h.bestFound, h.bestSheet, h.bestLine = found, sheet, line
	h.bestHave = map[Field]bool{}
	for f := range l.first {
		h.bestHave[f] = true
	}
}

// missing is the missing_column error for a file where no sheet has a header.
func (h *headerSearch) missing(where string) *FileError {
	var miss []Field
	for _, f := range Required {
		if !h.bestHave[f] {
			miss = append(miss, f)
		}
	}
	var b strings.Builder
	b.WriteString("no header row with the required columns was found")
	if where != "" {
		b.WriteString(" " + where)
	}
	if h.bestFound > 0 && h.bestLine > 0 {
		loc := "row " + strconv.Itoa(h.bestLine)
		if h.bestSheet != "" {
			loc = fmt.Sprintf("sheet %q %s", h.bestSheet, loc)
		}
		fmt.Fprintf(&b, "; the closest is %s", loc)
	}
	b.WriteString("; missing: ")
	for i, f := range miss {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s (%s, accepted headers: %s)", Aliases[f][0], f, strings.Join(Aliases[f], " / "))
	}
	return &FileError{Code: CodeMissingColumn, Message: b.String(), Missing: miss}
}

// The apostrophe convention: a cell starting with one of these is a formula to
// spreadsheet programs, so our writers put an apostrophe before it, and readers
// take that apostrophe off again.
func dangerous(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// EscapeCell makes a cell safe to open in a spreadsheet program: one that could
// be read as a formula (=, +, -, @, tab, CR — after any apostrophes) gets a
// leading apostrophe. UnescapeCell reverses it exactly.
func EscapeCell(s string) string {
	rest := strings.TrimLeft(s, "'")
	if rest != "" && dangerous(rest[0]) {
		return "'" + s
	}
	return s
}

// UnescapeCell removes the apostrophe EscapeCell added, so a re-imported
// rejected-rows file gives back the cells as the user typed them.
func UnescapeCell(s string) string {
	if len(s) < 2 || s[0] != '\'' {
		return s
	}
	rest := strings.TrimLeft(s, "'")
	if rest != "" && dangerous(rest[0]) {
		return s[1:]
	}
	return s
}

func unescapeAll(cells []string) {
	for i, c := range cells {
		if len(c) > 1 && c[0] == '\'' {
			cells[i] = UnescapeCell(c)
		}
	}
}
