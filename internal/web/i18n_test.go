package web

import (
	"bytes"
	"encoding/json"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"text/template/parse"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/web/i18n"
)

var update = flag.Bool("update", false, "rewrite the catalogues in their canonical form (sorted, one key a line)")

// canonical is a catalogue as its file must read: keys sorted, one a line, text
// unescaped where JSON allows.
func canonical(t *testing.T, m map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(m)) // encoding/json sorts a map's keys
	return b.Bytes()
}

func TestCatalogueRefusesAKeyGivenTwice(t *testing.T) {
	for _, tc := range []struct{ name, in, err string }{
		{"a key twice", `{"a": "x", "b": "y", "a": "z"}`, `key "a" is given twice`},
		{"a key twice with the same text", `{"a": "x", "a": "x"}`, `key "a" is given twice`},
		{"a text that is not a string", `{"a": 1}`, `key "a": the text is not a string`},
		{"a nested object", `{"a": {"b": "c"}}`, `key "a": the text is not a string`},
		{"not an object", `["a"]`, "not a JSON object"},
		{"two objects", `{"a": "x"} {"b": "y"}`, "something follows the object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := i18n.Read(strings.NewReader(tc.in))
			require.ErrorContains(t, err, tc.err)
		})
	}
	m, err := i18n.Read(strings.NewReader(`{"a": "x", "b": "%d 个"}`))
	require.NoError(t, err)
	require.Equal(t, map[string]string{"a": "x", "b": "%d 个"}, m)
}

// Every catalogue file reads without a repeated key and is in its canonical form,
// so a diff shows one changed line per changed text. Run the test with -update to
// sort a catalogue after adding keys by hand.
func TestCataloguesAreSortedOneKeyALine(t *testing.T) {
	for _, lang := range languages {
		name := filepath.Join("i18n", lang+".json")
		f, err := os.Open(name)
		require.NoError(t, err)
		m, err := i18n.Read(f)
		require.NoError(t, f.Close())
		require.NoError(t, err)
		require.Equal(t, messages[lang], m, "the embedded catalogue is the file")
		want := canonical(t, m)
		if *update {
			require.NoError(t, os.WriteFile(name, want, 0o644))
			continue
		}
		got, err := os.ReadFile(name)
		require.NoError(t, err)
		if !bytes.Equal(got, want) {
			gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
			for i := range min(len(gotLines), len(wantLines)) {
				if gotLines[i] != wantLines[i] {
					t.Fatalf("%s is not sorted one key a line (go test -run %s -update rewrites it): line %d is\n\t%s\nwhere\n\t%s\nbelongs", name, t.Name(), i+1, gotLines[i], wantLines[i])
				}
			}
			t.Fatalf("%s is not sorted one key a line (go test -run %s -update rewrites it)", name, t.Name())
		}
	}
}

func TestEveryKeyIsInBothLanguages(t *testing.T) {
	for _, pair := range [][2]string{{"zh", "en"}, {"en", "zh"}} {
		var missing []string
		for key := range messages[pair[0]] {
			if _, ok := messages[pair[1]][key]; !ok {
				missing = append(missing, key)
			}
		}
		slices.Sort(missing)
		require.Empty(t, missing, "keys of i18n/%s.json missing from i18n/%s.json", pair[0], pair[1])
	}
}

// formatVerbs maps each argument a text formats (1 for the first) to the verb
// that formats it: "%[2]s of %[1]d" is {1: 'd', 2: 's'}.
func formatVerbs(s string) map[int]rune {
	out := map[int]rune{}
	arg := 1
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		i++
		if i < len(s) && s[i] == '%' {
			continue
		}
		for i < len(s) && strings.IndexByte("+-# 0123456789.[]", s[i]) >= 0 {
			if s[i] == '[' {
				if end := strings.IndexByte(s[i:], ']'); end > 0 {
					if n, err := strconv.Atoi(s[i+1 : i+end]); err == nil {
						arg = n
					}
					i += end
				}
			}
			i++
		}
		if i < len(s) {
			verb, size := utf8.DecodeRuneInString(s[i:])
			out[arg] = verb
			arg++
			i += size - 1
		}
	}
	return out
}

func TestFormatVerbsAreReadByArgument(t *testing.T) {
	for in, want := range map[string]map[int]rune{
		"no verb, 100%%": {},
		"%d of %d":       {1: 'd', 2: 'd'},
		"最多 %[2]s 个，这里有 %[1]s 个。": {1: 's', 2: 's'},
		"%-5.2f and %q": {1: 'f', 2: 'q'},
		"%s（系统建议）":      {1: 's'},
	} {
		require.Equal(t, want, formatVerbs(in), in)
	}
}

// A text takes the same arguments with the same verbs in both languages: the
// code formats one key with one list of arguments whatever the language.
func TestBothLanguagesFormatTheSameArguments(t *testing.T) {
	for key, zh := range messages["zh"] {
		en, ok := messages["en"][key]
		if !ok {
			continue
		}
		require.Equal(t, formatVerbs(zh), formatVerbs(en), "%s: the Chinese %q and the English %q format different arguments", key, zh, en)
	}
}

// keyLike is a string that reads as a catalogue key: dotted lower-case words.
var keyLike = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_-]*[a-z0-9])+$`)

// usedKeys are the keys the templates and the Go code of this package spell out,
// each with where: t with a literal key in a template; in Go, a literal key given
// to translate, lookup or T, and any literal that reads as a key of a group the
// catalogues have ("err.timeout" handed to renderError).
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	groups := map[string]bool{}
	for _, lang := range languages {
		for key := range messages[lang] {
			groups[key[:strings.IndexByte(key, '.')+1]] = true
		}
	}
	used := map[string]string{}

	names, err := fs.Glob(templateFS, "templates/*.html")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		text, err := fs.ReadFile(templateFS, name)
		require.NoError(t, err)
		tree := parse.New(name)
		tree.Mode = parse.SkipFuncCheck
		trees := map[string]*parse.Tree{}
		_, err = tree.Parse(string(text), "", "", trees)
		require.NoError(t, err)
		for _, tr := range trees {
			walkTemplate(tr.Root, func(cmd *parse.CommandNode) {
				if len(cmd.Args) < 3 {
					return
				}
				if fn, ok := cmd.Args[0].(*parse.IdentifierNode); ok && fn.Ident == "t" {
					if key, ok := cmd.Args[2].(*parse.StringNode); ok {
						used[key.Text] = name
					}
				}
			})
		}
	}

	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		literal := func(e ast.Expr) (string, bool) {
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return "", false
			}
			s, err := strconv.Unquote(lit.Value)
			return s, err == nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.CallExpr:
				at := -1
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					if fn.Name == "translate" || fn.Name == "lookup" {
						at = 1
					}
				case *ast.SelectorExpr:
					if fn.Sel.Name == "T" {
						at = 0
					}
				}
				if at >= 0 && at < len(x.Args) {
					if key, ok := literal(x.Args[at]); ok {
						used[key] = fset.Position(x.Pos()).String()
					}
				}
			case *ast.BasicLit:
				if s, ok := literal(x); ok && keyLike.MatchString(s) && groups[s[:strings.IndexByte(s, '.')+1]] {
					used[s] = fset.Position(x.Pos()).String()
				}
			}
			return true
		})
	}
	return used
}

// walkTemplate calls visit on every command of a template.
func walkTemplate(n parse.Node, visit func(*parse.CommandNode)) {
	switch x := n.(type) {
	case *parse.ListNode:
		if x == nil {
			return
		}
		for _, c := range x.Nodes {
			walkTemplate(c, visit)
		}
	case *parse.ActionNode:
		walkTemplate(x.Pipe, visit)
	case *parse.PipeNode:
		if x == nil {
			return
		}
		for _, c := range x.Cmds {
			walkTemplate(c, visit)
		}
	case *parse.CommandNode:
		visit(x)
		for _, a := range x.Args {
			walkTemplate(a, visit)
		}
	case *parse.IfNode:
		walkBranch(&x.BranchNode, visit)
	case *parse.RangeNode:
		walkBranch(&x.BranchNode, visit)
	case *parse.WithNode:
		walkBranch(&x.BranchNode, visit)
	case *parse.TemplateNode:
		walkTemplate(x.Pipe, visit)
	}
}

func walkBranch(b *parse.BranchNode, visit func(*parse.CommandNode)) {
	walkTemplate(b.Pipe, visit)
	walkTemplate(b.List, visit)
	walkTemplate(b.ElseList, visit)
}

func TestEveryKeyUsedIsInTheCatalogues(t *testing.T) {
	used := usedKeys(t)
	// The scan finds what it must: a template's t, a T and a translate call, and a
	// key handed on to be translated later.
	for _, key := range []string{"nav.tasks", "opinion.not_workday", "wait.seconds", "err.timeout", "set.retired"} {
		require.Contains(t, used, key)
	}
	var missing []string
	for key, where := range used {
		if _, ok := messages["zh"][key]; ok {
			continue
		}
		if _, ok := messages["en"][key]; ok {
			continue
		}
		missing = append(missing, where+": "+key)
	}
	slices.Sort(missing)
	require.Empty(t, missing, "keys used but in no catalogue")
}

// The pages name every default channel in both languages, the Chinese as the ledger
// does; a channel an office added is shown as it is named.
func TestEveryDefaultChannelIsNamedInBothLanguages(t *testing.T) {
	for _, ch := range campaign.KnownChannels() {
		key := "channel." + string(ch.Code)
		require.Contains(t, messages["en"], key)
		require.Equal(t, ch.Ledger, messages["zh"][key], key)
		require.Equal(t, ch.Ledger, channelName(&visit{Lang: "zh"}, string(ch.Code)))
	}
	require.Equal(t, "Online platform", channelName(&visit{Lang: "en"}, string(campaign.ChannelOnline)))
	require.Equal(t, "民情走访", channelName(&visit{Lang: "en"}, "民情走访"))
}
