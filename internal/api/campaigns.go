package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"rectify/internal/campaign"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// CampaignRequest creates a campaign. Categories and departments may be given at the
// top level (as PRODUCT.md lists them) or inside policy.
type CampaignRequest struct {
	ID          string                     `json:"id,omitempty"`
	Name        string                     `json:"name"`
	Categories  []workflows.CategoryPolicy `json:"categories,omitempty"`
	Departments []string                   `json:"departments,omitempty"`
	Policy      *workflows.Policy          `json:"policy,omitempty"`
}

// CampaignView is a campaign as the API shows it.
type CampaignView struct {
	campaign.Campaign
	Categories  []workflows.CategoryPolicy `json:"categories"`
	Departments []string                   `json:"departments"`
}

func campaignView(c campaign.Campaign) CampaignView {
	deps := c.Policy.Departments
	if deps == nil {
		deps = []string{}
	}
	return CampaignView{Campaign: c, Categories: c.Policy.Categories, Departments: deps}
}

func (s *Service) listCampaigns(r *http.Request, _ user.User) (int, any, error) {
	cs, err := s.Store.Campaigns(r.Context())
	if err != nil {
		return 0, nil, err
	}
	views := make([]CampaignView, len(cs))
	for i, c := range cs {
		views[i] = campaignView(c)
	}
	return http.StatusOK, map[string]any{"campaigns": views}, nil
}

func (s *Service) getCampaign(r *http.Request, _ user.User) (int, any, error) {
	c, err := s.campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, campaignView(c), nil
}

func (s *Service) createCampaign(r *http.Request, u user.User) (int, any, error) {
	if err := CampaignWork.Check(u); err != nil {
		return 0, nil, err
	}
	var req CampaignRequest
	if err := decode(r, &req); err != nil {
		return 0, nil, err
	}
	c, err := s.CreateCampaign(r.Context(), u, req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, campaignView(c), nil
}

// CreateCampaign checks, completes and stores a new campaign.
func (s *Service) CreateCampaign(ctx context.Context, u user.User, req CampaignRequest) (campaign.Campaign, error) {
	c := campaign.Campaign{ID: strings.TrimSpace(req.ID), Name: req.Name, CreatedBy: u.Username, CreatedAt: s.Now().UTC()}
	c.Policy = campaign.DefaultPolicy()
	c.Policy.Categories = nil
	if req.Policy != nil {
		c.Policy = *req.Policy
	}
	if len(req.Categories) > 0 {
		if len(c.Policy.Categories) > 0 {
			return c, errorf(http.StatusUnprocessableEntity, "invalid_campaign", "give categories either at the top level or in policy, not both")
		}
		c.Policy.Categories = req.Categories
	}
	if len(req.Departments) > 0 {
		if len(c.Policy.Departments) > 0 {
			return c, errorf(http.StatusUnprocessableEntity, "invalid_campaign", "give departments either at the top level or in policy, not both")
		}
		c.Policy.Departments = req.Departments
	}
	if err := campaign.Normalize(&c); err != nil {
		return c, errorf(http.StatusUnprocessableEntity, "invalid_campaign", "%v", err)
	}
	if c.ID == "" {
		c.ID = "c-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	}
	if err := s.Store.CreateCampaign(ctx, c); err != nil {
		if errors.Is(err, store.ErrExists) {
			return c, errorf(http.StatusConflict, "campaign_exists", "a campaign with id %q already exists", c.ID)
		}
		return c, err
	}
	return c, nil
}

func (s *Service) campaign(ctx context.Context, id string) (campaign.Campaign, error) {
	c, err := s.Store.Campaign(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, errorf(http.StatusNotFound, "campaign_not_found", "no campaign with id %q", id)
	}
	return c, err
}

func (s *Service) campaignStats(r *http.Request, u user.User) (int, any, error) {
	if err := Oversight.Check(u); err != nil {
		return 0, nil, err
	}
	c, err := s.campaign(r.Context(), r.PathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	st, err := s.Store.Stats(r.Context(), c.ID)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, st, nil
}
