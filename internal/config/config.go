// Package config reads rectify's configuration from the environment, with the
// defaults of the one-command run, and checks it before anything starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// DemoMode says whether to seed the demo campaign and users.
type DemoMode string

// Demo modes: off; on (seed when not yet seeded); auto (seed only into an empty data
// folder — what the one-command run uses).
const (
	DemoOff  DemoMode = "off"
	DemoOn   DemoMode = "on"
	DemoAuto DemoMode = "auto"
)

// Config is everything a rectify process needs to start.
type Config struct {
	DataDir  string
	HTTPAddr string
	// TemporalAddress of an external cluster; empty runs the embedded server.
	TemporalAddress string
	// EmbeddedAddr and EmbeddedUIAddr are where the embedded server and its Web UI
	// listen (only without TemporalAddress); an empty UI address disables the UI.
	EmbeddedAddr   string
	EmbeddedUIAddr string
	Namespace      string
	TLS            TLS
	APIKey         string
	UsersFile      string
	Demo           DemoMode
	CalendarFile   string
	WebhookURL     string
	LogLevel       string
	// TemporalLogLevel is the embedded server's own log level.
	TemporalLogLevel string
	// ServeWorker and ServeHTTP choose this process's roles.
	ServeWorker bool
	ServeHTTP   bool
	// TemporalUIURL is where links to workflows in the Temporal Web UI point.
	TemporalUIURL string
	// ImportMaxBytes and ImportMaxRows bound one imported ledger file.
	ImportMaxBytes int64
	ImportMaxRows  int
	// MetricsAddr, when set, also serves /metrics on its own address: for a
	// process without the HTTP API (a worker of a cluster).
	MetricsAddr string
	// TemporalMetricsAddr, when set, is where the embedded server serves its own
	// Prometheus metrics.
	TemporalMetricsAddr string
}

// TLS configures the connection to an external Temporal cluster.
type TLS struct {
	CertFile, KeyFile, CAFile, ServerName string
}

// Enabled reports whether any TLS setting was given.
func (t TLS) Enabled() bool {
	return t.CertFile != "" || t.CAFile != "" || t.ServerName != ""
}

// StorePath is the reporting store's SQLite file.
func (c Config) StorePath() string { return filepath.Join(c.DataDir, "rectify.db") }

// Embedded reports whether this process runs the Temporal server itself.
func (c Config) Embedded() bool { return c.TemporalAddress == "" }

// FrontendAddr is the Temporal frontend the worker and API dial.
func (c Config) FrontendAddr() string {
	if c.Embedded() {
		return c.EmbeddedAddr
	}
	return c.TemporalAddress
}

// FromEnv reads the configuration; getenv is os.Getenv outside tests.
func FromEnv(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		DataDir:         get("RECTIFY_DATA_DIR", "./data"),
		HTTPAddr:        get("RECTIFY_HTTP_ADDR", "127.0.0.1:8080"),
		TemporalAddress: get("TEMPORAL_ADDRESS", ""),
		EmbeddedAddr:    get("RECTIFY_EMBEDDED_ADDR", "127.0.0.1:7233"),
		EmbeddedUIAddr:  get("RECTIFY_EMBEDDED_UI_ADDR", "127.0.0.1:8233"),
		Namespace:       get("TEMPORAL_NAMESPACE", "default"),
		TLS: TLS{
			CertFile:   get("TEMPORAL_TLS_CERT", ""),
			KeyFile:    get("TEMPORAL_TLS_KEY", ""),
			CAFile:     get("TEMPORAL_TLS_CA", ""),
			ServerName: get("TEMPORAL_TLS_SERVER_NAME", ""),
		},
		APIKey:           get("TEMPORAL_API_KEY", ""),
		UsersFile:        get("RECTIFY_USERS", ""),
		CalendarFile:     get("RECTIFY_CALENDAR", ""),
		WebhookURL:       get("RECTIFY_WEBHOOK_URL", ""),
		LogLevel:         get("RECTIFY_LOG_LEVEL", "info"),
		TemporalLogLevel: get("RECTIFY_TEMPORAL_LOG_LEVEL", "fatal"),
	}
	c.MetricsAddr, c.TemporalMetricsAddr = get("RECTIFY_METRICS_ADDR", ""), get("RECTIFY_TEMPORAL_METRICS_ADDR", "")
	if get("RECTIFY_EMBEDDED_UI_ADDR", "") == "off" {
		c.EmbeddedUIAddr = ""
	}
	var errs []error
	switch demo := strings.ToLower(get("RECTIFY_DEMO", "off")); demo {
	case "off", "false", "0", "no":
		c.Demo = DemoOff
	case "on", "true", "1", "yes":
		c.Demo = DemoOn
	case "auto":
		c.Demo = DemoAuto
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_DEMO=%q: use on, off or auto", demo))
	}
	roles := get("RECTIFY_ROLES", "")
	if roles == "" {
		// Embedded: everything in one process. External cluster: a worker, plus the
		// HTTP server only when asked for.
		roles = "worker,http"
		if !c.Embedded() {
			roles = "worker"
		}
	}
	for _, r := range strings.Split(roles, ",") {
		switch strings.TrimSpace(r) {
		case "worker":
			c.ServeWorker = true
		case "http":
			c.ServeHTTP = true
		default:
			errs = append(errs, fmt.Errorf("RECTIFY_ROLES=%q: each role must be worker or http", roles))
		}
	}
	for _, a := range []struct{ name, addr string }{
		{"RECTIFY_HTTP_ADDR", c.HTTPAddr}, {"RECTIFY_EMBEDDED_ADDR", c.EmbeddedAddr}, {"TEMPORAL_ADDRESS", c.TemporalAddress},
		{"RECTIFY_METRICS_ADDR", c.MetricsAddr}, {"RECTIFY_TEMPORAL_METRICS_ADDR", c.TemporalMetricsAddr},
	} {
		if a.addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not host:port", a.name, a.addr))
		}
	}
	if c.EmbeddedUIAddr != "" {
		if _, _, err := net.SplitHostPort(c.EmbeddedUIAddr); err != nil {
			errs = append(errs, fmt.Errorf("RECTIFY_EMBEDDED_UI_ADDR=%q is not host:port (or off)", c.EmbeddedUIAddr))
		}
	}
	if c.WebhookURL != "" {
		if u, err := url.Parse(c.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("RECTIFY_WEBHOOK_URL must be an http(s) URL"))
		}
	}
	if c.TemporalMetricsAddr != "" && !c.Embedded() {
		errs = append(errs, errors.New("RECTIFY_TEMPORAL_METRICS_ADDR is the embedded server's; with TEMPORAL_ADDRESS, scrape your cluster's servers instead"))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together"))
	}
	if !c.ServeWorker && !c.ServeHTTP {
		errs = append(errs, errors.New("RECTIFY_ROLES names no role"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_LOG_LEVEL=%q: use debug, info, warn or error", c.LogLevel))
	}
	for _, n := range []struct {
		name string
		def  int64
		dst  func(int64)
	}{
		{"RECTIFY_IMPORT_MAX_BYTES", 50 << 20, func(v int64) { c.ImportMaxBytes = v }},
		{"RECTIFY_IMPORT_MAX_ROWS", 200_000, func(v int64) { c.ImportMaxRows = int(v) }},
	} {
		v, err := strconv.ParseInt(get(n.name, strconv.FormatInt(n.def, 10)), 10, 64)
		if err != nil || v <= 0 || v > 1<<40 {
			errs = append(errs, fmt.Errorf("%s must be a positive whole number", n.name))
			continue
		}
		n.dst(v)
	}
	c.TemporalUIURL = get("RECTIFY_TEMPORAL_UI_URL", "")
	if c.TemporalUIURL == "" && c.Embedded() && c.EmbeddedUIAddr != "" {
		c.TemporalUIURL = "http://" + c.EmbeddedUIAddr
	}
	return c, errors.Join(errs...)
}
