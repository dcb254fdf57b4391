// Package metrics is what rectify shows Prometheus: the leader's figures, read from
// the reporting store at scrape time (collector.go), and the Temporal SDK's own
// metrics, both on one registry served at /metrics. docs/metrics.md lists every name.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"

	"rectify/internal/buildinfo"
)

// TimerBuckets are the histogram buckets (seconds) of the SDK's timers: latencies of
// requests, polls and tasks, from a few milliseconds to the minute a backed-up task
// queue reaches.
var TimerBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Metrics is one process's registry and what feeds it.
type Metrics struct {
	// Registry holds every metric this process exports.
	Registry *prometheus.Registry
	// Temporal is the SDK's metrics handler, for client.Options.MetricsHandler.
	Temporal client.MetricsHandler

	logger *slog.Logger
	scope  io.Closer
	server *http.Server
}

// New makes a registry with the Go runtime's and the process's metrics and a Temporal
// SDK handler that reports into it. The SDK's names already start with temporal_, so
// the scope has no prefix of its own.
func New(logger *slog.Logger) *Metrics {
	reg := prometheus.NewRegistry()
	// The SDK registers a metric when it first reports it, deep inside a worker or a
	// client call, so a metric that cannot be registered (its samples are then
	// dropped) is counted where the alerts and the tests see it, and logged as an
	// error — not a panic (the reporter's default), which would take the worker down.
	lost := prometheus.NewCounter(prometheus.CounterOpts{
		Name: "rectify_temporal_metric_errors_total",
		Help: "Temporal SDK metrics this process could not register, whose samples are dropped; the log names each. Should stay 0.",
	})
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), lost,
		BuildInfo(buildinfo.Read()))
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: TimerBuckets,
		OnRegisterError: func(err error) {
			lost.Inc()
			logger.Error("a Temporal SDK metric could not be registered; its samples are dropped", "err", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
		// tally's own series counts are not the SDK's and their names break
		// Prometheus' naming rules.
		OmitCardinalityMetrics: true,
	}, time.Second)
	return &Metrics{
		Registry: reg,
		Temporal: sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)),
		logger:   logger,
		scope:    closer,
	}
}

// BuildInfo is rectify_build_info: 1, labelled with the build of the process, so a
// dashboard or an alert can tell which version runs where and when it changed.
func BuildInfo(b buildinfo.Info) prometheus.Collector {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "rectify_build_info",
		Help: "Always 1, labelled with this process's build: rectify's version and commit, the Go version, and the Temporal server and SDK linked in.",
		ConstLabels: prometheus.Labels{
			"version": b.Version, "revision": b.Revision, "go_version": b.GoVersion,
			"temporal_server": b.TemporalServer, "temporal_sdk": b.TemporalSDK,
		},
	})
	g.Set(1)
	return g
}

// Handler serves the registry in Prometheus' text format. A collector that fails
// leaves its metrics out and is logged; the rest is still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn),
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             30 * time.Second,
	})
}

// Listen serves GET /metrics on its own address, for a process that runs no HTTP
// API (a worker or server node), and probes for every other path (the process's
// /healthz and /readyz). It returns the address it listens on.
func (m *Metrics) Listen(addr string, probes http.Handler) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("RECTIFY_METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", probes)
	m.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(m.logger.Handler(), slog.LevelWarn)}
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.logger.Error("metrics listener stopped", "err", err)
		}
	}()
	return ln.Addr().String(), nil
}

// Close stops the metrics listener and the SDK scope's reporting loop.
func (m *Metrics) Close() {
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = m.server.Shutdown(ctx)
		cancel()
	}
	_ = m.scope.Close()
}
