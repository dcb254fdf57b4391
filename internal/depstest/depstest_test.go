package depstest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWaysInNameTheFirstChainToEachPackagePicked(t *testing.T) {
	g := Graph{
		"app":      {ImportPath: "app", Imports: []string{"web", "cli"}},
		"web":      {ImportPath: "web", Imports: []string{"store", "fmt"}},
		"cli":      {ImportPath: "cli", Imports: []string{"store", "net/http"}},
		"store":    {ImportPath: "store", Imports: []string{"database/sql"}},
		"net/http": {ImportPath: "net/http", Imports: []string{"net"}},
	}
	for _, tc := range []struct {
		name string
		bad  []string
		want []string
	}{
		{"nothing picked", []string{"os"}, nil},
		{"the first importer of a package is its way in", []string{"store"}, []string{"app → web → store"}},
		{"a package under a picked root", []string{"net"}, []string{"app → cli → net/http"}},
		{"no way through a picked package", []string{"store", "database/sql"}, []string{"app → web → store"}},
		{"several, sorted", []string{"fmt", "net/http"}, []string{"app → cli → net/http", "app → web → fmt"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, g.WaysIn("app", func(p string) bool { return Under(p, tc.bad...) }))
		})
	}
}

func TestUnderHoldsAPackageAndWhatLiesBelowIt(t *testing.T) {
	require.True(t, Under("net", "net"))
	require.True(t, Under("net/http", "os", "net"))
	require.False(t, Under("netip", "net"))
	require.False(t, Under("net", "net/http"))
}

func TestListShowsWhatThisPackageLinks(t *testing.T) {
	g := List(t, ".", ".")
	p := g["rectify/internal/depstest"]
	require.NotNil(t, p)
	require.Contains(t, p.Imports, "os/exec")
	require.True(t, g["os/exec"].Standard)
	require.NotContains(t, g, "github.com/stretchr/testify/require", "tests are left out")
}
