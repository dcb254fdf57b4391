package bench

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSmoke runs every scenario briefly on the real embedded server, so the harness
// and its checks on the server keep working.
func TestSmoke(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	target, err := Start(ctx, t.TempDir(), func(string) string { return "" })
	require.NoError(t, err)
	defer target.Stop()
	o := Smoke()
	o.Progress = t.Logf
	o.ScaleProfiles = t.TempDir()
	r, err := Run(ctx, target, o)
	require.NoError(t, err)

	require.Len(t, r.Ceiling, 2)
	require.Positive(t, r.StartCeiling.PerSec)
	require.Len(t, r.Lifecycle, len(concurrencies))
	for _, l := range r.Latency {
		require.Equal(t, o.Lifecycle, l.ByAction["callback"].N, "one callback per opinion at %d users", l.Concurrency)
	}
	require.Len(t, r.History, 2)
	require.Greater(t, r.History[1].Events, r.History[0].Events, "the worst path is longer than the happy one")
	require.Equal(t, o.ImportRows, r.Import.Rows)
	require.Len(t, r.Scale, len(o.Open))
	require.Len(t, r.Reads, len(o.Open))
	require.Equal(t, o.Reads, r.Reads[0].ByRead["campaign stats"].N)
	for _, n := range o.Open {
		// A CPU profile is a gzipped protocol buffer.
		f, err := os.Open(filepath.Join(o.ScaleProfiles, fmt.Sprintf("scale-%d.pprof", n)))
		require.NoError(t, err, "the CPU profile of the scale point with %d open", n)
		zr, err := gzip.NewReader(f)
		require.NoError(t, err)
		body, err := io.ReadAll(zr)
		require.NoError(t, err)
		require.NotEmpty(t, body)
		require.NoError(t, f.Close())
	}

	md := r.Markdown("rectify-worker bench --smoke")
	for _, section := range []string{"## Targets", "## 1. Ceiling", "## 2. Lifecycle", "## 3. Latency", "## 4. History", "## 5. Reads", "## 6. Import", "## 7. Scale"} {
		require.Contains(t, md, section)
	}
	require.Equal(t, o.Lifecycle, r.OpenLoop.Opinions)
	require.Equal(t, o.Lifecycle, r.OpenLoop.Latency["callback"].N, "one callback per opinion of the open loop")
	require.Greater(t, r.Import.PeakRSS, uint64(0), "the import's peak resident set")
	require.Equal(t, o.BulkOpinions, r.Bulk.Count)
	for _, l := range append(r.Ceiling, r.Lifecycle...) {
		require.Positive(t, l.CPUPerAction, "CPU per action at %d", l.Concurrency)
	}
	require.Len(t, r.Checks(), 2+2+1+2+3+1+1+1+1, "every target is checked")
	if os.Getenv("BENCH_SMOKE_PRINT") != "" {
		t.Log("\n" + md)
	}
	require.False(t, strings.Contains(md, "NaN"), "no figure is missing")
}

// TestAReportSaysWhatTheRunLeftOut checks that a run restricted by --only says
// which sections it did not measure, instead of printing their tables empty, and
// that the sections it did measure keep their tables.
func TestAReportSaysWhatTheRunLeftOut(t *testing.T) {
	left := (&Report{Ceiling: []Throughput{{Concurrency: 8, ActionsPerSec: 400}}}).Markdown("rectify-worker bench --only ceiling")
	require.Equal(t, 6, strings.Count(left, notMeasured), "all but the ceiling")
	require.NotContains(t, left, "| opinions | read |")
	require.NotContains(t, left, "| users | opinions | actions/s |", "no empty lifecycle table")

	bulkOnly := (&Report{Bulk: Rate{Count: 2000, Elapsed: 17 * time.Second, PerSec: 118}}).Markdown("rectify-worker bench --only bulk")
	require.Contains(t, bulkOnly, "**118 opinions/s**, the lifecycle was not measured in this run")
	require.NotContains(t, bulkOnly, "× the lifecycle's 0 actions/s")
	require.Equal(t, 6, strings.Count(bulkOnly, notMeasured), "all but the import section's bulk")

	full := (&Report{
		Ceiling: []Throughput{{Concurrency: 8, ActionsPerSec: 400}}, Lifecycle: []Throughput{{Concurrency: 8, ActionsPerSec: 300}},
		Latency: []LatencyRow{{Concurrency: 8}}, History: []HistorySize{{Path: "happy", Events: 54}}, Import: ImportResult{Rows: 10},
		Reads: []ReadRow{{Opinions: 10}}, Scale: []ScalePoint{{Open: 10}},
	}).Markdown("rectify-worker bench")
	require.NotContains(t, full, notMeasured)
	require.Contains(t, full, "| opinions | read | p50 | p95 |")
	require.Contains(t, full, "| open | actions/s |")
}

// An import is set beside the start ceiling before it, which the target names, and
// beside the same ceiling measured again with the import's workflows in the engine's
// database, which is what its last starts met; the rate its opinions were recorded at
// stands beside its starts.
func TestAnImportIsComparedWithTheStartCeilingBeforeAndAfterIt(t *testing.T) {
	r := &Report{StartCeiling: Rate{Count: 3000, PerSec: 300, CPUPer: 2 * time.Millisecond}, Import: ImportResult{
		Rows: 100000, Starting: Rate{PerSec: 160}, Listed: Rate{PerSec: 120, CPUPer: 5 * time.Millisecond}, CeilingAfter: Rate{Count: 3000, PerSec: 200},
	}}
	checks := r.Checks()
	require.Len(t, checks, 1)
	require.Equal(t, "160 / 300 = 0.53 (start ceiling after the import 200/s: 0.80); every opinion recorded at 120/s: 0.40; CPU per opinion 5.0 ms, per start 2.0 ms", checks[0].Measured)
	require.False(t, checks[0].Met, "the target stays against the ceiling before the import")
	require.Contains(t, r.Markdown("bench"), "right after the import, with its opinions in the engine's database: **200 starts/s** (300 before it); the import started 0.80 × that.")
}
