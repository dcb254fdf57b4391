package workflows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/web/i18n"
)

// Every reason the workflow records for an event of its own (the system actor's)
// is one the pages word in the reader's language (i18n.Reason): the histories
// keep it in English, as written here, so a new one needs its catalogue texts.
func TestEveryReasonTheSystemGivesIsWordedInEachLanguage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	var reasons []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "record" || len(call.Args) < 5 {
				return true
			}
			actor, ok := call.Args[1].(*ast.SelectorExpr)
			if !ok || actor.Sel.Name != "SystemActor" {
				return true
			}
			switch r := call.Args[4].(type) {
			case *ast.BasicLit:
				reason, _ := strconv.Unquote(r.Value)
				if reason != "" {
					reasons = append(reasons, reason)
				}
			default:
				t.Errorf("%s: the system's reason is not written out, so it cannot be checked", fset.Position(r.Pos()))
			}
			return true
		})
	}
	require.Contains(t, reasons, "reopen window passed", "the scan finds the system's reasons")
	for _, reason := range reasons {
		zh := i18n.Reason(i18n.Chinese, reason)
		require.True(t, i18n.HasHan(zh), "%q has no Chinese wording (i18n.Reason)", reason)
		require.False(t, i18n.HasHan(i18n.Reason(i18n.English, reason)), "%q reads in English", reason)
	}
}
