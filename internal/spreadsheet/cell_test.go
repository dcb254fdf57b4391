package spreadsheet

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// longText is a cell longer than a cell may hold: Chinese text, so bytes and
// characters differ, ending in a mark a cut must not keep.
func longText(runes int) string {
	return strings.Repeat("路", runes-3) + "END"
}

func TestCutKeepsACellWithinTheLimitAndShortensALongerOne(t *testing.T) {
	fits := strings.Repeat("路", MaxCellRunes)
	require.Equal(t, fits, Cut(fits))
	_, cut := CutLength(fits)
	require.False(t, cut)

	long := longText(40_000)
	got := Cut(long)
	require.True(t, strings.HasPrefix(got, strings.Repeat("路", CutRunes)+"…[cut"))
	require.NotContains(t, got, "END")
	require.Less(t, utf8.RuneCountInString(got), CutRunes+50)
	n, cut := CutLength(got)
	require.True(t, cut)
	require.Equal(t, 40_000, n)
	require.Equal(t, got, Cut(got), "a cut cell is within the limit")

	_, cut = CutLength("…[cut: the cell had 12 characters]")
	require.False(t, cut, "only a cell as long as a cut one can be one")
}

// requireLongRow checks that row 3 of a ledger — content, channel, date and one
// extra column, with a 40,000-character cell in column col — reads cut and
// named, and that the rows around it read as they are.
func requireLongRow(t *testing.T, rows []Row, col string, field Field, column string) {
	t.Helper()
	require.Len(t, rows, 3)
	for _, i := range []int{0, 2} {
		require.Empty(t, rows[i].TooLong, "row %d", rows[i].Line)
		require.Equal(t, "热线", rows[i].Fields[FieldChannel])
	}
	long := rows[1]
	require.Equal(t, []LongCell{{Column: column, Letter: col, Field: field, Runes: 40_000}}, long.TooLong)
	total := 0
	for _, c := range long.Cells {
		require.NotContains(t, c, "END")
		total += utf8.RuneCountInString(c)
	}
	require.Less(t, total, CutRunes+100, "the row keeps only the start of the long cell")
	for _, v := range long.Fields {
		require.LessOrEqual(t, utf8.RuneCountInString(v), CutRunes+50)
	}
	for _, v := range long.Extra {
		require.LessOrEqual(t, utf8.RuneCountInString(v), CutRunes+50)
	}
}

func TestAnXLSXCellOverExcelsLimitIsCutAndNamedInItsRowOnly(t *testing.T) {
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>意见内容</t></is></c><c r="B1" t="inlineStr"><is><t>来源</t></is></c>` +
		`<c r="C1" t="inlineStr"><is><t>收集时间</t></is></c><c r="D1" t="inlineStr"><is><t>备注</t></is></c></row>`
	row := func(n, content, note string) string {
		return `<row r="` + n + `"><c r="A` + n + `" t="inlineStr"><is><t>` + content + `</t></is></c><c r="B` + n + `" t="inlineStr"><is><t>热线</t></is></c>` +
			`<c r="C` + n + `" t="inlineStr"><is><t>2014-04-02</t></is></c><c r="D` + n + `" t="inlineStr"><is><t>` + note + `</t></is></c></row>`
	}
	sheet := func(rows ...string) string {
		return `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + strings.Join(rows, "") + `</sheetData></worksheet>`
	}
	t.Run("inline string, content column", func(t *testing.T) {
		data := storedWorkbook(sheet(header, row("2", "楼道灯坏了", ""), row("3", longText(40_000), "x"), row("4", "路灯不亮", "")), "")
		rows, _ := readAll(t, writeTemp(t, "long.xlsx", data), "long.xlsx")
		requireLongRow(t, rows, "A", FieldContent, "意见内容")
	})
	t.Run("inline string, a column rectify does not know", func(t *testing.T) {
		data := storedWorkbook(sheet(header, row("2", "楼道灯坏了", ""), row("3", "路灯不亮", longText(40_000)), row("4", "路灯不亮", "")), "")
		rows, _ := readAll(t, writeTemp(t, "long.xlsx", data), "long.xlsx")
		requireLongRow(t, rows, "D", "", "备注")
	})
	t.Run("shared string", func(t *testing.T) {
		sst := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>` + longText(40_000) + `</t></si></sst>`
		long := `<row r="3"><c r="A3" t="s"><v>0</v></c><c r="B3" t="inlineStr"><is><t>热线</t></is></c><c r="C3" t="inlineStr"><is><t>2014-04-02</t></is></c></row>`
		data := storedWorkbook(sheet(header, row("2", "楼道灯坏了", ""), long, row("4", "路灯不亮", "")), sst)
		rows, _ := readAll(t, writeTemp(t, "long.xlsx", data), "long.xlsx")
		requireLongRow(t, rows, "A", FieldContent, "意见内容")
	})
}

func TestAMergedCellOverTheLimitIsLongInEveryRowItCovers(t *testing.T) {
	// A long text merged down two rows is each row's text: neither may import a
	// shortened copy of it.
	data := storedWorkbook(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+
		`<row r="1"><c r="A1" t="inlineStr"><is><t>意见内容</t></is></c><c r="B1" t="inlineStr"><is><t>来源</t></is></c><c r="C1" t="inlineStr"><is><t>收集时间</t></is></c></row>`+
		`<row r="2"><c r="A2" t="inlineStr"><is><t>`+longText(40_000)+`</t></is></c><c r="B2" t="inlineStr"><is><t>热线</t></is></c><c r="C2" t="inlineStr"><is><t>2014-04-02</t></is></c></row>`+
		`<row r="3"><c r="B3" t="inlineStr"><is><t>热线</t></is></c><c r="C3" t="inlineStr"><is><t>2014-04-03</t></is></c></row>`+
		`<row r="4"><c r="A4" t="inlineStr"><is><t>路灯不亮</t></is></c><c r="B4" t="inlineStr"><is><t>热线</t></is></c><c r="C4" t="inlineStr"><is><t>2014-04-03</t></is></c></row>`+
		`</sheetData><mergeCells count="1"><mergeCell ref="A2:A3"/></mergeCells></worksheet>`, "")
	rows, _ := readAll(t, writeTemp(t, "merged.xlsx", data), "merged.xlsx")
	require.Len(t, rows, 3)
	require.Len(t, rows[0].TooLong, 1)
	require.Len(t, rows[1].TooLong, 1)
	require.Empty(t, rows[2].TooLong)
}

func TestACSVFieldOverTheLimitIsCutAndNamedInItsRowOnly(t *testing.T) {
	data := "意见内容,来源,收集时间,备注\n" +
		"楼道灯坏了,热线,2014-04-02,\n" +
		`"` + longText(40_000) + `",热线,2014-04-02,x` + "\n" +
		"路灯不亮,热线,2014-04-02,\n"
	rows, _ := readAll(t, writeTemp(t, "long.csv", []byte(data)), "long.csv")
	requireLongRow(t, rows, "A", FieldContent, "意见内容")
}

func TestAJSONValueOverTheLimitIsCutAndNamedInItsRowOnly(t *testing.T) {
	elems := []map[string]string{
		{"content": "楼道灯坏了", "channel": "热线", "collected_at": "2014-04-02", "note": ""},
		{"content": "路灯不亮", "channel": "热线", "collected_at": "2014-04-02", "note": longText(40_000)},
		{"content": "路灯不亮", "channel": "热线", "collected_at": "2014-04-02", "note": ""},
	}
	data, err := json.Marshal(elems)
	require.NoError(t, err)
	rows, _ := readAll(t, writeTemp(t, "long.json", data), "long.json")
	// encoding/json writes the keys in order: channel, collected_at, content, note.
	requireLongRow(t, rows, "D", "", "note")
}

func TestACutCellImportedAgainIsStillTooLong(t *testing.T) {
	// The rejected-rows file keeps the cut text; importing it unchanged must not
	// import the shortened text as the whole.
	data := "意见内容,来源,收集时间\n" + `"` + Cut(longText(40_000)) + `",热线,2014-04-02` + "\n"
	rows, _ := readAll(t, writeTemp(t, "again.csv", []byte(data)), "again.csv")
	require.Len(t, rows, 1)
	require.Equal(t, []LongCell{{Column: "意见内容", Letter: "A", Field: FieldContent, Runes: 40_000}}, rows[0].TooLong)
}

func TestAWorkbookWithACellOfMegabytesIsRefusedBeforeAnyOfItIsDecoded(t *testing.T) {
	// Compressed, such a cell costs the uploader nothing and the reader hundreds
	// of megabytes: it is refused as a whole file, as a CSV field of the same size is.
	huge := strings.Repeat("a", maxTextRun+1)
	header := `<row r="1"><c r="A1" t="inlineStr"><is><t>意见内容</t></is></c><c r="B1" t="inlineStr"><is><t>来源</t></is></c><c r="C1" t="inlineStr"><is><t>收集时间</t></is></c></row>`
	sheet := func(cell string) string {
		return `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + header +
			`<row r="2">` + cell + `<c r="B2" t="inlineStr"><is><t>热线</t></is></c><c r="C2" t="inlineStr"><is><t>2014-04-02</t></is></c></row></sheetData></worksheet>`
	}
	for name, data := range map[string][]byte{
		"inline": storedWorkbook(sheet(`<c r="A2" t="inlineStr"><is><t>`+huge+`</t></is></c>`), ""),
		"shared": storedWorkbook(sheet(`<c r="A2" t="s"><v>0</v></c>`), `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>`+huge+`</t></si></sst>`),
	} {
		t.Run(name, func(t *testing.T) {
			code, fe := fileErrCode(t, writeTemp(t, "huge.xlsx", data), "huge.xlsx", Limits{})
			require.Equal(t, CodeTooLarge, code)
			require.Contains(t, fe.Message, "32767")
			if name == "inline" {
				require.Contains(t, fe.Message, `sheet "意见"`)
			} else {
				require.Contains(t, fe.Message, "sharedStrings.xml")
			}
		})
	}
	// Just under the bound, the cell only refuses its row.
	data := storedWorkbook(sheet(`<c r="A2" t="inlineStr"><is><t>`+huge[:maxTextRun-100]+`</t></is></c>`), "")
	rows, _ := readAll(t, writeTemp(t, "long.xlsx", data), "long.xlsx")
	require.Len(t, rows, 1)
	require.Equal(t, maxTextRun-100, rows[0].TooLong[0].Runes)
}
