// Command worker runs rectify. With no TEMPORAL_ADDRESS it is the whole product in
// one process: an embedded Temporal server with its Web UI, the worker, and the
// HTTP API. RECTIFY_ROLES splits it for a cluster: server nodes (the embedded server
// on PostgreSQL, any number of them on one database), worker nodes and API nodes,
// the latter two dialing TEMPORAL_ADDRESS.
package main

import (
	"context"
	"fmt"
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
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "-h", "-help", "--help", "help":
			fmt.Print(usage())
			return
		case "-version", "--version", "version":
			_ = buildinfo.Read().Write(os.Stdout, "rectify-worker", true)
			return
		default:
			fmt.Fprintf(os.Stderr, "rectify-worker: unknown argument %q; it takes --help or --version, and reads its configuration from the environment\n", os.Args[1])
			os.Exit(2)
		}
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
  rectify-worker             run, configured by the environment below
  rectify-worker --version   the build: rectify's version and commit, Go's, and the
                             Temporal server's, SDK's and Web UI server's
  rectify-worker --help      this text

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
