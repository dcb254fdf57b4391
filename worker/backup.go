package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"rectify/internal/backup"
	"rectify/internal/config"
	"rectify/internal/demo"
	"rectify/internal/store"
)

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
		res, err = backup.Take(ctx, files, args[0])
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
