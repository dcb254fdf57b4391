package spreadsheet

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

const (
	// maxColumns is Excel's column count: no ledger has more, and the bound keeps
	// a line of a million commas from costing a million fields.
	maxColumns = 16384
	// maxQuoted bounds one quoted field. Excel cells hold 32,767 characters; a
	// longer quoted field is a missing closing quote swallowing the rows below.
	maxQuoted = 1 << 20
	// maxRecord bounds one record, so a file without line breaks stays cheap.
	maxRecord = 16 << 20
)

// encoding is a CSV file's text encoding, detected from its bytes.
type encoding int

const (
	encUTF8 encoding = iota
	encGB18030
	encUTF16LE
	encUTF16BE
)

// csvReader streams a CSV export's records after its header row.
type csvReader struct {
	file   *os.File
	cr     *csv.Reader
	lay    *layout
	limits Limits
	count  int
	err    error
}

func openCSV(name string, limits Limits) (Reader, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	c := &csvReader{file: fh, limits: limits}
	if err := c.open(); err != nil {
		_ = fh.Close()
		return nil, err
	}
	return c, nil
}

func (c *csvReader) open() error {
	enc, bom, err := detectEncoding(c.file)
	if err != nil {
		return err
	}
	if _, err := c.file.Seek(int64(bom), io.SeekStart); err != nil {
		return err
	}
	var text io.Reader = c.file
	switch enc {
	case encGB18030:
		text = transform.NewReader(c.file, simplifiedchinese.GB18030.NewDecoder())
	case encUTF16LE:
		text = transform.NewReader(c.file, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder())
	case encUTF16BE:
		text = transform.NewReader(c.file, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder())
	}
	br := bufio.NewReaderSize(text, 64<<10)
	sample, _ := br.Peek(64 << 10)
	sep := sniffSeparator(sample)
	c.cr = csv.NewReader(&recordGuard{r: br, sep: sep, fields: 1, line: 1})
	c.cr.Comma = sep
	c.cr.FieldsPerRecord = -1
	// Lazy quotes read 他说"好" in an unquoted field as typed, as Excel does; the
	// guard catches the one thing laziness hides, an unclosed quote.
	c.cr.LazyQuotes = true
	return c.findHeader()
}

// detectEncoding reads the whole file once: a BOM decides; otherwise valid UTF-8
// is UTF-8 and anything else is GB18030 (a superset of GBK), which is what
// Chinese Excel and WPS save. NUL bytes or control characters mean it is not text.
func detectEncoding(f *os.File) (enc encoding, bom int, err error) {
	buf := make([]byte, 64<<10)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, 0, err
	}
	head := buf[:n]
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		enc, bom = encUTF8, 3
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return encUTF16LE, 2, nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return encUTF16BE, 2, nil
	case bytes.HasPrefix(head, zipMagic), bytes.HasPrefix(head, oleMagic):
		return 0, 0, fileErr(CodeNotSpreadsheet, "the file is named .csv but is an Excel workbook; save it as CSV, or import it with the .xlsx extension")
	}
	// Control characters are counted in the first chunk: binary files show it at
	// once, and text files have none anywhere.
	control := 0
	for _, b := range head {
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != '\f') || b == 0x7F {
			control++
		}
	}
	if control*100 > len(head) {
		return 0, 0, fileErr(CodeNotSpreadsheet, "the file is named .csv but contains binary data, not text")
	}
	valid := true
	var carry []byte // an incomplete rune at the end of the previous chunk
	for {
		chunk := buf[:n]
		if bytes.IndexByte(chunk, 0) >= 0 {
			return 0, 0, fileErr(CodeNotSpreadsheet, "the file is named .csv but contains binary data, not text")
		}
		if valid {
			data := append(carry, chunk...)
			cut := len(data)
			// Hold back a rune that may continue in the next chunk.
			for i := 1; i <= utf8.UTFMax-1 && i <= len(data); i++ {
				if utf8.RuneStart(data[len(data)-i]) {
					if !utf8.FullRune(data[len(data)-i:]) {
						cut = len(data) - i
					}
					break
				}
			}
			valid = utf8.Valid(data[:cut])
			carry = append(carry[:0], data[cut:]...)
		}
		if n < len(buf) {
			break
		}
		if n, err = io.ReadFull(f, buf); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return 0, 0, err
		}
	}
	if valid && len(carry) > 0 {
		valid = utf8.Valid(carry)
	}
	if bom > 0 || valid {
		return encUTF8, bom, nil
	}
	return encGB18030, 0, nil
}

// sniffSeparator picks tab over comma only when a header line is tab-separated:
// text copied out of Excel and saved as .csv often is.
func sniffSeparator(sample []byte) rune {
	lines := strings.Split(string(sample), "\n")
	seen := 0
	for _, line := range lines {
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		for _, sep := range []string{",", "\t"} {
			cells := strings.Split(line, sep)
			for i := range cells {
				cells[i] = strings.Trim(cells[i], `"`)
			}
			if _, _, ok := matchHeader("", cells); ok {
				return rune(sep[0])
			}
		}
		if seen++; seen >= headerSearchRows {
			break
		}
	}
	return ','
}

// findHeader reads up to the header row.
func (c *csvReader) findHeader() error {
	var search headerSearch
	content := false
	for nonBlank := 0; nonBlank < headerSearchRows; {
		rec, err := c.cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return csvErr(err)
		}
		if blank(rec) {
			continue
		}
		content = true
		nonBlank++
		cutAll(rec)
		unescapeAll(rec)
		line, _ := c.cr.FieldPos(0)
		l, found, ok := matchHeader("", rec)
		if ok {
			c.lay = l
			return nil
		}
		search.consider(l, found, "", line)
	}
	if !content {
		return fileErr(CodeEmpty, "the file has no content")
	}
	return search.missing(fmt.Sprintf("in the first %d non-blank lines", headerSearchRows))
}

// csvErr turns a reading error into a FileError.
func csvErr(err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileErr(CodeCorrupt, "line %d cannot be read (%v)", pe.StartLine, pe.Err)
	}
	return fileErr(CodeCorrupt, "the file cannot be read (%v)", err)
}

func (c *csvReader) Next() (Row, error) {
	for c.err == nil {
		rec, err := c.cr.Read()
		if errors.Is(err, io.EOF) {
			c.err = io.EOF
			if c.count == 0 {
				c.err = fileErr(CodeNoDataRows, "the file has a header row but no data rows")
			}
			break
		}
		if err != nil {
			c.err = csvErr(err)
			break
		}
		if blank(rec) {
			continue
		}
		if c.count++; c.count > c.limits.MaxRows {
			c.err = fileErr(CodeTooManyRows, "the file has more than %d data rows; split it and import the parts one after another", c.limits.MaxRows)
			break
		}
		cutAll(rec)
		unescapeAll(rec)
		line, _ := c.cr.FieldPos(0)
		return c.lay.row(line, rec), nil
	}
	return Row{}, c.err
}

func (c *csvReader) Header(sheet string) []string {
	if sheet != "" || c.lay == nil {
		return nil
	}
	return append([]string(nil), c.lay.header...)
}

func (c *csvReader) Sheets() []string { return []string{""} }

func (c *csvReader) Skipped() []string { return nil }

func (c *csvReader) Close() error {
	if c.err == nil {
		c.err = errors.New("spreadsheet: reader closed")
	}
	return c.file.Close()
}

// recordGuard follows the CSV quoting as encoding/csv (with lazy quotes) reads
// it and stops a file whose records would cost unbounded memory: too many
// fields, a quoted field that never closes, a record without end.
type recordGuard struct {
	r      io.Reader
	sep    rune
	state  guardState
	fields int // in the current record
	bytes  int // of the current record
	quoted int // bytes of the current quoted field
	line   int // current line, 1-based
	qLine  int // line where the current quoted field started
	err    error
}

type guardState uint8

const (
	gFieldStart guardState = iota
	gUnquoted
	gQuoted
	gQuoteInQuoted // a quote inside a quoted field: its end, or half of ""
	gQuoteCR       // a quote then CR: the end of the record if LF follows
)

func (g *recordGuard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	if gerr := g.scan(p[:n]); gerr != nil {
		g.err = gerr
		return 0, gerr
	}
	return n, err
}

func (g *recordGuard) scan(p []byte) error {
	sep := byte(g.sep)
	for i := 0; i < len(p); i++ {
		// Ordinary bytes change nothing but counters: skip runs of them at once.
		if g.state == gUnquoted || g.state == gQuoted {
			j := i
			for j < len(p) && p[j] != '"' && p[j] != sep && p[j] != '\n' {
				j++
			}
			g.bytes += j - i
			if g.state == gQuoted {
				g.quoted += j - i
			}
			if err := g.check(); err != nil || j == len(p) {
				return err
			}
			i = j
		}
		b := p[i]
		g.bytes++
		if b == '\n' {
			g.line++
		}
		switch g.state {
		case gFieldStart, gUnquoted:
			switch {
			case b == '"' && g.state == gFieldStart:
				g.state, g.quoted, g.qLine = gQuoted, 0, g.line
			case b == sep:
				g.state = gFieldStart
				g.fields++
			case b == '\n':
				g.endRecord()
			default:
				g.state = gUnquoted
			}
		case gQuoted:
			if b == '"' {
				g.state = gQuoteInQuoted
			} else {
				g.quoted++
			}
		case gQuoteInQuoted:
			switch b {
			case '"':
				g.state = gQuoted
			case sep:
				g.state = gFieldStart
				g.fields++
			case '\n':
				g.endRecord()
			case '\r':
				g.state = gQuoteCR
			default:
				g.state = gQuoted
			}
		case gQuoteCR:
			if b == '\n' {
				g.endRecord()
			} else {
				g.state = gQuoted
			}
		}
		if err := g.check(); err != nil {
			return err
		}
	}
	return nil
}

// check applies the bounds.
func (g *recordGuard) check() error {
	switch {
	case g.state == gQuoted && g.quoted > maxQuoted:
		return fileErr(CodeCorrupt, "line %d: a quoted field starting on this line runs on for more than %s — a closing quote (\") is probably missing", g.qLine, mb(maxQuoted))
	case g.fields > maxColumns:
		return fileErr(CodeCorrupt, "line %d has more than %d columns", g.line, maxColumns)
	case g.bytes > maxRecord:
		return fileErr(CodeCorrupt, "the record ending on line %d is longer than %s", g.line, mb(maxRecord))
	}
	return nil
}

func (g *recordGuard) endRecord() {
	g.state, g.fields, g.bytes = gFieldStart, 1, 0
}
