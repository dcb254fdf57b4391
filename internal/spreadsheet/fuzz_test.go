package spreadsheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// readEverything opens a file and reads it to the end, checking that whatever
// the bytes, the outcome is rows and then io.EOF, or a *FileError — never a
// panic, never another kind of error — and that the rows are well formed.
func readEverything(t *testing.T, dir, name string, data []byte) {
	p := filepath.Join(dir, name) // one file per worker, rewritten: a fresh dir per input is slow
	require.NoError(t, os.WriteFile(p, data, 0o600))
	r, err := Open(p, name, Limits{MaxRows: 5000})
	if err != nil {
		var fe *FileError
		require.ErrorAs(t, err, &fe)
		require.NotEmpty(t, fe.Code)
		return
	}
	defer func() { require.NoError(t, r.Close()) }()
	sheets := map[string]bool{}
	for _, s := range r.Sheets() {
		sheets[s] = true
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var fe *FileError
			require.ErrorAs(t, err, &fe)
			return
		}
		require.True(t, sheets[row.Sheet], "row of a sheet Sheets does not list")
		require.Positive(t, row.Line)
		require.GreaterOrEqual(t, len(row.Cells), len(r.Header(row.Sheet)))
		for _, f := range Required {
			_, ok := row.Fields[f]
			require.True(t, ok, "required field %s missing from a row", f)
			require.NotEmpty(t, row.Columns[f])
		}
	}
}

func FuzzCSV(f *testing.F) {
	f.Add([]byte(ledgerCSV))
	f.Add([]byte(csvLedger))
	f.Add(withBOM(csvLedger))
	f.Add(gbk(f, csvLedger))
	f.Add(gb18030(f, "意见内容,来源,收集时间\n𠮷,热线,2014-04-02\n"))
	f.Add([]byte("意见内容\t来源\t收集时间\n\"a\tb\"\t热线\t41731\n"))
	f.Add([]byte("意见内容,来源,收集时间\n\"unclosed,热线,2014-04-02\n"))
	f.Add([]byte("意见内容,来源,收集时间\n\"a\"\"b\"x,\"c\"\r,d\n"))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, ',', 0})
	f.Add([]byte("\xEF\xBB\xBF"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		readEverything(t, dir, "f.csv", data)
	})
}

func FuzzJSON(f *testing.F) {
	f.Add([]byte(`[{"content":"a","channel":"热线","collected_at":"2014-04-02","x":[1,{"y":null}]}]`))
	f.Add([]byte(`[{"意见内容":"a","来源":"热线","日期":41731}, {}, {"content": 1e400}]`))
	f.Add([]byte(`[{"content":"a","content":"b","channel":"","collected_at":"'=1"}]`))
	f.Add([]byte(`[1, "x"]`))
	f.Add([]byte(`[`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		readEverything(t, dir, "f.json", data)
	})
}

// FuzzXLSX feeds arbitrary bytes as a workbook file.
func FuzzXLSX(f *testing.F) {
	for _, p := range []string{
		writeXLSX(f, teamSheet(), personalSheet(), notesSheet()),
		writeXLSX(f, headerOnly("S")),
	} {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add(storedWorkbook(fuzzSheetXML, fuzzSST))
	f.Add([]byte("PK\x03\x04"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		readEverything(t, dir, "f.xlsx", data)
	})
}

// FuzzXLSXSheet wraps arbitrary worksheet XML and shared strings in a valid
// workbook, so the fuzzer reaches row streaming, merged ranges and headers
// instead of stopping at the zip checksum.
func FuzzXLSXSheet(f *testing.F) {
	f.Add(fuzzSheetXML, fuzzSST)
	f.Add(`<worksheet><sheetData><row r="1048576"><c r="A1048576" t="s"><v>0</v></c></row></sheetData><mergeCells><mergeCell ref="A1:XFD1048576"/><mergeCell ref="B2:A1"/></mergeCells></worksheet>`, fuzzSST)
	f.Add(`<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>意见内容</x:t></x:is></x:c></x:row></x:sheetData><x:mergeCells><x:mergeCell ref="A1:A3"/></x:mergeCells></x:worksheet>`, "")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, sheet, sst string) {
		readEverything(t, dir, "f.xlsx", storedWorkbook(sheet, sst))
	})
}

const fuzzSST = `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>意见内容</t></si><si><t>来源</t></si><si><t>收集时间</t></si><si><t>热线</t></si><si><t>楼道灯坏了</t></si></sst>`

const fuzzSheetXML = `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
	`<row r="1"><c r="A1" t="inlineStr"><is><t>标题</t></is></c></row>` +
	`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c></row>` +
	`<row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" t="s"><v>3</v></c><c r="C3"><v>41731</v></c></row>` +
	`<row r="4"><c r="A4" t="inlineStr"><is><t>'=1+1</t></is></c><c r="C4" t="str"><v>2014/4/2</v></c></row>` +
	`</sheetData><mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="B3:B4"/></mergeCells></worksheet>`

// storedWorkbook builds a minimal workbook around one worksheet, uncompressed.
func storedWorkbook(sheet, sst string) []byte {
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="意见" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", sheet},
		{"xl/sharedStrings.xml", sst},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Store})
		if err != nil {
			panic(err)
		}
		_, _ = io.WriteString(w, p.body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func TestStoredWorkbookSeed(t *testing.T) {
	// The hand-built seed is a real ledger: the fuzzer starts from the happy path.
	rows, _ := readAll(t, writeTemp(t, "s.xlsx", storedWorkbook(fuzzSheetXML, fuzzSST)), "s.xlsx")
	require.Len(t, rows, 2)
	require.Equal(t, map[Field]string{FieldContent: "楼道灯坏了", FieldChannel: "热线", FieldCollectedAt: "2014-04-02"}, rows[0].Fields)
	require.Equal(t, map[Field]string{FieldContent: "=1+1", FieldChannel: "热线", FieldCollectedAt: "2014-04-02"}, rows[1].Fields)
	require.Equal(t, 4, rows[1].Line)
}
