package spreadsheet

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
)

func day(y, m, d int) dateCell { return dateCell(time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)) }

// teamSheet is a ledger as a sub-district office keeps it: a merged title, a
// 填报单位/填报时间 line, the header on row 3, 来源 merged down a group of rows,
// every date form, formula-looking text and columns of its own.
func teamSheet() sheetSpec {
	return sheetSpec{
		name: "班子意见",
		rows: [][]any{
			{"XX街道党的群众路线教育实践活动班子意见汇总表"},
			{"填报单位：XX街道办事处", "", "", "", "填报时间：2014年4月10日"},
			{"序号", "意见内容", "来源", "收集时间", "反映人", "联系电话", "备注", "涉及单位"},
			{1, "楼道灯坏了没人修", "热线", day(2014, 4, 2), "张三", 13812345678, "已转交", "城管科"},
			{2, "=SUM(A1:A3) 办事要跑三趟", "座谈会", "41731", "李四", "", "", ""},
			{3, "@领导 请多下基层", "", numCell(41732), "", "", "", ""},
			{4, "-服务态度差", "", "2014年4月5日", "", "0373-5771293", "", ""},
			{},
			{5, "'+86 号码应当怎么写", "意见箱", "2014.4.6", "", "１３８１２３４５６７８", "", ""},
			{"６", "  前后有空格  ", " 走访 ", "２０１４／４／７", "", "", "", ""},
			{7, "日期写错了", "来信", "2014-02-30", "", "", "", ""},
		},
		merges: [][2]string{{"A1", "H1"}, {"C5", "C7"}},
	}
}

// personalSheet orders and names its columns differently, in English.
func personalSheet() sheetSpec {
	return sheetSpec{
		name: "个人意见",
		rows: [][]any{
			{"Category", "content", "Channel", "Collected At", "target", "处理意见"},
			{"作风", "王科长接待群众态度生硬", "online", "2014/04/08 10:30", "个人", "约谈"},
			{"", "", "", "", "", ""},
			{"", "李主任经常不在岗", "visit", "20140409", "个人", ""},
		},
	}
}

func notesSheet() sheetSpec {
	return sheetSpec{name: "填表说明", rows: [][]any{{"本表由活动办公室统一汇总"}, {"来源请填写：热线、意见箱、座谈会、走访、网络、来信"}}}
}

func TestXLSXLedger(t *testing.T) {
	p := writeXLSX(t, teamSheet(), personalSheet(), notesSheet(), sheetSpec{name: "Sheet3"})
	rows, r := readAll(t, p, "班子意见汇总.XLSX")

	require.Equal(t, []string{"班子意见", "个人意见"}, r.Sheets())
	require.Len(t, r.Skipped(), 1)
	require.Contains(t, r.Skipped()[0], `"填表说明"`)
	require.Equal(t, []string{"序号", "意见内容", "来源", "收集时间", "反映人", "联系电话", "备注", "涉及单位"}, r.Header("班子意见"))
	require.Equal(t, []string{"Category", "content", "Channel", "Collected At", "target", "处理意见"}, r.Header("个人意见"))
	require.Nil(t, r.Header("填表说明"))

	type want struct {
		sheet string
		line  int
		f     map[Field]string
		extra map[string]string
	}
	wants := []want{
		{"班子意见", 4, map[Field]string{FieldSerial: "1", FieldContent: "楼道灯坏了没人修", FieldChannel: "热线", FieldCollectedAt: "2014-04-02",
			FieldSubmitter: "张三", FieldPhone: "13812345678", FieldDepartment: "城管科"}, map[string]string{"备注": "已转交"}},
		{"班子意见", 5, map[Field]string{FieldSerial: "2", FieldContent: "=SUM(A1:A3) 办事要跑三趟", FieldChannel: "座谈会", FieldCollectedAt: "2014-04-02",
			FieldSubmitter: "李四", FieldPhone: "", FieldDepartment: ""}, nil},
		{"班子意见", 6, map[Field]string{FieldSerial: "3", FieldContent: "@领导 请多下基层", FieldChannel: "座谈会", FieldCollectedAt: "2014-04-03",
			FieldSubmitter: "", FieldPhone: "", FieldDepartment: ""}, nil},
		{"班子意见", 7, map[Field]string{FieldSerial: "4", FieldContent: "-服务态度差", FieldChannel: "座谈会", FieldCollectedAt: "2014-04-05",
			FieldSubmitter: "", FieldPhone: "0373-5771293", FieldDepartment: ""}, nil},
		{"班子意见", 9, map[Field]string{FieldSerial: "5", FieldContent: "+86 号码应当怎么写", FieldChannel: "意见箱", FieldCollectedAt: "2014-04-06",
			FieldSubmitter: "", FieldPhone: "13812345678", FieldDepartment: ""}, nil},
		{"班子意见", 10, map[Field]string{FieldSerial: "6", FieldContent: "前后有空格", FieldChannel: "走访", FieldCollectedAt: "2014-04-07",
			FieldSubmitter: "", FieldPhone: "", FieldDepartment: ""}, nil},
		{"班子意见", 11, map[Field]string{FieldSerial: "7", FieldContent: "日期写错了", FieldChannel: "来信", FieldCollectedAt: "2014-02-30",
			FieldSubmitter: "", FieldPhone: "", FieldDepartment: ""}, nil},
		{"个人意见", 2, map[Field]string{FieldCategory: "作风", FieldContent: "王科长接待群众态度生硬", FieldChannel: "online",
			FieldCollectedAt: "2014-04-08", FieldTarget: "个人"}, map[string]string{"处理意见": "约谈"}},
		{"个人意见", 4, map[Field]string{FieldCategory: "", FieldContent: "李主任经常不在岗", FieldChannel: "visit",
			FieldCollectedAt: "2014-04-09", FieldTarget: "个人"}, nil},
	}
	require.Len(t, rows, len(wants))
	for i, w := range wants {
		got := rows[i]
		require.Equal(t, w.sheet, got.Sheet, "row %d", i)
		require.Equal(t, w.line, got.Line, "row %d", i)
		require.Equal(t, w.f, got.Fields, "row %d (line %d)", i, w.line)
		require.Equal(t, w.extra, got.Extra, "row %d (line %d)", i, w.line)
	}
	// Columns name the header as written, per sheet.
	require.Equal(t, "收集时间", rows[0].Columns[FieldCollectedAt])
	require.Equal(t, "Collected At", rows[7].Columns[FieldCollectedAt])
	require.Equal(t, "Channel", rows[7].Columns[FieldChannel])
	require.NotContains(t, rows[7].Columns, FieldSerial, "no 序号 column: Columns says so")
	// Cells keep what was typed (formula-looking text as text, merged values
	// filled in, the reader's apostrophe removed) aligned with the header.
	require.Equal(t, []string{"3", "@领导 请多下基层", "座谈会", "2014-04-03", "", "", "", ""}, rows[2].Cells)
	require.Equal(t, []string{"5", "+86 号码应当怎么写", "意见箱", "2014.4.6", "", "１３８１２３４５６７８", "", ""}, rows[4].Cells)
	require.Equal(t, "  前后有空格  ", rows[5].Cells[1])
}

func TestXLSXMergedGroupDoesNotMakeBlankRows(t *testing.T) {
	// 来源 merged over rows 2–5 but only rows 2–3 hold opinions: rows 4–5 are
	// blank to the user and must not come back as rows with only a channel.
	p := writeXLSX(t, sheetSpec{name: "Sheet1", rows: [][]any{
		{"意见内容", "来源", "收集时间"},
		{"一", "热线", "2014-04-02"},
		{"二", "", "2014-04-02"},
		{"", "", ""},
		{"", "", ""},
		{"三", "来信", "2014-04-03"},
	}, merges: [][2]string{{"B2", "B5"}}})
	rows, _ := readAll(t, p, "a.xlsx")
	require.Len(t, rows, 3)
	require.Equal(t, []int{2, 3, 6}, []int{rows[0].Line, rows[1].Line, rows[2].Line})
	require.Equal(t, "热线", rows[1].Fields[FieldChannel])
	require.Equal(t, "来信", rows[2].Fields[FieldChannel])
}

func TestXLSXHeaderBelowBlankAndTitleRows(t *testing.T) {
	rows := [][]any{{}, {}, {"汇总表"}}
	for i := 0; i < 20; i++ {
		rows = append(rows, []any{"说明第", i})
	}
	rows = append(rows, []any{"", "意见建议", "渠道", "日期"}, []any{"", "内容", "网络", numCell(41740.75)})
	p := writeXLSX(t, sheetSpec{name: "Sheet1", rows: rows})
	got, _ := readAll(t, p, "a.xlsx")
	require.Len(t, got, 1)
	require.Equal(t, 25, got[0].Line)
	require.Equal(t, "2014-04-11", got[0].Fields[FieldCollectedAt])
	require.Equal(t, "意见建议", got[0].Columns[FieldContent])
}

func TestXLSXHeaderSearchStopsAfter30Rows(t *testing.T) {
	var rows [][]any
	for i := 0; i < 30; i++ {
		rows = append(rows, []any{"备注", i})
	}
	rows = append(rows, []any{"意见内容", "来源", "收集时间"}, []any{"内容", "热线", "2014-04-02"})
	p := writeXLSX(t, sheetSpec{name: "Sheet1", rows: rows})
	code, fe := fileErrCode(t, p, "a.xlsx", Limits{})
	require.Equal(t, CodeMissingColumn, code)
	require.Equal(t, Required, fe.Missing)
}

func TestXLSXDate1904(t *testing.T) {
	f := excelize.NewFile()
	yes := true
	require.NoError(t, f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"意见内容", "来源", "收集时间"}))
	require.NoError(t, f.SetSheetRow("Sheet1", "A2", &[]any{"内容", "热线", 40269})) // 2014-04-02 in the 1904 system
	p := t.TempDir() + "/mac.xlsx"
	require.NoError(t, f.SaveAs(p))
	require.NoError(t, f.Close())
	rows, _ := readAll(t, p, "mac.xlsx")
	require.Equal(t, "2014-04-02", rows[0].Fields[FieldCollectedAt])
}

func TestXLSXDuplicateAndBlankHeaders(t *testing.T) {
	p := writeXLSX(t, sheetSpec{name: "Sheet1", rows: [][]any{
		{"意见内容", "来源", "收集时间", "备注", "备注", "", "问题描述"},
		{"", "热线", "2014-04-02", "甲", "乙", "无表头", "写在第二个内容列"},
		{"第一列", "热线", "2014-04-02", "", "", "", "第二列也有", "表头之外"},
	}})
	rows, _ := readAll(t, p, "a.xlsx")
	require.Equal(t, "写在第二个内容列", rows[0].Fields[FieldContent])
	require.Equal(t, "问题描述", rows[0].Columns[FieldContent])
	require.Equal(t, map[string]string{"备注": "甲", "备注 (E)": "乙", "column F": "无表头"}, rows[0].Extra)
	require.Equal(t, "第一列", rows[1].Fields[FieldContent])
	require.Equal(t, map[string]string{"问题描述": "第二列也有", "column H": "表头之外"}, rows[1].Extra)
	require.Len(t, rows[1].Cells, 8)
}
