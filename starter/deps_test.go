package main

import (
	"strings"
	"testing"

	"rectify/internal/depstest"
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
	g := depstest.List(t, ".", ".")
	// A guard against a listing that is not starter's, which would pass everything.
	for _, p := range []string{"rectify/starter", "net/http"} {
		if g[p] == nil {
			t.Fatalf("go list -deps does not list %s: the listing is not starter's", p)
		}
	}
	isServer := func(p string) bool { return depstest.Under(p, servers...) }
	var linked []string
	for p := range g {
		if isServer(p) {
			linked = append(linked, p)
		}
	}
	if len(linked) == 0 {
		return
	}
	ways := g.WaysIn("rectify/starter", isServer)
	t.Errorf("starter links %d packages of the servers; the ways in:\n  %s", len(linked), strings.Join(ways, "\n  "))
}
