package web

import (
	"cmp"
	"math"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/mask"
	"rectify/internal/service"
)

// leaderPages serves what leaders watch: the progress dashboard, whose figures are
// service.Stats — exactly what GET /api/v1/campaigns/{id}/stats answers — with the
// quality of the fixes (leader_quality.go); a leader's own list of the items they
// answer for (leader_cases.go); and each campaign's published results (公示), which
// carry no personal data.
func (s *Server) leaderPages(page func(string, pageHandler)) {
	page("GET /dashboard", s.only(service.Oversight, s.dashboard))
	page("GET /my-cases", s.only(leaderOnly, s.leaderCases))
	page("GET /campaigns/{id}/public", s.publicResults)
	page("GET /campaigns/{id}/ledger.xlsx", s.ledgerDownload)
	page("GET /campaigns/{id}/ledger.csv", s.ledgerDownload)
}

// ledgerDownload serves the campaign's 整改台账 with the session, through the same
// writer as the API's download (?open=true: only what is still being worked on).
func (s *Server) ledgerDownload(w http.ResponseWriter, r *http.Request, v *visit) {
	var states []domain.State
	if r.URL.Query().Get("open") == "true" {
		states = service.OpenStates
	}
	s.download(w, r, v, func() (*service.Download, error) {
		return s.svc.LedgerFile(r.Context(), v.User, r.PathValue("id"), strings.TrimPrefix(path.Ext(r.URL.Path), "."), states, r.URL.Query().Get("until"))
	})
}

// overdueListLimit bounds the overdue lists. They are read most urgent first, so
// what a very late campaign leaves out is the least late.
const overdueListLimit = 200

// refreshSeconds is how often the dashboard reloads itself (a meta refresh: the
// content security policy allows no script, and none is needed).
const refreshSeconds = 30

// figure is one headline number.
type figure struct {
	Key   string // the Stats field it shows, as data-figure for tests and scrapers
	Label string
	Value string
	Sub   string // how a rate was computed, in words
	Alert bool   // drawn in red: something is late
}

// overdueRow is one late item with its official's display name.
type overdueRow struct {
	service.OpinionView
	OfficialName string
}

// overdueList is one rung of the escalation ladder: its count from Stats and its
// items, most urgent first.
type overdueList struct {
	Level    domain.OverdueLevel
	Title    string
	Count    int
	Rows     []overdueRow
	Complete bool // every item of the rung is listed
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, v *visit) {
	ctx := r.Context()
	campaigns, err := s.svc.Campaigns(ctx)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data := map[string]any{"Campaigns": campaigns, "Refresh": refreshSeconds}
	if len(campaigns) == 0 {
		s.render(w, r, http.StatusOK, "dashboard", v, data)
		return
	}
	c := campaigns[0]
	if id := r.URL.Query().Get("campaign"); id != "" {
		i := slices.IndexFunc(campaigns, func(c campaign.Campaign) bool { return c.ID == id })
		if i < 0 {
			s.renderError(w, r, v, http.StatusNotFound, "dash.unknown_campaign")
			return
		}
		c = campaigns[i]
	}
	st, err := s.svc.Stats(ctx, v.User, c.ID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	loc := c.Policy.Location()
	data["Campaign"] = c
	data["Stats"] = st
	data["AsOf"] = v.Now.In(loc).Format("2006-01-02 15:04:05")
	data["Figures"] = figures(v, st)
	data["Quality"] = qualityFigures(v, st)
	if st.Collected == 0 {
		s.render(w, r, http.StatusOK, "dashboard", v, data)
		return
	}

	flow, err := s.svc.Flow(ctx, v.User, c)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	late, total, err := s.svc.OpinionViews(ctx, v.User, service.Filter{CampaignID: c.ID, Overdue: true, Limit: overdueListLimit})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data["ByCategory"] = groupChart(v, "chart-category", "chart.by_category", "chart.uncategorized", st.ByCategory)
	data["ByDepartment"] = groupChart(v, "chart-department", "chart.by_department", "chart.unassigned", st.ByDepartment)
	today := v.Now.In(loc).Format(domain.DateLayout)
	flowDays, changed := cumulative(flow, today)
	data["Flow"], data["FlowDays"] = newFlowChart(v, flowDays), changed
	tasks, err := s.svc.Tasks(ctx, v.User, service.TaskFilter{Campaign: c.ID})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	data["Leads"] = byLeadUnit(tasks)
	closures := flow.Closed
	days := fillDays(closures, today, maxChartDays)
	data["Closures"] = closuresChart(v, days)
	data["ClosureDays"] = days
	if len(closures) > 0 && len(days) > 0 && closures[0].Day < days[0].Day {
		data["ClosuresRecent"] = len(days)
	}
	data["Lists"] = s.overdueLists(v, st, late)
	data["QualityTables"] = s.qualityTables(v, st)
	data["LateShown"], data["LateTotal"] = len(late), total
	s.render(w, r, http.StatusOK, "dashboard", v, data)
}

// figures are the headline numbers, straight from Stats. A rate with nothing to
// divide by shows a dash, not 0% (nothing closed is not "none on time").
func figures(v *visit, st service.Stats) []figure {
	count := func(key string, n int, alert bool) figure {
		return figure{Key: key, Label: v.T("fig." + key), Value: strconv.Itoa(n), Alert: alert && n > 0}
	}
	rate := func(key string, r float64, num, den int) figure {
		return figure{Key: key, Label: v.T("fig." + key), Value: percent(r, den), Sub: v.T("fig."+key+"_sub", num, den)}
	}
	return []figure{
		count("collected", st.Collected, false),
		count("pending", st.Pending, false),
		count("in_progress", st.InProgress, false),
		count("closed", st.Closed, false),
		count("overdue", st.Overdue, true),
		count("supervised", st.Supervised, true),
		count("accountability", st.Accountability, true),
		rate("completion_rate", st.CompletionRate, st.Closed, st.Collected-st.Excluded),
		rate("on_time_rate", st.OnTimeRate, st.ClosedOnTime, st.Closed),
		rate("satisfaction_rate", st.SatisfactionRate, st.Satisfied, st.Callbacks),
	}
}

// percent shows a 0–1 rate as a percentage with one decimal, or a dash when its
// denominator is zero (or the rate is not a number at all).
func percent(rate float64, den int) string {
	if den <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return "—"
	}
	return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%"
}

// groupChart draws one bar per category or department: the bar is what was
// collected, its darker part what was closed, and both numbers are written after it.
// The largest groups come first; the unnamed group (not yet categorized or
// assigned) comes last.
func groupChart(v *visit, id, title, unnamed string, groups []service.Counts) barChart {
	groups = slices.Clone(groups)
	slices.SortStableFunc(groups, func(a, b service.Counts) int {
		if (a.Name == "") != (b.Name == "") {
			if a.Name == "" {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(b.Collected, a.Collected), strings.Compare(a.Name, b.Name))
	})
	rows := make([]barInput, len(groups))
	parts := make([]string, len(groups))
	for i, g := range groups {
		name := g.Name
		if name == "" {
			name = v.T(unnamed)
		}
		rows[i] = barInput{Label: name, Value: g.Collected, Part: g.Closed, Text: v.T("chart.bar_text", g.Collected, g.Closed)}
		parts[i] = v.T("chart.summary_item", name, g.Collected, g.Closed)
	}
	c := newBarChart(id, v.T(title)+v.T("chart.colon")+strings.Join(parts, v.T("chart.sep")), rows)
	c.Colon = v.T("chart.colon")
	return c
}

// closuresChart draws closures per day.
func closuresChart(v *visit, days []service.DayCount) columnChart {
	summary := v.T("chart.closures_none")
	if len(days) > 0 {
		total, most := 0, 0
		for _, d := range days {
			total += d.Count
			most = max(most, d.Count)
		}
		summary = v.T("chart.closures_summary", days[0].Day, days[len(days)-1].Day, total, most)
	}
	c := newColumnChart("chart-closures", summary, days)
	c.Colon = v.T("chart.colon")
	return c
}

// overdueLists splits the late items by rung, most serious first. Counts come
// from Stats (whose supervised includes accountability, and overdue both), so
// each list's heading matches the headline figures.
func (s *Server) overdueLists(v *visit, st service.Stats, late []service.OpinionView) []overdueList {
	lists := []overdueList{
		{Level: domain.LevelAccountability, Count: st.Accountability},
		{Level: domain.LevelSupervised, Count: st.Supervised - st.Accountability},
		{Level: domain.LevelOverdue, Count: st.Overdue - st.Supervised},
	}
	for i := range lists {
		lists[i].Title = v.T("dash.list_" + string(lists[i].Level))
	}
	for _, o := range late {
		for i := range lists {
			if lists[i].Level == o.OverdueLevel {
				row := overdueRow{OpinionView: o, OfficialName: o.Official}
				if u, ok := s.svc.User(o.Official); ok && u.Name != "" {
					row.OfficialName = u.Name
				}
				lists[i].Rows = append(lists[i].Rows, row)
			}
		}
	}
	for i := range lists {
		lists[i].Complete = len(lists[i].Rows) >= lists[i].Count
	}
	return lists
}

// publicRow is one published item with its running number and what it shows.
type publicRow struct {
	Seq int
	service.PublicItem
	Completed string
	Status    string
}

// publicGroup is one category's items.
type publicGroup struct {
	Category string
	Rows     []publicRow
}

// publicResults is the campaign's 公示: what each categorized issue was, what was
// done, by which department, by when, and whether it is finished. It is built
// from service.PublicItem, which has no field for a person; the phone, ID and card
// numbers and e-mail addresses people type into its text are masked.
func (s *Server) publicResults(w http.ResponseWriter, r *http.Request, v *visit) {
	c, err := s.svc.Campaign(r.Context(), r.PathValue("id"))
	if notFound(err) {
		s.renderError(w, r, v, http.StatusNotFound, "dash.unknown_campaign")
		return
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	items, err := s.svc.PublicResults(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	// The campaign's own order of categories (the four winds first, as the office
	// set them up); a category no longer in the policy goes after, by name.
	order := map[string]int{}
	for i, cat := range c.Policy.Categories {
		order[cat.Name] = i
	}
	rank := func(name string) int {
		if i, ok := order[name]; ok {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(items, func(a, b service.PublicItem) int { return cmp.Compare(rank(a.Category), rank(b.Category)) })

	loc := c.Policy.Location()
	var groups []publicGroup
	closed := 0
	for i, it := range items {
		if len(groups) == 0 || groups[len(groups)-1].Category != it.Category {
			groups = append(groups, publicGroup{Category: it.Category})
		}
		it.Content, it.Measures = mask.Personal(it.Content), mask.Personal(it.Measures)
		row := publicRow{Seq: i + 1, PublicItem: it, Status: v.T(publicStatus(it.State))}
		if !it.ClosedAt.IsZero() {
			row.Completed = it.ClosedAt.In(loc).Format(domain.DateLayout)
			closed++
		}
		g := &groups[len(groups)-1]
		g.Rows = append(g.Rows, row)
	}
	rate := 0.0
	if len(items) > 0 {
		rate = float64(closed) / float64(len(items))
	}
	s.render(w, r, http.StatusOK, "public", v, map[string]any{
		"Campaign": c,
		"Date":     longDate(v, v.Now.In(loc)),
		"Groups":   groups,
		"Total":    len(items),
		"Closed":   closed,
		"Rate":     percent(rate, len(items)),
	})
}

// publicStatus is the state as the public reads it: four plain stages instead of
// the office's eleven states.
func publicStatus(st domain.State) string {
	switch st {
	case domain.StateClosed:
		return "public.status.done"
	case domain.StateSubmitted, domain.StateAwaitingCallback:
		return "public.status.checking"
	case domain.StateAssigned, domain.StateInProgress:
		return "public.status.doing"
	}
	return "public.status.queued"
}

// longDate is a date as a heading shows it: 2025年6月10日, or 10 June 2025.
func longDate(v *visit, t time.Time) string {
	if v.Lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("2006年1月2日")
}
