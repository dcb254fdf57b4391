package api

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// OpinionView is an opinion as the API shows it: its state, deadline with the
// calendar's explanation, overdue level, and (in detail) the whole timeline.
type OpinionView struct {
	ID                  string              `json:"id"`
	CampaignID          string              `json:"campaign_id"`
	Key                 string              `json:"key"`
	Content             string              `json:"content"`
	Channel             string              `json:"channel"`
	CollectedAt         string              `json:"collected_at"`
	Submitter           string              `json:"submitter,omitempty"`
	Phone               string              `json:"phone,omitempty"`
	Target              string              `json:"target,omitempty"`
	Extra               map[string]string   `json:"extra,omitempty"`
	State               domain.State        `json:"state"`
	SuggestedCategory   string              `json:"suggested_category,omitempty"`
	Category            string              `json:"category,omitempty"`
	Department          string              `json:"department,omitempty"`
	Official            string              `json:"official,omitempty"`
	Leader              string              `json:"leader,omitempty"`
	Measures            string              `json:"measures,omitempty"`
	Evidence            string              `json:"evidence,omitempty"`
	Deadline            string              `json:"deadline,omitempty"`
	DeadlineExplanation string              `json:"deadline_explanation,omitempty"`
	SignBy              string              `json:"sign_by,omitempty"`
	Signed              bool                `json:"signed"`
	WorkingDaysLeft     *int                `json:"working_days_left,omitempty"`
	OverdueLevel        domain.OverdueLevel `json:"overdue_level"`
	Extensions          int                 `json:"extensions"`
	PendingExtension    *domain.Extension   `json:"pending_extension,omitempty"`
	ReworkCount         int                 `json:"rework_count"`
	Reopens             int                 `json:"reopens"`
	SubmittedBy         string              `json:"submitted_by,omitempty"`
	VerifiedBy          string              `json:"verified_by,omitempty"`
	Satisfaction        string              `json:"satisfaction,omitempty"`
	MergedInto          string              `json:"merged_into,omitempty"`
	OnTime              *bool               `json:"on_time,omitempty"`
	// HighestLevel is the highest rung the opinion ever reached, kept for good, and
	// HighestLevelAt when it got there (absent for opinions begun before it was kept).
	HighestLevel   domain.OverdueLevel `json:"highest_level,omitempty"`
	HighestLevelAt *time.Time          `json:"highest_level_at,omitempty"`
	// LateExtensions counts the extensions approved after the deadline they replaced
	// had passed.
	LateExtensions int `json:"late_extensions"`
	// Rounds are every fix submitted and what verification made of it; Callbacks
	// every follow-up call, the first after each closure marked.
	Rounds    []domain.Round    `json:"rounds"`
	Callbacks []domain.Callback `json:"callbacks"`
	// WorkingDaysToClose is the working days from receipt to closure (closed only).
	WorkingDaysToClose *int           `json:"working_days_to_close,omitempty"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
	ClosedAt           *time.Time     `json:"closed_at,omitempty"`
	Revision           int            `json:"revision"`
	WorkflowID         string         `json:"workflow_id"`
	WorkflowURL        string         `json:"workflow_url,omitempty"`
	Timeline           []domain.Event `json:"timeline,omitempty"`
	// WrittenDepartment and WrittenCategory are routing hints the campaign did not
	// know, as written; SuggestedDepartment (and SuggestedCategory) is then the
	// known value triage pre-selects: the one an alias names, or the closest.
	WrittenDepartment   string `json:"written_department,omitempty"`
	WrittenCategory     string `json:"written_category,omitempty"`
	SuggestedDepartment string `json:"suggested_department,omitempty"`
}

// view shapes an opinion for u: citizens' names and phones only for the office, and
// so the columns of an imported ledger rectify has no field for (Extra), kept as
// written: besides 序号 or 备注 they often hold a contact (联系人, 手机号码).
func (s *Service) view(o domain.Opinion, u user.User, p domain.Policy) OpinionView {
	v := OpinionView{
		ID: o.ID, CampaignID: o.CampaignID, Key: o.Key, Content: o.Content, Channel: o.Channel,
		CollectedAt: o.CollectedAt, Target: o.Target, State: o.State,
		SuggestedCategory: o.SuggestedCategory, Category: o.Category, Department: o.Department,
		Official: o.Official, Leader: o.Leader, Measures: o.Measures, Evidence: o.Evidence,
		Deadline: o.Schedule.Deadline, DeadlineExplanation: o.Schedule.Explanation, Signed: o.Signed,
		OverdueLevel: o.OverdueLevel, Extensions: o.Extensions, PendingExtension: o.PendingExtension,
		ReworkCount: o.ReworkCount, Reopens: o.Reopens, SubmittedBy: o.SubmittedBy, VerifiedBy: o.VerifiedBy,
		Satisfaction: o.Satisfaction, MergedInto: o.MergedInto, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		Revision: o.Revision, WorkflowID: workflows.OpinionWorkflowID(o.ID), Timeline: o.Timeline,
		HighestLevel: o.HighestLevel, LateExtensions: o.LateExtensions, Rounds: o.Rounds, Callbacks: o.Callbacks,
	}
	if v.Rounds == nil {
		v.Rounds = []domain.Round{}
	}
	if v.Callbacks == nil {
		v.Callbacks = []domain.Callback{}
	}
	if !o.HighestLevelAt.IsZero() {
		at := o.HighestLevelAt
		v.HighestLevelAt = &at
	}
	if u.Has(domain.RoleOffice) {
		v.Submitter, v.Phone, v.Extra = o.Submitter, o.Phone, o.Extra
	}
	routingHints(&v, o, p)
	if !o.Schedule.SignBy.IsZero() && !o.Signed {
		v.SignBy = o.Schedule.SignBy.In(p.Location()).AddDate(0, 0, -1).Format(domain.DateLayout)
	}
	if o.Schedule.Deadline != "" && (o.State == domain.StateAssigned || o.State == domain.StateInProgress) {
		if d, err := time.ParseInLocation(domain.DateLayout, o.Schedule.Deadline, p.Location()); err == nil {
			left := s.Calendar.WorkdaysBetween(s.today(p), d)
			v.WorkingDaysLeft = &left
		}
	}
	if o.State == domain.StateClosed {
		onTime, closed := o.OnTime, o.ClosedAt
		v.OnTime, v.ClosedAt = &onTime, &closed
		if o.HighestLevel != "" { // kept since the honest record began
			days := o.WorkingDaysToClose
			v.WorkingDaysToClose = &days
		}
	}
	if s.TemporalUIURL != "" {
		v.WorkflowURL = s.TemporalUIURL + "/namespaces/" + url.PathEscape(s.Namespace) + "/workflows/" + url.PathEscape(v.WorkflowID)
	}
	return v
}

// canSee reports whether u may see the opinion: the office, leaders and verifiers
// see the whole ledger; an official sees their own items and their department's.
func canSee(u user.User, o domain.Opinion) bool {
	if u.Has(domain.RoleOffice) || u.Has(domain.RoleLeader) || u.Has(domain.RoleVerifier) {
		return true
	}
	if o.Official == u.Username || (u.Department != "" && o.Department == u.Department) {
		return true
	}
	for _, e := range o.Timeline {
		if e.Actor == u.Username {
			return true
		}
	}
	return false
}

func (s *Service) opinion(ctx context.Context, id string, u user.User) (domain.Opinion, error) {
	o, err := s.Store.Opinion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return o, errorf(http.StatusNotFound, "opinion_not_found", "no opinion with id %q", id)
	}
	if err != nil {
		return o, err
	}
	if !canSee(u, o) {
		return o, forbidden("this opinion is neither assigned to you nor to your department")
	}
	return o, nil
}

func (s *Service) getOpinion(r *http.Request, u user.User) (int, any, error) {
	o, err := s.opinion(r.Context(), r.PathValue("id"), u)
	if err != nil {
		return 0, nil, err
	}
	v, err := s.OpinionView(r.Context(), u, o)
	if err != nil {
		return 0, nil, err
	}
	s.auditViews(r.Context(), u, v)
	return http.StatusOK, v, nil
}

// SubmittedView is the answer to a submitted opinion: the opinion as GET shows it,
// and the routing hints it was accepted with that the campaign did not know.
type SubmittedView struct {
	OpinionView
	Warnings []WarningView `json:"warnings"`
}

func (s *Service) submitOpinion(r *http.Request, u user.User) (int, any, error) {
	if err := CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in intake.Opinion
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	res, err := s.Submit(r.Context(), u, c, in)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return status, SubmittedView{OpinionView: s.view(res.Opinion, u, c.Policy), Warnings: warningViews(res.Warnings, res.Input, c.Policy)}, nil
}

// Submitted is what became of a submitted opinion.
type Submitted struct {
	Opinion domain.Opinion
	// Created is false when the opinion was already there (same key).
	Created bool
	// Warnings are the routing hints it was accepted with that the campaign did not
	// know; Input is the opinion as intake read it.
	Warnings []intake.Warning
	Input    intake.Opinion
}

// SubmitOpinion starts an opinion's workflow and waits until the reporting store has
// it. Submitting the same opinion again (same key, same content, channel, date,
// submitter and phone) returns it with created false; a key that belongs to an
// opinion saying something else is a 409 key_conflict naming that opinion.
func (s *Service) SubmitOpinion(ctx context.Context, u user.User, c campaign.Campaign, in intake.Opinion) (domain.Opinion, bool, error) {
	res, err := s.Submit(ctx, u, c, in)
	return res.Opinion, res.Created, err
}

// Submit is SubmitOpinion with the warnings intake gave.
func (s *Service) Submit(ctx context.Context, u user.User, c campaign.Campaign, in intake.Opinion) (Submitted, error) {
	warnings, err := intake.Normalize(&in, c, s.today(c.Policy).Format(domain.DateLayout))
	if err != nil {
		var fe *intake.FieldError
		if errors.As(err, &fe) {
			return Submitted{}, errorf(http.StatusUnprocessableEntity, "invalid_"+fe.Field, "%v", err)
		}
		return Submitted{}, err
	}
	res := Submitted{Warnings: warnings, Input: in}
	input := intake.Input(c, in, u.Username, "")
	id := input.OpinionID
	if existing, err := s.Store.Opinion(ctx, id); err == nil {
		if err := keyConflict(input, existing); err != nil {
			return Submitted{}, err
		}
		res.Opinion = existing
		return res, nil
	}
	started, err := intake.StartNow(ctx, s.Temporal, input)
	if err != nil {
		return res, err
	}
	if started {
		// Wait until the workflow has written the opinion to the store.
		handle, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.OpinionWorkflowID(id), UpdateID: workflows.ReceiveUpdateID,
			UpdateName: workflows.ReceiveUpdateName, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return res, err
		}
		if err := handle.Get(ctx, nil); err != nil {
			return res, err
		}
	}
	o, err := s.Store.Opinion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return res, errorf(http.StatusConflict, "opinion_pending", "this opinion was just submitted by someone else and is still being recorded; try again in a moment")
	}
	if err != nil {
		return res, err
	}
	if !started {
		if err := keyConflict(input, o); err != nil {
			return Submitted{}, err
		}
	}
	res.Opinion, res.Created = o, started
	return res, nil
}

// keyConflict is the 409 for an opinion whose key belongs to existing, an opinion
// that says something else; nil when they are the same opinion.
func keyConflict(in workflows.OpinionInput, existing domain.Opinion) error {
	diff := intake.InputIdentity(in).Differences(intake.OpinionIdentity(existing))
	if len(diff) == 0 {
		return nil
	}
	return errorf(http.StatusConflict, "key_conflict", "%v", &intake.KeyConflict{Key: in.Key, Existing: existing.ID, Fields: diff})
}

// listParams are the parameters of GET /api/v1/opinions, each with what its value
// does to the list's filter. Any other parameter is refused (422 unknown_parameter):
// a misspelt filter must not answer with everything. A new filter is one line here.
var listParams = map[string]func(f *store.Filter, value string, u user.User) error{
	"campaign":   func(f *store.Filter, v string, _ user.User) error { f.CampaignID = v; return nil },
	"state":      func(f *store.Filter, v string, _ user.User) error { return stateFilter(f, v) },
	"category":   func(f *store.Filter, v string, _ user.User) error { f.Category = v; return nil },
	"department": func(f *store.Filter, v string, _ user.User) error { f.Department = v; return nil },
	"assignee":   func(f *store.Filter, v string, u user.User) error { f.Official = meOr(v, u); return nil },
	"leader":     func(f *store.Filter, v string, u user.User) error { f.Leader = meOr(v, u); return nil },
	"overdue":    func(f *store.Filter, v string, _ user.User) error { return overdueFilter(f, v) },
	"limit": func(f *store.Filter, v string, _ user.User) (err error) {
		if v != "" {
			f.Limit, err = intValue("limit", v, 1, 500)
		}
		return err
	},
	"page_token": func(f *store.Filter, v string, _ user.User) (err error) {
		if v != "" {
			f.Offset, err = intValue("page_token", v, 0, 1<<30)
		}
		return err
	},
}

// meOr is a username parameter's value: "me" is the caller.
func meOr(v string, u user.User) string {
	if v == "me" {
		return u.Username
	}
	return v
}

func stateFilter(f *store.Filter, v string) error {
	f.State = domain.State(v)
	if f.State != "" && !validState(f.State) {
		return errorf(http.StatusUnprocessableEntity, "invalid_state", "state %q is not one of the opinion states", f.State)
	}
	return nil
}

func overdueFilter(f *store.Filter, v string) error {
	switch v {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return errorf(http.StatusUnprocessableEntity, "invalid_overdue", "overdue must be true or false")
	}
	return nil
}

// listFilter reads the list's query into a filter, refusing any parameter the list
// does not take, and any taken twice.
func listFilter(q url.Values, u user.User) (store.Filter, error) {
	f := store.Filter{Limit: 50}
	err := readParams(q, listParams, &f, u)
	return f, err
}

// readParams applies a list's query to its filter f, each parameter through its
// entry in params: a parameter the list does not take is refused naming the ones it
// does (a misspelt filter must not answer with everything), and so is one given twice.
func readParams[F any](q url.Values, params map[string]func(f *F, value string, u user.User) error, f *F, u user.User) error {
	if err := onlyParams(q, slices.Collect(maps.Keys(params))...); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if err := params[name](f, q.Get(name), u); err != nil {
			return err
		}
	}
	return nil
}

// onlyParams refuses a query parameter the endpoint does not take (422
// unknown_parameter: a misspelt one must not answer with everything) and one given
// more than once.
func onlyParams(q url.Values, takes ...string) error {
	slices.Sort(takes)
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(takes, name) {
			if len(takes) == 0 {
				return errorf(http.StatusUnprocessableEntity, "unknown_parameter", "this takes no parameter, not %q", name)
			}
			return errorf(http.StatusUnprocessableEntity, "unknown_parameter", "there is no parameter %q here; it takes %s",
				name, strings.Join(takes, ", "))
		}
		if len(q[name]) > 1 {
			return errorf(http.StatusUnprocessableEntity, "repeated_parameter", "the parameter %q is given %d times; give it once", name, len(q[name]))
		}
	}
	return nil
}

func (s *Service) listOpinions(r *http.Request, u user.User) (int, any, error) {
	f, err := listFilter(r.URL.Query(), u)
	if err != nil {
		return 0, nil, err
	}
	views, total, err := s.OpinionViews(r.Context(), u, f)
	if err != nil {
		return 0, nil, err
	}
	s.auditViews(r.Context(), u, views...)
	body := map[string]any{"opinions": views, "total": total}
	if next := f.Offset + len(views); next < total {
		body["next_page_token"] = strconv.Itoa(next)
	}
	return http.StatusOK, body, nil
}

// OpinionViews lists the opinions u may see that match f, most urgent first,
// shaped for u; total counts all matches.
func (s *Service) OpinionViews(ctx context.Context, u user.User, f store.Filter) ([]OpinionView, int, error) {
	if !u.Has(domain.RoleOffice) && !u.Has(domain.RoleLeader) && !u.Has(domain.RoleVerifier) {
		f.VisibleTo = &store.Viewer{Username: u.Username, Department: u.Department}
	}
	page, err := s.Store.Opinions(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	policies := map[string]domain.Policy{}
	views := make([]OpinionView, len(page.Opinions))
	for i, o := range page.Opinions {
		p, ok := policies[o.CampaignID]
		if !ok {
			c, err := s.campaign(ctx, o.CampaignID)
			if err != nil {
				return nil, 0, err
			}
			p = c.Policy
			policies[o.CampaignID] = p
		}
		views[i] = s.view(o, u, p)
	}
	return views, page.Total, nil
}

// OpinionView shapes one opinion (with its timeline) for u, who must be allowed to see it.
func (s *Service) OpinionView(ctx context.Context, u user.User, o domain.Opinion) (OpinionView, error) {
	if !canSee(u, o) {
		return OpinionView{}, forbidden("this opinion is neither assigned to you nor to your department")
	}
	c, err := s.campaign(ctx, o.CampaignID)
	if err != nil {
		return OpinionView{}, err
	}
	return s.view(o, u, c.Policy), nil
}

func validState(s domain.State) bool {
	for _, st := range domain.AllStates {
		if st == s {
			return true
		}
	}
	return false
}

func intParam(q url.Values, name string, def, lo, hi int) (int, error) {
	if q.Get(name) == "" {
		return def, nil
	}
	return intValue(name, q.Get(name), lo, hi)
}

// intValue reads the whole number a parameter gives, from lo to hi.
func intValue(name, v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errorf(http.StatusUnprocessableEntity, "invalid_"+name, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}
