package main

import (
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// servers are the packages a client of the HTTP API has no use for: the Temporal
// server and its Web UI, and rectify's own process wiring, engine and benchmark,
// which link them. One of them in starter makes it a 200 MB binary again.
var servers = []string{
	"go.temporal.io/server",
	"github.com/temporalio/ui-server",
	"rectify/internal/app",
	"rectify/internal/engine",
	"rectify/internal/bench",
}

// TestStarterLinksNoServer keeps starter a client: none of the packages it links is
// (or lies under) one of servers. A failure names the ways in: the chains of imports
// from starter to a package of the servers.
func TestStarterLinksNoServer(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list starter's packages with")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, ".")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps: %v\n%s", err, stderr)
	}
	imports := map[string][]string{} // every package starter links → what it imports
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[f[0]] = f[1:]
	}
	// A guard against a listing that holds nothing, which would pass everything.
	for _, p := range []string{"rectify/starter", "net/http"} {
		if _, ok := imports[p]; !ok {
			t.Fatalf("go list -deps does not list %s: the listing is not starter's\n%s", p, out)
		}
	}
	var linked []string
	for p := range imports {
		if isServer(p) {
			linked = append(linked, p)
		}
	}
	if len(linked) == 0 {
		return
	}
	// The ways in: from starter, through packages that are not servers, to one that is.
	via := map[string]string{"rectify/starter": ""} // package → who first imported it
	var ways []string
	for queue := []string{"rectify/starter"}; len(queue) > 0; queue = queue[1:] {
		p := queue[0]
		for _, imp := range imports[p] {
			if _, seen := via[imp]; seen {
				continue
			}
			via[imp] = p
			if !isServer(imp) {
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
	t.Errorf("starter links %d packages of the servers; the ways in:\n  %s", len(linked), strings.Join(ways, "\n  "))
}

// isServer reports whether the package p is, or lies under, one of servers.
func isServer(p string) bool {
	for _, s := range servers {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}
