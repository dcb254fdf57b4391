package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"

	"rectify/internal/web/i18n"
)

// env is what every command shares: where to write, which server, which token, and
// whether the user wants raw JSON.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
	stdin          io.Reader

	server  string
	token   string // never printed, not even in help defaults
	jsonOut bool
	lang    string // i18n.Chinese or i18n.English
}

// t is a text of the catalogue in the language starter speaks.
func (e *env) t(key string, args ...any) string { return i18n.Text(e.lang, key, args...) }

// acceptLanguage is how starter asks the server to answer in its language.
var acceptLanguage = map[string]string{i18n.Chinese: "zh-CN", i18n.English: "en"}

// language is the language starter speaks: --lang wherever it is on the command
// line (help may come before it), else English for an English locale, else
// Chinese. A --lang that is neither is left to the flag to refuse.
func language(args []string, getenv func(string) string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		v, ok := "", false
		switch {
		case a == "--lang" || a == "-lang":
			if i+1 < len(args) {
				v, ok = args[i+1], true
			}
		case strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang="):
			_, v, ok = strings.Cut(a, "=")
		}
		if ok && (v == i18n.Chinese || v == i18n.English) {
			return v
		}
	}
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			return i18n.FromLocale(v)
		}
	}
	return i18n.Chinese
}

// registerGlobals adds --server, --token, --json and --lang to fs. They are
// registered on every level, so "starter opinion list --json" works as well as
// "starter --json opinion list"; both write the same fields.
func (e *env) registerGlobals(fs *flag.FlagSet) {
	fs.StringVar(&e.server, "server", e.server, e.t("cli.flag.server"))
	fs.StringVar(&e.token, "token", e.token, e.t("cli.flag.token"))
	fs.BoolVar(&e.jsonOut, "json", e.jsonOut, e.t("cli.flag.json"))
	fs.Func("lang", e.t("cli.flag.lang"), func(v string) error {
		if v != i18n.Chinese && v != i18n.English {
			return errors.New(e.t("cli.err.lang", v))
		}
		e.lang = v
		return nil
	})
}

// globalFlags names the flags registerGlobals adds, so a command's help can list only
// its own flags.
var globalFlags = map[string]bool{"server": true, "token": true, "json": true, "lang": true}

// client builds the API client from the flags as finally parsed. A malformed --server
// is a command-line mistake, so callers report it with exit status 2.
func (e *env) client() (*client, error) {
	return newClient(e.server, e.token, e.lang)
}

// fail reports an error from the server or the network and returns exit status 1.
func (e *env) fail(err error) int {
	fmt.Fprintln(e.stderr, e.t("cli.msg.error", err))
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == 401 && e.token == "" {
		fmt.Fprintln(e.stderr, e.t("cli.msg.no_token"))
	}
	return exitFail
}

// show prints a successful response: indented as received with --json, otherwise
// through render. If the body does not have the shape render expects, the user still
// gets the data (as JSON) rather than an error for a request that succeeded.
func (e *env) show(body []byte, render func(w io.Writer, body []byte) error) int {
	if e.jsonOut {
		printJSON(e.stdout, body)
		return exitOK
	}
	if err := render(e.stdout, body); err != nil {
		fmt.Fprintln(e.stderr, e.t("cli.msg.unexpected", err))
		printJSON(e.stdout, body)
	}
	return exitOK
}

// notes is where a command that follows work on the server says what it does before
// the result (progress, a question): where the result goes, but stderr with --json,
// which keeps stdout for the JSON.
func (e *env) notes() io.Writer {
	if e.jsonOut {
		return e.stderr
	}
	return e.stdout
}

// cmdline is one invocation of a leaf command: its flag set (globals already
// registered) and its raw arguments. The leaf adds its own flags, then calls parse.
type cmdline struct {
	env  *env
	cmd  *command
	path string // "starter opinion list"
	fs   *flag.FlagSet
	args []string
}

// parse parses flags anywhere among the arguments and checks the number of
// positional arguments. When ok is false the command must return code at once: help
// was printed (0) or the command line was wrong (2).
func (c *cmdline) parse(minArgs, maxArgs int) (pos []string, code int, ok bool) {
	pos, err := parseInterspersed(c.fs, c.args)
	if err != nil {
		if isHelp(err) {
			printLeafUsage(c.env, c.cmd, c.path, c.fs)
			return nil, exitOK, false
		}
		return nil, c.usageError(c.env.flagError(c.fs, err)), false
	}
	if len(pos) > maxArgs {
		extra := pos[maxArgs]
		msg := c.env.t("cli.err.argument", extra)
		if extra == "true" || extra == "false" {
			msg = c.env.t("cli.err.argument_bool", extra)
		}
		return nil, c.usageError(msg), false
	}
	for _, p := range pos {
		if strings.TrimSpace(p) == "" {
			// An empty id would turn GET /opinions/{id} into a different endpoint.
			return nil, c.usageError(c.env.t("cli.err.empty_argument", c.path+" "+c.cmd.synopsis)), false
		}
	}
	if len(pos) < minArgs {
		return nil, c.usageError(c.env.t("cli.err.missing_argument", c.path+" "+c.cmd.synopsis)), false
	}
	return pos, exitOK, true
}

// usageError reports a command-line mistake and returns exit status 2.
func (c *cmdline) usageError(msg string) int {
	return usageError(c.env, c.path, msg)
}

// set reports which flags were given on the command line, so that only those reach
// a request body or a query string.
func (c *cmdline) set() map[string]bool {
	seen := map[string]bool{}
	c.fs.Visit(func(f *flag.Flag) { seen[f.Name] = true })
	return seen
}

// client is env.client with a bad --server reported as a usage error. ok false means
// return code.
func (c *cmdline) client() (cl *client, code int, ok bool) {
	cl, err := c.env.client()
	if err != nil {
		return nil, c.usageError(err.Error()), false
	}
	return cl, exitOK, true
}

// usageError prints "<path>: <msg>" and where to find help, and returns exit status 2.
func usageError(e *env, path, msg string) int {
	fmt.Fprintf(e.stderr, "%s: %s\n%s\n", path, msg, e.t("cli.err.see_help", path))
	return exitUsage
}

// newFlagSet returns a flag set that reports errors to its caller instead of printing
// them, so that help goes to stdout with status 0 and mistakes to stderr with 2.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// flagError is a mistake the flag package found, in starter's language, naming
// the flag and the value. The package says its mistakes in English only, with
// the value's refusal (its own "parse error", or a flag's own words, already in
// the catalogue's) after a colon; the flag's kind says what was wanted.
func (e *env) flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return e.t("cli.err.flag_unknown", name)
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: "); ok {
		return e.t("cli.err.flag_needs_value", name)
	}
	if arg, ok := strings.CutPrefix(msg, "bad flag syntax: "); ok {
		return e.t("cli.err.flag_syntax", arg)
	}
	m := flagValueError.FindStringSubmatch(msg)
	if m == nil {
		// The package's one other mistake, a boolean flag refusing a bare "true",
		// cannot befall starter's flags.
		return e.t("cli.err.flag_syntax", msg)
	}
	value, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		value = m[1]
	}
	name, why := m[2], m[3]
	switch {
	case why == "value out of range":
		return e.t("cli.err.flag_range", name, value)
	case isBoolFlag(fs.Lookup(name)):
		return e.t("cli.err.flag_bool", name, value)
	case why != "parse error":
		return why // the flag's own refusal (--lang's), from the catalogue
	}
	return e.t("cli.err.flag_number", name, value)
}

// flagValueError reads the flag package's refusal of a value: `invalid value "x"
// for flag -name: why`, or for a boolean `invalid boolean value "x" for -name: why`.
var flagValueError = regexp.MustCompile(`(?s)^invalid (?:boolean )?value (".*") for (?:flag )?-([^:\s]+): (.*)$`)

// isBoolFlag reports whether f takes true or false (a standard boolean, or
// explicitBool).
func isBoolFlag(f *flag.Flag) bool {
	if f == nil {
		return false
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// isHelp reports whether parsing stopped because of -h or --help.
func isHelp(err error) bool { return errors.Is(err, flag.ErrHelp) }

// parseInterspersed parses flags wherever they appear, because people write
// "act <id> assign --official x" with the positional arguments first; the standard
// flag package stops at the first non-flag. After "--" everything is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// commandKey names a command in the catalogue: "opinion.list" for "starter
// opinion list", "starter" for starter itself. Its help is cli.cmd.<key>.summary
// and cli.cmd.<key>.about.
func commandKey(path string) string {
	if path == "starter" {
		return path
	}
	return strings.ReplaceAll(strings.TrimPrefix(path, "starter "), " ", ".")
}

// about is what a command does, as its help says it.
func (e *env) about(cmd *command, path string) string {
	about := e.t("cli.cmd." + commandKey(path) + ".about")
	if cmd.more != nil {
		about += "\n" + cmd.more(e)
	}
	return about
}

// printGroupUsage writes the help of a group of commands (or of starter itself) to w.
func printGroupUsage(e *env, w io.Writer, cmd *command, path string) {
	fmt.Fprintf(w, "%s\n  %s", e.t("cli.help.usage"), path)
	if path == "starter" {
		fmt.Fprint(w, e.t("cli.help.global_synopsis"))
	}
	fmt.Fprintf(w, "%s\n\n%s\n\n", e.t("cli.help.group_synopsis"), e.about(cmd, path))
	fmt.Fprintln(w, e.t("cli.help.commands"))
	var t table
	var walk func(prefix string, c *command)
	walk = func(prefix string, c *command) {
		for _, s := range c.subs {
			if s.run != nil {
				t.row("  "+prefix+s.name, e.t("cli.cmd."+commandKey(path+" "+prefix+s.name)+".summary"))
			} else {
				walk(prefix+s.name+" ", s)
			}
		}
	}
	walk("", cmd)
	t.row("  "+e.t("cli.help.help_cmd"), e.t("cli.help.help_row"))
	if path == "starter" {
		t.row("  --version", e.t("cli.help.version_row"))
	}
	t.write(w)
	fmt.Fprintln(w)
	// Written from the catalogue rather than from the flag set, so that help can
	// never show the token's current value.
	fmt.Fprintln(w, e.t("cli.help.globals"))
	fmt.Fprintf(w, "\n%s\n", e.t("cli.help.more", path))
	fmt.Fprintf(w, "\n%s\n%s\n", e.t("cli.help.example"), indent(cmd.example))
}

// printLeafUsage writes a command's help: usage line, what it does, its own flags and
// an example.
func printLeafUsage(e *env, cmd *command, path string, fs *flag.FlagSet) {
	w := e.stdout
	fmt.Fprintf(w, "%s\n  %s %s\n\n%s\n", e.t("cli.help.usage"), path, cmd.synopsis, e.about(cmd, path))
	var t table
	fs.VisitAll(func(f *flag.Flag) {
		if globalFlags[f.Name] {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		left := "  --" + f.Name
		if _, ok := f.Value.(*explicitBool); ok {
			name = "=true|false" // such booleans need the '=' to say false
		} else if name == "string" {
			name = " " + e.t("cli.help.text")
		} else if name != "" {
			name = " " + name
		}
		left += name
		t.row(left, usage)
	})
	if len(t.rows) > 0 {
		fmt.Fprintf(w, "\n%s\n", e.t("cli.help.flags"))
		t.write(w)
	}
	fmt.Fprintf(w, "\n%s\n", e.t("cli.help.globals_here"))
	fmt.Fprintf(w, "\n%s\n%s\n", e.t("cli.help.example"), indent(cmd.example))
}

// indent prefixes every line of s with two spaces.
func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// readJSONFile reads a JSON document from path ("-" is stdin). A syntax error names
// the file, line and column, so a person can find the mistake in a long batch.
func readJSONFile(e *env, path string) (json.RawMessage, error) {
	data, err := readInput(e, path)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, e.jsonError(path, data, err)
	}
	return raw, nil
}

// jsonError says that the file at path is not valid JSON, in starter's language,
// with where (for a syntax error) and the decoder's own words after it.
func (e *env) jsonError(path string, data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(data, se.Offset)
		return errors.New(e.t("cli.err.json_at", path, line, col, se))
	}
	return errors.New(e.t("cli.err.json", path, err))
}

// readInput reads the file at path, or stdin for "-".
func readInput(e *env, path string) ([]byte, error) {
	if path == "-" {
		data, err := io.ReadAll(e.stdin)
		if err != nil {
			return nil, e.fileError(path, err)
		}
		return data, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, e.fileError(path, err)
	}
	return data, nil
}

// fileError says that starter cannot read the file at path, in its language: a
// missing file and a forbidden one in words, anything else with the system's own
// words for why after the sentence.
func (e *env) fileError(path string, err error) error { return fileError(e, path, err) }

// speaker is what says a text in starter's language: the env, or the client.
type speaker interface {
	t(key string, args ...any) string
}

// fileError is env.fileError for whichever speaks.
func fileError(s speaker, path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New(s.t("cli.err.file_missing", path))
	case errors.Is(err, fs.ErrPermission):
		return errors.New(s.t("cli.err.file_denied", path))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the path is in the sentence already
	}
	return errors.New(s.t("cli.err.file", path, err))
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = 1 + strings.Count(string(before), "\n")
	col = int(offset) - strings.LastIndexByte(string(before), '\n')
	return line, col
}

// word is a state, an overdue level, an action or a problem's state as starter
// shows it to a person: in Chinese the catalogue's word for it (整改中 for
// in_progress, the text of prefix+code), in English the code itself, the word
// the flags take; "-" for none.
func (e *env) word(prefix, code string) string {
	if e.lang != i18n.English {
		if w, ok := i18n.Catalogue(e.lang)[prefix+code]; ok {
			return w
		}
	}
	return dash(code)
}

// kind is a JSON value's kind (jsonKind) in starter's language.
func (e *env) kind(k string) string { return e.t("cli.json." + strings.ReplaceAll(k, " ", "_")) }

// jsonKind names the kind of a JSON value, for messages like "want an object, got an array".
func jsonKind(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// showOne is a command that takes one id: it GETs the path made of it and shows
// the answer with render (or as JSON with --json).
func showOne(e *env, c *cmdline, path func(id string) string, render func(io.Writer, []byte) error) int {
	pos, code, ok := c.parse(1, 1)
	if !ok {
		return code
	}
	cl, code, ok := c.client()
	if !ok {
		return code
	}
	resp, err := cl.do(e.ctx, http.MethodGet, path(pos[0]), nil, nil)
	if err != nil {
		return e.fail(err)
	}
	return e.show(resp, render)
}
