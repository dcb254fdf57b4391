package metrics_test

import (
	"runtime"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"rectify/internal/buildinfo"
	"rectify/internal/metrics"
)

// buildInfoSeries is the labels of every rectify_build_info series reg holds.
func buildInfoSeries(t *testing.T, reg prometheus.Gatherer) []map[string]string {
	t.Helper()
	var series []map[string]string
	for _, mf := range gather(t, reg) {
		if mf.GetName() != "rectify_build_info" {
			continue
		}
		for _, s := range mf.GetMetric() {
			require.Equal(t, 1.0, s.GetGauge().GetValue())
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			series = append(series, labels)
		}
	}
	return series
}

func TestBuildInfoLabelsTheBuild(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.BuildInfo(buildinfo.Info{
		Version: "v1.4.0", Revision: "efd7ee5c0ffee0123456789abcdef0123456789a", Time: "2026-11-02T08:00:00Z",
		GoVersion: "go1.26.8", TemporalServer: "v1.32.1", TemporalSDK: "v1.50.0", UIServer: "v2.55.0",
	}))
	require.Equal(t, []map[string]string{{
		"version": "v1.4.0", "revision": "efd7ee5c0ffee0123456789abcdef0123456789a", "go_version": "go1.26.8",
		"temporal_server": "v1.32.1", "temporal_sdk": "v1.50.0",
	}}, buildInfoSeries(t, reg))
}

// TestEveryProcessExportsItsBuild: the registry of any process, with or without
// the figures, has the series of its own build (the versions a test binary of a
// library package records are unknown; rectify-worker's are tested in worker/).
func TestEveryProcessExportsItsBuild(t *testing.T) {
	m := metrics.New(quiet)
	t.Cleanup(m.Close)
	series := buildInfoSeries(t, m.Registry)
	require.Len(t, series, 1)
	require.Equal(t, runtime.Version(), series[0]["go_version"])
	require.Equal(t, buildinfo.Read().TemporalSDK, series[0]["temporal_sdk"])
}
