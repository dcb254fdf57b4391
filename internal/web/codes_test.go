package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/spreadsheet"
	"rectify/internal/web/i18n"
)

// codeSink is a function whose argument at Index is an error code, written as
// Prefix + argument + Suffix.
type codeSink struct {
	Func           string
	Index          int
	Prefix, Suffix string
}

// serverCodes reads every error code the server can answer with out of the source of
// internal/domain (the validators), internal/service (the use cases) and
// internal/api (its HTTP front door): the literal codes handed to the functions that
// make errors, and the codes built from a field name inside helpers
// (field+"_required"), expanded for every literal field they are called with. A code
// argument it cannot read fails the test, so a new way of making codes is noticed
// here rather than by a user reading English.
func serverCodes(t *testing.T) []string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	codes := map[string]bool{}
	// Code arguments not spelled out where the error is made, with what they stand for.
	passedOn := map[string][]string{
		"code":            nil, // actionError passes the workflow's own code on: read from internal/domain
		"fe.Field":        intakeFields(t, root),
		"fileErr.Code":    constants(t, root, "internal/spreadsheet", "Code"),
		"refused.Code":    constants(t, root, "internal/attachment", "Rule"), // an evidence file's rule
		"part.FormName()": {"strict", "dry_run"},                             // the upload's two switches
	}
	scan := func(dir string, sinks []codeSink) {
		fset := token.NewFileSet()
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		require.NoError(t, err)
		var decls []*ast.FuncDecl
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, 0)
			require.NoError(t, err)
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
					decls = append(decls, fd)
				}
			}
		}
		// Each new sink may turn the helper that calls it into a sink: repeat until
		// nothing new is found.
		for seen := 0; seen < len(sinks); seen++ {
			sink := sinks[seen]
			for _, fd := range decls {
				params := paramNames(fd)
				ast.Inspect(fd.Body, func(n ast.Node) bool {
					call, ok := n.(*ast.CallExpr)
					if !ok || calleeName(call) != sink.Func || len(call.Args) <= sink.Index {
						return true
					}
					pre, param, suf, ok := splitCode(call.Args[sink.Index])
					switch {
					case ok && param == "":
						codes[sink.Prefix+pre+suf+sink.Suffix] = true
					case ok && slices.Contains(params, param):
						next := codeSink{fd.Name.Name, slices.Index(params, param), sink.Prefix + pre, suf + sink.Suffix}
						if !slices.Contains(sinks, next) {
							sinks = append(sinks, next)
						}
					case ok && passedOn[param] != nil || param == "code":
						for _, v := range passedOn[param] {
							codes[sink.Prefix+pre+v+suf+sink.Suffix] = true
						}
					default:
						t.Errorf("%s: cannot read the error code %s handed to %s", fset.Position(call.Pos()), exprString(call.Args[sink.Index]), sink.Func)
					}
					return true
				})
			}
		}
	}
	scan("internal/domain", []codeSink{{Func: "forbidden"}, {Func: "conflict"}, {Func: "invalid"}})
	scan("internal/service", []codeSink{{Func: "errorf", Index: 1}, {Func: "Refuse", Index: 1}})
	scan("internal/api", []codeSink{{Func: "errorf", Index: 1}, {Func: "Refuse", Index: 1}})
	// actionError's fallback when a rejection carries no code.
	codes["rejected"] = true
	out := make([]string, 0, len(codes))
	for c := range codes {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

func paramNames(fd *ast.FuncDecl) []string {
	var out []string
	for _, f := range fd.Type.Params.List {
		for _, n := range f.Names {
			out = append(out, n.Name)
		}
	}
	return out
}

func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// splitCode reads a code argument as literal text around at most one other
// expression: "x", field+"_required", "invalid_"+fe.Field.
func splitCode(e ast.Expr) (pre, param, suf string, ok bool) {
	var parts []ast.Expr
	var flatten func(ast.Expr)
	flatten = func(e ast.Expr) {
		if b, isBin := e.(*ast.BinaryExpr); isBin && b.Op == token.ADD {
			flatten(b.X)
			flatten(b.Y)
			return
		}
		parts = append(parts, e)
	}
	flatten(e)
	for _, p := range parts {
		if lit, isLit := p.(*ast.BasicLit); isLit && lit.Kind == token.STRING {
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return "", "", "", false
			}
			if param == "" {
				pre += s
			} else {
				suf += s
			}
			continue
		}
		if param != "" {
			return "", "", "", false
		}
		param = exprString(p)
	}
	return pre, param, suf, true
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.CallExpr:
		return exprString(x.Fun) + "()"
	case *ast.BasicLit:
		return x.Value
	}
	return "?"
}

// intakeFields are the fields intake's FieldErrors name (FieldError{"content", …});
// one whose field is not spelled out names a ledger column, so may be any of
// spreadsheet.Fields.
func intakeFields(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	columns := false
	eachFile(t, filepath.Join(root, "internal/intake"), func(n ast.Node) {
		lit, ok := n.(*ast.CompositeLit)
		if !ok || exprString(lit.Type) != "FieldError" || len(lit.Elts) == 0 {
			return
		}
		if s, ok := lit.Elts[0].(*ast.BasicLit); ok {
			v, _ := strconv.Unquote(s.Value)
			out = append(out, v)
		} else if !columns {
			columns = true
			for _, f := range spreadsheet.Fields {
				out = append(out, string(f))
			}
		}
	})
	require.NotEmpty(t, out)
	return out
}

// constants are the values of the string constants of the package in dir whose
// names start with prefix: the spreadsheet package's Code…, the attachment
// package's Rule….
func constants(t *testing.T, root, dir, prefix string) []string {
	t.Helper()
	var out []string
	eachFile(t, filepath.Join(root, dir), func(n ast.Node) {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return
		}
		for i, name := range spec.Names {
			if strings.HasPrefix(name.Name, prefix) && i < len(spec.Values) {
				if s, ok := spec.Values[i].(*ast.BasicLit); ok && s.Kind == token.STRING {
					v, _ := strconv.Unquote(s.Value)
					out = append(out, v)
				}
			}
		}
	})
	require.NotEmpty(t, out)
	return out
}

func eachFile(t *testing.T, dir string, visit func(ast.Node)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool { visit(n); return true })
	}
}

func TestEveryServerErrorCodeIsTranslated(t *testing.T) {
	codes := serverCodes(t)
	// The scan finds what it must: a literal code, a helper's field code, an
	// intake field and a spreadsheet file code.
	for _, c := range []string{"wrong_state", "reason_too_long", "deadline_before_collected", "until_past",
		"invalid_official", "invalid_limit", "invalid_phone", "file_corrupt", "into_final", "throttled"} {
		require.Contains(t, codes, c)
	}
	for _, lang := range []string{"zh", "en"} {
		for _, c := range codes {
			_, ok := messages[lang]["code."+c]
			require.True(t, ok, "error code %q has no %s text (add code.%s)", c, lang, c)
		}
	}
}

// A refused row of an import shows its rule by code (batch.html, import.html):
// every code intake refuses a row with has a text.
func TestEveryImportRejectionCodeIsTranslated(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	codes := []string{"cell_too_long", "duplicate_key", "key_conflict", "unknown_category", "unknown_department"}
	for _, f := range intakeFields(t, root) {
		codes = append(codes, "invalid_"+f)
	}
	for _, lang := range []string{"zh", "en"} {
		for _, c := range codes {
			_, ok := messages[lang]["rej."+c]
			require.True(t, ok, "import rejection %q has no %s text (add rej.%s)", c, lang, c)
		}
	}
}

// messageKeys reads every key the code of dirs hands to the catalogue — to i18n.M,
// i18n.Text, a refusal's maker (service.Refuse and the domain's rule errors), or a
// package's own shorthand t or T (the ledger's, a report's, a
// notification's): the literal keys, and for a key built from a prefix and a
// value ("column."+field), the prefix with every value dynamic lists for it. A
// key it cannot read fails the test.
func messageKeys(t *testing.T, dynamic map[string][]string, dirs ...string) []string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	keys := map[string]bool{}
	for _, dir := range dirs {
		eachFile(t, filepath.Join(root, dir), func(n ast.Node) {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return
			}
			// The refusals' own makers take their key after the code (the
			// service's forbidden, the code's "forbidden" fixed, before anything).
			at, sink := map[string]int{"i18n.M": 0, "i18n.Text": 1, "t": 0, "T": 0,
				"Refuse": 2, "service.Refuse": 2, "refuse": 2, "invalid": 1, "conflict": 1, "forbidden": 1, "invalidField": 1}[exprString(call.Fun)]
			if exprString(call.Fun) == "forbidden" && dir == "internal/service" {
				at = 0
			}
			if !sink || len(call.Args) <= at {
				return
			}
			if _, variable := call.Args[at].(*ast.Ident); variable {
				return // a wrapper's key, or a list's: read where it is written
			}
			pre, param, suf, ok := splitCode(call.Args[at])
			switch values, known := dynamic[pre]; {
			case ok && param == "":
				keys[pre+suf] = true
			case ok && known:
				for _, v := range values {
					keys[pre+v+suf] = true
				}
			default:
				t.Errorf("%s: cannot read the message key %q+%s", dir, pre, param)
			}
		})
	}
	out := slices.Sorted(maps.Keys(keys))
	require.NotEmpty(t, out)
	return out
}

// fieldsOfCodes are the fields an error code names (reason of reason_required,
// deadline of deadline_not_workday; a file's codes and unknown_format name no field): a refusal
// names its field by api.field.<name>.
func fieldsOfCodes(t *testing.T) []string {
	var out []string
	for _, c := range serverCodes(t) {
		for _, suffix := range []string{"_too_long", "_format", "_not_workday"} { // every text field is bounded, every date has a form
			if f, ok := strings.CutSuffix(c, suffix); ok && !strings.HasPrefix(c, "file_") && c != "unknown_format" && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		if f, ok := strings.CutPrefix(c, "invalid_"); ok && (f == "official" || f == "leader") && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Every import rule, every word of the API and the command line that is a
// message, is in both catalogues: the same key renders in either language.
func TestEveryMessageKeyIsInBothLanguages(t *testing.T) {
	strs := func(vs ...string) []string { return vs }
	var fields, states, backfill, actions, roles []string
	for _, f := range spreadsheet.Fields {
		fields = append(fields, string(f))
	}
	for _, s := range domain.AllStates {
		states = append(states, string(s))
	}
	for _, s := range domain.BackfillStates {
		backfill = append(backfill, string(s))
	}
	for _, a := range domain.Actions {
		actions = append(actions, string(a))
	}
	for _, r := range []domain.Role{domain.RoleOffice, domain.RoleOfficial, domain.RoleVerifier, domain.RoleLeader, domain.RoleAdmin} {
		roles = append(roles, string(r))
	}
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	dynamic := map[string][]string{
		"code.file_":            constants(t, root, "internal/spreadsheet", "Code"),
		"column.":               append(fields, "extra"),
		"rule.hint_unknown.":    strs("department", "category"),
		"rule.hint_not_a_name.": strs("department", "category"),
		"rule.state_words.":     backfill,
		"rule.day.":             strs("collected_at", "assigned_on", "submitted_on", "verified_on"),
		"state.":                states,
		"action.":               actions,
		"role.":                 roles,
		"code.":                 serverCodes(t),
		"api.field.":            fieldsOfCodes(t),
		"api.noun.":             strs("campaign", "opinion", "problem", "publication", "report", "notification", "batch", "bulk"),
		"weekday.":              strs("saturday", "sunday"),
		"level.":                strs(string(domain.LevelNone), string(domain.LevelDueSoon), string(domain.LevelOverdue), string(domain.LevelSupervised), string(domain.LevelAccountability)),
		"sat.":                  strs("satisfied", "basically", "dissatisfied"),
		"notify.alert.title.":   strs("firing", "resolved"),
		"pub.field.":            strs("from", "to"),
		"user.field.":           strs("campaigns", "department", "departments", "name", "new_password", "password", "roles", "username"),
	}
	keys := messageKeys(t, dynamic, "internal/domain", "internal/intake", "internal/campaign", "internal/user", "internal/attachment", "internal/service", "internal/api", "activities",
		"internal/spreadsheet", "internal/ledger", "internal/notify", "internal/report", "internal/deadline", "internal/calendar")
	for _, k := range []string{"rule.phone", "rule.key_conflict", "column.phone", "rule.state_words.closed", "api.wrong_state",
		"rejected.warning", "notify.link", "level.overdue", "ledger.late_extensions_by", "pub.title_too_long", "pub.field.to"} {
		require.Contains(t, keys, k, "the scan finds what it must")
	}
	for _, lang := range languages {
		for _, k := range keys {
			_, ok := messages[lang][k]
			require.True(t, ok, "message %q has no %s text", k, lang)
		}
	}
}

// TestNoServerWrittenMessageHasChinese: the server's own words for a refusal (the
// format of errorf and of the domain's and campaign's errors) are its English
// answer and its log line; a Chinese word in them would reach an English reader.
// The Chinese a Chinese reader reads comes from the catalogue.
func TestNoServerWrittenMessageHasChinese(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	formats := map[string]int{"errorf": 2, "forbidden": -1, "conflict": 1, "invalid": 1, "invalidField": 1, "fmt.Errorf": 0, "errors.New": 0}
	found := 0
	for _, dir := range []string{"internal/domain", "internal/service", "internal/api", "internal/campaign", "internal/intake", "internal/attachment", "internal/spreadsheet", "workflows"} {
		eachFile(t, filepath.Join(root, dir), func(n ast.Node) {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return
			}
			at, sink := formats[exprString(call.Fun)]
			if !sink {
				return
			}
			if at < 0 { // the service's forbidden(format, …), the domain's forbidden(code, format, …)
				at = 1
				if dir == "internal/service" {
					at = 0
				}
			}
			for _, a := range call.Args[min(at, len(call.Args)):] {
				lit, ok := a.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				found++
				require.False(t, i18n.HasHan(lit.Value), "%s: a server-written message has Chinese: %s", dir, lit.Value)
			}
		})
	}
	require.Greater(t, found, 100, "the scan reads the messages")
}
