// Package metricstest checks rectify's metrics against their definitions: Expect
// computes, without the collector or SQL, every business sample a set of opinions
// and imports must produce, and Parse reads a scrape into the same form, so a test
// can require the two to be equal — not close.
package metricstest

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"rectify/internal/domain"
	"rectify/internal/metrics"
	"rectify/internal/store"
)

// Samples are metric samples keyed as PromQL prints a series: name{a="x",b="y"},
// labels sorted, empty labels left out (Prometheus drops them too).
type Samples map[string]float64

// Key builds a sample key from a name and label pairs (name, value, name, value…).
func Key(name string, labels ...string) string {
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		if labels[i+1] != "" {
			pairs = append(pairs, fmt.Sprintf("%s=%q", labels[i], labels[i+1]))
		}
	}
	slices.Sort(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// Labels splits a sample key into its name and labels.
func Labels(key string) (string, map[string]string) {
	name, rest, _ := strings.Cut(key, "{")
	labels := map[string]string{}
	rest = strings.TrimSuffix(rest, "}")
	for rest != "" {
		l, after, _ := strings.Cut(rest, "=")
		q, err := strconv.QuotedPrefix(after)
		if err != nil {
			break
		}
		labels[l], _ = strconv.Unquote(q)
		rest = strings.TrimPrefix(after[len(q):], ",")
	}
	return name, labels
}

// Sum adds up a metric's samples whose labels match the pairs (name, value…); an
// empty value matches a label that is absent, as in PromQL.
func (s Samples) Sum(name string, match ...string) float64 {
	var sum float64
	for key, v := range s {
		if n, labels := Labels(key); n == name && matches(labels, match) {
			sum += v
		}
	}
	return sum
}

// matches reports whether labels hold every pair (name, value…) of match.
func matches(labels map[string]string, match []string) bool {
	for i := 0; i+1 < len(match); i += 2 {
		if labels[match[i]] != match[i+1] {
			return false
		}
	}
	return true
}

// Values lists, sorted, the values a label takes in a metric's samples whose labels
// match the pairs (as Sum matches them); "" for the samples without the label.
func (s Samples) Values(name, label string, match ...string) []string {
	seen := map[string]bool{}
	for key := range s {
		if n, labels := Labels(key); n == name && matches(labels, match) {
			seen[labels[label]] = true
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// Volatile are the rectify_ metrics that describe the process or the scrape, not
// the ledger.
var Volatile = []string{"rectify_figures_up", "rectify_figures_read_duration_seconds", "rectify_temporal_metric_errors_total", "rectify_build_info"}

// Parse reads a scrape in the text format and returns its rectify_ samples, less
// the volatile ones; histograms become their _bucket, _sum and _count samples.
func Parse(r io.Reader) (Samples, error) {
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	return FromFamilies(slices.Collect(maps.Values(families))), nil
}

// FromFamilies is Parse for gathered metric families.
func FromFamilies(families []*dto.MetricFamily) Samples {
	out := Samples{}
	for _, mf := range families {
		name := mf.GetName()
		if !strings.HasPrefix(name, "rectify_") || slices.Contains(Volatile, name) {
			continue
		}
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName(), l.GetValue())
			}
			switch mf.GetType() {
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					out[Key(name+"_bucket", append(slices.Clone(labels), "le", formatLe(b.GetUpperBound()))...)] = float64(b.GetCumulativeCount())
				}
				out[Key(name+"_bucket", append(slices.Clone(labels), "le", "+Inf")...)] = float64(h.GetSampleCount())
				out[Key(name+"_sum", labels...)] = h.GetSampleSum()
				out[Key(name+"_count", labels...)] = float64(h.GetSampleCount())
			case dto.MetricType_COUNTER:
				out[Key(name, labels...)] = m.GetCounter().GetValue()
			default:
				out[Key(name, labels...)] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

func formatLe(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return fmt.Sprint(v)
}

// Diff lists, one a line, the samples that differ between want and got.
func Diff(want, got Samples) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[k]; !ok {
			lines = append(lines, fmt.Sprintf("missing %s (want %v)", k, want[k]))
		} else if g != want[k] {
			lines = append(lines, fmt.Sprintf("%s: want %v, got %v", k, want[k], g))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if _, ok := want[k]; !ok {
			lines = append(lines, fmt.Sprintf("unexpected %s = %v", k, got[k]))
		}
	}
	return strings.Join(lines, "\n")
}

// Campaign is a campaign as the figures name it, with its policy (the speeds of
// its categories).
type Campaign struct {
	ID, Name string
	Policy   domain.Policy
}

// Record is what the quality figures read of one opinion, from the definitions
// of docs/metrics.md.
type Record struct {
	// Calls are the answers of the follow-up calls the satisfaction ratio counts:
	// the first after each closure (the latest answer, for an opinion recorded
	// before the calls were kept).
	Calls []string
	// Highest is the highest rung ever reached: the one recorded, or the rung now
	// if higher.
	Highest                                                               domain.OverdueLevel
	Assigned, Extended, Verified, Reworked, FirstPass, Accepted, Reopened bool
	// OnTheSpot is whether it was fixed on the spot (立行立改): its speed is then
	// immediate, whatever its category's.
	OnTheSpot bool
	// LongTerm is whether it is on the long-term track (长期坚持).
	LongTerm bool
	// Workdays are the working days to close, -1 unless closed.
	Workdays int
}

// RecordOf reads an opinion's record.
func RecordOf(o domain.Opinion) Record {
	var r Record
	for _, c := range o.Callbacks {
		if c.First {
			r.Calls = append(r.Calls, c.Satisfaction)
		}
	}
	if len(o.Callbacks) == 0 && o.Satisfaction != "" {
		r.Calls = []string{o.Satisfaction}
	}
	r.Highest = o.HighestLevel
	if o.OverdueLevel.Rank() > r.Highest.Rank() {
		r.Highest = o.OverdueLevel
	}
	passed, roundVerified := false, false
	r.Reworked = o.ReworkCount > 0
	for _, round := range o.Rounds {
		if round.Passed == nil {
			continue
		}
		roundVerified = true
		if *round.Passed {
			passed = true
		} else {
			r.Reworked = true
		}
	}
	closed := o.State == domain.StateClosed
	r.Verified = r.Reworked || roundVerified || o.VerifiedBy != ""
	r.Accepted = passed || closed || o.State == domain.StateAwaitingCallback || o.Reopens > 0 || len(o.Callbacks) > 0 || o.Satisfaction != ""
	r.Reopened = o.Reopens > 0
	r.OnTheSpot = o.OnTheSpot
	r.LongTerm = o.LongTerm
	r.FirstPass = closed && !r.Reworked
	r.Extended = o.Extensions > 0
	withOfficial := map[domain.State]bool{domain.StateAssigned: true, domain.StateInProgress: true,
		domain.StateSubmitted: true, domain.StateAwaitingCallback: true, domain.StateClosed: true}[o.State]
	r.Assigned = withOfficial || o.Schedule.Deadline != "" || o.Extensions > 0 || o.LateExtensions > 0 || len(o.Rounds) > 0 ||
		o.SubmittedBy != "" || r.Highest.Rank() > 0 || r.Verified || r.Accepted
	r.Workdays = -1
	if closed {
		r.Workdays = max(o.WorkingDaysToClose, 0)
	}
	return r
}

// TargetKind is the kind of an opinion's target as the figures label it: team,
// individual (any other target said), or none.
func TargetKind(target string) string {
	switch target {
	case "", "team":
		return target
	}
	return "individual"
}

// ratio is a rate as the stats and the recording rules define it: 0 when there is
// nothing to divide by.
func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// medianOf is the middle of the days, the mean of the middle two for an even number.
func medianOf(days []int) float64 {
	days = slices.Sorted(slices.Values(days))
	switch n := len(days); {
	case n == 0:
		return 0
	case n%2 == 1:
		return float64(days[n/2])
	default:
		return float64(days[n/2-1]+days[n/2]) / 2
	}
}

// Import is one stored import as its batch reports it.
type Import struct {
	Campaign       string
	State          string
	Accepted       int
	RejectedByCode map[string]int
}

// Expect computes the business samples from the definitions in docs/metrics.md and
// store.Stats, opinion by opinion, as the workflows themselves describe them, for
// a collector with opts.
func Expect(campaigns []Campaign, opinions []domain.Opinion, imports []Import, opts metrics.Options) Samples {
	out := Samples{}
	add := func(key string, n float64) { out[key] += n }
	type slice struct{ collected, excluded, closed, onTime, callbacks, satisfied int }
	type qualitySlice struct {
		closed, assigned, extended, verified, reworked, firstPass, accepted, reopened int
		days                                                                          []int
	}
	quality := map[[3]string]*qualitySlice{} // campaign, "speed", "target", "category" or "department", value
	qat := func(campaign, by, value string) *qualitySlice {
		k := [3]string{campaign, by, value}
		if quality[k] == nil {
			quality[k] = &qualitySlice{}
		}
		return quality[k]
	}
	speeds := map[string]domain.Policy{}
	byCampaign := map[string]*slice{}
	at := func(campaign string) *slice {
		if byCampaign[campaign] == nil {
			byCampaign[campaign] = &slice{}
		}
		return byCampaign[campaign]
	}
	closeMillis := map[string][]int64{}
	for _, c := range campaigns {
		add(Key("rectify_campaign_info", "campaign", c.ID, "name", c.Name), 1)
		at(c.ID)
		qat(c.ID, "", "")
		closeMillis[c.ID] = nil
		speeds[c.ID] = c.Policy
	}
	for _, o := range opinions {
		c := o.CampaignID
		stage := ""
		switch o.State {
		case domain.StateReceived, domain.StateCategorized, domain.StateReturned:
			stage = "pending"
		case domain.StateAssigned, domain.StateInProgress, domain.StateSubmitted, domain.StateAwaitingCallback, domain.StateInProblem:
			stage = "in_progress"
		case domain.StateClosed:
			stage = "closed"
		default:
			stage = "excluded"
		}
		add(Key("rectify_opinions", "campaign", c, "category", o.Category, "state", string(o.State)), 1)
		add(Key("rectify_department_opinions", "campaign", c, "department", o.Department, "stage", stage), 1)
		owed := o.State == domain.StateAssigned || o.State == domain.StateInProgress
		if owed && o.OverdueLevel.Rank() >= domain.LevelOverdue.Rank() {
			add(Key("rectify_overdue_opinions", "campaign", c, "category", o.Category, "level", string(o.OverdueLevel)), 1)
			add(Key("rectify_department_overdue_opinions", "campaign", c, "department", o.Department, "level", string(o.OverdueLevel)), 1)
		}
		if o.State == domain.StateClosed && o.OnTime {
			add(Key("rectify_closed_on_time_opinions", "campaign", c, "category", o.Category), 1)
			add(Key("rectify_department_closed_on_time_opinions", "campaign", c, "department", o.Department), 1)
		}
		rec := RecordOf(o)
		for _, answer := range rec.Calls {
			add(Key("rectify_callbacks", "campaign", c, "category", o.Category, "satisfaction", answer), 1)
			add(Key("rectify_department_callbacks", "campaign", c, "department", o.Department, "satisfaction", answer), 1)
		}
		// The quality figures by speed, kind of target, category and (if asked)
		// department; the stages only by speed and kind of target (by category and
		// department, they are the families above).
		speed := store.SpeedOf(speeds[c], o.Category)
		if rec.OnTheSpot {
			speed = string(domain.SpeedImmediate)
		}
		breakdowns := [][2]string{{"speed", speed}, {"target", TargetKind(o.Target)}, {"category", o.Category}}
		if opts.DepartmentQuality {
			breakdowns = append(breakdowns, [2]string{"department", o.Department})
		}
		for _, by := range breakdowns {
			labels := []string{"campaign", c, by[0], by[1]}
			family := "rectify_" + by[0] + "_"
			if by[0] == "speed" || by[0] == "target" {
				add(Key(family+"opinions", append(labels, "stage", stage)...), 1)
			}
			if rec.Highest.Rank() >= domain.LevelOverdue.Rank() {
				add(Key(family+"ever_overdue_opinions", append(labels, "level", string(rec.Highest))...), 1)
			}
			for _, f := range []struct {
				name string
				yes  bool
			}{{"assigned", rec.Assigned}, {"extended", rec.Extended}, {"verified", rec.Verified}, {"reworked", rec.Reworked},
				{"first_pass", rec.FirstPass}, {"accepted", rec.Accepted}, {"reopened", rec.Reopened},
				{"on_the_spot", rec.OnTheSpot}, {"long_term", rec.LongTerm}} {
				if f.yes {
					add(Key(family+f.name+"_opinions", labels...), 1)
				}
			}
			if o.LateExtensions > 0 {
				add(Key(family+"late_extensions", labels...), float64(o.LateExtensions))
			}
			q := qat(c, by[0], by[1])
			if rec.Workdays >= 0 {
				q.days = append(q.days, rec.Workdays)
			}
		}
		q := qat(c, "", "")
		count := func(n *int, yes bool) {
			if yes {
				*n++
			}
		}
		count(&q.closed, o.State == domain.StateClosed)
		count(&q.assigned, rec.Assigned)
		count(&q.extended, rec.Extended)
		count(&q.verified, rec.Verified)
		count(&q.reworked, rec.Reworked)
		count(&q.firstPass, rec.FirstPass)
		count(&q.accepted, rec.Accepted)
		count(&q.reopened, rec.Reopened)
		if rec.Workdays >= 0 {
			q.days = append(q.days, rec.Workdays)
		}
		s := at(c)
		s.collected++
		switch stage {
		case "excluded":
			s.excluded++
		case "closed":
			s.closed++
			if o.OnTime {
				s.onTime++
			}
		}
		for _, answer := range rec.Calls {
			s.callbacks++
			if answer == domain.SatisfactionSatisfied || answer == domain.SatisfactionBasically {
				s.satisfied++
			}
		}
		if o.State == domain.StateClosed {
			closeMillis[c] = append(closeMillis[c], o.ClosedAt.UnixMilli()-o.CreatedAt.UnixMilli())
		}
	}
	for c, s := range byCampaign {
		out[Key("rectify_completion_ratio", "campaign", c)] = ratio(s.closed, s.collected-s.excluded)
		out[Key("rectify_on_time_ratio", "campaign", c)] = ratio(s.onTime, s.closed)
		out[Key("rectify_satisfaction_ratio", "campaign", c)] = ratio(s.satisfied, s.callbacks)
	}
	for k, q := range quality {
		if k[1] != "" {
			out[Key("rectify_"+k[1]+"_median_workdays_to_close", "campaign", k[0], k[1], k[2])] = medianOf(q.days)
			continue
		}
		labels := []string{"campaign", k[0]}
		out[Key("rectify_first_pass_ratio", labels...)] = ratio(q.firstPass, q.closed)
		out[Key("rectify_rework_ratio", labels...)] = ratio(q.reworked, q.verified)
		out[Key("rectify_reopen_ratio", labels...)] = ratio(q.reopened, q.accepted)
		out[Key("rectify_extension_ratio", labels...)] = ratio(q.extended, q.assigned)
		out[Key("rectify_median_workdays_to_close", labels...)] = medianOf(q.days)
	}
	for c, ds := range closeMillis {
		var sum int64
		for _, d := range ds {
			sum += d
		}
		for _, b := range metrics.CloseBuckets {
			n := 0
			for _, d := range ds {
				if d <= b.Milliseconds() {
					n++
				}
			}
			out[Key("rectify_time_to_close_seconds_bucket", "campaign", c, "le", fmt.Sprint(b.Seconds()))] = float64(n)
		}
		out[Key("rectify_time_to_close_seconds_bucket", "campaign", c, "le", "+Inf")] = float64(len(ds))
		out[Key("rectify_time_to_close_seconds_count", "campaign", c)] = float64(len(ds))
		out[Key("rectify_time_to_close_seconds_sum", "campaign", c)] = float64(sum) / 1000
	}
	for _, im := range imports {
		add(Key("rectify_import_accepted_rows_total", "campaign", im.Campaign), float64(im.Accepted))
		add(Key("rectify_import_batches", "campaign", im.Campaign, "state", im.State), 1)
		for code, n := range im.RejectedByCode {
			if code == "" {
				code = metrics.UnknownCode
			}
			add(Key("rectify_import_rejected_rows_total", "campaign", im.Campaign, "code", code), float64(n))
		}
	}
	return out
}

// Counts rebuilds the store's figures for one slice of a campaign from samples:
// the whole campaign (dimension ""), a category, a department, a speed ("speed")
// or a kind of target ("target"), so a test can require them equal to what the
// API's stats say. A category's or department's ratios are not exported: they are
// computed here from its counts, as the recording rules compute them. What is not
// exported for a slice is left zero: the quality figures of a department unless
// the collector exports them (Options.DepartmentQuality); the figures of states,
// rungs now, on time and calls of a speed or a kind of target.
func Counts(got Samples, campaignID, dimension, name string) store.Counts {
	c := store.Counts{Name: name}
	prefix, labels := "rectify_", []string{"campaign", campaignID}
	if dimension == "department" {
		prefix = "rectify_department_"
	}
	if dimension != "" {
		labels = append(labels, dimension, name)
	}
	n := func(metric string, more ...string) int {
		return int(got.Sum(metric, append(slices.Clone(labels), more...)...))
	}
	// quality sets the quality figures from the families of a breakdown.
	quality := func(family string, labels ...string) {
		n := func(metric string, more ...string) int {
			return int(got.Sum(family+metric, append(slices.Clone(labels), more...)...))
		}
		c.EverAccountability = n("ever_overdue_opinions", "level", "accountability")
		c.EverSupervised = c.EverAccountability + n("ever_overdue_opinions", "level", "supervised")
		c.EverOverdue = c.EverSupervised + n("ever_overdue_opinions", "level", "overdue")
		c.Assigned = n("assigned_opinions")
		c.Extended = n("extended_opinions")
		c.LateExtensions = n("late_extensions")
		c.Verified = n("verified_opinions")
		c.Reworked = n("reworked_opinions")
		c.FirstPass = n("first_pass_opinions")
		c.Accepted = n("accepted_opinions")
		c.Reopened = n("reopened_opinions")
		c.OnTheSpot = n("on_the_spot_opinions")
		c.LongTerm = n("long_term_opinions")
	}
	switch dimension {
	case "speed", "target":
		family := "rectify_" + dimension + "_"
		c.Pending = n(family+"opinions", "stage", "pending")
		c.InProgress = n(family+"opinions", "stage", "in_progress")
		c.Closed = n(family+"opinions", "stage", "closed")
		c.Excluded = n(family+"opinions", "stage", "excluded")
	case "department":
		c.Pending = n("rectify_department_opinions", "stage", "pending")
		c.InProgress = n("rectify_department_opinions", "stage", "in_progress")
		c.Closed = n("rectify_department_opinions", "stage", "closed")
		c.Excluded = n("rectify_department_opinions", "stage", "excluded")
	default:
		for _, st := range []string{"received", "categorized", "returned"} {
			c.Pending += n("rectify_opinions", "state", st)
		}
		for _, st := range []string{"assigned", "in_progress", "submitted", "awaiting_callback", "in_problem"} {
			c.InProgress += n("rectify_opinions", "state", st)
		}
		c.Closed = n("rectify_opinions", "state", "closed")
		for _, st := range []string{"rejected", "merged", "cancelled"} {
			c.Excluded += n("rectify_opinions", "state", st)
		}
	}
	c.Collected = c.Pending + c.InProgress + c.Closed + c.Excluded
	if dimension != "speed" && dimension != "target" {
		c.Accountability = n(prefix+"overdue_opinions", "level", "accountability")
		c.Supervised = c.Accountability + n(prefix+"overdue_opinions", "level", "supervised")
		c.Overdue = c.Supervised + n(prefix+"overdue_opinions", "level", "overdue")
		c.ClosedOnTime = n(prefix + "closed_on_time_opinions")
		c.Callbacks = n(prefix + "callbacks")
		c.Satisfied = n(prefix+"callbacks", "satisfaction", "satisfied") + n(prefix+"callbacks", "satisfaction", "basically")
		c.Dissatisfied = n(prefix+"callbacks", "satisfaction", "dissatisfied")
	}
	if dimension != "" {
		family := "rectify_" + dimension + "_"
		quality(family, labels...)
		c.MedianWorkingDaysToClose = got[Key(family+"median_workdays_to_close", labels...)]
		if dimension == "category" || dimension == "department" {
			c.CompletionRate = ratio(c.Closed, c.Collected-c.Excluded)
			c.OnTimeRate = ratio(c.ClosedOnTime, c.Closed)
			c.SatisfactionRate = ratio(c.Satisfied, c.Callbacks)
			c.FirstPassRate = ratio(c.FirstPass, c.Closed)
			c.ReworkRate = ratio(c.Reworked, c.Verified)
			c.ReopenRate = ratio(c.Reopened, c.Accepted)
			c.ExtensionRate = ratio(c.Extended, c.Assigned)
		}
		return c
	}
	quality("rectify_speed_", "campaign", campaignID)
	c.FirstPassRate = got[Key("rectify_first_pass_ratio", labels...)]
	c.ReworkRate = got[Key("rectify_rework_ratio", labels...)]
	c.ReopenRate = got[Key("rectify_reopen_ratio", labels...)]
	c.ExtensionRate = got[Key("rectify_extension_ratio", labels...)]
	c.MedianWorkingDaysToClose = got[Key("rectify_median_workdays_to_close", labels...)]
	c.CompletionRate = got[Key("rectify_completion_ratio", labels...)]
	c.OnTimeRate = got[Key("rectify_on_time_ratio", labels...)]
	c.SatisfactionRate = got[Key("rectify_satisfaction_ratio", labels...)]
	return c
}

// Exported leaves of a slice's Counts (as Counts rebuilds them from samples)
// what the figures do not export for it, so the API's stats compare with them: a
// speed's or kind of target's figures of states, rungs now, on time and calls, and
// its rates. A category's or department's figures are all there (a department's
// quality figures with Options.DepartmentQuality).
func Exported(c store.Counts, dimension string) store.Counts {
	switch dimension {
	case "speed", "target":
		c.Overdue, c.Supervised, c.Accountability, c.ClosedOnTime = 0, 0, 0, 0
		c.Callbacks, c.Satisfied, c.Dissatisfied = 0, 0, 0
		c.CompletionRate, c.OnTimeRate, c.SatisfactionRate = 0, 0, 0
		c.FirstPassRate, c.ReworkRate, c.ReopenRate, c.ExtensionRate = 0, 0, 0, 0
	}
	return c
}

// ByKind adds up the API's slices by target as written (by_target) into the kinds
// of target the figures export: team, individual, none. A median does not add up:
// it is left 0.
func ByKind(byTarget []store.Counts) map[string]store.Counts {
	out := map[string]store.Counts{}
	for _, t := range byTarget {
		k := TargetKind(t.Name)
		sum := out[k]
		sum.Name = k
		for _, f := range []struct{ to, from *int }{
			{&sum.Pending, &t.Pending}, {&sum.InProgress, &t.InProgress}, {&sum.Closed, &t.Closed},
			{&sum.Excluded, &t.Excluded}, {&sum.Collected, &t.Collected}, {&sum.EverOverdue, &t.EverOverdue},
			{&sum.EverSupervised, &t.EverSupervised}, {&sum.EverAccountability, &t.EverAccountability},
			{&sum.Assigned, &t.Assigned}, {&sum.Extended, &t.Extended}, {&sum.LateExtensions, &t.LateExtensions},
			{&sum.Verified, &t.Verified}, {&sum.Reworked, &t.Reworked}, {&sum.FirstPass, &t.FirstPass},
			{&sum.Accepted, &t.Accepted}, {&sum.Reopened, &t.Reopened}, {&sum.OnTheSpot, &t.OnTheSpot},
			{&sum.LongTerm, &t.LongTerm},
		} {
			*f.to += *f.from
		}
		out[k] = sum
	}
	return out
}

// DashboardExprs returns every query ("expr") of a Grafana dashboard's panels,
// those inside rows included.
func DashboardExprs(dashboard any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if e, ok := x["expr"].(string); ok {
				out = append(out, e)
			}
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(dashboard)
	return out
}

// Binary returns the path of a Prometheus binary (prometheus, promtool). When it is
// missing the test is skipped with a clear message — unless CI is set, where
// scripts/deps installs it and its absence is a failure.
func Binary(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; scripts/deps installs Debian's prometheus package", name)
	}
	t.Skipf("%s is not installed (run scripts/deps, or apt-get install prometheus); skipping", name)
	return ""
}
