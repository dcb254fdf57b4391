package workflows

import (
	"cmp"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/domain"
)

// ladder lists the escalation rungs in the order the timers reach them.
var ladder = []domain.OverdueLevel{domain.LevelDueSoon, domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability}

// laddered states are those in which the responsible official owes a fix by a deadline.
func laddered(s domain.State) bool { return s == domain.StateAssigned || s == domain.StateInProgress }

// opinionRun is one execution of the Opinion workflow: the state plus what the
// main loop needs to know about handler activity.
type opinionRun struct {
	o      domain.Opinion
	policy domain.Policy
	// armed changes whenever the deadline timers must be re-read (new deadline, new
	// state); the main loop waits on it instead of polling.
	armed int
	// projected is the highest revision the reporting store has confirmed.
	projected int
	// outbox is set for executions that hand notifications to the reporting store
	// with the projection (one transaction; a dispatcher delivers them) instead of
	// running an activity for each; executions begun before keep the activity.
	outbox bool
	// pending are the notifications the next projection hands over.
	pending []domain.Notification
	// honest is set for executions that keep the honest record (docs/rules.md):
	// the highest rung for good, late extensions counted as late, rework that never
	// shortens a deadline, every round and follow-up call, working days to close,
	// and the handler's re-check of the bounds on input. Executions begun before
	// run as they ran.
	honest bool
	// missed is set when an extension was approved after the deadline it replaced
	// had passed: the fix of this assignment or rework can no longer be on time.
	missed bool
	// calledBack is set once the closure awaiting a follow-up call has had one.
	calledBack bool
	// longTerm is set for executions that put items of a long-term category on
	// the long-term track (domain.Opinion.LongTerm); executions begun before give
	// them one deadline, as they did.
	longTerm bool
	// quiet is set for executions that show operators only what they filter on,
	// and upsert a search attribute only when its value changes (shown is what
	// they were last given); the state is the reporting store's. Executions begun
	// before upsert every attribute, the state included, on every transition.
	quiet bool
	// lean is set for executions that show operators the campaign, the rung and
	// the deadline only (leanVersion); executions begun before show the category,
	// department and assignee too.
	lean  bool
	shown searchAttrs
}

// opinionChange is the opinion workflow's version marker. Every behaviour change is
// a new version of this one change id, so a new opinion's history carries one
// marker, not one per change.
const opinionChange = "notify-outbox"

// The versions of opinionChange, each including the ones before it.
const (
	// outboxVersion hands notifications over with the projection (opinionRun.outbox).
	outboxVersion workflow.Version = 1
	// honestVersion keeps the honest record (opinionRun.honest).
	honestVersion workflow.Version = 2
	// longTermVersion puts long-term items on their track (opinionRun.longTerm).
	longTermVersion workflow.Version = 3
	// quietVersion upserts search attributes only when one changes (opinionRun.quiet).
	quietVersion workflow.Version = 4
	// leanVersion shows the campaign, rung and deadline only (opinionRun.lean).
	leanVersion workflow.Version = 5
)

// WorkingDaysActivityName counts the working days between two dates on the
// calendar, as a local activity (the answer is recorded, so a later change of the
// holiday file never changes a recorded figure).
const WorkingDaysActivityName = "rectify.WorkingDays"

// WorkingDaysInput asks for the working days after From up to and including To
// (both YYYY-MM-DD, campaign-local): the calendar's WorkdaysBetween.
type WorkingDaysInput struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// WorkingDaysResult is the count; negative when To is before From.
type WorkingDaysResult struct {
	Days int `json:"days"`
}

// OpinionWorkflow is one opinion's whole life, from receipt to closure. Human actions
// arrive as Updates with validators; deadlines are durable timers; every transition
// is projected to the reporting store before the action returns.
func OpinionWorkflow(ctx workflow.Context, in OpinionInput) (OpinionResult, error) {
	now := workflow.Now(ctx)
	r := &opinionRun{policy: in.Policy, o: domain.Opinion{
		ID: in.OpinionID, CampaignID: in.CampaignID, Key: in.Key, Content: in.Content,
		Channel: in.Channel, CollectedAt: in.CollectedAt, Submitter: in.Submitter, Phone: in.Phone,
		Target: in.Target, BatchID: in.BatchID, Extra: in.Extra, State: domain.StateReceived,
		SuggestedCategory: in.SuggestedCategory, Department: in.Department,
		WrittenDepartment: in.WrittenDepartment, WrittenCategory: in.WrittenCategory,
		OverdueLevel: domain.LevelNone, CreatedAt: now,
	}}
	version := workflow.GetVersion(ctx, opinionChange, workflow.DefaultVersion, leanVersion)
	r.outbox = version >= outboxVersion
	r.honest = version >= honestVersion
	r.longTerm = version >= longTermVersion
	r.quiet = version >= quietVersion
	r.lean = version >= leanVersion
	if r.quiet {
		r.shown = shownAtStart(ctx)
	}
	if r.honest {
		r.o.HighestLevel = domain.LevelNone
	}
	actor := in.SubmittedBy
	if actor == "" {
		actor = domain.SystemActor
	}
	if in.Backfill != nil {
		if err := r.backfill(ctx, actor, in); err != nil {
			return OpinionResult{}, err
		}
	} else {
		r.record(ctx, actor, domain.EventReceived, domain.StateReceived, "", detail("channel", in.Channel, "batch", in.BatchID))
	}
	if err := r.registerHandlers(ctx); err != nil {
		return OpinionResult{}, err
	}
	if err := r.project(ctx, false); err != nil {
		return OpinionResult{}, err
	}
	return r.serve(ctx)
}

// serve waits on the deadline timers until the item is done (run), then for its
// handlers to finish, and answers its state.
func (r *opinionRun) serve(ctx workflow.Context) (OpinionResult, error) {
	if err := r.run(ctx); err != nil {
		return OpinionResult{}, err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return OpinionResult{}, err
	}
	return OpinionResult{State: r.o.State}, nil
}

// run waits on the deadline timers until the opinion is final or its reopen window
// after closure has passed.
func (r *opinionRun) run(ctx workflow.Context) error {
	for !r.o.State.Final() && !r.taskDone() {
		armed := r.armed
		changed := func() bool { return r.armed != armed }
		at, fire := r.nextTimer()
		if at.IsZero() {
			if err := workflow.Await(ctx, changed); err != nil {
				return err
			}
			continue
		}
		if wait := at.Sub(workflow.Now(ctx)); wait > 0 {
			woken, err := workflow.AwaitWithTimeout(ctx, wait, changed)
			if err != nil {
				return err
			}
			if woken {
				continue
			}
		}
		done, err := fire(ctx)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
	return nil
}

// nextTimer is the next moment something happens by itself, and what happens then.
func (r *opinionRun) nextTimer() (time.Time, func(workflow.Context) (bool, error)) {
	o := &r.o
	if o.State == domain.StateClosed {
		window := time.Duration(r.policy.ReopenWindowDays) * 24 * time.Hour
		return o.ClosedAt.Add(window), r.archive
	}
	if !laddered(o.State) {
		return time.Time{}, nil
	}
	var at time.Time
	var fire func(workflow.Context) (bool, error)
	for _, level := range ladder {
		if level.Rank() > o.OverdueLevel.Rank() {
			at = o.Schedule.At(level)
			fire = func(ctx workflow.Context) (bool, error) { return false, r.escalate(ctx, level) }
			break
		}
	}
	if o.State == domain.StateAssigned && !o.Signed && !o.Schedule.SignBy.IsZero() && !r.signReminded() {
		if at.IsZero() || o.Schedule.SignBy.Before(at) {
			return o.Schedule.SignBy, r.signOverdue
		}
	}
	return at, fire
}

// signReminded reports whether the sign-in deadline of the current assignment has
// already been flagged.
func (r *opinionRun) signReminded() bool {
	for i := len(r.o.Timeline) - 1; i >= 0; i-- {
		switch r.o.Timeline[i].Action {
		case domain.EventSignOverdue:
			return true
		case domain.ActionAssign:
			return false
		}
	}
	return false
}

func (r *opinionRun) signOverdue(ctx workflow.Context) (bool, error) {
	r.record(ctx, domain.SystemActor, domain.EventSignOverdue, r.o.State, "not signed for by the sign-in deadline",
		// SignBy is the moment the sign-in day has ended; the detail names that day,
		// as deadlines and the API's sign_by do.
		detail("sign_by", r.o.Schedule.SignBy.In(r.policy.Location()).AddDate(0, 0, -1).Format(domain.DateLayout)))
	r.notify(ctx, domain.EventSignOverdue, r.o.Official, r.o.Leader)
	return false, r.project(ctx, false)
}

func (r *opinionRun) escalate(ctx workflow.Context, level domain.OverdueLevel) error {
	r.o.OverdueLevel = level
	if r.honest && level.Rank() > r.o.HighestLevel.Rank() {
		r.o.HighestLevel, r.o.HighestLevelAt = level, workflow.Now(ctx)
	}
	r.record(ctx, domain.SystemActor, domain.EventEscalated, r.o.State, "", detail("level", string(level), "deadline", r.o.Schedule.Deadline))
	switch level {
	case domain.LevelDueSoon, domain.LevelOverdue:
		r.notify(ctx, domain.EventEscalated, r.o.Official)
	default:
		r.notify(ctx, domain.EventEscalated, r.o.Official, r.o.Leader)
	}
	return r.project(ctx, false)
}

// archive ends the workflow once a closed opinion can no longer be reopened.
func (r *opinionRun) archive(ctx workflow.Context) (bool, error) {
	r.record(ctx, domain.SystemActor, domain.EventArchived, r.o.State, "reopen window passed", nil)
	return true, r.project(ctx, false)
}

func (r *opinionRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, OpinionQueryName, func() (domain.Opinion, error) {
		return r.o, nil
	}); err != nil {
		return err
	}
	// receive answers once the opinion has reached the reporting store, so an API
	// caller can read what it just submitted.
	if err := workflow.SetUpdateHandler(ctx, ReceiveUpdateName, func(ctx workflow.Context) (domain.ActionResult, error) {
		err := workflow.Await(ctx, func() bool { return r.projected > 0 })
		return domain.ActionResult{State: r.o.State, Revision: r.o.Revision}, err
	}); err != nil {
		return err
	}
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, MergedInSignalName)
		for {
			var from string
			ch.Receive(ctx, &from)
			r.record(ctx, domain.SystemActor, domain.EventMergedIn, r.o.State, "", detail("from", from))
			_ = r.project(ctx, false)
		}
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		ch := workflow.GetSignalChannel(ctx, ProblemResolvedSignalName)
		for {
			var answer ProblemAnswer
			ch.Receive(ctx, &answer)
			if err := r.answer(ctx, answer); err != nil {
				workflow.GetLogger(ctx).Error("problem's answer not recorded", "problem", answer.Problem, "error", err)
			}
		}
	})
	for _, action := range domain.Actions {
		handler := func(ctx workflow.Context, req domain.ActionRequest) (domain.ActionResult, error) {
			// Re-check: another action may have changed the state since validation.
			if err := domain.Check(&r.o, r.policy, action, req, workflow.Now(ctx), r.honest); err != nil {
				return domain.ActionResult{}, err
			}
			// The campaign's current settings, when the request carries them, are the
			// opinion's from now on (deadlines already set stay as they are).
			r.policy = domain.EffectivePolicy(r.policy, req)
			if err := r.apply(ctx, action, req); err != nil {
				return domain.ActionResult{}, err
			}
			return domain.ActionResult{State: r.o.State, Revision: r.o.Revision}, nil
		}
		validator := func(ctx workflow.Context, req domain.ActionRequest) error {
			return domain.Check(&r.o, r.policy, action, req, workflow.Now(ctx), true)
		}
		if err := workflow.SetUpdateHandlerWithOptions(ctx, string(action), handler,
			workflow.UpdateHandlerOptions{Validator: validator}); err != nil {
			return err
		}
	}
	return nil
}

// apply performs a validated action: state change, timeline entry, schedule,
// notifications and projection.
func (r *opinionRun) apply(ctx workflow.Context, action domain.Action, req domain.ActionRequest) error {
	if err := r.change(ctx, action, req); err != nil {
		return err
	}
	return r.project(ctx, true)
}

// change is apply without the projection: what the action does to the record.
func (r *opinionRun) change(ctx workflow.Context, action domain.Action, req domain.ActionRequest) error {
	o := &r.o
	b := req.Body
	who := req.Actor.Username
	switch action {
	case domain.ActionCategorize:
		prev := o.Category
		o.Category = b.Category
		r.record(ctx, who, action, domain.StateCategorized, b.Reason, detail("category", b.Category, "previous", prev, "suggested", o.SuggestedCategory))
	case domain.ActionMerge:
		o.MergedInto = b.Into
		r.record(ctx, who, action, domain.StateMerged, b.Reason, detail("into", b.Into))
		r.signalMergeTarget(ctx, b.Into)
	case domain.ActionReject:
		r.record(ctx, who, action, domain.StateRejected, b.Reason, nil)
	case domain.ActionCancel:
		r.record(ctx, who, action, domain.StateCancelled, b.Reason, nil)
	case domain.ActionAssign:
		// CategoryOf: the category may have been renamed since it was confirmed.
		cat, _ := r.policy.CategoryOf(o.Category)
		o.LongTerm = r.longTerm && cat.Speed == domain.SpeedLongTerm
		due := b.Deadline
		// On the long-term track, the deadline is the first progress report's: every
		// month, or as the assignment or the category says, on a working day.
		onWorkday := false
		if o.LongTerm {
			o.ReportEveryMonths = cmp.Or(b.ReportEveryMonths, cat.ReportMonths())
			if due == "" {
				due, onWorkday = r.monthsFromToday(ctx, o.ReportEveryMonths), true
			}
		}
		sched, err := r.scheduleWith(ctx, ScheduleInput{Deadline: due, WorkingDays: cat.WorkingDays, WithSign: true, OnWorkday: onWorkday})
		if err != nil {
			return err
		}
		o.Department, o.Official, o.Leader, o.Measures = b.Department, b.Official, b.Leader, b.Measures
		r.resetDeadline(sched)
		o.Signed = false
		r.missed = false
		r.record(ctx, who, action, domain.StateAssigned, b.Reason, detail("department", b.Department, "official", b.Official,
			"leader", b.Leader, "deadline", sched.Deadline, "explanation", sched.Explanation))
		r.notify(ctx, action, o.Official)
	case domain.ActionResolve:
		// Fixed already (立行立改): recorded as a fix submitted on time, which goes to
		// verification like any other; a failed verification sends it to the
		// official who fixed it, with a rework deadline.
		if b.Category != "" {
			o.Category = b.Category
		}
		o.Department, o.Official, o.Leader = b.Department, b.Official, b.Leader
		o.Measures, o.Evidence, o.SubmittedBy, o.SubmittedLate = b.Measures, b.Evidence, who, false
		o.OnTheSpot, o.FixedOn, o.Signed = true, b.FixedOn, true
		if r.honest {
			o.Rounds = append(o.Rounds, domain.Round{Measures: b.Measures, Evidence: b.Evidence, Attachments: b.Attachments,
				SubmittedBy: who, SubmittedAt: workflow.Now(ctx)})
		}
		r.armed++
		r.record(ctx, who, action, domain.StateSubmitted, b.Reason, detail("category", o.Category, "department", b.Department,
			"official", b.Official, "leader", b.Leader, "fixed_on", b.FixedOn))
		r.notifyQueue(ctx, domain.ActionSubmit, domain.RoleVerifier)
	case domain.ActionSign:
		o.Signed = true
		r.record(ctx, who, action, domain.StateInProgress, "", nil)
	case domain.ActionReturn:
		previous := o.Official
		o.Official, o.Leader, o.Signed, o.PendingExtension = "", "", false, nil
		o.Schedule = domain.Schedule{}
		o.OverdueLevel = domain.LevelNone
		r.armed++
		r.record(ctx, who, action, domain.StateReturned, b.Reason, detail("official", previous))
		r.notifyQueue(ctx, action, domain.RoleOffice)
	case domain.ActionRequestExtension:
		o.PendingExtension = &domain.Extension{Until: b.Until, Reason: b.Reason, RequestedBy: who, RequestedAt: workflow.Now(ctx)}
		r.record(ctx, who, action, o.State, b.Reason, detail("until", b.Until, "deadline", o.Schedule.Deadline))
		r.notify(ctx, action, o.Leader)
	case domain.ActionDecideExtension:
		ext := *o.PendingExtension
		o.PendingExtension = nil
		if !*b.Approve {
			r.record(ctx, who, action, o.State, b.Reason, detail("approved", "false", "until", ext.Until))
			r.notify(ctx, action, o.Official)
			break
		}
		old := o.Schedule.Deadline
		// An extension counts only when approved before the deadline it replaces
		// had passed; a late one moves the deadline but the fix is late all the same.
		late := r.honest && !workflow.Now(ctx).Before(o.Schedule.OverdueAt)
		sched, err := r.schedule(ctx, ext.Until, 0, false)
		if err != nil {
			return err
		}
		sched.SignBy = o.Schedule.SignBy
		o.Extensions++
		if late {
			o.LateExtensions++
			r.missed = true
		}
		r.resetDeadline(sched)
		lateDetail := ""
		if late {
			lateDetail = "true"
		}
		r.record(ctx, who, action, o.State, b.Reason, detail("approved", "true", "previous_deadline", old,
			"deadline", sched.Deadline, "explanation", sched.Explanation, "late", lateDetail))
		r.notify(ctx, action, o.Official)
	case domain.ActionSubmit:
		o.Measures, o.Evidence, o.SubmittedBy = b.Measures, b.Evidence, who
		o.SubmittedLate = o.OverdueLevel.Rank() >= domain.LevelOverdue.Rank()
		if r.honest {
			now := workflow.Now(ctx)
			// The deadline has passed once its day has ended, whether or not the
			// ladder's timer has been handled yet; a late extension never helps.
			o.SubmittedLate = o.SubmittedLate || !now.Before(o.Schedule.OverdueAt) || r.missed
			o.Rounds = append(o.Rounds, domain.Round{Measures: b.Measures, Evidence: b.Evidence, Attachments: b.Attachments,
				SubmittedBy: who, SubmittedAt: now, Late: o.SubmittedLate})
		}
		r.armed++
		r.record(ctx, who, action, domain.StateSubmitted, "", detail("late", fmt.Sprint(o.SubmittedLate)))
		r.notifyQueue(ctx, action, domain.RoleVerifier)
	case domain.ActionReportProgress:
		due, now := o.Schedule.Deadline, workflow.Now(ctx)
		late := !now.Before(o.Schedule.OverdueAt)
		o.Reports = append(o.Reports, domain.ProgressReport{At: now, By: who, Done: b.Measures, Next: b.Next,
			Percent: *b.Percent, Evidence: b.Evidence, Attachments: b.Attachments, Due: due, Late: late})
		o.Measures = b.Measures
		// The next report is due a cycle after this one was, or a cycle from today
		// when that day has passed already; on a working day.
		cat, _ := r.policy.CategoryOf(o.Category)
		months := cmp.Or(o.ReportEveryMonths, cat.ReportMonths())
		cycle := due
		if basis := o.Schedule.Basis; basis != nil && basis.MovedFrom != "" {
			cycle = basis.MovedFrom
		}
		next := addMonths(cycle, months)
		if next <= r.today(ctx) {
			next = r.monthsFromToday(ctx, months)
		}
		sched, err := r.scheduleWith(ctx, ScheduleInput{Deadline: next, OnWorkday: true})
		if err != nil {
			return err
		}
		sched.SignBy = o.Schedule.SignBy
		r.resetDeadline(sched)
		r.record(ctx, who, action, o.State, "", detail("percent", fmt.Sprint(*b.Percent), "due", due,
			"late", fmt.Sprint(late), "next_due", sched.Deadline))
	case domain.ActionConclude:
		// The long-term track ends: what was institutionalised goes to verification.
		now := workflow.Now(ctx)
		o.Measures, o.Evidence, o.SubmittedBy = b.Measures, b.Evidence, who
		o.SubmittedLate = !now.Before(o.Schedule.OverdueAt)
		o.Rounds = append(o.Rounds, domain.Round{Measures: b.Measures, Evidence: b.Evidence, Attachments: b.Attachments,
			SubmittedBy: who, SubmittedAt: now, Late: o.SubmittedLate})
		r.armed++
		r.record(ctx, who, action, domain.StateSubmitted, b.Reason, detail("late", fmt.Sprint(o.SubmittedLate)))
		r.notifyQueue(ctx, domain.ActionSubmit, domain.RoleVerifier)
	case domain.ActionVerify:
		o.VerifiedBy = who
		if r.honest && len(o.Rounds) > 0 {
			last := &o.Rounds[len(o.Rounds)-1]
			pass := *b.Pass
			last.VerifiedBy, last.Passed, last.Reason, last.VerifiedAt = who, &pass, b.Reason, workflow.Now(ctx)
		}
		if *b.Pass {
			if o.Task != nil {
				return r.closeTask(ctx, who, b.Reason)
			}
			// A fix that passed is the closure a follow-up call answers.
			r.calledBack = false
			if r.policy.CallbackRequired {
				r.record(ctx, who, action, domain.StateAwaitingCallback, b.Reason, detail("pass", "true"))
			} else if err := r.close(ctx, who, action, b.Reason, detail("pass", "true")); err != nil {
				return err
			}
			break
		}
		kept, err := r.rework(ctx, "")
		if err != nil {
			return err
		}
		o.ReworkCount++
		r.record(ctx, who, action, domain.StateInProgress, b.Reason, detail("pass", "false", "deadline", o.Schedule.Deadline,
			"explanation", o.Schedule.Explanation, "rework", fmt.Sprint(o.ReworkCount), "kept_deadline", kept))
		r.notify(ctx, action, o.Official)
	case domain.ActionCallback:
		o.Satisfaction = b.Satisfaction
		if r.honest {
			o.Callbacks = append(o.Callbacks, domain.Callback{At: workflow.Now(ctx), By: who, Satisfaction: b.Satisfaction,
				Note: b.Note, First: !r.calledBack})
			r.calledBack = true
		}
		if b.Satisfaction != domain.SatisfactionDissatisfied {
			if err := r.close(ctx, who, action, b.Note, detail("satisfaction", b.Satisfaction)); err != nil {
				return err
			}
			break
		}
		kept, err := r.rework(ctx, "")
		if err != nil {
			return err
		}
		o.Reopens++
		r.record(ctx, who, action, domain.StateInProgress, b.Note, detail("satisfaction", b.Satisfaction,
			"deadline", o.Schedule.Deadline, "explanation", o.Schedule.Explanation, "kept_deadline", kept))
		r.notify(ctx, domain.ActionReopen, o.Official, o.Leader)
	case domain.ActionReopen:
		kept, err := r.rework(ctx, b.Deadline)
		if err != nil {
			return err
		}
		o.Reopens++
		r.record(ctx, who, action, domain.StateInProgress, b.Reason, detail("deadline", o.Schedule.Deadline,
			"explanation", o.Schedule.Explanation, "kept_deadline", kept))
		r.notify(ctx, action, o.Official, o.Leader)
	case domain.ActionGroup:
		// The problem hears of the opinion first: an opinion never stands in a
		// problem that does not list it.
		if err := workflow.SignalExternalWorkflow(ctx, ProblemWorkflowID(b.Problem), "", OpinionJoinedSignalName, o.ID).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Warn("the problem does not take the opinion", "problem", b.Problem, "err", err)
			return domain.ProblemNotTaking(b.Problem)
		}
		o.Problem = b.Problem
		if o.Category == "" {
			o.Category = b.Category // counted by its problem's category from now on
		}
		r.record(ctx, who, action, domain.StateInProblem, b.Reason, detail("problem", b.Problem, "category", o.Category))
	case domain.ActionContribute:
		o.Task.Contributions = append(o.Task.Contributions, domain.Contribution{Unit: req.Actor.Department, By: who,
			At: workflow.Now(ctx), Note: b.Note, Evidence: b.Evidence, Attachments: b.Attachments})
		r.record(ctx, who, action, o.State, "", detail("unit", req.Actor.Department))
		r.notify(ctx, action, o.Official)
	}
	return nil
}

// close strikes the opinion off the ledger (销号). It counts as on time when the fix
// that passed was submitted before the deadline passed; in the honest record, when
// every fix was (a late one that failed verification is not forgotten), and the
// working days it took are counted on the calendar.
func (r *opinionRun) close(ctx workflow.Context, who string, action domain.Action, reason string, d map[string]string) error {
	now := workflow.Now(ctx)
	r.o.ClosedAt = now
	r.o.OnTime = !r.o.SubmittedLate
	if r.honest {
		for _, round := range r.o.Rounds {
			r.o.OnTime = r.o.OnTime && !round.Late
		}
		loc := r.policy.Location()
		from, to := r.o.CreatedAt.In(loc).Format(domain.DateLayout), now.In(loc).Format(domain.DateLayout)
		if r.o.OnTheSpot && r.o.ReworkCount == 0 && r.o.Reopens == 0 && r.o.CollectedAt != "" {
			// Fixed on the spot and accepted as it was: it took from its collection
			// to the day it was fixed.
			from, to = r.o.CollectedAt, r.o.FixedOn
		}
		days, err := r.workingDays(ctx, from, to)
		if err != nil {
			return err
		}
		r.o.WorkingDaysToClose = days
	}
	r.armed++
	r.record(ctx, who, action, domain.StateClosed, reason, d)
	return nil
}

// rework sends a fix back to the official with a fresh deadline (rework days from
// the policy unless one is given) and the ladder re-armed from the bottom. In the
// honest record a deadline counted in rework days never comes before the deadline
// in force (an approved extension stays approved); kept is "true" when the deadline
// in force was kept for that reason.
func (r *opinionRun) rework(ctx workflow.Context, deadline string) (kept string, err error) {
	sched, err := r.schedule(ctx, deadline, r.policy.ReworkWorkingDays, false)
	if err != nil {
		return "", err
	}
	if inForce := r.o.Schedule.Deadline; r.honest && deadline == "" && inForce > sched.Deadline {
		if sched, err = r.schedule(ctx, inForce, 0, false); err != nil {
			return "", err
		}
		kept = "true"
	}
	sched.SignBy = r.o.Schedule.SignBy
	r.resetDeadline(sched)
	r.o.ClosedAt, r.o.OnTime, r.o.SubmittedLate = time.Time{}, false, false
	if r.honest {
		r.missed = false
		r.o.WorkingDaysToClose = 0
	}
	return kept, nil
}

// workingDays counts the working days after from up to and including to on the
// campaign's calendar (through a local activity, as schedule does).
func (r *opinionRun) workingDays(ctx workflow.Context, from, to string) (int, error) {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{MaximumInterval: 10 * time.Second},
	})
	var res WorkingDaysResult
	err := workflow.ExecuteLocalActivity(lctx, WorkingDaysActivityName, WorkingDaysInput{From: from, To: to}).Get(ctx, &res)
	return res.Days, err
}

func (r *opinionRun) resetDeadline(s domain.Schedule) {
	r.o.Schedule = s
	r.o.OverdueLevel = domain.LevelNone
	r.armed++
}

// schedule asks the working-day calendar (through a local activity, so the answer is
// recorded and replays identically even if the holiday file changes later).
func (r *opinionRun) schedule(ctx workflow.Context, deadline string, workingDays int, withSign bool) (domain.Schedule, error) {
	return r.scheduleWith(ctx, ScheduleInput{Deadline: deadline, WorkingDays: workingDays, WithSign: withSign})
}

// scheduleWith is schedule with every question the calendar answers: Today is
// now's day unless given (the day an imported item was assigned), and the
// campaign's policy is the opinion's.
func (r *opinionRun) scheduleWith(ctx workflow.Context, in ScheduleInput) (domain.Schedule, error) {
	if in.Today == "" {
		in.Today = r.today(ctx)
	}
	in.Policy = r.policy
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		ScheduleToCloseTimeout: time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{MaximumInterval: 10 * time.Second},
	})
	var s domain.Schedule
	err := workflow.ExecuteLocalActivity(lctx, ScheduleActivityName, in).Get(ctx, &s)
	return s, err
}

// project writes the opinion to the reporting store, with the notifications it
// sets off. It retries without limit: the store is part of the product, and a
// transition must never be lost from it.
//
// The write happens inside the workflow task, before Temporal has recorded the
// task's outcome. A transition set off by a timer or a signal is recorded by
// Temporal before the task runs, so a failed task is retried and writes again. An
// Update's is not: if the task never completes, the Update is gone, and the store
// shows a transition that did not happen. Such a write is marked unconfirmed; the
// caller confirms it once the Update has returned, or the store's reconciler puts
// the workflow's own state back (see docs/consistency.md). The origin lets the
// store tell a later task's write from an earlier one at the same revision.
func (r *opinionRun) project(ctx workflow.Context, unconfirmed bool) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	})
	revision := r.o.Revision
	notes := r.pending
	r.pending = nil
	in := ProjectInput{
		Opinion: r.o.Clone(), Notifications: notes, Unconfirmed: unconfirmed,
		Origin: Origin{TaskEvent: int64(workflow.GetInfo(ctx).GetCurrentHistoryLength()), At: workflow.Now(ctx)},
	}
	if err := workflow.ExecuteLocalActivity(lctx, ProjectActivityName, in).Get(ctx, nil); err != nil {
		return err
	}
	r.projected = max(r.projected, revision)
	return nil
}

// notify tells people without waiting: a slow webhook must not slow an action down.
// The notification leaves with the next projection (see opinionRun.outbox).
func (r *opinionRun) notify(ctx workflow.Context, kind domain.Action, recipients ...string) {
	var to []string
	for _, u := range recipients {
		if u != "" {
			to = append(to, u)
		}
	}
	r.send(ctx, kind, to, nil)
}

// notifyQueue tells whoever works the role's queue: nobody in particular owns a
// submitted fix (any verifier) or a returned opinion (the office).
func (r *opinionRun) notifyQueue(ctx workflow.Context, kind domain.Action, role domain.Role) {
	r.send(ctx, kind, nil, []domain.Role{role})
}

func (r *opinionRun) send(ctx workflow.Context, kind domain.Action, to []string, roles []domain.Role) {
	n := domain.Notification{
		Kind: kind, OpinionID: r.o.ID, CampaignID: r.o.CampaignID, Recipients: to, Roles: roles, State: r.o.State,
		Level: r.o.OverdueLevel, Deadline: r.o.Schedule.Deadline,
		Key: fmt.Sprintf("%s/%d", r.o.ID, r.o.Revision),
	}
	if r.outbox {
		// The key is the outbox's primary key: a second notification of one
		// revision gets its own.
		if len(r.pending) > 0 && r.pending[len(r.pending)-1].Key == n.Key {
			n.Key = fmt.Sprintf("%s/%d", n.Key, len(r.pending))
		}
		r.pending = append(r.pending, n)
		return
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 5 * time.Minute, MaximumAttempts: 20},
	})
	workflow.ExecuteActivity(actx, NotifyActivityName, n)
}

// signalMergeTarget tells the opinion merged into that it has a duplicate. It waits
// for the signal to be delivered: the server drops a signal whose sender has closed,
// and a merged opinion's workflow closes as soon as this action's handler returns.
// A missing target is not an error for the merge itself.
func (r *opinionRun) signalMergeTarget(ctx workflow.Context, into string) {
	err := workflow.SignalExternalWorkflow(ctx, OpinionWorkflowID(into), "", MergedInSignalName, r.o.ID).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Warn("merge target not signalled", "into", into, "error", err)
	}
}

// record moves the opinion to state and appends the timeline entry for it.
func (r *opinionRun) record(ctx workflow.Context, actor string, action domain.Action, to domain.State, reason string, d map[string]string) {
	r.recordAt(ctx, workflow.Now(ctx), actor, action, to, reason, d)
}

// recordAt is record for a transition that happened at another moment than now:
// one an imported ledger dates (see backfill).
func (r *opinionRun) recordAt(ctx workflow.Context, now time.Time, actor string, action domain.Action, to domain.State, reason string, d map[string]string) {
	from := r.o.State
	if from != to {
		r.armed++
	}
	r.o.State = to
	r.o.UpdatedAt = now
	r.o.Revision++
	r.o.Timeline = append(r.o.Timeline, domain.Event{
		Seq: len(r.o.Timeline) + 1, At: now, Actor: actor, Action: action, From: from, To: to, Reason: reason, Detail: d,
	})
	r.upsertSearchAttributes(ctx)
}

// searchAttrs are the values an opinion's workflow shows operators in the Temporal
// Web UI ("" and zero for none).
type searchAttrs struct {
	campaign, state, level, category, department, assignee string
	deadline                                               time.Time
}

// upsertSearchAttributes shows operators the opinion as it now stands. Each upsert
// makes the engine rewrite the workflow's whole visibility row with its indexes, the
// largest cost of a transition after the engine's own: a quiet execution upserts
// only the values that changed, and none when nothing did.
func (r *opinionRun) upsertSearchAttributes(ctx workflow.Context) {
	o := &r.o
	now := searchAttrs{campaign: o.CampaignID, level: string(o.OverdueLevel)}
	if !r.lean {
		now.category, now.department, now.assignee = o.Category, o.Department, o.Official
	}
	if o.Schedule.Deadline != "" {
		now.deadline = o.Schedule.OverdueAt
	}
	if !r.quiet {
		now.state = string(o.State)
		_ = workflow.UpsertTypedSearchAttributes(ctx, now.updates(searchAttrs{}, true)...)
		return
	}
	if updates := now.updates(r.shown, false); len(updates) > 0 {
		_ = workflow.UpsertTypedSearchAttributes(ctx, updates...)
	}
	r.shown = now
}

// shownAtStart is what the workflow's start already showed operators: intake starts
// an opinion with its campaign and rung (StartSearchAttributes), so its receipt
// upserts nothing; an opinion started without them shows nothing yet.
func shownAtStart(ctx workflow.Context) searchAttrs {
	sa := workflow.GetTypedSearchAttributes(ctx)
	campaign, _ := sa.GetKeyword(SACampaign)
	level, _ := sa.GetKeyword(SAOverdueLevel)
	return searchAttrs{campaign: campaign, level: level}
}

// updates are the upserts that take what operators see from was to a: the values
// that differ, or every one when all is set.
func (a searchAttrs) updates(was searchAttrs, all bool) []temporal.SearchAttributeUpdate {
	var updates []temporal.SearchAttributeUpdate
	keyword := func(key temporal.SearchAttributeKeyKeyword, v, old string) {
		switch {
		case !all && v == old:
		case v == "":
			updates = append(updates, key.ValueUnset())
		default:
			updates = append(updates, key.ValueSet(v))
		}
	}
	keyword(SACampaign, a.campaign, was.campaign)
	keyword(SAState, a.state, was.state)
	keyword(SAOverdueLevel, a.level, was.level)
	keyword(SACategory, a.category, was.category)
	keyword(SADepartment, a.department, was.department)
	keyword(SAAssignee, a.assignee, was.assignee)
	switch {
	case !all && a.deadline.Equal(was.deadline):
	case a.deadline.IsZero():
		updates = append(updates, SADeadline.ValueUnset())
	default:
		updates = append(updates, SADeadline.ValueSet(a.deadline))
	}
	return updates
}

// monthsFromToday is the campaign-local date months after today.
func (r *opinionRun) monthsFromToday(ctx workflow.Context, months int) string {
	return addMonths(r.today(ctx), months)
}

// today is now's campaign-local date.
func (r *opinionRun) today(ctx workflow.Context) string {
	return workflow.Now(ctx).In(r.policy.Location()).Format(domain.DateLayout)
}

// addMonths is the date months after date (YYYY-MM-DD); a day the month lacks
// runs over into the next (01-31 plus one month is 03-03), as time.AddDate does.
func addMonths(date string, months int) string {
	d, err := time.Parse(domain.DateLayout, date)
	if err != nil {
		return date
	}
	return d.AddDate(0, months, 0).Format(domain.DateLayout)
}

// detail builds a timeline entry's detail from key/value pairs, leaving out empty values.
func detail(kv ...string) map[string]string {
	d := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			d[kv[i]] = kv[i+1]
		}
	}
	if len(d) == 0 {
		return nil
	}
	return d
}
