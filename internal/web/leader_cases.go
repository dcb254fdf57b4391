package web

import (
	"net/http"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
)

// leaderOnly is who has a list of the items they answer for (领导包案).
var leaderOnly = service.Rule{domain.RoleLeader}

// caseCampaign is a leader's own figures in one campaign: the stats' by_leader
// entry for them.
type caseCampaign struct {
	campaign.Campaign
	qualityRow
}

// leaderCases is a leader's own list (领导包案): the items whose responsible leader
// they are, in every campaign, most urgent first — what an official owes now,
// highest rung and earliest deadline first — with their figures in each campaign.
func (s *Server) leaderCases(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	n := listPage(r)
	views, total, err := s.svc.OpinionViews(ctx, v.User, service.Filter{Leader: v.User.Username,
		Limit: listPageSize, Offset: (n - 1) * listPageSize})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	pages := newPager(r.URL.Path, nil, n, len(views), total)
	if pages.Last != "" {
		http.Redirect(w, r, pages.Last, http.StatusSeeOther)
		return
	}
	campaigns, err := s.svc.Campaigns(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	var mine []caseCampaign
	for _, c := range campaigns {
		st, err := s.svc.Stats(ctx, v.User, c.ID)
		if err != nil {
			s.fail(w, r, v, err)
			return
		}
		for _, l := range st.ByLeader {
			if l.Name == v.User.Username {
				row := qualityRows(v, []service.Counts{l}, func(string) string { return c.Name })[0]
				mine = append(mine, caseCampaign{Campaign: c, qualityRow: row})
			}
		}
	}
	// The problems' tasks they answer for, open ones, come first.
	tasks, err := s.svc.Tasks(ctx, v.User, service.TaskFilter{Leader: v.User.Username, Open: true})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.render(w, r, http.StatusOK, "leader", v, map[string]any{"Opinions": views, "Pager": pages, "Campaigns": mine, "ProblemTasks": tasks,
		"ListID": "cases-list", "Empty": "cases.empty"})
}
