package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"rectify/internal/domain"
)

// backfill starts an item that was already under way when its campaign's ledger
// came into rectify (OpinionInput.Backfill, checked by the import): its timeline
// gets one entry for each step the ledger dates, on that day and marked imported,
// and an EventImported entry now, after which the record is rectify's own. A
// deadline is counted from the day of assignment, so one that has passed puts the
// item on the ladder at once; a closure is counted with the ledger's days.
//
// Only steps the ledger records are entered: an item in progress was assigned and
// signed, but the ledger has no day for signing, so the assignment entry takes it
// straight to in progress.
func (r *opinionRun) backfill(ctx workflow.Context, actor string, in OpinionInput) error {
	b, o := in.Backfill, &r.o
	loc := r.policy.Location()
	day := func(date string) time.Time {
		t, _ := time.ParseInLocation(domain.DateLayout, date, loc) // checked by the import
		return t
	}
	marked := func(kv ...string) map[string]string {
		return detail(append(kv, "imported", "true")...)
	}
	o.CreatedAt = day(in.CollectedAt)
	r.recordAt(ctx, o.CreatedAt, actor, domain.EventReceived, domain.StateReceived, "",
		marked("channel", in.Channel, "batch", in.BatchID))
	o.Category = b.Category
	if b.State == domain.StateCategorized {
		r.recordAt(ctx, o.CreatedAt, actor, domain.ActionCategorize, domain.StateCategorized, "",
			marked("category", b.Category, "suggested", o.SuggestedCategory))
		return r.imported(ctx, actor, in)
	}

	assignedOn := b.AssignedOn
	if assignedOn == "" {
		assignedOn = in.CollectedAt
	}
	cat, _ := r.policy.CategoryOf(b.Category)
	live := b.State == domain.StateAssigned || b.State == domain.StateInProgress
	o.LongTerm = r.longTerm && live && cat.Speed == domain.SpeedLongTerm
	if o.LongTerm {
		o.ReportEveryMonths = cat.ReportMonths()
	}
	// A live item's deadline on a day off moves to the next working day, as
	// rectify's own deadlines never fall on one; a past item's stays the fact it was.
	sched, err := r.scheduleWith(ctx, ScheduleInput{Today: assignedOn, Deadline: b.Deadline,
		WithSign: b.State == domain.StateAssigned, OnWorkday: live})
	if err != nil {
		return err
	}
	o.Department, o.Official, o.Leader, o.Measures = b.Department, b.Official, b.Leader, b.Measures
	r.resetDeadline(sched)
	o.Signed = b.State != domain.StateAssigned
	to := domain.StateAssigned
	if o.Signed {
		to = domain.StateInProgress
	}
	r.recordAt(ctx, day(assignedOn), actor, domain.ActionAssign, to, "", marked("category", b.Category,
		"department", b.Department, "official", b.Official, "leader", b.Leader, "deadline", sched.Deadline))
	if live {
		return r.imported(ctx, actor, in)
	}

	// A fix submitted, and perhaps verified and closed.
	late := b.SubmittedOn > sched.Deadline
	submitted := day(b.SubmittedOn)
	o.SubmittedBy, o.SubmittedLate = b.Official, late
	o.Rounds = []domain.Round{{Measures: b.Measures, SubmittedBy: b.Official, SubmittedAt: submitted, Late: late}}
	r.recordAt(ctx, submitted, actor, domain.ActionSubmit, domain.StateSubmitted, "",
		marked("official", b.Official, "late", boolDetail(late)))
	if b.State == domain.StateSubmitted {
		return r.imported(ctx, actor, in)
	}

	verified, pass := day(b.VerifiedOn), true
	o.VerifiedBy = b.Verifier
	round := &o.Rounds[0]
	round.VerifiedBy, round.Passed, round.VerifiedAt = b.Verifier, &pass, verified
	if b.State == domain.StateAwaitingCallback || b.Satisfaction != "" {
		r.recordAt(ctx, verified, actor, domain.ActionVerify, domain.StateAwaitingCallback, "",
			marked("pass", "true", "verifier", b.Verifier))
		if b.State == domain.StateAwaitingCallback {
			return r.imported(ctx, actor, in)
		}
	}
	closedOn := b.ClosedOn
	if closedOn == "" {
		closedOn = b.VerifiedOn
	}
	days, err := r.workingDays(ctx, in.CollectedAt, closedOn)
	if err != nil {
		return err
	}
	o.ClosedAt, o.OnTime, o.WorkingDaysToClose = day(closedOn), !late, days
	if b.Satisfaction != "" {
		o.Satisfaction = b.Satisfaction
		o.Callbacks = []domain.Callback{{At: o.ClosedAt, By: actor, Satisfaction: b.Satisfaction, First: true}}
		r.calledBack = true
		r.recordAt(ctx, o.ClosedAt, actor, domain.ActionCallback, domain.StateClosed, "",
			marked("satisfaction", b.Satisfaction))
	} else {
		r.recordAt(ctx, o.ClosedAt, actor, domain.ActionVerify, domain.StateClosed, "",
			marked("pass", "true", "verifier", b.Verifier))
	}
	return r.imported(ctx, actor, in)
}

// imported ends an imported item's timeline with the entry that says who brought
// it in, from which file, and when; the record is live from here on.
func (r *opinionRun) imported(ctx workflow.Context, actor string, in OpinionInput) error {
	now := workflow.Now(ctx)
	r.o.Imported = &domain.Imported{By: actor, File: in.File, Batch: in.BatchID, At: now, State: in.Backfill.State}
	r.record(ctx, actor, domain.EventImported, r.o.State, "", detail("file", in.File, "batch", in.BatchID))
	return nil
}

// boolDetail is a flag as a timeline detail: "true", or left out.
func boolDetail(b bool) string {
	if b {
		return "true"
	}
	return ""
}
