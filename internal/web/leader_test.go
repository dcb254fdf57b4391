package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	xhtml "golang.org/x/net/html"

	"rectify/internal/api"
	"rectify/internal/calendar"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/store"
	"rectify/internal/user"
)

// leaderNow is Tuesday 2025-06-10, 10:00 in the campaigns' time zone (UTC+8).
var leaderNow = time.Date(2025, 6, 10, 2, 0, 0, 0, time.UTC)

// Personal data the seeded opinions carry; the public page must show none of it.
const (
	ldSubmitter    = "钱多多"
	ldPhone        = "13912345678"
	ldOfficial     = "wang.official"
	ldOfficialName = "王科长"
	ldLeader       = "liu.leader"
	ldLeaderName   = "刘书记"
	ldDeptHousing  = "住建局"
	ldDeptCivil    = "民政局"
)

// leaderUsers are one person per role; each one's password is their username.
var leaderUsers = []user.User{
	{Username: "office", Name: "办公室", Roles: []domain.Role{domain.RoleOffice}},
	{Username: ldOfficial, Name: ldOfficialName, Roles: []domain.Role{domain.RoleOfficial}, Department: ldDeptHousing},
	{Username: "verifier", Name: "赵核查", Roles: []domain.Role{domain.RoleVerifier}},
	{Username: ldLeader, Name: ldLeaderName, Roles: []domain.Role{domain.RoleLeader}},
}

var leaderHashes = passwordHashes(leaderUsers)

// leaderEnv is the web UI on a real store, user directory and calendar. These
// pages only read, so there is no Temporal client.
type leaderEnv struct {
	svc   *service.Service
	api   *api.Server
	store *store.Store
	srv   *httptest.Server
	web   *Server
}

func newLeaderEnv(t testing.TB) *leaderEnv {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "rectify.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	users := make([]user.User, len(leaderUsers))
	for i, u := range leaderUsers {
		u.PasswordHash = leaderHashes()[u.Username]
		u.TokenHashes = []string{user.HashToken("tok-" + u.Username)}
		users[i] = u
	}
	dir, err := user.New(users)
	require.NoError(t, err)
	svc, front := newService(service.Config{
		Store: st, Users: dir, Calendar: calendar.Default(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return leaderNow },
	}, nil)
	web, err := New(svc, front, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(web.Handler())
	t.Cleanup(srv.Close)
	return &leaderEnv{svc: svc, api: front, store: st, srv: srv, web: web}
}

// createCampaign stores a campaign with the default categories and two departments.
func (e *leaderEnv) createCampaign(t testing.TB, id, name string) campaign.Campaign {
	t.Helper()
	c := campaign.Campaign{ID: id, Name: name, CreatedBy: "office", CreatedAt: leaderNow}
	c.Policy = campaign.DefaultPolicy()
	c.Policy.Departments = []string{ldDeptHousing, ldDeptCivil}
	require.NoError(t, campaign.Normalize(&c))
	require.NoError(t, e.store.CreateCampaign(context.Background(), c))
	return c
}

// leaderSeed is what a test says about one opinion; leaderOpinion fills the rest.
type leaderSeed struct {
	id, category, department string
	state                    domain.State
	level                    domain.OverdueLevel
	deadline                 string
	closedOn                 string // campaign-local day, for closed ones
	onTime                   bool
	satisfaction             string
}

func leaderOpinion(campaignID string, s leaderSeed) domain.Opinion {
	o := domain.Opinion{
		ID: s.id, CampaignID: campaignID, Key: "key-" + s.id,
		Content: "意见内容-" + s.id, Channel: "热线", CollectedAt: "2025-05-20",
		Submitter: ldSubmitter, Phone: ldPhone, Target: "班子",
		State: s.state, Category: s.category, Department: s.department,
		OverdueLevel: levelOr(s.level, domain.LevelNone),
		OnTime:       s.onTime, Satisfaction: s.satisfaction,
		CreatedAt: leaderNow.Add(-30 * 24 * time.Hour), UpdatedAt: leaderNow, Revision: 3,
	}
	o.Schedule.Deadline = s.deadline
	if s.department != "" {
		o.Official, o.Leader = ldOfficial, ldLeader
		o.Measures = "整改措施-" + s.id
	}
	if s.closedOn != "" {
		d, err := time.ParseInLocation(domain.DateLayout, s.closedOn, time.FixedZone("CST", 8*3600))
		if err != nil {
			panic(err)
		}
		o.ClosedAt = d.Add(15 * time.Hour).UTC()
	}
	return o
}

func levelOr(l, def domain.OverdueLevel) domain.OverdueLevel {
	if l == "" {
		return def
	}
	return l
}

// leaderMixed is a campaign with an opinion in every state and on every rung of
// the ladder.
var leaderMixed = []leaderSeed{
	{id: "o-recv-1", state: domain.StateReceived},
	{id: "o-recv-2", state: domain.StateReceived},
	{id: "o-cat", state: domain.StateCategorized, category: "形式主义"},
	{id: "o-ret", state: domain.StateReturned, category: "官僚主义"},
	{id: "o-asg", state: domain.StateAssigned, category: "形式主义", department: ldDeptHousing, deadline: "2025-06-30"},
	{id: "o-soon", state: domain.StateInProgress, category: "服务态度和效率", department: ldDeptCivil, deadline: "2025-06-11", level: domain.LevelDueSoon},
	{id: "o-late", state: domain.StateInProgress, category: "官僚主义", department: ldDeptHousing, deadline: "2025-06-05", level: domain.LevelOverdue},
	{id: "o-late2", state: domain.StateAssigned, category: "形式主义", department: ldDeptCivil, deadline: "2025-06-06", level: domain.LevelOverdue},
	{id: "o-sup", state: domain.StateInProgress, category: "形式主义", department: ldDeptHousing, deadline: "2025-06-02", level: domain.LevelSupervised},
	{id: "o-acc", state: domain.StateAssigned, category: "享乐主义", department: ldDeptCivil, deadline: "2025-05-20", level: domain.LevelAccountability},
	{id: "o-sub", state: domain.StateSubmitted, category: "享乐主义", department: ldDeptHousing, deadline: "2025-06-20"},
	{id: "o-cb", state: domain.StateAwaitingCallback, category: "官僚主义", department: ldDeptCivil, deadline: "2025-06-20"},
	{id: "o-done1", state: domain.StateClosed, category: "形式主义", department: ldDeptHousing, deadline: "2025-06-09", closedOn: "2025-06-03", onTime: true, satisfaction: "satisfied"},
	{id: "o-done2", state: domain.StateClosed, category: "形式主义", department: ldDeptCivil, deadline: "2025-06-09", closedOn: "2025-06-01", onTime: true, satisfaction: "basically"},
	{id: "o-done3", state: domain.StateClosed, category: "官僚主义", department: ldDeptHousing, deadline: "2025-06-09", closedOn: "2025-06-03", onTime: true, satisfaction: "dissatisfied"},
	{id: "o-done4", state: domain.StateClosed, category: "奢靡之风", department: ldDeptCivil, deadline: "2025-06-02", closedOn: "2025-06-06"},
	{id: "o-rej", state: domain.StateRejected},
	{id: "o-mrg", state: domain.StateMerged, category: "形式主义"},
	{id: "o-cnl", state: domain.StateCancelled, category: "官僚主义", department: ldDeptHousing},
}

func (e *leaderEnv) seed(t testing.TB, campaignID string, ops []leaderSeed) {
	t.Helper()
	for _, s := range ops {
		require.NoError(t, e.store.ProjectOpinion(context.Background(), leaderOpinion(campaignID, s)))
	}
}

var leaderCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs username in through the sign-in form, as a browser does, and
// returns a client that carries the session and does not follow redirects.
func (e *leaderEnv) signIn(t testing.TB, username string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	status, body := e.get(t, c, "/login")
	require.Equal(t, http.StatusOK, status)
	m := leaderCSRFField.FindStringSubmatch(body)
	require.NotNil(t, m, "the sign-in form has a CSRF field")
	resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"username": {username}, "password": {username}, "csrf": {html.UnescapeString(m[1])}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "sign-in as %s", username)
	return c
}

func (e *leaderEnv) get(t testing.TB, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(e.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// apiStats asks the HTTP API for a campaign's figures, as a client would.
func (e *leaderEnv) apiStats(t *testing.T, campaignID string) store.Stats {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/campaigns/"+campaignID+"/stats", nil)
	req.Header.Set("Authorization", "Bearer tok-"+ldLeader)
	rec := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var st store.Stats
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
	return st
}

var dashFigureRE = regexp.MustCompile(`data-figure="([a-z_]+)">([^<]*)<`)

// dashFigures reads the headline figures out of a dashboard.
func dashFigures(body string) map[string]string {
	out := map[string]string{}
	for _, m := range dashFigureRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// dashSVG cuts one chart out of a page.
func dashSVG(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `<svg class="chart" id="`+id+`"`)
	require.GreaterOrEqual(t, start, 0, "chart %s on the page", id)
	end := strings.Index(body[start:], "</svg>")
	require.Greater(t, end, 0)
	return body[start : start+end]
}

var dashBarRE = regexp.MustCompile(`<g class="bar" data-name="([^"]*)" data-collected="(\d+)" data-closed="(\d+)">`)

func TestDashboardFiguresAreTheAPIStats(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	ctx := context.Background()
	st, err := e.store.Stats(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, st, e.apiStats(t, "c1"), "the API serves store.Stats")
	require.Equal(t, len(leaderMixed), st.Collected)
	require.Equal(t, 4, st.Closed)
	require.Equal(t, 4, st.Overdue)

	for _, who := range []string{ldLeader, "office"} {
		c := e.signIn(t, who)
		status, body := e.get(t, c, "/dashboard?campaign=c1")
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, body, `<meta http-equiv="refresh" content="30">`)
		require.NotContains(t, body, "NaN")

		figs := dashFigures(body)
		pct := func(r float64) string { return fmt.Sprintf("%.1f%%", r*100) }
		require.Equal(t, map[string]string{
			"collected": strconv.Itoa(st.Collected), "pending": strconv.Itoa(st.Pending),
			"in_progress": strconv.Itoa(st.InProgress), "closed": strconv.Itoa(st.Closed),
			"overdue": strconv.Itoa(st.Overdue), "supervised": strconv.Itoa(st.Supervised),
			"accountability":  strconv.Itoa(st.Accountability),
			"completion_rate": pct(st.CompletionRate), "on_time_rate": pct(st.OnTimeRate),
			"satisfaction_rate": pct(st.SatisfactionRate),
		}, figs, "%s sees exactly the stats", who)
		// Worked by hand from leaderMixed: 4 closed of 19−3 excluded, 3 on time,
		// 2 satisfied of 3 callbacks.
		require.Equal(t, "25.0%", figs["completion_rate"])
		require.Equal(t, "75.0%", figs["on_time_rate"])
		require.Equal(t, "66.7%", figs["satisfaction_rate"])

		// One bar per category and per department, each with its numbers as text.
		for _, chart := range []struct {
			id      string
			groups  []store.Counts
			unnamed string
		}{{"chart-category", st.ByCategory, "未分类"}, {"chart-department", st.ByDepartment, "未交办"}} {
			svg := dashSVG(t, body, chart.id)
			require.Contains(t, svg, `role="img"`)
			require.Regexp(t, `aria-label="[^"]+"`, svg)
			bars := dashBarRE.FindAllStringSubmatch(svg, -1)
			require.Len(t, bars, len(chart.groups), chart.id)
			want := map[string][2]int{}
			for _, g := range chart.groups {
				name := g.Name
				if name == "" {
					name = chart.unnamed
				}
				want[name] = [2]int{g.Collected, g.Closed}
				require.Contains(t, svg, fmt.Sprintf("收集 %d · 销号 %d", g.Collected, g.Closed), "%s: %s", chart.id, name)
			}
			got := map[string][2]int{}
			for _, b := range bars {
				n, _ := strconv.Atoi(b[2])
				closed, _ := strconv.Atoi(b[3])
				got[html.UnescapeString(b[1])] = [2]int{n, closed}
			}
			require.Equal(t, want, got, chart.id)
		}

		// Closures per day: every closure is in a column, on its campaign-local day.
		svg := dashSVG(t, body, "chart-closures")
		cols := regexp.MustCompile(`data-day="([0-9-]+)" data-closed="(\d+)"`).FindAllStringSubmatch(svg, -1)
		sum := 0
		perDay := map[string]int{}
		for _, c := range cols {
			n, _ := strconv.Atoi(c[2])
			sum += n
			perDay[c[1]] = n
		}
		require.Equal(t, st.Closed, sum)
		require.Equal(t, 2, perDay["2025-06-03"])
		require.Equal(t, 0, perDay["2025-06-02"], "days without closures are drawn at zero")
		require.Equal(t, "2025-06-01", cols[0][1])
		require.Equal(t, "2025-06-10", cols[len(cols)-1][1], "the axis runs to today")

		// The cumulative picture ends where the completion rate's figures are: the
		// opinions to be rectified (collected but the excluded) and those closed.
		flow := dashSVG(t, body, "chart-flow")
		require.Contains(t, flow, fmt.Sprintf(`data-due="%d" data-closed="%d"`, st.Collected-st.Excluded, st.Closed))
		require.Contains(t, flow, fmt.Sprintf("截至 2025-06-10，应整改 %d 件，已销号 %d 件，在办 %d 件",
			st.Collected-st.Excluded, st.Closed, st.Collected-st.Excluded-st.Closed))
		require.Contains(t, flow, fmt.Sprintf("已销号 %d</text>", st.Closed))
		require.Regexp(t, `<polyline class="flow-closed" points="8\.0,[0-9.]+ `, flow, "one point a day from the first")

		// The overdue lists link every overdue opinion, each with its level badge,
		// and nothing else.
		late, err := e.store.Opinions(ctx, store.Filter{CampaignID: "c1", Overdue: true, Limit: 500})
		require.NoError(t, err)
		require.Len(t, late.Opinions, st.Overdue)
		lists := body[strings.Index(body, `id="dash-lists"`):]
		for _, o := range late.Opinions {
			row := regexp.MustCompile(`<span class="badge level-` + string(o.OverdueLevel) + `">[^<]+</span></td>\s*<td class="c-content"><a href="/opinions/` + o.ID + `">`)
			require.Regexp(t, row, lists, "overdue %s listed with its badge", o.ID)
		}
		require.Equal(t, st.Overdue, strings.Count(lists, `href="/opinions/`))
		for _, level := range []string{"accountability", "supervised", "overdue"} {
			require.Contains(t, lists, `data-list="`+level+`"`)
		}
		// Most urgent first: accountability, then supervised, then overdue.
		require.Less(t, strings.Index(lists, "/opinions/o-acc"), strings.Index(lists, "/opinions/o-sup"))
		require.Less(t, strings.Index(lists, "/opinions/o-sup"), strings.Index(lists, "/opinions/o-late"))
		require.Contains(t, lists, "超期", "working days late are shown")
		require.Contains(t, body, `href="/campaigns/c1/public"`)
		requireLabelled(t, "/dashboard as "+who, body)
	}
}

func TestDashboardChoosesCampaign(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "第一批整改")
	e.seed(t, "c1", leaderMixed)
	c2 := campaign.Campaign{ID: "c2", Name: "第二批整改", CreatedBy: "office", CreatedAt: leaderNow.Add(time.Hour), Policy: campaign.DefaultPolicy()}
	require.NoError(t, campaign.Normalize(&c2))
	require.NoError(t, e.store.CreateCampaign(context.Background(), c2))
	second := slices.Clone(leaderMixed[:3])
	for i := range second {
		second[i].id = "c2-" + second[i].id
	}
	e.seed(t, "c2", second)
	c := e.signIn(t, ldLeader)

	status, body := e.get(t, c, "/dashboard?campaign=c2")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "3", dashFigures(body)["collected"])
	require.Contains(t, body, `<label for="dash-campaign">活动</label>`, "the selector has a label")
	require.Regexp(t, `<option value="c2" selected>第二批整改</option>`, body)
	require.Contains(t, body, `<form method="get" action="/dashboard"`)

	status, body = e.get(t, c, "/dashboard")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "3", dashFigures(body)["collected"], "the newest campaign by default")
	require.Regexp(t, `<option value="c2" selected>`, body)

	status, body = e.get(t, c, "/dashboard?campaign=c1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, strconv.Itoa(len(leaderMixed)), dashFigures(body)["collected"])

	status, _ = e.get(t, c, "/dashboard?campaign=nope")
	require.Equal(t, http.StatusNotFound, status)
}

func TestDashboardRoles(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	for who, want := range map[string]int{
		ldLeader: http.StatusOK, "office": http.StatusOK,
		ldOfficial: http.StatusForbidden, "verifier": http.StatusForbidden,
	} {
		c := e.signIn(t, who)
		status, body := e.get(t, c, "/dashboard?campaign=c1")
		require.Equal(t, want, status, who)
		if want == http.StatusForbidden {
			require.Contains(t, body, "您没有权限访问此页面。")
			require.NotContains(t, body, "data-figure")
		}
		// Anyone signed in may read the published results.
		status, _ = e.get(t, c, "/campaigns/c1/public")
		require.Equal(t, http.StatusOK, status, who)
	}
	// Signed out: to the sign-in form, coming back afterwards.
	anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/dashboard", "/campaigns/c1/public"} {
		resp, err := anon.Get(e.srv.URL + path)
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, "/login?next="+url.QueryEscape(path), resp.Header.Get("Location"))
	}
}

func TestDashboardInEnglish(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	c := e.signIn(t, ldLeader)
	_, body := e.get(t, c, "/dashboard?campaign=c1")
	require.Contains(t, body, "进度看板")
	m := leaderCSRFField.FindStringSubmatch(body)
	require.NotNil(t, m)
	resp, err := c.PostForm(e.srv.URL+"/lang", url.Values{"csrf": {html.UnescapeString(m[1])}, "lang": {"en"}, "next": {"/dashboard?campaign=c1"}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	status, body := e.get(t, c, "/dashboard?campaign=c1")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<html lang="en">`)
	for _, s := range []string{"Progress dashboard", "Collected", "On-time rate", "By category", "By department",
		"Closures per day", "Accountability list", "7 collected · 2 closed", "working days late"} {
		require.Contains(t, body, s)
	}
	require.NotContains(t, body, "收集 ")
	require.NotContains(t, body, "：", "no Chinese punctuation on an English page, the charts' tooltips included")
	require.Equal(t, "25.0%", dashFigures(body)["completion_rate"])

	status, body = e.get(t, c, "/campaigns/c1/public")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "主题教育整改: rectification results")
	require.Contains(t, body, "Published 10 June 2025")
	require.Contains(t, body, "Completed")
}

func TestDashboardEmpty(t *testing.T) {
	e := newLeaderEnv(t)
	c := e.signIn(t, ldLeader)
	status, body := e.get(t, c, "/dashboard")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "尚未创建任何活动")

	e.createCampaign(t, "empty", "空活动")
	for _, lang := range []string{"zh", "en"} {
		require.NoError(t, e.store.SetLanguage(context.Background(), ldLeader, lang))
		status, body = e.get(t, c, "/dashboard?campaign=empty")
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, "NaN")
		require.NotContains(t, body, "+Inf")
		figs := dashFigures(body)
		require.Len(t, figs, 10)
		for _, k := range []string{"collected", "closed", "overdue", "accountability"} {
			require.Equal(t, "0", figs[k])
		}
		for _, k := range []string{"completion_rate", "on_time_rate", "satisfaction_rate"} {
			require.Equal(t, "—", figs[k], "nothing to divide by shows a dash, not 0%% or NaN")
		}
		require.Contains(t, body, map[string]string{"zh": "本活动尚未收集到意见", "en": "This campaign has no opinions yet"}[lang])

		status, body = e.get(t, c, "/campaigns/empty/public")
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, "NaN")
		require.Contains(t, body, map[string]string{"zh": "暂无可公示的整改事项", "en": "There is nothing to publish yet"}[lang])
		require.Contains(t, body, `data-total="0" data-closed="0"`)
	}
	status, _ = e.get(t, c, "/campaigns/nope/public")
	require.Equal(t, http.StatusNotFound, status)
}

func TestPublicResults(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	c := e.signIn(t, "verifier")
	status, body := e.get(t, c, "/campaigns/c1/public")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "<h1>主题教育整改整改情况公示</h1>")
	require.Contains(t, body, "公示日期：2025年6月10日")
	requireLabelled(t, "/campaigns/c1/public", body)

	published := 0
	for _, s := range leaderMixed {
		switch {
		case s.category == "" || s.state == domain.StateRejected || s.state == domain.StateMerged || s.state == domain.StateCancelled:
			require.NotContains(t, body, "意见内容-"+s.id+"<", "%s is not published", s.id)
		default:
			published++
			require.Contains(t, body, "意见内容-"+s.id+"<", "%s is published", s.id)
			if s.department != "" {
				require.Contains(t, body, "整改措施-"+s.id)
			}
		}
	}
	require.Contains(t, body, ldDeptHousing)
	require.Contains(t, body, ldDeptCivil)
	require.Contains(t, body, fmt.Sprintf(`data-total="%d" data-closed="4"`, published))
	require.Contains(t, body, fmt.Sprintf("共梳理整改事项 %d 项，已完成整改 4 项，完成率 %.1f%%", published, 400.0/float64(published)))
	require.Contains(t, body, "<td class=\"nowrap\">2025-06-03</td>", "completion dates, campaign-local")

	// No personal data: not the citizen's, not the officials'.
	for _, personal := range []string{ldSubmitter, ldPhone, ldOfficial, ldOfficialName, ldLeader, ldLeaderName} {
		require.NotContains(t, body, personal)
	}

	// By category in the campaign's order, closed items first by the day they closed.
	article := body[strings.Index(body, `<article class="public">`):]
	var cats []string
	for _, m := range regexp.MustCompile(`<h2>([^<]+)<span class="count">`).FindAllStringSubmatch(article, -1) {
		cats = append(cats, m[1])
	}
	require.Equal(t, []string{"形式主义", "官僚主义", "享乐主义", "奢靡之风", "服务态度和效率"}, cats)
	var order []string
	for _, m := range regexp.MustCompile(`意见内容-(o-[a-z0-9-]+)<`).FindAllStringSubmatch(article, -1) {
		order = append(order, m[1])
	}
	require.Equal(t, []string{"o-done2", "o-done1", "o-sup", "o-late2", "o-asg", "o-cat"}, order[:6], "形式主义: closed by date, then by deadline")
	seq := regexp.MustCompile(`<td class="seq">(\d+)</td>`).FindAllStringSubmatch(article, -1)
	require.Len(t, seq, published)
	require.Equal(t, strconv.Itoa(published), seq[len(seq)-1][1], "numbered through")
}

func TestBarChartGeometry(t *testing.T) {
	require.Zero(t, barLength(5, 0, 100), "no maximum draws nothing")
	require.Zero(t, barLength(0, 10, 100))
	require.Zero(t, barLength(3, 10, 0))
	require.Equal(t, 100.0, barLength(10, 10, 100))
	require.Equal(t, 100.0, barLength(12, 10, 100), "never past the span")
	require.InDelta(t, 25.0, barLength(1, 4, 100), 1e-9)

	c := newBarChart("x", "summary", []barInput{
		{Label: "形式主义", Value: 40, Part: 10, Text: "40 collected · 10 closed"}, {Label: "官僚主义", Value: 20, Part: 20},
		{Label: "a very long department name that cannot fit in the label column at all", Value: 5},
		{Label: "零", Value: 0},
	})
	require.Len(t, c.Bars, 4)
	full := float64(c.Bars[0].W)
	require.Greater(t, full, 100.0)
	for i, want := range []float64{1, 0.5, 0.125, 0} {
		require.InDelta(t, want, float64(c.Bars[i].W)/full, 1e-9, "bar %d is proportional to its value", i)
	}
	require.InDelta(t, 0.25, float64(c.Bars[0].PartW)/full, 1e-9)
	require.Equal(t, c.Bars[1].W, c.Bars[1].PartW, "all closed fills the bar")
	require.LessOrEqual(t, float64(c.Bars[0].TextX)+textWidth(c.Bars[0].Text), float64(c.Width), "the longest bar and its text fit the chart")
	require.True(t, strings.HasSuffix(c.Bars[2].Label, "…"), "long labels are shortened")
	require.Equal(t, "a very long department name that cannot fit in the label column at all", c.Bars[2].Title)
	require.LessOrEqual(t, textWidth(c.Bars[2].Label), float64(maxLabelWidth))
	require.Equal(t, len(c.Bars)*barRowHeight+4, c.Height)

	zero := newBarChart("z", "", []barInput{{Label: "a"}, {Label: "b"}})
	for _, b := range zero.Bars {
		require.Zero(t, float64(b.W))
		for _, v := range []px{b.W, b.PartW, b.TextX, b.Y} {
			require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
		}
	}
	require.Empty(t, newBarChart("e", "", nil).Bars)
	require.Equal(t, "12.3", px(12.34).String())
}

func TestColumnChartGeometry(t *testing.T) {
	days := fillDays([]store.DayCount{{Day: "2025-06-01", Count: 2}, {Day: "2025-06-04", Count: 4}}, "2025-06-05", 90)
	require.Equal(t, []store.DayCount{{Day: "2025-06-01", Count: 2}, {Day: "2025-06-02", Count: 0}, {Day: "2025-06-03", Count: 0}, {Day: "2025-06-04", Count: 4}, {Day: "2025-06-05", Count: 0}}, days)
	require.Len(t, fillDays([]store.DayCount{{Day: "2025-01-01", Count: 1}}, "2025-06-05", 90), 90, "a long campaign keeps its last days")
	require.Equal(t, "2025-03-08", fillDays([]store.DayCount{{Day: "2025-01-01", Count: 1}}, "2025-06-05", 90)[0].Day)
	require.Nil(t, fillDays(nil, "2025-06-05", 90))

	c := newColumnChart("c", "s", days)
	require.Len(t, c.Columns, 5)
	tallest := float64(c.Columns[3].H)
	require.InDelta(t, 0.5, float64(c.Columns[0].H)/tallest, 1e-9)
	require.Zero(t, float64(c.Columns[1].H))
	require.InDelta(t, float64(c.BaseY), float64(c.Columns[0].Y+c.Columns[0].H), 1e-9, "columns stand on the axis")
	require.True(t, c.Columns[0].ShowText)
	require.False(t, c.Columns[1].ShowText, "no number on an empty day")
	require.NotEmpty(t, c.Ticks)
	require.Equal(t, "06-01", c.Ticks[0].Label)

	flat := newColumnChart("f", "s", []store.DayCount{{Day: "2025-06-01", Count: 0}, {Day: "2025-06-02", Count: 0}})
	for _, col := range flat.Columns {
		require.Zero(t, float64(col.H))
		require.False(t, math.IsNaN(float64(col.Y)))
	}
	require.Empty(t, newColumnChart("n", "s", nil).Columns)
	require.Equal(t, "—", percent(math.NaN(), 3))
	require.Equal(t, "—", percent(0, 0))
	require.Equal(t, "66.7%", percent(2.0/3, 3))
}

func leaderP95(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	d = slices.Clone(d)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[(len(d)*95+99)/100-1]
}

// leaderBenchSeed projects n opinions in a realistic mix of states, levels, categories
// and departments, closures spread over two months.
func leaderBenchSeed(b *testing.B, e *leaderEnv, campaignID string, n int) {
	b.Helper()
	cats := campaign.DefaultCategories()
	levels := []domain.OverdueLevel{domain.LevelNone, domain.LevelNone, domain.LevelDueSoon,
		domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability}
	for i := range n {
		s := leaderSeed{
			id:    fmt.Sprintf("%s-%05d", campaignID, i),
			state: domain.AllStates[i%len(domain.AllStates)],
		}
		if s.state != domain.StateReceived {
			s.category = cats[i%len(cats)].Name
		}
		switch s.state {
		case domain.StateAssigned, domain.StateInProgress, domain.StateSubmitted, domain.StateAwaitingCallback, domain.StateClosed:
			s.department = fmt.Sprintf("部门%02d", i%12)
			s.deadline = leaderNow.AddDate(0, 0, i%40-20).Format(domain.DateLayout)
		}
		if s.state == domain.StateAssigned || s.state == domain.StateInProgress {
			s.level = levels[(i/len(domain.AllStates))%len(levels)]
		}
		if s.state == domain.StateClosed {
			s.closedOn = leaderNow.AddDate(0, 0, -(i % 60)).Format(domain.DateLayout)
			s.onTime = i%3 != 0
			s.satisfaction = []string{"satisfied", "basically", "dissatisfied"}[i%3]
		}
		if err := e.store.ProjectOpinion(context.Background(), leaderOpinion(campaignID, s)); err != nil {
			b.Fatal(err)
		}
	}
}

// The dashboard offers the campaign's 整改台账, and the download is the API's file:
// to leaders and the office only, every opinion (or the open ones) in one sheet.
func TestLedgerDownloadFromTheDashboard(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	leader := e.signIn(t, ldLeader)
	_, body := e.get(t, leader, "/dashboard?campaign=c1")
	require.Contains(t, body, `id="ledger-xlsx" href="/campaigns/c1/ledger.xlsx"`)
	require.Contains(t, body, `id="ledger-csv" href="/campaigns/c1/ledger.csv"`)

	resp, err := leader.Get(e.srv.URL + "/campaigns/c1/ledger.xlsx")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	book, err := excelize.OpenReader(resp.Body)
	require.NoError(t, err)
	rows, err := book.GetRows("意见明细")
	require.NoError(t, err)
	require.Len(t, rows, 3+len(leaderMixed), "title rows, a header and every opinion")

	status, csvBody := e.get(t, e.signIn(t, "office"), "/campaigns/c1/ledger.csv?open=true")
	require.Equal(t, http.StatusOK, status)
	open := 0
	for _, s := range leaderMixed {
		if !s.state.Final() && s.state != domain.StateClosed {
			open++
		}
	}
	require.Equal(t, 1+open, strings.Count(csvBody, "\r\n"), "only the opinions still being worked on:\n%s", csvBody)

	status, page := e.get(t, e.signIn(t, ldOfficial), "/campaigns/c1/ledger.xlsx")
	require.Equal(t, http.StatusForbidden, status)
	require.Contains(t, page, "需要以下角色之一：领导、活动办公室")
}

var dashQualityRE = regexp.MustCompile(`data-quality="([a-z_]+)">([^<]*)<`)

// dashQuality reads the quality figures out of a dashboard.
func dashQuality(body string) map[string]string {
	out := map[string]string{}
	for _, m := range dashQualityRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// qualitySeeds are opinions whose record was once laundered, on top of
// leaderMixed: one that reached 问责 and closed after a late extension, and one
// called back dissatisfied, reopened, fixed and called back "basically satisfied";
// and one fixed on the spot and one on the long-term track.
func (e *leaderEnv) seedQuality(t *testing.T, campaignID string) {
	t.Helper()
	yes, no := true, false
	late := leaderOpinion(campaignID, leaderSeed{id: "q-late", state: domain.StateClosed, category: "群众需要解决的问题",
		department: ldDeptHousing, deadline: "2025-06-20", closedOn: "2025-06-09"})
	late.HighestLevel, late.HighestLevelAt = domain.LevelAccountability, leaderNow.Add(-72*time.Hour)
	late.Extensions, late.LateExtensions, late.WorkingDaysToClose = 1, 1, 14
	late.Rounds = []domain.Round{{Measures: "修路", Passed: &yes}}
	late.Callbacks = []domain.Callback{{At: leaderNow, Satisfaction: domain.SatisfactionSatisfied, First: true}}
	late.Satisfaction, late.Target = domain.SatisfactionSatisfied, "张局长"
	reopened := leaderOpinion(campaignID, leaderSeed{id: "q-reopen", state: domain.StateClosed, category: "形式主义",
		department: ldDeptCivil, deadline: "2025-06-20", closedOn: "2025-06-08", onTime: true})
	reopened.Rounds = []domain.Round{{Passed: &no}, {Passed: &yes}, {Passed: &yes}}
	reopened.ReworkCount, reopened.Reopens, reopened.WorkingDaysToClose = 1, 1, 9
	reopened.Callbacks = []domain.Callback{{At: leaderNow, Satisfaction: domain.SatisfactionDissatisfied, First: true},
		{At: leaderNow, Satisfaction: domain.SatisfactionBasically, First: true}}
	reopened.Satisfaction, reopened.Leader = domain.SatisfactionBasically, "chen"
	// Fixed on the spot, of a 限期整改 category: it counts as 立行立改.
	spot := leaderOpinion(campaignID, leaderSeed{id: "q-spot", state: domain.StateClosed, category: "形式主义",
		department: ldDeptCivil, closedOn: "2025-06-09", onTime: true})
	spot.OnTheSpot, spot.FixedOn, spot.SubmittedBy, spot.Leader = true, "2025-06-06", "office", "" // no 包案 leader named
	spot.Rounds = []domain.Round{{Measures: "当场整改", Passed: &yes}}
	// On the long-term track, its next report due in a month: 长期坚持, not overdue
	// however long the work.
	longTerm := leaderOpinion(campaignID, leaderSeed{id: "q-long", state: domain.StateInProgress, category: "制度漏洞",
		department: ldDeptCivil, deadline: "2025-07-21"})
	longTerm.LongTerm, longTerm.ReportEveryMonths, longTerm.Leader = true, 1, "" // no 包案 leader named
	longTerm.Reports = []domain.ProgressReport{{By: ldOfficial, Done: "梳理制度", Next: "印发执行", Percent: 30, Due: "2025-06-20"}}
	for _, o := range []domain.Opinion{late, reopened, spot, longTerm} {
		require.NoError(t, e.store.ProjectOpinion(context.Background(), o))
	}
}

// The dashboard's quality figures are the stats', in both languages: the late
// extension and the 问责 it reached stay visible, and so do the dissatisfied call
// and the rework.
func TestDashboardShowsTheQualityOfTheFixes(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	e.seedQuality(t, "c1")
	st, err := e.store.Stats(context.Background(), "c1")
	require.NoError(t, err)
	require.Equal(t, st, e.apiStats(t, "c1"), "the API serves store.Stats")
	// By hand: leaderMixed's three calls (each its latest answer, recorded before
	// the calls were kept) and the two seeded ones' three.
	require.Equal(t, [3]int{6, 4, 2}, [3]int{st.Callbacks, st.Satisfied, st.Dissatisfied})
	require.Equal(t, 2, st.EverAccountability, "o-acc, and q-late though it closed at no rung")
	require.Equal(t, 1, st.Accountability)
	require.Equal(t, 1, st.LateExtensions)

	c := e.signIn(t, ldLeader)
	_, body := e.get(t, c, "/dashboard?campaign=c1")
	q := dashQuality(body)
	pct := func(r float64) string { return fmt.Sprintf("%.1f%%", r*100) }
	require.Equal(t, map[string]string{
		"first_pass_rate": pct(st.FirstPassRate), "rework_rate": pct(st.ReworkRate), "reopen_rate": pct(st.ReopenRate),
		"extension_rate": pct(st.ExtensionRate), "late_extensions": "1", "ever_overdue": strconv.Itoa(st.EverOverdue),
		"ever_supervised": strconv.Itoa(st.EverSupervised), "ever_accountability": "2",
		"median_working_days_to_close": "0 个工作日", "dissatisfied": "2", "on_the_spot": "1", "long_term": "1",
	}, q)
	require.Equal(t, [2]int{1, 1}, [2]int{st.OnTheSpot, st.LongTerm})
	require.Contains(t, body, "每次办结后的首次回访共 6 次，满意（含基本满意）4 次")
	require.Equal(t, "66.7%", dashFigures(body)["satisfaction_rate"], "4 of 6 calls, not 4 of 5 opinions")
	requireLabelled(t, "/dashboard with quality", body)

	// The breakdowns: every slice of every table is a row.
	for id, slices := range map[string][]store.Counts{"quality-speed": st.BySpeed, "quality-leader": st.ByLeader,
		"quality-target": st.ByTarget, "quality-category": st.ByCategory, "quality-department": st.ByDepartment} {
		start := strings.Index(body, `id="`+id+`"`)
		require.Positive(t, start, id)
		table := body[start : start+strings.Index(body[start:], "</table>")]
		require.Equal(t, len(slices), strings.Count(table, "data-slice="), id)
	}
	speed := body[strings.Index(body, `id="quality-speed"`):]
	require.Less(t, strings.Index(speed, "立行立改"), strings.Index(speed, "限期整改"), "the speeds in the order of the domain")
	leader := body[strings.Index(body, `id="quality-leader"`):]
	require.Contains(t, leader, ldLeaderName, "leaders by their names")
	require.Contains(t, leader, `data-slice="chen"`)
	target := body[strings.Index(body, `id="quality-target"`):]
	require.Contains(t, target, ">张局长<")
	row := regexp.MustCompile(`<tr data-slice="chen">\s*<td class="slice c-head">chen</td>\s*<td data-label="[^"]+">1</td><td data-label="[^"]+">1</td>`)
	require.Regexp(t, row, leader, "a leader who is no user shows by username")

	// In English.
	m := leaderCSRFField.FindStringSubmatch(body)
	resp, err := c.PostForm(e.srv.URL+"/lang", url.Values{"csrf": {html.UnescapeString(m[1])}, "lang": {"en"}, "next": {"/dashboard?campaign=c1"}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	_, body = e.get(t, c, "/dashboard?campaign=c1")
	for _, s := range []string{"Quality of the fixes", "First-pass verification", "Ever accountability", "Late extensions",
		"Dissatisfied calls", "of 6 first calls after a closure; 4 satisfied or basically", "By responsible leader", "Fix at once"} {
		require.Contains(t, body, s)
	}
	require.Equal(t, "0 working days", dashQuality(body)["median_working_days_to_close"])
	require.NotContains(t, body, "：")
	require.Empty(t, untranslated(t, body), "headings, column heads and figure texts are English; only data stays as written")
	_, cases := e.get(t, c, "/my-cases")
	require.Contains(t, cases, "Items I answer for")
	require.Empty(t, untranslated(t, cases))
}

// untranslated lists the texts of a page's headings, column heads, labels,
// captions and figure texts that hold Chinese (what the browser test checks on an
// English page; a .count is data).
func untranslated(t *testing.T, body string) []string {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(body))
	require.NoError(t, err)
	class := func(n *xhtml.Node) string {
		for _, a := range n.Attr {
			if a.Key == "class" {
				return a.Val
			}
		}
		return ""
	}
	var text func(n *xhtml.Node) string
	text = func(n *xhtml.Node) string {
		if n.Type == xhtml.TextNode {
			return n.Data
		}
		if n.Type == xhtml.ElementNode && (class(n) == "count" || n.Data == "option" || n.Data == "select") {
			return ""
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	var out []string
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			switch {
			case n.Data == "form" && slices.ContainsFunc(n.Attr, func(a xhtml.Attribute) bool { return a.Key == "action" && a.Val == "/lang" }):
				return
			case slices.Contains([]string{"h2", "h3", "th", "label", "caption", "summary", "legend"}, n.Data),
				n.Data == "div" && (class(n) == "l" || class(n) == "s"):
				if s := strings.TrimSpace(text(n)); strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
					out = append(out, s)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

// A leader's own list (领导包案): the items whose responsible leader they are, most
// urgent first, and their figures in each campaign; for leaders only.
func TestLeaderListsTheItemsTheyAnswerFor(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	e.seed(t, "c1", leaderMixed)
	e.seedQuality(t, "c1")
	c := e.signIn(t, ldLeader)
	status, body := e.get(t, c, "/my-cases")
	require.Equal(t, http.StatusOK, status, body)
	page, err := e.store.Opinions(context.Background(), store.Filter{Leader: ldLeader, Limit: 500})
	require.NoError(t, err)
	require.Equal(t, 14, page.Total, "every assigned item of leaderMixed (13) and q-late; q-reopen is chen's")
	list := body[strings.Index(body, `id="cases-list"`):]
	var order []string
	for _, m := range regexp.MustCompile(`href="/opinions/([^"]+)"`).FindAllStringSubmatch(list, -1) {
		order = append(order, m[1])
	}
	require.Equal(t, ids(page.Opinions), order, "most urgent first, as the store orders them")
	require.Equal(t, "o-acc", order[0])
	require.NotContains(t, order, "q-reopen")
	require.Contains(t, body, `<span class="count">14</span>`)

	st, err := e.store.Stats(context.Background(), "c1")
	require.NoError(t, err)
	var mine store.Counts
	for _, l := range st.ByLeader {
		if l.Name == ldLeader {
			mine = l
		}
	}
	row := regexp.MustCompile(`<tr data-campaign="c1">\s*<td class="c-head"><a href="/dashboard\?campaign=c1">主题教育整改</a></td>\s*` +
		fmt.Sprintf(`<td data-label="收集">%d</td><td data-label="办理中">%d</td><td data-label="已销号">%d</td><td data-label="逾期">%d</td>\s*<td data-label="[^"]+">%d</td><td data-label="[^"]+">%d</td>`,
			mine.Collected, mine.InProgress, mine.Closed, mine.Overdue, mine.EverAccountability, mine.LateExtensions))
	require.Regexp(t, row, body)
	requireLabelled(t, "/my-cases", body)

	_, dash := e.get(t, c, "/dashboard?campaign=c1")
	require.Contains(t, dash, `<a id="my-cases" href="/my-cases">我包案的事项</a>`)
	require.Contains(t, dash, `<a href="/my-cases">我包案的事项</a><a href="/decisions">`, "the leader's menu leads to it from every page")
	_, dash = e.get(t, e.signIn(t, "office"), "/dashboard?campaign=c1")
	require.NotContains(t, dash, `id="my-cases"`, "the office answers for no item")
	require.NotContains(t, dash, `href="/my-cases"`)

	for who, want := range map[string]int{"office": http.StatusForbidden, ldOfficial: http.StatusForbidden, "verifier": http.StatusForbidden} {
		status, _ := e.get(t, e.signIn(t, who), "/my-cases")
		require.Equal(t, want, status, who)
	}

	// A leader who answers for nothing sees so.
	empty := newLeaderEnv(t)
	empty.createCampaign(t, "c1", "主题教育整改")
	status, body = empty.get(t, empty.signIn(t, ldLeader), "/my-cases")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "目前没有由您包案的事项。")
	require.NotContains(t, body, `id="cases-campaigns"`)
}

// ids lists the opinions' ids in order.
func ids(ops []domain.Opinion) []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.ID
	}
	return out
}

// The cumulative picture adds each day to the ones before, from the first opinion
// to today; a campaign longer than the chart starts it later with the earlier days
// counted in; the data table keeps only the days where something changed.
func TestTheCumulativePictureAddsUpEachDay(t *testing.T) {
	flow := service.Flow{
		Due:    []service.DayCount{{Day: "2025-06-01", Count: 3}, {Day: "2025-06-03", Count: 2}},
		Closed: []service.DayCount{{Day: "2025-06-02", Count: 1}, {Day: "2025-06-03", Count: 2}},
	}
	days, changed := cumulative(flow, "2025-06-05")
	require.Equal(t, []flowDay{{"2025-06-01", 3, 0}, {"2025-06-02", 3, 1}, {"2025-06-03", 5, 3}, {"2025-06-04", 5, 3},
		{"2025-06-05", 5, 3}}, days)
	require.Equal(t, []flowDay{{"2025-06-01", 3, 0}, {"2025-06-02", 3, 1}, {"2025-06-03", 5, 3}}, changed)
	require.Equal(t, 2, days[4].Open())

	long := service.Flow{Due: []service.DayCount{{Day: "2024-01-01", Count: 7}, {Day: "2025-06-01", Count: 1}}}
	days, _ = cumulative(long, "2025-06-05")
	require.Len(t, days, maxFlowDays)
	require.Equal(t, flowDay{Day: days[0].Day, Due: 7}, days[0], "the days before the chart are counted into its first")
	require.Equal(t, 8, days[len(days)-1].Due)

	days, changed = cumulative(service.Flow{}, "2025-06-05")
	require.Empty(t, days)
	require.Empty(t, changed)
}

// A campaign's first day draws a level line across the chart with its figures at
// the right end, where they can be read.
func TestTheCumulativeChartOfOneDayIsALevelLine(t *testing.T) {
	v := &visit{Lang: "zh"}
	c := newFlowChart(v, []flowDay{{Day: "2025-06-05", Due: 1}})
	require.Equal(t, "8.0,22.0 712.0,22.0", c.Due.Points)
	require.Equal(t, "8.0,192.0 712.0,192.0", c.Closed.Points)
	require.Equal(t, px(712), c.Due.TextX)
	require.Equal(t, "应整改 1", c.Due.Text)
	require.Equal(t, "已销号 0", c.Closed.Text)
}

func TestPublicResultsMaskPersonalNumbers(t *testing.T) {
	e := newLeaderEnv(t)
	e.createCampaign(t, "c1", "主题教育整改")
	o := leaderOpinion("c1", leaderSeed{id: "pii", category: "形式主义", department: ldDeptHousing,
		state: domain.StateClosed, deadline: "2025-06-09", closedOn: "2025-06-03", onTime: true})
	o.Content = "五保户邓安元反映小区路灯坏了，请联系我 13912345678 或 0373-5771293，身份证 11010119900307123X，邮箱 qian@example.com"
	o.Measures = "已更换路灯，回访电话 139 8765 4321 确认满意"
	require.NoError(t, e.store.ProjectOpinion(context.Background(), o))

	for _, who := range []string{ldLeader, "verifier", "office"} {
		status, body := e.get(t, e.signIn(t, who), "/campaigns/c1/public")
		require.Equal(t, http.StatusOK, status)
		for _, personal := range []string{"13912345678", "5771293", "11010119900307123X", "qian@", "8765 4321", "邓安元"} {
			require.NotContains(t, body, personal, who)
		}
		require.Contains(t, body, `<td class="pre">五保户邓某某反映小区路灯坏了，请联系我 139****5678 或 0373-*****93，身份证 110*************3X，邮箱 q***@example.com</td>`, who)
		require.Contains(t, body, `<td class="pre">已更换路灯，回访电话 139 **** 4321 确认满意</td>`, who)
	}
	// The office still reads the numbers on the item's own page.
	status, body := e.get(t, e.signIn(t, "office"), "/opinions/pii")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "13912345678")
}
