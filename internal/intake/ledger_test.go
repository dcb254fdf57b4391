package intake

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/web/i18n"
)

// collect is a Sink that keeps everything.
type collect struct {
	accepted []Opinion
	rows     []Accepted
	rejected []Rejection
}

func (c *collect) Accept(_ context.Context, a Accepted) error {
	c.accepted = append(c.accepted, a.Opinion)
	c.rows = append(c.rows, a)
	return nil
}
func (c *collect) Reject(_ context.Context, r Rejection) error {
	c.rejected = append(c.rejected, r)
	return nil
}

func testPolicy() domain.Policy {
	return domain.Policy{
		Categories:  []domain.CategoryPolicy{{Name: "群众需要解决的问题"}},
		Departments: []string{"城管科", "民政科"},
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestReadLedgerNamesEveryRejectedRowColumnAndRule(t *testing.T) {
	csv := strings.Join([]string{
		"编号,意见内容,来源,收集时间,联系电话,责任单位,备注",
		"A1,路灯坏了,热线,2026-11-01,13812345678,城管科,夜间",
		"A2,,热线,2026-11-01,,,",
		"A3,道路积水,传真,2026-11-01,,,",
		"A4,道路积水,走访,2026年13月1日,,,",
		"A5,道路积水,走访,2026-12-01,,,",
		"A6,道路积水,走访,2026-11-01,12345,,",
		"A7,道路积水,走访,2026-11-01,,外星局,",
		"A1,路灯又坏了,来信,2026/11/2,0373-5771293,,",
		`A8,"垃圾清运不及时，
夏天气味大",网络,2026.11.3,,,`,
	}, "\n")
	var sink collect
	sum, err := ReadLedger(context.Background(), writeFile(t, "ledger.csv", csv), "ledger.csv", campaign.Campaign{Policy: testPolicy()}, "2026-11-27",
		ReadOptions{}, &sink)
	require.NoError(t, err)
	require.Equal(t, Summary{Rows: 9, Accepted: 3, Rejected: 6, Warned: 1, Headers: sum.Headers}, sum)

	type want struct {
		line           int
		column, code   string
		reasonContains string
	}
	var got []want
	for _, r := range sink.rejected {
		got = append(got, want{r.Line, r.Column, r.Code, ""})
	}
	require.Equal(t, []want{
		{3, "意见内容", "invalid_content", ""},
		{4, "来源", "invalid_channel", ""},
		{5, "收集时间", "invalid_collected_at", ""},
		{6, "收集时间", "invalid_collected_at", ""},
		{7, "联系电话", "invalid_phone", ""},
		{9, "编号", "duplicate_key", ""},
	}, got, "each rejection names the spreadsheet's row number, the column as written and the rule")
	require.Contains(t, sink.rejected[2].Reason.In(i18n.Chinese), "2014年4月2日", "an unreadable date says which forms are accepted")
	require.Contains(t, sink.rejected[3].Reason.In(i18n.English), "future")
	require.Contains(t, sink.rejected[5].Reason.In(i18n.English), "row 2")
	require.Equal(t, []string{"A2", "", "热线", "2026-11-01", "", "", ""}, sink.rejected[0].Cells, "the original cells travel with the rejection")

	require.Equal(t, "A1", sink.accepted[0].Key)
	require.Equal(t, "hotline", sink.accepted[0].Channel)
	require.Equal(t, map[string]string{"备注": "夜间"}, sink.accepted[0].Extra, "unknown columns are kept")
	require.Equal(t, "外星局", sink.accepted[1].WrittenDepartment, "an unknown department costs no opinion")
	require.Empty(t, sink.accepted[1].Department)
	require.Equal(t, []englishWarning{{Column: "责任单位", Code: "unknown_department",
		Reason: `"外星局" is not one of this campaign's departments; kept as written for triage`}}, english(sink.rows[1].Warnings),
		"the warning names the column as written and the rule")
	require.Equal(t, 8, sink.rows[1].Line)
	require.Equal(t, "online", sink.accepted[2].Channel)
	require.Equal(t, "2026-11-03", sink.accepted[2].CollectedAt)
	require.Contains(t, sink.accepted[2].Content, "\n", "a quoted field keeps its newline")
}

func TestReadLedgerScopesIdentifiersBySheetInAWorkbook(t *testing.T) {
	f := excelize.NewFile()
	for i, sheet := range []string{"班子意见", "个人意见"} {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", sheet))
		} else {
			_, err := f.NewSheet(sheet)
			require.NoError(t, err)
		}
		require.NoError(t, f.SetSheetRow(sheet, "A1", &[]any{"编号", "意见建议", "征求方式", "日期"}))
		require.NoError(t, f.SetSheetRow(sheet, "A2", &[]any{1, sheet + "的意见", "座谈会", "2026-11-01"}))
	}
	path := filepath.Join(t.TempDir(), "two.xlsx")
	require.NoError(t, f.SaveAs(path))
	var sink collect
	sum, err := ReadLedger(context.Background(), path, "two.xlsx", campaign.Campaign{Policy: testPolicy()}, "2026-11-27", ReadOptions{}, &sink)
	require.NoError(t, err)
	require.Equal(t, 2, sum.Accepted, "编号 1 on two sheets is two opinions, not a duplicate")
	require.Equal(t, "班子意见/1", sink.accepted[0].Key)
	require.Equal(t, "个人意见/1", sink.accepted[1].Key)
	require.Equal(t, "个人意见", sink.accepted[1].Extra["sheet"], "the sheet name is kept as a label")
}

func TestReadLedgerWholeFileProblemsImportNothing(t *testing.T) {
	for name, content := range map[string]string{
		"no-content-column.csv": "序号,来源,收集时间\n1,热线,2026-11-01\n",
		"header-only.csv":       "意见内容,来源,收集时间\n",
		"empty.csv":             "",
	} {
		t.Run(name, func(t *testing.T) {
			var sink collect
			_, err := ReadLedger(context.Background(), writeFile(t, name, content), name, campaign.Campaign{Policy: testPolicy()}, "2026-11-27",
				ReadOptions{}, &sink)
			var fe *spreadsheet.FileError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Empty(t, sink.accepted)
		})
	}
}

// readCSV reads a CSV ledger into a campaign with testPolicy.
func readCSV(t *testing.T, name, content string, opts ReadOptions) (Summary, *collect) {
	t.Helper()
	var sink collect
	sum, err := ReadLedger(context.Background(), writeFile(t, name, content), name, campaign.Campaign{ID: "c1", Policy: testPolicy()},
		"2026-11-27", opts, &sink)
	require.NoError(t, err)
	return sum, &sink
}

func TestTwoLedgersNumberedFromOneGiveEveryRowItsOwnOpinion(t *testing.T) {
	workbook := "序号,意见内容,来源,收集时间\n" +
		"1,路灯坏了,热线,2026-11-01\n" +
		"2,道路积水,热线,2026-11-02\n" +
		"3,垃圾清运不及时,走访,2026-11-03\n"
	symposium := "序号,意见内容,来源,收集时间\n" +
		"1,办事要跑三趟,座谈会,2026-11-05\n" +
		"2,窗口人员态度生硬,座谈会,2026-11-05\n"
	_, first := readCSV(t, "汇总.csv", workbook, ReadOptions{})
	_, second := readCSV(t, "座谈会.csv", symposium, ReadOptions{})
	keys := map[string]bool{}
	for _, o := range append(first.accepted, second.accepted...) {
		require.False(t, keys[o.Key], "序号 %s is a row number, not the opinion's key", o.Extra["序号"])
		keys[o.Key] = true
	}
	require.Len(t, keys, 5, "five rows, five opinions")
	require.Equal(t, "1", second.accepted[0].Extra["序号"], "the 序号 is kept with the opinion as written")
	require.Equal(t, "1", second.rows[0].Serial)
	require.Empty(t, second.rows[0].KeyColumn, "the key comes from the content")
	require.Equal(t, "1", second.rows[0].SerialKey, "the key the row had when 序号 was one, to recognise earlier imports")

	_, again := readCSV(t, "汇总(2).csv", workbook, ReadOptions{})
	for i, o := range again.accepted {
		require.Equal(t, first.accepted[i].Key, o.Key, "the same file read again gives the same keys")
	}
}

func TestAnIdentifierColumnIsTheKeyAndTheSerialNumberIsNot(t *testing.T) {
	_, sink := readCSV(t, "台账.csv", "序号,受理编号,意见内容,来源,收集时间\n"+
		"1,SL-2026-0001,路灯坏了,热线,2026-11-01\n"+
		"2,,道路积水,热线,2026-11-02\n", ReadOptions{})
	require.Equal(t, "SL-2026-0001", sink.accepted[0].Key)
	require.Equal(t, "受理编号", sink.rows[0].KeyColumn)
	require.Equal(t, DerivedKey(sink.accepted[1]), sink.accepted[1].Key, "a row with its identifier blank is known by its content")
	require.Empty(t, sink.rows[1].KeyColumn)
}

func TestARowRepeatedWithoutAnIdentifierIsRefusedAsTheSameOpinionTwice(t *testing.T) {
	sum, sink := readCSV(t, "台账.csv", "序号,意见内容,来源,收集时间\n"+
		"1,路灯坏了,热线,2026-11-01\n"+
		"2,路灯坏了,热线,2026-11-01\n", ReadOptions{})
	require.Equal(t, 1, sum.Accepted)
	require.Len(t, sink.rejected, 1)
	r := sink.rejected[0]
	require.Equal(t, 3, r.Line)
	require.Equal(t, "意见内容", r.Column)
	require.Equal(t, "duplicate_key", r.Code)
	require.Contains(t, r.Reason.In(i18n.English), "repeats row 2")
	require.Contains(t, r.Reason.In(i18n.Chinese), "编号", "says how to import both")
	require.Equal(t, []string{"2", "路灯坏了", "热线", "2026-11-01"}, r.Cells, "the 序号 stays readable in the refused row")
}

func TestAnUnknownDepartmentOrCategoryIsAWarningAndStrictRefusesTheRow(t *testing.T) {
	ledger := "序号,意见内容,来源,收集时间,责任部门,问题类别\n" +
		"1,路灯坏了,热线,2026-11-01,城市管理科,服务态度\n" +
		"2,道路积水,热线,2026-11-02,城管科,\n"
	sum, sink := readCSV(t, "台账.csv", ledger, ReadOptions{})
	require.Equal(t, Summary{Rows: 2, Accepted: 2, Warned: 1, Headers: sum.Headers}, sum, "a routing hint never costs an opinion")
	require.Equal(t, []englishWarning{
		{Column: "责任部门", Code: "unknown_department", Reason: `"城市管理科" is not one of this campaign's departments; kept as written for triage, which will suggest "城管科"`},
		{Column: "问题类别", Code: "unknown_category", Reason: `"服务态度" is not one of this campaign's categories; kept as written for triage`},
	}, english(sink.rows[0].Warnings))
	require.Equal(t, 2, sink.rows[0].Line)
	require.Equal(t, "城市管理科", sink.accepted[0].WrittenDepartment)
	require.Equal(t, "服务态度", sink.accepted[0].WrittenCategory)
	require.Empty(t, sink.rows[1].Warnings)

	sum, sink = readCSV(t, "台账.csv", ledger, ReadOptions{Strict: true})
	require.Equal(t, 1, sum.Rejected)
	require.Equal(t, 1, sum.Accepted)
	r := sink.rejected[0]
	require.Equal(t, []any{2, "责任部门", "unknown_department"}, []any{r.Line, r.Column, r.Code})
	require.Contains(t, r.Reason.In(i18n.English), `"城市管理科"`)
	require.Contains(t, r.Reason.In(i18n.English), `"服务态度"`, "every hint of the row is named")
	require.Contains(t, r.Reason.In(i18n.English), "strict")
	require.NotContains(t, r.Reason.In(i18n.English), "kept as written", "a refused row is not kept")
}

func TestAStoredRowKeepsItsRoutingHintsAsWrittenAndItsOldSerialKey(t *testing.T) {
	_, sink := readCSV(t, "台账.csv", "序号,意见内容,来源,收集时间,责任部门\n1,路灯坏了,热线,2026-11-01,城市管理科\n", ReadOptions{})
	data, err := json.Marshal(sink.rows[0].Pending())
	require.NoError(t, err)
	p, err := DecodePending(data)
	require.NoError(t, err)
	require.Equal(t, sink.accepted[0], p.Opinion)
	require.Equal(t, "城市管理科", p.Opinion.WrittenDepartment)
	require.Equal(t, "1", p.SerialKey)

	old, err := json.Marshal(Opinion{Key: "1", Content: "路灯坏了", Channel: "hotline", CollectedAt: "2026-11-01"})
	require.NoError(t, err)
	p, err = DecodePending(old)
	require.NoError(t, err)
	require.Equal(t, "1", p.Opinion.Key, "a row stored before rows carried more reads back")
	require.Empty(t, p.SerialKey)
}

func TestIdentityDifferencesNameTheFieldsThatMakeTwoOpinionsDifferent(t *testing.T) {
	a := Identity{Content: "路灯坏了", Channel: "hotline", CollectedAt: "2026-11-01", Submitter: "张三", Phone: "13812345678"}
	require.Empty(t, a.Differences(a))
	b := a
	b.Content, b.Phone = "道路积水", ""
	require.Equal(t, []string{"content", "phone"}, a.Differences(b))
	err := &KeyConflict{Key: "TJ-1", Existing: "op-1", Fields: a.Differences(b)}
	require.Equal(t, `key "TJ-1" already belongs to opinion op-1, which differs in content, phone; give this opinion its own key, or correct it to match that opinion`, err.Error())
	require.NotContains(t, err.Error(), "道路积水", "never a citizen's words")
}

func TestACellOverExcelsLimitRefusesItsRowNamingTheCellAndTheOtherRowsImport(t *testing.T) {
	long := strings.Repeat("长", 40_000)
	check := func(t *testing.T, sum Summary, sink *collect) {
		t.Helper()
		require.Equal(t, 3, sum.Rows)
		require.Equal(t, 2, sum.Accepted, "the rows around it import")
		require.Len(t, sink.rejected, 1)
		r := sink.rejected[0]
		require.Equal(t, []any{3, "备注", "cell_too_long"}, []any{r.Line, r.Column, r.Code})
		require.Contains(t, r.Reason.In(i18n.English), "column E (备注)")
		require.Contains(t, r.Reason.In(i18n.English), "40000 characters")
		require.Contains(t, r.Reason.In(i18n.English), "32767")
		total := 0
		for _, c := range r.Cells {
			total += len(c)
		}
		require.Less(t, total, 4000, "the refused row keeps only the start of the long cell")
		for _, o := range sink.accepted {
			require.NotContains(t, o.Extra["备注"], "长长长", "nothing of the long cell reaches an opinion")
		}
	}
	t.Run("csv", func(t *testing.T) {
		sum, sink := readCSV(t, "long.csv", "编号,意见内容,来源,收集时间,备注\n"+
			"A1,路灯坏了,热线,2026-11-01,\n"+
			"A2,道路积水,热线,2026-11-01,"+long+"\n"+
			"A3,垃圾清运不及时,热线,2026-11-01,夜间\n", ReadOptions{})
		check(t, sum, sink)
	})
	t.Run("xlsx", func(t *testing.T) {
		// excelize cuts what it writes at Excel's limit, so the long cell is put
		// into the sheet's XML afterwards, as other software might write it.
		f := excelize.NewFile()
		require.NoError(t, f.SetSheetRow("Sheet1", "A1", &[]any{"编号", "意见内容", "来源", "收集时间", "备注"}))
		require.NoError(t, f.SetSheetRow("Sheet1", "A2", &[]any{"A1", "路灯坏了", "热线", "2026-11-01"}))
		require.NoError(t, f.SetSheetRow("Sheet1", "A3", &[]any{"A2", "道路积水", "热线", "2026-11-01", "PLACEHOLDER"}))
		require.NoError(t, f.SetSheetRow("Sheet1", "A4", &[]any{"A3", "垃圾清运不及时", "热线", "2026-11-01", "夜间"}))
		path := filepath.Join(t.TempDir(), "long.xlsx")
		require.NoError(t, f.SaveAs(path))
		require.NoError(t, f.Close())
		replaceInZip(t, path, "PLACEHOLDER", long)
		var sink collect
		sum, err := ReadLedger(context.Background(), path, "long.xlsx", campaign.Campaign{ID: "c1", Policy: testPolicy()}, "2026-11-27", ReadOptions{}, &sink)
		require.NoError(t, err)
		check(t, sum, &sink)
	})
}

// replaceInZip rewrites every part of a zip file with old replaced by new.
func replaceInZip(t *testing.T, path, old, new string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		found = found || bytes.Contains(data, []byte(old))
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		_, err = w.Write(bytes.ReplaceAll(data, []byte(old), []byte(new)))
		require.NoError(t, err)
	}
	require.NoError(t, zr.Close())
	require.NoError(t, zw.Close())
	require.True(t, found, "%q is in the file", old)
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
}

func TestAnImportedRowWhoseContentShowsNothingIsRefusedAsEmpty(t *testing.T) {
	rows := []map[string]string{
		{"key": "A1", "content": "路灯坏了", "channel": "热线", "collected_at": "2026-11-01"},
		{"key": "A2", "content": "\u200b\u200b", "channel": "热线", "collected_at": "2026-11-01"},
		{"key": "A3", "content": "\u0000", "channel": "热线", "collected_at": "2026-11-01"},
		{"key": "A4", "content": "\ufeff", "channel": "热线", "collected_at": "2026-11-01"},
		{"key": "A5", "content": "\u2028", "channel": "热线", "collected_at": "2026-11-01"},
		{"key": "A6", "content": "道路\u0000积水\u200b", "channel": "热线", "collected_at": "2026-11-01", "submitter": "\u200b"},
	}
	data, err := json.Marshal(rows)
	require.NoError(t, err)
	var sink collect
	sum, err := ReadLedger(context.Background(), writeFile(t, "ledger.json", string(data)), "ledger.json",
		campaign.Campaign{ID: "c1", Policy: testPolicy()}, "2026-11-27", ReadOptions{}, &sink)
	require.NoError(t, err)
	require.Equal(t, 2, sum.Accepted)
	var refused []int
	for _, r := range sink.rejected {
		require.Equal(t, "invalid_content", r.Code, "row %d", r.Line)
		require.Equal(t, "content", r.Column)
		require.Contains(t, r.Reason.In(i18n.English), "empty")
		refused = append(refused, r.Line)
	}
	require.Equal(t, []int{2, 3, 4, 5}, refused)
	require.Equal(t, "道路积水", sink.accepted[1].Content, "control characters are removed, invisible ends trimmed")
	require.Empty(t, sink.accepted[1].Submitter)

	_, csvSink := readCSV(t, "ledger.csv", "意见内容,来源,收集时间\n\u200b\u200b,热线,2026-11-01\n路灯坏了,热线,2026-11-01\n", ReadOptions{})
	require.Len(t, csvSink.rejected, 1)
	require.Equal(t, []any{2, "意见内容", "invalid_content"}, []any{csvSink.rejected[0].Line, csvSink.rejected[0].Column, csvSink.rejected[0].Code})
}

// englishWarning is a RowWarning with its reason in English, as tests compare it.
type englishWarning struct{ Column, Code, Reason string }

func english(ws []RowWarning) []englishWarning {
	out := make([]englishWarning, len(ws))
	for i, w := range ws {
		out[i] = englishWarning{w.Column, w.Code, w.Reason.In(i18n.English)}
	}
	return out
}
