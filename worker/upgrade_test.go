package main

import (
	"context"
	"database/sql"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/store"
	"rectify/workflows"
)

// TestTheCurrentBinaryUpgradesTheLastReleasesDataFolder starts this build on the
// data folder each release left (worker/testdata/upgrade/vX.Y.Z.tar.gz, made by
// scripts/make-upgrade-fixture from the release's tag), one subtest each: the
// reporting store migrates, every opinion is there as that release left it, the
// open workflows replay on this build's code, their timers still wait, and each
// goes on to its end. The last release's folder is the upgrade operators make; the
// older ones are the stores and histories no release may stop reading.
func TestTheCurrentBinaryUpgradesTheLastReleasesDataFolder(t *testing.T) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", "upgrade", "v*.tar.gz"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures)
	for _, fixture := range fixtures {
		t.Run(strings.TrimSuffix(filepath.Base(fixture), ".tar.gz"), func(t *testing.T) {
			upgradeDataFolder(t, fixture)
		})
	}
}

// upgradeDataFolder starts this build on the data folder packed in fixture, takes
// each of its opinions on, and checks the store's schema version.
func upgradeDataFolder(t *testing.T, fixture string) {
	dir := t.TempDir()
	msg, err := exec.Command("tar", "-C", dir, "-xzf", fixture).CombinedOutput()
	require.NoError(t, err, "%s", msg)
	data := filepath.Join(dir, "data")
	require.Less(t, schemaVersion(t, filepath.Join(data, "rectify.db")), store.LatestSchemaVersion(),
		"the release's store lacks a migration this build has")
	httpAddr, frontend, env := consistencyEnv(t, dir)
	// The release's own key: its histories are encrypted with it.
	env = append(env, "RECTIFY_PAYLOAD_KEY_FILE="+filepath.Join(data, "payload.keys"))
	p := start(t, env, httpAddr)

	list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign=up&limit=10", nil, http.StatusOK)
	require.EqualValues(t, 4, list["total"])
	ids := map[string]string{}
	for _, o := range list["opinions"].([]any) {
		o := o.(map[string]any)
		ids[o["key"].(string)] = o["id"].(string)
	}
	for key, state := range map[string]string{"U-1": "assigned", "U-2": "submitted", "U-3": "in_progress", "U-4": "received"} {
		require.Equal(t, state, p.opinion(ids[key])["state"], "%s is as the release left it", key)
	}
	require.Equal(t, true, p.opinion(ids["U-3"])["long_term"])
	require.NotEmpty(t, openTimers(t, frontend, workflows.ItemWorkflowID(ids["U-1"])), "U-1's deadline timers still wait")

	act := func(as, key, action string, body map[string]any) map[string]any {
		return p.Must(as, http.MethodPost, "/api/v1/opinions/"+ids[key]+"/actions/"+action, body, http.StatusOK)
	}
	// Each action runs on a workflow started by the release: this build replays its
	// history first.
	act("verifier", "U-2", "verify", map[string]any{"pass": true})
	require.Equal(t, "closed", act("office", "U-2", "callback", map[string]any{"satisfaction": "satisfied"})["state"])
	act("official", "U-1", "sign", map[string]any{})
	act("official", "U-1", "submit", map[string]any{"measures": "已更换路灯", "evidence": "照片"})
	act("verifier", "U-1", "verify", map[string]any{"pass": true})
	require.Equal(t, "closed", act("office", "U-1", "callback", map[string]any{"satisfaction": "satisfied"})["state"])
	reported := act("official", "U-3", "report-progress", map[string]any{"measures": "制定会议审批办法", "next": "试行并评估", "percent": 40})
	require.Len(t, reported["reports"], 1)
	act("office", "U-4", "categorize", map[string]any{"category": "群众需要解决的问题"})
	require.Equal(t, "assigned", act("office", "U-4", "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"})["state"])
	stats := p.Must("leader", http.MethodGet, "/api/v1/campaigns/up/stats", nil, http.StatusOK)
	require.EqualValues(t, 4, stats["collected"])
	require.EqualValues(t, 2, stats["closed"])

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "log:\n%s", p.log)
	// The store the release made has every migration, recorded.
	require.Equal(t, store.LatestSchemaVersion(), schemaVersion(t, filepath.Join(data, "rectify.db")))
}

// schemaVersion is the last migration recorded in the SQLite store at path; 0 for
// a store made before migrations were numbered.
func schemaVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	var tables, version int
	require.NoError(t, db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&tables))
	if tables == 0 {
		return 0
	}
	require.NoError(t, db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&version))
	return version
}
