package main

import (
	"os"
	"testing"
)

// TestMain runs the tests in an English shell (LANG=en_US.UTF-8): they read
// starter's English. The tests of its Chinese set their own locale or --lang.
func TestMain(m *testing.M) {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES"} {
		_ = os.Unsetenv(name)
	}
	_ = os.Setenv("LANG", "en_US.UTF-8")
	os.Exit(m.Run())
}
