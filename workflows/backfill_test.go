package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/workflows"
)

// backfilled is the lifecycle of an item a half-done ledger brings in as b.
func backfilled(t *testing.T, b domain.Backfill) *lifecycle {
	lc := newLifecycle(t, testPolicy())
	lc.input.CollectedAt = "2026-09-01"
	lc.input.Backfill, lc.input.File = &b, "台账.xlsx"
	return lc
}

// An item in progress whose deadline passed before the ledger came in starts with
// the ledger's days on its timeline and is on the ladder at once; from there it
// goes on live, and its late fix counts as late.
func TestAnItemBroughtInInProgressKeepsItsDaysAndIsOverdueAtOnce(t *testing.T) {
	lc := backfilled(t, domain.Backfill{State: domain.StateInProgress, Category: catFormalism, Department: deptCivil,
		Official: "official", Leader: "leader", Measures: "精简会议", Deadline: "2026-09-10", AssignedOn: "2026-09-02"})
	brought := lc.look(on(time.September, 21, 9, 1))
	lc.act(on(time.September, 21, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 22, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.September, 22, 11, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	require.Equal(t, workflows.OpinionResult{State: domain.StateClosed}, lc.run())
	b := brought.get(t)
	requireTimelineFrom(t, b.Timeline[:3], 0, []ev{
		{midnight(time.September, 1), "office", domain.EventReceived, domain.StateReceived, domain.StateReceived, "",
			kv("channel", "hotline", "batch", "batch-7", "imported", "true")},
		{midnight(time.September, 2), "office", domain.ActionAssign, domain.StateReceived, domain.StateInProgress, "",
			kv("category", catFormalism, "department", deptCivil, "official", "official", "leader", "leader",
				"deadline", "2026-09-10", "imported", "true")},
		{start, "office", domain.EventImported, domain.StateInProgress, domain.StateInProgress, "",
			kv("file", "台账.xlsx", "batch", "batch-7")},
	})
	require.Equal(t, &domain.Imported{By: "office", File: "台账.xlsx", Batch: "batch-7", At: start.UTC(),
		State: domain.StateInProgress}, utcImported(b.Imported))
	require.True(t, midnight(time.September, 1).Equal(b.CreatedAt), "received the day the ledger says it was collected")
	require.True(t, b.Signed)
	require.Equal(t, "2026-09-10", b.Schedule.Deadline)
	require.Equal(t, domain.LevelAccountability, b.OverdueLevel, "six working days past its deadline: 问责")

	final := lc.query()
	require.Equal(t, domain.StateClosed, final.State)
	require.False(t, final.OnTime, "the fix came after the ledger's deadline")
	require.Equal(t, 16, final.WorkingDaysToClose, "from the day it was collected (09-01) to 09-22, Sunday 09-20 a make-up working day")
}

// A closed item brings its whole record: a fix on time, verified and followed up on
// the ledger's days, with the working days it took; it may still be reopened.
func TestAClosedItemBroughtInCountsWithTheLedgersDaysAndCanBeReopened(t *testing.T) {
	lc := backfilled(t, domain.Backfill{State: domain.StateClosed, Category: catFormalism, Department: deptCivil,
		Official: "official", Measures: "精简会议", Deadline: "2026-09-15", AssignedOn: "2026-09-02",
		SubmittedOn: "2026-09-14", VerifiedOn: "2026-09-16", Verifier: "王验收", ClosedOn: "2026-09-18",
		Satisfaction: domain.SatisfactionBasically})
	brought := lc.look(on(time.September, 21, 9, 1))
	reopen := lc.act(on(time.September, 22, 10, 0), office, domain.ActionReopen, domain.ActionBody{Reason: "群众再次反映"})

	lc.env.ExecuteWorkflow(workflows.OpinionWorkflowName, lc.input)
	b := brought.get(t)
	require.Equal(t, domain.StateClosed, b.State)
	requireTimelineFrom(t, b.Timeline, 2, []ev{
		{midnight(time.September, 14), "office", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "",
			kv("official", "official", "imported", "true")},
		{midnight(time.September, 16), "office", domain.ActionVerify, domain.StateSubmitted, domain.StateAwaitingCallback, "",
			kv("pass", "true", "verifier", "王验收", "imported", "true")},
		{midnight(time.September, 18), "office", domain.ActionCallback, domain.StateAwaitingCallback, domain.StateClosed, "",
			kv("satisfaction", domain.SatisfactionBasically, "imported", "true")},
		{start, "office", domain.EventImported, domain.StateClosed, domain.StateClosed, "",
			kv("file", "台账.xlsx", "batch", "batch-7")},
	})
	require.True(t, b.OnTime)
	require.True(t, midnight(time.September, 18).Equal(b.ClosedAt))
	require.Equal(t, 13, b.WorkingDaysToClose, "09-01 to 09-18")
	require.Equal(t, domain.SatisfactionBasically, b.Satisfaction)
	require.Len(t, b.Callbacks, 1)
	require.True(t, b.Callbacks[0].First)
	require.Len(t, b.Rounds, 1)
	require.Equal(t, "王验收", b.Rounds[0].VerifiedBy)
	require.Equal(t, domain.LevelNone, b.OverdueLevel)
	reopen.okAs(t, domain.StateInProgress, b.Revision+1)
}

// An item waiting for verification goes to the verifier's queue as it is; a
// long-term item in progress owes its next report by the ledger's deadline.
func TestItemsBroughtInAwaitingVerificationOrOnTheLongTermTrack(t *testing.T) {
	lc := backfilled(t, domain.Backfill{State: domain.StateSubmitted, Category: catFormalism, Department: deptCivil,
		Official: "official", Measures: "精简会议", Deadline: "2026-09-15", SubmittedOn: "2026-09-16"})
	fail := lc.act(on(time.September, 21, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "佐证不足"})
	after := lc.look(on(time.September, 21, 11, 0))
	lc.env.ExecuteWorkflow(workflows.OpinionWorkflowName, lc.input)
	fail.ok(t)
	a := after.get(t)
	require.Equal(t, domain.StateInProgress, a.State)
	require.True(t, a.Rounds[0].Late, "submitted the day after the deadline")
	require.Equal(t, "2026-09-01", a.Timeline[1].At.In(cst).Format(domain.DateLayout),
		"without an assignment day the assignment is dated the day it was collected")

	lc = backfilled(t, domain.Backfill{State: domain.StateInProgress, Category: catLongTerm, Department: deptCivil,
		Official: "official", Deadline: "2026-10-18", AssignedOn: "2026-09-02"})
	long := lc.look(on(time.September, 21, 9, 1))
	reported := lc.act(on(time.October, 10, 10, 0), official, domain.ActionReportProgress, report("建立会议审批制度", 40))
	lc.env.ExecuteWorkflow(workflows.OpinionWorkflowName, lc.input)
	l := long.get(t)
	require.True(t, l.LongTerm)
	require.Equal(t, 1, l.ReportEveryMonths)
	require.Equal(t, "2026-10-19", l.Schedule.Deadline, "the ledger's Sunday moves to the Monday after, as a live deadline")
	require.Equal(t, "2026-10-18", l.Schedule.Basis.MovedFrom)
	require.Equal(t, domain.LevelNone, l.OverdueLevel)
	reported.ok(t)
}

func utcImported(i *domain.Imported) *domain.Imported {
	if i == nil {
		return nil
	}
	c := *i
	c.At = c.At.UTC()
	return &c
}
