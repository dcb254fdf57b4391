// Package engine runs a real Temporal server inside the rectify process: SQLite
// persistence in the data folder, the namespace and rectify's search attributes
// created on every start, and the official Temporal Web UI beside it. It is what
// makes the one-command run possible without downloads or Docker.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives/timestamp"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

const clusterName = "active"

// Options say where the embedded server keeps its data and listens.
type Options struct {
	// DataDir holds temporal.db; it is created when missing.
	DataDir string
	// FrontendAddr is the gRPC address clients and workers dial, e.g. 127.0.0.1:7233;
	// port 0 lets the server choose one (see Server.FrontendAddr).
	FrontendAddr string
	// UIAddr is where the Temporal Web UI listens; empty disables it.
	UIAddr string
	// Namespace is created on every start when missing.
	Namespace string
	// SearchAttributes are added to the namespace on every start when missing.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Retention is how long closed workflow histories are kept.
	Retention time.Duration
	// LogLevel for the server's own log (debug, info, warn, error, fatal). The server
	// logs expected start-up and shutdown races as errors, so the default is fatal.
	LogLevel string
	// MetricsAddr, when set, is where the server serves its own Prometheus metrics.
	MetricsAddr string
}

// Server is a running embedded Temporal server (and Web UI).
type Server struct {
	temporal temporal.Server
	ui       *server.Server
	opts     Options
}

// Start sets up the schema on a new database file, creates the namespace, starts the
// server and waits until it accepts connections with the search attributes in place.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Retention == 0 {
		opts.Retention = 30 * 24 * time.Hour
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "fatal"
	}
	if err := os.MkdirAll(opts.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("engine: create data dir: %w", err)
	}
	host, port, err := splitHostPort(opts.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("engine: frontend address %q: %w", opts.FrontendAddr, err)
	}

	dbPath := filepath.Join(opts.DataDir, "temporal.db")
	sqlCfg := &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: dbPath,
		// WAL with synchronous=NORMAL survives process crashes and is about three times
		// faster than the default journal; see docs/operations.md for the power-loss caveat.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "NORMAL",
			"busy_timeout": "10000",
		},
		MaxConns:     1,
		MaxIdleConns: 1,
	}
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		if err := sqlite.SetupSchema(sqlCfg); err != nil {
			return nil, fmt.Errorf("engine: set up schema in %s: %w", dbPath, err)
		}
	}
	ns, err := sqlite.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("engine: namespace config: %w", err)
	}
	ns.Detail.Config.Retention = timestamp.DurationPtr(opts.Retention)
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("engine: create namespace %q: %w", opts.Namespace, err)
	}

	unlock := sync.OnceFunc(lockPorts())
	defer unlock()
	ports, err := reservePorts(opts.DataDir, host, port)
	if err != nil {
		return nil, err
	}
	opts.FrontendAddr = net.JoinHostPort(host, strconv.Itoa(ports.Frontend))
	cfg := serverConfig(host, ports, sqlCfg)
	if opts.MetricsAddr != "" {
		// The server exits the process when it cannot listen: check first.
		ln, err := net.Listen("tcp", opts.MetricsAddr)
		if err != nil {
			return nil, fmt.Errorf("engine: metrics address %s: %w", opts.MetricsAddr, err)
		}
		_ = ln.Close()
		cfg.Global.Metrics = &metrics.Config{Prometheus: &metrics.PrometheusConfig{
			Framework: metrics.FrameworkOpentelemetry, ListenAddress: opts.MetricsAddr, HandlerPath: "/metrics",
		}}
	}
	logger := log.NewZapLogger(log.BuildZapLogger(log.Config{Level: opts.LogLevel, Format: "json"}))
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
	)
	if err != nil {
		return nil, fmt.Errorf("engine: new server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("engine: start server: %w", err)
	}
	unlock() // every port is bound now
	s := &Server{temporal: srv, opts: opts}
	if err := s.ensureSearchAttributes(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	if opts.UIAddr != "" {
		if err := s.startUI(); err != nil {
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

// FrontendAddr is the address the server's frontend listens on.
func (s *Server) FrontendAddr() string { return s.opts.FrontendAddr }

// Stop shuts the Web UI and the server down.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.temporal.Stop()
}

// ensureSearchAttributes adds any of rectify's search attributes that an older data
// folder lacks, so upgrades need no manual step.
func (s *Server) ensureSearchAttributes(ctx context.Context) error {
	c, err := dialWithRetry(ctx, s.opts.FrontendAddr, s.opts.Namespace)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := waitServing(ctx, c); err != nil {
		return err
	}
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.opts.Namespace})
	if err != nil {
		return fmt.Errorf("engine: list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range s.opts.SearchAttributes {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: s.opts.Namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("engine: add search attributes: %w", err)
	}
	return nil
}

// waitServing waits until the history and matching services have joined the
// frontend's ring: a healthy frontend alone still answers "Not enough hosts to serve
// the request" for a moment after start. A probe that reaches a service and is told
// "not found" is the service answering.
func waitServing(ctx context.Context, c client.Client) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, errHistory := c.DescribeWorkflowExecution(ctx, "rectify-readiness-probe", "")
		_, errMatching := c.DescribeTaskQueue(ctx, "rectify-readiness-probe", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if answered(errHistory) && answered(errMatching) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("engine: history and matching did not start serving: %w", errors.Join(errHistory, errMatching))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func answered(err error) bool {
	var notFound *serviceerror.NotFound
	return err == nil || errors.As(err, &notFound)
}

// dialWithRetry waits for the frontend to answer; the server starts its services
// asynchronously and the first dial may come too early.
func dialWithRetry(ctx context.Context, addr, namespace string) (client.Client, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := client.Dial(client.Options{HostPort: addr, Namespace: namespace, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
		if err == nil {
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("engine: frontend %s did not become healthy: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *Server) startUI() error {
	host, port, err := splitHostPort(s.opts.UIAddr)
	if err != nil {
		return fmt.Errorf("engine: web UI address %q: %w", s.opts.UIAddr, err)
	}
	cfg := &uiconfig.Config{
		Host:                host,
		Port:                port,
		TemporalGRPCAddress: s.opts.FrontendAddr,
		EnableUI:            true,
		DefaultNamespace:    s.opts.Namespace,
		HideLogs:            true,
		DisableNewsFetch:    true,
		Distribution:        "rectify",
		CORS:                uiconfig.CORS{CookieInsecure: true},
	}
	ln, err := net.Listen("tcp", s.opts.UIAddr)
	if err != nil {
		return fmt.Errorf("engine: web UI address %s: %w", s.opts.UIAddr, err)
	}
	_ = ln.Close()
	s.ui = server.NewServer(server_options.WithConfigProvider(cfg))
	go func() { _ = s.ui.Start() }()
	return nil
}

func serverConfig(host string, ports servicePorts, sqlCfg *config.SQL) *config.Config {
	service := func(p int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: p, MembershipPort: p + membershipOffset, BindOnIP: host}}
	}
	frontend := net.JoinHostPort(host, strconv.Itoa(ports.Frontend))
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: host},
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: frontend},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": service(ports.Frontend),
			"history":  service(ports.History),
			"matching": service(ports.Matching),
			"worker":   service(ports.Worker),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		PublicClient: config.PublicClient{HostPort: frontend},
	}
}

func splitHostPort(addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535-membershipOffset {
		return "", 0, fmt.Errorf("port %q is not a usable port number", portStr)
	}
	return host, port, nil
}
