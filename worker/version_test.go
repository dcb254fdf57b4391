package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runArgs runs rectify with args, as an operator would, and returns what it
// printed and its exit status.
func runArgs(t *testing.T, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), underTest+"=1")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errOut.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), errOut.String(), 0
}

func TestVersionNamesTheTemporalModulesGoModRequires(t *testing.T) {
	out, _, status := runArgs(t, "--version")
	require.Equal(t, 0, status)
	require.Regexp(t, `^rectify-worker \S+\n`, out)
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	require.NoError(t, err)
	for label, module := range map[string]string{
		"temporal server":    "go.temporal.io/server",
		"temporal sdk":       "go.temporal.io/sdk",
		"temporal ui-server": "github.com/temporalio/ui-server/v2",
	} {
		req := regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(module) + ` (v\S+)`).FindStringSubmatch(string(gomod))
		require.NotNil(t, req, "go.mod requires %s", module)
		require.Regexp(t, `(?m)^  `+label+`: +`+regexp.QuoteMeta(req[1])+`$`, out, "--version says the %s go.mod requires", module)
	}
	require.Regexp(t, `(?m)^  revision: +\S+$`, out)
	require.Regexp(t, `(?m)^  go: +go1\.`, out)
}

func TestAnUnknownArgumentStartsNothing(t *testing.T) {
	_, stderr, status := runArgs(t, "--verison")
	require.Equal(t, 2, status)
	require.Contains(t, stderr, `unknown argument "--verison"`)
}
