package ledger

import (
	"bytes"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
)

// workbookOf writes the ledger's sheets and opens them as Excel would.
func workbookOf(t *testing.T, tables []spreadsheet.Table) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, spreadsheet.WriteWorkbook(&buf, tables...))
	book, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	t.Cleanup(func() { _ = book.Close() })
	return book
}

func sampleWorkbook(t *testing.T) (*excelize.File, store.Stats) {
	closed := domain.Opinion{Key: "K-1", Content: "幸福路路灯不亮\n已经两个月", Category: "群众需要解决的问题", Department: "城管科",
		Official: "official", Leader: "liu", State: domain.StateClosed, OnTime: true, Measures: "更换路灯",
		Schedule: domain.Schedule{Deadline: "2026-11-20"}, ClosedAt: time.Date(2026, 11, 18, 2, 0, 0, 0, time.UTC)}
	late := domain.Opinion{Key: "K-2", Content: "窗口排队太久", Category: "服务态度和效率", Department: "民政科",
		Official: "official", Leader: "liu", State: domain.StateInProgress, OverdueLevel: domain.LevelSupervised,
		Schedule: domain.Schedule{Deadline: "2026-11-10"}}
	fresh := domain.Opinion{Key: "K-3", Content: "没有分类的意见", State: domain.StateReceived}
	rejected := domain.Opinion{Key: "K-4", Content: "测试", Category: "形式主义", State: domain.StateRejected}
	var problems []ProblemRow
	var tasks []TaskRow
	for _, o := range []domain.Opinion{closed, late, fresh, rejected} {
		if p, task, ok := OpinionRows(o, string(domain.SpeedDeadline), names, beijing); ok {
			problems, tasks = append(problems, p), append(tasks, task)
		}
	}
	st := store.Stats{
		Counts: store.Counts{Collected: 4, Pending: 1, InProgress: 1, Closed: 1, Excluded: 1, Overdue: 1, Supervised: 1,
			ClosedOnTime: 1, CompletionRate: 1.0 / 3, OnTimeRate: 1},
		ByCategory: []store.Counts{{Name: "", Collected: 1, Pending: 1}, {Name: "群众需要解决的问题", Collected: 1, Closed: 1}},
		ByLeader:   []store.Counts{{Name: "liu", Collected: 2, Closed: 1, InProgress: 1, CompletionRate: 0.5}},
		BySpeed:    []store.Counts{{Name: "immediate", Collected: 1}},
	}
	people := []ResponsibilityRow{{Role: RoleLeader, Person: names("liu"), Units: []string{"城管科", "民政科"},
		Items: []string{"K-1-1", "K-2-1"}, Figures: st.ByLeader[0]}}
	head := Head{Campaign: "群众路线整改", FilingUnit: "幸福街道党工委", CutOff: "2026-12-07",
		MadeAt: time.Date(2026, 12, 7, 8, 30, 0, 0, time.UTC), Location: beijing}
	opinions := Table(func(func(domain.Opinion) bool) {}, names, beijing)
	return workbookOf(t, Workbook(head, problems, tasks, people, st, names, opinions)), st
}

// The workbook is the three lists, their summary and the opinions, each sheet
// opening with the campaign, the filing unit and the cut-off, its header frozen,
// set up for A4 landscape one page wide with the title and header on every page.
func TestTheLedgerIsAWorkbookOfTheThreeListsAndTheirSummary(t *testing.T) {
	book, _ := sampleWorkbook(t)
	require.Equal(t, []string{"问题清单", "任务清单", "责任清单", "汇总", "意见明细"}, book.GetSheetList())
	headers := map[string][]string{SheetProblems: ProblemHeader, SheetTasks: TaskHeader,
		SheetResponsibilities: ResponsibilityHeader, SheetSummary: SummaryHeader, SheetOpinions: Header}
	for _, sheet := range book.GetSheetList() {
		rows, err := book.GetRows(sheet)
		require.NoError(t, err)
		require.Equal(t, "群众路线整改 整改台账 · "+sheet, rows[0][0])
		require.Equal(t, "填报单位：幸福街道党工委　　截至日期：2026-12-07　　制表时间：2026-12-07 16:30", rows[1][0])
		require.Equal(t, headers[sheet], rows[2], sheet)

		panes, err := book.GetPanes(sheet)
		require.NoError(t, err)
		require.True(t, panes.Freeze, sheet)
		require.Equal(t, 3, panes.YSplit, "%s: the title and header stay in view", sheet)
		require.Equal(t, "A4", panes.TopLeftCell)

		layout, err := book.GetPageLayout(sheet)
		require.NoError(t, err)
		require.Equal(t, spreadsheet.PaperA4, *layout.Size, sheet)
		require.Equal(t, "landscape", *layout.Orientation, sheet)
		require.Equal(t, 1, *layout.FitToWidth, "%s: one page wide", sheet)
		require.Equal(t, 0, *layout.FitToHeight, "%s: as many pages long as it takes", sheet)
		props, err := book.GetSheetProps(sheet)
		require.NoError(t, err)
		require.True(t, *props.FitToPage, sheet)

		width, err := book.GetColWidth(sheet, "B")
		require.NoError(t, err)
		require.Greater(t, width, 9.0, "%s: a column wider than Excel's default", sheet)
	}
	titles := map[string]string{}
	for _, n := range book.GetDefinedName() {
		if n.Name == spreadsheet.PrintTitles {
			titles[n.Scope] = n.RefersTo
		}
	}
	require.Equal(t, "'问题清单'!$1:$3", titles[SheetProblems], "the header repeats on every printed page")
	require.Len(t, titles, 5)
}

// Until problems are kept of their own, each categorized opinion still being
// rectified or closed is a problem of one opinion with one task, led by its
// department; one not yet categorized, or rejected, is none.
func TestEachCategorizedOpinionIsAProblemWithOneTask(t *testing.T) {
	book, _ := sampleWorkbook(t)
	problems, err := book.GetRows(SheetProblems)
	require.NoError(t, err)
	require.Len(t, problems, 5, "title, header and two problems")
	require.Equal(t, []string{"K-1", "幸福路路灯不亮", "群众需要解决的问题", "K-1", "1", "1", "1", "城管科", "刘书记",
		"2026-11-20", "已解决", "2026-11-18"}, problems[3])
	require.Equal(t, "整改中", problems[4][10])
	tasks, err := book.GetRows(SheetTasks)
	require.NoError(t, err)
	require.Len(t, tasks, 5)
	require.Equal(t, []string{"K-2-1", "K-2", "窗口排队太久", "民政科", "", "王科长", "刘书记", "", "限期整改",
		"2026-11-10", "整改中", "督办"}, tasks[4])
	require.Equal(t, "是", tasks[3][13], "closed on time")
}

// 汇总 holds the figures as given — the store's Stats — cell for cell, rates as
// numbers shown as percentages; 责任清单 a leader's figures and items.
func TestTheSummaryIsTheStatsFigures(t *testing.T) {
	book, st := sampleWorkbook(t)
	rows, err := book.GetRows(SheetSummary, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	total := rows[3]
	require.Equal(t, []string{"合计", "全部"}, total[:2])
	for i, want := range []int{st.Collected, st.Pending, st.InProgress, st.Closed, st.Excluded, st.Overdue, st.Supervised} {
		require.Equal(t, strconv.Itoa(want), total[2+i], SummaryHeader[2+i])
	}
	rate, err := strconv.ParseFloat(total[13], 64)
	require.NoError(t, err)
	require.InDelta(t, st.CompletionRate, rate, 1e-14, "the rate to the 15 digits Excel keeps")
	require.Equal(t, []string{"按问题类别", "（未分类）"}, rows[4][:2])
	require.Equal(t, []string{"按整改类型", "立行立改"}, rows[6][:2])
	require.Equal(t, []string{"按包案领导", "刘书记"}, rows[7][:2])
	shown, err := book.GetCellValue(SheetSummary, "N4")
	require.NoError(t, err)
	require.Equal(t, "33.3%", shown)

	people, err := book.GetRows(SheetResponsibilities)
	require.NoError(t, err)
	require.Equal(t, []string{"领导包案", "刘书记", "城管科、民政科", "2", "0", "1", "1"}, people[3][:7])
	require.Equal(t, "K-1-1、K-2-1", people[3][15])
}
