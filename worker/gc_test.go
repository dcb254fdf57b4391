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
	require.Equal(t, min(int64(memoryLimit), int64(float64(memoryAvailable())*memoryLimitShare)), limit,
		"rectify's limit, or half the machine's memory when that is less")
}

// The memory limit stays while the live heap leaves it room, rises with a live heap
// that would have the collector run without end under it, never past half the
// machine, and never comes down.
func TestTheMemoryLimitRisesWithTheLiveHeapOnly(t *testing.T) {
	const mib = 1 << 20
	ceiling := uint64(12 * 1024 * mib)
	require.Equal(t, uint64(memoryLimit), raiseLimit(500*mib, memoryLimit, ceiling), "an import's caches fit under it")
	require.Equal(t, uint64(memoryLimit), raiseLimit(memoryLimit/2, memoryLimit, ceiling), "half the limit is still room enough")
	require.Equal(t, uint64(3*1200*mib), raiseLimit(1200*mib, memoryLimit, ceiling), "three times a live heap past half of it")
	require.Equal(t, ceiling, raiseLimit(5000*mib, 3600*mib, ceiling), "at most half the machine")
	require.Equal(t, uint64(3600*mib), raiseLimit(100*mib, 3600*mib, ceiling), "never lower once raised")
}
