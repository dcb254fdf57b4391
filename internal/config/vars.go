package config

// Var is one environment variable FromEnv reads.
type Var struct {
	Name string
	// Default is the value an unset variable takes, exactly as FromEnv takes it;
	// empty when unset means none, or when the default depends on other
	// settings — then Meaning says it, in brackets.
	Default string
	// Meaning is what the variable sets, in a line or two; README.md's
	// configuration table says more.
	Meaning string
}

// Vars is every variable FromEnv reads, in the order rectify-worker --help and
// README.md's configuration table list them. Tests hold it to config.go (every
// name read is here, and FromEnv asks for every one) and to the README (a row for
// each).
var Vars = []Var{
	{"RECTIFY_DATA_DIR", "./data", "data folder: temporal.db, rectify.db, payload.keys, demo users"},
	{"RECTIFY_HTTP_ADDR", "127.0.0.1:8080", "API and web app address"},
	{"TEMPORAL_ADDRESS", "", "external Temporal frontend, for a process without the server role"},
	{"RECTIFY_ROLES", "", "server, worker, http or all, comma-separated [server,worker,http; worker with TEMPORAL_ADDRESS]"},
	{"RECTIFY_EMBEDDED_ADDR", "127.0.0.1:7233", "embedded server's frontend"},
	{"RECTIFY_EMBEDDED_UI_ADDR", "127.0.0.1:8233", "embedded Temporal Web UI, or off"},
	{"RECTIFY_TEMPORAL_DB", "", "embedded server on PostgreSQL: postgres://user:pass@host:port/db [SQLite temporal.db in the data folder]"},
	{"RECTIFY_TEMPORAL_VISIBILITY_DB", "", "visibility store's database [RECTIFY_TEMPORAL_DB]"},
	{"RECTIFY_TEMPORAL_SHARDS", "", "history shards, fixed at the first start [1 on SQLite, 16 on PostgreSQL]"},
	{"RECTIFY_TEMPORAL_RETENTION", "30d", "how long Temporal keeps a closed opinion's history, in days (1d to 3650d); set on the namespace at every start"},
	{"RECTIFY_TEMPORAL_DYNAMIC_CONFIG", "", "file of Temporal's dynamic configuration for the embedded server, read again every 10 s [rectify's defaults]"},
	{"RECTIFY_TEMPORAL_BROADCAST_ADDR", "", "IP other server nodes reach this one at [host of RECTIFY_EMBEDDED_ADDR; 127.0.0.1 for 0.0.0.0]"},
	{"RECTIFY_TEMPORAL_PORTS", "", "history,matching,worker gRPC ports of a cluster node, e.g. 7234,7235,7239 (membership ports 100 above) [chosen, kept in the data folder]"},
	{"RECTIFY_TEMPORAL_SERVER_TLS_CERT", "", "a server node's certificate (PEM): TLS on every port [plain gRPC]"},
	{"RECTIFY_TEMPORAL_SERVER_TLS_KEY", "", "the server node's key, with RECTIFY_TEMPORAL_SERVER_TLS_CERT"},
	{"RECTIFY_TEMPORAL_SERVER_TLS_CA", "", "CA of the nodes' and clients' certificates; required with the certificate"},
	{"RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH", "", "on: the frontend requires client certificates; off: any TLS caller [on, with a certificate]"},
	{"RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME", "", "name checked in the nodes' certificates [the IP dialed]"},
	{"RECTIFY_STORE_URL", "", "reporting store: a SQLite file or postgres://… [rectify.db in the data folder]"},
	{"TEMPORAL_NAMESPACE", "default", "namespace"},
	{"TEMPORAL_TLS_CERT", "", "client certificate for an external cluster (mTLS)"},
	{"TEMPORAL_TLS_KEY", "", "client key, with TEMPORAL_TLS_CERT"},
	{"TEMPORAL_TLS_CA", "", "CA of an external cluster's frontend"},
	{"TEMPORAL_TLS_SERVER_NAME", "", "name checked in an external cluster's certificate"},
	{"TEMPORAL_API_KEY", "", "API key for an external cluster"},
	{"RECTIFY_USERS", "", "users file (JSON) [the demo users of a demo data folder]"},
	{"RECTIFY_SESSION_IDLE", "30m", "a web session not used for this long ends (1m to 720h)"},
	{"RECTIFY_SESSION_MAX", "12h", "a web session ends this long after sign-in (1m to 720h)"},
	{"RECTIFY_TRUSTED_PROXIES", "", "reverse proxies (IPs or CIDR blocks, comma-separated) whose X-Forwarded-For names the client [none]"},
	{"RECTIFY_DEMO", "off", "on, off or auto (seed only into an empty data folder)"},
	{"RECTIFY_CALENDAR", "", "holiday file merged over the built-in calendar"},
	{"RECTIFY_IMPORT_MAX_BYTES", "52428800", "largest ledger file to import"},
	{"RECTIFY_IMPORT_MAX_ROWS", "200000", "most rows in one ledger file"},
	{"RECTIFY_ATTACHMENT_MAX_BYTES", "10485760", "largest evidence file (a photo or a document)"},
	{"RECTIFY_ATTACHMENTS_PER_OPINION", "20", "most evidence files one opinion holds"},
	{"RECTIFY_ATTACHMENTS_MAX_BYTES", "52428800", "most bytes of evidence files one opinion holds"},
	{"RECTIFY_WEBHOOK_URL", "", "post notifications as JSON here [log them]"},
	{"RECTIFY_PUBLIC_URL", "", "where people open rectify: links in notifications start with it [http://RECTIFY_HTTP_ADDR]"},
	{"RECTIFY_DINGTALK_WEBHOOK", "", "campaign-wide DingTalk group robot's webhook URL"},
	{"RECTIFY_DINGTALK_SECRET", "", "that robot's signing secret (加签, SEC…)"},
	{"RECTIFY_WECOM_WEBHOOK", "", "campaign-wide WeCom (企业微信) group robot's webhook URL (with its key)"},
	{"RECTIFY_FEISHU_WEBHOOK", "", "campaign-wide Feishu (飞书) group robot's webhook URL"},
	{"RECTIFY_FEISHU_SECRET", "", "that robot's signing secret (签名校验)"},
	{"RECTIFY_NOTIFY_ROUTES", "", "JSON file of department, role and alert groups' addresses"},
	{"RECTIFY_NOTIFY_ATTEMPTS", "10", "tries of one delivery before it is reported failed (backoff 1 s doubling to 5 min)"},
	{"RECTIFY_SMTP_HOST", "", "SMTP server for e-mail notifications [no e-mail]"},
	{"RECTIFY_SMTP_PORT", "", "its port [587 starttls, 465 tls, 25 none]"},
	{"RECTIFY_SMTP_USERNAME", "", "SMTP sign-in (AUTH PLAIN, only over TLS or to localhost)"},
	{"RECTIFY_SMTP_PASSWORD", "", "its password"},
	{"RECTIFY_SMTP_FROM", "", "sender address, e.g. 整改办 <notify@example.gov.cn> [required with RECTIFY_SMTP_HOST]"},
	{"RECTIFY_SMTP_TLS", "starttls", "starttls, tls (implicit, port 465) or none"},
	{"RECTIFY_DIGEST_AT", "08:30", "local time of each working day's digest to officials and leaders, or off"},
	{"RECTIFY_DIGEST_TZ", "Asia/Shanghai", "time zone of RECTIFY_DIGEST_AT"},
	{"RECTIFY_ALERTMANAGER_TOKEN", "", "bearer token Alertmanager posts alerts with (POST /api/v1/alerts) [closed]"},
	{"RECTIFY_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"RECTIFY_TEMPORAL_LOG_LEVEL", "fatal", "the embedded server's own log: debug … fatal"},
	{"RECTIFY_TEMPORAL_UI_URL", "", "where links to workflows point, and the origin allowed to call /codec/decode [the embedded Web UI]"},
	{"RECTIFY_PAYLOAD_KEY_FILE", "", "keys that encrypt every payload in Temporal [one machine: payload.keys in the data folder, made at the first start; a cluster's worker and web processes: required]"},
	{"RECTIFY_TEMPORAL_UI_WRITE", "off", "on lets the embedded Web UI change workflows; off, it only reads"},
	{"RECTIFY_METRICS_ADDR", "", "/metrics, /healthz and /readyz on their own address"},
	{"RECTIFY_METRICS_PUBLIC", "on", "on: /metrics on RECTIFY_HTTP_ADDR too; off: only on RECTIFY_METRICS_ADDR, which is then required"},
	{"RECTIFY_TEMPORAL_METRICS_ADDR", "", "the embedded server's own Prometheus metrics"},
	{"RECTIFY_METRICS_DEPARTMENT_QUALITY", "off", "on: /metrics also has the quality figures by department (about 12,000 series more)"},
}

func init() { Vars = append(Vars, oidcVars...) }
