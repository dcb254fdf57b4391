package main

import (
	"log/slog"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

// The one process holds the engine, the worker and the API, and makes short-lived
// garbage with every action. At Go's default (GOGC=100) collection took 17 % of the
// lifecycle's CPU; at 200 it took 13 %, at 400 10 %. Each step up lets the heap grow
// further past its live part before a collection: a 20,000-row import, which fills
// the engine's and the worker's workflow caches, peaked 1.3 GiB above where it began
// at 100 and 2.9 GiB at 400. gcPercent is the middle of those measurements
// (docs/performance.md).
//
// The memory limit bounds that trade. Its live data — the workflow caches, a few
// hundred MiB after that import — leaves room under memoryLimit, where the collector
// runs only as often as it must: the import then peaked 1.9 GiB instead of 2.3, for
// 5 % more CPU. Should the live data itself grow past a share of the limit (a larger
// installation than one machine's caches), a fixed limit would have the collector run
// without end; the limit then rises with it, up to memoryLimitShare of the machine's
// memory (or of the cgroup's limit, when lower), and never comes down.
const (
	gcPercent         = 200
	memoryLimit       = 1792 << 20 // 1.75 GiB
	memoryLimitShare  = 0.5
	cgroupMemoryLimit = "/sys/fs/cgroup/memory.max"
	// raiseAtLiveShare is the share of the limit the live heap may reach before the
	// limit rises to raisedHeadroom times it: GOGC=200's own headroom.
	raiseAtLiveShare = 0.5
	raisedHeadroom   = 3
	// limitCheckEvery is how often the live heap is read against the limit.
	limitCheckEvery = 10 * time.Second
)

// tuneGC sets the collector's pace and memory limit unless the environment sets them
// (GOGC, GOMEMLIMIT), which the Go runtime has then applied already; the limit it
// sets rises with the live heap (raiseLimit), checked in the background.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") != "" {
		return
	}
	ceiling := uint64(float64(memoryAvailable()) * memoryLimitShare)
	if ceiling == 0 {
		return
	}
	limit := min(memoryLimit, ceiling)
	debug.SetMemoryLimit(int64(limit))
	if limit < ceiling {
		go followLiveHeap(limit, ceiling)
	}
}

// followLiveHeap raises the memory limit, from limit up to ceiling, as the live heap
// grows (raiseLimit).
func followLiveHeap(limit, ceiling uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	tick := time.NewTicker(limitCheckEvery)
	defer tick.Stop()
	for range tick.C {
		metrics.Read(sample)
		if next := raiseLimit(sample[0].Value.Uint64(), limit, ceiling); next != limit {
			debug.SetMemoryLimit(int64(next))
			slog.Info("the live heap grew: the memory limit rises with it", "live_mib", sample[0].Value.Uint64()>>20,
				"limit_mib", next>>20, "ceiling_mib", ceiling>>20)
			limit = next
			if limit >= ceiling {
				return
			}
		}
	}
}

// raiseLimit is the memory limit for a live heap of live bytes under the current
// limit: the same while live is under raiseAtLiveShare of it, else raisedHeadroom
// times live, never above ceiling and never lower than before.
func raiseLimit(live, limit, ceiling uint64) uint64 {
	if float64(live) <= float64(limit)*raiseAtLiveShare {
		return limit
	}
	return max(limit, min(ceiling, live*raisedHeadroom))
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
