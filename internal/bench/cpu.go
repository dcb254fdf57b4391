package bench

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used so far, user and system: with the
// embedded server that is the engine's, the worker's, the API's and the simulated
// users' together; against a cluster, all but the server nodes'.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuPer is the CPU used since start divided over n operations.
func cpuPer(start time.Duration, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	return (processCPU() - start) / time.Duration(n)
}
