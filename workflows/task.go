package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/domain"
)

// TaskWorkflow is one task of a problem (任务清单): the opinion lifecycle from its
// assignment to its verification, kept as an Opinion record with its TaskPart. It
// starts assigned, as the office asked, and ends once its fix has passed
// verification, telling its problem.
func TaskWorkflow(ctx workflow.Context, in TaskInput) (OpinionResult, error) {
	now := workflow.Now(ctx)
	r := &opinionRun{policy: in.Policy, o: in.Task.Clone(), outbox: true, honest: true, longTerm: true}
	r.o.State, r.o.OverdueLevel, r.o.HighestLevel, r.o.CreatedAt, r.o.UpdatedAt = domain.StateCategorized, domain.LevelNone, domain.LevelNone, now, now
	if err := r.registerHandlers(ctx); err != nil {
		return OpinionResult{}, err
	}
	if err := r.change(ctx, domain.ActionAssign, in.Assign); err != nil {
		return OpinionResult{}, err
	}
	if err := r.project(ctx, false); err != nil {
		return OpinionResult{}, err
	}
	return r.serve(ctx)
}

// taskDone reports whether this is a task whose fix has passed verification.
func (r *opinionRun) taskDone() bool {
	return r.o.Task != nil && r.o.State == domain.StateClosed
}

// closeTask closes a task whose fix passed verification and tells its problem,
// waiting until the problem has the signal: the task's workflow ends right after.
func (r *opinionRun) closeTask(ctx workflow.Context, who, reason string) error {
	if err := r.close(ctx, who, domain.ActionVerify, reason, detail("pass", "true")); err != nil {
		return err
	}
	record := r.o.Clone()
	record.Timeline = nil
	sctx := workflow.WithRetryPolicy(ctx, temporal.RetryPolicy{MaximumInterval: time.Minute})
	return workflow.SignalExternalWorkflow(sctx, ProblemWorkflowID(r.o.Task.Problem), "", TaskClosedSignalName, TaskClosed{Task: record}).Get(ctx, nil)
}

// answer gives a grouped opinion its problem's answer: the lead task's people,
// every task's measures, and the tasks' record as its own (ProblemAnswer). It then
// awaits its own follow-up call (or closes, when the campaign asks for none); a
// dissatisfied call reopens it on its own, with the lead task's official.
func (r *opinionRun) answer(ctx workflow.Context, a ProblemAnswer) error {
	o := &r.o
	if o.State != domain.StateInProblem || o.Problem != a.Problem {
		return nil // left the problem meanwhile, or answered already
	}
	o.Department, o.Official, o.Leader = a.Department, a.Official, a.Leader
	o.Measures, o.Evidence, o.SubmittedBy, o.SubmittedLate, o.VerifiedBy, o.Signed = a.Measures, a.Evidence, a.SubmittedBy, a.Late, a.VerifiedBy, true
	o.Rounds = append(o.Rounds, a.Rounds...)
	o.ReworkCount += a.ReworkCount
	o.Extensions += a.Extensions
	o.LateExtensions += a.LateExtensions
	if a.HighestLevel.Rank() > o.HighestLevel.Rank() {
		o.HighestLevel, o.HighestLevelAt = a.HighestLevel, a.HighestLevelAt
	}
	o.Schedule = a.Schedule
	d := detail("problem", a.Problem, "department", a.Department, "official", a.Official, "tasks", a.Tasks)
	r.calledBack = false
	if r.policy.CallbackRequired {
		r.record(ctx, domain.SystemActor, domain.EventProblemResolved, domain.StateAwaitingCallback, "", d)
		r.notifyQueue(ctx, domain.EventProblemResolved, domain.RoleOffice)
	} else if err := r.close(ctx, domain.SystemActor, domain.EventProblemResolved, "", d); err != nil {
		return err
	}
	return r.project(ctx, false)
}
