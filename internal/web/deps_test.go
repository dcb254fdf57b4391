package web

import (
	"fmt"
	"go/ast"
	"go/types"
	"path/filepath"
	"slices"
	"testing"

	"rectify/internal/depstest"
)

// knownStoreUses are the places where the web UI works the store itself instead of
// asking internal/service: each is "file function: what it does with the store
// handle". There are none: a use that is not listed fails.
var knownStoreUses = []string{}

// storePkg is the reporting store, which only internal/api may work.
const storePkg = "rectify/internal/store"

// TestWebReachesTheStoreOnlyThroughTheAPI keeps internal/web a front door: it calls
// no function of the store and no method of its handle (*store.Store), and passes no
// handle on, except at knownStoreUses. The store's data types (Filter, Stats, …) and
// errors are the API's vocabulary too, and free to use.
func TestWebReachesTheStoreOnlyThroughTheAPI(t *testing.T) {
	g := depstest.ListExport(t, ".", ".")
	fset, files, info := g.TypeCheck(t, "rectify/internal/web")
	var uses []string
	for _, f := range files {
		file := filepath.Base(fset.File(f.Pos()).Name())
		for _, d := range f.Decls {
			where := file + " " + declName(d)
			var stack []ast.Node
			ast.Inspect(d, func(n ast.Node) bool {
				if n == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				var parent ast.Node
				if len(stack) > 0 {
					parent = stack[len(stack)-1]
				}
				stack = append(stack, n)
				if use := storeUse(info, n, parent); use != "" {
					uses = append(uses, where+": "+use)
				}
				return true
			})
		}
	}
	added, gone := diff(uses, knownStoreUses)
	for _, u := range added {
		t.Errorf("new use of the store in internal/web: %s; go through internal/api instead", u)
	}
	for _, u := range gone {
		t.Errorf("knownStoreUses lists %q, which is gone: take it off the list", u)
	}
}

// storeUse names what the node n (whose parent is parent) does with the store:
// "Store.Campaign" (a method called), "store.Open" (a function of the package), "the
// store handle itself" (held or handed on); or "" for nothing.
func storeUse(info *types.Info, n, parent ast.Node) string {
	// A function of the store's package: store.Open and the like.
	if id, ok := n.(*ast.Ident); ok {
		if fn, ok := info.Uses[id].(*types.Func); ok && fn.Pkg() != nil && fn.Pkg().Path() == storePkg {
			if sig, _ := fn.Type().(*types.Signature); sig != nil && sig.Recv() == nil {
				return "store." + fn.Name()
			}
		}
	}
	// The handle: a method called on it, or the handle itself handed on.
	e, ok := n.(ast.Expr)
	if !ok {
		return ""
	}
	tv, ok := info.Types[e]
	if !ok || !tv.IsValue() || !isStoreHandle(tv.Type) {
		return ""
	}
	if sel, ok := parent.(*ast.SelectorExpr); ok {
		if sel.X == e {
			return "Store." + sel.Sel.Name
		}
		return "" // e is the field's name: the selector holding it says what is done
	}
	return "the store handle itself"
}

// isStoreHandle reports whether t is store.Store or a pointer to it.
func isStoreHandle(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == storePkg && n.Obj().Name() == "Store"
}

// declName names a declaration as a reader finds it: "(*Server).home", "spoolUpload",
// or the first name of a var, const or type declaration.
func declName(d ast.Decl) string {
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil || len(d.Recv.List) == 0 {
			return d.Name.Name
		}
		return fmt.Sprintf("(%s).%s", types.ExprString(d.Recv.List[0].Type), d.Name.Name)
	case *ast.GenDecl:
		for _, s := range d.Specs {
			switch s := s.(type) {
			case *ast.ValueSpec:
				return s.Names[0].Name
			case *ast.TypeSpec:
				return s.Name.Name
			}
		}
	}
	return "?"
}

// diff returns what got holds beyond want and what want holds beyond got, counting
// repeats (a function that uses the store twice is listed twice).
func diff(got, want []string) (added, gone []string) {
	count := map[string]int{}
	for _, s := range got {
		count[s]++
	}
	for _, s := range want {
		count[s]--
	}
	for s, n := range count {
		for ; n > 0; n-- {
			added = append(added, s)
		}
		for ; n < 0; n++ {
			gone = append(gone, s)
		}
	}
	slices.Sort(added)
	slices.Sort(gone)
	return added, gone
}
