package ledger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

var beijing = time.FixedZone("CST", 8*3600)

// names shows a username as the ledger does in these tests.
func names(username string) string {
	return map[string]string{"liu": "刘书记", "chen": "陈主任", "official": "王科长", "verifier": "赵核查"}[username]
}

// column reads a row's cell by its header.
func column(t *testing.T, row []any, name string) any {
	t.Helper()
	for i, h := range Header {
		if h == name {
			return row[i]
		}
	}
	t.Fatalf("no column %q", name)
	return nil
}

func TestHeaderAndRowsMatch(t *testing.T) {
	require.Len(t, Row(domain.Opinion{}, names, beijing), len(Header))
	seen := map[string]bool{}
	for _, h := range Header {
		require.False(t, seen[h], "column %q once", h)
		seen[h] = true
	}
}

// The ledger names a default channel in Chinese and an office's own as it is named.
func TestTheLedgerNamesChannelsInChinese(t *testing.T) {
	for code, want := range map[string]string{"hotline": "热线", "suggestion_box": "意见箱", "symposium": "座谈会",
		"visit": "走访", "online": "网络平台", "letter": "来信", "民情走访": "民情走访"} {
		require.Equal(t, want, column(t, Row(domain.Opinion{Channel: code}, names, beijing), "来源"), code)
	}
}

// A record once laundered: an item assigned with its deadline already past climbed
// to 问责; the official asked for an extension and the leader approved it, late.
// It closed at no rung — and the ledger still says it reached 问责, when, that the
// extension was approved late and by whom.
func TestLateExtensionStaysInTheLedger(t *testing.T) {
	passed := true
	o := domain.Opinion{
		Key: "K-9", State: domain.StateClosed, OverdueLevel: domain.LevelNone, Official: "official", Leader: "liu",
		HighestLevel: domain.LevelAccountability, HighestLevelAt: time.Date(2026, 12, 3, 1, 30, 0, 0, time.UTC),
		Extensions: 2, LateExtensions: 1, VerifiedBy: "verifier", ClosedAt: time.Date(2027, 1, 8, 2, 0, 0, 0, time.UTC),
		WorkingDaysToClose: 31,
		Rounds:             []domain.Round{{Measures: "更换路灯", SubmittedBy: "official", Passed: &passed}},
		Timeline: []domain.Event{
			// On time: approved the day before the deadline it replaced.
			{Seq: 4, At: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), Actor: "chen", Action: domain.ActionDecideExtension,
				Detail: map[string]string{"approved": "true", "previous_deadline": "2026-11-21", "deadline": "2026-11-30"}},
			// Late: the deadline it replaced had ended (no "late" said: read from the dates).
			{Seq: 7, At: time.Date(2026, 12, 4, 2, 0, 0, 0, time.UTC), Actor: "liu", Action: domain.ActionDecideExtension,
				Detail: map[string]string{"approved": "true", "previous_deadline": "2026-11-30", "deadline": "2027-01-20"}},
			{Seq: 12, Action: domain.ActionVerify, To: domain.StateClosed},
		},
	}
	row := Row(o, names, beijing)
	require.Equal(t, "", column(t, row, "超期情况"), "no rung now")
	require.Equal(t, "问责", column(t, row, "最高超期等级"))
	require.Equal(t, "2026-12-03 09:30", column(t, row, "达到最高等级时间"))
	require.Equal(t, 2, column(t, row, "延期次数"))
	require.Equal(t, 1, column(t, row, "逾期后延期次数"))
	require.Equal(t, 1, column(t, row, "整改轮次"))
	require.Equal(t, "是", column(t, row, "一次核查通过"))
	require.Equal(t, 31, column(t, row, "办结用时（工作日）"))
	require.Equal(t, "否", column(t, row, "按期办结"))
	require.Equal(t, "逾期后批准延期 1 次：刘书记 于 2026-12-04 批准（原时限 2026-11-30，延至 2027-01-20）", column(t, row, "备注"))

	// Where the workflow says which was late, the ledger takes its word.
	o.Timeline[0].Detail["late"], o.Timeline[1].Detail["late"] = "true", "false"
	require.Equal(t, "逾期后批准延期 1 次：陈主任 于 2026-11-20 批准（原时限 2026-11-21，延至 2026-11-30）",
		column(t, Row(o, names, beijing), "备注"))
}

// The other record once laundered: dissatisfied at the first call, reopened, fixed,
// then "basically satisfied". Every call is listed; the rounds say the fix was sent
// back once.
func TestEveryCallAndRoundInTheLedger(t *testing.T) {
	yes, no := true, false
	o := domain.Opinion{
		State: domain.StateClosed, Satisfaction: domain.SatisfactionBasically, ReworkCount: 1, Reopens: 1,
		ClosedAt: time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC), OnTime: true,
		Rounds: []domain.Round{{Passed: &no}, {Passed: &yes}, {Passed: &yes}},
		Callbacks: []domain.Callback{
			{At: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), Satisfaction: domain.SatisfactionDissatisfied, First: true},
			{At: time.Date(2026, 12, 19, 2, 0, 0, 0, time.UTC), Satisfaction: domain.SatisfactionBasically, First: true},
			{At: time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC), Satisfaction: domain.SatisfactionSatisfied},
		},
	}
	row := Row(o, names, beijing)
	require.Equal(t, "2026-12-01 不满意；2026-12-19 基本满意；2026-12-20 满意（同次办结的再次回访，不计入满意率）", column(t, row, "回访记录"))
	require.Equal(t, "基本满意", column(t, row, "回访满意度"))
	require.Equal(t, 3, column(t, row, "整改轮次"))
	require.Equal(t, "否", column(t, row, "一次核查通过"))
	require.Equal(t, 1, column(t, row, "重新办理次数"))
	require.Equal(t, "", column(t, row, "最高超期等级"), "never late")

	// Before any verification, first pass is not yet known.
	require.Equal(t, "", column(t, Row(domain.Opinion{State: domain.StateInProgress}, names, beijing), "一次核查通过"))
	// An item recorded before the highest rung was kept shows the rung it is at.
	old := Row(domain.Opinion{State: domain.StateInProgress, OverdueLevel: domain.LevelSupervised}, names, beijing)
	require.Equal(t, "督办", column(t, old, "最高超期等级"))
	require.Equal(t, "", column(t, old, "达到最高等级时间"))
}

// An opinion fixed on the spot says so, with the day and who recorded it.
func TestAFixOnTheSpotSaysSoInTheLedger(t *testing.T) {
	o := domain.Opinion{Key: "K-3", State: domain.StateSubmitted, Official: "official", OnTheSpot: true,
		FixedOn: "2026-09-18", SubmittedBy: "chen", Measures: "当场清理"}
	row := Row(o, names, beijing)
	require.Equal(t, "立行立改：已于 2026-09-18 当场整改，由 陈主任 登记", column(t, row, "备注"))
	require.Equal(t, "待核查", column(t, row, "办理状态"))
	require.Equal(t, "", column(t, Row(domain.Opinion{State: domain.StateSubmitted}, names, beijing), "备注"))
}

// An item brought in already under way says so, by whom and from which file.
func TestAnImportedItemSaysSoInTheLedger(t *testing.T) {
	o := domain.Opinion{Key: "K-5", State: domain.StateClosed, Imported: &domain.Imported{By: "chen", File: "半程台账.xlsx",
		At: time.Date(2026, 12, 7, 2, 0, 0, 0, time.UTC), State: domain.StateClosed}}
	require.Equal(t, "台账导入：2026-12-07 由 陈主任 从《半程台账.xlsx》导入，此前日期取自台账", column(t, Row(o, names, beijing), "备注"))
}

// A long-term item says how many progress reports it filed, the latest, and the late ones.
func TestALongTermItemSaysItsReportsInTheLedger(t *testing.T) {
	o := domain.Opinion{Key: "K-4", State: domain.StateInProgress, LongTerm: true, Reports: []domain.ProgressReport{
		{At: time.Date(2026, 10, 15, 2, 0, 0, 0, time.UTC), Percent: 30},
		{At: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC), Percent: 60, Late: true},
	}}
	require.Equal(t, "长期坚持：已报告进展 2 次，最近一次 2026-11-26（完成 60%），逾期报告 1 次", column(t, Row(o, names, beijing), "备注"))
	o.Reports = nil
	require.Equal(t, "长期坚持：已报告进展 0 次", column(t, Row(o, names, beijing), "备注"))
}
