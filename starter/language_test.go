package main

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/web/i18n"
)

// runIn runs starter in a shell whose locale is locale ("" for none), with args.
func runIn(t *testing.T, locale string, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("LANG", locale)
	var out, errOut bytes.Buffer
	code := runContext(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// leafPaths are the command lines of every command that runs: "opinion list", ….
func leafPaths(c *command, prefix []string) [][]string {
	var out [][]string
	for _, s := range c.subs {
		p := append(append([]string{}, prefix...), s.name)
		if s.run != nil {
			out = append(out, p)
		} else {
			out = append(out, leafPaths(s, p)...)
		}
	}
	return out
}

// beforeExample is help without its examples, which show values as an office
// writes them (城管科) in either language.
func beforeExample(help, heading string) string {
	before, _, _ := strings.Cut(help, heading)
	return before
}

func TestHelpIsChineseByDefault(t *testing.T) {
	code, out, _ := runIn(t, "", "--help")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"用法：\n  starter [全局参数] <命令>", "starter 是活动办公室使用的 rectify 命令行客户端",
		"命令：", "导入 Excel、CSV 或 JSON 格式的意见台账", "全局参数（写在命令前后均可）", "退出状态：0 成功", "示例："} {
		require.Contains(t, out, want)
	}
	for _, locale := range []string{"zh_CN.UTF-8", "C", "POSIX"} {
		_, again, _ := runIn(t, locale, "--help")
		require.Equal(t, out, again, "a %s shell reads Chinese", locale)
	}
}

// Every command's help is whole in both languages: no key shows for a missing
// text, the Chinese help says each of its flags in Chinese, and the English help
// has no Chinese before its examples.
func TestEveryCommandsHelpIsInChineseAndInEnglish(t *testing.T) {
	for _, path := range leafPaths(commandTree(), nil) {
		name := strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			code, zh, _ := runIn(t, "", append(path, "--help")...)
			require.Equal(t, exitOK, code)
			require.NotContains(t, zh, "cli.", "a text is missing")
			require.Contains(t, zh, "用法：")
			flags := false
			for _, line := range strings.Split(beforeExample(zh, "示例："), "\n") {
				if strings.HasPrefix(line, "  --") {
					flags = true
					require.True(t, i18n.HasHan(line), "the flag is explained in Chinese: %q", line)
				}
			}
			require.NotRegexp(t, `\([a-z]+ [a-z ]+\)`, beforeExample(zh, "示例："), "no English words in brackets in the Chinese help, as the actions that read no flag once said")
			if name != "campaign list" && name != "opinion show" && name != "problem show" && name != "campaign stats" {
				require.True(t, flags, "the help lists the command's flags")
			}

			code, en, _ := runIn(t, "", append([]string{"--lang", "en"}, append(path, "--help")...)...)
			require.Equal(t, exitOK, code)
			require.NotContains(t, en, "cli.")
			require.Contains(t, en, "Usage:")
			require.False(t, i18n.HasHan(beforeExample(en, "Example:")), "English help has no Chinese:\n%s", en)
		})
	}
}

func TestLangEnOrAnEnglishLocaleSpeaksEnglish(t *testing.T) {
	for _, tc := range []struct {
		name, locale string
		args         []string
	}{
		{"--lang en first", "", []string{"--lang", "en", "--help"}},
		{"--lang=en after the help", "zh_CN.UTF-8", []string{"--help", "--lang=en"}},
		{"an English locale", "en_US.UTF-8", []string{"--help"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runIn(t, tc.locale, tc.args...)
			require.Equal(t, exitOK, code)
			require.Contains(t, out, "starter is the campaign office's command-line client of rectify's HTTP API.")
			require.Contains(t, out, "import an Excel, CSV or JSON ledger of opinions")
			require.False(t, i18n.HasHan(beforeExample(out, "Example:")), out)
		})
	}
	_, out, _ := runIn(t, "en_US.UTF-8", "--lang", "zh", "--help")
	require.Contains(t, out, "用法：", "--lang wins over the locale")

	code, _, errOut := runIn(t, "", "--lang", "fr", "campaign", "list")
	require.Equal(t, exitUsage, code)
	require.Contains(t, errOut, "“fr”不是 starter 支持的语言：请用 zh 或 en")
}

func TestAUsageErrorIsInTheShellsLanguage(t *testing.T) {
	code, _, zh := runIn(t, "", "opinion", "lst")
	require.Equal(t, exitUsage, code)
	require.Contains(t, zh, "starter opinion: 没有“lst”这个命令（可用命令：submit, list, show）")
	require.Contains(t, zh, "运行 'starter opinion --help' 查看用法。")
	_, _, en := runIn(t, "en_GB.UTF-8", "opinion", "lst")
	require.Contains(t, en, `starter opinion: unknown command "lst" (commands: submit, list, show)`)
	require.Contains(t, en, "Run 'starter opinion --help' for usage.")
}

// A broken ledger's rows are listed with the server's reasons in the shell's
// language, under headings in it, the columns aligned however wide the text.
func TestTheImportTableIsChineseByDefaultAndAligned(t *testing.T) {
	reasons := map[string]string{
		"zh-CN": "应为11位手机号或带区号的固定电话，如 0373-5771293",
		"en":    "is neither a mobile number (11 digits) nor a landline with its area code (e.g. 0373-5771293)",
	}
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("done", map[string]any{"rows": 4, "accepted": 2, "rejected": 2, "refused": 2, "started": 2,
			"rejections": []any{
				map[string]any{"sheet": "", "row": 3, "column": "联系电话", "reason": reasons[u.Language]},
				map[string]any{"sheet": "二月", "row": 12, "column": "phone", "reason": reasons[u.Language]},
			}})
	}, nil)
	file := writeFile(t, "台账.csv", "意见内容,来源,收集时间,联系电话\n")

	code, out, _ := runIn(t, "", "--server", api.URL, "--token", testToken, "import", "--campaign", "c1", file)
	require.Equal(t, exitFail, code, "a rejected row fails the import")
	uploads, _, _ := api.seen()
	require.Equal(t, "zh-CN", uploads[0].Language, "the server is asked for Chinese")
	for _, want := range []string{"读取行数", "不合格", "未导入的行", "完成：已导入 2 行；2 行不合格，未导入。", reasons["zh-CN"]} {
		require.Contains(t, out, want)
	}
	lines := strings.Split(out, "\n")
	head := slicesIndex(lines, func(l string) bool { return strings.HasPrefix(l, "工作表") })
	require.GreaterOrEqual(t, head, 0, out)
	at := func(line, cell string) int { return displayWidth(line[:strings.Index(line, cell)]) }
	require.Equal(t, at(lines[head], "原因"), at(lines[head+1], "应为"), "the reasons line up under their heading:\n%s", out)
	require.Equal(t, at(lines[head], "原因"), at(lines[head+2], "应为"), "however wide the cells before:\n%s", out)
	require.Equal(t, at(lines[head], "问题列"), at(lines[head+2], "phone"))

	code, out, _ = runIn(t, "", "--lang", "en", "--server", api.URL, "--token", testToken, "import", "--campaign", "c1", file)
	require.Equal(t, exitFail, code)
	uploads, _, _ = api.seen()
	require.Equal(t, "en", uploads[1].Language)
	require.Contains(t, out, "SHEET  ROW  COLUMN    REASON")
	require.Contains(t, out, reasons["en"])
	require.Contains(t, out, "Done: 2 rows are in; 2 rows were rejected and not imported.")
}

func slicesIndex(lines []string, f func(string) bool) int {
	for i, l := range lines {
		if f(l) {
			return i
		}
	}
	return -1
}

// An opinion reads in Chinese: its labels, its state and each step of its
// timeline in words, the codes behind them in English.
func TestAnOpinionIsShownInTheShellsLanguage(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 200, sampleOpinion("op-1", "assigned") })
	code, zh, _ := runIn(t, "", "--server", api.URL, "--token", testToken, "opinion", "show", "op-1")
	require.Equal(t, exitOK, code)
	for _, want := range []string{"状态        已交办", "责任部门    城建科", "办理记录", "交办", "已分类 → 已交办"} {
		require.Contains(t, zh, want)
	}
	_, en, _ := runIn(t, "", "--lang", "en", "--server", api.URL, "--token", testToken, "opinion", "show", "op-1")
	for _, want := range []string{"State", "assigned", "Timeline", "categorized → assigned"} {
		require.Contains(t, en, want)
	}
	require.NotContains(t, en, "已交办")
}

// Every text starter says is in both catalogues: each key its code spells out
// (e.t("cli.…"), e.count(n, "cli.…") for its .one and .many), and for a key built
// from a prefix, the prefix with every value it is built with. A key the scan
// cannot read fails the test, so a new way of naming texts is noticed here.
func TestEveryTextStarterSaysIsInBothLanguages(t *testing.T) {
	dynamic := map[string][]string{
		"cli.batch.state.": {stateImporting, stateDone, stateDryRun, stateRefused, stateFailed},
		"cli.bulk.done.":   append(append([]string{}, bulkActions...), "other"),
		"cli.bulk.verb.":   bulkActions,
		"cli.flag.act.":    append(append([]string{}, actStringFlags...), "body", "approve", "pass", "percent", "report_every_months"),
		"cli.flag.filter.": triageFilters,
		"cli.cmd.":         nil, // every command's help: TestEveryCommandsHelpIsInChineseAndInEnglish
		"cli.json.":        {"nothing", "an_object", "an_array", "a_string", "a_boolean", "null", "a_number"},
	}
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	keys := map[string]bool{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		for _, decl := range f.Decls {
			fd, isFunc := decl.(*ast.FuncDecl)
			if !isFunc || fd.Body == nil {
				continue
			}
			// count words its caller's key: the caller's call is read instead.
			if fd.Name.Name == "count" {
				continue
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, isSel := call.Fun.(*ast.SelectorExpr)
				if !isSel || (sel.Sel.Name != "t" && sel.Sel.Name != "count") || len(call.Args) == 0 {
					return true
				}
				arg := call.Args[0]
				if sel.Sel.Name == "count" {
					arg = call.Args[1]
				}
				var suffixes []string
				if sel.Sel.Name == "count" {
					suffixes = []string{".one", ".many"}
				} else {
					suffixes = []string{""}
				}
				add := func(key string) {
					for _, s := range suffixes {
						keys[key+s] = true
					}
				}
				switch a := arg.(type) {
				case *ast.BasicLit:
					key, _ := strconv.Unquote(a.Value)
					add(key)
				case *ast.BinaryExpr:
					left := ast.Expr(a)
					for {
						bin, isBin := left.(*ast.BinaryExpr)
						if !isBin {
							break
						}
						left = bin.X
					}
					prefix := ""
					if lit, ok := left.(*ast.BasicLit); ok {
						prefix, _ = strconv.Unquote(lit.Value)
					}
					values, known := dynamic[prefix]
					if !known {
						t.Errorf("%s: cannot read the text key of this call", fset.Position(call.Pos()))
					}
					for _, v := range values {
						add(prefix + v)
					}
				default:
					t.Errorf("%s: cannot read the text key of this call", fset.Position(call.Pos()))
				}
				return true
			})
		}
	}
	require.Contains(t, keys, "cli.batch.outcome.done", "the scan finds what it must")
	require.Contains(t, keys, "cli.bulk.opinions.many")
	for _, lang := range i18n.Languages {
		for key := range keys {
			_, ok := i18n.Catalogue(lang)[key]
			require.True(t, ok, "%s has no %s text", key, lang)
		}
	}
}

// englishWord is a word of English (or of any Latin script) in a text.
var englishWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// inOneLanguage fails when zh, starter's Chinese, has English words beyond the
// data it names (data, a value quoted “as written”, the command line's own
// arguments and flags, and the words a command line is written with), or en, its English, has Chinese beyond
// that data. With detail, the Chinese may carry the system's own words for why
// (an OS's or a decoder's) after its sentence, framed in （）.
func inOneLanguage(t *testing.T, zh, en string, detail bool, data ...string) {
	t.Helper()
	strip := func(s string) string {
		for _, d := range slices.SortedFunc(slices.Values(data), func(a, b string) int { return len(b) - len(a) }) {
			s = strings.ReplaceAll(s, d, " ")
		}
		return s
	}
	rest := strip(zh)
	if detail {
		rest = regexp.MustCompile(`（[^（）]*）`).ReplaceAllString(rest, " ")
	}
	rest = regexp.MustCompile(`“[^”]*”|--?[a-z][a-z_-]*|'starter[^']*'|starter|JSON|true|false|\bzh\b|\ben\b`).ReplaceAllString(rest, " ")
	require.Empty(t, englishWord.FindAllString(rest, -1), "English in the Chinese output:\n%s", zh)
	require.False(t, i18n.HasHan(strip(en)), "Chinese in the English output:\n%s", en)
}

// Every mistake starter can be told of — a flag's value, a file it cannot read
// or that is not JSON, a server's answer it cannot use, a request stopped — is
// said in the shell's language alone, naming what it is about.
func TestEveryMistakeIsSaidInTheShellsLanguageAlone(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	broken := writeFile(t, "broken.json", "{\n  \"name\": 1,,\n}")
	html := newRawAPI(t, 502, "<html>Bad Gateway</html>")
	empty := newRawAPI(t, 500, "")
	for _, tc := range []struct {
		name   string
		args   []string
		zh, en string // what each says
		detail bool
		more   []string // data the output names beyond the arguments
	}{
		{"a boolean flag's value", []string{"act", "op-1", "verify", "--pass=maybe"},
			"--pass 的值只能是 true 或 false，不能是“maybe”", `--pass takes true or false, not "maybe"`, false, nil},
		{"a standard boolean's value", []string{"import", "--campaign", "c1", "--dry-run=maybe", "x.csv"},
			"--dry-run 的值只能是 true 或 false，不能是“maybe”", `--dry-run takes true or false, not "maybe"`, false, nil},
		{"a number's value", []string{"act", "op-1", "report-progress", "--percent", "abc"},
			"--percent 的值应为整数，不能是“abc”", `--percent takes a whole number, not "abc"`, false, nil},
		{"a number out of range", []string{"opinion", "list", "--limit", "99999999999999999999"},
			"--limit 的值“99999999999999999999”超出范围", `--limit: "99999999999999999999" is out of range`, false, nil},
		{"a flag's own refusal", []string{"--lang=fr", "campaign", "list"},
			"--lang 的值“fr”不是 starter 支持的语言", `--lang "fr" is not a language starter speaks`, false, []string{"--lang=fr"}},
		{"a flag written wrong", []string{"opinion", "list", "---limit"},
			"“---limit”不是参数的写法", `"---limit" is not a flag`, false, nil},
		{"an unknown flag", []string{"opinion", "list", "--colour"},
			"没有这个参数：-colour", "flag provided but not defined: -colour", false, nil},
		{"a file that is not there", []string{"campaign", "create", "--file", missing},
			"找不到文件 " + missing, missing + ": no such file", false, nil},
		{"a file that is not JSON", []string{"opinion", "submit", "--campaign", "c1", "--file", broken},
			broken + " 不是有效的 JSON：第 2 行第 14 列有误", broken + ":2:14: not valid JSON", true, nil},
		{"a ledger that is not there", []string{"import", "--campaign", "c1", filepath.Join(filepath.Dir(missing), "台账.xlsx")},
			"找不到文件", "no such file", false, nil},
		{"a proxy's page for an answer", []string{"--server", html.URL, "campaign", "list"},
			"502 bad_gateway: 意外的答复：<html>Bad Gateway</html>", "502 bad_gateway: unexpected response: <html>Bad Gateway</html>", false,
			[]string{"<html>Bad Gateway</html>", "bad_gateway"}},
		{"an answer without a word", []string{"--server", empty.URL, "campaign", "list"},
			"服务器没有说明原因", "the server gave no details", false, []string{"internal_server_error"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, zhOut, zhErr := runIn(t, "", tc.args...)
			_, enOut, enErr := runIn(t, "", append([]string{"--lang", "en"}, tc.args...)...)
			zh, en := zhOut+zhErr, enOut+enErr
			require.Contains(t, zh, tc.zh)
			require.Contains(t, en, tc.en)
			data := append(append([]string{html.URL, empty.URL}, tc.args...), tc.more...)
			inOneLanguage(t, zh, en, tc.detail, data...)
		})
	}
}

// A request the user stops (Ctrl-C) says so in the shell's language.
func TestAStoppedRequestSaysSoInTheShellsLanguage(t *testing.T) {
	api := newRawAPI(t, 200, "{}")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for lang, want := range map[string]string{"zh": "错误：已中断", "en": "error: interrupted"} {
		var out, errOut bytes.Buffer
		code := runContext(ctx, []string{"--lang", lang, "--server", api.URL, "campaign", "list"}, strings.NewReader(""), &out, &errOut)
		require.Equal(t, exitFail, code)
		require.Equal(t, want+"\n", errOut.String())
	}
}

// A problem's state and whether each task is done read as words in Chinese.
func TestAProblemIsShownInTheShellsLanguage(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 200, map[string]any{"id": "P-1", "title": "路灯失修", "category": "群众需要解决的问题", "state": "closed", "opinions": []string{"a"},
			"tasks": []any{map[string]any{"id": "T-1", "lead": "城管科", "official": "official", "leader": "leader", "closed": true}}}
	})
	code, zh, _ := runIn(t, "", "--server", api.URL, "problem", "show", "P-1")
	require.Equal(t, exitOK, code)
	require.Contains(t, zh, "已完成")
	require.Regexp(t, `T-1 +城管科 +- +official +leader +是`, zh)
	_, en, _ := runIn(t, "", "--lang", "en", "--server", api.URL, "problem", "show", "P-1")
	require.Contains(t, en, "closed")
	require.Regexp(t, `T-1 +城管科 +- +official +leader +Yes`, en)
	inOneLanguage(t, zh, en, false, "P-1", "T-1", "路灯失修", "群众需要解决的问题", "城管科", "official", "leader", "ID")
}

// newRawAPI answers every request with status and body as they are.
func newRawAPI(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}
