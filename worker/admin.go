package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"rectify/internal/config"
	"rectify/internal/service"
	"rectify/internal/store"
)

// createAdmin makes an admin in the reporting store the environment names, and
// prints their first password, which they change at their first sign-in: the way
// into an installation without a users file. A username already taken is refused.
func createAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "the admin's name, as pages show it")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: rectify-worker create-admin [--name NAME] USERNAME")
		fmt.Fprintln(stderr, "Creates an admin in the reporting store (RECTIFY_DATA_DIR or RECTIFY_STORE_URL) and prints a first password.")
		fs.PrintDefaults()
	}
	// The username may come before the flags too.
	var username string
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		username, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if username == "" && fs.NArg() == 1 {
		username = fs.Arg(0)
	} else if fs.NArg() != 0 || username == "" {
		fs.Usage()
		return exitUsage
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "rectify: configuration: %v\n", err)
		return exitUsage
	}
	if !store.IsPostgres(cfg.StorePath()) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			fmt.Fprintf(stderr, "create-admin: data dir: %v\n", err)
			return 1
		}
	}
	st, err := store.Open(cfg.StorePath())
	if err != nil {
		fmt.Fprintf(stderr, "create-admin: %v\n", err)
		return 1
	}
	defer func() { _ = st.Close() }()
	svc := service.New(service.Config{Store: st, Now: time.Now, Logger: slog.New(slog.DiscardHandler)})
	password, err := svc.CreateAdmin(ctx, username, *name)
	if err != nil {
		fmt.Fprintf(stderr, "create-admin: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "admin %s created; first password (change it at the first sign-in):\n%s\n", username, password)
	return exitOK
}
