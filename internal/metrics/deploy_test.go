package metrics_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"rectify/internal/metrics"
	"rectify/internal/metrics/metricstest"
)

// The files of deploy/ are checked here against what the product exports; the
// integration test (internal/app) runs them in a real Prometheus.

func repoFile(parts ...string) string {
	return filepath.Join(append([]string{"..", ".."}, parts...)...)
}

// exported is every rectify_ metric name a process exports — those the collector
// describes and the process's own — with a histogram's series names.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	ch := make(chan *prometheus.Desc)
	go func() {
		metrics.NewCollector(nil, quiet, metrics.Options{}).Describe(ch)
		close(ch)
	}()
	fqName := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	out := map[string]bool{}
	for d := range ch {
		m := fqName.FindStringSubmatch(d.String())
		require.NotNil(t, m, d.String())
		out[m[1]] = true
	}
	// A histogram's series are its _bucket, _sum and _count: learn which families
	// are histograms from a scrape of a store with a campaign.
	s := openStore(t)
	createCampaign(t, s, "c1")
	for _, mf := range gather(t, newMetrics(t, s).Registry) {
		if strings.HasPrefix(mf.GetName(), "rectify_") {
			out[mf.GetName()] = true
		}
		if mf.GetType() == dto.MetricType_HISTOGRAM && out[mf.GetName()] {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				out[mf.GetName()+suffix] = true
			}
		}
	}
	return out
}

// recorded is every recording rule's name in deploy/prometheus/rules.
func recorded(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(repoFile("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	record := regexp.MustCompile(`(?m)^\s*- record: (\S+)\s*$`)
	out := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range record.FindAllStringSubmatch(string(data), -1) {
			out[m[1]] = true
		}
	}
	return out
}

// metricNames finds the metric names a PromQL text mentions: rectify_ metrics and
// recording rules (level:metric:operation).
var metricNames = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)

func requireKnownNames(t *testing.T, where, text string, exported, recorded map[string]bool) {
	t.Helper()
	for _, name := range metricNames.FindAllString(text, -1) {
		switch {
		case strings.Count(name, ":") == 2:
			require.True(t, recorded[name], "%s: %s is no recording rule of deploy/prometheus/rules", where, name)
		case strings.HasPrefix(name, "rectify_"):
			require.True(t, exported[name], "%s: rectify exports no %s", where, name)
		}
	}
}

func TestDashboardNamesOnlyWhatIsExported(t *testing.T) {
	exp, rec := exported(t), recorded(t)
	files, err := filepath.Glob(repoFile("deploy", "grafana", "dashboards", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		var d map[string]any
		require.NoError(t, json.Unmarshal(data, &d), "%s parses as JSON", f)
		exprs := metricstest.DashboardExprs(d)
		require.Greater(t, len(exprs), 20, f)
		named := map[string]bool{}
		for _, e := range exprs {
			requireKnownNames(t, f, e, exp, rec)
			for _, n := range metricNames.FindAllString(e, -1) {
				named[n] = true
			}
		}
		// The leader's figures and the engine's health are both there.
		for _, n := range []string{"campaign:rectify_completion:ratio", "campaign_department:rectify_completion:ratio",
			"campaign_department:rectify_on_time:ratio", "campaign_department:rectify_satisfaction:ratio",
			"campaign_category:rectify_completion:ratio", "temporal_workflow_task_schedule_to_start_latency_seconds_bucket",
			"temporal_long_request_failure_total", "temporal_activity_execution_failed_total"} {
			require.True(t, named[n], "%s shows %s", f, n)
		}
		for _, v := range d["templating"].(map[string]any)["list"].([]any) {
			if q, ok := v.(map[string]any)["definition"].(string); ok {
				requireKnownNames(t, f, q, exp, rec)
			}
		}
	}
}

// ruleExprs returns the PromQL of every rule in a rules file: inline or block.
func ruleExprs(data string) []string {
	var out []string
	lines := strings.Split(data, "\n")
	for i := 0; i < len(lines); i++ {
		key := strings.Index(lines[i], "expr:")
		if key < 0 || strings.TrimSpace(lines[i][:key]) != "" {
			continue
		}
		value := strings.TrimSpace(lines[i][key+len("expr:"):])
		if value != "|" && value != ">-" {
			out = append(out, value)
			continue
		}
		var block []string
		for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || len(lines[i+1])-len(strings.TrimLeft(lines[i+1], " ")) > key) {
			i++
			block = append(block, lines[i])
		}
		out = append(out, strings.Join(block, "\n"))
	}
	return out
}

func TestRulesNameOnlyWhatIsExported(t *testing.T) {
	exp, rec := exported(t), recorded(t)
	files, err := filepath.Glob(repoFile("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	rule := regexp.MustCompile(`(?m)^\s*- (record|alert): `)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		exprs := ruleExprs(string(data))
		require.Len(t, exprs, len(rule.FindAllString(string(data), -1)), "%s: every rule's expression was read", f)
		for _, e := range exprs {
			requireKnownNames(t, f, e, exp, rec)
		}
	}
}

func TestDocsListEveryMetric(t *testing.T) {
	doc, err := os.ReadFile(repoFile("docs", "metrics.md"))
	require.NoError(t, err)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range exported(t) {
			if !yield(n) {
				return
			}
		}
	})
	for _, n := range names {
		if strings.HasSuffix(n, "_bucket") || strings.HasSuffix(n, "_sum") || strings.HasSuffix(n, "_count") {
			continue
		}
		require.Contains(t, string(doc), "`"+n+"`", "docs/metrics.md documents %s", n)
	}
}

// TestPromtool checks deploy/prometheus with Prometheus' own tool: the config and
// its rule files, and the rules' unit tests (the alerts fire when they should).
func TestPromtool(t *testing.T) {
	promtool := metricstest.Binary(t, "promtool")
	run := func(args ...string) {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
	run("check", "config", repoFile("deploy", "prometheus", "prometheus.yml"))
	rules, err := filepath.Glob(repoFile("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	run(append([]string{"check", "rules"}, rules...)...)
	tests, err := filepath.Glob(repoFile("deploy", "prometheus", "tests", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, tests)
	run(append([]string{"test", "rules"}, tests...)...)
}
