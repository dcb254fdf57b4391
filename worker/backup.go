package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"rectify/internal/backup"
	"rectify/internal/config"
	"rectify/internal/demo"
	"rectify/internal/store"
)

// backupOptions are the backup's options: none but in a test (BetweenCopies).
var backupOptions []backup.Option

// backupCommand runs "backup DIR" or "restore DIR" on the one-machine installation
// the environment names (RECTIFY_DATA_DIR, RECTIFY_STORE_URL, RECTIFY_PAYLOAD_KEY_FILE).
func backupCommand(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) != 1 || args[0] == "" || args[0][0] == '-' {
		fmt.Fprintf(stderr, "Usage: rectify-worker %s DIR\n", name)
		if name == "backup" {
			fmt.Fprintln(stderr, "Copies the running one-machine installation (temporal.db, rectify.db, payload.keys, and a demo's users) into the new folder DIR.")
		} else {
			fmt.Fprintln(stderr, "Puts the backup in DIR into the data folder (RECTIFY_DATA_DIR), which must hold no databases; rectify must be stopped.")
		}
		return exitUsage
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "rectify: configuration: %v\n", err)
		return exitUsage
	}
	if cfg.TemporalDB != nil || cfg.TemporalAddress != "" || store.IsPostgres(cfg.StorePath()) {
		fmt.Fprintf(stderr, "%s: this is a one-machine command (SQLite in the data folder); back up a PostgreSQL cluster with pg_dump or base backups (docs/operations.md)\n", name)
		return exitUsage
	}
	files := backup.Sources{
		Temporal:   filepath.Join(cfg.DataDir, backup.TemporalDB),
		Store:      cfg.StorePath(),
		PayloadKey: cfg.PayloadKeyFile,
		DemoUsers:  demo.UsersFile(cfg.DataDir),
	}
	var res backup.Result
	if name == "backup" {
		res, err = backup.Take(ctx, files, args[0], backupOptions...)
	} else {
		res, err = backup.Restore(ctx, args[0], files)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, f := range res.Files {
		fmt.Fprintf(stdout, "%s\t%d bytes\n", f.Name, f.Size)
	}
	return exitOK
}

// recheckCommand runs "recheck SINCE" on the reporting store the environment names
// (RECTIFY_STORE_URL or the data folder): after restoring the dumps of a running
// PostgreSQL cluster, its writes since SINCE, when the dump of the store began,
// are checked against the workflows, and the workflows started or moved since
// brought into the store, by the first worker that starts.
func recheckCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var since time.Time
	var err error
	if len(args) == 1 {
		since, err = time.Parse(time.RFC3339, args[0])
	}
	if len(args) != 1 || err != nil {
		fmt.Fprintln(stderr, "Usage: rectify-worker recheck SINCE")
		fmt.Fprintln(stderr, "Has the first worker to start check the restored reporting store against the workflows since SINCE (RFC 3339, e.g. 2026-12-07T02:00:00Z: when the store's dump began): its writes since then are put back to what their workflows recorded, and the opinions started or moved since then are brought into it.")
		return exitUsage
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "rectify: configuration: %v\n", err)
		return exitUsage
	}
	n, err := backup.Recheck(ctx, cfg.StorePath(), since)
	if err != nil {
		fmt.Fprintf(stderr, "recheck: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%d opinions and tasks marked; the first worker to start checks them, and the workflows started or moved since, against the store\n", n)
	return exitOK
}
