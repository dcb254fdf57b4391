// Command worker runs rectify. With no TEMPORAL_ADDRESS it is the whole product in
// one process: an embedded Temporal server with its Web UI, the worker, and the
// HTTP API. RECTIFY_ROLES splits it for a cluster: server nodes (the embedded server
// on PostgreSQL, any number of them on one database), worker nodes and API nodes,
// the latter two dialing TEMPORAL_ADDRESS.
//
//	rectify-worker               run rectify, configured by the environment
//	rectify-worker bench [flags] measure it against the ceiling of its engine
//	rectify-worker backup DIR    copy a running one-machine installation
//	rectify-worker restore DIR   put such a copy into a new data folder
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"unicode/utf8"

	"rectify/internal/app"
	"rectify/internal/buildinfo"
	"rectify/internal/config"
)

// startOptions stay empty in the product; the crash tests' binary, which doubles as
// the worker, sets them to inject a fault.
var startOptions []app.Option

func main() {
	tuneGC(os.Getenv)
	if code, ok := subcommand(os.Args[1:]); ok {
		os.Exit(code)
	}
	cfg, err := config.FromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rectify: configuration: %v\n", err)
		os.Exit(2)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	if err := run(cfg, logger); err != nil {
		logger.Error("rectify stopped", "err", err)
		os.Exit(1)
	}
}

// subcommand runs what the command line asks for other than rectify itself: help or
// bench. ok is false for any other command line, which runs rectify.
func subcommand(args []string) (code int, ok bool) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return command(ctx, args, os.Stdout, os.Stderr)
}

// command is subcommand without the process, for tests.
func command(ctx context.Context, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "-h", "--help", "help":
		if args[0] == "help" && len(args) > 1 && args[1] == "bench" {
			return runBench(ctx, []string{"--help"}, stdout, stderr), true
		}
		fmt.Fprint(stdout, usage())
		return exitOK, true
	case "-version", "--version", "version":
		_ = buildinfo.Read().Write(stdout, "rectify-worker", true)
		return exitOK, true
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr), true
	case "create-admin":
		return createAdmin(ctx, args[1:], os.Getenv, stdout, stderr), true
	case "backup", "restore":
		return backupCommand(ctx, args[0], args[1:], os.Getenv, stdout, stderr), true
	case "recheck":
		return recheckCommand(ctx, args[1:], os.Getenv, stdout, stderr), true
	}
	fmt.Fprintf(stderr, "rectify-worker: unknown argument %q; it takes bench, create-admin, backup, restore, recheck, --help or --version, and reads its configuration from the environment\n", args[0])
	return exitUsage, true
}

func run(cfg config.Config, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Start(ctx, cfg, logger, startOptions...)
	if err != nil {
		return err
	}
	defer a.Stop()
	logger.Info("rectify ready", "roles", roles(cfg), "api", a.HTTPAddr, "temporal_ui", cfg.TemporalUIURL, "data_dir", cfg.DataDir)
	err = a.Wait(ctx)
	logger.Info("shutting down")
	return err
}

func roles(cfg config.Config) []string {
	var r []string
	for _, role := range []struct {
		name string
		on   bool
	}{{"server", cfg.ServeServer}, {"worker", cfg.ServeWorker}, {"http", cfg.ServeHTTP}} {
		if role.on {
			r = append(r, role.name)
		}
	}
	return r
}

// usageHead is --help's text before the environment variables, which
// config.Vars lists.
const usageHead = `rectify-worker runs rectify. With no TEMPORAL_ADDRESS it is the whole product in
one process; RECTIFY_ROLES splits it for a cluster. README.md says more of all below.

Usage:
  rectify-worker                 run, configured by the environment below
  rectify-worker bench [flags]   ` + benchSummary + `
                                 (its flags: rectify-worker bench --help)
  rectify-worker create-admin [--name NAME] USERNAME
                                 create an admin in the reporting store and print
                                 a first password (changed at the first sign-in)
  rectify-worker backup DIR      copy the running one-machine installation
                                 (temporal.db, rectify.db, payload.keys) into DIR
  rectify-worker restore DIR     put a backup into the data folder (rectify stopped)
  rectify-worker recheck SINCE   after restoring a cluster's pg_dump, have the
                                 store checked against the workflows since SINCE
                                 (when the store's dump, the first, began)
  rectify-worker --version       the build: rectify's version and commit, Go's, and
                                 the Temporal server's, SDK's and Web UI server's
  rectify-worker --help          this text

Environment (defaults in brackets):
`

// Layout of the environment's lines: meanings start at meaningColumn and wrap
// before lineWidth; a longer name has a line of its own.
const (
	meaningColumn = 30
	lineWidth     = 88
)

// usage is the --help text, the variables' lines made from config.Vars.
func usage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	for _, v := range config.Vars {
		text := v.Meaning
		if v.Default != "" {
			text += " [" + v.Default + "]"
		}
		name := "  " + v.Name
		if len(name) > meaningColumn-2 {
			b.WriteString(name + "\n")
			name = ""
		}
		for _, line := range wrap(text, lineWidth-meaningColumn) {
			fmt.Fprintf(&b, "%-*s%s\n", meaningColumn, name, line)
			name = ""
		}
	}
	return b.String()
}

// wrap breaks text at spaces into lines of at most width characters (a longer
// word has a line of its own).
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		switch {
		case line == "":
			line = w
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
			line += " " + w
		default:
			lines = append(lines, line)
			line = w
		}
	}
	return append(lines, line)
}
