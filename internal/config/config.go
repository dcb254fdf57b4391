// Package config reads rectify's configuration from the environment, with the
// defaults of the one-command run, and checks it before anything starts.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"rectify/internal/oidc"
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
	// OIDC is sign-in through the organisation (RECTIFY_OIDC_*; docs/oidc.md).
	OIDC oidc.Config
	// TemporalAddress of an external cluster, for a process without the server role.
	TemporalAddress string
	// EmbeddedAddr and EmbeddedUIAddr are where the embedded server's frontend and
	// its Web UI listen; an empty UI address disables the UI.
	EmbeddedAddr   string
	EmbeddedUIAddr string
	// TemporalDB and TemporalVisibilityDB are the embedded server's PostgreSQL
	// databases; nil keeps SQLite in the data folder (and visibility in TemporalDB).
	TemporalDB           *url.URL
	TemporalVisibilityDB *url.URL
	// TemporalShards is the embedded server's number of history shards.
	TemporalShards int32
	// TemporalRetention is how long the embedded server keeps a closed workflow's
	// history.
	TemporalRetention time.Duration
	// TemporalDynamicConfig, when set, is a file of Temporal's dynamic
	// configuration for the embedded server.
	TemporalDynamicConfig string
	// BroadcastAddr is the IP other cluster members reach this server at; empty
	// lets the server derive it from EmbeddedAddr.
	BroadcastAddr string
	// TemporalPorts are the gRPC ports of the server's history, matching and worker
	// services; zero ones are chosen and kept in the data folder.
	TemporalPorts TemporalPorts
	// StoreURL, when set, is the reporting store's database instead of rectify.db.
	StoreURL  string
	Namespace string
	// TLS is how a process without the server role dials the cluster's frontend.
	TLS TLS
	// ServerTLS secures a server node's frontend and the traffic between nodes.
	ServerTLS    ServerTLS
	APIKey       string
	UsersFile    string
	Demo         DemoMode
	CalendarFile string
	WebhookURL   string
	LogLevel     string
	// TemporalLogLevel is the embedded server's own log level.
	TemporalLogLevel string
	// ServeServer, ServeWorker and ServeHTTP are this process's roles.
	ServeServer bool
	ServeWorker bool
	ServeHTTP   bool
	// TemporalUIURL is where links to workflows in the Temporal Web UI point.
	TemporalUIURL string
	// ImportMaxBytes and ImportMaxRows bound one imported ledger file.
	ImportMaxBytes int64
	ImportMaxRows  int
	// AttachmentMaxBytes bounds one evidence file; AttachmentsPerOpinion and
	// AttachmentsMaxBytes bound the files one opinion holds, in number and bytes.
	AttachmentMaxBytes    int64
	AttachmentsPerOpinion int
	AttachmentsMaxBytes   int64
	// MetricsAddr, when set, also serves /metrics on its own address: for a
	// process without the HTTP API (a worker of a cluster), or one that keeps its
	// figures off the public port (MetricsPublic false).
	MetricsAddr string
	// MetricsPublic serves /metrics on HTTPAddr too, beside the API and the web
	// app; off, only MetricsAddr serves it (which is then required).
	MetricsPublic bool
	// TemporalMetricsAddr, when set, is where the embedded server serves its own
	// Prometheus metrics.
	TemporalMetricsAddr string
	// PayloadKeyFile holds the keys that encrypt every payload in Temporal; a
	// one-machine install creates it in the data folder (CreatePayloadKey).
	PayloadKeyFile   string
	CreatePayloadKey bool
	// TemporalUIWrite lets the embedded Web UI change workflows; off, it only reads.
	TemporalUIWrite bool
	// MetricsDepartmentQuality also exports the quality figures by department
	// (RECTIFY_METRICS_DEPARTMENT_QUALITY=on): about 12,000 more series with 100
	// departments and 10 campaigns, past the series budget (docs/metrics.md).
	MetricsDepartmentQuality bool
	// SessionIdle ends a web session not used for that long; SessionMax ends it
	// that long after sign-in, used or not.
	SessionIdle, SessionMax time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client, for counting failed sign-ins per address; empty: the connection's
	// own address is the client's.
	TrustedProxies []netip.Prefix
	// Notify is where notifications go and how (notify.go).
	Notify Notify
}

// TemporalPorts are the fixed gRPC ports of a server's services other than the frontend.
type TemporalPorts struct {
	History, Matching, Worker int
}

// TLS configures the connection to an external Temporal cluster.
type TLS struct {
	CertFile, KeyFile, CAFile, ServerName string
}

// Enabled reports whether any TLS setting was given.
func (t TLS) Enabled() bool {
	return t.CertFile != "" || t.CAFile != "" || t.ServerName != ""
}

// ServerTLS secures a server node: its frontend, its other services and its
// membership port serve TLS with the node's certificate, and the nodes present it to
// each other, checked against the CA.
type ServerTLS struct {
	// CertFile and KeyFile are the node's certificate and key: served on every port,
	// presented to the other nodes and, by its own worker and API, to its frontend.
	CertFile, KeyFile string
	// CAFile signs the certificates of the nodes and of the processes that dial them.
	CAFile string
	// ServerName is the name checked in a node's certificate when dialing it; empty
	// checks the IP address dialed.
	ServerName string
	// ClientAuth makes the frontend refuse a caller without a certificate signed by
	// CAFile. Between nodes a certificate is always required.
	ClientAuth bool
}

// Enabled reports whether the node serves TLS.
func (t ServerTLS) Enabled() bool { return t.CertFile != "" }

// StorePath is the reporting store: RECTIFY_STORE_URL, or the SQLite file in the
// data folder.
func (c Config) StorePath() string {
	if c.StoreURL != "" {
		return c.StoreURL
	}
	return filepath.Join(c.DataDir, "rectify.db")
}

// Embedded reports whether this process runs the Temporal server itself.
func (c Config) Embedded() bool { return c.ServeServer }

// OneProcess reports whether this is the whole product in one process: the
// embedded server with the worker and the HTTP API.
func (c Config) OneProcess() bool { return c.ServeServer && c.ServeWorker && c.ServeHTTP }

// FrontendAddr is the Temporal frontend the worker and API dial: this process's own
// when it runs the server.
func (c Config) FrontendAddr() string {
	if c.Embedded() {
		return c.EmbeddedAddr
	}
	return c.TemporalAddress
}

// FromEnv reads the configuration from the variables Vars lists; getenv is
// os.Getenv outside tests.
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
	switch v := strings.ToLower(get("RECTIFY_METRICS_DEPARTMENT_QUALITY", "off")); v {
	case "off":
	case "on":
		c.MetricsDepartmentQuality = true
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_METRICS_DEPARTMENT_QUALITY=%q: use on or off", v))
	}
	errs = append(errs, c.readRoles(get("RECTIFY_ROLES", ""))...)
	errs = append(errs, c.readTemporalServer(get)...)
	c.StoreURL = get("RECTIFY_STORE_URL", "")
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
	if c.TemporalMetricsAddr != "" && c.TemporalAddress != "" {
		errs = append(errs, errors.New("RECTIFY_TEMPORAL_METRICS_ADDR is the embedded server's; with TEMPORAL_ADDRESS, scrape your cluster's servers instead"))
	}
	if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, errors.New("TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together"))
	}
	if c.ServeServer && c.TLS.Enabled() {
		errs = append(errs, errors.New("TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA and TEMPORAL_TLS_SERVER_NAME dial a cluster at TEMPORAL_ADDRESS; a server node dials its own frontend with RECTIFY_TEMPORAL_SERVER_TLS_CERT, _KEY, _CA and _SERVER_NAME"))
	}
	errs = append(errs, c.readServerTLS(get)...)
	errs = append(errs, c.readOIDC(get)...)
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
		{"RECTIFY_ATTACHMENT_MAX_BYTES", 10 << 20, func(v int64) { c.AttachmentMaxBytes = v }},
		{"RECTIFY_ATTACHMENTS_PER_OPINION", 20, func(v int64) { c.AttachmentsPerOpinion = int(v) }},
		{"RECTIFY_ATTACHMENTS_MAX_BYTES", 50 << 20, func(v int64) { c.AttachmentsMaxBytes = v }},
	} {
		v, err := strconv.ParseInt(get(n.name, strconv.FormatInt(n.def, 10)), 10, 64)
		if err != nil || v <= 0 || v > 1<<40 {
			errs = append(errs, fmt.Errorf("%s must be a positive whole number", n.name))
			continue
		}
		n.dst(v)
	}
	if c.AttachmentMaxBytes > c.AttachmentsMaxBytes && c.AttachmentsMaxBytes > 0 {
		errs = append(errs, fmt.Errorf("RECTIFY_ATTACHMENT_MAX_BYTES (%d, one file) is more than RECTIFY_ATTACHMENTS_MAX_BYTES (%d, all of an opinion's files)",
			c.AttachmentMaxBytes, c.AttachmentsMaxBytes))
	}
	errs = append(errs, c.readPayloadKey(get("RECTIFY_PAYLOAD_KEY_FILE", ""))...)
	switch p := strings.ToLower(get("RECTIFY_METRICS_PUBLIC", "on")); p {
	case "on":
		c.MetricsPublic = true
	case "off":
		if c.MetricsAddr == "" {
			errs = append(errs, errors.New("RECTIFY_METRICS_PUBLIC=off takes /metrics off RECTIFY_HTTP_ADDR, and RECTIFY_METRICS_ADDR is unset, so nothing would serve it: set RECTIFY_METRICS_ADDR to a private address (e.g. 127.0.0.1:9464) for Prometheus"))
		}
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_METRICS_PUBLIC=%q: use on or off", p))
	}
	switch w := strings.ToLower(get("RECTIFY_TEMPORAL_UI_WRITE", "off")); w {
	case "off":
	case "on":
		c.TemporalUIWrite = true
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_TEMPORAL_UI_WRITE=%q: use on or off", w))
	}
	errs = append(errs, c.readSessions(get)...)
	errs = append(errs, c.readNotify(get)...)
	c.TemporalUIURL = get("RECTIFY_TEMPORAL_UI_URL", "")
	if c.TemporalUIURL == "" && c.Embedded() && c.EmbeddedUIAddr != "" {
		c.TemporalUIURL = "http://" + c.EmbeddedUIAddr
	}
	return c, errors.Join(errs...)
}

// readPayloadKey reads RECTIFY_PAYLOAD_KEY_FILE. Without it, the one-machine
// install keeps its key in the data folder, created on the first start; every
// process of a cluster must be given the same file, or what one writes the others
// cannot read.
func (c *Config) readPayloadKey(path string) []error {
	c.PayloadKeyFile = path
	if path != "" || (!c.ServeWorker && !c.ServeHTTP) {
		return nil // a server-only node never reads a payload
	}
	if c.OneProcess() && c.TemporalDB == nil {
		c.PayloadKeyFile, c.CreatePayloadKey = filepath.Join(c.DataDir, "payload.keys"), true
		return nil
	}
	return []error{errors.New("RECTIFY_PAYLOAD_KEY_FILE is required for a process of a cluster: give every node the same key file (docs/security.md says how to make one)")}
}

// Session lives: the bounds keep a typo (30s for 30m, 8760h for 876h) from
// making the web unusable or a session practically endless.
const (
	minSessionLife = time.Minute
	maxSessionLife = 30 * 24 * time.Hour
)

// readSessions reads how long web sessions last and which proxies may name the
// client's address.
func (c *Config) readSessions(get func(key, def string) string) []error {
	var errs []error
	for _, d := range []struct {
		name, def string
		dst       *time.Duration
	}{
		{"RECTIFY_SESSION_IDLE", "30m", &c.SessionIdle},
		{"RECTIFY_SESSION_MAX", "12h", &c.SessionMax},
	} {
		raw := get(d.name, d.def)
		v, err := time.ParseDuration(raw)
		if err != nil || v < minSessionLife || v > maxSessionLife {
			errs = append(errs, fmt.Errorf("%s=%q: use a duration from 1m to 720h, such as %s", d.name, raw, d.def))
			continue
		}
		*d.dst = v
	}
	if c.SessionIdle > 0 && c.SessionMax > 0 && c.SessionIdle > c.SessionMax {
		errs = append(errs, fmt.Errorf("RECTIFY_SESSION_IDLE=%s is longer than RECTIFY_SESSION_MAX=%s: a session ends at the maximum anyway", c.SessionIdle, c.SessionMax))
	}
	if raw := get("RECTIFY_TRUSTED_PROXIES", ""); raw != "" {
		for _, f := range strings.Split(raw, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			p, err := netip.ParsePrefix(f)
			if err != nil {
				a, aerr := netip.ParseAddr(f)
				if aerr != nil {
					errs = append(errs, fmt.Errorf("RECTIFY_TRUSTED_PROXIES: %q is not an IP address or a CIDR block such as 10.0.0.0/8", f))
					continue
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
	}
	return errs
}

// readRoles reads RECTIFY_ROLES. Without it: the whole product in one process, or a
// worker of the cluster at TEMPORAL_ADDRESS.
func (c *Config) readRoles(roles string) []error {
	if roles == "" {
		roles = "server,worker,http"
		if c.TemporalAddress != "" {
			roles = "worker"
		}
	}
	var errs []error
	for _, r := range strings.Split(roles, ",") {
		switch strings.TrimSpace(r) {
		case "server":
			c.ServeServer = true
		case "worker":
			c.ServeWorker = true
		case "http":
			c.ServeHTTP = true
		case "all":
			c.ServeServer, c.ServeWorker, c.ServeHTTP = true, true, true
		case "":
		default:
			errs = append(errs, fmt.Errorf("RECTIFY_ROLES=%q: each role must be server, worker, http or all", roles))
		}
	}
	switch {
	case !c.ServeServer && !c.ServeWorker && !c.ServeHTTP:
		errs = append(errs, fmt.Errorf("RECTIFY_ROLES=%q names no role", roles))
	case c.ServeServer && c.TemporalAddress != "":
		errs = append(errs, fmt.Errorf("RECTIFY_ROLES=%q runs the Temporal server, and TEMPORAL_ADDRESS names another one: a server node's worker and API use its own frontend; drop one of them", roles))
	case !c.ServeServer && c.TemporalAddress == "":
		errs = append(errs, fmt.Errorf("RECTIFY_ROLES=%q runs no Temporal server: set TEMPORAL_ADDRESS to the cluster's frontend, or add the server role", roles))
	}
	return errs
}

// readTemporalServer reads the embedded server's persistence, shards and cluster
// addresses.
func (c *Config) readTemporalServer(get func(key, def string) string) []error {
	var errs []error
	for _, d := range []struct {
		name string
		dst  **url.URL
	}{{"RECTIFY_TEMPORAL_DB", &c.TemporalDB}, {"RECTIFY_TEMPORAL_VISIBILITY_DB", &c.TemporalVisibilityDB}} {
		raw := get(d.name, "")
		if raw == "" {
			continue
		}
		u, err := postgresURL(raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d.name, err))
			continue
		}
		*d.dst = u
	}
	if c.TemporalVisibilityDB != nil && get("RECTIFY_TEMPORAL_DB", "") == "" {
		errs = append(errs, errors.New("RECTIFY_TEMPORAL_VISIBILITY_DB needs RECTIFY_TEMPORAL_DB: visibility is on PostgreSQL only beside the default store"))
	}
	shards := "1"
	if c.TemporalDB != nil {
		shards = "16"
	}
	if n, err := strconv.ParseInt(get("RECTIFY_TEMPORAL_SHARDS", shards), 10, 32); err != nil || n < 1 || n > 16384 {
		errs = append(errs, fmt.Errorf("RECTIFY_TEMPORAL_SHARDS=%q: use a whole number from 1 to 16384", get("RECTIFY_TEMPORAL_SHARDS", "")))
	} else {
		c.TemporalShards = int32(n)
	}
	raw := get("RECTIFY_TEMPORAL_RETENTION", "30d")
	if days, err := strconv.Atoi(strings.TrimSuffix(raw, "d")); err != nil || !strings.HasSuffix(raw, "d") || days < 1 || days > 3650 {
		errs = append(errs, fmt.Errorf("RECTIFY_TEMPORAL_RETENTION=%q: use a number of days from 1d to 3650d, such as 30d", raw))
	} else {
		c.TemporalRetention = time.Duration(days) * 24 * time.Hour
	}
	if c.TemporalDynamicConfig = get("RECTIFY_TEMPORAL_DYNAMIC_CONFIG", ""); c.TemporalDynamicConfig != "" {
		if _, err := os.Stat(c.TemporalDynamicConfig); err != nil {
			errs = append(errs, fmt.Errorf("RECTIFY_TEMPORAL_DYNAMIC_CONFIG=%q: %w", c.TemporalDynamicConfig, err))
		}
	}
	if c.BroadcastAddr = get("RECTIFY_TEMPORAL_BROADCAST_ADDR", ""); c.BroadcastAddr != "" {
		if ip := net.ParseIP(c.BroadcastAddr); ip == nil || ip.IsUnspecified() {
			errs = append(errs, fmt.Errorf("RECTIFY_TEMPORAL_BROADCAST_ADDR=%q: use the IP address other nodes reach this one at", c.BroadcastAddr))
		}
	}
	if ports := get("RECTIFY_TEMPORAL_PORTS", ""); ports != "" {
		if err := c.readTemporalPorts(ports); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// readServerTLS reads the server node's TLS settings. The CA is required: the nodes
// check each other's certificates against it.
func (c *Config) readServerTLS(get func(key, def string) string) []error {
	t := ServerTLS{
		CertFile:   get("RECTIFY_TEMPORAL_SERVER_TLS_CERT", ""),
		KeyFile:    get("RECTIFY_TEMPORAL_SERVER_TLS_KEY", ""),
		CAFile:     get("RECTIFY_TEMPORAL_SERVER_TLS_CA", ""),
		ServerName: get("RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME", ""),
	}
	clientAuth := get("RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH", "")
	var given []string
	for _, v := range []struct{ name, value string }{
		{"RECTIFY_TEMPORAL_SERVER_TLS_CERT", t.CertFile}, {"RECTIFY_TEMPORAL_SERVER_TLS_KEY", t.KeyFile},
		{"RECTIFY_TEMPORAL_SERVER_TLS_CA", t.CAFile}, {"RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME", t.ServerName},
		{"RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH", clientAuth},
	} {
		if v.value != "" {
			given = append(given, v.name)
		}
	}
	if len(given) == 0 {
		return nil
	}
	if !c.ServeServer {
		return []error{fmt.Errorf("%s: a server node's settings, and RECTIFY_ROLES has no server; a worker or web process dials the cluster with TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY and TEMPORAL_TLS_CA",
			strings.Join(given, ", "))}
	}
	var errs []error
	switch {
	case (t.CertFile == "") != (t.KeyFile == ""):
		errs = append(errs, errors.New("RECTIFY_TEMPORAL_SERVER_TLS_CERT and RECTIFY_TEMPORAL_SERVER_TLS_KEY go together"))
	case t.CertFile == "":
		errs = append(errs, fmt.Errorf("%s: TLS needs the node's certificate and key in RECTIFY_TEMPORAL_SERVER_TLS_CERT and RECTIFY_TEMPORAL_SERVER_TLS_KEY", strings.Join(given, ", ")))
	case t.CAFile == "":
		errs = append(errs, errors.New("RECTIFY_TEMPORAL_SERVER_TLS_CA is required with RECTIFY_TEMPORAL_SERVER_TLS_CERT: the nodes check each other's certificates against it"))
	}
	switch strings.ToLower(clientAuth) {
	case "", "on":
		t.ClientAuth = true
	case "off":
	default:
		errs = append(errs, fmt.Errorf("RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH=%q: use on or off", clientAuth))
	}
	c.ServerTLS = t
	return errs
}

// readTemporalPorts reads "history,matching,worker"; the frontend's port must be
// fixed too. The server checks that the membership ports do not collide.
func (c *Config) readTemporalPorts(ports string) error {
	bad := func(why string) error {
		return fmt.Errorf("RECTIFY_TEMPORAL_PORTS=%q: %s", ports, why)
	}
	fields := strings.Split(ports, ",")
	if len(fields) != 3 {
		return bad("give three ports: history,matching,worker (e.g. 7234,7235,7239)")
	}
	var p [3]int
	for i, f := range fields {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 65535 {
			return bad("each port must be a number from 1 to 65535")
		}
		p[i] = n
	}
	_, fp, err := net.SplitHostPort(c.EmbeddedAddr)
	frontend, _ := strconv.Atoi(fp)
	if err != nil || frontend == 0 {
		return bad("fixed service ports need a fixed frontend port in RECTIFY_EMBEDDED_ADDR")
	}
	used := map[int]bool{}
	for _, n := range []int{frontend, p[0], p[1], p[2]} {
		if used[n] {
			return bad(fmt.Sprintf("the ports must differ from each other and from RECTIFY_EMBEDDED_ADDR's %d", frontend))
		}
		used[n] = true
	}
	c.TemporalPorts = TemporalPorts{History: p[0], Matching: p[1], Worker: p[2]}
	return nil
}

// postgresURL reads a postgres:// or postgresql:// URL naming a host and a
// database. Its errors never quote the URL's password.
func postgresURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return nil, errors.New("use a postgres://user:password@host:port/database URL")
	}
	if db := strings.TrimPrefix(u.Path, "/"); db == "" || strings.Contains(db, "/") {
		return nil, fmt.Errorf("%s names no database: use postgres://user:password@host:port/database", u.Redacted())
	}
	return u, nil
}
