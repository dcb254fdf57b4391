package spreadsheet

import (
	"bytes"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/web/i18n"
)

func TestEscapeCell(t *testing.T) {
	cases := []struct{ in, out string }{
		{"=1+1", "'=1+1"},
		{"+86 138", "'+86 138"},
		{"-5", "'-5"},
		{"@sum", "'@sum"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"'=1", "''=1"}, // already an apostrophe: add one so reading gives it back
		{"''-x", "'''-x"},
		{"'plain", "'plain"},
		{"plain", "plain"},
		{"", ""},
		{"'", "'"},
		{"a=b", "a=b"},
	}
	for _, c := range cases {
		require.Equal(t, c.out, EscapeCell(c.in), "%q", c.in)
		require.Equal(t, c.in, UnescapeCell(EscapeCell(c.in)), "%q round trip", c.in)
	}
}

// rejectAll turns every row of a file into a Rejected as the importer would.
func rejectAll(rows []Row) []Rejected {
	out := make([]Rejected, len(rows))
	for i, r := range rows {
		out[i] = Rejected{Sheet: r.Sheet, Line: r.Line, Cells: r.Cells, Column: r.Columns[FieldCollectedAt], Reason: "=不是日期, -请改正"}
	}
	return out
}

func TestRejectedRoundTrip(t *testing.T) {
	sources := []struct {
		name, file string
		path       func(t *testing.T) string
	}{
		{"xlsx", "a.xlsx", func(t *testing.T) string { return writeXLSX(t, teamSheet()) }},
		{"csv", "a.csv", func(t *testing.T) string { return writeTemp(t, "a.csv", []byte(csvLedger)) }},
		{"json", "a.json", func(t *testing.T) string {
			return writeTemp(t, "a.json", []byte(`[{"content":"=1+1","channel":"'-热线","collected_at":"@2014","x":"'=''"}]`))
		}},
	}
	writers := []struct {
		ext   string
		write func(w *bytes.Buffer, header []string, rows []Rejected) error
	}{
		{"csv", func(w *bytes.Buffer, h []string, r []Rejected) error { return WriteRejectedCSV(w, i18n.Chinese, h, r) }},
		{"xlsx", func(w *bytes.Buffer, h []string, r []Rejected) error { return WriteRejectedXLSX(w, i18n.Chinese, h, r) }},
	}
	for _, src := range sources {
		for _, wr := range writers {
			t.Run(src.name+" to "+wr.ext, func(t *testing.T) {
				rows, r := readAll(t, src.path(t), src.file)
				sheet := rows[0].Sheet
				rejected := rejectAll(rows)
				var buf bytes.Buffer
				require.NoError(t, wr.write(&buf, r.Header(sheet), rejected))

				back, r2 := readAll(t, writeTemp(t, "rejected."+wr.ext, buf.Bytes()), "rejected."+wr.ext)
				require.Equal(t, append(annotationHeader(i18n.Chinese), r.Header(sheet)...), r2.Header(r2.Sheets()[0]))
				require.Len(t, back, len(rows))
				for i := range rows {
					want := append([]string{sheet, strconv.Itoa(rows[i].Line), rejected[i].Column, rejected[i].Reason}, rows[i].Cells...)
					require.Equal(t, want, back[i].Cells, "row %d", i)
					require.Equal(t, rows[i].Fields, back[i].Fields, "row %d", i)
					require.Equal(t, rows[i].Extra, back[i].Extra, "row %d: our own columns are not extras", i)
				}
			})
		}
	}
}

func TestWriteRejectedCSVIsSafe(t *testing.T) {
	var buf bytes.Buffer
	rows := []Rejected{{Sheet: "班子意见", Line: 5, Column: "意见内容", Reason: "is empty", Cells: []string{"=HYPERLINK(\"http://x\",\"点\")", "+1", "a,b", "多\n行"}}}
	require.NoError(t, WriteRejectedCSV(&buf, i18n.Chinese, []string{"意见内容", "来源", "收集时间"}, rows))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "\uFEFF工作表,原表行号,问题列,原因,意见内容,来源,收集时间,\r\n"), out)
	require.Contains(t, out, "班子意见,5,意见内容,is empty,\"'=HYPERLINK(\"\"http://x\"\",\"\"点\"\")\",'+1,\"a,b\",\"多\r\n行\"\r\n")
}

func TestWriteRejectedXLSXCellsAreText(t *testing.T) {
	var buf bytes.Buffer
	long := strings.Repeat("长", 40_000)
	rows := []Rejected{{Sheet: "S", Line: 7, Column: "来源", Reason: "unknown", Cells: []string{"=1+1", "@x", long, "bad\x01char"}}}
	require.NoError(t, WriteRejectedXLSX(&buf, i18n.Chinese, []string{"意见内容", "来源", "收集时间"}, rows))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	sheet := f.GetSheetName(0)
	require.Equal(t, "未导入的行", sheet)
	for cell, want := range map[string]string{"E2": "'=1+1", "F2": "'@x", "A2": "S", "B2": "7"} {
		got, err := f.GetCellValue(sheet, cell)
		require.NoError(t, err)
		require.Equal(t, want, got, cell)
		formula, err := f.GetCellFormula(sheet, cell)
		require.NoError(t, err)
		require.Empty(t, formula, cell)
	}
	typ, err := f.GetCellType(sheet, "E2")
	require.NoError(t, err)
	require.Equal(t, excelize.CellTypeInlineString, typ)
	g, err := f.GetCellValue(sheet, "G2")
	require.NoError(t, err)
	require.Len(t, []rune(g), excelize.TotalCellChars, "cut to what Excel holds")
}

func TestAlignRejected(t *testing.T) {
	headers := map[string][]string{
		"班子意见": {"序号", "意见内容", "来源", "收集时间", "备注"},
		"个人意见": {"意见建议", "渠道", "日期", "意见对象"},
	}
	rows := []Rejected{
		{Sheet: "班子意见", Line: 4, Cells: []string{"1", "甲", "热线", "x", "注"}},
		{Sheet: "个人意见", Line: 2, Cells: []string{"乙", "来信", "y", "个人", "多出来的"}},
	}
	header, aligned := AlignRejected(headers, rows)
	require.Equal(t, []string{"序号", "意见内容", "来源", "收集时间", "备注", "意见对象", ""}, header)
	require.Equal(t, []string{"1", "甲", "热线", "x", "注", "", ""}, aligned[0].Cells)
	require.Equal(t, []string{"", "乙", "来信", "y", "", "个人", "多出来的"}, aligned[1].Cells)
	require.Equal(t, "个人意见", aligned[1].Sheet)

	single := rows[:1]
	h, same := AlignRejected(headers, single)
	require.Equal(t, headers["班子意见"], h)
	require.Equal(t, single, same)

	// The aligned file re-imports: its header has every required column.
	var buf bytes.Buffer
	require.NoError(t, WriteRejectedCSV(&buf, i18n.Chinese, header, aligned))
	back, _ := readAll(t, writeTemp(t, "r.csv", buf.Bytes()), "r.csv")
	require.Equal(t, "乙", back[1].Fields[FieldContent])
	require.Equal(t, "来信", back[1].Fields[FieldChannel])
}

// TestARejectedRowsFileIsInItsReadersLanguageAlone: a clerk reads one language
// in the file's own words — its sheet, headers and the mark of a row listed for a
// warning — whatever the language of the ledger's cells; and both re-import.
func TestARejectedRowsFileIsInItsReadersLanguageAlone(t *testing.T) {
	header := []string{"content", "channel", "collected_at"}
	rows := []Rejected{
		{Sheet: "S", Line: 2, Column: "channel", Reason: "R1", Cells: []string{"x", "y", "2025-06-09"}},
		{Sheet: "S", Line: 3, Column: "department", Reason: "R2", Cells: []string{"x", "热线", "2025-06-09"}, Warning: true},
	}
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, WriteRejectedXLSX(&buf, lang, header, rows))
			f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			sheet := f.GetSheetName(0)
			got, err := f.GetRows(sheet)
			require.NoError(t, err)
			own := append([]string{sheet}, got[0][:4]...)
			own = append(own, strings.TrimSuffix(got[2][3], "R2"))
			for _, w := range own {
				require.Equal(t, lang == i18n.Chinese, i18n.HasHan(w), "%q in a file in %s", w, lang)
				if lang == i18n.Chinese {
					require.NotRegexp(t, `[A-Za-z]`, w, "no English word in a Chinese file's own words")
				}
			}
			require.Equal(t, "R1", got[1][3], "a refused row's reason as given")
			for _, h := range got[0][:4] {
				_, isField := FieldOf(h)
				require.False(t, isField, "%q would be read back as a ledger's column", h)
			}

			var csv bytes.Buffer
			require.NoError(t, WriteRejectedCSV(&csv, lang, header, rows))
			require.True(t, strings.HasPrefix(csv.String(), "\uFEFF"+strings.Join(got[0][:4], ",")+","), "the CSV has the workbook's headers")
			back, r := readAll(t, writeTemp(t, "r.csv", csv.Bytes()), "r.csv")
			require.Len(t, back, 2)
			require.Empty(t, back[0].Extra, "the file's own columns are not extras in any language")
			require.Equal(t, header, r.Header(r.Sheets()[0])[4:])
		})
	}
}
