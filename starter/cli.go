package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
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
}

// registerGlobals adds --server, --token and --json to fs. They are registered on
// every level, so "starter opinion list --json" works as well as
// "starter --json opinion list"; both write the same fields.
func (e *env) registerGlobals(fs *flag.FlagSet) {
	fs.StringVar(&e.server, "server", e.server, "rectify server `URL`")
	fs.StringVar(&e.token, "token", e.token, "API `TOKEN`")
	fs.BoolVar(&e.jsonOut, "json", e.jsonOut, "print raw JSON instead of tables")
}

// globalFlags names the flags registerGlobals adds, so a command's help can list only
// its own flags.
var globalFlags = map[string]bool{"server": true, "token": true, "json": true}

// client builds the API client from the flags as finally parsed. A malformed --server
// is a command-line mistake, so callers report it with exit status 2.
func (e *env) client() (*client, error) {
	return newClient(e.server, e.token)
}

// fail reports an error from the server or the network and returns exit status 1.
func (e *env) fail(err error) int {
	fmt.Fprintf(e.stderr, "error: %v\n", err)
	var ae *apiError
	if errors.As(err, &ae) && ae.Status == 401 && e.token == "" {
		fmt.Fprintln(e.stderr, "hint: no token was given; set RECTIFY_TOKEN or pass --token")
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
		fmt.Fprintf(e.stderr, "warning: unexpected response (%v); printing it as JSON\n", err)
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
			printLeafUsage(c.env.stdout, c.cmd, c.path, c.fs)
			return nil, exitOK, false
		}
		return nil, c.usageError(err.Error()), false
	}
	if len(pos) > maxArgs {
		extra := pos[maxArgs]
		msg := fmt.Sprintf("unexpected argument %q", extra)
		if extra == "true" || extra == "false" {
			msg += fmt.Sprintf(" (boolean flags take their value after '=', e.g. --approve=%s)", extra)
		}
		return nil, c.usageError(msg), false
	}
	for _, p := range pos {
		if strings.TrimSpace(p) == "" {
			// An empty id would turn GET /opinions/{id} into a different endpoint.
			return nil, c.usageError("empty argument: usage is " + c.path + " " + c.cmd.synopsis), false
		}
	}
	if len(pos) < minArgs {
		return nil, c.usageError(fmt.Sprintf("missing argument: usage is %s %s", c.path, c.cmd.synopsis)), false
	}
	return pos, exitOK, true
}

// usageError reports a command-line mistake and returns exit status 2.
func (c *cmdline) usageError(msg string) int {
	return usageError(c.env.stderr, c.path, msg)
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
func usageError(w io.Writer, path, msg string) int {
	fmt.Fprintf(w, "%s: %s\nRun '%s --help' for usage.\n", path, msg, path)
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

// printGroupUsage writes the help of a group of commands (or of starter itself).
func printGroupUsage(w io.Writer, cmd *command, path string) {
	fmt.Fprintf(w, "Usage:\n  %s", path)
	if path == "starter" {
		fmt.Fprint(w, " [global flags]")
	}
	fmt.Fprint(w, " <command> [flags] [args]\n\n")
	if path == "starter" {
		fmt.Fprint(w, "starter is the campaign office's command-line client of rectify's HTTP API.\n\n")
	} else if cmd.about != "" {
		fmt.Fprintf(w, "%s\n\n", cmd.about)
	}
	fmt.Fprint(w, "Commands:\n")
	var t table
	var walk func(prefix string, c *command)
	walk = func(prefix string, c *command) {
		for _, s := range c.subs {
			if s.run != nil {
				t.row("  "+prefix+s.name, s.summary)
			} else {
				walk(prefix+s.name+" ", s)
			}
		}
	}
	walk("", cmd)
	t.row("  help <command>", "show a command's flags and an example")
	if path == "starter" {
		t.row("  --version", "print the build: module version, commit, Go version")
	}
	t.write(w)
	fmt.Fprintln(w)
	fmt.Fprint(w, globalUsage)
	fmt.Fprintf(w, "\nRun '%s <command> --help' for a command's flags.\n", path)
	fmt.Fprintf(w, "\nExample:\n%s\n", indent(cmd.example))
}

// globalUsage is written by hand rather than from the flag set so that help can
// never show the token's current value.
const globalUsage = `Global flags (before or after the command):
  --server URL    rectify server (default $RECTIFY_URL, else http://127.0.0.1:8080)
  --token TOKEN   API token, sent as "Authorization: Bearer TOKEN" (default $RECTIFY_TOKEN;
                  prefer the variable: command-line flags are visible to other users)
  --json          print the server's JSON response, indented, instead of tables

Exit status: 0 success, 1 the server refused or could not be reached, 2 bad command line.
`

// printLeafUsage writes a command's help: usage line, what it does, its own flags and
// an example.
func printLeafUsage(w io.Writer, cmd *command, path string, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage:\n  %s %s\n\n%s\n", path, cmd.synopsis, cmd.about)
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
			name = " TEXT"
		} else if name != "" {
			name = " " + name
		}
		left += name
		t.row(left, usage)
	})
	if len(t.rows) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		t.write(w)
	}
	fmt.Fprint(w, "\nGlobal flags --server, --token and --json are accepted here too (see 'starter --help').\n")
	fmt.Fprintf(w, "\nExample:\n%s\n", indent(cmd.example))
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
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, fmt.Errorf("%s:%d:%d: %v", path, line, col, se)
		}
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return raw, nil
}

// readInput reads the file at path, or stdin for "-".
func readInput(e *env, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(e.stdin)
	}
	return os.ReadFile(path)
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
