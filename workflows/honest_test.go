package workflows_test

// The honest record (docs/rules.md): figures nobody can launder. Each story is one
// rule of the rectification office, told on the workflow's clock with time
// skipping, and asserts what the office, a leader or the ledger would see.

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/calendar"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/workflows"
)

// fixedSchedule is the schedule the calendar gives a deadline set by hand on today,
// with the sign-in deadline of the assignment kept.
func fixedSchedule(t *testing.T, today, date string, signBy time.Time) domain.Schedule {
	t.Helper()
	s, err := deadline.Compute(calendar.Default(), workflows.ScheduleInput{Today: today, Deadline: date, Policy: testPolicy()})
	require.NoError(t, err)
	s.SignBy = signBy
	return s
}

// moved is a timeline's entries of one action.
func moved(timeline []domain.Event, action domain.Action) []domain.Event {
	var out []domain.Event
	for _, e := range timeline {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// 1. A late extension does not erase lateness

func TestALateExtensionApprovedAfterAccountabilityStillClosesLate(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	// An item moved in from an old ledger: its deadline passed five weeks ago.
	lc.input.CollectedAt = "2026-08-03"
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignBy("2026-08-14"))
	climbed := lc.look(on(time.September, 21, 11, 30))
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-23", Reason: "需协调市政部门施工"})
	approve := lc.act(on(time.September, 22, 11, 0), leader, domain.ActionDecideExtension, domain.ActionBody{Approve: yes(), Reason: "同意延期"})
	extended := lc.look(on(time.September, 22, 11, 30))
	lc.act(on(time.October, 9, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 12, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes(), Reason: "整改到位"})
	callback := lc.act(on(time.October, 13, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})
	closed := lc.look(on(time.October, 13, 11, 0))

	lc.run()
	approve.okAs(t, domain.StateInProgress, 10)
	callback.okAs(t, domain.StateClosed, 13)

	c := climbed.get(t)
	require.Equal(t, domain.LevelAccountability, c.OverdueLevel, "a deadline five weeks past climbs to 问责 at once")
	require.Equal(t, domain.LevelAccountability, c.HighestLevel)
	require.True(t, on(time.September, 21, 11, 0).Equal(c.HighestLevelAt), "reached at %s", c.HighestLevelAt.In(cst))

	e := extended.get(t)
	require.Equal(t, "2026-10-23", e.Schedule.Deadline, "a late extension is allowed: the deadline moves")
	require.Equal(t, domain.LevelNone, e.OverdueLevel, "the ladder starts again from the new deadline")
	require.Equal(t, domain.LevelAccountability, e.HighestLevel, "but the rung it reached stays on the record")
	require.Equal(t, 1, e.LateExtensions)
	decision := moved(e.Timeline, domain.ActionDecideExtension)
	require.Len(t, decision, 1)
	require.Equal(t, "leader", decision[0].Actor, "the leader who approved it late is recorded")
	require.Equal(t, kv("approved", "true", "previous_deadline", "2026-08-14", "deadline", "2026-10-23",
		"explanation", e.Schedule.Explanation, "late", "true"), decision[0].Detail)

	o := closed.get(t)
	require.Equal(t, domain.StateClosed, o.State)
	require.False(t, o.OnTime, "a fix after a late extension is late, however early before the new date")
	require.True(t, o.SubmittedLate)
	require.Equal(t, domain.LevelNone, o.OverdueLevel)
	require.Equal(t, domain.LevelAccountability, o.HighestLevel, "ever 问责, for good")
	require.Equal(t, 1, o.Extensions)
	require.Equal(t, 1, o.LateExtensions)
	require.Len(t, o.Rounds, 1)
	require.True(t, o.Rounds[0].Late)
	require.Equal(t, kv("late", "true"), moved(o.Timeline, domain.ActionSubmit)[0].Detail)

	// The ladder climbs while the assignment's projection is being written, so
	// projections may arrive out of revision order here (the store orders them by
	// origin): only the final state is compared.
	final := lc.query()
	_, _, latest := lc.store.stats()
	require.Equal(t, final, latest, "the projection holds the final state")
	require.False(t, final.OnTime)
	require.Equal(t, domain.LevelAccountability, final.HighestLevel)
}

func TestAnExtensionCountsOnlyWhenApprovedBeforeItsDeadlinePassed(t *testing.T) {
	for _, c := range []struct {
		name      string
		approveAt time.Time
		late      bool
		highest   domain.OverdueLevel
		highestAt time.Time
	}{
		// The deadline is 10-12; it has passed once that day has ended.
		{"on the deadline day", on(time.October, 12, 23, 0), false, domain.LevelDueSoon, midnight(time.October, 9)},
		{"the morning after", on(time.October, 13, 9, 0), true, domain.LevelOverdue, midnight(time.October, 13)},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := testPolicy()
			p.CallbackRequired = false
			lc := newLifecycle(t, p)
			lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
			lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
			lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
			lc.act(on(time.October, 9, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2026-10-23", Reason: "需协调"})
			approve := lc.act(c.approveAt, office, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()})
			lc.act(on(time.October, 20, 10, 0), official, domain.ActionSubmit, submitFix)
			lc.act(on(time.October, 20, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})

			lc.run()
			approve.ok(t)
			final := lc.finalChecks(t)
			require.Equal(t, domain.StateClosed, final.State)
			require.Equal(t, !c.late, final.OnTime, "closed on time")
			require.Len(t, final.Rounds, 1)
			require.Equal(t, c.late, final.Rounds[0].Late)
			require.Equal(t, map[bool]int{true: 1}[c.late], final.LateExtensions)
			require.Equal(t, 1, final.Extensions)
			require.Equal(t, c.highest, final.HighestLevel)
			require.True(t, c.highestAt.Equal(final.HighestLevelAt), "highest rung reached at %s", final.HighestLevelAt.In(cst))
			require.Equal(t, domain.LevelNone, final.OverdueLevel, "submitted before the new deadline's reminder")
			late := ""
			if c.late {
				late = "true"
			}
			require.Equal(t, late, moved(final.Timeline, domain.ActionDecideExtension)[0].Detail["late"])
		})
	}
}

// ---------------------------------------------------------------------------
// 2. Rework never shortens an approved deadline

func TestReworkAfterAnApprovedExtensionKeepsTheExtendedDeadline(t *testing.T) {
	p := testPolicy()
	p.CallbackRequired = false
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionRequestExtension, domain.ActionBody{Until: "2027-01-20", Reason: "冬季施工，需待来年"})
	lc.act(on(time.September, 22, 11, 0), leader, domain.ActionDecideExtension, domain.ActionBody{Approve: yes()})
	lc.act(on(time.September, 23, 10, 0), official, domain.ActionSubmit, submitFix)
	fail := lc.act(on(time.September, 24, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "整改不彻底"})
	rework := lc.look(on(time.September, 24, 10, 30))
	lc.act(on(time.December, 1, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.December, 2, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})

	lc.run()
	fail.okAs(t, domain.StateInProgress, 8)
	// Five rework days from 09-24 would be 10-09, long before the approved 2027-01-20.
	want := fixedSchedule(t, "2026-09-24", "2027-01-20", midnight(time.September, 23))
	r := rework.get(t)
	require.Equal(t, "2027-01-20", r.Schedule.Deadline, "the approved deadline stands")
	requireSchedule(t, want, r.Schedule)
	require.Equal(t, kv("pass", "false", "deadline", "2027-01-20", "explanation", want.Explanation, "rework", "1", "kept_deadline", "true"),
		moved(r.Timeline, domain.ActionVerify)[0].Detail)

	final := lc.finalChecks(t)
	require.True(t, final.OnTime, "both fixes came before the deadline in force")
	require.Equal(t, 1, final.ReworkCount)
}

// ---------------------------------------------------------------------------
// 3. Every follow-up call counts

func TestEveryFollowUpCallIsKeptAndTheFirstAfterEachClosureMarked(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 23, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.September, 24, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionDissatisfied, Note: "路灯仍未修好"})
	lc.act(on(time.September, 29, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 29, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.September, 30, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionBasically, Note: "基本满意"})
	closed := lc.look(on(time.September, 30, 11, 0))
	// Reopened by the leader before any call, then fixed and called once.
	lc.act(on(time.October, 8, 10, 0), leader, domain.ActionReopen, domain.ActionBody{Reason: "回头看发现反弹"})
	lc.act(on(time.October, 9, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 9, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.October, 12, 10, 0), leader, domain.ActionReopen, domain.ActionBody{Reason: "未回访即发现问题"})
	lc.act(on(time.October, 13, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 13, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.October, 14, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	lc.run()
	c := closed.get(t)
	require.Equal(t, domain.StateClosed, c.State)
	require.Equal(t, domain.SatisfactionBasically, c.Satisfaction, "the latest answer")
	require.Equal(t, []domain.Callback{
		{At: on(time.September, 24, 10, 0), By: "office", Satisfaction: domain.SatisfactionDissatisfied, Note: "路灯仍未修好", First: true},
		{At: on(time.September, 30, 10, 0), By: "office", Satisfaction: domain.SatisfactionBasically, Note: "基本满意", First: true},
	}, inCST(c.Callbacks), "the dissatisfied call stays on the record: 1 satisfied of 2 called")

	final := lc.finalChecks(t)
	require.Len(t, final.Callbacks, 3)
	require.Equal(t, domain.SatisfactionSatisfied, final.Callbacks[2].Satisfaction)
	require.True(t, final.Callbacks[2].First, "the first call after the closure it follows up")
	require.Equal(t, 3, final.Reopens)
	require.Len(t, final.Rounds, 4)
}

// inCST puts the callbacks' times in the campaign's zone, for comparison.
func inCST(cbs []domain.Callback) []domain.Callback {
	out := make([]domain.Callback, len(cbs))
	for i, c := range cbs {
		c.At = c.At.In(cst)
		out[i] = c
	}
	return out
}

// ---------------------------------------------------------------------------
// 4. Deadlines fall on working days

// The API refuses a date on a day off before the workflow hears of it (docs/rules.md);
// every deadline the workflow counts itself lands on a working day, around the
// National Day holidays too.
func TestDeadlinesTheWorkflowCountsFallOnWorkingDays(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, domain.ActionBody{Category: catResidents})
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	assigned := lc.look(on(time.September, 21, 11, 30))
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 23, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 30, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "未完成"})
	rework := lc.look(on(time.September, 30, 10, 30))
	lc.act(on(time.October, 9, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 9, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.October, 10, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionDissatisfied, Note: "不满意"})
	reopened := lc.look(on(time.October, 10, 10, 30))
	lc.act(on(time.October, 12, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "撤销"})

	lc.run()
	cal := calendar.Default()
	for name, v := range map[string]*view{"assigned": assigned, "rework": rework, "reopened": reopened} {
		d, err := time.ParseInLocation(domain.DateLayout, v.get(t).Schedule.Deadline, cst)
		require.NoError(t, err, name)
		require.True(t, cal.IsWorkday(d), "%s: deadline %s is a working day", name, v.get(t).Schedule.Deadline)
	}
	require.Equal(t, "2026-09-24", assigned.get(t).Schedule.Deadline)
	require.Equal(t, "2026-10-13", rework.get(t).Schedule.Deadline, "5 working days from 09-30 skip the National Day week and count Saturday 10-10")
	require.Equal(t, "2026-10-16", reopened.get(t).Schedule.Deadline)
}

// ---------------------------------------------------------------------------
// 5. Bounded input, refused before anything is written

func TestDatesAndTextsOutsideTheirBoundsAreRefusedWithoutChangingAnything(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	const invalid = domain.ErrInvalid
	with := func(b domain.ActionBody, change func(*domain.ActionBody)) domain.ActionBody {
		change(&b)
		return b
	}
	farOffset := testPolicy()
	farOffset.UTCOffsetSeconds = -90000
	long := strings.Repeat("长", 201)

	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	var phases []*rejectionPhase
	phases = append(phases, lc.rejections("categorized", on(time.September, 21, 10, 10),
		attempt{office, domain.ActionAssign, assignBy("9999-12-31"), invalid, "deadline_too_far",
			"deadline 9999-12-31 is more than 5 years ahead; the latest date accepted today is 2031-09-21"},
		attempt{office, domain.ActionAssign, assignBy("2031-09-22"), invalid, "deadline_too_far",
			"deadline 2031-09-22 is more than 5 years ahead; the latest date accepted today is 2031-09-21"},
		attempt{office, domain.ActionAssign, assignBy("1999-12-31"), invalid, "deadline_too_early",
			"deadline 1999-12-31 is before 2000-01-01, the earliest date rectify accepts"},
		attempt{office, domain.ActionAssign, assignBy("0000-01-01"), invalid, "deadline_too_early",
			"deadline 0000-01-01 is before 2000-01-01, the earliest date rectify accepts"},
		attempt{office, domain.ActionAssign, with(assignOfficial, func(b *domain.ActionBody) { b.Reason = strings.Repeat("长", 2001) }), invalid, "reason_too_long",
			"reason has 2001 characters; at most 2000 are allowed"},
		attempt{office, domain.ActionAssign, with(assignOfficial, func(b *domain.ActionBody) { b.Official = long }), invalid, "official_too_long",
			"official has 201 characters; at most 200 are allowed"},
		attempt{office, domain.ActionAssign, with(assignOfficial, func(b *domain.ActionBody) { b.Until = "2026-10-200" }), invalid, "until_too_long",
			"until has 11 characters; at most 10 are allowed"},
		attempt{office, domain.ActionCategorize, with(categorizeFormalism, func(b *domain.ActionBody) { b.Note = strings.Repeat("x", 2001) }), invalid, "note_too_long",
			"note has 2001 characters; at most 2000 are allowed"},
	))
	offset := lc.actWith(on(time.September, 21, 10, 30), office, domain.ActionAssign, assignOfficial, &farOffset)
	latest := lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignBy("2031-09-21"))
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	phases = append(phases, lc.rejections("in progress", on(time.September, 22, 10, 0),
		attempt{official, domain.ActionRequestExtension, domain.ActionBody{Until: "9999-12-31", Reason: "r"}, invalid, "until_too_far",
			"until 9999-12-31 is more than 5 years ahead; the latest date accepted today is 2031-09-22"},
		attempt{official, domain.ActionSubmit, with(submitFix, func(b *domain.ActionBody) { b.Into = long }), invalid, "into_too_long",
			"into has 201 characters; at most 200 are allowed"},
	))
	lc.act(on(time.September, 22, 11, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 22, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	phases = append(phases, lc.rejections("awaiting callback", on(time.September, 23, 10, 0),
		attempt{leader, domain.ActionReopen, domain.ActionBody{Reason: "r", Deadline: "9999-12-31"}, invalid, "deadline_too_far",
			"deadline 9999-12-31 is more than 5 years ahead; the latest date accepted today is 2031-09-23"},
		attempt{office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied, Leader: long}, invalid, "leader_too_long",
			"leader has 201 characters; at most 200 are allowed"},
	))
	farReopen := lc.actWith(on(time.September, 23, 11, 0), leader, domain.ActionReopen, domain.ActionBody{Reason: "r"}, &farOffset)
	lc.act(on(time.September, 24, 10, 0), office, domain.ActionCancel, domain.ActionBody{Reason: "撤销"})

	lc.run()
	for _, p := range phases {
		t.Run(p.name, p.check)
	}
	latest.ok(t)
	const offsetMsg = "the campaign's UTC offset (-90000 seconds) is outside ±14 hours; correct the campaign's settings"
	offset.rejectedWith(t, invalid, "campaign_offset_invalid", offsetMsg)
	farReopen.rejectedWith(t, invalid, "campaign_offset_invalid", offsetMsg)
	final := lc.finalChecks(t)
	require.Equal(t, domain.StateCancelled, final.State)
	require.Equal(t, "2031-09-21", moved(final.Timeline, domain.ActionAssign)[0].Detail["deadline"], "the latest date itself is accepted")
}

// ---------------------------------------------------------------------------
// 7. Every round is kept

func TestEveryRoundOfFixAndVerificationIsKept(t *testing.T) {
	p := testPolicy()
	p.CallbackRequired = false
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 22, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.September, 23, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "台账不完整，缺少整改前后照片"})
	second := domain.ActionBody{Measures: "补齐整改前后照片，建立走访台账", Evidence: "照片.zip"}
	lc.act(on(time.October, 14, 10, 0), official, domain.ActionSubmit, second)
	lc.act(on(time.October, 15, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes(), Reason: "整改到位"})

	lc.run()
	final := lc.finalChecks(t)
	require.Equal(t, second.Measures, final.Measures, "the opinion shows the latest fix")
	rounds := final.Rounds
	require.Len(t, rounds, 2)
	for i := range rounds {
		rounds[i].SubmittedAt, rounds[i].VerifiedAt = rounds[i].SubmittedAt.In(cst), rounds[i].VerifiedAt.In(cst)
	}
	require.Equal(t, []domain.Round{
		{Measures: submitFix.Measures, Evidence: submitFix.Evidence, SubmittedBy: "official", SubmittedAt: on(time.September, 22, 10, 0),
			VerifiedBy: "verifier", Passed: no(), Reason: "台账不完整，缺少整改前后照片", VerifiedAt: on(time.September, 23, 10, 0)},
		// The rework deadline stayed 10-12 (the deadline in force): 10-14 is late.
		{Measures: second.Measures, Evidence: second.Evidence, SubmittedBy: "official", SubmittedAt: on(time.October, 14, 10, 0), Late: true,
			VerifiedBy: "verifier", Passed: yes(), Reason: "整改到位", VerifiedAt: on(time.October, 15, 10, 0)},
	}, rounds)
	require.False(t, final.OnTime)
}

// A late fix that fails verification is not forgotten by a second one on time.
func TestALateRoundKeepsTheClosureLateAfterAnOnTimeResubmission(t *testing.T) {
	p := testPolicy()
	p.CallbackRequired = false
	lc := newLifecycle(t, p)
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.October, 14, 10, 0), official, domain.ActionSubmit, submitFix) // deadline 10-12
	lc.act(on(time.October, 14, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: no(), Reason: "不彻底"})
	lc.act(on(time.October, 15, 10, 0), official, domain.ActionSubmit, submitFix) // rework deadline 10-21
	lc.act(on(time.October, 15, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})

	lc.run()
	final := lc.finalChecks(t)
	require.Len(t, final.Rounds, 2)
	require.Equal(t, []bool{true, false}, []bool{final.Rounds[0].Late, final.Rounds[1].Late})
	require.False(t, final.SubmittedLate, "the fix that passed came by the rework deadline")
	require.False(t, final.OnTime, "but the item missed its deadline")
}

// ---------------------------------------------------------------------------
// 8. Working days to close

func TestWorkingDaysToCloseAreCountedOnTheCalendarAtEachClosure(t *testing.T) {
	lc := newLifecycle(t, testPolicy())
	lc.act(on(time.September, 21, 10, 0), office, domain.ActionCategorize, categorizeFormalism)
	lc.act(on(time.September, 21, 11, 0), office, domain.ActionAssign, assignOfficial)
	lc.act(on(time.September, 21, 14, 0), official, domain.ActionSign, domain.ActionBody{})
	lc.act(on(time.September, 30, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 8, 10, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	awaiting := lc.look(on(time.October, 8, 11, 0))
	lc.act(on(time.October, 10, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})
	first := lc.look(on(time.October, 10, 11, 0))
	lc.act(on(time.October, 19, 10, 0), leader, domain.ActionReopen, domain.ActionBody{Reason: "反弹"})
	reopened := lc.look(on(time.October, 19, 11, 0))
	lc.act(on(time.October, 20, 10, 0), official, domain.ActionSubmit, submitFix)
	lc.act(on(time.October, 20, 15, 0), verifier, domain.ActionVerify, domain.ActionBody{Pass: yes()})
	lc.act(on(time.October, 21, 10, 0), office, domain.ActionCallback, domain.ActionBody{Satisfaction: domain.SatisfactionSatisfied})

	lc.run()
	require.Zero(t, awaiting.get(t).WorkingDaysToClose, "not closed until the follow-up call")
	// (09-21, 10-10]: 09-22..24, 09-28..30, 10-08, 10-09 and the make-up Saturday 10-10.
	require.Equal(t, 9, first.get(t).WorkingDaysToClose)
	require.Zero(t, reopened.get(t).WorkingDaysToClose, "open again")
	final := lc.finalChecks(t)
	// ... and 10-12..16, 10-19..21.
	require.Equal(t, 17, final.WorkingDaysToClose, "from receipt to the latest closure")
}
