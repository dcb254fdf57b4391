package spreadsheet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// jsonReader streams an array of objects keyed like the English headers (any
// header alias works), one element at a time.
type jsonReader struct {
	file   *os.File
	dec    *json.Decoder
	lay    *layout
	index  map[string]int // key → column
	limits Limits
	elem   int // elements read
	count  int // data rows returned
	err    error
}

// kv is one member of an object, its value as text.
type kv struct{ key, val string }

func openJSON(name string, limits Limits) (Reader, error) {
	fh, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	j := &jsonReader{file: fh, limits: limits, index: map[string]int{}}
	if err := j.open(); err != nil {
		_ = fh.Close()
		return nil, err
	}
	return j, nil
}

// open checks the shape, then reads the whole array once — element by element —
// to learn every key (the header) and to refuse a malformed file before any row
// is handed out; the second pass yields the rows.
func (j *jsonReader) open() error {
	if err := j.checkStart(); err != nil {
		return err
	}
	j.lay = &layout{first: map[Field]int{}, columns: map[Field]string{}}
	dec, err := j.rewind()
	if err != nil {
		return err
	}
	elems := 0
	for dec.More() {
		elems++
		obj, err := readObject(dec, elems)
		if err != nil {
			return err
		}
		for _, m := range obj {
			if _, ok := j.index[m.key]; ok {
				continue
			}
			if len(j.lay.header) >= maxColumns {
				return fileErr(CodeCorrupt, "the objects have more than %d different keys", maxColumns)
			}
			j.index[m.key] = len(j.lay.header)
			j.lay.extend([]string{m.key})
		}
	}
	if err := closeArray(dec); err != nil {
		return err
	}
	if elems == 0 {
		return fileErr(CodeNoDataRows, "the array has no opinions")
	}
	found := 0
	for _, f := range Required {
		if _, ok := j.lay.first[f]; ok {
			found++
		}
	}
	if found < len(Required) {
		var s headerSearch
		s.consider(j.lay, found, "", 0)
		return s.missing("in the keys of the objects")
	}
	j.dec, err = j.rewind()
	return err
}

// checkStart tells an array of opinions from other files named .json.
func (j *jsonReader) checkStart() error {
	br := bufio.NewReader(j.file)
	for {
		b, err := br.ReadByte()
		if err != nil {
			return fileErr(CodeEmpty, "the file has no content")
		}
		switch b {
		case ' ', '\t', '\r', '\n', 0xEF, 0xBB, 0xBF:
			continue
		case '[':
			return nil
		case '{':
			return fileErr(CodeNotSpreadsheet, "the JSON must be an array of opinions, [{...}, {...}], not a single object")
		default:
			return fileErr(CodeNotSpreadsheet, "the file is named .json but is not a JSON array of opinions")
		}
	}
}

// rewind starts a decoder past the opening bracket.
func (j *jsonReader) rewind() (*json.Decoder, error) {
	if _, err := j.file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(j.file, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // '[' as checkStart saw
		return nil, jsonErr(err, 0)
	}
	return dec, nil
}

// readObject reads one element, which must be an object, keeping its key order.
func readObject(dec *json.Decoder, elem int) ([]kv, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonErr(err, elem)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fileErr(CodeCorrupt, "element %d of the array is not an object", elem)
	}
	var obj []kv
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonErr(err, elem)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fileErr(CodeCorrupt, "element %d of the array is malformed", elem)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonErr(err, elem)
		}
		// Cut at once: the object may be kept while the rest of the file is read.
		obj = append(obj, kv{Cut(key), Cut(jsonText(raw))})
	}
	if _, err := dec.Token(); err != nil { // '}'
		return nil, jsonErr(err, elem)
	}
	return obj, nil
}

// jsonText is a value as a cell would hold it: strings as they are, numbers and
// booleans as written, null as blank, nested values as compact JSON.
func jsonText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	case 'n':
		return ""
	case '{', '[':
		var b bytes.Buffer
		if json.Compact(&b, raw) == nil {
			return b.String()
		}
	}
	return string(raw)
}

// closeArray reads the closing bracket and makes sure nothing follows it.
func closeArray(dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return jsonErr(err, 0)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fileErr(CodeCorrupt, "the file has more after the array's closing bracket")
	}
	return nil
}

func jsonErr(err error, elem int) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fileErr(CodeCorrupt, "the JSON is invalid at byte %d (%v)", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fileErr(CodeCorrupt, "the JSON ends too early; the file is incomplete")
	}
	if elem > 0 {
		return fileErr(CodeCorrupt, "element %d of the array cannot be read (%v)", elem, err)
	}
	return fileErr(CodeCorrupt, "the JSON cannot be read (%v)", err)
}

func (j *jsonReader) Next() (Row, error) {
	for j.err == nil {
		if !j.dec.More() {
			j.err = io.EOF
			if j.count == 0 {
				j.err = fileErr(CodeNoDataRows, "the array has only empty objects")
			}
			break
		}
		j.elem++
		obj, err := readObject(j.dec, j.elem)
		if err != nil { // the first pass read it; only a file changed under us gets here
			j.err = err
			break
		}
		cells := make([]string, len(j.lay.header))
		for _, m := range obj {
			if i, ok := j.index[m.key]; ok && cells[i] == "" {
				cells[i] = m.val
			}
		}
		if blank(cells) {
			continue
		}
		if j.count++; j.count > j.limits.MaxRows {
			j.err = fileErr(CodeTooManyRows, "the file has more than %d opinions; split it and import the parts one after another", j.limits.MaxRows)
			break
		}
		unescapeAll(cells)
		return j.lay.row(j.elem, cells), nil
	}
	return Row{}, j.err
}

func (j *jsonReader) Header(sheet string) []string {
	if sheet != "" {
		return nil
	}
	return append([]string(nil), j.lay.header...)
}

func (j *jsonReader) Sheets() []string { return []string{""} }

func (j *jsonReader) Skipped() []string { return nil }

func (j *jsonReader) Close() error {
	if j.err == nil {
		j.err = fmt.Errorf("spreadsheet: reader closed")
	}
	return j.file.Close()
}
