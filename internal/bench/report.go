package bench

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/temporal"
)

// notMeasured stands for a section whose scenario the run left out (--only).
const notMeasured = "Not measured in this run (`--only` left it out)."

// Report is everything one run measured.
type Report struct {
	Machine      Machine
	Ceiling      []Throughput
	StartCeiling Rate
	Lifecycle    []Throughput
	Latency      []LatencyRow
	History      []HistorySize
	Import       ImportResult
	OpenLoop     OpenLoop
	Bulk         Rate
	Scale        []ScalePoint
	Reads        []ReadRow
}

// Machine says where the figures come from.
type Machine struct {
	Cores                           int
	MemoryBytes                     uint64
	Go, TemporalServer, TemporalSDK string
	Engine                          string
	Date                            time.Time
}

// Throughput is one run of a lifecycle (the minimal one or an opinion's).
type Throughput struct {
	Concurrency, Iterations int
	Elapsed                 time.Duration
	// ActionsPerSec are Updates (ceiling) or HTTP actions (lifecycle) per second;
	// ClosedPerSec the workflows or opinions taken to their end per second.
	ActionsPerSec, ClosedPerSec float64
	// CPUPerAction is the CPU time of the whole process over the run divided by
	// its Updates or actions (the simulated users' included).
	CPUPerAction time.Duration
	// VisibleAfter is how long after the last action the engine's visibility store
	// showed every workflow of the run with its last search attributes.
	VisibleAfter time.Duration
}

// Rate is a count over a time.
type Rate struct {
	Count   int
	Elapsed time.Duration
	PerSec  float64
	// CPUPer is the process's CPU over the time divided by the count, where
	// measured: set beside another's, it says whether a difference is work.
	CPUPer time.Duration
}

// Percentiles of a set of durations.
type Percentiles struct {
	N             int
	P50, P95, P99 time.Duration
}

// LatencyRow holds the action latencies at one concurrency.
type LatencyRow struct {
	Concurrency int
	ByAction    map[string]Percentiles
}

// HistorySize is what one opinion's path leaves in its workflow history.
type HistorySize struct {
	Path          string
	Events, Bytes int
}

// ImportResult is one ledger import: Total from upload to the last opinion started,
// Starting from the answer to the upload (rows checked and stored) to the same end,
// Listed from upload until every opinion is in the reporting store (its first
// workflow task done).
type ImportResult struct {
	Rows                    int
	Total, Starting, Listed Rate
	// FileBytes is the ledger's size; RSSBefore the process's resident set before
	// the upload and PeakRSS its highest from then until the import was done.
	FileBytes, RSSBefore, PeakRSS uint64
	// CeilingAfter is the start ceiling measured again right after the import,
	// with its workflows in the engine's database (zero when the run measured no
	// start ceiling).
	CeilingAfter Rate
}

// ScalePoint is the lifecycle with Open opinions waiting on their deadlines.
type ScalePoint struct {
	Open       int
	Throughput Throughput
	Memory     Memory
}

// Memory of this process.
type Memory struct{ HeapBytes, RSSBytes uint64 }

// ReadRow holds the read latencies with Opinions open.
type ReadRow struct {
	Opinions int
	Order    []string
	ByRead   map[string]Percentiles
}

func describeMachine(ctx context.Context, t *Target) Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), Date: time.Now().UTC(),
		TemporalSDK: temporal.SDKVersion,
		Engine:      "embedded Temporal server, SQLite (WAL, synchronous=NORMAL), one process with worker and HTTP API"}
	if info, err := t.Temporal.WorkflowService().GetSystemInfo(ctx, &workflowservice.GetSystemInfoRequest{}); err == nil {
		m.TemporalServer = info.GetServerVersion()
	}
	if t.External {
		m.Engine = "external Temporal cluster; worker and HTTP API in this process"
	}
	m.MemoryBytes = procBytes("/proc/meminfo", "MemTotal:")
	return m
}

// procBytes reads a "<field> <n> kB" line of a /proc file; 0 where there is none.
func procBytes(path, field string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// Target figures, for a 2-core machine running the embedded default.
const (
	targetLifecycleRatio = 0.8
	targetP99At32        = 200 * time.Millisecond
	targetP50At8         = 30 * time.Millisecond
	targetHappyEvents    = 60
	targetWorstEvents    = 250
	targetReadP95        = 50 * time.Millisecond
	targetImportRatio    = 0.8
	targetScaleLoss      = 0.2
	targetOpenLoopP99    = 100 * time.Millisecond
	targetBulkRatio      = 0.8
	// targetImportRSS is what an import may add to the process's resident set
	// beyond the size of its file, whatever its size: the engine's and the worker's
	// workflow caches (10,000 executions each) fill as it starts opinions, about
	// 650 MiB more live heap, which the collector lets grow threefold at the
	// process's GOGC=200 (docs/performance.md).
	targetImportRSS = 2 << 30
)

// Check is one target and whether this run met it.
type Check struct {
	Target, Measured string
	Met              bool
}

// Checks compares the run with the targets; a figure the run did not measure is
// left out rather than guessed.
func (r *Report) Checks() []Check {
	var out []Check
	ceiling := map[int]Throughput{}
	for _, c := range r.Ceiling {
		ceiling[c.Concurrency] = c
	}
	for _, l := range r.Lifecycle {
		if c, ok := ceiling[l.Concurrency]; ok && c.ActionsPerSec > 0 {
			ratio := l.ActionsPerSec / c.ActionsPerSec
			out = append(out, Check{
				fmt.Sprintf("lifecycle actions/s ≥ %.1f × ceiling Updates/s at %d users", targetLifecycleRatio, l.Concurrency),
				fmt.Sprintf("%.0f / %.0f = %.2f (CPU per action %s, per ceiling Update %s)", l.ActionsPerSec, c.ActionsPerSec, ratio,
					ms(l.CPUPerAction), ms(c.CPUPerAction)), ratio >= targetLifecycleRatio})
		}
	}
	for _, l := range r.Latency {
		all := l.ByAction["all"]
		switch l.Concurrency {
		case 8:
			out = append(out, Check{fmt.Sprintf("action p50 < %s at 8 users", targetP50At8), ms(all.P50), all.P50 < targetP50At8})
		case 32:
			out = append(out, Check{fmt.Sprintf("action p99 < %s at 32 users", targetP99At32), ms(all.P99), all.P99 < targetP99At32})
		}
	}
	if ol := r.OpenLoop; ol.Opinions > 0 {
		p99 := ol.Latency["all"].P99
		out = append(out, Check{fmt.Sprintf("action p99 < %s, open loop at %.0f %% of capacity (%.0f of %.0f actions/s)", targetOpenLoopP99, openLoopLoad*100, ol.Offered, ol.Capacity),
			ms(p99), p99 < targetOpenLoopP99})
	}
	for _, h := range r.History {
		limit := targetHappyEvents
		if h.Path == "worst" {
			limit = targetWorstEvents
		}
		out = append(out, Check{fmt.Sprintf("%s-path history ≤ %d events", h.Path, limit), strconv.Itoa(h.Events), h.Events <= limit})
	}
	if n := len(r.Reads); n > 0 {
		last := r.Reads[n-1]
		for _, name := range last.Order {
			if strings.Contains(name, "detail") {
				continue
			}
			p := last.ByRead[name]
			out = append(out, Check{fmt.Sprintf("%s p95 < %s at %d opinions", name, targetReadP95, last.Opinions), ms(p.P95), p.P95 < targetReadP95})
		}
	}
	if r.StartCeiling.PerSec > 0 && r.Import.Rows > 0 {
		ratio := r.Import.Starting.PerSec / r.StartCeiling.PerSec
		measured := fmt.Sprintf("%.0f / %.0f = %.2f", r.Import.Starting.PerSec, r.StartCeiling.PerSec, ratio)
		if after := r.Import.CeilingAfter; after.PerSec > 0 {
			measured += fmt.Sprintf(" (start ceiling after the import %.0f/s: %.2f)", after.PerSec, r.Import.Starting.PerSec/after.PerSec)
		}
		if listed := r.Import.Listed.PerSec; listed > 0 {
			// The starts can run ahead of the opinions' first tasks, which the engine
			// queues behind them; the import is done when the last is recorded.
			measured += fmt.Sprintf("; every opinion recorded at %.0f/s: %.2f", listed, listed/r.StartCeiling.PerSec)
		}
		if cpu := r.Import.Listed.CPUPer; cpu > 0 && r.StartCeiling.CPUPer > 0 {
			measured += fmt.Sprintf("; CPU per opinion %s, per start %s", ms(cpu), ms(r.StartCeiling.CPUPer))
		}
		out = append(out, Check{fmt.Sprintf("import starts/s ≥ %.1f × start ceiling at %d rows", targetImportRatio, r.Import.Rows),
			measured, ratio >= targetImportRatio})
	}
	if im := r.Import; im.PeakRSS > 0 {
		grew := im.PeakRSS - min(im.PeakRSS, im.RSSBefore)
		out = append(out, Check{fmt.Sprintf("import peak RSS ≤ before + file size + %s at %d rows", mib(targetImportRSS), im.Rows),
			fmt.Sprintf("%s → %s: +%s for a %.1f MiB file", mib(im.RSSBefore), mib(im.PeakRSS), mib(grew), float64(im.FileBytes)/(1<<20)),
			grew <= im.FileBytes+targetImportRSS})
	}
	if run := r.capacityRun(); r.Bulk.Count > 0 && run.ActionsPerSec > 0 {
		ratio := r.Bulk.PerSec / run.ActionsPerSec
		out = append(out, Check{fmt.Sprintf("bulk assignment of %d opinions ≥ %.1f × lifecycle actions/s", r.Bulk.Count, targetBulkRatio),
			fmt.Sprintf("%.0f / %.0f = %.2f (CPU per opinion %s, per lifecycle action %s)", r.Bulk.PerSec, run.ActionsPerSec, ratio,
				ms(r.Bulk.CPUPer), ms(run.CPUPerAction)), ratio >= targetBulkRatio})
	}
	if base, ok := r.lifecycleAt(scaleConcurrency); ok && len(r.Scale) > 0 {
		last := r.Scale[len(r.Scale)-1]
		ratio := last.Throughput.ActionsPerSec / base.ActionsPerSec
		out = append(out, Check{fmt.Sprintf("throughput with %d open within %.0f %% of an empty system", last.Open, targetScaleLoss*100),
			fmt.Sprintf("%.0f / %.0f = %.2f", last.Throughput.ActionsPerSec, base.ActionsPerSec, ratio), ratio >= 1-targetScaleLoss})
	}
	return out
}

func (r *Report) lifecycleAt(c int) (Throughput, bool) {
	for _, l := range r.Lifecycle {
		if l.Concurrency == c {
			return l, true
		}
	}
	return Throughput{}, false
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// Markdown renders the report as docs/benchmarks.md shows it; command is what
// produced it.
func (r *Report) Markdown(command string) string {
	var b strings.Builder
	var p printer = func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	m := r.Machine
	p("# Benchmarks")
	p("")
	p("Produced by `%s` on %s.", command, m.Date.Format("2006-01-02"))
	p("")
	p("| machine | |")
	p("|---|---|")
	p("| cores | %d |", m.Cores)
	p("| memory | %.0f GiB |", float64(m.MemoryBytes)/(1<<30))
	p("| Go | %s |", m.Go)
	p("| Temporal | server %s, SDK %s |", m.TemporalServer, m.TemporalSDK)
	p("| engine | %s |", m.Engine)
	p("")
	p("## Targets")
	p("")
	p("| target | measured | met |")
	p("|---|---|---|")
	for _, c := range r.Checks() {
		met := "yes"
		if !c.Met {
			met = "**no**"
		}
		p("| %s | %s | %s |", c.Target, c.Measured, met)
	}
	p("")
	p("Why a target is missed, where the time goes and what was changed for it: [performance.md](performance.md).")
	p("")
	sections := []struct {
		title    string
		measured bool
		write    func(printer)
	}{
		{"Ceiling", len(r.Ceiling) > 0 || r.StartCeiling.Count > 0, r.ceilingSection},
		{"Lifecycle", len(r.Lifecycle) > 0 || r.OpenLoop.Opinions > 0, r.lifecycleSection},
		{"Latency", len(r.Latency) > 0, r.latencySection},
		{"History", len(r.History) > 0, r.historySection},
		{"Reads", len(r.Reads) > 0, r.readsSection},
		{"Import", r.Import.Rows > 0 || r.Bulk.Count > 0, r.importSection},
		{"Scale", len(r.Scale) > 0, r.scaleSection},
	}
	for i, s := range sections {
		p("## %d. %s", i+1, s.title)
		p("")
		if s.measured {
			s.write(p)
		} else {
			p(notMeasured)
		}
		if i < len(sections)-1 {
			p("")
		}
	}
	return b.String()
}

// printer writes one line of a report.
type printer func(format string, args ...any)

func (r *Report) ceilingSection(p printer) {
	p("A workflow with no side effects taking %d Updates in order (as many as an opinion's happy path), each waited for.", happyPathUpdates)
	p("")
	p("| callers | workflows | Updates/s | workflows/s | CPU per Update | visible after |")
	p("|---:|---:|---:|---:|---:|---:|")
	for _, c := range r.Ceiling {
		p("| %d | %d | %.0f | %.1f | %s | %s |", c.Concurrency, c.Iterations, c.ActionsPerSec, c.ClosedPerSec, ms(c.CPUPerAction), seconds(c.VisibleAfter))
	}
	p("")
	p("Start ceiling: %d starts of a workflow that ends at once, 32 in flight: **%.0f starts/s**.", r.StartCeiling.Count, r.StartCeiling.PerSec)
	p("")
	p("Each run starts once the engine's visibility store shows every workflow of the runs before it as they ended (a ceiling workflow completed, an opinion with its last search attributes: its deadline, set on assignment); \"visible after\" is how long after the run's last action it showed this run's. The engine writes search attributes and start and close records on its own queue, behind the actions.")
}

func (r *Report) lifecycleSection(p printer) {
	p("Opinions driven over the HTTP API by simulated users, each with their own office clerk, official and verifier: %s.", strings.Join(happyPath, " → "))
	p("")
	p("| users | opinions | actions/s | closed/s | × ceiling Updates/s | CPU per action | × ceiling's CPU per Update | visible after |")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, l := range r.Lifecycle {
		ratio, cpu := "–", "–"
		for _, c := range r.Ceiling {
			if c.Concurrency == l.Concurrency {
				ratio = fmt.Sprintf("%.2f", l.ActionsPerSec/c.ActionsPerSec)
				if c.CPUPerAction > 0 {
					cpu = fmt.Sprintf("%.2f", float64(l.CPUPerAction)/float64(c.CPUPerAction))
				}
			}
		}
		p("| %d | %d | %.0f | %.1f | %s | %s | %s | %s |", l.Concurrency, l.Iterations, l.ActionsPerSec, l.ClosedPerSec, ratio, ms(l.CPUPerAction), cpu, seconds(l.VisibleAfter))
	}
	p("")
	p("CPU is the whole process's (engine, worker, API and the simulated users) over the run, divided by its actions or Updates: a ratio of CPU per action near 1 ÷ the throughput ratio says the difference is work, not waiting.")
	if ol := r.OpenLoop; ol.Opinions > 0 {
		all := ol.Latency["all"]
		p("")
		p("**Open loop.** %d opinions arriving as a Poisson process at %.0f %% of the capacity measured above (%.0f actions/s offered of %.0f), each taken through its happy path by another user as soon as it arrives: %.0f actions/s done, at most %d opinions under way at once; action latency p50 %s, p95 %s, p99 %s.",
			ol.Opinions, openLoopLoad*100, ol.Offered, ol.Capacity, ol.Achieved, ol.MostInFlight, ms(all.P50), ms(all.P95), ms(all.P99))
	}
}

func (r *Report) latencySection(p printer) {
	p("Per action over HTTP, from request to answer (the store is current when it answers).")
	p("")
	p("| users | action | p50 | p95 | p99 |")
	p("|---:|---|---:|---:|---:|")
	for _, l := range r.Latency {
		for _, a := range append(append([]string{}, happyPath...), "all") {
			q := l.ByAction[a]
			p("| %d | %s | %s | %s | %s |", l.Concurrency, a, ms(q.P50), ms(q.P95), ms(q.P99))
		}
	}
}

func (r *Report) historySection(p printer) {
	p("| path | events | bytes |")
	p("|---|---:|---:|")
	for _, h := range r.History {
		p("| %s | %d | %d |", h.Path, h.Events, h.Bytes)
	}
	p("")
	p("Happy: the lifecycle above. Worst: a deadline long past (the whole overdue ladder), two extensions, a failed verification, a dissatisfied callback and a reopen, then closure.")
}

func (r *Report) readsSection(p printer) {
	p("One request at a time, with the given number of opinions open in the campaign.")
	p("")
	p("| opinions | read | p50 | p95 |")
	p("|---:|---|---:|---:|")
	for _, rd := range r.Reads {
		for _, name := range rd.Order {
			q := rd.ByRead[name]
			p("| %d | %s | %s | %s |", rd.Opinions, name, ms(q.P50), ms(q.P95))
		}
	}
}

func (r *Report) importSection(p printer) {
	if im := r.Import; im.Rows > 0 {
		p("An xlsx ledger of %d rows: **%.0f rows/s** from upload to the last opinion started; its process started **%.0f opinions/s**, %s the start ceiling (%.0f/s). Every opinion was in the lists, and the import done, %.1f s after the upload (%.0f/s): each records itself on its first workflow task, which the engine runs behind the starts.",
			im.Rows, im.Total.PerSec, im.Starting.PerSec, timesOf(im.Starting.PerSec, r.StartCeiling.PerSec), r.StartCeiling.PerSec,
			im.Listed.Elapsed.Seconds(), im.Listed.PerSec)
		if im.Listed.CPUPer > 0 {
			p("")
			p("CPU from the upload until every opinion was in the lists: %s per opinion, against %s per start of the start ceiling's workflow.",
				ms(im.Listed.CPUPer), ms(r.StartCeiling.CPUPer))
		}
		if after := im.CeilingAfter; after.PerSec > 0 {
			p("")
			p("The start ceiling measured again right after the import, with its opinions in the engine's database: **%.0f starts/s** (%.0f before it); the import started %s that.",
				after.PerSec, r.StartCeiling.PerSec, timesOf(im.Starting.PerSec, after.PerSec))
		}
		if im.PeakRSS > 0 {
			p("")
			p("The process's resident set: %s before the upload, at most %s until the import was done, for a %.1f MiB file.",
				mib(im.RSSBefore), mib(im.PeakRSS), float64(im.FileBytes)/(1<<20))
		}
	}
	if r.Bulk.Count > 0 {
		run := r.capacityRun()
		against := "the lifecycle was not measured in this run"
		if run.ActionsPerSec > 0 {
			against = fmt.Sprintf("%s the lifecycle's %.0f actions/s (CPU %s per opinion against %s per lifecycle action)",
				timesOf(r.Bulk.PerSec, run.ActionsPerSec), run.ActionsPerSec, ms(r.Bulk.CPUPer), ms(run.CPUPerAction))
		}
		p("")
		p("**Bulk assignment.** %d imported, categorized opinions assigned in one bulk: %.1f s from the request to the bulk's end, **%.0f opinions/s**, %s.",
			r.Bulk.Count, r.Bulk.Elapsed.Seconds(), r.Bulk.PerSec, against)
	}
}

// timesOf is "N.NN ×" for a figure against a baseline, or "not compared with" when
// the run did not measure the baseline.
func timesOf(figure, baseline float64) string {
	if baseline <= 0 {
		return "not compared with"
	}
	return fmt.Sprintf("%.2f ×", figure/baseline)
}

func (r *Report) scaleSection(p printer) {
	p("The lifecycle at %d users with opinions open (imported, assigned, waiting on their deadlines); memory of the whole process after a collection.", scaleConcurrency)
	p("")
	p("| open | actions/s | × empty system | visible after | Go heap | RSS |")
	p("|---:|---:|---:|---:|---:|---:|")
	base, _ := r.lifecycleAt(scaleConcurrency)
	for _, s := range r.Scale {
		ratio := "–"
		if base.ActionsPerSec > 0 {
			ratio = fmt.Sprintf("%.2f", s.Throughput.ActionsPerSec/base.ActionsPerSec)
		}
		p("| %d | %.0f | %s | %s | %s | %s |", s.Open, s.Throughput.ActionsPerSec, ratio, seconds(s.Throughput.VisibleAfter), mib(s.Memory.HeapBytes), mib(s.Memory.RSSBytes))
	}
	if n := len(r.Scale); n >= 2 {
		first, last := r.Scale[0], r.Scale[n-1]
		per := float64(last.Open-first.Open) / 10_000
		p("")
		p("Per 10,000 more open opinions: Go heap %+.0f MiB, RSS %+.0f MiB.",
			(float64(last.Memory.HeapBytes)-float64(first.Memory.HeapBytes))/(1<<20)/per,
			(float64(last.Memory.RSSBytes)-float64(first.Memory.RSSBytes))/(1<<20)/per)
	}
}
