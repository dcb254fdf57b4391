package workflows

import (
	"slices"
	"strings"
	"testing"

	"rectify/internal/depstest"
)

// noIO are the standard packages workflow code must not import: the network, files,
// processes, databases, the process's own log and randomness. A workflow reaches the
// world through activities, logs through workflow.GetLogger and draws random numbers
// in a workflow.SideEffect; workflowcheck (scripts/lint) checks the calls, such as
// time.Now, that hide in allowed packages.
var noIO = []string{
	"net", // and all under it: net/http, net/url, …
	"os",  // and os/exec, os/signal
	"syscall",
	"io/ioutil",
	"io/fs",
	"database/sql",
	"log", // and log/slog
	"math/rand",
	"crypto/rand",
}

// rectifyLinked are the rectify packages workflow code links today: its own and
// the domain vocabulary it runs by. A new one fails here until it is added, so that
// it is looked at first: it is linked into every replay and must pass these rules
// too. The store, the API, activities and the processes' wiring never belong here.
var rectifyLinked = []string{
	"rectify/internal/domain",
	// The catalogues, compiled in: a rule's refusal is worded by them. Reading
	// them opens nothing, and a changed text changes no decision.
	"rectify/internal/web/i18n",
	"rectify/workflows",
}

// thirdParty are the packages from outside the standard library and rectify that
// workflow code imports today. The SDK's client, worker and testsuite are not among
// them: they dial servers. uuid builds name-based (SHA-1) ids, which are
// deterministic; its random uuid.New is workflowcheck's to catch.
var thirdParty = []string{
	"go.temporal.io/sdk/temporal",
	"go.temporal.io/sdk/workflow",
	"github.com/google/uuid",
	"go.temporal.io/api/enums/v1",
}

// TestWorkflowCodeDoesNoIO keeps workflow code deterministic by what it imports: no
// rectify package it links imports an I/O package or an unlisted third-party one,
// and it links no rectify package outside rectifyLinked.
func TestWorkflowCodeDoesNoIO(t *testing.T) {
	g := depstest.List(t, ".", "./...")
	if g["rectify/workflows"] == nil || g["go.temporal.io/sdk/workflow"] == nil {
		t.Fatal("go list -deps does not list rectify/workflows and the SDK: the listing is not workflows'")
	}
	var ours, unlisted []string // rectify packages workflow code links; those not in rectifyLinked
	for p := range g {
		if depstest.Under(p, "rectify") {
			ours = append(ours, p)
			if !slices.Contains(rectifyLinked, p) {
				unlisted = append(unlisted, p)
			}
		}
	}
	slices.Sort(ours)
	for _, p := range ours {
		for _, imp := range g[p].Imports {
			switch q := g[imp]; {
			case q == nil:
				t.Errorf("go list -deps does not list %s, which %s imports", imp, p)
			case q.Standard && depstest.Under(imp, noIO...):
				t.Errorf("%s imports %s: workflow code does no I/O (see noIO)", p, imp)
			case !q.Standard && !depstest.Under(imp, "rectify") && !slices.Contains(thirdParty, imp):
				t.Errorf("%s imports %s, which workflow code did not import before: check that it does no I/O and is deterministic, then add it to thirdParty", p, imp)
			}
		}
	}
	if len(unlisted) > 0 {
		slices.Sort(unlisted)
		ways := g.WaysIn("rectify/workflows", func(p string) bool { return slices.Contains(unlisted, p) })
		t.Errorf("workflow code links rectify packages outside rectifyLinked: %s; look at them, then list them. The ways in:\n  %s",
			strings.Join(unlisted, ", "), strings.Join(ways, "\n  "))
	}
}
