package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
)

// TestMetricsOffThePublicPortAreServedOnlyOnTheMetricsAddress: with
// RECTIFY_METRICS_PUBLIC=off the API's address answers /metrics with 404 (its
// probes still answer) and RECTIFY_METRICS_ADDR serves the same figures.
func TestMetricsOffThePublicPortAreServedOnlyOnTheMetricsAddress(t *testing.T) {
	dir := t.TempDir()
	metricsAddr := apitest.FreeAddr(t)
	cfg := testConfig(t, dir, map[string]string{
		"RECTIFY_USERS": apitest.WriteUsers(t, dir), "RECTIFY_METRICS_PUBLIC": "off", "RECTIFY_METRICS_ADDR": metricsAddr,
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	h := &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "mx", "name": "指标", "departments": []string{"城管科"}}, http.StatusCreated)

	body, status := httpGet(t, "http://"+a.HTTPAddr+"/metrics")
	require.Equal(t, http.StatusNotFound, status)
	require.NotContains(t, string(body), "rectify_")
	for _, probe := range []string{"/healthz", "/readyz"} {
		_, status := httpGet(t, "http://"+a.HTTPAddr+probe)
		require.Equal(t, http.StatusOK, status, "%s on the public port", probe)
	}

	body, status = httpGet(t, "http://"+metricsAddr+"/metrics")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(body), `rectify_completion_ratio{campaign="mx"} 0`, "the leader's figures")
	require.Contains(t, string(body), "\nrectify_temporal_metric_errors_total 0\n", "the SDK's registry too")
	for _, probe := range []string{"/healthz", "/readyz"} {
		_, status := httpGet(t, "http://"+metricsAddr+probe)
		require.Equal(t, http.StatusOK, status, "%s on the metrics address", probe)
	}
}
