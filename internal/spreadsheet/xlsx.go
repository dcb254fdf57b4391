package spreadsheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"
)

const (
	// xmlInMemory is the size above which excelize keeps a worksheet or the
	// shared-strings table in a temporary file instead of memory.
	xmlInMemory = 4 << 20
	// maxPart bounds any other part of the workbook (styles, drawings, media),
	// which excelize always reads into memory.
	maxPart = 64 << 20
	// maxMerges bounds the merged ranges of one sheet; real ledgers have a few
	// per group of rows, a crafted file could claim millions.
	maxMerges = 1_000_000
	// maxMergeCols is how far right a merged value is spread. Ledgers have a few
	// dozen columns; the bound keeps a range like A1:XFD1 from costing anything.
	maxMergeCols = 256
	// maxExcelRows is the last row number a worksheet may have.
	maxExcelRows = excelize.TotalRows
	// maxTextRun bounds a run of text between two tags of a worksheet or of the
	// shared strings, as maxQuoted bounds a CSV field. A cell over MaxCellRunes
	// only refuses its row, but excelize holds a cell's whole text in memory
	// several times over while decoding it, and the XML of a workbook compresses
	// so well that a 300 KB upload can carry a 300 MB cell. No spreadsheet
	// program writes a cell anywhere near this long.
	maxTextRun = 1 << 20
)

var (
	zipMagic      = []byte("PK\x03\x04")
	emptyZipMagic = []byte("PK\x05\x06")
	oleMagic      = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// xlsxReader streams the rows of every sheet of a workbook that has a header.
type xlsxReader struct {
	f        *excelize.File
	zr       *zip.ReadCloser
	parts    map[string]*zip.File // sheet name → its worksheet part
	date1904 bool
	limits   Limits

	data    []string           // sheets with a header, in workbook order
	layouts map[string]*layout // by sheet
	lines   map[string]int     // header row number, by sheet
	skipped []string

	si     int // index into data of the sheet being read
	rows   *excelize.Rows
	rowNum int
	merges *merges
	count  int
	err    error // sticky: once the reader fails or ends it stays so
}

func openXLSX(name string, limits Limits) (Reader, error) {
	if err := checkMagic(name); err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(name)
	if err != nil {
		return nil, fileErr(CodeCorrupt, "the workbook is damaged or incomplete (it cannot be unzipped); open it in Excel, save it again and retry")
	}
	x := &xlsxReader{zr: zr, limits: limits, layouts: map[string]*layout{}, lines: map[string]int{}}
	if err := x.openParts(); err != nil {
		_ = zr.Close()
		return nil, err
	}
	// openParts has checked the unpacked size against the same limit.
	x.f, err = excelize.OpenFile(name, excelize.Options{RawCellValue: true, UnzipSizeLimit: unzipLimit(limits), UnzipXMLSizeLimit: xmlInMemory})
	if err != nil {
		if x.f != nil {
			_ = x.f.Close()
			x.f = nil
		}
		_ = zr.Close()
		return nil, fileErr(CodeCorrupt, "the workbook is damaged and cannot be read (%v); open it in Excel, save it again and retry", err)
	}
	if err := x.findHeaders(); err != nil {
		_ = x.Close()
		return nil, err
	}
	return x, nil
}

// unzipLimit bounds what a workbook may unpack to (its XML compresses 5–15×),
// so a small zip bomb cannot fill the disk with temporary files.
func unzipLimit(l Limits) int64 {
	return max(20*min(l.MaxBytes, 1<<40), 256<<20)
}

// checkMagic tells a workbook from a file that only has its extension.
func checkMagic(name string) error {
	fh, err := os.Open(name)
	if err != nil {
		return err
	}
	defer func() { _ = fh.Close() }() // only read from
	head := make([]byte, 8)
	n, _ := io.ReadFull(fh, head)
	head = head[:n]
	switch {
	case bytes.Equal(head, oleMagic):
		return fileErr(CodeUnsupportedFormat, "this is an old-style .xls workbook or a password-protected one; save it in Excel as .xlsx without a password and import that")
	case bytes.HasPrefix(head, emptyZipMagic):
		return fileErr(CodeEmpty, "the workbook is empty")
	case !bytes.HasPrefix(head, zipMagic):
		return fileErr(CodeNotSpreadsheet, "the file is named .xlsx but is not an Excel workbook")
	}
	return nil
}

// openParts maps sheet names to their worksheet parts (workbook.xml and its
// relationships) and refuses archives that would unpack to too much.
func (x *xlsxReader) openParts() error {
	files := make(map[string]*zip.File, len(x.zr.File))
	var total uint64
	for _, zf := range x.zr.File {
		n := strings.ToLower(strings.ReplaceAll(zf.Name, "\\", "/"))
		files[n] = zf
		total += zf.UncompressedSize64
		big := !strings.HasPrefix(n, "xl/worksheets/sheet") && n != "xl/sharedstrings.xml"
		if big && zf.UncompressedSize64 > maxPart {
			return fileErr(CodeTooLarge, "a part of the workbook (%s) unpacks to more than %s; remove pictures or attachments and retry", path.Base(n), mb(maxPart))
		}
	}
	if limit := unzipLimit(x.limits); total > uint64(limit) {
		return fileErr(CodeTooLarge, "the workbook unpacks to %s, more than %s; split it", mb(int64(min(total, 1<<62))), mb(limit))
	}
	wbPath := "xl/workbook.xml"
	if rels, ok := files["_rels/.rels"]; ok {
		for _, rel := range readRels(rels) {
			if strings.HasSuffix(rel.typ, "/officeDocument") {
				wbPath = resolvePart("", rel.target)
			}
		}
	}
	wb, ok := files[wbPath]
	if !ok {
		return fileErr(CodeNotSpreadsheet, "the file is a zip archive but not an Excel workbook")
	}
	ids := map[string]string{} // relationship id → part
	if rels, ok := files[path.Join(path.Dir(wbPath), "_rels", path.Base(wbPath)+".rels")]; ok {
		for _, rel := range readRels(rels) {
			ids[rel.id] = resolvePart(path.Dir(wbPath), rel.target)
		}
	}
	x.parts = map[string]*zip.File{}
	var order []string // the sheets, in workbook order
	rc, err := wb.Open()
	if err != nil {
		return fileErr(CodeCorrupt, "the workbook is damaged (%v)", err)
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" && (a.Value == "1" || strings.EqualFold(a.Value, "true")) {
					x.date1904 = true
				}
			}
		case "sheet":
			var name, id string
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name" && a.Name.Space == "":
					name = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				}
			}
			if zf, ok := files[ids[id]]; ok && name != "" {
				if _, dup := x.parts[name]; !dup {
					order = append(order, name)
				}
				x.parts[name] = zf
			}
		}
	}
	// Before excelize decodes any of it.
	if sst, ok := files["xl/sharedstrings.xml"]; ok {
		if err := checkTextRuns(sst, "the workbook's shared text (xl/sharedStrings.xml)"); err != nil {
			return err
		}
	}
	for _, name := range order {
		if err := checkTextRuns(x.parts[name], fmt.Sprintf("sheet %q", name)); err != nil {
			return err
		}
	}
	return nil
}

// checkTextRuns reads a part of the workbook once, in chunks, and refuses it if
// it has a run of more than maxTextRun bytes without a tag.
func checkTextRuns(zf *zip.File, what string) error {
	rc, err := zf.Open()
	if err != nil {
		return fileErr(CodeCorrupt, "the workbook is damaged (%v)", err)
	}
	defer rc.Close()
	buf := make([]byte, 64<<10)
	run := 0
	for {
		n, err := rc.Read(buf)
		for chunk := buf[:n]; len(chunk) > 0; {
			i := bytes.IndexByte(chunk, '<')
			if i < 0 {
				run += len(chunk)
				break
			}
			if run+i > maxTextRun {
				run += i
				break
			}
			run, chunk = 0, chunk[i+1:]
		}
		if run > maxTextRun {
			return fileErr(CodeTooLarge, "%s has a cell with more than %s of text; a cell holds at most %d characters (Excel's own limit), so no spreadsheet program wrote it; shorten that cell and import the file again",
				what, mb(maxTextRun), MaxCellRunes)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fileErr(CodeCorrupt, "the workbook is damaged (%v); open it in Excel, save it again and retry", err)
		}
	}
}

type rel struct{ id, typ, target string }

// readRels reads a relationships part; a damaged one yields what could be read.
func readRels(zf *zip.File) []rel {
	if zf.UncompressedSize64 > maxPart {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var out []rel
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var r rel
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					r.id = a.Value
				case "Type":
					r.typ = a.Value
				case "Target":
					r.target = a.Value
				}
			}
			out = append(out, r)
		}
	}
}

// resolvePart turns a relationship target into a lower-cased part name.
func resolvePart(dir, target string) string {
	target = strings.ReplaceAll(target, "\\", "/")
	var p string
	if strings.HasPrefix(target, "/") {
		p = path.Clean(target[1:])
	} else {
		p = path.Join(dir, target)
	}
	return strings.ToLower(strings.TrimPrefix(p, "/"))
}

// findHeaders looks for the header row of every sheet, so Sheets and the
// missing-column error can be answered before any data row is read.
func (x *xlsxReader) findHeaders() error {
	var search headerSearch
	content := false
	seen := map[string]bool{}
	for _, sheet := range x.f.GetSheetList() {
		if seen[sheet] {
			continue
		}
		seen[sheet] = true
		lay, line, has, err := x.scanHeader(sheet, &search)
		if err != nil {
			return err
		}
		content = content || has
		switch {
		case lay != nil:
			lay.date1904 = x.date1904
			x.data = append(x.data, sheet)
			x.layouts[sheet], x.lines[sheet] = lay, line
		case has:
			x.skipped = append(x.skipped, fmt.Sprintf("sheet %q was not read: it has content but none of its first %d non-blank rows is a header naming the %s columns",
				sheet, headerSearchRows, requiredNames()))
		}
	}
	if len(x.data) == 0 {
		if !content {
			return fileErr(CodeEmpty, "the workbook has no content")
		}
		return search.missing(fmt.Sprintf("in the first %d non-blank rows of any sheet", headerSearchRows))
	}
	return nil
}

func requiredNames() string {
	names := make([]string, len(Required))
	for i, f := range Required {
		names[i] = Aliases[f][0]
	}
	return strings.Join(names, ", ")
}

// scanHeader reads a sheet's first non-blank rows for its header row.
func (x *xlsxReader) scanHeader(sheet string, search *headerSearch) (lay *layout, line int, content bool, err error) {
	rows, err := x.f.Rows(sheet)
	if err != nil {
		return nil, 0, false, fileErr(CodeCorrupt, "sheet %q cannot be read (%v)", sheet, err)
	}
	defer func() { _ = rows.Close() }() // what went wrong, rows.Error says below
	nonBlank := 0
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, 0, false, fileErr(CodeCorrupt, "sheet %q row %d cannot be read (%v)", sheet, n, err)
		}
		if blank(cells) {
			continue
		}
		content = true
		cutAll(cells)
		unescapeAll(cells)
		l, found, ok := matchHeader(sheet, cells)
		if ok {
			return l, n, true, nil
		}
		search.consider(l, found, sheet, n)
		if nonBlank++; nonBlank >= headerSearchRows {
			break
		}
	}
	if err := rows.Error(); err != nil {
		return nil, 0, false, fileErr(CodeCorrupt, "sheet %q cannot be read (%v)", sheet, err)
	}
	return nil, 0, content, nil
}

func (x *xlsxReader) Next() (Row, error) {
	for x.err == nil {
		if x.rows == nil {
			if x.si >= len(x.data) {
				x.err = io.EOF
				if x.count == 0 {
					x.err = fileErr(CodeNoDataRows, "the workbook has a header row but no data rows")
				}
				break
			}
			if err := x.startSheet(); err != nil {
				x.err = err
				break
			}
		}
		sheet := x.data[x.si]
		if !x.rows.Next() {
			err := x.rows.Error()
			_ = x.rows.Close()
			x.rows, x.merges = nil, nil
			x.si++
			if err != nil {
				x.err = fileErr(CodeCorrupt, "sheet %q cannot be read (%v)", sheet, err)
			}
			continue
		}
		x.rowNum++
		cells, err := x.rows.Columns()
		if err != nil {
			x.err = fileErr(CodeCorrupt, "sheet %q row %d cannot be read (%v)", sheet, x.rowNum, err)
			break
		}
		// Cut before the merged ranges spread a value down their rows, so a long
		// cell is held once, for no longer than this.
		cutAll(cells)
		unescapeAll(cells)
		cells, own := x.merges.apply(x.rowNum, cells)
		if !own || x.rowNum <= x.lines[sheet] {
			continue
		}
		if x.count++; x.count > x.limits.MaxRows {
			x.err = fileErr(CodeTooManyRows, "the file has more than %d data rows; split it and import the parts one after another", x.limits.MaxRows)
			break
		}
		return x.layouts[sheet].row(x.rowNum, cells), nil
	}
	return Row{}, x.err
}

// startSheet reads the sheet's merged ranges, then opens its rows.
func (x *xlsxReader) startSheet() error {
	sheet := x.data[x.si]
	x.merges = nil
	if zf, ok := x.parts[sheet]; ok {
		m, err := scanMerges(zf)
		if err != nil {
			return err
		}
		x.merges = m
	}
	rows, err := x.f.Rows(sheet)
	if err != nil {
		return fileErr(CodeCorrupt, "sheet %q cannot be read (%v)", sheet, err)
	}
	x.rows, x.rowNum = rows, 0
	return nil
}

func (x *xlsxReader) Header(sheet string) []string {
	if l, ok := x.layouts[sheet]; ok {
		return append([]string(nil), l.header...)
	}
	return nil
}

func (x *xlsxReader) Sheets() []string { return append([]string(nil), x.data...) }

func (x *xlsxReader) Skipped() []string { return append([]string(nil), x.skipped...) }

func (x *xlsxReader) Close() error {
	var errs []error
	if x.rows != nil {
		_ = x.rows.Close()
		x.rows = nil
	}
	if x.f != nil {
		errs = append(errs, x.f.Close())
		x.f = nil
	}
	if x.zr != nil {
		errs = append(errs, x.zr.Close())
		x.zr = nil
	}
	if x.err == nil {
		x.err = errors.New("spreadsheet: reader closed")
	}
	return errors.Join(errs...)
}

// mergeRange is one merged range (1-based, inclusive) and the value of its
// top-left cell once the reader has reached it.
type mergeRange struct {
	r1, c1, r2, c2 int
	val            string
}

// merges spreads each merged range's value over the range while rows stream by:
// offices merge 来源 or 日期 down a group of rows and mean it for every row.
type merges struct {
	ranges []mergeRange // sorted by first row
	next   int          // first range not yet reached
	owner  []int32      // per column: index+1 of the range that last claimed it
	active []int        // ranges that cover the current row
}

// scanMerges reads the <mergeCell ref="…"/> elements of a worksheet part without
// parsing its rows: they sit after <sheetData>, so the part is streamed and
// searched bytewise, and only the <mergeCells> element is decoded as XML.
func scanMerges(zf *zip.File) (*merges, error) {
	rc, err := zf.Open()
	if err != nil {
		return nil, fileErr(CodeCorrupt, "a worksheet of the workbook is damaged (%v)", err)
	}
	defer rc.Close()
	start, rest, ok := findMergeCells(rc)
	if !ok {
		return nil, nil
	}
	m := &merges{}
	d := xml.NewDecoder(io.MultiReader(bytes.NewReader(start), rest))
	for {
		tok, err := d.RawToken()
		if err != nil {
			break // a damaged tail: keep what was read
		}
		if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "mergeCells" {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "mergeCell" {
			continue
		}
		for _, a := range se.Attr {
			if a.Name.Local != "ref" {
				continue
			}
			if g, ok := parseRange(a.Value); ok {
				if len(m.ranges) >= maxMerges {
					return nil, fileErr(CodeTooLarge, "a sheet has more than %d merged cell ranges", maxMerges)
				}
				m.ranges = append(m.ranges, g)
			}
		}
	}
	if len(m.ranges) == 0 {
		return nil, nil
	}
	sort.SliceStable(m.ranges, func(i, j int) bool { return m.ranges[i].r1 < m.ranges[j].r1 })
	m.owner = make([]int32, maxMergeCols)
	return m, nil
}

// findMergeCells returns the bytes from the start of the <mergeCells> tag (with
// any namespace prefix) and the reader positioned after them.
func findMergeCells(r io.Reader) ([]byte, io.Reader, bool) {
	const chunk = 64 << 10
	const keep = 64 // enough for "<prefix:" before the name
	pat := []byte("mergeCells")
	buf := make([]byte, 0, chunk+keep)
	read := make([]byte, chunk)
	for {
		n, err := io.ReadFull(r, read)
		buf = append(buf, read[:n]...)
		from := 0
		for {
			i := bytes.Index(buf[from:], pat)
			if i < 0 {
				break
			}
			i += from
			if s, ok := tagStart(buf, i); ok {
				return buf[s:], r, true
			}
			from = i + len(pat)
		}
		if err != nil {
			return nil, nil, false
		}
		if len(buf) > keep {
			buf = append(buf[:0], buf[len(buf)-keep:]...)
		}
	}
}

// tagStart finds the '<' that opens the element whose name starts at i.
func tagStart(buf []byte, i int) (int, bool) {
	if i > 0 && buf[i-1] == '<' {
		return i - 1, true
	}
	if i == 0 || buf[i-1] != ':' {
		return 0, false
	}
	for j := i - 2; j >= 0 && j >= i-34; j-- {
		c := buf[j]
		switch {
		case c == '<':
			return j, j < i-2
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.':
		default:
			return 0, false
		}
	}
	return 0, false
}

// parseRange reads "B4:B9" (or a lone "B4"), capped to the columns we spread.
func parseRange(ref string) (mergeRange, bool) {
	a, b, found := strings.Cut(ref, ":")
	if !found {
		b = a
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return mergeRange{}, false
	}
	if r1 > r2 {
		r1, r2 = r2, r1
	}
	if c1 > c2 {
		c1, c2 = c2, c1
	}
	if r1 < 1 || c1 < 1 || c1 > maxMergeCols || r1 > maxExcelRows {
		return mergeRange{}, false
	}
	return mergeRange{r1: r1, c1: c1, r2: min(r2, maxExcelRows), c2: min(c2, maxMergeCols)}, true
}

// apply fills the merged ranges that cover row into its cells. own reports
// whether the row has a value of its own — one not inherited from a range that
// started higher up — which is what makes a row non-blank.
func (m *merges) apply(row int, cells []string) ([]string, bool) {
	if m == nil {
		return cells, !blank(cells)
	}
	for m.next < len(m.ranges) && m.ranges[m.next].r1 <= row {
		idx := m.next
		m.next++
		g := &m.ranges[idx]
		if g.r2 < row || !m.claim(idx, row) {
			continue
		}
		if g.r1 == row && g.c1 <= len(cells) {
			g.val = cells[g.c1-1]
		}
		m.active = append(m.active, idx)
	}
	kept := m.active[:0]
	for _, idx := range m.active {
		if m.ranges[idx].r2 >= row {
			kept = append(kept, idx)
		}
	}
	m.active = kept
	if len(m.active) == 0 {
		return cells, !blank(cells)
	}
	own := false
	for i, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		if i < len(m.owner) {
			if o := m.owner[i]; o != 0 {
				if g := &m.ranges[o-1]; g.r1 < row && g.r2 >= row {
					continue // inherited from above
				}
			}
		}
		own = true
		break
	}
	if !own {
		return cells, false
	}
	for _, idx := range m.active {
		g := &m.ranges[idx]
		if len(cells) < g.c2 {
			cells = append(cells, make([]string, g.c2-len(cells))...)
		}
		for c := g.c1; c <= g.c2; c++ {
			cells[c-1] = g.val
		}
	}
	return cells, true
}

// claim gives a range its columns unless a live range already has one of them
// (overlapping merges are invalid; ignoring them keeps the work per row bounded).
func (m *merges) claim(idx, row int) bool {
	g := &m.ranges[idx]
	for c := g.c1; c <= g.c2; c++ {
		if o := m.owner[c-1]; o != 0 && m.ranges[o-1].r2 >= row {
			return false
		}
	}
	for c := g.c1; c <= g.c2; c++ {
		m.owner[c-1] = int32(idx + 1)
	}
	return true
}
