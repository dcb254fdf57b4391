package main

import (
	"bytes"
	"io"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersionPrintsTheBuildAndSendsNothing(t *testing.T) {
	var stdout, stderr bytes.Buffer
	// No server listens at this address: --version must not need one.
	t.Setenv("RECTIFY_URL", "http://127.0.0.1:1")
	require.Equal(t, exitOK, run([]string{"--version"}, &stdout, &stderr))
	require.Empty(t, stderr.String())
	require.Regexp(t, `^starter \S+\n  revision: +\S+\n`, stdout.String())
	require.Contains(t, stdout.String(), "go:                 "+runtime.Version()+"\n")
	require.NotContains(t, stdout.String(), "temporal", "the CLI is a client: Temporal's versions are the worker's to say")
}

func TestHelpListsVersion(t *testing.T) {
	var stdout bytes.Buffer
	require.Equal(t, exitOK, run([]string{"--help"}, &stdout, io.Discard))
	require.Contains(t, stdout.String(), "\n  --version ")
}
