package spreadsheet

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func headerOnly(name string) sheetSpec {
	return sheetSpec{name: name, rows: [][]any{{"标题"}, {"意见内容", "来源", "收集时间"}}}
}

func threeRows(name string) sheetSpec {
	return sheetSpec{name: name, rows: [][]any{{"意见内容", "来源", "收集时间"}, {"一", "热线", "2014-04-02"}, {"二", "热线", "2014-04-02"}}}
}

// rezip copies a workbook's parts and adds parts of the given sizes.
func rezip(t *testing.T, src string, extra map[string]uint64) []byte {
	t.Helper()
	zr, err := zip.OpenReader(src)
	require.NoError(t, err)
	defer func() { require.NoError(t, zr.Close()) }()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		require.NoError(t, zw.Copy(f))
	}
	for name, size := range extra {
		// A part that only claims its size, as a zip bomb does: the reader must
		// refuse it from the directory, before inflating anything.
		w, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: size})
		require.NoError(t, err)
		_, err = w.Write([]byte{3, 0})
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestFileErrors(t *testing.T) {
	good := writeXLSX(t, threeRows("Sheet1"))
	goodBytes, err := os.ReadFile(good)
	require.NoError(t, err)
	var emptyZip bytes.Buffer
	require.NoError(t, zip.NewWriter(&emptyZip).Close())
	var otherZip bytes.Buffer
	zw := zip.NewWriter(&otherZip)
	w, _ := zw.Create("readme.txt")
	_, _ = io.WriteString(w, "hello")
	require.NoError(t, zw.Close())

	type file struct {
		name string
		data []byte
		path string // instead of data
	}
	cases := []struct {
		what   string
		f      file
		limits Limits
		code   string
		msg    string
	}{
		{"empty xlsx", file{name: "a.xlsx", data: []byte{}}, Limits{}, CodeEmpty, ""},
		{"empty csv", file{name: "a.csv", data: []byte{}}, Limits{}, CodeEmpty, ""},
		{"empty json", file{name: "a.json", data: []byte{}}, Limits{}, CodeEmpty, ""},
		{"csv of blank lines", file{name: "a.csv", data: withBOM("\r\n ,, \r\n\r\n")}, Limits{}, CodeEmpty, ""},
		{"workbook of empty sheets", file{name: "a.xlsx", path: writeXLSX(t, sheetSpec{name: "Sheet1"}, sheetSpec{name: "Sheet2"})}, Limits{}, CodeEmpty, ""},
		{"empty zip", file{name: "a.xlsx", data: emptyZip.Bytes()}, Limits{}, CodeEmpty, ""},

		{"header only, every sheet", file{name: "a.xlsx", path: writeXLSX(t, headerOnly("班子意见"), headerOnly("个人意见"))}, Limits{}, CodeNoDataRows, ""},
		{"csv header only", file{name: "a.csv", data: []byte("意见内容,来源,收集时间\r\n,,\r\n")}, Limits{}, CodeNoDataRows, ""},
		{"json empty array", file{name: "a.json", data: []byte(" [ ] ")}, Limits{}, CodeNoDataRows, ""},

		{"truncated xlsx", file{name: "a.xlsx", data: goodBytes[:len(goodBytes)/2]}, Limits{}, CodeCorrupt, ""},
		{"csv unclosed quote", file{name: "a.csv", data: []byte("意见内容,来源,收集时间\n\"" + strings.Repeat("x", maxQuoted+10))}, Limits{}, CodeCorrupt, "closing quote"},
		{"json syntax", file{name: "a.json", data: []byte(`[{"content": }]`)}, Limits{}, CodeCorrupt, ""},

		{"csv named xlsx", file{name: "a.xlsx", data: []byte(ledgerCSV)}, Limits{}, CodeNotSpreadsheet, "not an Excel workbook"},
		{"zip that is not a workbook", file{name: "a.xlsx", data: otherZip.Bytes()}, Limits{}, CodeNotSpreadsheet, "zip"},
		{"binary csv", file{name: "a.csv", data: []byte("意见内容,来源\x00\x01\x02\x03")}, Limits{}, CodeNotSpreadsheet, "binary"},
		{"control characters in csv", file{name: "a.csv", data: bytes.Repeat([]byte("ab\x01\x02\x03\x04"), 100)}, Limits{}, CodeNotSpreadsheet, "binary"},
		{"workbook named csv", file{name: "a.csv", data: goodBytes}, Limits{}, CodeNotSpreadsheet, ".xlsx"},
		{"json object", file{name: "a.json", data: []byte(`{"content": "x"}`)}, Limits{}, CodeNotSpreadsheet, "array"},

		{"no date column", file{name: "a.xlsx", path: writeXLSX(t, sheetSpec{name: "S", rows: [][]any{{"意见内容", "来源", "时间"}, {"一", "热线", "2014-04-02"}}})}, Limits{}, CodeMissingColumn, "收集时间 / 收集日期 / 日期 / collected_at"},
		{"never guess content", file{name: "a.csv", data: []byte("内容,来源,日期\n一,热线,2014-04-02\n")}, Limits{}, CodeMissingColumn, "意见内容 (content"},
		{"no sheet has a header", file{name: "a.xlsx", path: writeXLSX(t, notesSheet(), sheetSpec{name: "数据", rows: [][]any{{"一", "热线"}}})}, Limits{}, CodeMissingColumn, ""},
		{"csv without header", file{name: "a.csv", data: []byte("一,热线,2014-04-02\n")}, Limits{}, CodeMissingColumn, ""},

		{"over MaxBytes", file{name: "a.csv", data: []byte(ledgerCSV)}, Limits{MaxBytes: 10}, CodeTooLarge, "split"},
		{"workbook unpacking too far", file{name: "a.xlsx", data: rezip(t, good, map[string]uint64{"xl/worksheets/sheet2.xml": 1 << 40})}, Limits{}, CodeTooLarge, "unpacks to"},
		{"part unpacking too far", file{name: "a.xlsx", data: rezip(t, good, map[string]uint64{"xl/media/image1.png": maxPart + 1})}, Limits{}, CodeTooLarge, ""},

		{"xlsx rows across sheets", file{name: "a.xlsx", path: writeXLSX(t, threeRows("一"), threeRows("二"))}, Limits{MaxRows: 3}, CodeTooManyRows, "3"},
		{"csv rows", file{name: "a.csv", data: []byte(ledgerCSV)}, Limits{MaxRows: 1}, CodeTooManyRows, ""},
		{"json rows", file{name: "a.json", data: []byte(`[{"content":"a","channel":"热线","collected_at":"2014-04-02"},{"content":"b","channel":"热线","collected_at":"2014-04-02"}]`)}, Limits{MaxRows: 1}, CodeTooManyRows, ""},

		{"old xls", file{name: "a.xls", data: []byte("x")}, Limits{}, CodeUnsupportedFormat, ".xlsx"},
		{"txt", file{name: "a.txt", data: []byte(ledgerCSV)}, Limits{}, CodeUnsupportedFormat, ""},
		{"ole named xlsx", file{name: "a.xlsx", data: append(append([]byte{}, oleMagic...), make([]byte, 512)...)}, Limits{}, CodeUnsupportedFormat, "password"},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			p := c.f.path
			if p == "" {
				p = writeTemp(t, "upload.bin", c.f.data)
			}
			code, fe := fileErrCode(t, p, c.f.name, c.limits)
			require.Equal(t, c.code, code)
			require.Contains(t, fe.Message, c.msg)
			require.Contains(t, fe.Error(), c.code)
			t.Log(fe.Message)
		})
	}
}

func TestFileErrorsComeFromOpen(t *testing.T) {
	// Everything found before the first data row is an Open error, so a caller
	// starts nothing for such a file.
	for _, p := range []struct{ path, name string }{
		{writeXLSX(t, headerOnly("S")), "a.xlsx"},
		{writeXLSX(t, notesSheet()), "a.xlsx"},
		{writeTemp(t, "a.csv", []byte("意见内容,来源,收集时间\n")), "a.csv"},
	} {
		_, err := Open(p.path, p.name, Limits{})
		var fe *FileError
		require.ErrorAs(t, err, &fe)
	}
}

func TestMissingColumnMessage(t *testing.T) {
	p := writeXLSX(t,
		sheetSpec{name: "说明", rows: [][]any{{"意见内容"}}},
		sheetSpec{name: "数据", rows: [][]any{{"标题"}, {"序号", "意见内容", "来源", "时间"}, {"1", "一", "热线", "2014-04-02"}}})
	_, fe := fileErrCode(t, p, "a.xlsx", Limits{})
	require.Equal(t, []Field{FieldCollectedAt}, fe.Missing)
	require.Contains(t, fe.Message, `sheet "数据" row 2`)
	require.NotContains(t, fe.Message, "2014-04-02", "messages never quote cells")
}
