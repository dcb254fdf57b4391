package engine

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/metrics/metricstest"
)

// startSQLite starts a one-node server in dataDir with the given retention and
// dynamic-config file.
func startSQLite(t *testing.T, dataDir string, retention time.Duration, dynamic, metricsAddr string) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, Options{DataDir: dataDir, FrontendAddr: "127.0.0.1:0", Namespace: "rectify",
		Retention: retention, DynamicConfigFile: dynamic, MetricsAddr: metricsAddr})
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

func dial(t *testing.T, s *Server) client.Client {
	t.Helper()
	c, err := dialWithRetry(context.Background(), s.FrontendAddr(), "rectify", nil)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func retentionOf(t *testing.T, c client.Client) time.Duration {
	t.Helper()
	ns, err := c.WorkflowService().DescribeNamespace(context.Background(), &workflowservice.DescribeNamespaceRequest{Namespace: "rectify"})
	require.NoError(t, err)
	return ns.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration()
}

// The namespace takes the configured retention at its creation, and a later start
// with another retention changes it: the namespace of an existing data folder does
// not keep the retention it was created with.
func TestRetentionIsSetOnEveryStart(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startSQLite(t, data, 3*24*time.Hour, "", "")
	require.Equal(t, 3*24*time.Hour, retentionOf(t, dial(t, s)))
	s.Stop()

	s = startSQLite(t, data, 90*24*time.Hour, "", "")
	require.Equal(t, 90*24*time.Hour, retentionOf(t, dial(t, s)), "the existing namespace takes the new retention")
}

// A dynamic-config file's settings hold in the server (here a payload size limit
// a start then hits), and a file naming no setting Temporal has is refused before
// the server starts, with its path and the key.
func TestDynamicConfigFileSettingsHold(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dynamicconfig.yaml")
	require.NoError(t, os.WriteFile(file, []byte(`
limit.blobSize.warn:
  - value: 1024
limit.blobSize.error:
  - value: 2048
`), 0o600))
	s := startSQLite(t, filepath.Join(dir, "data"), 0, file, "")
	c := dial(t, s)
	ctx := context.Background()
	opts := client.StartWorkflowOptions{TaskQueue: "nobody-polls"}
	_, err := c.ExecuteWorkflow(ctx, opts, "Probe", strings.Repeat("x", 100))
	require.NoError(t, err, "a small start is under the limit")
	_, err = c.ExecuteWorkflow(ctx, opts, "Probe", strings.Repeat("x", 4096))
	require.ErrorContains(t, err, "exceeds", "the file's limit holds")

	bad := filepath.Join(dir, "typo.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("limit.blobSize.eror:\n  - value: 2048\n"), 0o600))
	_, err = Start(ctx, Options{DataDir: filepath.Join(dir, "other"), FrontendAddr: "127.0.0.1:0", DynamicConfigFile: bad})
	var dce *DynamicConfigError
	require.ErrorAs(t, err, &dce)
	require.Equal(t, bad, dce.Path)
	require.ErrorContains(t, err, "limit.blobsize.eror")
}

// metricName finds the names of series in PromQL: identifiers that are neither a
// function, a keyword, a label (inside {} or a by/without/on/ignoring list) nor
// a duration.
var (
	promLabels   = regexp.MustCompile(`\{[^}]*\}|\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promFunction = regexp.MustCompile(`\b[a-z_]+\s*\(`)
	promWord     = regexp.MustCompile(`\b[a-zA-Z_:][a-zA-Z0-9_:]*\b`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "offset": true, "bool": true,
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

func seriesNames(expr string) []string {
	expr = promLabels.ReplaceAllString(expr, " ")
	expr = promFunction.ReplaceAllString(expr, " (")
	expr = regexp.MustCompile(`\[[^\]]*\]`).ReplaceAllString(expr, " ")
	var out []string
	for _, w := range promWord.FindAllString(expr, -1) {
		if !promKeywords[strings.ToLower(w)] {
			out = append(out, w)
		}
	}
	return out
}

// The Temporal server alerts (deploy/prometheus/rules/temporal-server-alerts.yml)
// and the dashboard's Temporal server row read series the embedded server really
// exports, with the labels they group by: persistence latency, task backlog (an
// opinion's task queue with nobody polling), shard ownership and movements.
func TestServerMetricsHaveWhatTheAlertsAndDashboardRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dynamicconfig.yaml")
	// The backlog is emitted every minute by default: every second here.
	require.NoError(t, os.WriteFile(file, []byte("matching.backlogMetricsEmitInterval:\n  - value: 1s\n"), 0o600))
	addr := freeAddr(t)
	s := startSQLite(t, filepath.Join(dir, "data"), 0, file, addr)
	c := dial(t, s)
	_, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: "nobody-polls"}, "Probe")
	require.NoError(t, err)
	_, err = c.DescribeTaskQueue(context.Background(), "nobody-polls", enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	require.NoError(t, err)

	exported := map[string]bool{}
	require.Eventually(t, func() bool {
		families, ok := scrapeFamilies(addr)
		if !ok {
			return false
		}
		clear(exported)
		var backlog float64
		for name, mf := range families {
			exported[name] = true
			if mf.GetType() == dto.MetricType_HISTOGRAM {
				exported[name+"_bucket"], exported[name+"_sum"], exported[name+"_count"] = true, true, true
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if name == "approximate_backlog_count" && l.GetName() == "taskqueue" && l.GetValue() == "nobody-polls" {
						backlog += m.GetGauge().GetValue()
					}
				}
			}
		}
		return backlog > 0
	}, time.Minute, 200*time.Millisecond, "the backlog of a task queue nobody polls shows")

	var exprs []string
	rules, err := os.ReadFile(filepath.Join("..", "..", "deploy", "prometheus", "rules", "temporal-server-alerts.yml"))
	require.NoError(t, err)
	for _, m := range regexp.MustCompile(`(?m)^\s+expr: (.+)$`).FindAllStringSubmatch(string(rules), -1) {
		exprs = append(exprs, m[1])
	}
	require.GreaterOrEqual(t, len(exprs), 4)
	data, err := os.ReadFile(filepath.Join("..", "..", "deploy", "grafana", "dashboards", "rectify.json"))
	require.NoError(t, err)
	var dashboard any
	require.NoError(t, json.Unmarshal(data, &dashboard))
	var serverPanels int
	for _, e := range metricstest.DashboardExprs(dashboard) {
		if strings.Contains(e, `job="rectify-temporal-server"`) {
			exprs = append(exprs, e)
			serverPanels++
		}
	}
	require.GreaterOrEqual(t, serverPanels, 4, "the dashboard has a Temporal server row")
	named := map[string]bool{}
	for _, e := range exprs {
		for _, name := range seriesNames(e) {
			if name == "up" {
				continue // Prometheus's own
			}
			require.True(t, exported[name], "%q reads %s, which the Temporal server does not export", e, name)
			named[name] = true
		}
	}
	for _, n := range []string{"persistence_latency_milliseconds_bucket", "approximate_backlog_count", "sharditem_created_count_total", "numshards_gauge"} {
		require.True(t, named[n], "the alerts or the dashboard watch %s", n)
	}
}

// scrapeFamilies reads the server's /metrics.
func scrapeFamilies(addr string) (map[string]*dto.MetricFamily, bool) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var p expfmt.TextParser
	families, err := p.TextToMetricFamilies(resp.Body)
	return families, err == nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
