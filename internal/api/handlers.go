package api

import (
	"net/http"
	"strconv"
	"strings"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/service"
	"rectify/internal/user"
)

// CampaignView is a campaign as the API shows it. Departments lists every
// department, retired ones included (policy.retired_departments says which, and
// policy.department_aliases their other spellings); channels are the campaign's
// own, or the six defaults.
type CampaignView struct {
	campaign.Campaign
	Categories  []domain.CategoryPolicy `json:"categories"`
	Departments []string                `json:"departments"`
	Channels    []campaign.Channel      `json:"channels"`
}

func campaignView(c campaign.Campaign) CampaignView {
	deps := c.Policy.Departments
	if deps == nil {
		deps = []string{}
	}
	return CampaignView{Campaign: c, Categories: c.Policy.Categories, Departments: deps, Channels: c.ChannelList()}
}

func (s *Server) listCampaigns(r *http.Request, _ user.User) (int, any, error) {
	cs, err := s.svc.Campaigns(r.Context())
	if err != nil {
		return 0, nil, err
	}
	views := make([]CampaignView, len(cs))
	for i, c := range cs {
		views[i] = campaignView(c)
	}
	return http.StatusOK, map[string]any{"campaigns": views}, nil
}

func (s *Server) getCampaign(r *http.Request, _ user.User) (int, any, error) {
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, campaignView(c), nil
}

func (s *Server) createCampaign(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	var req service.CampaignRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	c, err := s.svc.CreateCampaign(r.Context(), u, req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, campaignView(c), nil
}

// campaignStats answers a campaign's service.Stats: the progress figures and the
// quality figures (docs/metrics.md defines each), for the campaign and by state,
// category, department, responsible leader, target and speed.
func (s *Server) campaignStats(r *http.Request, u user.User) (int, any, error) {
	st, err := s.svc.Stats(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, st, nil
}

func (s *Server) patchCampaign(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	var p campaign.Patch
	if err := decode(r, &p); err != nil {
		return 0, nil, err
	}
	c, err := s.svc.PatchCampaign(r.Context(), u, r.PathValue("id"), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, campaignView(c), nil
}

// maxChanges bounds the changes (fields) one answer lists.
const maxChanges = 1000

func (s *Server) campaignChanges(r *http.Request, u user.User) (int, any, error) {
	if err := service.Oversight.Check(u); err != nil {
		return 0, nil, err
	}
	if err := onlyParams(r.URL.Query(), "limit"); err != nil {
		return 0, nil, err
	}
	limit, err := intParam(r.URL.Query(), "limit", 200, 1, maxChanges)
	if err != nil {
		return 0, nil, err
	}
	c, changes, err := s.svc.CampaignChanges(r.Context(), u, r.PathValue("id"), limit)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"campaign_id": c.ID, "revision": c.Revision, "changes": changes}, nil
}

func (s *Server) getOpinion(r *http.Request, u user.User) (int, any, error) {
	o, err := s.svc.Opinion(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return s.showOpinion(r, u, o)
}

// showOpinion answers o as u sees it, with its timeline, recording the read of a
// name or phone it shows.
func (s *Server) showOpinion(r *http.Request, u user.User, o domain.Opinion) (int, any, error) {
	v, err := s.svc.OpinionView(r.Context(), u, o)
	if err != nil {
		return 0, nil, err
	}
	s.svc.AuditViews(r.Context(), u, v)
	return http.StatusOK, v.In(Language(r)), nil
}

// SubmittedView is the answer to a submitted opinion: the opinion as GET shows it,
// and the routing hints it was accepted with that the campaign did not know.
type SubmittedView struct {
	service.OpinionView
	Warnings []service.WarningView `json:"warnings"`
}

func (s *Server) submitOpinion(r *http.Request, u user.User) (int, any, error) {
	if err := service.CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	var in intake.Opinion
	if err := decode(r, &in); err != nil {
		return 0, nil, err
	}
	res, err := s.svc.Submit(r.Context(), u, c, in)
	if err != nil {
		return 0, nil, err
	}
	v, err := s.svc.OpinionView(r.Context(), u, res.Opinion)
	if err != nil {
		return 0, nil, err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	warnings := make([]service.WarningView, len(res.Warnings))
	for i, w := range res.Warnings {
		warnings[i] = w.In(Language(r))
	}
	return status, SubmittedView{OpinionView: v.In(Language(r)), Warnings: warnings}, nil
}

func (s *Server) listOpinions(r *http.Request, u user.User) (int, any, error) {
	f, err := listFilter(r.URL.Query(), u)
	if err != nil {
		return 0, nil, err
	}
	views, total, err := s.svc.OpinionViews(r.Context(), u, f)
	if err != nil {
		return 0, nil, err
	}
	s.svc.AuditViews(r.Context(), u, views...)
	for i := range views {
		views[i] = views[i].In(Language(r))
	}
	body := map[string]any{"opinions": views, "total": total}
	if next := f.Offset + len(views); next < total {
		body["next_page_token"] = strconv.Itoa(next)
	}
	return http.StatusOK, body, nil
}

func (s *Server) act(r *http.Request, u user.User) (int, any, error) {
	action := domain.Action(r.PathValue("action"))
	if !knownAction(action) {
		return 0, nil, refuse(http.StatusNotFound, "unknown_action", "api.not_an_action", string(action), actionList())
	}
	var body actionBody
	if r.ContentLength != 0 {
		if err := decode(r, &body); err != nil {
			return 0, nil, err
		}
	}
	o, err := s.svc.Act(r.Context(), u, r.PathValue("id"), action, body.action())
	if err != nil {
		return 0, nil, err
	}
	return s.showOpinion(r, u, o)
}

// actionBody is an action's body as the API takes it: the evidence files are
// named by the ids their uploads were given, and the service completes each
// reference from what it stored.
type actionBody struct {
	domain.ActionBody
	Attachments []string `json:"attachments,omitempty"`
}

func (b actionBody) action() domain.ActionBody {
	body := b.ActionBody
	body.Attachments = nil
	for _, id := range b.Attachments {
		body.Attachments = append(body.Attachments, domain.AttachmentRef{ID: id})
	}
	return body
}

func knownAction(a domain.Action) bool {
	for _, known := range domain.Actions {
		if a == known {
			return true
		}
	}
	return false
}

func actionList() string {
	names := make([]string, len(domain.Actions))
	for i, a := range domain.Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

func (s *Server) getBatch(r *http.Request, u user.User) (int, any, error) {
	v, err := s.svc.Batch(r.Context(), u, r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	// The refused rows come with the file's original cells: names and phones.
	s.svc.AuditBatch(r.Context(), u, v)
	return http.StatusOK, v.In(Language(r)), nil
}

func (s *Server) auditLog(r *http.Request, u user.User) (int, any, error) {
	if err := service.AuditReading.Check(u); err != nil {
		return 0, nil, err
	}
	f, err := auditFilter(r.URL.Query(), u)
	if err != nil {
		return 0, nil, err
	}
	page, err := s.svc.AuditLog(r.Context(), u, f)
	if err != nil {
		return 0, nil, err
	}
	body := map[string]any{"entries": page.Entries}
	if page.Next != 0 {
		body["next_cursor"] = strconv.FormatInt(page.Next, 10)
	}
	return http.StatusOK, body, nil
}
