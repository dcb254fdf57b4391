// Package depstest lists what a package links, as the go command sees it, for the
// tests that hold rectify's packages to their boundaries (the deps_test.go files:
// starter links no server, workflows does no I/O, the API and the web UI reach the
// store and Temporal only through the service). scripts/lint runs those tests. It
// uses the standard library only: go list for the graph.
package depstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// Package is one package of a listing: the fields of go list -json the rules read.
type Package struct {
	ImportPath string
	Standard   bool
	Imports    []string // direct imports, tests left out: what a build compiles
}

// Graph is a listing: every package reached, by import path.
type Graph map[string]*Package

// List lists the packages of patterns, resolved in dir, and every package they import:
// what a build of them links (go list -deps, tests left out). It skips the test when
// there is no go command to ask.
func List(t testing.TB, dir string, patterns ...string) Graph {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the packages with")
	}
	args := []string{"list", "-deps", "-json=ImportPath,Standard,Imports"}
	cmd := exec.Command(goTool, append(args, patterns...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(cmd.Args[1:], " "), err, stderr)
	}
	g := Graph{}
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("reading go list's answer: %v", err)
		}
		g[p.ImportPath] = &p
	}
	// A guard against a listing that holds nothing, which would pass every rule.
	for _, p := range []string{"fmt", "errors"} {
		if g[p] == nil {
			t.Fatalf("go list -deps %s does not list %s: the listing is not a build's", strings.Join(patterns, " "), p)
		}
	}
	return g
}

// Under reports whether the package p is one of roots or lies under one of them
// ("net" holds net/http; "net" does not hold "netip").
func Under(p string, roots ...string) bool {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}

// WaysIn returns the ways from the package root to the packages that bad picks: for
// each of them, the chain of imports through which root first reached it, through
// packages bad does not pick, as "root → … → bad package", sorted.
func (g Graph) WaysIn(root string, bad func(string) bool) []string {
	via := map[string]string{root: ""} // package → who first imported it
	var ways []string
	for queue := []string{root}; len(queue) > 0; queue = queue[1:] {
		p := queue[0]
		if g[p] == nil {
			continue
		}
		for _, imp := range g[p].Imports {
			if _, seen := via[imp]; seen {
				continue
			}
			via[imp] = p
			if !bad(imp) {
				queue = append(queue, imp)
				continue
			}
			path := []string{imp}
			for q := p; q != ""; q = via[q] {
				path = append([]string{q}, path...)
			}
			ways = append(ways, strings.Join(path, " → "))
		}
	}
	sort.Strings(ways)
	return ways
}
