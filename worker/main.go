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
	"syscall"

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
			fmt.Print(usage)
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

const usage = `worker — runs rectify (see README.md for everything below).

Environment (defaults in brackets):
  RECTIFY_DATA_DIR          data folder: temporal.db, rectify.db, demo users [./data]
  RECTIFY_HTTP_ADDR         API address [127.0.0.1:8080]
  TEMPORAL_ADDRESS          external Temporal frontend; unset runs the embedded server
  RECTIFY_ROLES             server, worker, http or all, comma-separated
                            [server,worker,http; worker with TEMPORAL_ADDRESS]
  RECTIFY_EMBEDDED_ADDR     embedded server's frontend [127.0.0.1:7233]
  RECTIFY_EMBEDDED_UI_ADDR  embedded Temporal Web UI, or off [127.0.0.1:8233]
  RECTIFY_TEMPORAL_DB       embedded server on PostgreSQL: postgres://user:pass@host:port/db
                            [SQLite temporal.db in the data folder]
  RECTIFY_TEMPORAL_VISIBILITY_DB  visibility store's database [RECTIFY_TEMPORAL_DB]
  RECTIFY_TEMPORAL_SHARDS   history shards, fixed at the first start [1 SQLite, 16 PostgreSQL]
  RECTIFY_TEMPORAL_BROADCAST_ADDR  IP other server nodes reach this one at
                            [host of RECTIFY_EMBEDDED_ADDR; 127.0.0.1 for 0.0.0.0]
  RECTIFY_TEMPORAL_PORTS    history,matching,worker gRPC ports of a cluster node, e.g.
                            7234,7235,7239 (membership ports 100 above) [chosen, kept]
  RECTIFY_TEMPORAL_SERVER_TLS_CERT, RECTIFY_TEMPORAL_SERVER_TLS_KEY
                            a server node's certificate and key: TLS on every port [off]
  RECTIFY_TEMPORAL_SERVER_TLS_CA  CA of the nodes' and clients' certificates (required)
  RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH  frontend requires client certificates [on]
  RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME  name checked in nodes' certificates [the IP]
  RECTIFY_STORE_URL         reporting store [rectify.db in the data folder]
  TEMPORAL_NAMESPACE        namespace [default]
  TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME, TEMPORAL_API_KEY
  RECTIFY_USERS             users file (JSON)
  RECTIFY_DEMO              on, off or auto (seed only into an empty data folder) [off]
  RECTIFY_CALENDAR          holiday file merged over the built-in calendar
  RECTIFY_IMPORT_MAX_BYTES  largest ledger file to import [52428800]
  RECTIFY_IMPORT_MAX_ROWS   most rows in one ledger file [200000]
  RECTIFY_WEBHOOK_URL       post notifications as JSON here (default: log them)
  RECTIFY_LOG_LEVEL         debug, info, warn, error [info]
  RECTIFY_TEMPORAL_LOG_LEVEL  the embedded server's own log: debug … fatal [fatal]
  RECTIFY_METRICS_ADDR      /metrics, /healthz and /readyz on their own address
`
