// Command worker runs rectify. With no TEMPORAL_ADDRESS it is the whole product in
// one process: an embedded Temporal server with its Web UI, the worker, and the
// HTTP API. With TEMPORAL_ADDRESS it joins an external cluster as a worker and, when
// RECTIFY_ROLES includes http, as an API node.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"rectify/internal/app"
	"rectify/internal/config"
)

func main() {
	if len(os.Args) > 1 && (os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help") {
		fmt.Print(usage)
		return
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
	a, err := app.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Stop()
	logger.Info("rectify ready", "api", "http://"+a.HTTPAddr, "temporal_ui", cfg.TemporalUIURL, "data_dir", cfg.DataDir)
	err = a.Wait(ctx)
	logger.Info("shutting down")
	return err
}

const usage = `worker — runs rectify (see README.md for everything below).

Environment (defaults in brackets):
  RECTIFY_DATA_DIR          data folder: temporal.db, rectify.db, demo users [./data]
  RECTIFY_HTTP_ADDR         API address [127.0.0.1:8080]
  TEMPORAL_ADDRESS          external Temporal frontend; unset runs the embedded server
  RECTIFY_EMBEDDED_ADDR     embedded server's frontend [127.0.0.1:7233]
  RECTIFY_EMBEDDED_UI_ADDR  embedded Temporal Web UI, or off [127.0.0.1:8233]
  TEMPORAL_NAMESPACE        namespace [default]
  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY
  RECTIFY_ROLES             worker,http [both when embedded; worker with TEMPORAL_ADDRESS]
  RECTIFY_USERS             users file (JSON)
  RECTIFY_DEMO              on, off or auto (seed only into an empty data folder) [off]
  RECTIFY_CALENDAR          holiday file merged over the built-in calendar
  RECTIFY_IMPORT_MAX_BYTES  largest ledger file to import [52428800]
  RECTIFY_IMPORT_MAX_ROWS   most rows in one ledger file [200000]
  RECTIFY_WEBHOOK_URL       post notifications as JSON here (default: log them)
  RECTIFY_LOG_LEVEL         debug, info, warn, error [info]
  RECTIFY_TEMPORAL_LOG_LEVEL  the embedded server's own log: debug … fatal [fatal]
`
