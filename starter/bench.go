package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"

	"rectify/internal/bench"
)

var benchCmd = &command{
	name:    "bench",
	summary: "measure rectify against the ceiling of its Temporal engine",
	about: "Starts rectify in this process on a fresh data folder (the embedded server, or the\n" +
		"worker and HTTP API against the cluster at TEMPORAL_ADDRESS with its TEMPORAL_* settings)\n" +
		"and runs, in order: the engine's ceiling, the opinion lifecycle over HTTP at 8, 32 and\n" +
		"128 users, action latency, history size, reads, an import, and throughput with many\n" +
		"opinions open. Every scenario checks on the server what it produced. Prints the report\n" +
		"as markdown; --out also writes it to a file. The full run takes tens of minutes;\n" +
		"--smoke takes seconds.",
	example: "starter bench --out docs/benchmarks.md\n" +
		"starter bench --smoke\n" +
		"TEMPORAL_ADDRESS=temporal.example.gov:7233 starter bench --open 1000,10000",
	run: runBench,
}

func runBench(e *env, c *cmdline) int {
	o := bench.Full()
	smoke := c.fs.Bool("smoke", false, "a few iterations of every scenario (seconds)")
	out := c.fs.String("out", "", "also write the report to `FILE`")
	dir := c.fs.String("dir", "", "data `FOLDER` for the run (default: a temporary one, removed after)")
	c.fs.IntVar(&o.Lifecycle, "lifecycle", o.Lifecycle, "opinions driven to closure per run of the lifecycle")
	c.fs.IntVar(&o.Ceiling, "ceiling", o.Ceiling, "minimal workflows per concurrency of the ceiling")
	c.fs.IntVar(&o.ImportRows, "import-rows", o.ImportRows, "rows of the imported ledger")
	c.fs.IntVar(&o.Reads, "reads", o.Reads, "requests per read measured")
	open := c.fs.String("open", joinInts(o.Open), "open-opinion counts the scale scenario measures at, ascending")
	cpuProfile := c.fs.String("cpuprofile", "", "write a CPU profile of the whole run (server, worker, API and callers) to `FILE`")
	scaleProfiles := c.fs.String("scale-profiles", "", "write a CPU profile of each scale point's lifecycle to `FOLDER`/scale-OPEN.pprof")
	if _, code, ok := c.parse(0, 0); !ok {
		return code
	}
	if *cpuProfile != "" && *scaleProfiles != "" {
		return c.usageError("--cpuprofile and --scale-profiles cannot both run: a process has one CPU profile at a time")
	}
	if *smoke {
		o = bench.Smoke()
	} else {
		var err error
		if o.Open, err = parseAscending(*open); err != nil {
			return c.usageError("--open: " + err.Error())
		}
	}
	o.ScaleProfiles = *scaleProfiles
	o.Progress = func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) }
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "rectify-bench-")
		if err != nil {
			return e.fail(err)
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return e.fail(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return e.fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	t, err := bench.Start(e.ctx, *dir, os.Getenv)
	if err != nil {
		return e.fail(err)
	}
	defer t.Stop()
	report, err := bench.Run(e.ctx, t, o)
	md := report.Markdown("starter " + strings.Join(append([]string{"bench"}, c.args...), " "))
	fmt.Fprint(e.stdout, md) // what was measured before a failure is worth reading too
	if err != nil {
		return e.fail(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			return e.fail(err)
		}
	}
	return exitOK
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// parseAscending reads "1000,10000" into counts that must grow.
func parseAscending(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("counts must grow: %d after %d", n, out[len(out)-1])
		}
		out = append(out, n)
	}
	return out, nil
}
