package metricstest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// stopping is a testing.TB whose Skipf and Fatalf stop the caller, as the real ones
// do, and say which was called.
type stopping struct {
	testing.TB
	how string
}

func (s *stopping) Helper() {}
func (s *stopping) Skipf(format string, args ...any) {
	s.how = "skip: " + fmt.Sprintf(format, args...)
	panic(s)
}
func (s *stopping) Fatalf(format string, args ...any) {
	s.how = "fail: " + fmt.Sprintf(format, args...)
	panic(s)
}

func binary(t *testing.T, name string) (path, how string) {
	s := &stopping{TB: t}
	defer func() {
		if r := recover(); r != nil && r != s {
			panic(r)
		}
		how = s.how
	}()
	return Binary(s, name), ""
}

// TestBinaryRunsWhereverInstalled: the Prometheus tests run whenever the binary is
// on the PATH; without it they are skipped, naming the package to install, except in
// CI, where that fails.
func TestBinaryRunsWhereverInstalled(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "promtool"), []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("PATH", dir)
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		path, how := binary(t, "promtool")
		require.Equal(t, filepath.Join(dir, "promtool"), path, "CI=%q", ci)
		require.Empty(t, how, "CI=%q", ci)
	}

	t.Setenv("CI", "")
	_, how := binary(t, "prometheus")
	require.Equal(t, "skip: prometheus is not installed (run scripts/deps, or apt-get install prometheus); skipping", how)
	t.Setenv("CI", "true")
	_, how = binary(t, "prometheus")
	require.Equal(t, "fail: prometheus is not installed; scripts/deps installs Debian's prometheus package", how)
}
