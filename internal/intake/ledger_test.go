package intake

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xuri/excelize/v2"
	"rectify/internal/campaign"

	"rectify/internal/spreadsheet"
	"rectify/workflows"
)

// collect is a Sink that keeps everything.
type collect struct {
	accepted []Opinion
	rejected []Rejection
}

func (c *collect) Accept(_ context.Context, o Opinion) error {
	c.accepted = append(c.accepted, o)
	return nil
}
func (c *collect) Reject(_ context.Context, r Rejection) error {
	c.rejected = append(c.rejected, r)
	return nil
}

func testPolicy() workflows.Policy {
	return workflows.Policy{
		Categories:  []workflows.CategoryPolicy{{Name: "群众需要解决的问题"}},
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
		spreadsheet.DefaultLimits, &sink)
	require.NoError(t, err)
	require.Equal(t, Summary{Rows: 9, Accepted: 3, Rejected: 6, Headers: sum.Headers}, sum)

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
	require.Contains(t, sink.rejected[2].Reason, "2014年4月2日", "an unreadable date says which forms are accepted")
	require.Contains(t, sink.rejected[3].Reason, "future")
	require.Contains(t, sink.rejected[5].Reason, "row 2")
	require.Equal(t, []string{"A2", "", "热线", "2026-11-01", "", "", ""}, sink.rejected[0].Cells, "the original cells travel with the rejection")

	require.Equal(t, "A1", sink.accepted[0].Key)
	require.Equal(t, "hotline", sink.accepted[0].Channel)
	require.Equal(t, map[string]string{"备注": "夜间"}, sink.accepted[0].Extra, "unknown columns are kept")
	require.Equal(t, "外星局", sink.accepted[1].WrittenDepartment, "an unknown department costs no opinion")
	require.Empty(t, sink.accepted[1].Department)
	require.Equal(t, "online", sink.accepted[2].Channel)
	require.Equal(t, "2026-11-03", sink.accepted[2].CollectedAt)
	require.Contains(t, sink.accepted[2].Content, "\n", "a quoted field keeps its newline")
}

func TestReadLedgerScopesKeysBySheetInAWorkbook(t *testing.T) {
	f := excelize.NewFile()
	for i, sheet := range []string{"班子意见", "个人意见"} {
		if i == 0 {
			require.NoError(t, f.SetSheetName("Sheet1", sheet))
		} else {
			_, err := f.NewSheet(sheet)
			require.NoError(t, err)
		}
		require.NoError(t, f.SetSheetRow(sheet, "A1", &[]any{"序号", "意见建议", "征求方式", "日期"}))
		require.NoError(t, f.SetSheetRow(sheet, "A2", &[]any{1, sheet + "的意见", "座谈会", "2026-11-01"}))
	}
	path := filepath.Join(t.TempDir(), "two.xlsx")
	require.NoError(t, f.SaveAs(path))
	var sink collect
	sum, err := ReadLedger(context.Background(), path, "two.xlsx", campaign.Campaign{Policy: testPolicy()}, "2026-11-27", spreadsheet.DefaultLimits, &sink)
	require.NoError(t, err)
	require.Equal(t, 2, sum.Accepted, "序号 1 on two sheets is two opinions, not a duplicate")
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
				spreadsheet.DefaultLimits, &sink)
			var fe *spreadsheet.FileError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Empty(t, sink.accepted)
		})
	}
}
