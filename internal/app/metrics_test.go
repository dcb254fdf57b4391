package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"golang.org/x/sync/errgroup"
	"google.golang.org/protobuf/proto"

	"rectify/internal/apitest"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/metrics"
	"rectify/internal/metrics/metricstest"
	"rectify/internal/store"
	"rectify/workflows"
)

// The exactness test drives opinions through random lifecycles over HTTP, then
// requires every business sample on /metrics to equal what the workflows' own
// queries say — before and after a restart on the same data, and as PromQL
// computes it in a real Prometheus from the recording rules in deploy/.

const (
	exactOpinions    = 240 // driven over HTTP, plus merge anchors and imported rows
	exactConcurrency = 8
)

// exactFigures are the figures the exactness test's processes export: every one,
// the quality figures by department included (RECTIFY_METRICS_DEPARTMENT_QUALITY).
var (
	exactFigures = metrics.Options{DepartmentQuality: true}
	exactEnv     = map[string]string{"RECTIFY_METRICS_DEPARTMENT_QUALITY": "on"}
)

// startApp starts rectify on a data folder with the test users.
func startApp(t *testing.T, dir string, extra map[string]string) *App {
	t.Helper()
	env := map[string]string{"RECTIFY_USERS": filepath.Join(dir, "users.json")}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, testConfig(t, dir, env), slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	return a
}

// with is env and one more setting.
func with(env map[string]string, key, value string) map[string]string {
	out := maps.Clone(env)
	out[key] = value
	return out
}

// caller is an API client safe to use from many goroutines: it returns errors
// instead of failing the test, and waits out the per-user rate limit.
type caller struct{ base string }

func (c caller) call(as, method, path string, body any) (int, map[string]any, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	for {
		req, err := http.NewRequest(method, c.base+path, bytes.NewReader(data))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer tok-"+as)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		var out map[string]any
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return resp.StatusCode, out, err
	}
}

func (c caller) must(as, method, path string, body any, want int) (map[string]any, error) {
	status, out, err := c.call(as, method, path, body)
	if err == nil && status != want {
		err = fmt.Errorf("%s %s as %s: %d, want %d: %v", method, path, as, status, want, out)
	}
	return out, err
}

// lifecycle is one opinion's random story.
type lifecycle struct {
	c        caller
	r        *rand.Rand
	campaign string
	anchor   string // a received opinion to merge into
	today    time.Time
	err      error
	id       string
}

func (l *lifecycle) act(as, action string, body map[string]any) {
	if l.err == nil {
		_, l.err = l.c.must(as, http.MethodPost, "/api/v1/opinions/"+l.id+"/actions/"+action, body, http.StatusOK)
	}
}

func (l *lifecycle) date(days int) string {
	return l.today.AddDate(0, 0, days).Format(domain.DateLayout)
}

func (l *lifecycle) chance(p float64) bool { return l.r.Float64() < p }

var officials = []struct{ user, department string }{{"official", "城管科"}, {"official2", "民政科"}}

var exactCategories = []string{"形式主义", "官僚主义", "群众需要解决的问题", "特殊困难群体", "服务态度和效率"}

// run drives the opinion: each step may end the story there, so every state is
// reached, some opinions by long ways (returns, extensions, rework, reopens).
func (l *lifecycle) run(key string) error {
	op, err := l.c.must("office", http.MethodPost, "/api/v1/campaigns/"+l.campaign+"/opinions", map[string]any{
		"key": key, "content": "小区路灯坏了两个月没人修 " + key, "channel": "hotline", "collected_at": l.date(-40),
	}, http.StatusCreated)
	if err != nil {
		return err
	}
	l.id = op["id"].(string)
	switch p := l.r.Float64(); {
	case p < 0.05:
		return nil
	case p < 0.09:
		l.act("office", "reject", map[string]any{"reason": "不属于整改范围"})
		return l.err
	case p < 0.12:
		l.act("office", "cancel", map[string]any{"reason": "反映人撤回"})
		return l.err
	case p < 0.15:
		l.act("office", "merge", map[string]any{"into": l.anchor, "reason": "同一问题"})
		return l.err
	}
	w := l.r.IntN(len(officials))
	who := officials[w]
	if l.chance(0.04) { // on the long-term track (长期坚持): a progress report, then concluded
		l.act("office", "categorize", map[string]any{"category": "制度漏洞"})
		l.act("office", "assign", map[string]any{"department": who.department, "official": who.user, "leader": "leader"})
		l.act(who.user, "sign", nil)
		l.act(who.user, "report-progress", map[string]any{"measures": "梳理制度", "next": "印发执行", "percent": 40})
		if l.chance(0.5) {
			l.act("office", "conclude", map[string]any{"measures": "制度已印发执行", "evidence": "制度文件"})
		}
		return l.err
	}
	l.act("office", "categorize", map[string]any{"category": exactCategories[l.r.IntN(len(exactCategories))]})
	if l.chance(0.05) {
		return l.err
	}
	if l.chance(0.04) { // fixed on the spot (立行立改), then verified or not yet
		l.act("office", "resolve", map[string]any{"department": who.department, "official": who.user, "measures": "当场整改",
			"evidence": "现场照片", "fixed_on": l.today.Format(domain.DateLayout)})
		if l.chance(0.5) {
			l.act("verifier", "verify", map[string]any{"pass": true})
		}
		return l.err
	}
	if l.chance(0.04) && l.err == nil { // grouped into a problem of its own, no task made yet
		_, l.err = l.c.must("office", http.MethodPost, "/api/v1/campaigns/"+l.campaign+"/problems",
			map[string]any{"title": "同类问题 " + key, "opinions": []string{l.id}}, http.StatusCreated)
		return l.err
	}
	// Deadlines from a month ago (the ladder climbs to accountability at once) to
	// two weeks ahead.
	assign := func() {
		l.act("office", "assign", map[string]any{"department": who.department, "official": who.user, "leader": "leader",
			"deadline": onWorkday(l.today.AddDate(0, 0, -30+l.r.IntN(45)), -1)})
	}
	assign()
	if l.chance(0.1) {
		l.act(who.user, "return", map[string]any{"reason": "不属于本科室职责"})
		if l.chance(0.5) {
			return l.err
		}
		who = officials[1-w] // the office sends it to the other department
		assign()
	}
	if l.chance(0.08) {
		return l.err
	}
	if l.chance(0.25) {
		l.act(who.user, "request-extension", map[string]any{"until": onWorkday(l.today.AddDate(0, 0, 20+l.r.IntN(20)), 1), "reason": "需走采购程序"})
		switch {
		case l.chance(0.1): // left pending
		case l.chance(0.7):
			l.act("leader", "decide-extension", map[string]any{"approve": true, "reason": "同意"})
		default:
			l.act("office", "decide-extension", map[string]any{"approve": false, "reason": "理由不充分"})
		}
	}
	l.act(who.user, "sign", nil)
	if l.chance(0.1) {
		return l.err
	}
	if l.chance(0.05) {
		l.act("office", "cancel", map[string]any{"reason": "问题已由其他渠道解决"})
		return l.err
	}
	for round := 0; round < 3 && l.err == nil; round++ {
		l.act(who.user, "submit", map[string]any{"measures": "已整改", "evidence": "现场照片"})
		if l.chance(0.08) {
			return l.err
		}
		if l.chance(0.25) {
			l.act("verifier", "verify", map[string]any{"pass": false, "reason": "整改不到位"}) // rework
			continue
		}
		l.act("verifier", "verify", map[string]any{"pass": true})
		if l.chance(0.1) {
			return l.err
		}
		satisfaction := []string{"satisfied", "satisfied", "basically", "dissatisfied"}[l.r.IntN(4)]
		l.act("office", "callback", map[string]any{"satisfaction": satisfaction, "note": "电话回访"})
		if satisfaction == "dissatisfied" { // reopened for more work
			if l.chance(0.3) {
				return l.err
			}
			continue
		}
		if l.chance(0.1) {
			l.act("leader", "reopen", map[string]any{"reason": "回头看发现反弹"})
			if l.chance(0.5) {
				return l.err
			}
			continue
		}
		return l.err
	}
	return l.err
}

// groundTruth asks every opinion workflow for its state (the query handler answers
// with the workflow's own Opinion), listing them through Temporal, not the store.
func groundTruth(t *testing.T, a *App, want int) []domain.Opinion {
	t.Helper()
	ctx := context.Background()
	var ids []string
	require.Eventually(t, func() bool {
		ids = ids[:0]
		var token []byte
		for {
			resp, err := a.client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
				Query: fmt.Sprintf("WorkflowType = '%s'", workflows.OpinionWorkflowName), NextPageToken: token, PageSize: 1000,
			})
			require.NoError(t, err)
			for _, e := range resp.GetExecutions() {
				ids = append(ids, e.GetExecution().GetWorkflowId())
			}
			if token = resp.GetNextPageToken(); len(token) == 0 {
				break
			}
		}
		return len(ids) == want
	}, time.Minute, 200*time.Millisecond, "visibility lists every opinion workflow")
	out := make([]domain.Opinion, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(exactConcurrency)
	for i, id := range ids {
		g.Go(func() error {
			v, err := a.client.QueryWorkflow(gctx, id, "", workflows.OpinionQueryName)
			if err != nil {
				return fmt.Errorf("query %s: %w", id, err)
			}
			return v.Get(&out[i])
		})
	}
	require.NoError(t, g.Wait())
	return out
}

func scrape(t *testing.T, base string) []byte {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

func samples(t *testing.T, body []byte) metricstest.Samples {
	t.Helper()
	s, err := metricstest.Parse(bytes.NewReader(body))
	require.NoError(t, err)
	return s
}

// importLedgers imports a ledger with bad rows, the same file again (every row
// already there) and, strictly, a file with a bad row (refused), and returns the
// imports as their batches report them.
func importLedgers(t *testing.T, h apitest.Client, campaign string) ([]metricstest.Import, int) {
	t.Helper()
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	var csv strings.Builder
	csv.WriteString("编号,意见内容,来源,收集时间\n")
	good := 0
	for i := 1; i <= 24; i++ {
		switch i {
		case 5:
			fmt.Fprintf(&csv, "I-%d,,热线,%s\n", i, today) // no content
		case 9:
			fmt.Fprintf(&csv, "I-%d,路灯不亮,飞鸽传书,%s\n", i, today) // unknown channel
		case 13:
			fmt.Fprintf(&csv, "I-%d,路灯不亮,热线,明天\n", i) // not a date
		case 17:
			fmt.Fprintf(&csv, "I-3,路灯不亮,热线,%s\n", today) // repeated key
		default:
			fmt.Fprintf(&csv, "I-%d,第%d条：菜市场门口垃圾清运不及时,热线,%s\n", i, i, today)
			good++
		}
	}
	path := filepath.Join(t.TempDir(), "ledger.csv")
	require.NoError(t, os.WriteFile(path, []byte(csv.String()), 0o600))
	strict := filepath.Join(t.TempDir(), "strict.csv")
	require.NoError(t, os.WriteFile(strict, []byte("序号,意见内容,来源,收集时间\nS-1,路灯不亮,热线,"+today+"\nS-2,,热线,"+today+"\n"), 0o600))

	var out []metricstest.Import
	for _, up := range []struct {
		path   string
		fields map[string]string
	}{{path, nil}, {path, nil}, {strict, map[string]string{"strict": "true"}}} {
		status, b := h.Upload("office", "/api/v1/campaigns/"+campaign+"/batches", up.path, up.fields)
		require.Contains(t, []int{http.StatusCreated, http.StatusOK, http.StatusUnprocessableEntity}, status, "%v", b)
		id, _ := b["id"].(string)
		require.NotEmpty(t, id, "%v", b)
		var got map[string]any
		require.Eventually(t, func() bool {
			// The office's request rate is limited: a throttled look only means "not yet".
			status, b := h.Call("office", http.MethodGet, "/api/v1/batches/"+id, nil)
			if status == http.StatusTooManyRequests {
				return false
			}
			require.Equal(t, http.StatusOK, status, "%v", b)
			got = b
			return got["state"] != store.BatchImporting
		}, time.Minute, 200*time.Millisecond)
		im := metricstest.Import{Campaign: campaign, State: got["state"].(string), Accepted: int(got["accepted"].(float64)),
			RejectedByCode: map[string]int{}}
		for _, r := range got["rejections"].([]any) {
			im.RejectedByCode[r.(map[string]any)["code"].(string)]++
		}
		require.Equal(t, int(got["rejected"].(float64)), len(got["rejections"].([]any)), "every rejection is listed")
		out = append(out, im)
	}
	require.Equal(t, store.BatchDone, out[0].State)
	require.Equal(t, store.BatchRefused, out[2].State)
	require.Len(t, out[0].RejectedByCode, 4, "four different rules broken: %v", out[0].RejectedByCode)
	return out, good
}

func TestMetricsAreExactAcrossRestartAndInPrometheus(t *testing.T) {
	dir := t.TempDir()
	apitest.WriteUsers(t, dir)
	engineMetrics := apitest.FreeAddr(t)
	a := startApp(t, dir, with(exactEnv, "RECTIFY_TEMPORAL_METRICS_ADDR", engineMetrics))
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			a.Stop()
		}
	})
	h := apitest.Client{T: t, Base: "http://" + a.HTTPAddr}
	// Created with the default categories (and so their speeds).
	campaigns := []metricstest.Campaign{{ID: "m1", Name: "整改一", Policy: campaign.DefaultPolicy()},
		{ID: "m2", Name: "整改二", Policy: campaign.DefaultPolicy()}, {ID: "m3", Name: "整改三（尚无意见）", Policy: campaign.DefaultPolicy()}}
	for _, c := range campaigns {
		h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{
			"id": c.ID, "name": c.Name, "departments": []string{"城管科", "民政科"},
		}, http.StatusCreated)
	}
	today := time.Now().In(time.FixedZone("", 8*3600))
	anchors := map[string]string{}
	for _, c := range campaigns[:2] {
		op := h.Must("office", http.MethodPost, "/api/v1/campaigns/"+c.ID+"/opinions", map[string]any{
			"key": "anchor", "content": "幸福路东段路面坑洼", "channel": "hotline", "collected_at": today.Format(domain.DateLayout),
		}, http.StatusCreated)
		anchors[c.ID] = op["id"].(string)
	}

	// Random lifecycles, seeded: the same run every time.
	seed := rand.New(rand.NewPCG(2026, 5))
	c := caller{base: "http://" + a.HTTPAddr}
	var g errgroup.Group
	g.SetLimit(exactConcurrency)
	start := time.Now()
	for i := range exactOpinions {
		campaign := campaigns[i%2].ID
		l := &lifecycle{c: c, r: rand.New(rand.NewPCG(seed.Uint64(), uint64(i))), campaign: campaign, anchor: anchors[campaign], today: today}
		g.Go(func() error {
			if err := l.run(fmt.Sprintf("L-%03d", i)); err != nil {
				return fmt.Errorf("opinion %d (%s): %w", i, l.id, err)
			}
			return nil
		})
	}
	require.NoError(t, g.Wait())
	imports, imported := importLedgers(t, h, "m1")
	t.Logf("drove %d opinions over HTTP in %s", exactOpinions, time.Since(start).Round(time.Millisecond))
	total := exactOpinions + len(anchors) + imported

	// Escalations of past deadlines fire on their own after the actions: wait until
	// the workflows and the store agree, then require it.
	var want metricstest.Samples
	var body []byte
	require.Eventually(t, func() bool {
		want = metricstest.Expect(campaigns, groundTruth(t, a, total), imports, exactFigures)
		body = scrape(t, h.Base)
		return metricstest.Diff(want, samples(t, body)) == ""
	}, 90*time.Second, time.Second, "the metrics converge on the workflows' states")
	require.Empty(t, metricstest.Diff(want, samples(t, body)))
	requireCoverage(t, want)
	requireStatsEqualMetrics(t, h, campaigns, samples(t, body))

	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	require.NoError(t, err)
	require.Empty(t, problems, "promlint over the live /metrics, the SDK's metrics included")
	require.Contains(t, string(body), "\nrectify_temporal_metric_errors_total 0\n", "every Temporal SDK metric was registered")
	requireTemporalSelectorsLive(t, body)
	series, sdk := countSeries(body)
	t.Logf("/metrics: %d series, %d of them the Temporal SDK's", series, sdk)
	require.Positive(t, sdk, "the SDK's metrics are on the same endpoint")

	engineBody := scrape(t, "http://"+engineMetrics)
	require.Contains(t, string(engineBody), "# TYPE", "the embedded server serves its own metrics on the opt-in address")

	// Restart on the same data: the same figures, exactly.
	a.Stop()
	stopped = true
	a = startApp(t, dir, with(exactEnv, "RECTIFY_METRICS_ADDR", "127.0.0.1:0"))
	t.Cleanup(a.Stop)
	h.Base = "http://" + a.HTTPAddr
	require.Empty(t, metricstest.Diff(want, samples(t, scrape(t, h.Base))), "after a restart, before anything else happens")
	require.Empty(t, metricstest.Diff(want, metricstest.Expect(campaigns, groundTruth(t, a, total), imports, exactFigures)),
		"and the workflows still say the same")

	t.Run("prometheus", func(t *testing.T) { checkPrometheus(t, h.Base, want, campaigns) })
}

// requireCoverage makes sure the random run reached what the metrics distinguish.
func requireCoverage(t *testing.T, want metricstest.Samples) {
	t.Helper()
	for _, state := range domain.AllStates {
		require.Positive(t, want.Sum("rectify_opinions", "state", string(state)), "some opinion is %s", state)
	}
	for _, level := range []string{"overdue", "supervised", "accountability"} {
		require.Positive(t, want.Sum("rectify_overdue_opinions", "level", level), "some opinion is at %s", level)
	}
	for _, s := range []string{"satisfied", "basically", "dissatisfied"} {
		require.Positive(t, want.Sum("rectify_callbacks", "satisfaction", s), "some follow-up was %s", s)
	}
	require.Positive(t, want.Sum("rectify_closed_on_time_opinions"))
	require.Greater(t, want.Sum("rectify_opinions", "state", "closed"), want.Sum("rectify_closed_on_time_opinions"), "some closed late")
	// The quality figures: every speed and every rung ever reached, the counts
	// each ratio divides, and opinions closed after all that.
	for _, speed := range []string{"immediate", "deadline"} {
		require.Positive(t, want.Sum("rectify_speed_opinions", "speed", speed, "stage", "closed"), "some %s opinion closed", speed)
	}
	for _, level := range []string{"overdue", "supervised", "accountability"} {
		require.Positive(t, want.Sum("rectify_speed_ever_overdue_opinions", "level", level), "some opinion ever reached %s", level)
	}
	require.Greater(t, want.Sum("rectify_speed_ever_overdue_opinions", "level", "accountability"),
		want.Sum("rectify_overdue_opinions", "level", "accountability"), "some reached 问责 and are no longer there")
	for _, f := range []string{"assigned", "extended", "verified", "reworked", "first_pass", "accepted", "reopened", "on_the_spot", "long_term"} {
		require.Positive(t, want.Sum("rectify_speed_"+f+"_opinions"), f)
	}
	require.Positive(t, want.Sum("rectify_speed_opinions", "speed", "long_term", "stage", "in_progress"), "some long-term item still reporting")
	require.Greater(t, want.Sum("rectify_speed_opinions", "stage", "closed"), want.Sum("rectify_speed_first_pass_opinions"), "some closed after a rework")
	require.Greater(t, want.Sum("rectify_speed_accepted_opinions"), want.Sum("rectify_speed_reopened_opinions"))
	require.Greater(t, want.Sum("rectify_speed_assigned_opinions"), want.Sum("rectify_speed_extended_opinions"))
	// By category and by department too: in more than one of each.
	for _, by := range []string{"category", "department"} {
		for _, f := range []string{"ever_overdue_opinions", "extended_opinions", "reworked_opinions", "reopened_opinions"} {
			require.Greater(t, len(want.Values("rectify_"+by+"_"+f, by)), 1, "%s in more than one %s", f, by)
		}
	}
}

// requireStatsEqualMetrics compares the API's stats, slice by slice, with the
// figures rebuilt from the scrape.
func requireStatsEqualMetrics(t *testing.T, h apitest.Client, campaigns []metricstest.Campaign, got metricstest.Samples) {
	t.Helper()
	for _, c := range campaigns {
		var st store.Stats
		getStats(t, h.Base, c.ID, &st)
		require.Equal(t, st.Counts, metricstest.Counts(got, c.ID, "", ""), "campaign %s", c.ID)
		for _, cat := range st.ByCategory {
			require.Equal(t, cat, metricstest.Counts(got, c.ID, "category", cat.Name),
				"campaign %s category %q", c.ID, cat.Name)
		}
		for _, dept := range st.ByDepartment {
			require.Equal(t, dept, metricstest.Counts(got, c.ID, "department", dept.Name),
				"campaign %s department %q", c.ID, dept.Name)
		}
		for _, speed := range st.BySpeed {
			require.Equal(t, metricstest.Exported(speed, "speed"), metricstest.Counts(got, c.ID, "speed", speed.Name),
				"campaign %s speed %q", c.ID, speed.Name)
		}
		for kind, sum := range metricstest.ByKind(st.ByTarget) {
			exported := metricstest.Counts(got, c.ID, "target", kind)
			exported.MedianWorkingDaysToClose = 0 // a median does not add up: Expect checks it
			require.Equal(t, sum, exported, "campaign %s target kind %q", c.ID, kind)
		}
	}
}

// getStats decodes a campaign's GET /api/v1/campaigns/{id}/stats, as the leader
// reads it, into out.
func getStats(t *testing.T, base, campaignID string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1/campaigns/"+campaignID+"/stats", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-leader")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(out))
}

// temporalSelector finds the Temporal SDK's metrics in PromQL: a name and its label
// matchers, if any; labelMatcher splits the matchers.
var (
	temporalSelector = regexp.MustCompile(`\b(temporal_[a-z0-9_]+)(?:\{([^}]*)\})?`)
	labelMatcher     = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")`)
)

// notInAHealthyRun are the SDK's metrics the dashboard or the alerts read that a
// healthy run does not produce, and why; each must be a metric the SDK defines.
var notInAHealthyRun = map[string]string{
	"temporal_activity_execution_failed_total":       "an activity attempt failed",
	"temporal_local_activity_execution_failed_total": "a projection or a deadline computation failed",
	"temporal_workflow_task_execution_failed_total":  "a workflow task failed",
	"temporal_request_failure_total":                 "a call to the frontend failed",
	"temporal_long_request_failure_total":            "a poll or an update failed",
	// Activities start eagerly on the worker that schedules them while it has a
	// free slot; only tasks that wait in the queue (retries, a busy worker) are
	// timed from schedule to start — exactly when there is a backlog.
	"temporal_activity_schedule_to_start_latency_seconds_bucket": "an activity task waited in the task queue",
}

// requireTemporalSelectorsLive requires every temporal_ selector of the Grafana
// dashboard and of the alert rules to select series in a live scrape, label matchers
// and all, unless it is one of notInAHealthyRun — then it must be a metric the SDK
// defines (a counter's name less _total, a timer's less _seconds).
func requireTemporalSelectorsLive(t *testing.T, body []byte) {
	t.Helper()
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	require.NoError(t, err)
	live := map[string][]map[string]string{} // series name → the label sets scraped
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if mf.GetType() != dto.MetricType_HISTOGRAM {
				live[name] = append(live[name], labels)
				continue
			}
			live[name+"_count"] = append(live[name+"_count"], labels)
			live[name+"_sum"] = append(live[name+"_sum"], labels)
			for _, b := range append(m.GetHistogram().GetBucket(), &dto.Bucket{UpperBound: proto.Float64(math.Inf(1))}) {
				withLe := maps.Clone(labels)
				withLe["le"] = strconv.FormatFloat(b.GetUpperBound(), 'g', -1, 64)
				live[name+"_bucket"] = append(live[name+"_bucket"], withLe)
			}
		}
	}
	sdk := sdkMetricNames(t)

	texts := map[string][]string{}
	data, err := os.ReadFile(repoFile("deploy", "grafana", "dashboards", "rectify.json"))
	require.NoError(t, err)
	var d any
	require.NoError(t, json.Unmarshal(data, &d))
	texts["the dashboard"] = metricstest.DashboardExprs(d)
	rules, err := filepath.Glob(repoFile("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	for _, f := range rules {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		texts[f] = []string{string(data)}
	}
	checked := 0
	for where, exprs := range texts {
		for _, expr := range exprs {
			for _, m := range temporalSelector.FindAllStringSubmatch(expr, -1) {
				checked++
				name, matchers := m[1], labelMatcher.FindAllStringSubmatch(m[2], -1)
				sets, ok := live[name]
				if !ok {
					require.Contains(t, notInAHealthyRun, name, "%s: %s is not in the live scrape", where, name)
					base := strings.TrimSuffix(name, "_bucket")
					base = strings.TrimSuffix(strings.TrimSuffix(base, "_total"), "_seconds")
					require.True(t, sdk[base], "%s: %s is no metric the Temporal SDK defines", where, name)
					continue
				}
				require.True(t, slices.ContainsFunc(sets, func(labels map[string]string) bool {
					for _, mt := range matchers {
						value, err := strconv.Unquote(mt[3])
						require.NoError(t, err, m[0])
						var ok bool
						switch mt[2] {
						case "=", "!=":
							ok = labels[mt[1]] == value
						default:
							ok = regexp.MustCompile("^(?:" + value + ")$").MatchString(labels[mt[1]])
						}
						if ok == strings.HasPrefix(mt[2], "!") {
							return false
						}
					}
					return true
				}), "%s: %s selects nothing in the live scrape", where, m[0])
			}
		}
	}
	require.Greater(t, checked, 15, "the dashboard and the alerts read the SDK's metrics")
}

// sdkMetricNames reads the metric names the Temporal SDK this module builds with
// defines (go.temporal.io/sdk's internal/common/metrics/constants.go), as Go
// evaluates the constants.
func sdkMetricNames(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	require.NoError(t, err, "go list -m go.temporal.io/sdk")
	path := filepath.Join(strings.TrimSpace(string(out)), "internal", "common", "metrics", "constants.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	require.NoError(t, err)
	pkg, err := (&types.Config{}).Check("metrics", fset, []*ast.File{f}, nil)
	require.NoError(t, err, path)
	names := map[string]bool{}
	for _, n := range pkg.Scope().Names() {
		if c, ok := pkg.Scope().Lookup(n).(*types.Const); ok && c.Val().Kind() == constant.String {
			if v := constant.StringVal(c.Val()); strings.HasPrefix(v, "temporal_") {
				names[v] = true
			}
		}
	}
	require.True(t, names["temporal_activity_execution_failed"], "%s defines the SDK's metric names", path)
	return names
}

// countSeries counts the samples of a scrape, and those of temporal_ metrics.
func countSeries(body []byte) (all, sdk int) {
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		all++
		if strings.HasPrefix(line, "temporal_") {
			sdk++
		}
	}
	return all, sdk
}

// repoFile is a path from the repository's root.
func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// checkPrometheus starts a real Prometheus on loopback that scrapes rectify and
// evaluates the recording rules of deploy/prometheus, then requires the ratios it
// computes in PromQL to equal the ground truth, the Grafana dashboard's headline
// figures to equal the API's stats, and every Grafana panel's query to be PromQL it
// accepts.
func checkPrometheus(t *testing.T, base string, want metricstest.Samples, campaigns []metricstest.Campaign) {
	bin := metricstest.Binary(t, "prometheus")
	dir := t.TempDir()
	rules, err := filepath.Glob(repoFile("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, rules)
	for i, r := range rules {
		if rules[i], err = filepath.Abs(r); err != nil {
			t.Fatal(err)
		}
	}
	target := strings.TrimPrefix(base, "http://")
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: rectify
    static_configs:
      - targets: [%q]
`, `"`+strings.Join(rules, `", "`)+`"`, target)
	cfgPath := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(cfg), 0o600))
	addr := apitest.FreeAddr(t)
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	var once sync.Once
	stop := func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)

	promAPI := "http://" + addr + "/api/v1/"
	query := func(q string) ([]promSample, error) {
		resp, err := http.Get(promAPI + "query?query=" + url.QueryEscape(q))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []promSample `json:"result"`
			} `json:"data"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			return nil, err
		}
		if out.Status != "success" {
			return nil, errors.New(out.Error)
		}
		return out.Data.Result, nil
	}
	// Up, scraped, and every recording rule evaluated on what it scraped.
	ruleNames := recordingRules(t)
	require.Eventually(t, func() bool {
		up, err := query(`up{job="rectify"} == 1`)
		if err != nil || len(up) != 1 {
			return false
		}
		for _, rule := range ruleNames {
			if r, err := query(rule); err != nil || len(r) == 0 {
				return false
			}
		}
		return true
	}, 60*time.Second, 250*time.Millisecond, "Prometheus scrapes rectify and evaluates the rules; its log:\n%s", &logs)

	// Every recording rule equals the ground truth: each series it gives, and no
	// other. The time-to-close quantiles interpolate, so they are checked against
	// the buckets they fall in.
	expected := expectedRules(want, campaigns)
	quantiles := map[string]float64{"campaign:rectify_time_to_close_seconds:p50": 0.5, "campaign:rectify_time_to_close_seconds:p90": 0.9}
	checked := map[string]bool{}
	for _, rule := range ruleNames {
		got, err := query(rule)
		require.NoError(t, err)
		computed := metricstest.Samples{}
		for _, s := range got {
			v, err := strconv.ParseFloat(s.Value[1].(string), 64)
			require.NoError(t, err)
			var labels []string
			for l, value := range s.Metric {
				if l != "__name__" && l != "job" { // one job: the quantiles keep it
					labels = append(labels, l, value)
				}
			}
			computed[metricstest.Key(rule, labels...)] = v
		}
		if q, ok := quantiles[rule]; ok {
			requireQuantile(t, rule, q, want, campaigns, computed)
			checked[rule] = true
			continue
		}
		truth := metricstest.Samples{}
		for k, v := range expected {
			if name, _ := metricstest.Labels(k); name == rule {
				truth[k] = v
			}
		}
		require.NotEmpty(t, truth, "the ground truth has %s", rule)
		require.Empty(t, metricstest.Diff(truth, computed), "PromQL's %s equals the ground truth", rule)
		checked[rule] = true
	}
	for k := range expected {
		name, _ := metricstest.Labels(k)
		require.True(t, checked[name], "%s is a recording rule of deploy/prometheus/rules", name)
	}

	// The dashboard's headline figures, for each campaign as Grafana asks for it,
	// are the API's stats: what the leader's web dashboard shows.
	headline := headlinePanels(t, 1, leaderFigures)
	maps.Copy(headline, headlinePanels(t, 2, qualityFigures))
	for _, c := range campaigns {
		var st map[string]any
		getStats(t, base, c.ID, &st)
		for field, expr := range headline {
			q := strings.ReplaceAll(expr, "$campaign", c.ID)
			require.NotContains(t, q, "$", "%s: a variable other than $campaign", expr)
			got, err := query(q)
			require.NoError(t, err, q)
			require.Len(t, got, 1, "%s gives one number for campaign %s", q, c.ID)
			v, err := strconv.ParseFloat(got[0].Value[1].(string), 64)
			require.NoError(t, err)
			require.Equal(t, st[field], v, "the dashboard's %s (%s) for campaign %s is the API's", field, q, c.ID)
		}
	}

	// Every query of the dashboard is PromQL Prometheus accepts.
	for _, q := range dashboardQueries(t) {
		_, err := query(q)
		require.NoError(t, err, "dashboard query %s", q)
	}
	stop()
}

// recordingRules lists the recording rules of deploy/prometheus/rules.
func recordingRules(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(repoFile("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	record := regexp.MustCompile(`(?m)^\s*- record: (\S+)\s*$`)
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range record.FindAllStringSubmatch(string(data), -1) {
			out = append(out, m[1])
		}
	}
	require.NotEmpty(t, out)
	return out
}

// quality is what the quality rules of one slice (prefix campaign:, campaign_speed:,
// campaign_target:, campaign_category: or campaign_department:) must give, from its figures as the stats define them; the
// median is the product's own, copied.
func quality(prefix string, n store.Counts) map[string]float64 {
	ratio := func(a, b int) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	return map[string]float64{
		prefix + "rectify_closed_opinions:sum":      float64(n.Closed),
		prefix + "rectify_assigned_opinions:sum":    float64(n.Assigned),
		prefix + "rectify_extended_opinions:sum":    float64(n.Extended),
		prefix + "rectify_late_extensions:sum":      float64(n.LateExtensions),
		prefix + "rectify_verified_opinions:sum":    float64(n.Verified),
		prefix + "rectify_reworked_opinions:sum":    float64(n.Reworked),
		prefix + "rectify_first_pass_opinions:sum":  float64(n.FirstPass),
		prefix + "rectify_accepted_opinions:sum":    float64(n.Accepted),
		prefix + "rectify_reopened_opinions:sum":    float64(n.Reopened),
		prefix + "rectify_on_the_spot_opinions:sum": float64(n.OnTheSpot),
		prefix + "rectify_long_term_opinions:sum":   float64(n.LongTerm),
		prefix + "rectify_first_pass:ratio":         ratio(n.FirstPass, n.Closed),
		prefix + "rectify_rework:ratio":             ratio(n.Reworked, n.Verified),
		prefix + "rectify_reopen:ratio":             ratio(n.Reopened, n.Accepted),
		prefix + "rectify_extension:ratio":          ratio(n.Extended, n.Assigned),
		prefix + "rectify_workdays_to_close:median": n.MedianWorkingDaysToClose,
	}
}

// expectedRules is what every recording rule but the time-to-close quantiles must
// give, computed from the ground truth's samples with the definitions of the API's
// stats (metricstest.Counts): per campaign (every campaign, 0 rather than absent),
// per campaign and state, rung or rule code, per speed, kind of target, department
// and category, the quality figures of each.
func expectedRules(want metricstest.Samples, campaigns []metricstest.Campaign) metricstest.Samples {
	out := metricstest.Samples{}
	put := func(rules map[string]float64, labels ...string) {
		for rule, v := range rules {
			out[metricstest.Key(rule, labels...)] = v
		}
	}
	// each puts a rule's series for every value a label takes in a metric.
	each := func(rule, metric, label string, labels ...string) {
		for _, v := range want.Values(metric, label, labels...) {
			put(map[string]float64{rule: want.Sum(metric, append(slices.Clone(labels), label, v)...)}, append(slices.Clone(labels), label, v)...)
		}
	}
	for _, c := range campaigns {
		cl := []string{"campaign", c.ID}
		n := metricstest.Counts(want, c.ID, "", "")
		put(map[string]float64{
			"campaign:rectify_opinions:sum":                   float64(n.Collected),
			"campaign:rectify_pending_opinions:sum":           float64(n.Pending),
			"campaign:rectify_in_progress_opinions:sum":       float64(n.InProgress),
			"campaign:rectify_closed_opinions:sum":            float64(n.Closed),
			"campaign:rectify_excluded_opinions:sum":          float64(n.Excluded),
			"campaign:rectify_closed_on_time_opinions:sum":    float64(n.ClosedOnTime),
			"campaign:rectify_callbacks:sum":                  float64(n.Callbacks),
			"campaign:rectify_satisfied_callbacks:sum":        float64(n.Satisfied),
			"campaign:rectify_dissatisfied_callbacks:sum":     float64(n.Dissatisfied),
			"campaign:rectify_overdue_opinions:sum":           float64(n.Overdue),
			"campaign:rectify_supervised_opinions:sum":        float64(n.Supervised),
			"campaign:rectify_accountability_opinions:sum":    float64(n.Accountability),
			"campaign:rectify_completion:ratio":               n.CompletionRate,
			"campaign:rectify_on_time:ratio":                  n.OnTimeRate,
			"campaign:rectify_satisfaction:ratio":             n.SatisfactionRate,
			"campaign:rectify_import_accepted_rows_total:sum": want.Sum("rectify_import_accepted_rows_total", cl...),
			"campaign:rectify_import_rejected_rows_total:sum": want.Sum("rectify_import_rejected_rows_total", cl...),
		}, cl...)
		put(quality("campaign:", n), cl...)
		put(map[string]float64{
			"campaign:rectify_ever_overdue_opinions:sum":        float64(n.EverOverdue),
			"campaign:rectify_ever_supervised_opinions:sum":     float64(n.EverSupervised),
			"campaign:rectify_ever_accountability_opinions:sum": float64(n.EverAccountability),
		}, cl...)
		for _, by := range []string{"speed", "target"} {
			for _, v := range want.Values("rectify_"+by+"_opinions", by, cl...) {
				sl := append(slices.Clone(cl), by, v)
				put(quality("campaign_"+by+":", metricstest.Counts(want, c.ID, by, v)), sl...)
				put(map[string]float64{"campaign_" + by + ":rectify_opinions:sum": want.Sum("rectify_"+by+"_opinions", sl...)}, sl...)
				each("campaign_"+by+"_level:rectify_ever_overdue_opinions:sum", "rectify_"+by+"_ever_overdue_opinions", "level", sl...)
			}
		}
		each("campaign_state:rectify_opinions:sum", "rectify_opinions", "state", cl...)
		each("campaign_level:rectify_overdue_opinions:sum", "rectify_overdue_opinions", "level", cl...)
		each("campaign_code:rectify_import_rejected_rows_total:sum", "rectify_import_rejected_rows_total", "code", cl...)
		for _, d := range want.Values("rectify_department_opinions", "department", cl...) {
			dl := append(slices.Clone(cl), "department", d)
			n := metricstest.Counts(want, c.ID, "department", d)
			put(map[string]float64{
				"campaign_department:rectify_opinions:sum":                float64(n.Collected),
				"campaign_department:rectify_closed_opinions:sum":         float64(n.Closed),
				"campaign_department:rectify_excluded_opinions:sum":       float64(n.Excluded),
				"campaign_department:rectify_closed_on_time_opinions:sum": float64(n.ClosedOnTime),
				"campaign_department:rectify_callbacks:sum":               float64(n.Callbacks),
				"campaign_department:rectify_satisfied_callbacks:sum":     float64(n.Satisfied),
				"campaign_department:rectify_completion:ratio":            n.CompletionRate,
				"campaign_department:rectify_on_time:ratio":               n.OnTimeRate,
				"campaign_department:rectify_satisfaction:ratio":          n.SatisfactionRate,
			}, dl...)
			each("campaign_department_stage:rectify_opinions:sum", "rectify_department_opinions", "stage", dl...)
			each("campaign_department_level:rectify_overdue_opinions:sum", "rectify_department_overdue_opinions", "level", dl...)
			// The quality figures by department (exactFigures exports them).
			put(quality("campaign_department:", n), dl...)
			each("campaign_department_level:rectify_ever_overdue_opinions:sum", "rectify_department_ever_overdue_opinions", "level", dl...)
		}
		for _, k := range want.Values("rectify_opinions", "category", cl...) {
			kl := append(slices.Clone(cl), "category", k)
			n := metricstest.Counts(want, c.ID, "category", k)
			put(map[string]float64{
				"campaign_category:rectify_opinions:sum":          float64(n.Collected),
				"campaign_category:rectify_closed_opinions:sum":   float64(n.Closed),
				"campaign_category:rectify_excluded_opinions:sum": float64(n.Excluded),
				"campaign_category:rectify_completion:ratio":      n.CompletionRate,
				"campaign_category:rectify_overdue_opinions:sum":  float64(n.Overdue),
			}, kl...)
			put(quality("campaign_category:", n), kl...)
			each("campaign_category_level:rectify_ever_overdue_opinions:sum", "rectify_category_ever_overdue_opinions", "level", kl...)
		}
	}
	return out
}

// requireQuantile checks a time-to-close quantile rule for every campaign: NaN with
// nothing closed; otherwise the histogram Prometheus scraped counts every closed
// opinion, and the quantile is histogram_quantile's documented estimate from the
// ground truth's buckets: the q-th opinion's bucket, interpolated linearly in it
// (the last finite bound when that is the +Inf bucket).
func requireQuantile(t *testing.T, rule string, q float64, want metricstest.Samples, campaigns []metricstest.Campaign, got metricstest.Samples) {
	t.Helper()
	require.Len(t, got, len(campaigns), "%s: one series per campaign", rule)
	for _, c := range campaigns {
		closed := float64(metricstest.Counts(want, c.ID, "", "").Closed)
		require.Equal(t, closed, want[metricstest.Key("rectify_time_to_close_seconds_count", "campaign", c.ID)],
			"campaign %s: the histogram counts every closed opinion", c.ID)
		v, ok := got[metricstest.Key(rule, "campaign", c.ID)]
		require.True(t, ok, "%s for campaign %s", rule, c.ID)
		if closed == 0 {
			require.True(t, math.IsNaN(v), "%s of campaign %s with nothing closed: %v", rule, c.ID, v)
			continue
		}
		rank, lower, below, estimate := q*closed, 0.0, 0.0, 0.0
		for i, b := range metrics.CloseBuckets {
			upper := b.Seconds()
			n := want[metricstest.Key("rectify_time_to_close_seconds_bucket", "campaign", c.ID, "le", fmt.Sprint(upper))]
			if n >= rank {
				estimate = lower + (upper-lower)*((rank-below)/(n-below))
				break
			}
			if i == len(metrics.CloseBuckets)-1 {
				estimate = upper
			}
			lower, below = upper, n
		}
		require.InEpsilon(t, estimate, v, 1e-9, "%s of campaign %s", rule, c.ID)
	}
}

// promSample is one element of an instant vector in Prometheus' HTTP API.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// leaderFigures are the headline figures of the leader's web dashboard
// (internal/web/leader.go), named as GET /api/v1/campaigns/{id}/stats names them;
// qualityFigures its quality figures.
var (
	leaderFigures = []string{"collected", "pending", "in_progress", "closed", "overdue", "supervised",
		"accountability", "completion_rate", "on_time_rate", "satisfaction_rate"}
	qualityFigures = []string{"first_pass_rate", "rework_rate", "reopen_rate", "extension_rate", "ever_overdue",
		"ever_supervised", "ever_accountability", "late_extensions", "median_working_days_to_close", "callbacks", "dissatisfied",
		"on_the_spot", "long_term"}
)

// apiFigure is how a headline panel's description names the stats figure it shows.
var apiFigure = regexp.MustCompile(`the API's ([a-z_]+)\.$`)

// headlinePanels returns the query of each stat panel in the dashboard's row-th row
// (1: the leader's progress, 2: the quality), by the stats figure its description
// says it shows; it requires one panel for each of figures.
func headlinePanels(t *testing.T, row int, figures []string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(repoFile("deploy", "grafana", "dashboards", "rectify.json"))
	require.NoError(t, err)
	var d struct {
		Panels []struct {
			Type        string `json:"type"`
			Title       string `json:"title"`
			Description string `json:"description"`
			Targets     []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(data, &d))
	out := map[string]string{}
	rows := 0
	for _, p := range d.Panels {
		if p.Type == "row" {
			rows++
		}
		if rows != row || p.Type != "stat" {
			continue
		}
		m := apiFigure.FindStringSubmatch(p.Description)
		require.NotNil(t, m, "headline panel %q names the API's figure it shows", p.Title)
		require.Len(t, p.Targets, 1, p.Title)
		require.NotContains(t, out, m[1], "one panel per figure")
		out[m[1]] = p.Targets[0].Expr
	}
	require.ElementsMatch(t, figures, slices.Collect(maps.Keys(out)), "the dashboard's row %d figures are the leader's", row)
	return out
}

var grafanaVariable = regexp.MustCompile(`\$(\{[a-z_]+(:[a-z]+)?\}|[a-z_]+)`)

// dashboardQueries returns every PromQL query of the Grafana dashboards, with
// Grafana's variables replaced by what Grafana would send.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(repoFile("deploy", "grafana", "dashboards", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var d any
		require.NoError(t, json.Unmarshal(data, &d), f)
		for _, expr := range metricstest.DashboardExprs(d) {
			out = append(out, grafanaVariable.ReplaceAllStringFunc(expr, func(v string) string {
				switch strings.Trim(v, "${}") {
				case "__rate_interval", "__interval", "__range":
					return "5m"
				}
				return ".*"
			}))
		}
	}
	return out
}
