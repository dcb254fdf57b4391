package main

import (
	"strings"
	"testing"
)

func TestBenchRefusesOpenCountsThatDoNotGrow(t *testing.T) {
	for _, open := range []string{"1000,100", "10,x", "0"} {
		code, _, stderr := runCLI(t, "http://127.0.0.1:1", "bench", "--open", open)
		if code != exitUsage || !strings.Contains(stderr, "--open") {
			t.Errorf("bench --open %s: exit %d, stderr %q; want a usage error naming --open", open, code, stderr)
		}
	}
}

func TestBenchRefusesTwoCPUProfilesAtOnce(t *testing.T) {
	code, _, stderr := runCLI(t, "http://127.0.0.1:1", "bench", "--cpuprofile", t.TempDir()+"/cpu.pprof", "--scale-profiles", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "--scale-profiles") {
		t.Errorf("exit %d, stderr %q; want a usage error naming --scale-profiles", code, stderr)
	}
}
