package service

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/width"

	"rectify/internal/campaign"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
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
	// Problem is the problem the opinion is grouped into; Task is set when the
	// record is a problem's task: its problem, co-units and their contributions.
	Problem string           `json:"problem,omitempty"`
	Task    *domain.TaskPart `json:"task,omitempty"`
	// Imported says who brought in an item already under way, from which file.
	Imported  *domain.Imported `json:"imported,omitempty"`
	OnTheSpot bool             `json:"on_the_spot,omitempty"`
	FixedOn   string           `json:"fixed_on,omitempty"`
	// LongTerm marks an item on the long-term track: its deadline is its next
	// progress report's; Reports are the reports filed.
	LongTerm bool                    `json:"long_term,omitempty"`
	Reports  []domain.ProgressReport `json:"reports,omitempty"`
	// ReportEveryMonths is a long-term item's reporting cycle.
	ReportEveryMonths int   `json:"report_every_months,omitempty"`
	OnTime            *bool `json:"on_time,omitempty"`
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
	// schedule is what DeadlineExplanation is read from, in each reader's language.
	schedule domain.Schedule
}

// In is the view with its deadline explained in lang (deadline.Explain): the
// stored explanation is Chinese; and the reasons the system gave in its
// timeline worded in lang (i18n.Reason): histories hold them in English.
func (v OpinionView) In(lang string) OpinionView {
	v.DeadlineExplanation = deadline.Explain(v.schedule, lang)
	if v.Timeline != nil {
		v.Timeline = slices.Clone(v.Timeline) // the opinion's own is shared
		for i, e := range v.Timeline {
			v.Timeline[i].Reason = i18n.Reason(lang, e.Reason)
		}
	}
	return v
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
		Satisfaction: o.Satisfaction, MergedInto: o.MergedInto, Imported: o.Imported, OnTheSpot: o.OnTheSpot, FixedOn: o.FixedOn,
		LongTerm: o.LongTerm, Reports: o.Reports, ReportEveryMonths: o.ReportEveryMonths, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		Revision: o.Revision, WorkflowID: workflows.ItemWorkflowID(o.ID), Timeline: o.Timeline,
		Problem: o.Problem, Task: o.Task,
		HighestLevel: o.HighestLevel, LateExtensions: o.LateExtensions, Rounds: o.Rounds, Callbacks: o.Callbacks,
		schedule: o.Schedule,
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
			left := s.calendar.WorkdaysBetween(s.today(p), d)
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
	if s.temporalUIURL != "" {
		v.WorkflowURL = s.temporalUIURL + "/namespaces/" + url.PathEscape(s.namespace) + "/workflows/" + url.PathEscape(v.WorkflowID)
	}
	return v
}

// canSee reports whether u may see the opinion: the office, leaders and verifiers
// see the whole ledger; an official sees their own items and their department's.
//
// A user whose roles are scoped (user.User.Campaigns, Departments) sees only their
// campaigns' opinions, and with the office's, a leader's or a verifier's role only
// their departments' ones: beyond that, only what they hold as an official.
func canSee(u user.User, o domain.Opinion) bool {
	if !u.CoversCampaign(o.CampaignID) {
		return false
	}
	if (u.Has(domain.RoleOffice) || u.Has(domain.RoleLeader) || u.Has(domain.RoleVerifier)) && u.CoversDepartment(o.Department) {
		return true
	}
	if o.Official == u.Username || (u.Department != "" && o.Department == u.Department) {
		return true
	}
	if o.Task != nil && u.Department != "" && slices.Contains(o.Task.CoUnits, u.Department) {
		return true
	}
	for _, e := range o.Timeline {
		if e.Actor == u.Username {
			return true
		}
	}
	return false
}

// Opinion is the opinion id, for u, who must be allowed to see it: a 404 when
// there is none, a 403 when it is neither u's nor u's department's. Whether u may
// see it depends on the opinion, so it is read first.
func (s *Service) Opinion(ctx context.Context, u user.User, id string) (domain.Opinion, error) {
	o, err := s.store.Opinion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return o, Refuse(http.StatusNotFound, "opinion_not_found", "api.no_such", i18n.M("api.noun.opinion"), id)
	}
	if err != nil {
		return o, err
	}
	if !canSee(u, o) {
		return o, forbidden("api.not_yours")
	}
	return o, nil
}

// Submitted is what became of a submitted opinion.
type Submitted struct {
	Opinion domain.Opinion
	// Created is false when the opinion was already there (same key).
	Created bool
	// Warnings are the routing hints it was accepted with that the campaign did not
	// know, each with the known value triage pre-selects for it.
	Warnings []WarningView
}

// SubmitOpinion starts an opinion's workflow and waits until the reporting store has
// it. Submitting the same opinion again (same key, same content, channel, date,
// submitter and phone) returns it with created false; a key that belongs to an
// opinion saying something else is a 409 key_conflict naming that opinion.
func (s *Service) SubmitOpinion(ctx context.Context, u user.User, c campaign.Campaign, in intake.Opinion) (domain.Opinion, bool, error) {
	res, err := s.Submit(ctx, u, c, in)
	return res.Opinion, res.Created, err
}

// Submit is SubmitOpinion with the warnings intake gave. Submitting is the
// office's (CampaignWork).
func (s *Service) Submit(ctx context.Context, u user.User, c campaign.Campaign, in intake.Opinion) (Submitted, error) {
	if err := CampaignWork.CheckIn(u, c.ID); err != nil {
		return Submitted{}, err
	}
	return s.submit(ctx, u.Username, c, in)
}

// submit brings in an opinion submitted by the username by, whoever may: Submit's
// and the public's feedback's (publications.go) one way through intake.
func (s *Service) submit(ctx context.Context, by string, c campaign.Campaign, in intake.Opinion) (Submitted, error) {
	warnings, err := intake.Normalize(&in, c, s.today(c.Policy).Format(domain.DateLayout))
	if err != nil {
		var fe *intake.FieldError
		if errors.As(err, &fe) {
			e := errorf(http.StatusUnprocessableEntity, "invalid_"+fe.Field, "%v", err)
			e.Text = fe.Message()
			return Submitted{}, e
		}
		return Submitted{}, err
	}
	res := Submitted{Warnings: warningViews(warnings, in, c.Policy)}
	input := intake.Input(c, in, by, "")
	id := input.OpinionID
	if existing, err := s.store.Opinion(ctx, id); err == nil {
		if err := keyConflict(input, existing); err != nil {
			return Submitted{}, err
		}
		res.Opinion = existing
		return res, nil
	}
	started, err := intake.Start(ctx, s.temporal, input)
	if err != nil {
		return res, err
	}
	if started {
		// Wait until the workflow has written the opinion to the store.
		if err := s.received(ctx, workflows.OpinionWorkflowID(id)); err != nil {
			return res, err
		}
	}
	o, err := s.store.Opinion(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return res, Refuse(http.StatusConflict, "opinion_pending", "api.opinion_pending")
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
	kc := &intake.KeyConflict{Key: in.Key, Existing: existing.ID, Fields: diff}
	e := errorf(http.StatusConflict, "key_conflict", "%v", kc)
	e.Text = kc.Message()
	return e
}

// OpinionViews lists the opinions u may see that match f, most urgent first,
// shaped for u; total counts all matches.
func (s *Service) OpinionViews(ctx context.Context, u user.User, f Filter) ([]OpinionView, int, error) {
	if !u.Has(domain.RoleOffice) && !u.Has(domain.RoleLeader) && !u.Has(domain.RoleVerifier) {
		f.VisibleTo = &store.Viewer{Username: u.Username, Department: u.Department}
	}
	if u.Scoped() {
		f.Scope = &store.Scope{Campaigns: u.Campaigns}
		if f.VisibleTo == nil {
			f.Scope.Departments = u.Departments
		}
	}
	page, err := s.store.Opinions(ctx, f)
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
		return OpinionView{}, forbidden("api.not_yours")
	}
	c, err := s.campaign(ctx, o.CampaignID)
	if err != nil {
		return OpinionView{}, err
	}
	return s.view(o, u, c.Policy), nil
}

// MergeCandidates lists the opinions o could be merged into, for u, who must be
// allowed to merge it: the others of its campaign that can still take one, those
// of its category (or suggested category) first, at most limit in all.
// sameCategory is empty when o has neither.
func (s *Service) MergeCandidates(ctx context.Context, u user.User, o domain.Opinion, limit int) (sameCategory, others []domain.Opinion, err error) {
	if err := domain.Permitted(&o, domain.ActionMerge, u.Actor()); err != nil {
		return nil, nil, actionError(domain.ActionMerge, err)
	}
	var open []domain.State
	for _, st := range domain.AllStates {
		if !st.Final() {
			open = append(open, st)
		}
	}
	seen := map[string]bool{o.ID: true}
	left := limit
	group := func(f store.Filter) ([]domain.Opinion, error) {
		// Those already listed (and o itself) may come first: read past them.
		f.CampaignID, f.States, f.Limit = o.CampaignID, open, left+len(seen)
		page, err := s.store.Opinions(ctx, f)
		if err != nil {
			return nil, err
		}
		var out []domain.Opinion
		for _, c := range page.Opinions {
			if seen[c.ID] || left == 0 {
				continue
			}
			seen[c.ID], left = true, left-1
			out = append(out, c)
		}
		return out, nil
	}
	if cat := cmp.Or(o.Category, o.SuggestedCategory); cat != "" {
		if sameCategory, err = group(store.Filter{Category: cat}); err != nil {
			return nil, nil, err
		}
	}
	others, err = group(store.Filter{})
	return sameCategory, others, err
}

// MergeTarget finds the opinion a typed key names in the campaign of opinion id,
// for u, who must be allowed to merge id: by the key as the ledger gave it, or by
// the opinion's id as its page shows it. found is false when no opinion of the
// campaign has it. Someone who may not merge id learns nothing about the key: the
// error is the refusal Act gives them.
func (s *Service) MergeTarget(ctx context.Context, u user.User, id, key string) (target string, found bool, err error) {
	o, err := s.Opinion(ctx, u, id)
	if err != nil {
		return "", false, err
	}
	if err := domain.Permitted(&o, domain.ActionMerge, u.Actor()); err != nil {
		return "", false, actionError(domain.ActionMerge, err)
	}
	// Keys are stored trimmed and with full-width characters narrowed (intake).
	key = width.Narrow.String(strings.TrimSpace(key))
	for _, candidate := range []string{domain.OpinionID(o.CampaignID, key), key} {
		if t, err := s.store.Opinion(ctx, candidate); err == nil && t.CampaignID == o.CampaignID {
			return t.ID, true, nil
		}
	}
	return "", false, nil
}
