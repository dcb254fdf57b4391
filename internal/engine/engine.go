// Package engine runs a real Temporal server inside the rectify process: SQLite
// persistence in the data folder, or PostgreSQL where several such servers form one
// cluster; the schema, the namespace and rectify's search attributes set up on every
// start; TLS on every port of the server when asked (tls.go); and the official
// Temporal Web UI beside it. It is what makes the one-command run possible without
// downloads or Docker, and a cluster without a separate Temporal installation.
package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
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
	"go.temporal.io/server/temporal"
)

const clusterName = "active"

// Options say where the embedded server keeps its data and listens.
type Options struct {
	// DataDir holds temporal.db (without Database) and the ports the server chose
	// (without Ports); it is created when needed.
	DataDir string
	// Database, when set, is the PostgreSQL database of the default store (created
	// when missing); servers on one database form one cluster. Nil keeps SQLite.
	Database *url.URL
	// VisibilityDatabase is the PostgreSQL database of the visibility store; nil
	// keeps visibility in Database (in a PostgreSQL schema of its own).
	VisibilityDatabase *url.URL
	// Shards is the number of history shards (default 1); it cannot change after the
	// first start (see ShardCountError).
	Shards int32
	// FrontendAddr is the gRPC address the frontend listens on, e.g. 127.0.0.1:7233 or
	// 0.0.0.0:7233; port 0 lets the server choose one (see Server.FrontendAddr).
	FrontendAddr string
	// BroadcastAddr is the IP other cluster members reach this server at; empty
	// means the host of FrontendAddr.
	BroadcastAddr string
	// Ports are the gRPC ports of the other services; zero ones are chosen and kept
	// in DataDir. A cluster member gives all of them.
	Ports Ports
	// UIAddr is where the Temporal Web UI listens; empty disables it.
	UIAddr string
	// UIWrite lets the Web UI start, signal, update, reset, cancel and terminate
	// workflows; without it the UI only reads (its server refuses every write).
	UIWrite bool
	// UICodecEndpoint is where the Web UI's browser decrypts payloads (rectify's
	// own codec endpoint, behind its sign-in, sending the browser's cookies);
	// empty shows payloads as stored.
	UICodecEndpoint string
	// Namespace is created on every start when missing.
	Namespace string
	// SearchAttributes are added to the namespace on every start when missing.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Retention is how long Temporal keeps a closed workflow's history (default
	// DefaultRetention). It is the namespace's retention, set at every start: a
	// change holds for workflows that close from then on.
	Retention time.Duration
	// DynamicConfigFile, when set, is a file of Temporal's dynamic configuration
	// (its own YAML format) whose settings replace rectify's; it is read again every
	// few seconds while the server runs.
	DynamicConfigFile string
	// LogLevel for the server's own log (debug, info, warn, error, fatal). The server
	// logs expected start-up and shutdown races as errors, so the default is fatal.
	LogLevel string
	// MetricsAddr, when set, is where the server serves its own Prometheus metrics.
	MetricsAddr string
	// TLS, when set, secures every port of the server; nil serves plain gRPC.
	TLS *TLS
}

// DefaultRetention is how long Temporal keeps a closed workflow's history unless
// Options say otherwise.
const DefaultRetention = 30 * 24 * time.Hour

// Server is a running embedded Temporal server (and Web UI).
type Server struct {
	temporal  temporal.Server
	ui        *server.Server
	opts      Options
	clientTLS *tls.Config
	// done stops the reading of the dynamic-config file.
	done     chan any
	stopOnce sync.Once
}

// Start sets up the schema and the namespace, starts the server and waits until it
// serves with the search attributes in place. On PostgreSQL the setup, the start and
// the search attributes run under a lock in the database, so that nodes of a cluster
// may start at the same moment.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Retention == 0 {
		opts.Retention = DefaultRetention
	}
	if opts.LogLevel == "" {
		opts.LogLevel = "fatal"
	}
	if opts.Shards == 0 {
		opts.Shards = 1
	}
	host, port, err := splitHostPort(opts.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("engine: frontend address %q: %w", opts.FrontendAddr, err)
	}
	if host == "" {
		host = "0.0.0.0"
	}
	if opts.BroadcastAddr == "" {
		opts.BroadcastAddr = host
		if unspecified(host) {
			opts.BroadcastAddr = "127.0.0.1"
		}
	}

	var clientTLS *tls.Config
	if opts.TLS != nil {
		// The other nodes dial this one at its broadcast address, its own clients
		// at its listen address unless that means every interface.
		names := []string{opts.BroadcastAddr}
		if !unspecified(host) && host != opts.BroadcastAddr {
			names = append(names, host)
		}
		if clientTLS, err = opts.TLS.clientConfig(names); err != nil {
			return nil, err
		}
	}

	store, err := preparePersistence(ctx, opts)
	if err != nil {
		return nil, err
	}
	release := sync.OnceFunc(store.release)
	defer release()
	unlock := sync.OnceFunc(lockPorts())
	defer unlock()
	ports, err := settlePorts(opts.DataDir, host, port, opts.Ports)
	if err != nil {
		return nil, err
	}
	dialHost := host
	if unspecified(host) {
		dialHost = opts.BroadcastAddr
	}
	opts.FrontendAddr = net.JoinHostPort(dialHost, strconv.Itoa(ports.Frontend))
	cfg := serverConfig(host, opts.BroadcastAddr, ports, store.persistence)
	cfg.Global.TLS = opts.TLS.rootTLS()
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
	done := make(chan any)
	dc, err := dynamicConfig(opts.DynamicConfigFile, opts.Database == nil, opts.TLS != nil, logger, done)
	if err != nil {
		return nil, err
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dc),
	)
	if err != nil {
		close(done)
		return nil, fmt.Errorf("engine: new server: %w", err)
	}
	if err := srv.Start(); err != nil {
		close(done)
		return nil, fmt.Errorf("engine: start server: %w", err)
	}
	unlock() // every port is bound now
	s := &Server{temporal: srv, opts: opts, clientTLS: clientTLS, done: done}
	if err := s.settleNamespace(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	release()
	if opts.UIAddr != "" {
		if err := s.startUI(); err != nil {
			s.Stop()
			return nil, err
		}
	}
	return s, nil
}

// unspecified reports whether host means every interface (0.0.0.0 or ::): an
// address to listen on, not one to reach the server at.
func unspecified(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// FrontendAddr is where to dial the server's frontend: its listen address, with the
// port it chose and, when it listens on every interface, the broadcast address.
func (s *Server) FrontendAddr() string { return s.opts.FrontendAddr }

// ClientTLS is how to dial the frontend when the server serves TLS: with the node's
// certificate, trusting the CA. It is nil without TLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.clientTLS == nil {
		return nil
	}
	return s.clientTLS.Clone()
}

// Stop shuts the Web UI and the server down.
func (s *Server) Stop() {
	if s.ui != nil {
		s.ui.Stop()
	}
	_ = s.temporal.Stop()
	s.stopOnce.Do(func() { close(s.done) })
}

// settleNamespace waits until the server serves, then brings the namespace to what
// the options say: rectify's search attributes and the retention.
func (s *Server) settleNamespace(ctx context.Context) error {
	c, err := dialWithRetry(ctx, s.opts.FrontendAddr, s.opts.Namespace, s.ClientTLS())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := waitServing(ctx, c); err != nil {
		return err
	}
	if err := s.ensureSearchAttributes(ctx, c); err != nil {
		return err
	}
	return s.ensureRetention(ctx, c)
}

// ensureSearchAttributes adds any of rectify's search attributes that an older data
// folder lacks, so upgrades need no manual step.
func (s *Server) ensureSearchAttributes(ctx context.Context, c client.Client) error {
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
func dialWithRetry(ctx context.Context, addr, namespace string, tlsConfig *tls.Config) (client.Client, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := client.Dial(client.Options{HostPort: addr, Namespace: namespace, Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
			ConnectionOptions: client.ConnectionOptions{TLS: tlsConfig}})
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
		DisableWriteActions: !s.opts.UIWrite,
		TLS:                 s.opts.TLS.uiTLS(),
	}
	if s.opts.UICodecEndpoint != "" {
		cfg.Codec = uiconfig.Codec{Endpoint: s.opts.UICodecEndpoint, IncludeCredentials: true,
			DefaultErrorMessage: "Sign in to rectify as office or leader (in another tab) to read payloads in clear."}
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

// serverConfig is one cluster member: its services listen on host and are reached
// at broadcast.
func serverConfig(host, broadcast string, ports servicePorts, persistence config.Persistence) *config.Config {
	service := func(p int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: p, MembershipPort: p + membershipOffset, BindOnIP: host}}
	}
	frontend := net.JoinHostPort(broadcast, strconv.Itoa(ports.Frontend))
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: broadcast},
		},
		Persistence: persistence,
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
