// Command starter is the campaign office's command-line client of rectify's HTTP API
// (docs/api.md). It is deliberately thin: every command is one or a
// few API calls, so whatever the shell can do the web UI can do too, and scripts can
// drive an opinion through its whole lifecycle.
//
//	starter [global flags] <command> [flags] [args]
//	starter --version
//
// Exit status: 0 success, 1 the server refused or could not be reached, 2 the command
// line itself is wrong.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"

	"rectify/internal/buildinfo"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes, as scripts see them.
const (
	exitOK    = 0
	exitFail  = 1 // the API or the network said no
	exitUsage = 2 // the command line is wrong; nothing was sent
)

// run is the whole program minus the process: tests call it directly instead of
// starting a subprocess.
func run(args []string, stdout, stderr io.Writer) int {
	// Ctrl-C cancels the request in flight instead of killing the process, so a batch
	// submit can still say which items were sent, and an import can say that it goes on
	// on the server.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return runContext(ctx, args, os.Stdin, stdout, stderr)
}

// runContext is run with the context standing for Ctrl-C and the standard input, so
// tests can interrupt and answer.
func runContext(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{
		ctx:    ctx,
		stdout: stdout,
		stderr: stderr,
		stdin:  stdin,
		server: defaultServer(),
		token:  os.Getenv("RECTIFY_TOKEN"),
		lang:   language(args, os.Getenv),
	}
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		_ = buildinfo.Read().Write(stdout, "starter", false)
		return exitOK
	}
	root := commandTree()

	fs := newFlagSet("starter")
	e.registerGlobals(fs)
	if err := fs.Parse(args); err != nil {
		if isHelp(err) {
			printGroupUsage(e, stdout, root, "starter")
			return exitOK
		}
		return usageError(e, "starter", e.flagError(fs, err))
	}
	return dispatch(e, root, "starter", fs.Args())
}

// defaultServer is where starter goes without --server: $RECTIFY_URL, else the
// address the one-command run listens on.
func defaultServer() string {
	if s := os.Getenv("RECTIFY_URL"); s != "" {
		return s
	}
	return "http://127.0.0.1:8080"
}

// command is one node of the command tree: either a group of subcommands or a leaf
// that runs. Adding a command is one more entry in commandTree and a function with the
// leaf signature; help, dispatch and error messages follow from it.
//
// What a command does is in the catalogue, in each language: a one-line summary for
// its parent's command list, and what it does and why for its --help (see
// commandKey).
type command struct {
	name     string
	synopsis string              // arguments after the command path, for the Usage line
	more     func(e *env) string // what --help shows after the catalogue's text (act's actions)
	example  string              // at least one runnable example, shown by --help
	subs     []*command
	run      func(e *env, c *cmdline) int
}

// commandTree lists everything starter can do, in the order help shows it.
func commandTree() *command {
	return &command{
		name: "starter",
		example: "export RECTIFY_URL=http://127.0.0.1:8080 RECTIFY_TOKEN=demo-office\n" +
			"starter campaign list\n" +
			"starter import --campaign <campaign-id> opinions.xlsx\n" +
			"starter opinion list --overdue",
		subs: []*command{
			{
				name:    "campaign",
				example: "starter campaign create --file campaign.json\nstarter campaign stats <campaign-id>",
				subs: []*command{
					campaignCreateCmd,
					campaignListCmd,
					campaignStatsCmd,
					campaignLedgerCmd,
					campaignSettingsCmd,
				},
			},
			{
				name:    "opinion",
				example: "starter opinion submit --campaign <campaign-id> --file opinions.json\nstarter opinion list --mine",
				subs: []*command{
					opinionSubmitCmd,
					opinionListCmd,
					opinionShowCmd,
				},
			},
			{
				name:    "problem",
				example: "starter problem create --campaign <campaign-id> --title <title> --opinions <id>,<id>\nstarter problem add-task <problem-id> --lead 城管科 --official official --leader leader",
				subs: []*command{
					problemCreateCmd,
					problemTaskCmd,
					problemShowCmd,
				},
			},
			actCmd,
			bulkCmd,
			importCmd,
			{
				name:    "batch",
				example: "starter batch show <batch-id>\nstarter batch show <batch-id> --rejections rejected.xlsx",
				subs: []*command{
					batchShowCmd,
				},
			},
		},
	}
}

// find returns the subcommand called name, or nil.
func (c *command) find(name string) *command {
	for _, s := range c.subs {
		if s.name == name {
			return s
		}
	}
	return nil
}

// dispatch walks the command tree along args until it reaches a leaf, then runs it.
// path is the command line so far ("starter opinion"), used in every message so the
// user sees exactly which level complained.
func dispatch(e *env, cmd *command, path string, args []string) int {
	if cmd.run != nil {
		fs := newFlagSet(path)
		e.registerGlobals(fs)
		return cmd.run(e, &cmdline{env: e, cmd: cmd, path: path, fs: fs, args: args})
	}
	if len(args) == 0 {
		printGroupUsage(e, e.stderr, cmd, path)
		return exitUsage
	}
	switch name := args[0]; {
	case name == "help":
		// "starter help opinion list" is "starter opinion list --help".
		if len(args) == 1 {
			printGroupUsage(e, e.stdout, cmd, path)
			return exitOK
		}
		return dispatch(e, cmd, path, append(append([]string{}, args[1:]...), "--help"))
	case name == "-h" || name == "-help" || name == "--help":
		printGroupUsage(e, e.stdout, cmd, path)
		return exitOK
	case strings.HasPrefix(name, "-"):
		return usageError(e, path, e.t("cli.err.flag_before_command", name))
	default:
		sub := cmd.find(name)
		if sub == nil {
			return usageError(e, path, e.t("cli.err.unknown_command", name, strings.Join(subNames(cmd), ", ")))
		}
		return dispatch(e, sub, path+" "+sub.name, args[1:])
	}
}

// subNames lists a group's subcommands for error messages.
func subNames(cmd *command) []string {
	names := make([]string, 0, len(cmd.subs))
	for _, s := range cmd.subs {
		names = append(names, s.name)
	}
	return names
}
