package config

import (
	"errors"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestFromEnvDefaults(t *testing.T) {
	c, err := FromEnv(env(nil))
	require.NoError(t, err)
	require.Equal(t, "./data", c.DataDir)
	require.Equal(t, filepath.Join("data", "rectify.db"), c.StorePath())
	require.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
	require.Equal(t, "", c.TemporalAddress)
	require.True(t, c.Embedded())
	require.Equal(t, "127.0.0.1:7233", c.EmbeddedAddr)
	require.Equal(t, "127.0.0.1:7233", c.FrontendAddr())
	require.Equal(t, "127.0.0.1:8233", c.EmbeddedUIAddr)
	require.Equal(t, "http://127.0.0.1:8233", c.TemporalUIURL)
	require.Equal(t, "default", c.Namespace)
	require.Equal(t, DemoOff, c.Demo)
	require.Equal(t, "info", c.LogLevel)
	require.True(t, c.ServeServer)
	require.True(t, c.ServeWorker)
	require.True(t, c.ServeHTTP)
	require.True(t, c.OneProcess())
	require.Nil(t, c.TemporalDB)
	require.EqualValues(t, 1, c.TemporalShards)
	require.Empty(t, c.BroadcastAddr)
	require.Equal(t, TemporalPorts{}, c.TemporalPorts)
	require.False(t, c.TLS.Enabled())
	require.Empty(t, c.UsersFile)
	require.Empty(t, c.WebhookURL)
	require.False(t, c.MetricsDepartmentQuality)
	require.Equal(t, 30*time.Minute, c.SessionIdle)
	require.Equal(t, 12*time.Hour, c.SessionMax)
	require.Empty(t, c.TrustedProxies)
	require.True(t, c.MetricsPublic)
	require.Empty(t, c.MetricsAddr)
	require.EqualValues(t, 10<<20, c.AttachmentMaxBytes)
	require.Equal(t, 20, c.AttachmentsPerOpinion)
	require.EqualValues(t, 50<<20, c.AttachmentsMaxBytes)
}

func TestFromEnvSettings(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"values are trimmed", map[string]string{"RECTIFY_DATA_DIR": " /var/lib/rectify ", "RECTIFY_HTTP_ADDR": " :9090 "},
			func(t *testing.T, c Config) {
				require.Equal(t, "/var/lib/rectify", c.DataDir)
				require.Equal(t, "/var/lib/rectify/rectify.db", c.StorePath())
				require.Equal(t, ":9090", c.HTTPAddr)
			}},
		{"external cluster runs only a worker", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/etc/rectify/payload.keys", "TEMPORAL_ADDRESS": "temporal.internal:7233", "TEMPORAL_NAMESPACE": "rectify"},
			func(t *testing.T, c Config) {
				require.False(t, c.Embedded())
				require.False(t, c.ServeServer)
				require.Equal(t, "temporal.internal:7233", c.FrontendAddr())
				require.Equal(t, "rectify", c.Namespace)
				require.True(t, c.ServeWorker)
				require.False(t, c.ServeHTTP)
				require.Empty(t, c.TemporalUIURL)
			}},
		{"external cluster with worker and http", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/etc/rectify/payload.keys", "TEMPORAL_ADDRESS": "temporal:7233", "RECTIFY_ROLES": "worker,http"},
			func(t *testing.T, c Config) {
				require.True(t, c.ServeWorker)
				require.True(t, c.ServeHTTP)
			}},
		{"http only, with spaces", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/etc/rectify/payload.keys", "TEMPORAL_ADDRESS": "temporal:7233", "RECTIFY_ROLES": " http "},
			func(t *testing.T, c Config) {
				require.False(t, c.ServeWorker)
				require.True(t, c.ServeHTTP)
			}},
		{"server and worker", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/etc/rectify/payload.keys", "RECTIFY_ROLES": "server,worker"},
			func(t *testing.T, c Config) {
				require.True(t, c.Embedded())
				require.True(t, c.ServeWorker)
				require.False(t, c.ServeHTTP)
				require.False(t, c.OneProcess())
			}},
		{"server node on PostgreSQL", map[string]string{
			"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_DB": "postgresql://temporal:s3cret@db.internal/temporal?sslmode=require",
			"RECTIFY_EMBEDDED_ADDR": "0.0.0.0:7233", "RECTIFY_TEMPORAL_BROADCAST_ADDR": "10.0.0.7", "RECTIFY_TEMPORAL_PORTS": " 7234, 7235,7239 ",
		},
			func(t *testing.T, c Config) {
				require.True(t, c.ServeServer)
				require.False(t, c.ServeWorker)
				require.False(t, c.ServeHTTP)
				require.Equal(t, "db.internal", c.TemporalDB.Host)
				require.Equal(t, "require", c.TemporalDB.Query().Get("sslmode"))
				require.Nil(t, c.TemporalVisibilityDB)
				require.EqualValues(t, 16, c.TemporalShards, "PostgreSQL's default")
				require.Equal(t, "10.0.0.7", c.BroadcastAddr)
				require.Equal(t, TemporalPorts{History: 7234, Matching: 7235, Worker: 7239}, c.TemporalPorts)
			}},
		{"separate visibility database and shard count", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/etc/rectify/payload.keys",
			"RECTIFY_TEMPORAL_DB": "postgres://t:p@db:5432/temporal", "RECTIFY_TEMPORAL_VISIBILITY_DB": "postgres://t:p@db:5432/temporal_visibility",
			"RECTIFY_TEMPORAL_SHARDS": "64",
		},
			func(t *testing.T, c Config) {
				require.Equal(t, "/temporal_visibility", c.TemporalVisibilityDB.Path)
				require.EqualValues(t, 64, c.TemporalShards)
			}},
		{"payload key kept in the data folder of a one-machine install", map[string]string{"RECTIFY_DATA_DIR": "/srv/rectify"},
			func(t *testing.T, c Config) {
				require.Equal(t, "/srv/rectify/payload.keys", c.PayloadKeyFile)
				require.True(t, c.CreatePayloadKey)
				require.False(t, c.TemporalUIWrite, "the Web UI only reads unless told")
			}},
		{"payload key file given", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/run/secrets/payload.keys", "RECTIFY_TEMPORAL_UI_WRITE": "on"},
			func(t *testing.T, c Config) {
				require.Equal(t, "/run/secrets/payload.keys", c.PayloadKeyFile)
				require.False(t, c.CreatePayloadKey, "a given file is never made up")
				require.True(t, c.TemporalUIWrite)
			}},
		{"a server-only node needs no payload key", map[string]string{"RECTIFY_ROLES": "server"},
			func(t *testing.T, c Config) { require.Empty(t, c.PayloadKeyFile) }},
		{"all roles", map[string]string{"RECTIFY_ROLES": "all"},
			func(t *testing.T, c Config) { require.True(t, c.OneProcess()) }},
		{"store URL", map[string]string{"RECTIFY_STORE_URL": "postgres://rectify:pw@db/rectify"},
			func(t *testing.T, c Config) { require.Equal(t, "postgres://rectify:pw@db/rectify", c.StorePath()) }},
		{"embedded UI off", map[string]string{"RECTIFY_EMBEDDED_UI_ADDR": "off"},
			func(t *testing.T, c Config) {
				require.Empty(t, c.EmbeddedUIAddr)
				require.Empty(t, c.TemporalUIURL)
			}},
		{"embedded UI elsewhere", map[string]string{"RECTIFY_EMBEDDED_UI_ADDR": "0.0.0.0:18233", "RECTIFY_EMBEDDED_ADDR": "127.0.0.1:17233"},
			func(t *testing.T, c Config) {
				require.Equal(t, "0.0.0.0:18233", c.EmbeddedUIAddr)
				require.Equal(t, "http://0.0.0.0:18233", c.TemporalUIURL)
				require.Equal(t, "127.0.0.1:17233", c.FrontendAddr())
			}},
		{"explicit UI URL wins", map[string]string{"RECTIFY_TEMPORAL_UI_URL": "https://temporal.example.gov.cn"},
			func(t *testing.T, c Config) { require.Equal(t, "https://temporal.example.gov.cn", c.TemporalUIURL) }},
		{"TLS with cert and key", map[string]string{"TEMPORAL_TLS_CERT": "/c.pem", "TEMPORAL_TLS_KEY": "/k.pem", "TEMPORAL_ADDRESS": "temporal:7233", "RECTIFY_PAYLOAD_KEY_FILE": "/p.keys"},
			func(t *testing.T, c Config) {
				require.True(t, c.TLS.Enabled())
				require.Equal(t, TLS{CertFile: "/c.pem", KeyFile: "/k.pem"}, c.TLS)
				require.False(t, c.ServerTLS.Enabled())
			}},
		{"TLS with CA only", map[string]string{"TEMPORAL_TLS_CA": "/ca.pem", "TEMPORAL_ADDRESS": "temporal:7233", "RECTIFY_PAYLOAD_KEY_FILE": "/p.keys"},
			func(t *testing.T, c Config) { require.True(t, c.TLS.Enabled()) }},
		{"server TLS requires client certificates by default", map[string]string{"RECTIFY_ROLES": "server",
			"RECTIFY_TEMPORAL_SERVER_TLS_CERT": "/tls/node.pem", "RECTIFY_TEMPORAL_SERVER_TLS_KEY": "/tls/node.key", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/tls/ca.pem",
		},
			func(t *testing.T, c Config) {
				require.True(t, c.ServerTLS.Enabled())
				require.Equal(t, ServerTLS{CertFile: "/tls/node.pem", KeyFile: "/tls/node.key", CAFile: "/tls/ca.pem", ClientAuth: true}, c.ServerTLS)
				require.False(t, c.TLS.Enabled(), "the node's own client uses the server's settings")
			}},
		{"server TLS without client authentication, with a server name", map[string]string{"RECTIFY_PAYLOAD_KEY_FILE": "/p.keys",
			"RECTIFY_TEMPORAL_SERVER_TLS_CERT": "/tls/node.pem", "RECTIFY_TEMPORAL_SERVER_TLS_KEY": "/tls/node.key", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/tls/ca.pem",
			"RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH": "Off", "RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME": "rectify-frontend",
		},
			func(t *testing.T, c Config) {
				require.True(t, c.OneProcess(), "a one-machine install may serve TLS too")
				require.False(t, c.ServerTLS.ClientAuth)
				require.Equal(t, "rectify-frontend", c.ServerTLS.ServerName)
			}},
		{"no server TLS by default", map[string]string{"RECTIFY_ROLES": "server"},
			func(t *testing.T, c Config) { require.Equal(t, ServerTLS{}, c.ServerTLS) }},
		{"webhook", map[string]string{"RECTIFY_WEBHOOK_URL": "https://im.example.gov.cn/hook"},
			func(t *testing.T, c Config) { require.Equal(t, "https://im.example.gov.cn/hook", c.WebhookURL) }},
		{"log level", map[string]string{"RECTIFY_LOG_LEVEL": "debug"},
			func(t *testing.T, c Config) { require.Equal(t, "debug", c.LogLevel) }},
		{"session lives", map[string]string{"RECTIFY_SESSION_IDLE": " 15m ", "RECTIFY_SESSION_MAX": "8h30m"},
			func(t *testing.T, c Config) {
				require.Equal(t, 15*time.Minute, c.SessionIdle)
				require.Equal(t, 8*time.Hour+30*time.Minute, c.SessionMax)
			}},
		{"trusted proxies", map[string]string{"RECTIFY_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7 ,fd00::1/64,"},
			func(t *testing.T, c Config) {
				require.Equal(t, []netip.Prefix{
					netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"), netip.MustParsePrefix("fd00::/64"),
				}, c.TrustedProxies)
			}},
		{"metrics on the public port by default", map[string]string{"RECTIFY_METRICS_ADDR": "127.0.0.1:9464"},
			func(t *testing.T, c Config) {
				require.True(t, c.MetricsPublic, "the one-command run serves /metrics beside the API")
				require.Equal(t, "127.0.0.1:9464", c.MetricsAddr)
			}},
		{"metrics off the public port", map[string]string{"RECTIFY_METRICS_PUBLIC": "off", "RECTIFY_METRICS_ADDR": "0.0.0.0:9464"},
			func(t *testing.T, c Config) {
				require.False(t, c.MetricsPublic)
				require.Equal(t, "0.0.0.0:9464", c.MetricsAddr, "served there only")
			}},
		{"metrics public, spelt in capitals", map[string]string{"RECTIFY_METRICS_PUBLIC": " ON "},
			func(t *testing.T, c Config) { require.True(t, c.MetricsPublic) }},
		{"users and calendar files", map[string]string{"RECTIFY_USERS": "/etc/rectify/users.json", "RECTIFY_CALENDAR": "/etc/rectify/holidays.json"},
			func(t *testing.T, c Config) {
				require.Equal(t, "/etc/rectify/users.json", c.UsersFile)
				require.Equal(t, "/etc/rectify/holidays.json", c.CalendarFile)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromEnv(env(tc.env))
			require.NoError(t, err)
			tc.check(t, c)
		})
	}
}

func TestFromEnvDemo(t *testing.T) {
	tests := map[string]DemoMode{
		"": DemoOff, "off": DemoOff, "false": DemoOff, "0": DemoOff, "no": DemoOff,
		"on": DemoOn, "true": DemoOn, "1": DemoOn, "yes": DemoOn, "ON": DemoOn, " True ": DemoOn,
		"auto": DemoAuto, "Auto": DemoAuto,
	}
	for v, want := range tests {
		t.Run(v, func(t *testing.T) {
			c, err := FromEnv(env(map[string]string{"RECTIFY_DEMO": v}))
			require.NoError(t, err)
			require.Equal(t, want, c.Demo)
		})
	}
	t.Run("bad value names the variable", func(t *testing.T) {
		_, err := FromEnv(env(map[string]string{"RECTIFY_DEMO": "maybe"}))
		require.Error(t, err)
		require.Contains(t, err.Error(), "RECTIFY_DEMO")
		require.Contains(t, err.Error(), "maybe")
		require.Contains(t, err.Error(), "on, off or auto")
	})
}

func TestFromEnvMetricsDepartmentQuality(t *testing.T) {
	for v, want := range map[string]bool{"": false, "off": false, "on": true, " On ": true, "OFF": false} {
		t.Run(v, func(t *testing.T) {
			c, err := FromEnv(env(map[string]string{"RECTIFY_METRICS_DEPARTMENT_QUALITY": v}))
			require.NoError(t, err)
			require.Equal(t, want, c.MetricsDepartmentQuality)
		})
	}
	for _, v := range []string{"yes", "true", "1", "departments"} {
		t.Run("bad value "+v, func(t *testing.T) {
			_, err := FromEnv(env(map[string]string{"RECTIFY_METRICS_DEPARTMENT_QUALITY": v}))
			require.Error(t, err)
			require.Contains(t, err.Error(), "RECTIFY_METRICS_DEPARTMENT_QUALITY")
			require.Contains(t, err.Error(), `"`+v+`"`)
			require.Contains(t, err.Error(), "use on or off")
		})
	}
}

func TestFromEnvRejects(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		contains []string
	}{
		{"HTTP address without port", map[string]string{"RECTIFY_HTTP_ADDR": "localhost"}, []string{"RECTIFY_HTTP_ADDR", `"localhost"`, "host:port"}},
		{"embedded address", map[string]string{"RECTIFY_EMBEDDED_ADDR": "7233"}, []string{"RECTIFY_EMBEDDED_ADDR", "host:port"}},
		{"temporal address", map[string]string{"TEMPORAL_ADDRESS": "temporal.internal"}, []string{"TEMPORAL_ADDRESS", "host:port"}},
		{"UI address", map[string]string{"RECTIFY_EMBEDDED_UI_ADDR": "nowhere"}, []string{"RECTIFY_EMBEDDED_UI_ADDR", "host:port", "off"}},
		{"cert without key", map[string]string{"TEMPORAL_TLS_CERT": "/c.pem"}, []string{"TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY"}},
		{"key without cert", map[string]string{"TEMPORAL_TLS_KEY": "/k.pem"}, []string{"TEMPORAL_TLS_CERT", "TEMPORAL_TLS_KEY"}},
		{"log level", map[string]string{"RECTIFY_LOG_LEVEL": "verbose"}, []string{"RECTIFY_LOG_LEVEL", `"verbose"`, "debug, info, warn or error"}},
		{"webhook scheme", map[string]string{"RECTIFY_WEBHOOK_URL": "ftp://example.com/hook"}, []string{"RECTIFY_WEBHOOK_URL", "http(s)"}},
		{"webhook not a URL", map[string]string{"RECTIFY_WEBHOOK_URL": "example.com/hook"}, []string{"RECTIFY_WEBHOOK_URL"}},
		{"webhook unparseable", map[string]string{"RECTIFY_WEBHOOK_URL": "http://exa mple.com/%zz"}, []string{"RECTIFY_WEBHOOK_URL"}},
		{"webhook without host", map[string]string{"RECTIFY_WEBHOOK_URL": "http://"}, []string{"RECTIFY_WEBHOOK_URL"}},
		{"unknown role", map[string]string{"RECTIFY_ROLES": "server,admin"}, []string{"RECTIFY_ROLES", "admin", "server, worker, http or all"}},
		{"no role", map[string]string{"RECTIFY_ROLES": ","}, []string{"RECTIFY_ROLES", "names no role"}},
		{"server with an external cluster", map[string]string{"RECTIFY_ROLES": "server,worker", "TEMPORAL_ADDRESS": "temporal:7233"},
			[]string{"RECTIFY_ROLES", "TEMPORAL_ADDRESS", "runs the Temporal server"}},
		{"all with an external cluster", map[string]string{"RECTIFY_ROLES": "all", "TEMPORAL_ADDRESS": "temporal:7233"},
			[]string{"RECTIFY_ROLES", "TEMPORAL_ADDRESS"}},
		{"worker without a server to dial", map[string]string{"RECTIFY_ROLES": "worker,http"}, []string{"RECTIFY_ROLES", "runs no Temporal server", "TEMPORAL_ADDRESS"}},
		{"database not PostgreSQL", map[string]string{"RECTIFY_TEMPORAL_DB": "mysql://u:p@db/temporal"}, []string{"RECTIFY_TEMPORAL_DB", "postgres://"}},
		{"database without a name", map[string]string{"RECTIFY_TEMPORAL_DB": "postgres://u:p@db:5432"}, []string{"RECTIFY_TEMPORAL_DB", "names no database"}},
		{"database without a host", map[string]string{"RECTIFY_TEMPORAL_DB": "postgres:///temporal"}, []string{"RECTIFY_TEMPORAL_DB", "postgres://"}},
		{"visibility database alone", map[string]string{"RECTIFY_TEMPORAL_VISIBILITY_DB": "postgres://u:p@db/vis"}, []string{"RECTIFY_TEMPORAL_VISIBILITY_DB", "needs RECTIFY_TEMPORAL_DB"}},
		{"bad visibility database", map[string]string{"RECTIFY_TEMPORAL_DB": "postgres://u:p@db/t", "RECTIFY_TEMPORAL_VISIBILITY_DB": "db/vis"}, []string{"RECTIFY_TEMPORAL_VISIBILITY_DB", "postgres://"}},
		{"shards not a number", map[string]string{"RECTIFY_TEMPORAL_SHARDS": "many"}, []string{"RECTIFY_TEMPORAL_SHARDS", `"many"`, "1 to 16384"}},
		{"zero shards", map[string]string{"RECTIFY_TEMPORAL_SHARDS": "0"}, []string{"RECTIFY_TEMPORAL_SHARDS"}},
		{"too many shards", map[string]string{"RECTIFY_TEMPORAL_SHARDS": "100000"}, []string{"RECTIFY_TEMPORAL_SHARDS"}},
		{"broadcast not an IP", map[string]string{"RECTIFY_TEMPORAL_BROADCAST_ADDR": "node-a.internal"}, []string{"RECTIFY_TEMPORAL_BROADCAST_ADDR", "IP address"}},
		{"broadcast unspecified", map[string]string{"RECTIFY_TEMPORAL_BROADCAST_ADDR": "0.0.0.0"}, []string{"RECTIFY_TEMPORAL_BROADCAST_ADDR"}},
		{"two ports", map[string]string{"RECTIFY_TEMPORAL_PORTS": "7234,7235"}, []string{"RECTIFY_TEMPORAL_PORTS", "history,matching,worker"}},
		{"port not a number", map[string]string{"RECTIFY_TEMPORAL_PORTS": "7234,x,7239"}, []string{"RECTIFY_TEMPORAL_PORTS", "1 to 65535"}},
		{"port repeated", map[string]string{"RECTIFY_TEMPORAL_PORTS": "7234,7234,7239"}, []string{"RECTIFY_TEMPORAL_PORTS", "differ"}},
		{"port is the frontend's", map[string]string{"RECTIFY_TEMPORAL_PORTS": "7233,7235,7239"}, []string{"RECTIFY_TEMPORAL_PORTS", "7233"}},
		{"a cluster's worker without a payload key", map[string]string{"TEMPORAL_ADDRESS": "temporal:7233"},
			[]string{"RECTIFY_PAYLOAD_KEY_FILE", "same key file"}},
		{"a PostgreSQL node without a payload key", map[string]string{"RECTIFY_TEMPORAL_DB": "postgres://u:p@db/t"},
			[]string{"RECTIFY_PAYLOAD_KEY_FILE"}},
		{"UI write not on or off", map[string]string{"RECTIFY_TEMPORAL_UI_WRITE": "yes please"}, []string{"RECTIFY_TEMPORAL_UI_WRITE", "on or off"}},
		{"a file larger than all of an opinion's files", map[string]string{"RECTIFY_ATTACHMENT_MAX_BYTES": "60000000"},
			[]string{"RECTIFY_ATTACHMENT_MAX_BYTES", "RECTIFY_ATTACHMENTS_MAX_BYTES"}},
		{"no files per opinion", map[string]string{"RECTIFY_ATTACHMENTS_PER_OPINION": "0"}, []string{"RECTIFY_ATTACHMENTS_PER_OPINION", "positive"}},
		{"server TLS cert without key", map[string]string{"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_SERVER_TLS_CERT": "/n.pem", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/ca.pem"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CERT and RECTIFY_TEMPORAL_SERVER_TLS_KEY go together"}},
		{"server TLS key without cert", map[string]string{"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_SERVER_TLS_KEY": "/n.key", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/ca.pem"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CERT and RECTIFY_TEMPORAL_SERVER_TLS_KEY go together"}},
		{"server TLS without the CA", map[string]string{"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_SERVER_TLS_CERT": "/n.pem", "RECTIFY_TEMPORAL_SERVER_TLS_KEY": "/n.key"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CA is required", "check each other's certificates"}},
		{"server TLS CA without a certificate", map[string]string{"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/ca.pem"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CA:", "RECTIFY_TEMPORAL_SERVER_TLS_CERT and RECTIFY_TEMPORAL_SERVER_TLS_KEY"}},
		{"server TLS client auth alone", map[string]string{"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH": "on"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH:", "node's certificate"}},
		{"server TLS client auth not on or off", map[string]string{"RECTIFY_ROLES": "server", "RECTIFY_TEMPORAL_SERVER_TLS_CERT": "/n.pem",
			"RECTIFY_TEMPORAL_SERVER_TLS_KEY": "/n.key", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/ca.pem", "RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH": "required"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CLIENT_AUTH", `"required"`, "on or off"}},
		{"server TLS on a worker", map[string]string{"TEMPORAL_ADDRESS": "temporal:7233", "RECTIFY_PAYLOAD_KEY_FILE": "/p.keys",
			"RECTIFY_TEMPORAL_SERVER_TLS_CERT": "/n.pem", "RECTIFY_TEMPORAL_SERVER_TLS_KEY": "/n.key", "RECTIFY_TEMPORAL_SERVER_TLS_CA": "/ca.pem"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_CERT, RECTIFY_TEMPORAL_SERVER_TLS_KEY, RECTIFY_TEMPORAL_SERVER_TLS_CA", "RECTIFY_ROLES has no server", "TEMPORAL_TLS_CERT"}},
		{"server name on a web process", map[string]string{"TEMPORAL_ADDRESS": "temporal:7233", "RECTIFY_ROLES": "http", "RECTIFY_PAYLOAD_KEY_FILE": "/p.keys",
			"RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME": "rectify-frontend"},
			[]string{"RECTIFY_TEMPORAL_SERVER_TLS_SERVER_NAME", "RECTIFY_ROLES has no server", "TEMPORAL_TLS_"}},
		{"client TLS on a server node", map[string]string{"RECTIFY_ROLES": "server", "TEMPORAL_TLS_CA": "/ca.pem"},
			[]string{"TEMPORAL_TLS_CA", "TEMPORAL_ADDRESS", "RECTIFY_TEMPORAL_SERVER_TLS_CERT"}},
		{"idle not a duration", map[string]string{"RECTIFY_SESSION_IDLE": "30"}, []string{"RECTIFY_SESSION_IDLE", `"30"`, "duration"}},
		{"idle too short", map[string]string{"RECTIFY_SESSION_IDLE": "30s"}, []string{"RECTIFY_SESSION_IDLE", "1m"}},
		{"max negative", map[string]string{"RECTIFY_SESSION_MAX": "-1h"}, []string{"RECTIFY_SESSION_MAX", "duration"}},
		{"max too long", map[string]string{"RECTIFY_SESSION_MAX": "8760h"}, []string{"RECTIFY_SESSION_MAX", "720h"}},
		{"idle longer than max", map[string]string{"RECTIFY_SESSION_IDLE": "2h", "RECTIFY_SESSION_MAX": "1h"},
			[]string{"RECTIFY_SESSION_IDLE", "RECTIFY_SESSION_MAX", "longer"}},
		{"trusted proxy not an address", map[string]string{"RECTIFY_TRUSTED_PROXIES": "10.0.0.0/8,proxy.internal"},
			[]string{"RECTIFY_TRUSTED_PROXIES", `"proxy.internal"`, "CIDR"}},
		{"trusted proxy bad block", map[string]string{"RECTIFY_TRUSTED_PROXIES": "10.0.0.0/33"}, []string{"RECTIFY_TRUSTED_PROXIES", `"10.0.0.0/33"`}},
		{"metrics public not on or off", map[string]string{"RECTIFY_METRICS_PUBLIC": "private", "RECTIFY_METRICS_ADDR": "127.0.0.1:9464"},
			[]string{"RECTIFY_METRICS_PUBLIC", `"private"`, "on or off"}},
		{"metrics off the public port and served nowhere", map[string]string{"RECTIFY_METRICS_PUBLIC": "off"},
			[]string{"RECTIFY_METRICS_PUBLIC=off", "RECTIFY_METRICS_ADDR", "nothing would serve it"}},
		{"ports with a chosen frontend", map[string]string{"RECTIFY_TEMPORAL_PORTS": "7234,7235,7239", "RECTIFY_EMBEDDED_ADDR": "127.0.0.1:0"},
			[]string{"RECTIFY_TEMPORAL_PORTS", "RECTIFY_EMBEDDED_ADDR"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FromEnv(env(tc.env))
			require.Error(t, err)
			for _, s := range tc.contains {
				require.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestFromEnvReportsEveryProblemAtOnce(t *testing.T) {
	_, err := FromEnv(env(map[string]string{
		"RECTIFY_DEMO":        "sometimes",
		"RECTIFY_HTTP_ADDR":   "localhost",
		"TEMPORAL_TLS_CERT":   "/c.pem",
		"RECTIFY_LOG_LEVEL":   "loud",
		"RECTIFY_WEBHOOK_URL": "mailto:office@example.gov.cn",
		"RECTIFY_ROLES":       "server,scheduler",
	}))
	require.Error(t, err)
	var joined interface{ Unwrap() []error }
	require.True(t, errors.As(err, &joined), "errors are joined: %T", err)
	// The role server makes TEMPORAL_TLS_CERT a mistake of its own: seven in all.
	require.Len(t, joined.Unwrap(), 7, err.Error())
	for _, s := range []string{"RECTIFY_DEMO", "RECTIFY_HTTP_ADDR", "TEMPORAL_TLS_KEY", "RECTIFY_LOG_LEVEL", "RECTIFY_WEBHOOK_URL", "RECTIFY_ROLES", "RECTIFY_TEMPORAL_SERVER_TLS_CERT"} {
		require.Contains(t, err.Error(), s)
	}
}

func TestFromEnvNeverQuotesADatabasePassword(t *testing.T) {
	for _, raw := range []string{
		"postgres://temporal:s3cret@db.internal:54x2/temporal", // unparseable port
		"postgres://temporal:s3cret@db.internal:5432",          // no database
		"mysql://temporal:s3cret@db.internal/temporal",         // wrong scheme
	} {
		_, err := FromEnv(env(map[string]string{"RECTIFY_TEMPORAL_DB": raw, "RECTIFY_TEMPORAL_VISIBILITY_DB": raw}))
		require.Error(t, err)
		require.Contains(t, err.Error(), "RECTIFY_TEMPORAL_DB")
		require.NotContains(t, err.Error(), "s3cret")
	}
}
