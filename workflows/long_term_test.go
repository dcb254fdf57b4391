package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/workflows"
)

const catLongTerm = "制度漏洞" // 长期坚持

func percent(n int) *int { return &n }

// report is a progress report of one cycle.
func report(done string, pct int) domain.ActionBody {
	return domain.ActionBody{Measures: done, Next: "继续完善制度", Percent: percent(pct)}
}

// A long-term item reports monthly instead of owing one deadline: it is overdue only
// when a report is missed, climbs the ladder for that report, and is concluded by
// the office or its leader, then verified like a fix.
func TestALongTermItemReportsEachMonthAndOnlyAMissedReportIsOverdue(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catLongTerm})
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	assigned := lc.look(on(time.September, 21, 11, 30))
	lc.act(on(time.September, 22, 9, 0), official, domain.ActionSign, domain.ActionBody{})
	submit := lc.act(on(time.September, 22, 10, 0), official, domain.ActionSubmit, submitFix)
	first := lc.act(on(time.October, 15, 10, 0), official, domain.ActionReportProgress, report("建立会议审批制度", 30))
	afterFirst := lc.look(on(time.October, 15, 11, 0))
	// Nothing by 11-23 (11-21 is a Saturday): overdue the next morning, supervised
	// three working days on.
	missed := lc.look(on(time.November, 27, 9, 0))
	late := lc.act(on(time.November, 27, 10, 0), official, domain.ActionReportProgress, report("制度试行一个月", 60))
	afterLate := lc.look(on(time.November, 27, 11, 0))
	byOfficial := lc.act(on(time.December, 1, 10, 0), official, domain.ActionConclude, submitFix)
	conclude := lc.act(on(time.December, 1, 11, 0), leader, domain.ActionConclude,
		domain.ActionBody{Measures: "会议审批制度已印发执行", Evidence: "制度文件"})
	lc.act(on(time.December, 2, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.December, 2, 11, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, lc.run())
	a := assigned.get(t)
	require.True(t, a.LongTerm)
	require.Equal(t, "2026-10-21", a.Schedule.Deadline, "the first report is due a month on, not 40 working days")
	submit.rejectedWith(t, domain.ErrConflict, "long_term_track",
		"a long-term item reports its progress each cycle; the office or the responsible leader concludes it once its measures are institutionalised")
	first.okAs(t, domain.StateInProgress, 5)
	f := afterFirst.get(t)
	require.Equal(t, "2026-11-23", f.Schedule.Deadline, "the next report a month after the last was due, 11-21, a Saturday: the Monday after")
	require.Contains(t, f.Schedule.Explanation, "2026-11-21 为休息日，顺延至下一个工作日")
	require.Equal(t, []domain.ProgressReport{{At: on(time.October, 15, 10, 0).UTC(), By: "official", Done: "建立会议审批制度",
		Next: "继续完善制度", Percent: 30, Due: "2026-10-21"}}, utcReports(f.Reports))
	require.Equal(t, domain.LevelNone, f.OverdueLevel)

	m := missed.get(t)
	require.Equal(t, domain.LevelSupervised, m.OverdueLevel, "a missed report climbs the ladder")
	late.okAs(t, domain.StateInProgress, m.Revision+1)
	l := afterLate.get(t)
	require.True(t, l.Reports[1].Late)
	require.Equal(t, "2026-11-23", l.Reports[1].Due)
	require.Equal(t, "2026-12-21", l.Schedule.Deadline, "a month after 11-21: the reports keep their day of the month")
	require.Equal(t, domain.LevelNone, l.OverdueLevel, "reported: the ladder starts again")
	require.Equal(t, domain.LevelSupervised, l.HighestLevel, "the miss stays on record")

	byOfficial.rejectedWith(t, domain.ErrForbidden, "office_or_leader", "only the campaign office or the responsible leader may do “Conclude the long-term item”")
	conclude.okAs(t, domain.StateSubmitted, l.Revision+1)
	final := lc.finalChecks(t)
	require.Equal(t, "leader", final.SubmittedBy)
	require.Len(t, final.Rounds, 1)
	require.True(t, final.OnTime, "concluded while no report was missed")
}

func TestProgressReportsAreRefusedWhereTheyDoNotBelong(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 22, 9, 0), official, domain.ActionSign, domain.ActionBody{})
	notLong := lc.act(on(time.September, 22, 10, 0), official, domain.ActionReportProgress, report("进展", 10))
	noConclude := lc.act(on(time.September, 22, 10, 5), office, domain.ActionConclude, submitFix)
	lc.act(on(time.September, 22, 11, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "重复"})
	lc.run()
	notLong.rejectedWith(t, domain.ErrConflict, "not_long_term", "only a long-term item reports its progress; submit the fix instead")
	noConclude.rejectedWith(t, domain.ErrConflict, "not_long_term", "only a long-term item is concluded; its official submits the fix instead")

	lc = newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catLongTerm})
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 22, 9, 0), official, domain.ActionSign, domain.ActionBody{})
	noPercent := lc.act(on(time.September, 22, 10, 0), official, domain.ActionReportProgress, domain.ActionBody{Measures: "m", Next: "n"})
	tooMuch := lc.act(on(time.September, 22, 10, 1), official, domain.ActionReportProgress, domain.ActionBody{Measures: "m", Next: "n", Percent: percent(101)})
	noNext := lc.act(on(time.September, 22, 10, 2), official, domain.ActionReportProgress, domain.ActionBody{Measures: "m", Percent: percent(5)})
	lc.act(on(time.September, 22, 11, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "重复"})
	lc.run()
	noPercent.rejectedWith(t, domain.ErrInvalid, "percent_required", "percent (how far along the work is, 0–100) is required")
	tooMuch.rejectedWith(t, domain.ErrInvalid, "percent_invalid", "percent must be from 0 to 100, not 101")
	noNext.rejectedWith(t, domain.ErrInvalid, "next_required", "next is required")
}

// utcReports gives the reports' times in UTC, as the query answer has them.
func utcReports(rs []domain.ProgressReport) []domain.ProgressReport {
	out := make([]domain.ProgressReport, len(rs))
	for i, r := range rs {
		r.At = r.At.UTC()
		out[i] = r
	}
	return out
}

// The office may set an item's own reporting cycle when it assigns it; only a
// long-term item has one.
func TestALongTermItemReportsOnTheCycleItsAssignmentSets(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catLongTerm})
	quarterly := assignOfficial
	quarterly.ReportEveryMonths = 3
	tooRare := assignOfficial
	tooRare.ReportEveryMonths = 13
	refused := lc.act(on(time.September, 21, 10, 30), office, domain.ActionAssign, tooRare)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, quarterly)
	assigned := lc.look(on(time.September, 21, 11, 30))
	lc.act(on(time.September, 22, 9, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.October, 15, 10, 0), official, domain.ActionReportProgress, report("建立制度", 30))
	reported := lc.look(on(time.October, 15, 11, 0))
	lc.act(on(time.October, 16, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "并入专项整改"})
	lc.run()

	refused.rejectedWith(t, domain.ErrInvalid, "report_every_months_invalid", "report_every_months must be from 1 to 12, not 13")
	a := assigned.get(t)
	require.Equal(t, 3, a.ReportEveryMonths)
	require.Equal(t, "2026-12-21", a.Schedule.Deadline, "the first report three months on")
	require.Equal(t, "2027-03-22", reported.get(t).Schedule.Deadline, "and every three months after (03-21 is a Sunday)")

	lc = newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	notLong := lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, quarterly)
	lc.act(on(time.September, 21, 12, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "重复"})
	lc.run()
	notLong.rejectedWith(t, domain.ErrInvalid, "report_every_months_not_long_term",
		`report_every_months is for items of a long-term category; "形式主义" is not one`)
}
