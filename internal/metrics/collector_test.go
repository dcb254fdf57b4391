package metrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/metrics"
	"rectify/internal/metrics/metricstest"
	"rectify/internal/store"
)

var quiet = slog.New(slog.DiscardHandler)

// base is when the test opinions are collected: UTC, whole milliseconds, as the
// store keeps times.
var base = time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)

func openStore(t testing.TB) *store.Store {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "rectify.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newMetrics is a process's registry with the collector over s, as the app wires it
// by default.
func newMetrics(t testing.TB, s *store.Store) *metrics.Metrics {
	t.Helper()
	return newMetricsWith(t, s, metrics.Options{})
}

// newMetricsWith is newMetrics with a collector of those options.
func newMetricsWith(t testing.TB, s *store.Store, opts metrics.Options) *metrics.Metrics {
	t.Helper()
	m := metrics.New(quiet)
	t.Cleanup(m.Close)
	m.Registry.MustRegister(metrics.NewCollector(s, quiet, opts))
	return m
}

func gather(t testing.TB, reg prometheus.Gatherer) []*dto.MetricFamily {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	return mfs
}

func createCampaign(t testing.TB, s *store.Store, id string) metricstest.Campaign {
	t.Helper()
	c := campaign.Campaign{ID: id, Name: "整改活动 " + id, Policy: campaign.DefaultPolicy(), CreatedAt: base}
	require.NoError(t, s.CreateCampaign(context.Background(), c))
	return metricstest.Campaign{ID: id, Name: c.Name, Policy: c.Policy}
}

// randomOpinions projects n opinions in random states through the store's real
// write path — including stale replays of older revisions, which must change
// nothing — and returns them as the workflows last described them.
func randomOpinions(t testing.TB, s *store.Store, r *rand.Rand, n int, campaigns []string) []domain.Opinion {
	t.Helper()
	categories := []string{"", "形式主义", "官僚主义", "群众需要解决的问题", "特殊困难群体", "制度漏洞"}
	departments := []string{"", "城管科", "民政科", "便民服务中心"}
	levels := []domain.OverdueLevel{domain.LevelNone, domain.LevelDueSoon, domain.LevelOverdue,
		domain.LevelSupervised, domain.LevelAccountability}
	satisfactions := []string{"", domain.SatisfactionSatisfied, domain.SatisfactionBasically, domain.SatisfactionDissatisfied}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var out []domain.Opinion
	for i := range n {
		state := domain.AllStates[r.IntN(len(domain.AllStates))]
		created := base.Add(time.Duration(r.IntN(10*24*3600)) * time.Second)
		o := domain.Opinion{
			ID: fmt.Sprintf("op-%04d", i), CampaignID: campaigns[r.IntN(len(campaigns))], Key: fmt.Sprint(i),
			Content: "小区路灯不亮", Channel: "hotline", CollectedAt: "2026-09-01", State: state,
			Category: pick(categories), Department: pick(departments), OverdueLevel: levels[r.IntN(len(levels))],
			Satisfaction: pick(satisfactions), OnTime: r.IntN(3) > 0,
			CreatedAt: created, UpdatedAt: created.Add(time.Hour), Revision: 2 + r.IntN(5),
		}
		if state == domain.StateClosed || r.IntN(4) == 0 { // reopened ones keep a closed_at
			o.ClosedAt = created.Add(time.Duration(r.IntN(100*24*3600)) * time.Second)
		}
		if r.IntN(4) > 0 { // the rest as recorded before the record was kept
			randomRecord(r, &o)
		}
		require.NoError(t, s.ProjectOpinion(context.Background(), o))
		stale := o
		stale.Revision--
		stale.State, stale.OnTime, stale.Satisfaction, stale.Category = domain.StateClosed, true, "satisfied", "stale"
		require.NoError(t, s.ProjectOpinion(context.Background(), stale))
		out = append(out, o)
	}
	return out
}

// randomRecord gives o a random record of what happened to it, consistent with
// its state: the highest rung it reached, extensions (late ones too), rounds of
// verification, follow-up calls, reopenings, working days to close, a target.
func randomRecord(r *rand.Rand, o *domain.Opinion) {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	o.Target = pick("", "team", "individual", "李局长")
	o.Leader = pick("", "liu", "chen")
	o.HighestLevel = []domain.OverdueLevel{"", domain.LevelNone, domain.LevelOverdue, domain.LevelSupervised,
		domain.LevelAccountability}[r.IntN(5)]
	if r.IntN(3) == 0 {
		o.Extensions = 1 + r.IntN(2)
		o.LateExtensions = r.IntN(o.Extensions + 1)
	}
	yes, no := true, false
	for range r.IntN(3) {
		round := domain.Round{Measures: "整改", SubmittedBy: "official", SubmittedAt: base, Passed: []*bool{nil, &yes, &no}[r.IntN(3)]}
		if round.Passed == &no {
			o.ReworkCount++
		}
		o.Rounds = append(o.Rounds, round)
	}
	for i := range r.IntN(3) {
		o.Callbacks = append(o.Callbacks, domain.Callback{At: base, By: "office", First: i == 0 || r.IntN(2) == 0,
			Satisfaction: pick(domain.SatisfactionSatisfied, domain.SatisfactionBasically, domain.SatisfactionDissatisfied)})
	}
	o.Reopens = r.IntN(2)
	if o.State == domain.StateClosed {
		o.WorkingDaysToClose = r.IntN(40)
	}
	if r.IntN(5) == 0 { // fixed on the spot: counted as immediate whatever its category's speed
		o.OnTheSpot, o.FixedOn = true, o.CollectedAt
	}
}

func TestFiguresEqualStatsAndDefinitions(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	camps := []metricstest.Campaign{createCampaign(t, s, "c1"), createCampaign(t, s, "c2"), createCampaign(t, s, "empty")}
	opinions := randomOpinions(t, s, rand.New(rand.NewPCG(5, 17)), 400, []string{"c1", "c2"})
	imports := seedImports(t, s)
	// Every figure, the quality figures by department included: what the other
	// collector leaves out is TestDepartmentQualityOnlyWhenAsked's.
	opts := metrics.Options{DepartmentQuality: true}
	m := newMetricsWith(t, s, opts)

	got := metricstest.FromFamilies(gather(t, m.Registry))
	want := metricstest.Expect(camps, opinions, imports, opts)
	require.Empty(t, metricstest.Diff(want, got), "every business sample is what the definitions give")

	for _, c := range camps {
		st, err := s.Stats(ctx, c.ID)
		require.NoError(t, err)
		require.Equal(t, st.Counts, metricstest.Counts(got, c.ID, "", ""), "campaign %s", c.ID)
		byState := map[domain.State]int{}
		for _, state := range domain.AllStates {
			byState[state] = int(got.Sum("rectify_opinions", "campaign", c.ID, "state", string(state)))
		}
		require.Equal(t, st.ByState, byState, "campaign %s by state", c.ID)
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
		// The API's targets as written add up to the kinds the figures export.
		kinds := metricstest.ByKind(st.ByTarget)
		for k, sum := range kinds {
			exported := metricstest.Counts(got, c.ID, "target", k)
			exported.MedianWorkingDaysToClose = 0 // a median does not add up; Expect checks it
			require.Equal(t, sum, exported, "campaign %s target kind %q", c.ID, k)
		}
		if c.ID != "empty" {
			// The random data must exercise every figure, or the test proves little.
			require.Positive(t, st.Accountability, c.ID)
			require.Greater(t, st.Overdue, st.Supervised, c.ID)
			require.Greater(t, st.Closed, st.ClosedOnTime, c.ID)
			require.Positive(t, st.ClosedOnTime, c.ID)
			require.Greater(t, st.Callbacks, st.Satisfied, c.ID)
			require.Greater(t, len(st.ByDepartment), 2, c.ID)
			require.Greater(t, st.EverAccountability, st.Accountability, c.ID)
			require.Positive(t, st.LateExtensions, c.ID)
			require.Positive(t, st.Reworked, c.ID)
			require.Greater(t, st.Closed, st.FirstPass, c.ID)
			require.Positive(t, st.Reopened, c.ID)
			require.Positive(t, st.OnTheSpot, c.ID)
			require.Positive(t, st.MedianWorkingDaysToClose, c.ID)
			require.Len(t, st.BySpeed, 4, c.ID)
			require.Len(t, kinds, 3, c.ID)
		}
	}

	// The collector keeps nothing between scrapes but immutable import rejections:
	// a second scrape, and a scrape by a fresh process, say the same.
	require.Empty(t, metricstest.Diff(want, metricstest.FromFamilies(gather(t, m.Registry))))
	require.Empty(t, metricstest.Diff(want, metricstest.FromFamilies(gather(t, newMetricsWith(t, s, opts).Registry))))
}

// TestDepartmentQualityOnlyWhenAsked: by default the quality figures by department
// are not exported, and nothing else changes; with the option they are, exactly.
func TestDepartmentQualityOnlyWhenAsked(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	camps := []metricstest.Campaign{createCampaign(t, s, "c1"), createCampaign(t, s, "c2")}
	opinions := randomOpinions(t, s, rand.New(rand.NewPCG(8, 3)), 200, []string{"c1", "c2"})
	var deptFamilies []string
	for _, f := range []string{"ever_overdue_opinions", "assigned_opinions", "extended_opinions", "late_extensions",
		"verified_opinions", "reworked_opinions", "first_pass_opinions", "accepted_opinions", "reopened_opinions", "on_the_spot_opinions",
		"median_workdays_to_close"} {
		deptFamilies = append(deptFamilies, "rectify_department_"+f)
	}

	off := metricstest.FromFamilies(gather(t, newMetrics(t, s).Registry))
	require.Empty(t, metricstest.Diff(metricstest.Expect(camps, opinions, nil, metrics.Options{}), off))
	for k := range off {
		name, _ := metricstest.Labels(k)
		require.NotContains(t, deptFamilies, name, "off by default")
	}

	opts := metrics.Options{DepartmentQuality: true}
	on := metricstest.FromFamilies(gather(t, newMetricsWith(t, s, opts).Registry))
	require.Empty(t, metricstest.Diff(metricstest.Expect(camps, opinions, nil, opts), on))
	for k, v := range off {
		require.Equal(t, v, on[k], "%s is the same with the option", k)
	}
	added := map[string]int{}
	for k := range on {
		if _, ok := off[k]; !ok {
			name, _ := metricstest.Labels(k)
			require.Contains(t, deptFamilies, name, "the option adds only the quality figures by department")
			added[name]++
		}
	}
	require.Len(t, added, len(deptFamilies), "every quality family by department is there: %v", added)
	for _, c := range camps {
		st, err := s.Stats(ctx, c.ID)
		require.NoError(t, err)
		require.Len(t, st.ByDepartment, 4, c.ID)
		for _, dept := range st.ByDepartment {
			require.Equal(t, dept, metricstest.Counts(on, c.ID, "department", dept.Name),
				"campaign %s department %q: every figure of the API's", c.ID, dept.Name)
		}
	}
}

// seedImports stores imports the way the API does: one done, one refused (strict),
// one whose rows were never committed (the process died while writing it).
func seedImports(t testing.TB, s *store.Store) []metricstest.Import {
	t.Helper()
	ctx := context.Background()
	write := func(id, campaignID string, accepted int, codes []string, state string) {
		w, err := s.NewBatch(ctx, store.Batch{ID: id, CampaignID: campaignID, CreatedAt: base})
		require.NoError(t, err)
		for i := range accepted {
			require.NoError(t, w.Accept(ctx, map[string]any{"key": i}))
		}
		for i, code := range codes {
			require.NoError(t, w.Reject(ctx, store.Rejection{Sheet: "Sheet1", Line: i + 2, Column: "content", Code: code, Reason: "r", Cells: []string{"x"}}))
		}
		if state == "" {
			w.Rollback()
			return
		}
		_, err = w.Commit(ctx, accepted+len(codes), state, nil, nil)
		require.NoError(t, err)
	}
	write("b1", "c1", 7, []string{"invalid_content", "invalid_content", "duplicate_key"}, store.BatchImporting)
	write("b2", "c1", 3, []string{"invalid_collected_at"}, store.BatchRefused)
	write("b3", "c2", 5, nil, store.BatchImporting)
	require.NoError(t, s.FinishBatch(ctx, "b3", base))
	// More rows than one write carries: some reach the table before the batch is
	// committed, and must not count until it is.
	w, err := s.NewBatch(ctx, store.Batch{ID: "b4", CampaignID: "c2", CreatedAt: base})
	require.NoError(t, err)
	for i := range 1500 {
		require.NoError(t, w.Accept(ctx, map[string]any{"key": i}))
	}
	t.Cleanup(w.Rollback)
	return []metricstest.Import{
		{Campaign: "c1", State: store.BatchImporting, Accepted: 7, RejectedByCode: map[string]int{"invalid_content": 2, "duplicate_key": 1}},
		{Campaign: "c1", State: store.BatchRefused, Accepted: 3, RejectedByCode: map[string]int{"invalid_collected_at": 1}},
		{Campaign: "c2", State: store.BatchDone, Accepted: 5},
	}
}

func TestImportCountersOnlyGrow(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	imports := seedImports(t, s)
	m := newMetrics(t, s)
	require.Empty(t, metricstest.Diff(metricstest.Expect(nil, nil, imports, metrics.Options{}), metricstest.FromFamilies(gather(t, m.Registry))))

	// A later import adds to the counters; rejections already read are kept.
	w, err := s.NewBatch(ctx, store.Batch{ID: "b5", CampaignID: "c1", CreatedAt: base})
	require.NoError(t, err)
	require.NoError(t, w.Accept(ctx, map[string]any{"key": "x"}))
	require.NoError(t, w.Reject(ctx, store.Rejection{Code: "invalid_content"}))
	require.NoError(t, w.Reject(ctx, store.Rejection{Code: ""}))
	_, err = w.Commit(ctx, 3, store.BatchImporting, nil, nil)
	require.NoError(t, err)
	imports = append(imports, metricstest.Import{Campaign: "c1", State: store.BatchImporting, Accepted: 1,
		RejectedByCode: map[string]int{"invalid_content": 1, "": 1}})
	got := metricstest.FromFamilies(gather(t, m.Registry))
	require.Empty(t, metricstest.Diff(metricstest.Expect(nil, nil, imports, metrics.Options{}), got))
	require.Equal(t, 3.0, got[metricstest.Key("rectify_import_rejected_rows_total", "campaign", "c1", "code", "invalid_content")])
	require.Equal(t, 1.0, got[metricstest.Key("rectify_import_rejected_rows_total", "campaign", "c1", "code", metrics.UnknownCode)])
	for _, mf := range gather(t, m.Registry) {
		if mf.GetName() == "rectify_import_accepted_rows_total" || mf.GetName() == "rectify_import_rejected_rows_total" {
			require.Equal(t, dto.MetricType_COUNTER, mf.GetType(), mf.GetName())
		}
	}
}

func TestTimeToCloseBuckets(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	createCampaign(t, s, "c1")
	createCampaign(t, s, "c2")
	took := []time.Duration{
		0, 30 * time.Minute, time.Hour, time.Hour + time.Millisecond, // le is inclusive: exactly 1h is in the 1h bucket
		3 * 24 * time.Hour, 3*24*time.Hour + time.Second, 119 * 24 * time.Hour, 200 * 24 * time.Hour,
	}
	for i, d := range took {
		o := domain.Opinion{ID: fmt.Sprint("closed-", i), CampaignID: "c1", State: domain.StateClosed,
			CreatedAt: base, ClosedAt: base.Add(d), UpdatedAt: base.Add(d), Revision: 1}
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}
	// Reopened after closing: no longer closed, so not in the histogram.
	require.NoError(t, s.ProjectOpinion(ctx, domain.Opinion{ID: "reopened", CampaignID: "c1", State: domain.StateInProgress,
		CreatedAt: base, ClosedAt: base.Add(time.Minute), Revision: 3}))

	var h *dto.Histogram
	for _, mf := range gather(t, newMetrics(t, s).Registry) {
		if mf.GetName() != "rectify_time_to_close_seconds" {
			continue
		}
		require.Equal(t, dto.MetricType_HISTOGRAM, mf.GetType())
		require.Len(t, mf.GetMetric(), 2, "one histogram per campaign, c2's empty")
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == "c1" {
				h = m.GetHistogram()
			} else {
				require.Zero(t, m.GetHistogram().GetSampleCount())
			}
		}
	}
	require.NotNil(t, h)
	require.EqualValues(t, len(took), h.GetSampleCount())
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	require.Equal(t, sum.Seconds(), h.GetSampleSum())
	want := map[float64]uint64{
		3600: 3, 6 * 3600: 4, 86400: 4, 2 * 86400: 4, 3 * 86400: 5, 5 * 86400: 6, 7 * 86400: 6, 10 * 86400: 6,
		14 * 86400: 6, 21 * 86400: 6, 28 * 86400: 6, 42 * 86400: 6, 60 * 86400: 6, 90 * 86400: 6, 120 * 86400: 7,
	}
	got := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		got[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	require.Equal(t, want, got)
}

func TestPromlintFindsNothing(t *testing.T) {
	s := openStore(t)
	camps := []string{"c1", "c2"}
	for _, c := range camps {
		createCampaign(t, s, c)
	}
	randomOpinions(t, s, rand.New(rand.NewPCG(1, 2)), 100, camps)
	seedImports(t, s)
	m := newMetrics(t, s)
	// The SDK's metrics as the worker reports them: counters, gauges and timers
	// with its tags (the integration test lints the real ones).
	h := m.Temporal.WithTags(map[string]string{"namespace": "default", "task_queue": "rectify", "workflow_type": "rectify.Opinion"})
	h.Counter("temporal_workflow_completed").Inc(1)
	h.Counter("temporal_request").Inc(3)
	h.Gauge("temporal_num_pollers").Update(2)
	h.Timer("temporal_workflow_task_schedule_to_start_latency").Record(20 * time.Millisecond)
	require.Eventually(t, func() bool {
		for _, mf := range gather(t, m.Registry) {
			if mf.GetName() == "temporal_workflow_task_schedule_to_start_latency_seconds" {
				return true
			}
		}
		return false
	}, 5*time.Second, 50*time.Millisecond, "the SDK scope reports every second")

	problems, err := promlint.NewWithMetricFamilies(gather(t, m.Registry)).Lint()
	require.NoError(t, err)
	require.Empty(t, problems)

	// The same through the HTTP handler, as Prometheus reads it.
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	problems, err = promlint.New(rec.Body).Lint()
	require.NoError(t, err)
	require.Empty(t, problems)
}

func TestStoreFailureLeavesTheRestOfTheScrape(t *testing.T) {
	s, err := store.Open(filepath.Join(t.TempDir(), "rectify.db"))
	require.NoError(t, err)
	m := newMetrics(t, s)
	require.NoError(t, s.Close())
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), "rectify_figures_up 0")
	require.Contains(t, string(body), "go_goroutines")
}

// TestUnregisterableSDKMetricIsCounted reports one SDK metric name with two different
// label sets, which Prometheus cannot register twice: the process keeps running
// and /metrics says a metric was lost.
func TestUnregisterableSDKMetricIsCounted(t *testing.T) {
	m := metrics.New(quiet)
	t.Cleanup(m.Close)
	lost := func() float64 {
		for _, mf := range gather(t, m.Registry) {
			if mf.GetName() == "rectify_temporal_metric_errors_total" {
				return mf.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatal("rectify_temporal_metric_errors_total is not exported")
		return 0
	}
	m.Temporal.WithTags(map[string]string{"task_queue": "rectify"}).Counter("temporal_test_requests").Inc(1)
	require.Equal(t, 0.0, lost(), "a metric registered once is fine")
	m.Temporal.WithTags(map[string]string{"operation": "Poll"}).Counter("temporal_test_requests").Inc(1)
	require.Equal(t, 1.0, lost(), "the same name with other labels cannot be registered")
}
