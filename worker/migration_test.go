package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/pgtest"
)

// TestMovingToTheClusterLosesNoOpenOpinion follows docs/operations.md from one
// machine to the cluster: the open opinions of a campaign on the one-process run are
// exported as a ledger and imported into the cluster; every one arrives with what the
// office recorded, closed and cancelled ones stay behind, and importing again adds
// nothing.
func TestMovingToTheClusterLosesNoOpenOpinion(t *testing.T) {
	dir := t.TempDir()
	httpAddr, env := processEnv(t, dir)
	one := start(t, env, httpAddr)
	one.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "m", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	const n, cancelled = 20, 5
	for i := range n {
		op := one.Must("office", http.MethodPost, "/api/v1/campaigns/m/opinions", map[string]any{
			"key": fmt.Sprintf("M-%02d", i), "content": fmt.Sprintf("第%d件：小区路灯损坏", i), "channel": "来信",
			"collected_at": today, "submitter": fmt.Sprintf("居民%d", i), "phone": "13800138000", "department": "城管科",
		}, http.StatusCreated)
		switch {
		case i < cancelled:
			one.Act("office", op["id"].(string), "cancel", map[string]any{"reason": "重复反映"}, http.StatusOK)
		case i < 2*cancelled:
			one.Act("office", op["id"].(string), "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
		}
	}
	ledger := func(query string) []map[string]string {
		req, err := http.NewRequest(http.MethodGet, one.Base+"/api/v1/campaigns/m/ledger"+query, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer tok-office")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var rows []map[string]string
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&rows))
		return rows
	}
	require.Len(t, ledger(""), n, "the whole ledger")
	status, _ := one.Call("official", http.MethodGet, "/api/v1/campaigns/m/ledger", nil)
	require.Equal(t, http.StatusForbidden, status, "citizens' details go to the office only")
	open := ledger("?open=true")
	require.Len(t, open, n-cancelled, "cancelled opinions stay behind")
	file := filepath.Join(dir, "ledger.json")
	data, err := json.Marshal(open)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, data, 0o600))
	one.stop(t)

	pg := pgtest.Start(t)
	node := newNode(t, filepath.Join(dir, "node"), pg.CreateDatabase(t, "temporal"))
	server := node.start(t)
	clusterAddr, clusterEnv := clientEnv(t, t.TempDir(), node.frontend)
	cluster := start(t, clusterEnv, clusterAddr)
	cluster.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "m", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	importOnce := func() map[string]any {
		status, b := cluster.Upload("office", "/api/v1/campaigns/m/batches", file, nil)
		require.Equal(t, http.StatusCreated, status, "%v", b)
		var got map[string]any
		require.Eventually(t, func() bool {
			got = cluster.Must("office", http.MethodGet, "/api/v1/batches/"+b["id"].(string), nil, http.StatusOK)
			return got["state"] == "done"
		}, time.Minute, 50*time.Millisecond)
		return got
	}
	first := importOnce()
	require.EqualValues(t, n-cancelled, first["started"], "%v", first)
	require.Eventually(t, func() bool {
		st := cluster.Must("leader", http.MethodGet, "/api/v1/campaigns/m/stats", nil, http.StatusOK)
		return st["collected"] == float64(n-cancelled)
	}, time.Minute, 100*time.Millisecond)
	for _, row := range open {
		got := cluster.opinion(domain.OpinionID("m", row["key"]))
		require.Equal(t, row["content"], got["content"])
		require.Equal(t, row["submitter"], got["submitter"])
		require.Equal(t, row["phone"], got["phone"])
		require.Equal(t, "letter", got["channel"])
		require.Equal(t, row["category"], got["suggested_category"])
	}
	again := importOnce()
	require.EqualValues(t, 0, again["started"])
	require.EqualValues(t, n-cancelled, again["already_present"], "importing again adds nothing")
	cluster.stop(t)
	server.stop(t)
}
