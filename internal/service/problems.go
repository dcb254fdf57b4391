package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/text"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// ProblemRequest groups opinions into a new problem (问题清单). Key makes the
// request safe to send again: the same key names the same problem. Category is
// the problem's; empty, the category most of its opinions have.
type ProblemRequest struct {
	Key      string   `json:"key,omitempty"`
	Title    string   `json:"title"`
	Category string   `json:"category,omitempty"`
	Opinions []string `json:"opinions"`
}

// GroupResult is what became of one opinion of a problem request.
type GroupResult struct {
	ID     string       `json:"id"`
	Status int          `json:"status"`
	Error  *ResultError `json:"error,omitempty"`
}

// TaskRequest makes a task of a problem (任务清单): its lead unit, co-units,
// responsible official and leader, measures and deadline (empty: the category's
// working days).
type TaskRequest struct {
	Lead     string   `json:"lead"`
	CoUnits  []string `json:"co_units,omitempty"`
	Official string   `json:"official"`
	Leader   string   `json:"leader"`
	Measures string   `json:"measures,omitempty"`
	Deadline string   `json:"deadline,omitempty"`
}

// ProblemView is a problem with its tasks and opinions as they stand, each shown
// as the viewer may see it (OpinionView: personal data for the office only).
type ProblemView struct {
	domain.Problem
	TaskRecords    []OpinionView `json:"task_records"`
	OpinionRecords []OpinionView `json:"opinion_records"`
}

// CreateProblem groups opinions of one campaign into a new problem: every
// opinion is checked first (it exists in the campaign, it may be grouped, the
// office groups it) and nothing starts unless all pass; then the problem starts
// and each opinion joins it. Grouping is the office's (CampaignWork).
func (s *Service) CreateProblem(ctx context.Context, u user.User, c campaign.Campaign, req ProblemRequest) (ProblemView, []GroupResult, error) {
	if err := CampaignWork.CheckIn(u, c.ID); err != nil {
		return ProblemView{}, nil, err
	}
	req.Title = text.Clean(req.Title)
	if err := domain.CheckProblem(req.Title); err != nil {
		return ProblemView{}, nil, ruleError(err)
	}
	if len(req.Opinions) == 0 {
		return ProblemView{}, nil, Refuse(http.StatusUnprocessableEntity, "opinions_required", "api.problem_opinions_required")
	}
	if len(req.Opinions) > domain.MaxProblemOpinions {
		return ProblemView{}, nil, Refuse(http.StatusUnprocessableEntity, "opinions_too_many", "api.problem_opinions_too_many", len(req.Opinions), domain.MaxProblemOpinions)
	}
	opinions := make([]domain.Opinion, len(req.Opinions))
	seen := map[string]bool{}
	for i, id := range req.Opinions {
		if seen[id] {
			return ProblemView{}, nil, Refuse(http.StatusUnprocessableEntity, "invalid_opinions", "api.problem_opinion_twice", i, id)
		}
		seen[id] = true
		o, err := s.store.Opinion(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (o.CampaignID != c.ID || o.Task != nil)) {
			return ProblemView{}, nil, Refuse(http.StatusUnprocessableEntity, "invalid_opinions", "api.problem_opinion_unknown", i, id, c.ID)
		}
		if err != nil {
			return ProblemView{}, nil, err
		}
		if err := domain.Permitted(&o, domain.ActionGroup, u.Actor()); err != nil {
			var e *Error
			if !errors.As(actionError(domain.ActionGroup, err), &e) {
				return ProblemView{}, nil, err
			}
			named := *e
			named.Message = fmt.Sprintf("opinions[%d] (%s): %s", i, o.Key, e.Message)
			return ProblemView{}, nil, &named
		}
		opinions[i] = o
	}
	category, err := problemCategory(c.Policy, req.Category, opinions)
	if err != nil {
		return ProblemView{}, nil, err
	}
	key := req.Key
	if key == "" {
		key = uuid.NewString()
	}
	p := domain.Problem{ID: domain.ProblemID(c.ID, key), CampaignID: c.ID, Title: req.Title, Category: category, CreatedBy: u.Username}
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.ProblemWorkflowID(p.ID), TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.ProblemWorkflowName, workflows.ProblemInput{Problem: p, Policy: actionPolicy(c.Policy)})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return ProblemView{}, nil, err
	}
	// Wait until the problem's workflow has written it to the store.
	if err := s.received(ctx, workflows.ProblemWorkflowID(p.ID)); err != nil {
		return ProblemView{}, nil, err
	}
	policy := actionPolicy(c.Policy)
	results := make([]GroupResult, len(opinions))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, o := range opinions {
		g.Go(func() error {
			results[i] = GroupResult{ID: o.ID, Status: http.StatusOK}
			body := domain.ActionBody{Problem: p.ID, Category: p.Category}
			r := domain.ActionRequest{Actor: u.Actor(), Body: body, Policy: &policy}
			if _, err := s.sendAction(gctx, o.ID, domain.ActionGroup, r, "group-"+p.ID); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					return err
				}
				results[i].Status, results[i].Error = e.Status, resultError(e)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return ProblemView{}, results, err
	}
	v, err := s.problemView(ctx, u, c, p.ID)
	return v, results, err
}

// problemCategory is the category named, or else the one most of the opinions
// have (the first of them in a tie).
func problemCategory(p domain.Policy, named string, opinions []domain.Opinion) (string, error) {
	if named != "" {
		if r := campaign.ResolveCategory(p, named); (r.Match == campaign.ByName || r.Match == campaign.ByAlias) && !r.Retired {
			return r.Value, nil
		}
		return "", Refuse(http.StatusUnprocessableEntity, "invalid_category", "api.unknown_category", named)
	}
	count := map[string]int{}
	best := ""
	for _, o := range opinions {
		if o.Category == "" {
			continue
		}
		count[o.Category]++
		if best == "" || count[o.Category] > count[best] {
			best = o.Category
		}
	}
	if best == "" {
		return "", Refuse(http.StatusUnprocessableEntity, "category_required", "api.problem_category_required")
	}
	return best, nil
}

// AddTask makes a task of a problem and waits until the reporting store has it.
// Everything the task's first assignment needs is checked before it is sent: the
// people, the units, the date's working day, and the workflow's own validator.
func (s *Service) AddTask(ctx context.Context, u user.User, problemID string, req TaskRequest) (domain.Opinion, error) {
	if err := CampaignWork.Check(u); err != nil {
		return domain.Opinion{}, err
	}
	p, err := s.Problem(ctx, u, problemID)
	if err != nil {
		return domain.Opinion{}, err
	}
	c, err := s.campaign(ctx, p.CampaignID)
	if err != nil {
		return domain.Opinion{}, err
	}
	for _, check := range []func() error{
		func() error { return s.checkPerson("official", req.Official, domain.RoleOfficial) },
		func() error { return s.checkPerson("leader", req.Leader, domain.RoleLeader) },
	} {
		if err := check(); err != nil {
			return domain.Opinion{}, err
		}
	}
	lead := req.Lead
	if r := campaign.ResolveDepartment(c.Policy, lead); r.Match == campaign.ByName || r.Match == campaign.ByAlias {
		lead = r.Value
	}
	coUnits := make([]string, len(req.CoUnits))
	for i, unit := range req.CoUnits {
		coUnits[i] = strings.TrimSpace(unit)
		if r := campaign.ResolveDepartment(c.Policy, coUnits[i]); r.Match == campaign.ByName || r.Match == campaign.ByAlias {
			coUnits[i] = r.Value
		}
	}
	policy := actionPolicy(c.Policy)
	assign := domain.ActionRequest{Actor: u.Actor(), Policy: &policy, Body: cleanBody(domain.ActionBody{
		Department: lead, Official: req.Official, Leader: req.Leader, Measures: req.Measures, Deadline: req.Deadline})}
	if err := domain.CheckTaskUnits(policy, lead, coUnits); err != nil {
		return domain.Opinion{}, ruleError(err)
	}
	if assign.Body.Deadline != "" {
		draft := domain.Opinion{CampaignID: p.CampaignID, Category: p.Category, State: domain.StateCategorized,
			CollectedAt: s.today(policy).Format(domain.DateLayout), Task: &domain.TaskPart{Problem: p.ID}}
		if err := s.checkWorkingDays(draft, domain.ActionAssign, assign); err != nil {
			return domain.Opinion{}, err
		}
	}
	var res workflows.AddTaskResult
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ProblemWorkflowID(p.ID), UpdateName: workflows.AddTaskUpdateName,
		Args: []any{workflows.AddTaskRequest{Assign: assign, CoUnits: coUnits}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, &res)
	}
	if err != nil {
		return domain.Opinion{}, actionError("add a task", err)
	}
	// The task's workflow has started; wait until it has written the task.
	if err := s.received(ctx, workflows.TaskWorkflowID(res.Task)); err != nil {
		return domain.Opinion{}, err
	}
	return s.store.Opinion(ctx, res.Task)
}

// received waits until the workflow has written its record to the store: the
// receive Update answers once it has (sent again, it answers again).
func (s *Service) received(ctx context.Context, workflowID string) error {
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateID: workflows.ReceiveUpdateID,
		UpdateName: workflows.ReceiveUpdateName, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	return err
}

// Problem is the problem id, for u: the office, leaders and verifiers see every
// problem; an official, one with a task of theirs or their department's.
func (s *Service) Problem(ctx context.Context, u user.User, id string) (domain.Problem, error) {
	p, err := s.store.Problem(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return p, Refuse(http.StatusNotFound, "problem_not_found", "api.no_such", i18n.M("api.noun.problem"), id)
	}
	if err != nil {
		return p, err
	}
	if err := scopedOut(u, p.CampaignID); err != nil {
		return p, err
	}
	if u.Has(domain.RoleOffice) || u.Has(domain.RoleLeader) || u.Has(domain.RoleVerifier) {
		return p, nil
	}
	for _, t := range p.Tasks {
		if t.Official == u.Username || (u.Department != "" && (t.Lead == u.Department || slices.Contains(t.CoUnits, u.Department))) {
			return p, nil
		}
	}
	return p, forbidden("api.problem_not_yours")
}

// ProblemView is the problem id with its tasks and opinions, for u.
func (s *Service) ProblemView(ctx context.Context, u user.User, id string) (ProblemView, error) {
	p, err := s.Problem(ctx, u, id)
	if err != nil {
		return ProblemView{}, err
	}
	c, err := s.campaign(ctx, p.CampaignID)
	if err != nil {
		return ProblemView{}, err
	}
	return s.problemView(ctx, u, c, id)
}

func (s *Service) problemView(ctx context.Context, u user.User, c campaign.Campaign, id string) (ProblemView, error) {
	p, err := s.store.Problem(ctx, id)
	if err != nil {
		return ProblemView{}, err
	}
	v := ProblemView{Problem: p, TaskRecords: []OpinionView{}, OpinionRecords: []OpinionView{}}
	tasks, err := s.store.Tasks(ctx, store.TaskFilter{Problem: id})
	if err != nil {
		return v, err
	}
	slices.SortFunc(tasks, func(a, b domain.Opinion) int { return strings.Compare(a.ID, b.ID) })
	for _, t := range tasks {
		v.TaskRecords = append(v.TaskRecords, s.view(t, u, c.Policy))
	}
	for _, oid := range p.Opinions {
		o, err := s.store.Opinion(ctx, oid)
		if err != nil {
			return v, err
		}
		o.Timeline = nil
		v.OpinionRecords = append(v.OpinionRecords, s.view(o, u, c.Policy))
	}
	return v, nil
}

// Problems lists a campaign's problems for the office, leaders and verifiers.
func (s *Service) Problems(ctx context.Context, u user.User, campaignID string) ([]domain.Problem, error) {
	if err := (Rule{domain.RoleOffice, domain.RoleLeader, domain.RoleVerifier}).CheckIn(u, campaignID); err != nil {
		return nil, err
	}
	if _, err := s.campaign(ctx, campaignID); err != nil {
		return nil, err
	}
	return s.store.Problems(ctx, campaignID)
}

// Tasks lists the tasks a filter selects, for u: the office, leaders and
// verifiers see any; an official, those of their own unit as lead (Lead their
// department) or else their own.
func (s *Service) Tasks(ctx context.Context, u user.User, f TaskFilter) ([]OpinionView, error) {
	if !(Rule{domain.RoleOffice, domain.RoleLeader, domain.RoleVerifier}).Allows(u) {
		if f.Lead == "" || f.Lead != u.Department {
			f.Official = u.Username
		}
	}
	tasks, err := s.store.Tasks(ctx, f)
	if err != nil {
		return nil, err
	}
	// A scoped role sees the tasks of its campaigns and departments only.
	tasks = slices.DeleteFunc(tasks, func(t domain.Opinion) bool { return !canSee(u, t) })
	views := make([]OpinionView, len(tasks))
	policies := map[string]domain.Policy{} // a list's tasks are mostly of one campaign: read it once
	for i, t := range tasks {
		p, ok := policies[t.CampaignID]
		if !ok {
			c, err := s.campaign(ctx, t.CampaignID)
			if err != nil {
				return nil, err
			}
			p, policies[t.CampaignID] = c.Policy, c.Policy
		}
		views[i] = s.view(t, u, p)
	}
	return views, nil
}

// TaskFilter selects tasks (store.TaskFilter).
type TaskFilter = store.TaskFilter

// ruleError turns a domain rule's refusal into the service's error.
func ruleError(err error) error {
	return actionError("", err)
}
