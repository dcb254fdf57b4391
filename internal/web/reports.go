package web

import (
	"fmt"
	"net/http"
	"strconv"

	"rectify/internal/campaign"
	"rectify/internal/report"
	"rectify/internal/service"
)

// reportPages serve the progress reports (整改进展情况) to the office and leaders:
// a campaign's list of them (today's and the kept ones), each as a page to print
// and as a workbook, in the visitor's language.
func (s *Server) reportPages(page func(string, pageHandler)) {
	page("GET /campaigns/{id}/reports", s.only(service.Oversight, s.reportList))
	page("GET /campaigns/{id}/reports/progress", s.only(service.Oversight, s.progressPage))
	page("GET /campaigns/{id}/reports/progress.xlsx", s.only(service.Oversight, s.progressDownload))
	page("GET /reports/{id}", s.only(service.Oversight, s.keptReportPage))
	page("GET /reports/{id}/report.xlsx", s.only(service.Oversight, s.keptReportDownload))
}

// reportRow is a kept report as the list shows it.
type reportRow struct {
	service.KeptReport
	MadeAt string
}

func (s *Server) reportList(w http.ResponseWriter, r *http.Request, v *visit) {
	c, kept, err := s.svc.Reports(r.Context(), v.User, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	rows := make([]reportRow, len(kept))
	for i, k := range kept {
		rows[i] = reportRow{KeptReport: k, MadeAt: k.MadeAt.In(c.Policy.Location()).Format("2006-01-02 15:04")}
	}
	s.render(w, r, http.StatusOK, "reports", v, map[string]any{
		"Campaign": c, "Reports": rows, "Schedule": scheduleText(v, c.Reports),
		"Today": v.Now.In(c.Policy.Location()).Format("2006-01-02"),
	})
}

// scheduleText says when a campaign's reports are made, in the visitor's language.
func scheduleText(v *visit, rs *campaign.ReportSchedule) string {
	switch {
	case !rs.Scheduled():
		return v.T("report.schedule.none")
	case rs.Every == campaign.ReportsWeekly:
		return v.T("report.schedule.weekly", v.T(weekdayKey(rs.Weekday)))
	}
	return v.T("report.schedule.monthly", rs.Day)
}

// weekdayKey is the catalogue key of weekday 1 (Monday) … 7 (Sunday).
func weekdayKey(d int) string {
	return "weekday." + string(rune('0'+d))
}

func (s *Server) progressPage(w http.ResponseWriter, r *http.Request, v *visit) {
	p, err := s.svc.ProgressReport(r.Context(), v.User, r.PathValue("id"), r.URL.Query().Get("until"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderProgress(w, r, v, p, "/campaigns/"+p.CampaignID+"/reports/progress.xlsx?until="+p.CutOff)
}

func (s *Server) keptReportPage(w http.ResponseWriter, r *http.Request, v *visit) {
	k, p, err := s.svc.KeptReport(r.Context(), v.User, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.renderProgress(w, r, v, p, "/reports/"+k.ID+"/report.xlsx")
}

// progressView is a report with its people by name and its rates in words.
type progressView struct {
	report.Progress
	MadeAt      string
	Figures     []figure
	Changes     []figure
	Since       string
	Lists       []progressList
	Leaders     []leaderRow
	LongTerm    []longTermRow
	Download    string
	CampaignURL string
}

type progressList struct {
	Key   string
	Title string
	Items []itemRow
}

type itemRow struct {
	report.Item
	OfficialName, LeaderName string
}

type leaderRow struct {
	Name                                string
	Collected, InProgress, Closed       int
	Overdue, Supervised, Accountability int
	CompletionRate, OnTimeRate          string
}

type longTermRow struct {
	report.LongTermItem
	OfficialName, LeaderName string
}

func (s *Server) renderProgress(w http.ResponseWriter, r *http.Request, v *visit, p report.Progress, download string) {
	name := func(u string) string {
		if u == "" {
			return ""
		}
		if p, ok := s.svc.User(u); ok && p.Name != "" {
			return p.Name
		}
		return u
	}
	c, ch := p.Figures, p.Changes
	view := progressView{Progress: p, MadeAt: p.Local().Format("2006-01-02 15:04"), Download: download}
	view.Figures = []figure{
		{Key: "collected", Label: v.T("report.fig.collected"), Value: itoa(c.Collected)},
		{Key: "pending", Label: v.T("report.fig.pending"), Value: itoa(c.Pending)},
		{Key: "in_progress", Label: v.T("report.fig.in_progress"), Value: itoa(c.InProgress)},
		{Key: "closed", Label: v.T("report.fig.closed"), Value: itoa(c.Closed)},
		{Key: "overdue", Label: v.T("report.fig.overdue"), Value: itoa(c.Overdue), Alert: c.Overdue > 0},
		{Key: "supervised", Label: v.T("report.fig.supervised"), Value: itoa(c.Supervised), Alert: c.Supervised > 0},
		{Key: "accountability", Label: v.T("report.fig.accountability"), Value: itoa(c.Accountability), Alert: c.Accountability > 0},
		{Key: "completion_rate", Label: v.T("report.fig.completion_rate"), Value: percent(c.CompletionRate, c.Collected-c.Excluded)},
		{Key: "on_time_rate", Label: v.T("report.fig.on_time_rate"), Value: percent(c.OnTimeRate, c.Closed)},
		{Key: "satisfaction_rate", Label: v.T("report.fig.satisfaction_rate"), Value: percent(c.SatisfactionRate, c.Callbacks)},
	}
	view.Since = v.T("report.since_start")
	if ch.Since != nil {
		view.Since = v.T("report.since", ch.Since.CutOff)
	}
	view.Changes = []figure{
		{Key: "new_collected", Label: v.T("report.new_collected"), Value: itoa(ch.Collected)},
		{Key: "new_closed", Label: v.T("report.new_closed"), Value: itoa(ch.Closed)},
		{Key: "new_overdue", Label: v.T("report.new_overdue"), Value: itoa(ch.NewlyOverdue), Alert: ch.NewlyOverdue > 0},
		{Key: "completion_change", Label: v.T("report.completion_change"), Value: signedPoints(v, ch.CompletionRate)},
		{Key: "on_time_change", Label: v.T("report.on_time_change"), Value: signedPoints(v, ch.OnTimeRate)},
	}
	for _, l := range []struct {
		key   string
		items []report.Item
	}{{"accountability", p.Accountability}, {"supervised", p.Supervised}, {"overdue", p.Overdue}} {
		list := progressList{Key: l.key, Title: v.T("report.section." + l.key)}
		for _, it := range l.items {
			list.Items = append(list.Items, itemRow{Item: it, OfficialName: name(it.Official), LeaderName: name(it.Leader)})
		}
		view.Lists = append(view.Lists, list)
	}
	for _, l := range p.ByLeader {
		n := v.T("report.no_leader")
		if l.Name != "" {
			n = name(l.Name)
		}
		view.Leaders = append(view.Leaders, leaderRow{Name: n, Collected: l.Collected, InProgress: l.InProgress, Closed: l.Closed,
			Overdue: l.Overdue, Supervised: l.Supervised, Accountability: l.Accountability,
			CompletionRate: percent(l.CompletionRate, l.Collected-l.Excluded), OnTimeRate: percent(l.OnTimeRate, l.Closed)})
	}
	for _, it := range p.LongTerm {
		view.LongTerm = append(view.LongTerm, longTermRow{LongTermItem: it, OfficialName: name(it.Official), LeaderName: name(it.Leader)})
	}
	s.render(w, r, http.StatusOK, "progress", v, map[string]any{"Report": view})
}

func (s *Server) progressDownload(w http.ResponseWriter, r *http.Request, v *visit) {
	s.download(w, r, v, func() (*service.Download, error) {
		return s.svc.ProgressFile(r.Context(), v.User, r.PathValue("id"), r.URL.Query().Get("until"), v.Lang)
	})
}

func (s *Server) keptReportDownload(w http.ResponseWriter, r *http.Request, v *visit) {
	s.download(w, r, v, func() (*service.Download, error) {
		return s.svc.ReportFile(r.Context(), v.User, r.PathValue("id"), v.Lang)
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// signedPoints is a rate's change in percentage points, with its sign.
func signedPoints(v *visit, d float64) string {
	return v.T("report.points", fmt.Sprintf("%+.1f", d*100))
}
