package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// runCommand runs the worker's command line args in-process and returns exit code,
// stdout and stderr; ok is false when args would run rectify instead.
func runCommand(t *testing.T, args ...string) (code int, stdout, stderr string, ok bool) {
	t.Helper()
	var out, errOut bytes.Buffer
	code, ok = command(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String(), ok
}

func TestHelpListsTheBenchCommand(t *testing.T) {
	for _, h := range []string{"-h", "--help", "help"} {
		code, out, errOut, ok := runCommand(t, h)
		require.True(t, ok, "%s runs rectify instead of printing help", h)
		require.Equal(t, exitOK, code, h)
		require.Empty(t, errOut, h)
		require.Contains(t, out, "rectify-worker bench [flags]   "+benchSummary, h)
		require.Contains(t, out, "rectify-worker bench --help", h)
		require.Contains(t, out, "RECTIFY_DATA_DIR", "%s: the environment is still described", h)
	}
}

func TestBenchHelpListsItsFlags(t *testing.T) {
	for _, args := range [][]string{{"bench", "--help"}, {"bench", "-h"}, {"help", "bench"}} {
		code, out, errOut, ok := runCommand(t, args...)
		require.True(t, ok, "%v", args)
		require.Equal(t, exitOK, code, "%v", args)
		require.Empty(t, errOut, "%v", args)
		for _, want := range []string{
			"Usage:\n  rectify-worker bench [flags]\n",
			"--smoke ", "--out FILE", "--dir FOLDER", "--lifecycle int", "--ceiling int", "--import-rows int",
			"--reads int", "--open TEXT", "--cpuprofile FILE", "--scale-profiles FOLDER",
			"\nExample:\n  rectify-worker bench --out docs/benchmarks.md\n",
		} {
			require.Contains(t, out, want, "%v", args)
		}
	}
}

func TestBenchCommandLineMistakesExit2(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--verbose"}, "-verbose"},
		{[]string{"bench", "--lifecycle", "many"}, "-lifecycle"},
		{[]string{"bench", "extra"}, `unexpected argument "extra"`},
		{[]string{"bench", "--smoke", "true"}, "--smoke=true"},
	} {
		code, out, errOut, ok := runCommand(t, tt.args...)
		require.True(t, ok, "%v", tt.args)
		require.Equal(t, exitUsage, code, "%v: stderr %q", tt.args, errOut)
		require.Contains(t, errOut, tt.want, "%v", tt.args)
		require.Contains(t, errOut, "Run 'rectify-worker bench --help' for usage.", "%v", tt.args)
		require.Empty(t, out, "%v", tt.args)
	}
}

func TestBenchRefusesOpenCountsThatDoNotGrow(t *testing.T) {
	for _, open := range []string{"1000,100", "10,x", "0"} {
		var stdout, stderr bytes.Buffer
		code := runBench(context.Background(), []string{"--open", open}, &stdout, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), "--open") {
			t.Errorf("bench --open %s: exit %d, stderr %q; want a usage error naming --open", open, code, stderr.String())
		}
	}
}

func TestBenchRefusesTwoCPUProfilesAtOnce(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runBench(context.Background(), []string{"--cpuprofile", t.TempDir() + "/cpu.pprof", "--scale-profiles", t.TempDir()}, &stdout, &stderr)
	if code != exitUsage || !strings.Contains(stderr.String(), "--scale-profiles") {
		t.Errorf("exit %d, stderr %q; want a usage error naming --scale-profiles", code, stderr.String())
	}
}

// TestBenchSmokeRunsFromTheBinary runs "rectify-worker bench --smoke" as a process,
// the way make bench runs the full one, on the embedded server.
func TestBenchSmokeRunsFromTheBinary(t *testing.T) {
	dir := t.TempDir()
	report, data := filepath.Join(dir, "benchmarks.md"), filepath.Join(dir, "run")
	require.NoError(t, os.Mkdir(data, 0o700))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "bench", "--smoke", "--out", report, "--dir", data)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TEMPORAL_") { // the embedded server, whatever the shell points at
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, underTest+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stderr:\n%s", &stderr)

	md := stdout.String()
	require.Contains(t, md, "Produced by `rectify-worker bench --smoke --out "+report+" --dir ")
	for _, section := range []string{"## Targets", "## 1. Ceiling", "## 2. Lifecycle", "## 7. Scale"} {
		require.Contains(t, md, section)
	}
	written, err := os.ReadFile(report)
	require.NoError(t, err)
	require.Equal(t, md, string(written), "--out holds the report printed")
	require.NotEmpty(t, stderr.String(), "progress goes to stderr")
}
