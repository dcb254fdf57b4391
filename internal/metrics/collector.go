package metrics

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// CloseBuckets are the time-to-close histogram's upper bounds, the buckets the store
// keeps its counts in.
var CloseBuckets = store.CloseBounds

// UnknownCode labels rejected rows stored without a rule code.
const UnknownCode = "unknown"

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// The business metrics. Category and department breakdowns are separate families:
// the cross product campaign × category × department × state would not fit the
// series budget (docs/metrics.md). A department's ratios are the recording rules',
// from its counts.
var (
	descOpinions = desc("rectify_opinions",
		"Opinions now in each state, by campaign and category (empty category: not yet categorized).",
		"campaign", "category", "state")
	descDeptOpinions = desc("rectify_department_opinions",
		"Opinions now in each stage (pending, in_progress, closed, excluded), by campaign and department (empty: not assigned).",
		"campaign", "department", "stage")
	descOverdue = desc("rectify_overdue_opinions",
		"Opinions an official owes that are past their deadline, at the highest rung reached (overdue, supervised, accountability), by campaign and category.",
		"campaign", "category", "level")
	descDeptOverdue = desc("rectify_department_overdue_opinions",
		"Opinions an official owes that are past their deadline, at the highest rung reached, by campaign and department.",
		"campaign", "department", "level")
	descOnTime = desc("rectify_closed_on_time_opinions",
		"Closed opinions that were closed by their deadline, by campaign and category.",
		"campaign", "category")
	descDeptOnTime = desc("rectify_department_closed_on_time_opinions",
		"Closed opinions that were closed by their deadline, by campaign and department.",
		"campaign", "department")
	descCallbacks = desc("rectify_callbacks",
		"Follow-up calls the satisfaction ratio counts — the first after each closure — by answer (satisfied, basically, dissatisfied), by campaign and category.",
		"campaign", "category", "satisfaction")
	descDeptCallbacks = desc("rectify_department_callbacks",
		"Follow-up calls the satisfaction ratio counts, by answer, by campaign and department.",
		"campaign", "department", "satisfaction")
	descCompletion = desc("rectify_completion_ratio",
		"Closed opinions over collected ones less the excluded (0 when there are none), by campaign.", "campaign")
	descOnTimeRatio = desc("rectify_on_time_ratio",
		"Opinions closed on time over closed opinions (0 when none is closed), by campaign.", "campaign")
	descSatisfaction = desc("rectify_satisfaction_ratio",
		"First follow-up calls after each closure answered satisfied or basically satisfied over all of them (0 when none), by campaign.", "campaign")
	descTimeToClose = desc("rectify_time_to_close_seconds",
		"Time from collection into rectify to closure of the opinions closed now, by campaign. A snapshot: a reopened opinion leaves it, so read it with histogram_quantile directly, not rate().",
		"campaign")
	descCampaign = desc("rectify_campaign_info",
		"One per campaign, carrying its display name.", "campaign", "name")
	descImportAccepted = desc("rectify_import_accepted_rows_total",
		"Ledger rows that passed the import checks, over every stored import, by campaign.", "campaign")
	descImportRejected = desc("rectify_import_rejected_rows_total",
		"Ledger rows refused by an import check, by campaign and rule code.", "campaign", "code")
	descImportBatches = desc("rectify_import_batches",
		"Stored imports by state (importing, done, refused), by campaign.", "campaign", "state")
	descFirstPass = desc("rectify_first_pass_ratio",
		"Closed opinions no verification ever failed over closed opinions (0 when none), by campaign.", "campaign")
	descRework = desc("rectify_rework_ratio",
		"Opinions a verification failed at least once over opinions verified at least once (0 when none), by campaign.", "campaign")
	descReopen = desc("rectify_reopen_ratio",
		"Opinions reopened at least once over opinions a fix of which passed verification (0 when none), by campaign.", "campaign")
	descExtension = desc("rectify_extension_ratio",
		"Opinions with an approved extension over opinions given to an official (0 when none), by campaign.", "campaign")
	descMedianWorkdays = desc("rectify_median_workdays_to_close",
		"Median working days from receipt to closure of the opinions closed now (0 when none), by campaign.", "campaign")
	descUp = desc("rectify_figures_up",
		"1 when this scrape read the figures from the reporting store, 0 when it could not (the error is logged).")
	descReadDuration = desc("rectify_figures_read_duration_seconds",
		"How long this scrape took to read the figures from the reporting store.")
)

// qualityFamily is one quality figure, with its metric by speed, by kind of
// target, by category and by department — none for the stages by category and by
// department, which are rectify_opinions' states and rectify_department_opinions.
type qualityFamily struct {
	figure     string // store.Figure…
	name, help string // the name after rectify_speed_ (…_target_, …), and what it counts
	label      string // the figure's value as a label (stage, level), if any

	speed, target, category, department *prometheus.Desc
}

// qualityFamilies are the quality figures by speed (立行立改 immediate, 限期整改
// deadline, 长期坚持 long_term; "" not categorized), by kind of target (team,
// individual; "" not said), by category, and — only with Options.DepartmentQuality,
// as they would not fit the series budget at scale (docs/metrics.md) — by
// department. Never by person: the API's stats have those. The campaign's figures
// add up its speeds.
var qualityFamilies = func() []*qualityFamily {
	fs := []*qualityFamily{
		{figure: store.FigureStage, name: "opinions", label: "stage",
			help: "Opinions now in each stage (pending, in_progress, closed, excluded)"},
		{figure: store.FigureEverLevel, name: "ever_overdue_opinions", label: "level",
			help: "Opinions by the highest rung of the escalation ladder they ever reached (overdue, supervised, accountability), whatever their state and rung now"},
		{figure: store.FigureAssigned, name: "assigned_opinions",
			help: "Opinions ever given to an official (the extension ratio's denominator)"},
		{figure: store.FigureExtended, name: "extended_opinions",
			help: "Opinions with at least one approved extension"},
		{figure: store.FigureLateExtensions, name: "late_extensions",
			help: "Approved extensions (not opinions) approved after the deadline they replaced had passed"},
		{figure: store.FigureVerified, name: "verified_opinions",
			help: "Opinions whose fix was verified at least once (the rework ratio's denominator)"},
		{figure: store.FigureReworked, name: "reworked_opinions",
			help: "Opinions a verification failed at least once"},
		{figure: store.FigureFirstPass, name: "first_pass_opinions",
			help: "Closed opinions no verification ever failed"},
		{figure: store.FigureAccepted, name: "accepted_opinions",
			help: "Opinions a fix of which passed verification at least once (the reopen ratio's denominator)"},
		{figure: store.FigureReopened, name: "reopened_opinions",
			help: "Opinions reopened at least once, by a dissatisfied follow-up call or a reopening"},
		{figure: store.FigureOnTheSpot, name: "on_the_spot_opinions",
			help: "Opinions fixed on the spot (立行立改, recorded by the office), which count with the immediate speed whatever their category's"},
		{figure: store.FigureLongTerm, name: "long_term_opinions",
			help: "Opinions on the long-term track (长期坚持), whose deadline is the next progress report's"},
	}
	for _, f := range fs {
		family := func(slice, what string) *prometheus.Desc {
			labels := []string{"campaign", slice}
			if f.label != "" {
				labels = append(labels, f.label)
			}
			return desc("rectify_"+slice+"_"+f.name, f.help+", by campaign and "+what, labels...)
		}
		f.speed = family("speed", "speed of the category (immediate, deadline, long_term).")
		f.target = family("target", "kind of target (team, individual).")
		if f.figure != store.FigureStage {
			f.category = family("category", "category.")
			f.department = family("department", "department (only with RECTIFY_METRICS_DEPARTMENT_QUALITY=on).")
		}
	}
	return fs
}()

// medianDesc is the median working days to close of a breakdown's slices.
func medianDesc(slice, what string) *prometheus.Desc {
	return desc("rectify_"+slice+"_median_workdays_to_close",
		"Median working days from receipt to closure of the opinions closed now (0 when none), by campaign and "+what,
		"campaign", slice)
}

// qualityBreakdowns are the slices the quality figures are exported by: each
// family's metric and the median's.
var qualityBreakdowns = [...]struct {
	family func(*qualityFamily) *prometheus.Desc
	median *prometheus.Desc
}{
	{func(f *qualityFamily) *prometheus.Desc { return f.speed }, medianDesc("speed", "speed of the category.")},
	{func(f *qualityFamily) *prometheus.Desc { return f.target }, medianDesc("target", "kind of target.")},
	{func(f *qualityFamily) *prometheus.Desc { return f.category }, medianDesc("category", "category.")},
	{func(f *qualityFamily) *prometheus.Desc { return f.department },
		medianDesc("department", "department (only with RECTIFY_METRICS_DEPARTMENT_QUALITY=on).")},
}

// Options are what a collector exports beyond the default families.
type Options struct {
	// DepartmentQuality exports the quality figures by department too
	// (RECTIFY_METRICS_DEPARTMENT_QUALITY): at the budget's scale, 100
	// departments × 10 campaigns, some 12,000 series more than the budget has
	// room for (docs/metrics.md).
	DepartmentQuality bool
}

// Collector reads the leader's figures from the reporting store on every scrape, in
// one read-only transaction: they are exact, the same after any restart, and never
// counted twice however often a workflow replays or an activity retries.
type Collector struct {
	store   *store.Store
	logger  *slog.Logger
	opts    Options
	timeout time.Duration

	mu sync.Mutex
	// rejections caches each stored import's refused rows by code: they are
	// written with the batch and never change, so they are read once per process.
	rejections map[string]map[string]int
}

// NewCollector returns a collector over the store; register it on a registry.
func NewCollector(s *store.Store, logger *slog.Logger, opts Options) *Collector {
	return &Collector{store: s, logger: logger, opts: opts, timeout: 20 * time.Second, rejections: map[string]map[string]int{}}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		descOpinions, descDeptOpinions, descOverdue, descDeptOverdue, descOnTime, descDeptOnTime,
		descCallbacks, descDeptCallbacks, descCompletion, descOnTimeRatio, descSatisfaction,
		descTimeToClose, descCampaign, descImportAccepted, descImportRejected, descImportBatches,
		descUp, descReadDuration, descFirstPass, descRework, descReopen, descExtension, descMedianWorkdays,
	} {
		ch <- d
	}
	for _, b := range qualityBreakdowns {
		ch <- b.median
		for _, f := range qualityFamilies {
			if d := b.family(f); d != nil {
				ch <- d
			}
		}
	}
}

// rateCounts is what a campaign's ratios divide: summed from its categories'
// figure_counts rows.
type rateCounts struct{ collected, excluded, closed, closedOnTime, answered, satisfied int }

func (t *rateCounts) add(g store.FigureGroup) {
	switch g.Figure {
	case store.FigureState, store.FigureStage:
		stage := g.Value
		if g.Figure == store.FigureState {
			stage = store.Stage(domain.State(g.Value))
		}
		t.collected += g.Count
		switch stage {
		case store.StageClosed:
			t.closed += g.Count
		case store.StageExcluded:
			t.excluded += g.Count
		}
	case store.FigureClosedOnTime:
		t.closedOnTime += g.Count
	case store.FigureSatisfaction:
		t.answered += g.Count
		if g.Value == domain.SatisfactionSatisfied || g.Value == domain.SatisfactionBasically {
			t.satisfied += g.Count
		}
	}
}

// ratio is store.ratio: 0 when there is nothing to divide by.
func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (t *rateCounts) completion() float64   { return ratio(t.closed, t.collected-t.excluded) }
func (t *rateCounts) onTime() float64       { return ratio(t.closedOnTime, t.closed) }
func (t *rateCounts) satisfaction() float64 { return ratio(t.satisfied, t.answered) }

// figureDescs is the metric each kind of figure_counts row is exported as; the
// row's value is the metric's last label (none for closed on time).
var figureDescs = map[[2]string]*prometheus.Desc{
	{store.DimensionCategory, store.FigureState}:          descOpinions,
	{store.DimensionCategory, store.FigureLevel}:          descOverdue,
	{store.DimensionCategory, store.FigureClosedOnTime}:   descOnTime,
	{store.DimensionCategory, store.FigureSatisfaction}:   descCallbacks,
	{store.DimensionDepartment, store.FigureStage}:        descDeptOpinions,
	{store.DimensionDepartment, store.FigureLevel}:        descDeptOverdue,
	{store.DimensionDepartment, store.FigureClosedOnTime}: descDeptOnTime,
	{store.DimensionDepartment, store.FigureSatisfaction}: descDeptCallbacks,
}

type key2 struct{ a, b string }

// Collect reads the store and sends the figures. When the store cannot be read it
// sends only rectify_figures_up 0, so the SDK's metrics are still scraped.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	start := time.Now()
	f, err := c.store.Figures(ctx, store.FiguresRequest{KnownBatch: c.knownBatch, DepartmentQuality: c.opts.DepartmentQuality})
	read := time.Since(start)
	if err != nil {
		c.logger.Error("metrics: cannot read the figures from the reporting store", "err", err)
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(descReadDuration, prometheus.GaugeValue, read.Seconds())
	c.collectOpinions(ch, f)
	c.collectQuality(ch, f)
	c.collectTimeToClose(ch, f)
	c.collectImports(ch, f)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

// collectOpinions sends each figure_counts row as the series it is, and the ratios
// of every campaign (a department's are the recording rules', from its counts).
// The store keeps no row that counts 0, so the breakdowns list only what exists,
// which keeps them inside the series budget.
func (c *Collector) collectOpinions(ch chan<- prometheus.Metric, f store.Figures) {
	campaigns := map[string]*rateCounts{}
	for _, cn := range f.Campaigns {
		campaigns[cn.ID] = &rateCounts{}
		gauge(ch, descCampaign, 1, cn.ID, cn.Name)
	}
	for _, g := range f.Groups {
		d := figureDescs[[2]string{g.Dimension, g.Figure}]
		if d == nil {
			continue // a figure this version does not export
		}
		if g.Figure == store.FigureClosedOnTime {
			gauge(ch, d, float64(g.Count), g.CampaignID, g.Name)
		} else {
			gauge(ch, d, float64(g.Count), g.CampaignID, g.Name, g.Value)
		}
		if g.Dimension != store.DimensionCategory {
			continue
		}
		t := campaigns[g.CampaignID]
		if t == nil {
			t = &rateCounts{}
			campaigns[g.CampaignID] = t
		}
		t.add(g)
	}
	for id, t := range campaigns {
		gauge(ch, descCompletion, t.completion(), id)
		gauge(ch, descOnTimeRatio, t.onTime(), id)
		gauge(ch, descSatisfaction, t.satisfaction(), id)
	}
}

// quality is one slice's quality figures being added up: by figure and value, and
// the working days its closed opinions took.
type quality struct {
	counts   map[[2]string]int
	workdays map[int]int
}

func newQuality() *quality { return &quality{counts: map[[2]string]int{}, workdays: map[int]int{}} }

// add counts a figure_counts row of the slice; a category's states count as
// their stages.
func (q *quality) add(g store.FigureGroup) {
	switch g.Figure {
	case store.FigureState:
		q.counts[[2]string{store.FigureStage, store.Stage(domain.State(g.Value))}] += g.Count
	case store.FigureCloseWorkdays:
		if d, err := strconv.Atoi(g.Value); err == nil {
			q.workdays[d] += g.Count
		}
	default:
		q.counts[[2]string{g.Figure, g.Value}] += g.Count
	}
}

// merge adds k times another slice's figures to q's (k = -1 takes them away).
func (q *quality) merge(o *quality, k int) {
	for f, n := range o.counts {
		q.counts[f] += k * n
	}
	for d, n := range o.workdays {
		q.workdays[d] += k * n
	}
}

// sum is a figure's count over its values.
func (q *quality) sum(figure string) int {
	n := 0
	for k, v := range q.counts {
		if k[0] == figure {
			n += v
		}
	}
	return n
}

// collectQuality sends the quality figures by speed (its categories' added up, by
// the speeds the campaign's categories have now), by kind of target, by category
// and, if asked, by department, with each slice's median; and each campaign's
// quality ratios and median, 0 when there is nothing to divide by.
func (c *Collector) collectQuality(ch chan<- prometheus.Metric, f store.Figures) {
	policies := map[string]domain.Policy{}
	campaigns := map[string]*quality{}
	for _, cn := range f.Campaigns {
		policies[cn.ID] = cn.Policy
		campaigns[cn.ID] = newQuality()
	}
	// The slices of each breakdown, in qualityBreakdowns' order: speeds, kinds of
	// target, categories, departments.
	var bySlice [len(qualityBreakdowns)]map[key2]*quality
	for i := range bySlice {
		bySlice[i] = map[key2]*quality{}
	}
	speeds, targets, categories, departments := bySlice[0], bySlice[1], bySlice[2], bySlice[3]
	at := func(m map[key2]*quality, k key2) *quality {
		if m[k] == nil {
			m[k] = newQuality()
		}
		return m[k]
	}
	spots := map[key2]*quality{} // the opinions fixed on the spot, by category
	for _, g := range f.Groups {
		switch g.Dimension {
		case store.DimensionCategory:
			at(speeds, key2{g.CampaignID, store.SpeedOf(policies[g.CampaignID], g.Name)}).add(g)
			at(categories, key2{g.CampaignID, g.Name}).add(g)
		case store.DimensionOnTheSpot:
			at(spots, key2{g.CampaignID, g.Name}).add(g)
		case store.DimensionTargetKind:
			at(targets, key2{g.CampaignID, g.Name}).add(g)
		case store.DimensionDepartment:
			if c.opts.DepartmentQuality {
				at(departments, key2{g.CampaignID, g.Name}).add(g)
			}
		}
	}
	// An opinion fixed on the spot counts as 立行立改, whatever its category's speed.
	for k, q := range spots {
		at(speeds, key2{k.a, store.SpeedOf(policies[k.a], k.b)}).merge(q, -1)
		at(speeds, key2{k.a, string(domain.SpeedImmediate)}).merge(q, 1)
	}
	for k, q := range speeds {
		if q.sum(store.FigureStage) == 0 {
			delete(speeds, k) // every opinion of its categories was fixed on the spot
		}
	}
	for i, breakdown := range qualityBreakdowns {
		for k, q := range bySlice[i] {
			for _, fam := range qualityFamilies {
				d := breakdown.family(fam)
				if d == nil {
					continue
				}
				for fv, n := range q.counts {
					if fv[0] != fam.figure || n == 0 {
						continue
					}
					if fam.label != "" {
						gauge(ch, d, float64(n), k.a, k.b, fv[1])
					} else {
						gauge(ch, d, float64(n), k.a, k.b)
					}
				}
			}
			gauge(ch, breakdown.median, store.Median(q.workdays), k.a, k.b)
		}
	}
	for k, q := range speeds {
		if campaigns[k.a] == nil {
			campaigns[k.a] = newQuality()
		}
		campaigns[k.a].merge(q, 1)
	}
	for id, q := range campaigns {
		closed := q.counts[[2]string{store.FigureStage, store.StageClosed}]
		gauge(ch, descFirstPass, ratio(q.sum(store.FigureFirstPass), closed), id)
		gauge(ch, descRework, ratio(q.sum(store.FigureReworked), q.sum(store.FigureVerified)), id)
		gauge(ch, descReopen, ratio(q.sum(store.FigureReopened), q.sum(store.FigureAccepted)), id)
		gauge(ch, descExtension, ratio(q.sum(store.FigureExtended), q.sum(store.FigureAssigned)), id)
		gauge(ch, descMedianWorkdays, store.Median(q.workdays), id)
	}
}

// collectTimeToClose sends one histogram per campaign, empty for a campaign with
// nothing closed, so its series exist from the start.
func (c *Collector) collectTimeToClose(ch chan<- prometheus.Metric, f store.Figures) {
	byCampaign := map[string]store.CloseTimes{}
	for _, t := range f.TimeToClose {
		byCampaign[t.CampaignID] = t
	}
	for _, cn := range f.Campaigns {
		if _, ok := byCampaign[cn.ID]; !ok {
			byCampaign[cn.ID] = store.CloseTimes{CampaignID: cn.ID, Buckets: make([]uint64, len(CloseBuckets)+1)}
		}
	}
	for id, t := range byCampaign {
		buckets := make(map[float64]uint64, len(CloseBuckets))
		var cumulative uint64
		for i, b := range CloseBuckets {
			cumulative += t.Buckets[i]
			buckets[b.Seconds()] = cumulative
		}
		ch <- prometheus.MustNewConstHistogram(descTimeToClose, t.Count, float64(t.SumMillis)/1000, buckets, id)
	}
}

func (c *Collector) knownBatch(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.rejections[id]
	return ok
}

func (c *Collector) collectImports(ch chan<- prometheus.Metric, f store.Figures) {
	accepted := map[string]int{}
	rejected := map[key2]int{}
	batches := map[key2]int{}
	c.mu.Lock()
	for _, b := range f.Batches {
		if b.RejectedByCode != nil {
			c.rejections[b.ID] = b.RejectedByCode
		}
		accepted[b.CampaignID] += b.Accepted
		for code, n := range c.rejections[b.ID] {
			if code == "" {
				code = UnknownCode
			}
			rejected[key2{b.CampaignID, code}] += n
		}
		batches[key2{b.CampaignID, b.State}]++
	}
	c.mu.Unlock()
	for id, n := range accepted {
		ch <- prometheus.MustNewConstMetric(descImportAccepted, prometheus.CounterValue, float64(n), id)
	}
	for k, n := range rejected {
		ch <- prometheus.MustNewConstMetric(descImportRejected, prometheus.CounterValue, float64(n), k.a, k.b)
	}
	for k, n := range batches {
		gauge(ch, descImportBatches, float64(n), k.a, k.b)
	}
}
