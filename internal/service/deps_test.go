package service

import (
	"slices"
	"testing"

	"rectify/internal/depstest"
)

// frontDoors are the packages that serve people, the HTTP API and the web pages:
// every rule of who may is the service's, so they reach the workflows, the store
// and the users only through it.
var frontDoors = []string{"rectify/internal/api", "rectify/internal/web"}

// behindTheService are the packages only the service (and the processes' wiring)
// imports: the reporting store, the activities, Temporal's client, and SQL. The
// store's records the front doors name are the service's aliases (store.go).
var behindTheService = []string{
	"rectify/internal/store",
	"rectify/activities",
	"go.temporal.io/sdk/client",
	"database/sql", // and database/sql/driver
}

// TestFrontDoorsReachTheStoreAndTemporalOnlyThroughTheService keeps the API and the
// web pages front doors: neither imports a package of behindTheService (their
// tests may, to set the scene), and both import the service.
func TestFrontDoorsReachTheStoreAndTemporalOnlyThroughTheService(t *testing.T) {
	g := depstest.List(t, ".", frontDoors...)
	for _, door := range frontDoors {
		p := g[door]
		if p == nil {
			t.Fatalf("go list -deps does not list %s: the listing is not the front doors'", door)
		}
		if !slices.Contains(p.Imports, "rectify/internal/service") {
			t.Errorf("%s does not import rectify/internal/service: is it still a front door to it?", door)
		}
		for _, imp := range p.Imports {
			if depstest.Under(imp, behindTheService...) {
				t.Errorf("%s imports %s: a front door goes through internal/service instead", door, imp)
			}
		}
	}
}
