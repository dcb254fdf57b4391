package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"rectify/internal/bench"
)

// The benchmark is a subcommand of the worker, not of starter, because it starts
// rectify in its own process — the embedded Temporal server, the worker and the HTTP
// API — and this binary links all of them already: starter stays a client.

// Exit codes of rectify-worker bench, as scripts see them.
const (
	exitOK    = 0
	exitFail  = 1 // the run or a check on the server failed
	exitUsage = 2 // the command line is wrong; nothing ran
)

const benchPath = "rectify-worker bench"

const benchSummary = "measure rectify against its Temporal engine's ceiling"

const benchAbout = "Starts rectify in this process on a fresh data folder (the embedded server, or the\n" +
	"worker and HTTP API against the cluster at TEMPORAL_ADDRESS with its TEMPORAL_* settings)\n" +
	"and runs, in order: the engine's ceiling, the opinion lifecycle over HTTP at 8, 32 and\n" +
	"128 users, action latency, the lifecycle under Poisson arrivals at half its capacity,\n" +
	"history size, an import, a bulk assignment, reads, and throughput with many opinions\n" +
	"open (--only picks some). Every scenario checks on the server what it produced. Prints\n" +
	"the report as markdown; --out also writes it to a file. The full run takes over an\n" +
	"hour; --smoke takes seconds."

const benchExample = "rectify-worker bench --out docs/benchmarks.md\n" +
	"rectify-worker bench --smoke\n" +
	"rectify-worker bench --only ceiling,lifecycle,open-loop --lifecycle 400 --ceiling 400\n" +
	"TEMPORAL_ADDRESS=temporal.example.gov:7233 rectify-worker bench --open 1000,10000"

// runBench is "rectify-worker bench": args are the arguments after "bench". It
// prints the report to stdout and its progress to stderr; ctx stands for Ctrl-C.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) (status int) {
	fs := flag.NewFlagSet(benchPath, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // help goes to stdout with status 0, mistakes to stderr with 2
	fs.Usage = func() {}
	o := bench.Full()
	smoke := fs.Bool("smoke", false, "a few iterations of every scenario (seconds)")
	out := fs.String("out", "", "also write the report to `FILE`")
	dir := fs.String("dir", "", "data `FOLDER` for the run (default: a temporary one, removed after)")
	fs.IntVar(&o.Lifecycle, "lifecycle", o.Lifecycle, "opinions driven to closure per run of the lifecycle")
	fs.IntVar(&o.Ceiling, "ceiling", o.Ceiling, "minimal workflows per concurrency of the ceiling")
	fs.IntVar(&o.ImportRows, "import-rows", o.ImportRows, "rows of the imported ledger")
	fs.IntVar(&o.BulkOpinions, "bulk", o.BulkOpinions, "opinions of the measured bulk assignment")
	fs.IntVar(&o.Reads, "reads", o.Reads, "requests per read measured")
	only := fs.String("only", "", "run only these scenarios, comma-separated: "+strings.Join(bench.Scenarios(), ", "))
	open := fs.String("open", joinInts(o.Open), "open-opinion counts the scale scenario measures at, ascending")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (server, worker, API and callers) to `FILE`")
	memProfile := fs.String("memprofile", "", "write a heap profile of the process to `FILE` when the scenarios are done, before it stops (what is still held, and what was allocated)")
	scaleProfiles := fs.String("scale-profiles", "", "write a CPU profile of each scale point's lifecycle to `FOLDER`/scale-OPEN.pprof")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printBenchUsage(stdout, fs)
			return exitOK
		}
		return benchUsageError(stderr, err.Error())
	}
	if fs.NArg() > 0 {
		msg := fmt.Sprintf("unexpected argument %q", fs.Arg(0))
		if a := fs.Arg(0); a == "true" || a == "false" {
			msg += fmt.Sprintf(" (boolean flags take their value after '=', e.g. --smoke=%s)", a)
		}
		return benchUsageError(stderr, msg)
	}
	if *cpuProfile != "" && *scaleProfiles != "" {
		return benchUsageError(stderr, "--cpuprofile and --scale-profiles cannot both run: a process has one CPU profile at a time")
	}
	if *smoke {
		o = bench.Smoke()
	} else {
		var err error
		if o.Open, err = parseAscending(*open); err != nil {
			return benchUsageError(stderr, "--open: "+err.Error())
		}
	}
	if *only != "" {
		for _, name := range strings.Split(*only, ",") {
			name = strings.TrimSpace(name)
			if !slices.Contains(bench.Scenarios(), name) {
				return benchUsageError(stderr, fmt.Sprintf("--only: no scenario %q; there are %s", name, strings.Join(bench.Scenarios(), ", ")))
			}
			o.Only = append(o.Only, name)
		}
	}
	o.ScaleProfiles = *scaleProfiles
	o.Progress = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	fail := func(err error) int {
		fmt.Fprintf(stderr, "error: %v\n", err)
		return exitFail
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "rectify-bench-")
		if err != nil {
			return fail(err)
		}
		defer os.RemoveAll(tmp)
		*dir = tmp
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fail(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			_ = f.Close()
			return fail(err)
		}
		// The profile's end is written on stop; a failure to close is a truncated
		// profile, which a run that went well must not hide.
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil && status == exitOK {
				status = fail(fmt.Errorf("--cpuprofile: %w", err))
			}
		}()
	}
	t, err := bench.Start(ctx, *dir, os.Getenv)
	if err != nil {
		return fail(err)
	}
	defer t.Stop()
	report, err := bench.Run(ctx, t, o)
	if *memProfile != "" {
		if perr := writeHeapProfile(*memProfile); perr != nil {
			return fail(fmt.Errorf("--memprofile: %w", perr))
		}
	}
	md := report.Markdown(strings.Join(append([]string{benchPath}, args...), " "))
	fmt.Fprint(stdout, md) // what was measured before a failure is worth reading too
	if err != nil {
		return fail(err)
	}
	if *out != "" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			return fail(err)
		}
	}
	return exitOK
}

// writeHeapProfile writes the heap profile to path, after a collection so that
// what it says is held is what is still reachable.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// printBenchUsage writes bench's help: usage line, what it does, its flags and an
// example.
func printBenchUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage:\n  %s [flags]\n\n%s\n\nFlags:\n", benchPath, benchAbout)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		switch name {
		case "":
		case "string":
			name = " TEXT"
		default:
			name = " " + name
		}
		fmt.Fprintf(tw, "  --%s%s\t%s\n", f.Name, name, usage)
	})
	tw.Flush()
	fmt.Fprintf(w, "\nExample:\n  %s\n", strings.ReplaceAll(benchExample, "\n", "\n  "))
}

// benchUsageError reports a command-line mistake and where to find help, and returns
// exit status 2.
func benchUsageError(w io.Writer, msg string) int {
	fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", benchPath, msg, benchPath)
	return exitUsage
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
