package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// The collector's pace and memory limit are rectify's unless the environment names
// its own, which the Go runtime has applied before main.
func TestGCSettingsYieldToTheEnvironment(t *testing.T) {
	prevPercent := debug.SetGCPercent(123)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer func() {
		debug.SetGCPercent(prevPercent)
		debug.SetMemoryLimit(prevLimit)
	}()

	tuneGC(func(k string) string { return map[string]string{"GOGC": "123", "GOMEMLIMIT": "1GiB"}[k] })
	require.Equal(t, 123, debug.SetGCPercent(123), "GOGC set: its pace stays")
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "GOMEMLIMIT set: its limit stays")

	tuneGC(func(string) string { return "" })
	require.Equal(t, gcPercent, debug.SetGCPercent(123), "rectify's pace")
	limit := debug.SetMemoryLimit(-1)
	require.Less(t, limit, int64(math.MaxInt64), "a limit from the machine's memory")
	require.InDelta(t, float64(memoryAvailable())*memoryLimitShare, float64(limit), 1)
}
