package metrics_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/metrics"
	"rectify/internal/store"
)

// The scale of the series budget (docs/metrics.md): /metrics stays under 20k series with 100
// departments × 12 categories × 10 campaigns.
const (
	scaleCampaigns   = 10
	scaleCategories  = 12
	scaleDepartments = 100
	scaleCodes       = 13 // rules an import can refuse a row for
	seriesBudget     = 20_000
	// sdkAllowance is room for the Temporal SDK's series: 908 after a few hundred
	// opinions in internal/app's test; they grow with the operations used.
	sdkAllowance = 2_000
)

func campaignID(i int) string   { return fmt.Sprintf("campaign-%02d", i+1) }
func categoryName(i int) string { return fmt.Sprintf("类别%02d", i+1) }
func departmentName(i int) string {
	return fmt.Sprintf("部门%03d", i+1)
}

// speeds are the speeds the scale's categories take in turn.
var speeds = []domain.Speed{domain.SpeedImmediate, domain.SpeedDeadline, domain.SpeedLongTerm}

// scalePolicy is the scale's campaigns' policy: its categories, each of a speed.
func scalePolicy() domain.Policy {
	var p domain.Policy
	for k := range scaleCategories {
		p.Categories = append(p.Categories, domain.CategoryPolicy{Name: categoryName(k), Speed: speeds[k%len(speeds)], WorkingDays: 10})
	}
	return p
}

// bulk writes opinions straight into a store's file in one transaction, with the
// projection's own columns: ProjectOpinion would take minutes for 50,000. The store
// is then reopened (which rebuilds its counts from the opinions) and the figures are
// read through its real queries.
type bulk struct {
	tb    testing.TB
	path  string
	store *store.Store
	db    *sql.DB
	tx    *sql.Tx
	stmt  *sql.Stmt
	n     int
}

func newBulk(tb testing.TB) *bulk {
	tb.Helper()
	ctx := context.Background()
	path := filepath.Join(tb.TempDir(), "rectify.db")
	s, err := store.Open(path)
	require.NoError(tb, err)
	for ci := range scaleCampaigns {
		require.NoError(tb, s.CreateCampaign(ctx, campaign.Campaign{ID: campaignID(ci), Name: "整改活动 " + campaignID(ci),
			Policy: scalePolicy(), CreatedAt: time.Now()}))
	}
	b := &bulk{tb: tb, path: path, store: s}
	b.db, err = sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	require.NoError(tb, err)
	b.tx, err = b.db.Begin()
	require.NoError(tb, err)
	b.stmt, err = b.tx.Prepare(`
INSERT INTO opinions (id, campaign_id, key, state, category, department, official, leader, deadline,
	overdue_level, urgency, level_rank, on_time, satisfaction, created_at, updated_at, closed_at, revision, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	require.NoError(tb, err)
	return b
}

// write stores an opinion as the projection would: a realistic document, the
// ladder's rank only where an official owes a fix; record, if any, writes what
// happened to it into it.
func (b *bulk) write(c, category, department string, state domain.State, level domain.OverdueLevel,
	onTime bool, satisfaction string, took time.Duration, record ...func(*domain.Opinion)) {
	b.n++
	created := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(b.n%(60*24)) * time.Hour)
	o := domain.Opinion{
		ID: fmt.Sprintf("%s-%06d", c, b.n), CampaignID: c, Key: fmt.Sprint(b.n), Channel: "hotline",
		Content:     "幸福路东段路面坑洼多年未修，雨天积水严重，出行不便。希望有关部门尽快组织维修，并建立长效管护机制，避免反复。",
		CollectedAt: created.Format(domain.DateLayout), Submitter: "张三", Phone: "13812345678",
		State: state, Category: category, Department: department, OverdueLevel: level, OnTime: onTime,
		Satisfaction: satisfaction, Measures: "制定整改方案，明确责任人和完成时限",
		CreatedAt: created, UpdatedAt: created.Add(time.Hour), Revision: 7,
	}
	if department != "" {
		o.Official, o.Leader = "official-"+department, "leader"
		o.Schedule.Deadline = created.AddDate(0, 0, 28).Format(domain.DateLayout)
	}
	urgency, rank := 1, 0
	switch state {
	case domain.StateAssigned, domain.StateInProgress:
		urgency, rank = 2, level.Rank()
	case domain.StateClosed, domain.StateRejected, domain.StateMerged, domain.StateCancelled:
		urgency = 0
	}
	var closed int64
	if state == domain.StateClosed {
		o.ClosedAt = created.Add(took)
		closed = o.ClosedAt.UnixMilli()
	}
	for _, r := range record {
		r(&o)
	}
	doc, err := json.Marshal(o)
	require.NoError(b.tb, err)
	_, err = b.stmt.Exec(o.ID, o.CampaignID, o.Key, o.State, o.Category, o.Department, o.Official, o.Leader,
		o.Schedule.Deadline, o.OverdueLevel, urgency, rank, o.OnTime, o.Satisfaction, o.CreatedAt.UnixMilli(),
		o.UpdatedAt.UnixMilli(), closed, o.Revision, string(doc))
	require.NoError(b.tb, err)
}

// done commits the opinions and adds, per campaign, an import in each state with
// a row refused for each rule.
func (b *bulk) done() (*store.Store, int) {
	require.NoError(b.tb, b.stmt.Close())
	require.NoError(b.tb, b.tx.Commit())
	require.NoError(b.tb, b.db.Close())
	require.NoError(b.tb, b.store.Close())
	s, err := store.Open(b.path)
	require.NoError(b.tb, err)
	b.tb.Cleanup(func() { _ = s.Close() })
	b.store = s
	ctx := context.Background()
	for ci := range scaleCampaigns {
		for bi, state := range []string{store.BatchImporting, store.BatchDone, store.BatchRefused} {
			w, err := b.store.NewBatch(ctx, store.Batch{ID: fmt.Sprintf("%s-b%d", campaignID(ci), bi), CampaignID: campaignID(ci), CreatedAt: time.Now()})
			require.NoError(b.tb, err)
			for i := range 50 {
				require.NoError(b.tb, w.Accept(ctx, map[string]any{"key": i}))
			}
			for i := range scaleCodes {
				require.NoError(b.tb, w.Reject(ctx, store.Rejection{Sheet: "Sheet1", Line: i + 2, Code: fmt.Sprintf("invalid_field%02d", i), Reason: "r"}))
			}
			_, err = w.Commit(ctx, 50+scaleCodes, state, nil, nil)
			require.NoError(b.tb, err)
		}
	}
	return b.store, b.n
}

// everyCombinationStore holds, in every campaign, an opinion for every label value
// each breakdown can take — every category in every state it can be in, every
// department in every stage, rung and follow-up answer — so /metrics holds the most
// series it can at this scale, with about 11,000 opinions.
func everyCombinationStore(tb testing.TB) (*store.Store, int) {
	b := newBulk(tb)
	const day = 24 * time.Hour
	for ci := range scaleCampaigns {
		c := campaignID(ci)
		// Not categorized: received, or turned away before that.
		for _, st := range []domain.State{domain.StateReceived, domain.StateRejected, domain.StateMerged, domain.StateCancelled} {
			b.write(c, "", "", st, domain.LevelNone, false, "", 0)
		}
		first := departmentName(0)
		for k := range scaleCategories {
			cat := categoryName(k)
			for _, st := range domain.AllStates {
				dept := first
				switch st {
				case domain.StateReceived:
					continue // categorizing moves it on
				case domain.StateCategorized, domain.StateRejected, domain.StateMerged:
					dept = ""
				}
				b.write(c, cat, dept, st, domain.LevelNone, false, "", 3*day)
			}
			for _, l := range []domain.OverdueLevel{domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability} {
				b.write(c, cat, first, domain.StateInProgress, l, false, "", 0)
			}
			b.write(c, cat, first, domain.StateClosed, domain.LevelNone, true, domain.SatisfactionSatisfied, 5*day)
			b.write(c, cat, first, domain.StateClosed, domain.LevelNone, false, domain.SatisfactionBasically, 40*day)
			b.write(c, cat, first, domain.StateInProgress, domain.LevelNone, false, domain.SatisfactionDissatisfied, 0)
		}
		// Every quality figure in every category (so every speed) and every kind
		// of target: each rung ever reached, extended late, sent back, passed,
		// reopened, called back twice, on the long-term track; one passed at once;
		// one fixed on the spot; and every stage.
		yes, no := true, false
		for k := range scaleCategories {
			cat := categoryName(k)
			for _, target := range []string{"", "team", "李局长"} {
				for _, l := range []domain.OverdueLevel{domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability} {
					b.write(c, cat, first, domain.StateClosed, domain.LevelNone, false, domain.SatisfactionSatisfied, 9*day,
						func(o *domain.Opinion) {
							o.Target, o.HighestLevel, o.Extensions, o.LateExtensions, o.ReworkCount, o.Reopens = target, l, 1, 1, 1, 1
							o.Rounds = []domain.Round{{Measures: "整改", Passed: &no}, {Measures: "整改", Passed: &yes}}
							o.Callbacks = []domain.Callback{{Satisfaction: domain.SatisfactionDissatisfied, First: true},
								{Satisfaction: domain.SatisfactionSatisfied, First: true}}
							o.WorkingDaysToClose, o.LongTerm = 7, true
						})
				}
				b.write(c, cat, first, domain.StateClosed, domain.LevelNone, true, domain.SatisfactionSatisfied, day,
					func(o *domain.Opinion) { o.Target, o.OnTheSpot, o.WorkingDaysToClose = target, true, 1 })
				for _, st := range []domain.State{domain.StateClosed, domain.StateCategorized, domain.StateInProgress, domain.StateCancelled} {
					b.write(c, cat, first, st, domain.LevelNone, true, "", 2*day, func(o *domain.Opinion) {
						o.Target, o.WorkingDaysToClose = target, 2
					})
				}
			}
		}
		// Every department in every stage, rung and answer, with every quality
		// figure: one closed opinion was extended late, sent back, passed and
		// reopened, and counts as fixed on the spot and on the long-term track too
		// (each figure at its most, not a record a workflow would keep).
		for d := range scaleDepartments {
			cat, dept := categoryName(d%scaleCategories), departmentName(d)
			b.write(c, cat, dept, domain.StateReturned, domain.LevelNone, false, "", 0)
			b.write(c, cat, dept, domain.StateCancelled, domain.LevelNone, false, "", 0)
			for _, l := range []domain.OverdueLevel{domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability} {
				b.write(c, cat, dept, domain.StateInProgress, l, false, "", 0)
			}
			b.write(c, cat, dept, domain.StateClosed, domain.LevelNone, true, domain.SatisfactionSatisfied, 2*day,
				func(o *domain.Opinion) {
					o.Extensions, o.LateExtensions, o.ReworkCount, o.Reopens = 1, 1, 1, 1
					o.Rounds = []domain.Round{{Measures: "整改", Passed: &no}, {Measures: "整改", Passed: &yes}}
					o.WorkingDaysToClose, o.LongTerm, o.OnTheSpot = 4, true, true
				})
			b.write(c, cat, dept, domain.StateClosed, domain.LevelNone, false, domain.SatisfactionBasically, 30*day)
			b.write(c, cat, dept, domain.StateInProgress, domain.LevelNone, false, domain.SatisfactionDissatisfied, 0)
		}
	}
	return b.done()
}

// randomStore writes perCell opinions, in random states, rungs and answers, into
// every campaign × category × department, plus 300 per campaign not yet assigned: a
// large ledger for timing the scrape.
func randomStore(tb testing.TB, perCell int) (*store.Store, int) {
	b := newBulk(tb)
	r := rand.New(rand.NewPCG(100, 12))
	owed := []domain.State{domain.StateAssigned, domain.StateInProgress, domain.StateInProgress,
		domain.StateSubmitted, domain.StateAwaitingCallback, domain.StateClosed, domain.StateClosed,
		domain.StateClosed, domain.StateClosed, domain.StateCancelled}
	unowed := []domain.State{domain.StateReceived, domain.StateCategorized, domain.StateReturned,
		domain.StateRejected, domain.StateMerged}
	levels := []domain.OverdueLevel{domain.LevelNone, domain.LevelNone, domain.LevelDueSoon,
		domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability}
	for ci := range scaleCampaigns {
		c := campaignID(ci)
		for k := range scaleCategories {
			for d := range scaleDepartments {
				for range perCell {
					st, level, onTime, satisfaction := owed[r.IntN(len(owed))], domain.LevelNone, false, ""
					switch st {
					case domain.StateAssigned, domain.StateInProgress:
						level = levels[r.IntN(len(levels))]
						if st == domain.StateInProgress && r.IntN(4) == 0 {
							satisfaction = domain.SatisfactionDissatisfied // reopened after a follow-up
						}
					case domain.StateClosed:
						onTime = r.IntN(4) > 0
						satisfaction = []string{domain.SatisfactionSatisfied, domain.SatisfactionBasically}[r.IntN(2)]
					}
					b.write(c, categoryName(k), departmentName(d), st, level, onTime, satisfaction, time.Duration(1+r.IntN(90*24))*time.Hour)
				}
			}
		}
		for range 300 {
			st := unowed[r.IntN(len(unowed))]
			cat := categoryName(r.IntN(scaleCategories))
			if st == domain.StateReceived || r.IntN(3) == 0 {
				cat = ""
			}
			b.write(c, cat, "", st, domain.LevelNone, false, "", 0)
		}
	}
	return b.done()
}

// seriesCount counts what Prometheus stores from a scrape: one series per counter
// or gauge, and per histogram its buckets, +Inf, _sum and _count.
func seriesCount(mfs []*dto.MetricFamily) int {
	n := 0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			switch mf.GetType() {
			case dto.MetricType_HISTOGRAM:
				n += len(m.GetHistogram().GetBucket()) + 3
			case dto.MetricType_SUMMARY:
				n += len(m.GetSummary().GetQuantile()) + 2
			default:
				n++
			}
		}
	}
	return n
}

// TestSeriesBudgetAtScale scrapes the store with every label combination present
// and requires the count docs/metrics.md derives — the most the figures can take at
// this scale — to leave room for the SDK's series under the budget; and counts,
// as exactly, what the quality figures by department add when asked for, which
// does not fit (Options.DepartmentQuality).
func TestSeriesBudgetAtScale(t *testing.T) {
	s, opinions := everyCombinationStore(t)
	// scrape counts a scrape's series, by family, and those of rectify's figures.
	scrape := func(opts metrics.Options) (perFamily map[string]int, figures, total int) {
		mfs := gather(t, newMetricsWith(t, s, opts).Registry)
		perFamily, total = map[string]int{}, seriesCount(mfs)
		for _, mf := range mfs {
			n := seriesCount([]*dto.MetricFamily{mf})
			perFamily[mf.GetName()] = n
			if strings.HasPrefix(mf.GetName(), "rectify_") {
				figures += n
			}
		}
		t.Logf("%+v, %d opinions: %d series, %d of them rectify's figures; by family: %v", opts, opinions, total, figures, perFamily)
		return perFamily, figures, total
	}
	// requireFamilies requires each family's count, and no other rectify_ family.
	requireFamilies := func(want, perFamily map[string]int, figures int) {
		t.Helper()
		wantFigures := 0
		for name, n := range want {
			require.Equal(t, n, perFamily[name], name)
			wantFigures += n
		}
		require.Equal(t, wantFigures, figures, "no other rectify_ family")
	}

	const (
		C, K, D = scaleCampaigns, scaleCategories, scaleDepartments
		states  = 12 // a categorized opinion is never received again: 11, and 4 uncategorized
		stages  = 4  // the unassigned are only pending or excluded: 2
		rungs   = 3
		answers = 3
		// The quality families: by speed, the three speeds with every figure and
		// the uncategorized (speed "") only pending or excluded; by kind of target,
		// the three kinds with every figure; by category and by department, every
		// one with every figure, and a median for the uncategorized and the
		// unassigned too (who have none of the figures).
		flags         = 10 // assigned … reopened, the late extensions, fixed on the spot and on the long-term track
		speedsWithAll = 3
		targetKinds   = 3
	)
	flagFamilies := []string{"assigned_opinions", "extended_opinions", "late_extensions", "verified_opinions",
		"reworked_opinions", "first_pass_opinions", "accepted_opinions", "reopened_opinions", "on_the_spot_opinions",
		"long_term_opinions"}
	require.Len(t, flagFamilies, flags)
	buckets := len(metrics.CloseBuckets) + 3
	want := map[string]int{
		"rectify_opinions":                           C * (K*(states-1) + 4),
		"rectify_department_opinions":                C * (D*stages + 2),
		"rectify_overdue_opinions":                   C * K * rungs,
		"rectify_department_overdue_opinions":        C * D * rungs,
		"rectify_closed_on_time_opinions":            C * K,
		"rectify_department_closed_on_time_opinions": C * D,
		"rectify_callbacks":                          C * K * answers,
		"rectify_department_callbacks":               C * D * answers,
		"rectify_first_pass_ratio":                   C,
		"rectify_rework_ratio":                       C,
		"rectify_reopen_ratio":                       C,
		"rectify_extension_ratio":                    C,
		"rectify_median_workdays_to_close":           C,
		"rectify_speed_opinions":                     C * (speedsWithAll*stages + 2),
		"rectify_speed_ever_overdue_opinions":        C * speedsWithAll * rungs,
		"rectify_speed_median_workdays_to_close":     C * (speedsWithAll + 1),
		"rectify_target_opinions":                    C * targetKinds * stages,
		"rectify_target_ever_overdue_opinions":       C * targetKinds * rungs,
		"rectify_target_median_workdays_to_close":    C * targetKinds,
		"rectify_category_ever_overdue_opinions":     C * K * rungs,
		"rectify_category_median_workdays_to_close":  C * (K + 1),
		"rectify_completion_ratio":                   C,
		"rectify_on_time_ratio":                      C,
		"rectify_satisfaction_ratio":                 C,
		"rectify_time_to_close_seconds":              C * buckets,
		"rectify_campaign_info":                      C,
		"rectify_import_accepted_rows_total":         C,
		"rectify_import_rejected_rows_total":         C * scaleCodes,
		"rectify_import_batches":                     C * 3,
		"rectify_figures_up":                         1,
		"rectify_figures_read_duration_seconds":      1,
		"rectify_temporal_metric_errors_total":       1,
		"rectify_build_info":                         1,
	}
	for _, f := range flagFamilies {
		want["rectify_speed_"+f] = C * speedsWithAll
		want["rectify_target_"+f] = C * targetKinds
		want["rectify_category_"+f] = C * K
	}
	// An opinion fixed on the spot is 立行立改 by speed whatever its category's.
	want["rectify_speed_on_the_spot_opinions"] = C
	require.Len(t, want, 20+5+2*(3+flags)+(2+flags),
		"20 families of progress and of the process, 5 of quality per campaign; by speed and target: stages, rungs ever, median and the flags; by category: rungs ever, median and the flags")
	perFamily, figures, total := scrape(metrics.Options{})
	requireFamilies(want, perFamily, figures)
	require.Equal(t, 16_444, figures, "the worst case docs/metrics.md states")
	require.Less(t, total+sdkAllowance, seriesBudget, "with room for the SDK's series")

	// The quality figures by department, as by category: 14,010 series more, past
	// the budget — which is why they are only there when asked for.
	withDepartments := maps.Clone(want)
	withDepartments["rectify_department_ever_overdue_opinions"] = C * D * rungs
	withDepartments["rectify_department_median_workdays_to_close"] = C * (D + 1)
	for _, f := range flagFamilies {
		withDepartments["rectify_department_"+f] = C * D
	}
	perFamily, figures, total = scrape(metrics.Options{DepartmentQuality: true})
	requireFamilies(withDepartments, perFamily, figures)
	require.Equal(t, 30_454, figures, "the worst case with the quality figures by department docs/metrics.md states")
	require.Greater(t, total, seriesBudget)
}

// BenchmarkScrape measures one GET /metrics as Prometheus makes it (reading the
// figures, encoding and compressing them) at the budget's scale — 100 departments ×
// 12 categories × 10 campaigns, with every label combination present, and with four
// opinions in every cell — against the same scrape of an empty store.
func BenchmarkScrape(b *testing.B) {
	scrape := func(b *testing.B, s *store.Store, opinions int) {
		m := newMetrics(b, s)
		h := m.Handler()
		series := seriesCount(gather(b, m.Registry))
		for b.Loop() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept-Encoding", "gzip") // as Prometheus asks
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Code)
			}
		}
		b.ReportMetric(float64(series), "series")
		b.ReportMetric(float64(opinions), "opinions")
	}
	empty := openStore(b)
	b.Run("baseline-empty-store", func(b *testing.B) { scrape(b, empty, 0) })
	scale := fmt.Sprintf("%ddept-%dcat-%dcampaigns", scaleDepartments, scaleCategories, scaleCampaigns)
	every, n := everyCombinationStore(b)
	b.Run(scale+"-every-combination", func(b *testing.B) { scrape(b, every, n) })
	large, n := randomStore(b, 4)
	b.Run(fmt.Sprintf("%s-%dk-opinions", scale, n/1000), func(b *testing.B) { scrape(b, large, n) })
}
