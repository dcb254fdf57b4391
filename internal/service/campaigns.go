package service

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// CampaignRequest creates a campaign. Categories and departments may be given at the
// top level (as docs/openapi.yaml lists them) or inside policy; channels default to the six
// of campaign.DefaultChannels.
type CampaignRequest struct {
	ID          string                  `json:"id,omitempty"`
	Name        string                  `json:"name"`
	Categories  []domain.CategoryPolicy `json:"categories,omitempty"`
	Departments []string                `json:"departments,omitempty"`
	Channels    []campaign.Channel      `json:"channels,omitempty"`
	Policy      *domain.Policy          `json:"policy,omitempty"`
	// FilingUnit and Reports are the campaign's filing unit (填报单位) and report
	// schedule (campaign.Campaign).
	FilingUnit string                   `json:"filing_unit,omitempty"`
	Reports    *campaign.ReportSchedule `json:"reports,omitempty"`
}

// CreateCampaign checks, completes and stores a new campaign, as u (the office:
// CampaignWork).
func (s *Service) CreateCampaign(ctx context.Context, u user.User, req CampaignRequest) (campaign.Campaign, error) {
	if err := CampaignWork.Check(u); err != nil {
		return campaign.Campaign{}, err
	}
	c := campaign.Campaign{ID: strings.TrimSpace(req.ID), Name: req.Name, Channels: req.Channels, CreatedBy: u.Username, CreatedAt: s.Now().UTC(),
		FilingUnit: req.FilingUnit, Reports: req.Reports}
	c.Policy = campaign.DefaultPolicy()
	c.Policy.Categories = nil
	if req.Policy != nil {
		c.Policy = *req.Policy
	}
	if len(req.Categories) > 0 {
		if len(c.Policy.Categories) > 0 {
			return c, Refuse(http.StatusUnprocessableEntity, "invalid_campaign", "api.categories_twice")
		}
		c.Policy.Categories = req.Categories
	}
	if len(req.Departments) > 0 {
		if len(c.Policy.Departments) > 0 {
			return c, Refuse(http.StatusUnprocessableEntity, "invalid_campaign", "api.departments_twice")
		}
		c.Policy.Departments = req.Departments
	}
	if err := campaign.Normalize(&c); err != nil {
		return c, invalidCampaign(err)
	}
	if c.ID == "" {
		c.ID = "c-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	}
	if err := s.store.CreateCampaign(ctx, c); err != nil {
		if errors.Is(err, store.ErrExists) {
			return c, Refuse(http.StatusConflict, "campaign_exists", "api.campaign_exists", c.ID)
		}
		return c, err
	}
	if c.Reports.Scheduled() {
		return c, s.syncAfterChange(ctx, c)
	}
	return c, nil
}

// Campaigns lists every campaign, newest first. Any signed-in user may: a
// campaign's name and settings carry no personal data.
func (s *Service) Campaigns(ctx context.Context) ([]campaign.Campaign, error) {
	return s.store.Campaigns(ctx)
}

// Campaign is the campaign id, or a 404 campaign_not_found. Any signed-in user may
// read it, as Campaigns.
func (s *Service) Campaign(ctx context.Context, id string) (campaign.Campaign, error) {
	return s.campaign(ctx, id)
}

func (s *Service) campaign(ctx context.Context, id string) (campaign.Campaign, error) {
	c, err := s.store.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, Refuse(http.StatusNotFound, "campaign_not_found", "api.no_such", i18n.M("api.noun.campaign"), id)
	}
	return c, err
}

// Stats are a campaign's figures for u (Oversight): the progress figures and the
// quality figures (docs/metrics.md defines each), for the campaign and by state,
// category, department, responsible leader, target and speed.
func (s *Service) Stats(ctx context.Context, u user.User, campaignID string) (Stats, error) {
	if err := Oversight.CheckIn(u, campaignID); err != nil {
		return Stats{}, err
	}
	c, err := s.campaign(ctx, campaignID)
	if err != nil {
		return Stats{}, err
	}
	return s.store.Stats(ctx, c.ID)
}

// Flow is a campaign's work by campaign-local day: the opinions to be rectified by
// the day they came in (all but those rejected, merged or cancelled) and the
// closures by the day they closed. Added up, they are the cumulative picture
// offices put in their reports; the closures alone, the dashboard's daily chart.
type Flow struct {
	Due    []DayCount
	Closed []DayCount
}

// Flow is c's work by day, for u (Oversight).
func (s *Service) Flow(ctx context.Context, u user.User, c campaign.Campaign) (Flow, error) {
	if err := Oversight.CheckIn(u, c.ID); err != nil {
		return Flow{}, err
	}
	due, err := s.store.DueByDay(ctx, c.ID, c.Policy.UTCOffsetSeconds)
	if err != nil {
		return Flow{}, err
	}
	closed, err := s.store.ClosuresByDay(ctx, c.ID, c.Policy.UTCOffsetSeconds)
	return Flow{Due: due, Closed: closed}, err
}

// PublicResults are the campaign's items as its 公示 publishes them. Any signed-in
// user may read them: store.PublicItem has no field for a person.
func (s *Service) PublicResults(ctx context.Context, campaignID string) ([]PublicItem, error) {
	return s.store.PublicResults(ctx, campaignID)
}

// PatchCampaign changes a campaign's settings as u (the office) and records every
// field it changed, who and when; see campaign.Patch for what may change and how.
// A patch that changes nothing records nothing.
func (s *Service) PatchCampaign(ctx context.Context, u user.User, id string, p campaign.Patch) (campaign.Campaign, error) {
	if err := CampaignWork.CheckIn(u, id); err != nil {
		return campaign.Campaign{}, err
	}
	c, err := s.store.UpdateCampaign(ctx, id, func(c *campaign.Campaign) ([]campaign.Change, error) {
		return p.Apply(c, u.Username, s.Now().UTC())
	})
	var fe *campaign.FieldError
	var stale *campaign.ErrStale
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, Refuse(http.StatusNotFound, "campaign_not_found", "api.no_such", i18n.M("api.noun.campaign"), id)
	case errors.As(err, &fe):
		return c, invalidCampaign(fe)
	case errors.As(err, &stale):
		return c, Refuse(http.StatusConflict, "campaign_changed", "api.campaign_changed", stale.Current)
	case err == nil && (c.Reports != nil || p.Reports != nil):
		// Every save of a campaign with reports syncs its schedule, so saving
		// again mends one that could not be set.
		return c, s.syncAfterChange(ctx, c)
	}
	return c, err
}

// invalidCampaign is the 422 of a campaign's setting that breaks a rule
// (campaign.FieldError), worded by the catalogue with its field and values; any
// other error as it is.
func invalidCampaign(err error) error {
	var fe *campaign.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_campaign", Message: fe.Error(), Text: fe.Message()}
}

// CampaignChanges are the last limit changes recorded of campaign id's settings,
// newest first, for u (Oversight), with the campaign as it stands.
func (s *Service) CampaignChanges(ctx context.Context, u user.User, id string, limit int) (campaign.Campaign, []campaign.Change, error) {
	if err := Oversight.CheckIn(u, id); err != nil {
		return campaign.Campaign{}, nil, err
	}
	c, err := s.campaign(ctx, id)
	if err != nil {
		return c, nil, err
	}
	changes, err := s.store.CampaignChanges(ctx, c.ID, limit)
	return c, changes, err
}

// settingsActions are the actions checked or computed by the campaign's policy: the
// request carries the policy as it stands now (workflows.ActionRequest.Policy).
var settingsActions = map[domain.Action]bool{
	domain.ActionCategorize: true, domain.ActionAssign: true, domain.ActionResolve: true, domain.ActionRequestExtension: true,
	domain.ActionDecideExtension: true, domain.ActionReportProgress: true, domain.ActionVerify: true, domain.ActionCallback: true,
	domain.ActionReopen: true, domain.ActionGroup: true,
}

// withSettings gives an action the campaign's settings as they are now: a category
// or department written as an alias becomes the value it names, and the request
// carries the current policy, so an opinion that started before a category or
// department was added can use it and a retired one is refused.
func (s *Service) withSettings(ctx context.Context, o domain.Opinion, action domain.Action, req *domain.ActionRequest) error {
	if !settingsActions[action] {
		return nil
	}
	c, err := s.campaign(ctx, o.CampaignID)
	if err != nil {
		return err
	}
	b := &req.Body
	namesCategory := action == domain.ActionCategorize || action == domain.ActionResolve
	namesDepartment := action == domain.ActionAssign || action == domain.ActionResolve
	if r := campaign.ResolveCategory(c.Policy, b.Category); namesCategory && (r.Match == campaign.ByName || r.Match == campaign.ByAlias) {
		b.Category = r.Value
	}
	if r := campaign.ResolveDepartment(c.Policy, b.Department); namesDepartment && (r.Match == campaign.ByName || r.Match == campaign.ByAlias) {
		b.Department = r.Value
	}
	p := actionPolicy(c.Policy)
	req.Policy = &p
	return nil
}

// actionPolicy is the policy an action carries: without the keywords (they only
// serve intake's suggestion) and the departments' aliases (resolved here), so each
// request adds little to the opinion's history.
func actionPolicy(p domain.Policy) domain.Policy {
	cats := make([]domain.CategoryPolicy, len(p.Categories))
	for i, c := range p.Categories {
		c.Keywords = nil
		cats[i] = c
	}
	p.Categories = cats
	p.DepartmentAliases = nil
	return p
}

// routingHints shows the department and category an opinion came with as written
// when the campaign did not know them, and the values triage pre-selects for them:
// the one an alias names or the closest, by the campaign's settings as they are now
// (an alias added after the opinion arrived counts).
func routingHints(v *OpinionView, o domain.Opinion, p domain.Policy) {
	v.WrittenDepartment, v.WrittenCategory = o.WrittenDepartment, o.WrittenCategory
	if o.Department == "" && o.WrittenDepartment != "" {
		if r := campaign.ResolveDepartment(p, o.WrittenDepartment); r.Value != "" && !r.Retired {
			v.SuggestedDepartment = r.Value
		}
	}
	if o.Category == "" && o.WrittenCategory != "" {
		if r := campaign.ResolveCategory(p, o.WrittenCategory); r.Value != "" && !r.Retired {
			v.SuggestedCategory = r.Value
		}
	}
}

// WarningView is a routing hint an opinion was accepted with but the campaign did
// not know (intake.Warning): the field, a code (unknown_department,
// unknown_category, retired_department, retired_category), a message, and the
// known value triage pre-selects for it when there is a close one.
type WarningView struct {
	Field      string `json:"field"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Suggestion string `json:"suggestion,omitempty"`
	// Text is Message in every language: the API answers in its caller's.
	Text i18n.Message `json:"-"`
}

// In is the warning with its message in lang.
func (w WarningView) In(lang string) WarningView {
	w.Message = w.Text.In(lang)
	return w
}

func warningViews(ws []intake.Warning, written intake.Opinion, p domain.Policy) []WarningView {
	out := make([]WarningView, len(ws))
	for i, w := range ws {
		text := i18n.M("rule.of_field", i18n.M("column."+w.Field), w.Rule)
		out[i] = WarningView{Field: w.Field, Code: w.Code, Message: text.In(i18n.English), Text: text}
		var r campaign.Resolved
		switch w.Field {
		case "department":
			r = campaign.ResolveDepartment(p, written.WrittenDepartment)
		case "category":
			r = campaign.ResolveCategory(p, written.WrittenCategory)
		}
		if r.Match == campaign.Close {
			out[i].Suggestion = r.Value
		}
	}
	return out
}
