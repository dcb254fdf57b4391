// Package bench measures rectify against the ceiling of the Temporal engine it runs
// on, in one run on one server: the engine's own Updates/s and starts/s, the opinion
// lifecycle over the real HTTP API, action latency, history size, reads, imports and
// throughput with many opinions open. Each scenario checks on the server what it
// produced before its figures count. `rectify-worker bench` runs it and writes the
// report.
package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Options size one run.
type Options struct {
	// Smoke runs every scenario with a handful of iterations: the harness's own test.
	Smoke bool
	// Lifecycle is the number of opinions driven to closure per concurrency level.
	Lifecycle int
	// Ceiling is the number of minimal workflows per concurrency level.
	Ceiling int
	// ImportRows is the size of the imported ledger.
	ImportRows int
	// BulkOpinions is the size of the measured bulk assignment.
	BulkOpinions int
	// Open are the numbers of opinions left open (assigned, waiting on their
	// deadlines) at which the scale scenario measures, ascending.
	Open []int
	// Reads is the number of requests of each read measured.
	Reads int
	// ScaleProfiles, when set, is a folder that receives a CPU profile of each scale
	// point's lifecycle run (scale-OPEN.pprof), so that a slower point can be
	// compared with a faster one (go tool pprof -diff_base).
	ScaleProfiles string
	// Only, when not empty, names the scenarios to run (Scenarios), in their order;
	// a scenario compared with another (the lifecycle with the ceiling, the open
	// loop with the lifecycle) is compared only when both ran.
	Only []string
	// Progress, when set, hears what the run is doing.
	Progress func(format string, args ...any)
}

// Full is the run for people: minutes, the sizes the figures in docs/benchmarks.md use.
func Full() Options {
	return Options{Lifecycle: 1500, Ceiling: 1500, ImportRows: 100_000, BulkOpinions: 2_000, Open: []int{1_000, 10_000, 100_000}, Reads: 300}
}

// Smoke is the run of the normal test command: seconds, every scenario and check.
func Smoke() Options {
	return Options{Smoke: true, Lifecycle: 16, Ceiling: 16, ImportRows: 50, BulkOpinions: 20, Open: []int{40, 80}, Reads: 10}
}

func (o Options) say(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(format, args...)
	}
}

// concurrencies are the numbers of simulated callers the throughput and latency
// scenarios run at.
var concurrencies = []int{8, 32, 128}

// scenarios are the steps of a run, in order.
var scenarios = []struct {
	name string
	run  func(context.Context, *Target, Options, *Report) error
}{
	{"ceiling", runCeiling},
	{"lifecycle", runLifecycle},
	{"open-loop", runOpenLoop},
	{"history", runHistory},
	{"import", runImport},
	{"bulk", runBulk},
	{"scale", runScale},
}

// Scenarios are the names of a run's scenarios, in the order they run.
func Scenarios() []string {
	names := make([]string, len(scenarios))
	for i, s := range scenarios {
		names[i] = s.name
	}
	return names
}

// Run runs every scenario (or those o.Only names) against the product at t and
// returns the report.
func Run(ctx context.Context, t *Target, o Options) (*Report, error) {
	r := &Report{Machine: describeMachine(ctx, t)}
	for _, s := range scenarios {
		if len(o.Only) > 0 && !slices.Contains(o.Only, s.name) {
			continue
		}
		o.say("%s…", s.name)
		start := time.Now()
		if err := s.run(ctx, t, o, r); err != nil {
			return r, fmt.Errorf("%s: %w", s.name, err)
		}
		o.say("%s done in %s", s.name, time.Since(start).Round(time.Millisecond))
	}
	return r, nil
}

// drive calls fn for iterations 0..n-1 from c goroutines and returns the wall time.
// The first error stops every caller and is returned.
func drive(ctx context.Context, n, c int, fn func(ctx context.Context, caller, i int) error) (time.Duration, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for caller := range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, caller, i); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil && ctx.Err() != nil {
		return elapsed, err
	}
	return elapsed, nil
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// pause waits d unless ctx ends first.
func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
