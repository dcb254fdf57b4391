package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/domain"
)

// ProjectProblemActivityName writes a problem to the reporting store (a local
// activity, as an opinion's projection is).
const ProjectProblemActivityName = "rectify.ProjectProblem"

// problemRun is one execution of the Problem workflow.
type problemRun struct {
	p      domain.Problem
	policy domain.Policy
	// closed holds what each verified task reported, by task id.
	closed map[string]domain.Opinion
	// starting counts tasks whose workflow is being started: the problem does not
	// close while one is.
	starting int
	// projected is set once the reporting store has the problem.
	projected bool
}

// ProblemWorkflow is one problem's life: it takes opinions as they are grouped
// into it and tasks as the office makes them, and closes once every task has
// passed verification, answering each of its opinions. It stays a while after
// (the reopen window) to answer an opinion grouped into it at the last moment.
func ProblemWorkflow(ctx workflow.Context, in ProblemInput) (domain.ProblemState, error) {
	r := &problemRun{p: in.Problem.Clone(), policy: in.Policy, closed: map[string]domain.Opinion{}}
	now := workflow.Now(ctx)
	r.p.State, r.p.CreatedAt, r.p.UpdatedAt = domain.ProblemOpen, now, now
	r.p.Opinions, r.p.Tasks = []string{}, []domain.TaskSummary{}
	r.record(ctx, in.Problem.CreatedBy, "create", detail("title", in.Problem.Title))
	if err := workflow.SetQueryHandler(ctx, ProblemQueryName, func() (domain.Problem, error) { return r.p.Clone(), nil }); err != nil {
		return "", err
	}
	// receive answers once the problem has reached the reporting store, so the
	// office's request that made it can show it.
	if err := workflow.SetUpdateHandler(ctx, ReceiveUpdateName, func(ctx workflow.Context) (int, error) {
		err := workflow.Await(ctx, func() bool { return r.projected })
		return r.p.Revision, err
	}); err != nil {
		return "", err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, AddTaskUpdateName, r.addTask,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req AddTaskRequest) error {
			return r.checkTask(workflow.Now(ctx), req)
		}}); err != nil {
		return "", err
	}
	if err := r.project(ctx); err != nil {
		return "", err
	}
	r.projected = true
	joined := workflow.GetSignalChannel(ctx, OpinionJoinedSignalName)
	closed := workflow.GetSignalChannel(ctx, TaskClosedSignalName)
	quiet := false
	for !quiet {
		var err error
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(joined, func(c workflow.ReceiveChannel, _ bool) {
			var id string
			c.Receive(ctx, &id)
			err = r.join(ctx, id)
		})
		sel.AddReceive(closed, func(c workflow.ReceiveChannel, _ bool) {
			var tc TaskClosed
			c.Receive(ctx, &tc)
			err = r.taskClosed(ctx, tc)
		})
		if r.p.State == domain.ProblemClosed {
			window := time.Duration(max(r.policy.ReopenWindowDays, 1)) * 24 * time.Hour
			sel.AddFuture(workflow.NewTimer(ctx, window), func(workflow.Future) { quiet = true })
		}
		sel.Select(ctx)
		if err != nil {
			return "", err
		}
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return "", err
	}
	return r.p.State, nil
}

// checkTask is the add-task validator: the office, an open problem, the units,
// and the assignment as a task's first action would be checked.
func (r *problemRun) checkTask(now time.Time, req AddTaskRequest) error {
	if err := domain.CheckAddTask(&r.p, r.starting, req.Assign.Actor); err != nil {
		return err
	}
	policy := domain.EffectivePolicy(r.policy, req.Assign)
	if err := domain.CheckTaskUnits(policy, req.Assign.Body.Department, req.CoUnits); err != nil {
		return err
	}
	t := r.newTask("", req, now)
	return domain.Check(&t, policy, domain.ActionAssign, req.Assign, now, true)
}

// newTask is the record a task starts from, before its assignment.
func (r *problemRun) newTask(id string, req AddTaskRequest, now time.Time) domain.Opinion {
	policy := domain.EffectivePolicy(r.policy, req.Assign)
	return domain.Opinion{
		ID: id, CampaignID: r.p.CampaignID, Key: id, Content: r.p.Title, Category: r.p.Category,
		CollectedAt: now.In(policy.Location()).Format(domain.DateLayout), State: domain.StateCategorized,
		Task: &domain.TaskPart{Problem: r.p.ID, ProblemTitle: r.p.Title, CoUnits: slices.Clone(req.CoUnits)},
	}
}

// addTask starts the task's workflow and lists it once Temporal has started it.
func (r *problemRun) addTask(ctx workflow.Context, req AddTaskRequest) (AddTaskResult, error) {
	// Re-check: another task may have been added, or the problem closed, since validation.
	if err := r.checkTask(workflow.Now(ctx), req); err != nil {
		return AddTaskResult{}, err
	}
	id := domain.TaskID(r.p.ID, len(r.p.Tasks)+r.starting+1)
	r.starting++
	defer func() { r.starting-- }()
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        TaskWorkflowID(id),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	in := TaskInput{Task: r.newTask(id, req, workflow.Now(ctx)), Policy: domain.EffectivePolicy(r.policy, req.Assign), Assign: req.Assign}
	if err := workflow.ExecuteChildWorkflow(cctx, TaskWorkflowName, in).GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		r.starting--
		closeErr := r.closeIfDone(ctx)
		r.starting++
		if closeErr != nil {
			return AddTaskResult{}, closeErr
		}
		return AddTaskResult{}, temporal.NewApplicationError(fmt.Sprintf("task %s did not start: %v", id, err), "TaskNotStarted")
	}
	b := req.Assign.Body
	r.p.Tasks = append(r.p.Tasks, domain.TaskSummary{ID: id, Lead: b.Department, CoUnits: slices.Clone(req.CoUnits),
		Official: b.Official, Leader: b.Leader, Measures: b.Measures})
	r.record(ctx, req.Assign.Actor.Username, "add-task", detail("task", id, "lead", b.Department, "co_units", strings.Join(req.CoUnits, "、")))
	return AddTaskResult{Task: id, Revision: r.p.Revision}, r.project(ctx)
}

// join lists an opinion grouped into the problem; a closed problem answers it at once.
func (r *problemRun) join(ctx workflow.Context, id string) error {
	if !slices.Contains(r.p.Opinions, id) {
		r.p.Opinions = append(r.p.Opinions, id)
		r.record(ctx, domain.SystemActor, "opinion-joined", detail("opinion", id))
	}
	if r.p.State == domain.ProblemClosed {
		r.answer(ctx, id)
	}
	return r.project(ctx)
}

// taskClosed marks a task verified and closes the problem when it was the last.
func (r *problemRun) taskClosed(ctx workflow.Context, tc TaskClosed) error {
	t := tc.Task
	i := slices.IndexFunc(r.p.Tasks, func(s domain.TaskSummary) bool { return s.ID == t.ID })
	if i < 0 || r.p.Tasks[i].Closed {
		return nil
	}
	r.p.Tasks[i].Closed, r.p.Tasks[i].Late, r.p.Tasks[i].Measures = true, !t.OnTime, t.Measures
	r.closed[t.ID] = t
	r.record(ctx, domain.SystemActor, "task-closed", detail("task", t.ID))
	if err := r.project(ctx); err != nil {
		return err
	}
	return r.closeIfDone(ctx)
}

// closeIfDone closes the problem once it has tasks, all verified, and none being
// started: the store has it closed first, then each of its opinions is answered.
func (r *problemRun) closeIfDone(ctx workflow.Context) error {
	if r.p.State != domain.ProblemOpen || len(r.p.Tasks) == 0 || r.p.Open() > 0 || r.starting > 0 {
		return nil
	}
	r.p.State, r.p.ClosedAt = domain.ProblemClosed, workflow.Now(ctx)
	r.record(ctx, domain.SystemActor, "close", detail("opinions", fmt.Sprint(len(r.p.Opinions))))
	if err := r.project(ctx); err != nil {
		return err
	}
	for _, id := range r.p.Opinions {
		r.answer(ctx, id)
	}
	return nil
}

// answer tells an opinion that its problem is resolved, with what was done and
// the tasks' record (ProblemAnswer).
func (r *problemRun) answer(ctx workflow.Context, opinion string) {
	lead := r.p.Tasks[0]
	a := ProblemAnswer{Problem: r.p.ID, Department: lead.Lead, Official: lead.Official, Leader: lead.Leader, Rounds: []domain.Round{}}
	var ids, measures, evidence []string
	var lastSubmitted time.Time
	for _, s := range r.p.Tasks {
		t := r.closed[s.ID]
		ids = append(ids, s.ID)
		measures = append(measures, fmt.Sprintf("【%s】%s", s.Lead, t.Measures))
		if t.Evidence != "" {
			evidence = append(evidence, fmt.Sprintf("【%s】%s", s.Lead, t.Evidence))
		}
		for _, round := range t.Rounds {
			round.Measures = fmt.Sprintf("【%s】%s", s.Lead, round.Measures)
			a.Rounds = append(a.Rounds, round)
			if round.SubmittedAt.After(lastSubmitted) {
				lastSubmitted, a.SubmittedBy, a.VerifiedBy = round.SubmittedAt, round.SubmittedBy, round.VerifiedBy
			}
		}
		a.Late = a.Late || !t.OnTime
		a.ReworkCount += t.ReworkCount
		a.Extensions += t.Extensions
		a.LateExtensions += t.LateExtensions
		if t.HighestLevel.Rank() > a.HighestLevel.Rank() {
			a.HighestLevel, a.HighestLevelAt = t.HighestLevel, t.HighestLevelAt
		}
		if t.Schedule.Deadline > a.Schedule.Deadline {
			a.Schedule = t.Schedule
		}
	}
	slices.SortStableFunc(a.Rounds, func(x, y domain.Round) int { return x.SubmittedAt.Compare(y.SubmittedAt) })
	a.Tasks, a.Measures, a.Evidence = strings.Join(ids, ","), strings.Join(measures, "\n"), strings.Join(evidence, "\n")
	sctx := workflow.WithRetryPolicy(ctx, temporal.RetryPolicy{MaximumInterval: time.Minute, MaximumAttempts: 10})
	if err := workflow.SignalExternalWorkflow(sctx, OpinionWorkflowID(opinion), "", ProblemResolvedSignalName, a).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("opinion not answered", "opinion", opinion, "error", err)
	}
}

func (r *problemRun) record(ctx workflow.Context, actor string, action domain.Action, d map[string]string) {
	now := workflow.Now(ctx)
	r.p.Revision++
	r.p.UpdatedAt = now
	r.p.Timeline = append(r.p.Timeline, domain.Event{Seq: len(r.p.Timeline) + 1, At: now, Actor: actor, Action: action, Detail: d})
}

// project writes the problem to the reporting store, retrying without limit.
func (r *problemRun) project(ctx workflow.Context) error {
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 30 * time.Second},
	})
	return workflow.ExecuteLocalActivity(lctx, ProjectProblemActivityName, r.p.Clone()).Get(ctx, nil)
}
