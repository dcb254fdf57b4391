package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

func TestHelpForEveryCommand(t *testing.T) {
	var paths [][]string
	var walk func(prefix []string, c *command)
	walk = func(prefix []string, c *command) {
		paths = append(paths, prefix)
		for _, s := range c.subs {
			walk(append(append([]string{}, prefix...), s.name), s)
		}
	}
	walk(nil, commandTree())

	for _, p := range paths {
		for _, h := range []string{"--help", "-h"} {
			args := append(append([]string{}, p...), h)
			var out, errOut bytes.Buffer
			code := run(args, &out, &errOut)
			if code != 0 {
				t.Errorf("starter %v: exit %d, want 0 (stderr %q)", args, code, errOut.String())
			}
			if errOut.Len() != 0 {
				t.Errorf("starter %v wrote to stderr: %q", args, errOut.String())
			}
			usage := "Usage:\n  " + strings.Join(append([]string{"starter"}, p...), " ")
			for _, want := range []string{usage, "\nExample:\n  "} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("starter %v: help lacks %q:\n%s", args, want, out.String())
				}
			}
		}
	}

	// A leaf's help lists its own flags.
	var out bytes.Buffer
	run([]string{"help", "opinion", "list"}, &out, io.Discard)
	for _, f := range []string{"--campaign ID", "--mine", "--overdue", "--limit N", "--page-token TOKEN"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("'starter help opinion list' lacks %q:\n%s", f, out.String())
		}
	}
}

func TestHelpNeverShowsTheToken(t *testing.T) {
	t.Setenv("RECTIFY_TOKEN", testToken)
	for _, args := range [][]string{{"--help"}, {"act", "--help"}, {"opinion", "--help"}} {
		var out bytes.Buffer
		run(args, &out, &out)
		if strings.Contains(out.String(), testToken) {
			t.Errorf("starter %v printed the token", args)
		}
	}
}

func TestCommandLineMistakesExit2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"campaign", "delete"}, `unknown command "delete"`},
		{[]string{"--verbose", "campaign", "list"}, "-verbose"},
		{[]string{"opinion", "list", "--state", "done"}, `unknown --state "done"`},
		{[]string{"opinion", "list", "--limit", "0"}, "--limit must be a positive number"},
		{[]string{"opinion", "submit", "--file", "x.json"}, "--campaign is required"},
		{[]string{"campaign", "create"}, "--file is required"},
		{[]string{"campaign", "stats"}, "missing argument"},
		{[]string{"opinion", "show", "a", "b"}, `unexpected argument "b"`},
		{[]string{"opinion", "show", ""}, "empty argument"},
		{[]string{"--server", "localhost:8080", "campaign", "list"}, "invalid --server"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(tt.args, &out, &errOut)
		if code != 2 {
			t.Errorf("starter %v: exit %d, want 2", tt.args, code)
		}
		if !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("starter %v: stderr %q lacks %q", tt.args, errOut.String(), tt.want)
		}
	}
}

func TestUnauthenticatedHintsAtToken(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 401, apiErr("unauthenticated", "missing bearer token") })
	var out, errOut bytes.Buffer
	code := run([]string{"--server", api.URL, "--token", "", "campaign", "list"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "RECTIFY_TOKEN") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if auth := api.requests()[0].Auth; auth != "" {
		t.Errorf("sent Authorization %q without a token", auth)
	}
}
