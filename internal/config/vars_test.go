package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// envName is what a variable's name looks like as a string of its own in the source.
var envName = regexp.MustCompile(`^(RECTIFY|TEMPORAL)_[A-Z0-9_]+$`)

func tableNames(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, v := range Vars {
		require.NotContains(t, names, v.Name, "%s is listed once", v.Name)
		require.NotEmpty(t, v.Meaning, "%s says what it sets", v.Name)
		names = append(names, v.Name)
	}
	return slices.Sorted(slices.Values(names))
}

// TestTheTableListsEveryNameTheParserReads reads the package's source: every
// string that is a variable's name — get("X", …) and the lists of names the
// readers loop over — must be in Vars, and every entry of Vars must be read.
func TestTheTableListsEveryNameTheParserReads(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	found := map[string]bool{}
	gets := 0
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "vars.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "get" && len(call.Args) > 0 {
					if _, ok := call.Args[0].(*ast.BasicLit); ok {
						gets++
					}
				}
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			if envName.MatchString(s) {
				found[s] = true
			}
			return true
		})
	}
	require.Greater(t, gets, 20, "the source was read: it calls get(\"…\") with names")
	read := slices.Sorted(func(yield func(string) bool) {
		for n := range found {
			if !yield(n) {
				return
			}
		}
	})
	require.Equal(t, read, tableNames(t), "the names in config.go's source and in Vars")
}

// TestFromEnvAsksForExactlyTheTable runs the parser: it asks the environment for
// every variable in Vars, and for no other.
func TestFromEnvAsksForExactlyTheTable(t *testing.T) {
	asked := map[string]bool{}
	_, err := FromEnv(func(k string) string { asked[k] = true; return "" })
	require.NoError(t, err)
	var names []string
	for n := range asked {
		names = append(names, n)
	}
	require.Equal(t, tableNames(t), slices.Sorted(slices.Values(names)))
}

// TestADocumentedDefaultIsTheDefault sets each variable to the default Vars
// states, alone: the configuration is the same as with nothing set.
func TestADocumentedDefaultIsTheDefault(t *testing.T) {
	unset, err := FromEnv(env(nil))
	require.NoError(t, err)
	for _, v := range Vars {
		if v.Default == "" {
			continue
		}
		c, err := FromEnv(env(map[string]string{v.Name: v.Default}))
		require.NoError(t, err, v.Name)
		require.Equal(t, unset, c, "%s=%s is what an unset %s means", v.Name, v.Default, v.Name)
	}
}

// TestTheREADMEHasARowForEveryVariable holds README.md's configuration table to
// Vars: a row naming each variable in its first cell, and no row for a variable
// the parser does not read.
func TestTheREADMEHasARowForEveryVariable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(data), "\n## Configuration\n")
	require.True(t, ok, "README.md has a Configuration section")
	section, _, _ = strings.Cut(section, "\n## ")
	name := regexp.MustCompile("`((?:RECTIFY|TEMPORAL)_[A-Z0-9_]+)`")
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	for _, n := range tableNames(t) {
		require.True(t, documented[n], "README.md's configuration table has a row for %s", n)
	}
	for n := range documented {
		require.Contains(t, tableNames(t), n, "README.md documents %s, which rectify does not read", n)
	}
}
