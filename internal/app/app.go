// Package app wires the configuration into a running rectify process: the embedded
// Temporal server (or a connection to a cluster), the worker, the HTTP server and
// the demo. The worker main and the integration tests start it the same way.
package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"rectify/activities"
	"rectify/internal/accesslog"
	"rectify/internal/api"
	"rectify/internal/calendar"
	"rectify/internal/config"
	"rectify/internal/demo"
	"rectify/internal/engine"
	"rectify/internal/lockout"
	"rectify/internal/metrics"
	"rectify/internal/notify"
	"rectify/internal/oidc"
	"rectify/internal/payload"
	"rectify/internal/reconcile"
	"rectify/internal/requestid"
	"rectify/internal/service"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// SearchAttributes are the custom search attributes rectify upserts.
var SearchAttributes = map[string]enumspb.IndexedValueType{
	workflows.SACampaign.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	workflows.SAState.GetName():        enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	workflows.SACategory.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	workflows.SADepartment.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	workflows.SAAssignee.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	workflows.SADeadline.GetName():     enumspb.INDEXED_VALUE_TYPE_DATETIME,
	workflows.SAOverdueLevel.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
}

// App is a started rectify process.
type App struct {
	// HTTPAddr is where the API listens (resolved, so ":0" becomes a real port).
	HTTPAddr string
	// Service runs the use cases, for a process with the reporting store; api is
	// its HTTP front door, whose sign-in lockout the web pages share.
	Service *service.Service
	api     *api.Server

	cfg     config.Config
	logger  *slog.Logger
	engine  *engine.Server
	client  client.Client
	worker  worker.Worker
	store   *store.Store
	metrics *metrics.Metrics
	http    *http.Server
	httpErr chan error
	// httpLn is the API's listener, opened before the engine so the Web UI can be
	// pointed at its codec endpoint.
	httpLn net.Listener
	// keys encrypt every payload this process writes to Temporal.
	keys *payload.Keyring
	// stopDispatch ends the notification dispatcher and the reconciler; dispatched
	// is closed when both have.
	stopDispatch context.CancelFunc
	dispatched   chan struct{}
	// wrapProjector, when set, wraps the store the workflows project to.
	wrapProjector func(activities.Projector) activities.Projector
}

// Option changes how Start wires a process.
type Option func(*App)

// WithProjector puts wrap around the reporting store where the workflows write to
// it; the crash tests use it to kill the process at a chosen instant.
func WithProjector(wrap func(activities.Projector) activities.Projector) Option {
	return func(a *App) { a.wrapProjector = wrap }
}

// Start brings every configured part up, in order, and returns once the HTTP server
// accepts connections and the worker polls.
func Start(ctx context.Context, cfg config.Config, logger *slog.Logger, opts ...Option) (_ *App, err error) {
	a := &App{cfg: cfg, logger: logger, httpErr: make(chan error, 1)}
	for _, o := range opts {
		o(a)
	}
	defer func() {
		if err != nil {
			a.Stop()
		}
	}()
	// The data folder holds the SQLite reporting store and the demo users; the
	// engine creates it itself for what it keeps there.
	if ((cfg.ServeWorker || cfg.ServeHTTP) && cfg.StoreURL == "") || cfg.Demo != config.DemoOff {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
		}
	}
	seedDemo, err := a.demoWanted()
	if err != nil {
		return nil, err
	}
	cal := calendar.Default()
	if cfg.CalendarFile != "" {
		if cal, err = calendar.Load(cfg.CalendarFile); err != nil {
			return nil, err
		}
	}
	if !cal.Covers(time.Now()) {
		logger.Warn("the working-day calendar has no holiday data for this year; only weekends count as days off — extend it with RECTIFY_CALENDAR")
	}
	users, demoUsers, err := a.loadUsers(seedDemo)
	if err != nil {
		return nil, err
	}
	// A server node keeps nothing of rectify's own: the reporting store is the
	// worker's and the API's.
	if cfg.ServeWorker || cfg.ServeHTTP {
		if a.store, err = store.Open(cfg.StorePath()); err != nil {
			return nil, err
		}
	}
	// One registry for the figures (served with the API, which reads the same
	// store) and the Temporal SDK's metrics.
	a.metrics = metrics.New(logger)
	if cfg.ServeHTTP {
		a.metrics.Registry.MustRegister(metrics.NewCollector(a.store, logger,
			metrics.Options{DepartmentQuality: cfg.MetricsDepartmentQuality}))
	}
	if a.keys, err = loadKeys(cfg, logger); err != nil {
		return nil, err
	}
	if a.keys != nil && a.store != nil {
		if err := a.store.CheckPayloadKeys(ctx, a.keys.IDs(), a.keys.Newest().ID, time.Now()); err != nil {
			return nil, fmt.Errorf("RECTIFY_PAYLOAD_KEY_FILE %s: %w", cfg.PayloadKeyFile, err)
		}
		a.store.SealWith(a.keys)
	}
	if cfg.ServeHTTP {
		if a.httpLn, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, fmt.Errorf("RECTIFY_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
		a.HTTPAddr = a.httpLn.Addr().String()
	}
	if cfg.Embedded() {
		if err := a.startEngine(ctx); err != nil {
			return nil, err
		}
		cfg = a.cfg
	}
	var ownTLS *tls.Config // a server node dials its own frontend as its nodes do
	if a.engine != nil {
		ownTLS = a.engine.ClientTLS()
	}
	if a.client, err = dialWaiting(ctx, cfg, logger, func() (client.Client, error) {
		return dial(cfg, logger, a.metrics.Temporal, a.keys, ownTLS)
	}); err != nil {
		return nil, err
	}
	if a.store != nil {
		a.Service = service.New(service.Config{
			Temporal: a.client, Store: a.store, Calendar: cal, Logger: logger,
			DemoUsers:     demoUsers,
			TemporalUIURL: cfg.TemporalUIURL, Namespace: cfg.Namespace, Now: time.Now, Translate: i18n.Text,
			ImportLimits: spreadsheet.Limits{MaxBytes: cfg.ImportMaxBytes, MaxRows: cfg.ImportMaxRows},
			AttachmentLimits: service.AttachmentLimits{MaxBytes: cfg.AttachmentMaxBytes, PerOpinion: cfg.AttachmentsPerOpinion,
				OpinionBytes: cfg.AttachmentsMaxBytes},
		})
		if err := a.Service.SeedUsers(ctx, users, demoUsers); err != nil {
			return nil, err
		}
		if cfg.ServeHTTP && users == nil {
			if has, err := a.Service.HasUsers(ctx); err != nil || !has {
				return nil, errors.Join(err, errors.New("no users: set RECTIFY_USERS to a users file (see README), create an admin with 'rectify-worker create-admin USERNAME', or RECTIFY_DEMO=on for demo users"))
			}
		}
		apiConfig := api.Config{Logger: logger, Lockout: lockout.New(lockout.DefaultPolicy, time.Now, cfg.TrustedProxies)}
		// Off the public port, /metrics is RECTIFY_METRICS_ADDR's alone (config
		// requires it then): the API's address answers 404.
		if cfg.MetricsPublic {
			apiConfig.Metrics = a.metrics.Handler()
		}
		a.api = api.New(a.Service, apiConfig)
	}
	// The worker acts for bulks through the service, as the bulk's creator.
	if cfg.ServeWorker {
		if err := a.startWorker(cal); err != nil {
			return nil, err
		}
		if err := a.resumeProcesses(ctx); err != nil {
			return nil, err
		}
		// The report schedules follow the campaigns' settings, also where a change
		// was saved while Temporal did not answer.
		if err := a.Service.SyncReportSchedules(ctx); err != nil {
			logger.Warn("report schedules not brought in line with the campaigns' settings", "err", err)
		}
		if err := a.Service.SyncDigestSchedule(ctx, cfg.Notify.DigestAt, cfg.Notify.DigestZone); err != nil {
			logger.Warn("daily digest schedule not brought in line with RECTIFY_DIGEST_AT", "err", err)
		}
	}
	if cfg.ServeHTTP {
		if err := a.startHTTP(); err != nil {
			return nil, err
		}
	}
	if cfg.MetricsAddr != "" {
		addr, err := a.metrics.Listen(cfg.MetricsAddr, a.probes())
		if err != nil {
			return nil, err
		}
		logger.Info("metrics and probes listening", "url", "http://"+addr+"/metrics")
	}
	if seedDemo {
		logger.Warn("DEMO MODE: seeding a demo campaign and demo users (password = username, token demo-<username>); do not use this data folder in production",
			"data_dir", cfg.DataDir)
		if err := demo.Seed(ctx, a.Service); err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
	}
	return a, nil
}

// startEngine starts the embedded Temporal server; the worker and the API then dial
// its frontend.
func (a *App) startEngine(ctx context.Context) error {
	c := a.cfg
	e, err := engine.Start(ctx, engine.Options{
		DataDir: c.DataDir, Database: c.TemporalDB, VisibilityDatabase: c.TemporalVisibilityDB, Shards: c.TemporalShards,
		FrontendAddr: c.EmbeddedAddr, BroadcastAddr: c.BroadcastAddr, UIAddr: c.EmbeddedUIAddr,
		Ports:     engine.Ports{History: c.TemporalPorts.History, Matching: c.TemporalPorts.Matching, Worker: c.TemporalPorts.Worker},
		Namespace: c.Namespace, SearchAttributes: SearchAttributes, LogLevel: c.TemporalLogLevel,
		Retention: c.TemporalRetention, DynamicConfigFile: c.TemporalDynamicConfig,
		MetricsAddr: c.TemporalMetricsAddr, UIWrite: c.TemporalUIWrite, UICodecEndpoint: a.codecEndpoint(),
		TLS: serverTLS(c.ServerTLS),
	})
	var shards *engine.ShardCountError
	if errors.As(err, &shards) {
		return fmt.Errorf("RECTIFY_TEMPORAL_SHARDS=%d, but this Temporal database was created with %d history shards, and the count cannot change: set RECTIFY_TEMPORAL_SHARDS=%d",
			shards.Configured, shards.Stored, shards.Stored)
	}
	var dynamic *engine.DynamicConfigError
	if errors.As(err, &dynamic) {
		return fmt.Errorf("RECTIFY_TEMPORAL_DYNAMIC_CONFIG=%s: %w", dynamic.Path, dynamic.Err)
	}
	var tlsFile *engine.TLSFileError
	if errors.As(err, &tlsFile) {
		switch {
		case tlsFile.CA:
			return fmt.Errorf("RECTIFY_TEMPORAL_SERVER_TLS_CA=%s: %w", tlsFile.Path, tlsFile.Err)
		case tlsFile.Name != "":
			return fmt.Errorf("RECTIFY_TEMPORAL_SERVER_TLS_CERT=%s does not name %s, where the nodes and this node's own clients dial it: add it to the certificate's subjectAltName, or set RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME to a name every node's certificate has (%w)",
				tlsFile.Path, tlsFile.Name, tlsFile.Err)
		}
		return fmt.Errorf("RECTIFY_TEMPORAL_SERVER_TLS_CERT and RECTIFY_TEMPORAL_SERVER_TLS_KEY (%s): %w", tlsFile.Path, tlsFile.Err)
	}
	if err != nil {
		return err
	}
	a.engine = e
	a.cfg.EmbeddedAddr = e.FrontendAddr() // the port it chose when given 0; a dialable host
	a.logger.Info("embedded Temporal server started", "frontend", a.cfg.EmbeddedAddr, "web_ui", a.cfg.TemporalUIURL,
		"persistence", persistenceName(c.TemporalDB), "history_shards", c.TemporalShards)
	return nil
}

// serverTLS is the embedded server's TLS, nil when the node serves plain gRPC.
func serverTLS(t config.ServerTLS) *engine.TLS {
	if !t.Enabled() {
		return nil
	}
	return &engine.TLS{CertFile: t.CertFile, KeyFile: t.KeyFile, CAFile: t.CAFile, ServerName: t.ServerName, RequireClientCert: t.ClientAuth}
}

// persistenceName is the server's database as logs may show it: without password.
func persistenceName(db *url.URL) string {
	if db == nil {
		return "sqlite"
	}
	return db.Redacted()
}

// probes answers /healthz (the process runs) and /readyz (its roles serve: the
// frontend answers, and the reporting store when the process has one) beside
// /metrics, for a process without the HTTP API.
func (a *App) probes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if _, err := a.client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"temporal_unavailable"}`)
			return
		}
		if a.store != nil && a.store.Ping(ctx) != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"status":"store_unavailable"}`)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ready"}`)
	})
	return mux
}

// resumeProcesses starts the process of any import or bulk stored but not yet
// started (the process died between storing it and starting its workflow);
// running ones are left be.
//
// After a restore, the store's copy (made before Temporal's) may show one running
// whose process finished before Temporal's copy was made: it is marked done, its
// rows counted as the store's copy has them.
func (a *App) resumeProcesses(ctx context.Context) error {
	batches, err := a.store.BatchesIn(ctx, store.BatchImporting)
	err = resume(ctx, "import", batches, err, a.store.Batch, func(b store.Batch) error {
		return a.finishedBefore(ctx, "import", b.ID, service.StartBatch(ctx, a.client, b), a.store.FinishBatch)
	})
	if err != nil {
		return err
	}
	bulks, err := a.store.BulksIn(ctx, store.BulkRunning)
	return resume(ctx, "bulk", bulks, err, a.store.Bulk, func(b store.Bulk) error {
		return a.finishedBefore(ctx, "bulk", b.ID, service.StartBulk(ctx, a.client, b), a.store.FinishBulk)
	})
}

// finishedBefore marks the import or bulk id done when starting its process
// failed (err) because the process has already finished.
func (a *App) finishedBefore(ctx context.Context, what, id string, err error, finish func(context.Context, string, time.Time) error) error {
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if !errors.As(err, &started) {
		return err
	}
	a.logger.Warn("a restored store showed a finished process running; it is marked done", what, id)
	return finish(ctx, id, time.Now())
}

// resume starts the process of each record listed (ids, or the error listing
// them), read by read and started by start.
func resume[T any](ctx context.Context, what string, ids []string, err error, read func(context.Context, string) (T, error), start func(T) error) error {
	if err != nil {
		return err
	}
	for _, id := range ids {
		rec, err := read(ctx, id)
		if err != nil {
			return err
		}
		if err := start(rec); err != nil {
			return fmt.Errorf("resume %s %s: %w", what, id, err)
		}
	}
	return nil
}

// demoWanted decides before anything is written whether this start seeds the demo:
// only a process with the reporting store, and of the server nodes only the one
// that is the whole product.
func (a *App) demoWanted() (bool, error) {
	if a.cfg.Embedded() && !a.cfg.OneProcess() {
		return false, nil
	}
	switch a.cfg.Demo {
	case config.DemoOn:
		_, err := os.Stat(demo.UsersFile(a.cfg.DataDir))
		return errors.Is(err, os.ErrNotExist), nil
	case config.DemoAuto:
		entries, err := os.ReadDir(a.cfg.DataDir)
		if err != nil {
			return false, fmt.Errorf("data dir %s: %w", a.cfg.DataDir, err)
		}
		return len(entries) == 0, nil
	}
	return false, nil
}

// loadUsers reads RECTIFY_USERS, or the demo users a demo run left in the data
// folder (demo true): the store is seeded with them. nil when there is no users
// file: the users are then the store's alone (an admin made with create-admin).
func (a *App) loadUsers(seedDemo bool) (_ *user.Directory, demoUsers bool, _ error) {
	path := a.cfg.UsersFile
	if seedDemo {
		if err := demo.WriteUsers(a.cfg.DataDir); err != nil {
			return nil, false, err
		}
	}
	if path == "" && !a.cfg.ServeHTTP {
		d, err := user.New(nil) // a worker-only process serves nobody
		return d, false, err
	}
	if path == "" {
		// The demo's users (password = username) are known to everyone who has read
		// the README: they sign in only while demo mode is asked for, and say so on
		// every start.
		path = demo.UsersFile(a.cfg.DataDir)
		if _, err := os.Stat(path); err != nil || a.cfg.Demo == config.DemoOff {
			return nil, false, nil
		}
		a.logger.Warn("DEMO MODE: the demo users sign in (password = username, token demo-<username>); set RECTIFY_USERS before real use",
			"data_dir", a.cfg.DataDir)
		demoUsers = true
	}
	d, err := user.Load(path)
	return d, demoUsers, err
}

// loadKeys reads the payload key file, creating it on a one-machine install's
// first start. A server-only node has none: it never reads a payload.
func loadKeys(cfg config.Config, logger *slog.Logger) (*payload.Keyring, error) {
	switch {
	case cfg.PayloadKeyFile == "":
		return nil, nil
	case cfg.CreatePayloadKey:
		keys, created, err := payload.LoadOrCreateKeyring(cfg.PayloadKeyFile)
		if created {
			logger.Warn("created the payload key file: every citizen's data in Temporal is encrypted with it; back it up with the data folder, and keep it secret",
				"path", cfg.PayloadKeyFile)
		}
		return keys, err
	default:
		return payload.LoadKeyring(cfg.PayloadKeyFile)
	}
}

// codecEndpoint is where the embedded Web UI's browser decrypts payloads: this
// process's own codec endpoint, when it serves HTTP.
func (a *App) codecEndpoint() string {
	if a.httpLn == nil || a.keys == nil {
		return ""
	}
	host, port, _ := net.SplitHostPort(a.HTTPAddr)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + web.CodecPath
}

// dataConverter is how this process writes and reads Temporal's payloads:
// encrypted with the keys, or the SDK's default without them.
func dataConverter(keys *payload.Keyring) converter.DataConverter {
	if keys == nil {
		return converter.GetDefaultDataConverter()
	}
	return payload.DataConverter(keys)
}

// dialWaiting dials Temporal. A cluster's processes start in any order, so a
// frontend elsewhere that does not answer yet is dialed again, with a warning each
// time, until it answers or the process is stopped; any other error ends it.
func dialWaiting(ctx context.Context, cfg config.Config, logger *slog.Logger, dialOnce func() (client.Client, error)) (client.Client, error) {
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		c, err := dialOnce()
		if err == nil || cfg.Embedded() || !unreachable(err) {
			return c, err
		}
		logger.Warn("the Temporal frontend does not answer yet; dialing it again", "address", cfg.FrontendAddr(),
			"attempt", attempt, "retry_in", delay.String(), "err", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// unreachable says whether err is a frontend that did not answer, rather than one
// that refused this process (TLS, namespace, credentials).
func unreachable(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	return errors.As(err, &unavailable) || errors.As(err, &deadline)
}

// dial connects to the frontend: this process's own (with ownTLS when it serves
// TLS) or the cluster's at TEMPORAL_ADDRESS (with TEMPORAL_TLS_*).
func dial(cfg config.Config, logger *slog.Logger, metricsHandler client.MetricsHandler, keys *payload.Keyring, ownTLS *tls.Config) (client.Client, error) {
	opts := client.Options{
		HostPort:       cfg.FrontendAddr(),
		Namespace:      cfg.Namespace,
		Logger:         sdklog.NewStructuredLogger(logger.With("component", "temporal-sdk")),
		MetricsHandler: metricsHandler,
		// The id of the HTTP request that sends an Update or starts a workflow
		// goes with it, in clear, into the workflow's and activities' log lines;
		// the worker made from this client takes the same propagators.
		ContextPropagators: []workflow.ContextPropagator{requestid.Propagator{}},
	}
	opts.DataConverter = dataConverter(keys)
	if cfg.Embedded() {
		// This process's own frontend: compressing for a local hop costs CPU and
		// saves nothing.
		opts.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	}
	if ownTLS != nil {
		opts.ConnectionOptions.TLS = ownTLS
	} else if cfg.TLS.Enabled() {
		t := &tls.Config{ServerName: cfg.TLS.ServerName, MinVersion: tls.VersionTLS12}
		if cfg.TLS.CertFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.TLS.CertFile, cfg.TLS.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("TEMPORAL_TLS_CERT/KEY: %w", err)
			}
			t.Certificates = []tls.Certificate{cert}
		}
		if cfg.TLS.CAFile != "" {
			pem, err := os.ReadFile(cfg.TLS.CAFile)
			if err != nil {
				return nil, fmt.Errorf("TEMPORAL_TLS_CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("TEMPORAL_TLS_CA: no certificate in %s", cfg.TLS.CAFile)
			}
			t.RootCAs = pool
		}
		opts.ConnectionOptions.TLS = t
	}
	if cfg.APIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.APIKey)
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.FrontendAddr(), err)
	}
	return c, nil
}

func (a *App) startWorker(cal *calendar.Calendar) error {
	notifier, deliverer := a.notifiers()
	// The workflows' and activities' loggers name the request that set them off.
	opts := worker.Options{Interceptors: []interceptor.WorkerInterceptor{&requestid.Logging{}}}
	// Only requests encrypted with the payload key are acted on: anyone who
	// reaches the frontend could otherwise name any actor in an Update.
	if a.keys != nil {
		opts.Interceptors = append(opts.Interceptors, &payload.RequireSealed{})
	}
	a.worker = worker.New(a.client, workflows.TaskQueue, opts)
	a.worker.RegisterWorkflowWithOptions(workflows.OpinionWorkflow, workflow.RegisterOptions{Name: workflows.OpinionWorkflowName})
	a.worker.RegisterWorkflowWithOptions(workflows.BatchWorkflow, workflow.RegisterOptions{Name: workflows.BatchWorkflowName})
	a.worker.RegisterWorkflowWithOptions(workflows.BulkWorkflow, workflow.RegisterOptions{Name: workflows.BulkWorkflowName})
	a.worker.RegisterWorkflowWithOptions(workflows.ProblemWorkflow, workflow.RegisterOptions{Name: workflows.ProblemWorkflowName})
	a.worker.RegisterWorkflowWithOptions(workflows.TaskWorkflow, workflow.RegisterOptions{Name: workflows.TaskWorkflowName})
	a.worker.RegisterWorkflowWithOptions(workflows.ProgressReportWorkflow, workflow.RegisterOptions{Name: workflows.ProgressReportWorkflowName})
	a.worker.RegisterWorkflowWithOptions(workflows.DigestWorkflow, workflow.RegisterOptions{Name: workflows.DigestWorkflowName})
	var projector activities.Projector = a.store
	if a.wrapProjector != nil {
		projector = a.wrapProjector(projector)
	}
	(&activities.Activities{
		Calendar: cal, Store: projector, Problems: a.store, Notifier: notifier,
		Batches: a.store, Bulks: a.store, BulkActor: a.Service,
		Temporal: a.client, Namespace: a.cfg.Namespace, Converter: dataConverter(a.keys),
		Reports: a.Service, Digests: a.Service,
	}).Register(a.worker)
	if err := a.worker.Start(); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	d := &notify.Dispatcher{Outbox: a.store, Notifier: notifier, Logger: a.logger.With("component", "notify"), Every: 250 * time.Millisecond}
	rec := &reconcile.Reconciler{Store: a.store, Temporal: a.client, Logger: a.logger.With("component", "reconcile"),
		Every: reconcile.DefaultEvery, Grace: reconcile.DefaultGrace, Restore: a.store, Namespace: a.cfg.Namespace}
	var ctx context.Context
	ctx, a.stopDispatch = context.WithCancel(context.Background())
	a.dispatched = make(chan struct{})
	go func() {
		defer close(a.dispatched)
		var both sync.WaitGroup
		both.Go(func() { d.Run(ctx) })
		both.Go(func() { deliverer.Run(ctx) })
		both.Go(func() { rec.Run(ctx) })
		both.Wait()
	}()
	return nil
}

func (a *App) startHTTP() error {
	ln := a.httpLn
	pages, err := web.New(a.Service, a.api, a.logger.With("component", "web"))
	if err != nil {
		_ = ln.Close()
		return err
	}
	pages.Sessions = web.SessionLimits{Idle: a.cfg.SessionIdle, Max: a.cfg.SessionMax}
	pages.PayloadKeys, pages.TemporalUIURL = a.keys, a.cfg.TemporalUIURL
	if a.cfg.OIDC.Enabled() {
		pages.OIDC, pages.OIDCCreateUsers = oidc.New(a.cfg.OIDC, nil), a.cfg.OIDC.CreateUsers
	}
	a.http = &http.Server{
		Handler: accesslog.Handler(a.logger.With("component", "http"), a.withAlerts(routes(a.api.Handler(), pages.Handler())),
			accesslog.Options{Client: a.api.SignInLockout().Client, Quiet: quietRoute}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.logger.Handler(), slog.LevelWarn),
	}
	go func() { a.httpErr <- a.http.Serve(ln) }()
	a.logger.Info("HTTP API listening", "url", "http://"+a.HTTPAddr)
	return nil
}

// quietRoute reports the routes the access log keeps at debug level: static
// files, probes and scrapes come often, alike, and say little.
func quietRoute(route string) bool {
	switch route {
	case "GET /static/", "GET /healthz", "GET /readyz", "GET /metrics":
		return true
	}
	return false
}

// routes sends the API's paths to the API and everything else to the pages.
func routes(apiHandler, pages http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/api/", "/healthz", "/readyz", "/metrics"} {
		mux.Handle(p, apiHandler)
	}
	mux.Handle("/", pages)
	return mux
}

// Wait blocks until ctx ends or the HTTP server fails.
func (a *App) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-a.httpErr:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("HTTP server: %w", err)
	}
}

// Stop shuts down in reverse order: stop taking requests, let in-flight ones and
// running activities finish, then the worker, the client, the server, the store.
func (a *App) Stop() {
	if a.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = a.http.Shutdown(ctx)
		cancel()
	} else if a.httpLn != nil {
		_ = a.httpLn.Close()
	}
	if a.worker != nil {
		a.worker.Stop()
	}
	if a.stopDispatch != nil {
		a.stopDispatch()
		<-a.dispatched
	}
	if a.client != nil {
		a.client.Close()
	}
	if a.metrics != nil {
		a.metrics.Close()
	}
	if a.engine != nil {
		a.engine.Stop()
	}
	if a.store != nil {
		_ = a.store.Close()
	}
}
