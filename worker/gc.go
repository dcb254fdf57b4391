package main

import (
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// The one process holds the engine, the worker and the API, and makes short-lived
// garbage with every action. At Go's default (GOGC=100) collection took 17 % of the
// lifecycle's CPU; at 200 it took 13 %, at 400 10 %. Each step up lets the heap grow
// further past its live part before a collection: a 20,000-row import, which fills
// the engine's and the worker's workflow caches, peaked 1.3 GiB above where it began
// at 100 and 2.9 GiB at 400. gcPercent is the middle of those measurements
// (docs/performance.md). The memory limit bounds the trade: as the heap nears
// memoryLimitShare of the machine's memory (or of the cgroup's limit, when lower),
// the collector runs as often as it must to stay under it.
const (
	gcPercent         = 200
	memoryLimitShare  = 0.5
	cgroupMemoryLimit = "/sys/fs/cgroup/memory.max"
)

// tuneGC sets the collector's pace and memory limit unless the environment sets them
// (GOGC, GOMEMLIMIT), which the Go runtime has then applied already.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		if total := memoryAvailable(); total > 0 {
			debug.SetMemoryLimit(int64(float64(total) * memoryLimitShare))
		}
	}
}

// memoryAvailable is the memory this process may use: the machine's, or its
// cgroup's limit when that is lower; 0 when neither can be read.
func memoryAvailable() uint64 {
	total := meminfoTotal()
	if b, err := os.ReadFile(cgroupMemoryLimit); err == nil {
		if limit, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil && limit > 0 && (total == 0 || limit < total) {
			total = limit
		}
	}
	return min(total, math.MaxInt64)
}

// meminfoTotal is MemTotal of /proc/meminfo in bytes; 0 where there is none.
func meminfoTotal() uint64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
