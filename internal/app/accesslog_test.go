package app

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/logtest"
	"rectify/internal/requestid"
	"rectify/workflows"
)

// logLines are the JSON log lines of a process, decoded.
func logLines(t *testing.T, logs *logtest.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

// findLine is the first line with all the fields of want, or nil.
func findLine(lines []map[string]any, want map[string]any) map[string]any {
next:
	for _, l := range lines {
		for k, v := range want {
			if l[k] != v {
				continue next
			}
		}
		return l
	}
	return nil
}

// TestTheRequestIDFollowsAnActionIntoTheActivitiesLog sends an action with an
// X-Request-ID, and one without: the access log line of each carries its id (the
// client's, or the one the answer names), and so does the log line of the
// projection activity the workflow ran for it — the id went through Temporal.
func TestTheRequestIDFollowsAnActionIntoTheActivitiesLog(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir, map[string]string{"RECTIFY_USERS": apitest.WriteUsers(t, dir)})
	logs := &logtest.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	h := &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}

	send := func(as, path string, body any, id string) (int, string) {
		t.Helper()
		data, err := json.Marshal(body)
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, h.Base+path, bytes.NewReader(data))
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer tok-"+as)
		if id != "" {
			req.Header.Set(requestid.Header, id)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode, resp.Header.Get(requestid.Header)
	}

	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "rid", "name": "整改"}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	status, submitID := send("office", "/api/v1/campaigns/rid/opinions?source=test", map[string]any{
		"key": "R-1", "content": "路灯不亮。", "channel": "热线", "collected_at": today,
	}, "")
	require.Equal(t, http.StatusCreated, status)
	require.True(t, requestid.Valid(submitID), "the answer names the id it was given: %q", submitID)
	opinionID := domain.OpinionID("rid", "R-1")

	const categorizeID = "office-run-7.categorize_1"
	status, echoed := send("office", "/api/v1/opinions/"+opinionID+"/actions/categorize", map[string]any{"category": "群众需要解决的问题"}, categorizeID)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, categorizeID, echoed, "the client's own id is kept")

	for _, c := range []struct {
		id, route, state string
		status           float64
	}{
		{submitID, "POST /api/v1/campaigns/{id}/opinions", string(domain.StateReceived), http.StatusCreated},
		{categorizeID, "POST /api/v1/opinions/{id}/actions/{action}", string(domain.StateCategorized), http.StatusOK},
	} {
		var access, projected map[string]any
		require.Eventually(t, func() bool {
			lines := logLines(t, logs)
			access = findLine(lines, map[string]any{"msg": "http request", requestid.LogKey: c.id})
			projected = findLine(lines, map[string]any{"msg": "opinion projected", requestid.LogKey: c.id, "state": c.state})
			return access != nil && projected != nil
		}, 10*time.Second, 20*time.Millisecond, "request %s: its access log line and its projection's; log:\n%s", c.id, logs)
		require.Equal(t, "INFO", access["level"])
		require.Equal(t, "POST", access["method"])
		require.Equal(t, c.route, access["route"])
		require.Equal(t, c.status, access["status"])
		require.Equal(t, "office", access["user"])
		require.Equal(t, "127.0.0.1", access["client"])
		require.Equal(t, opinionID, projected["opinion"])
		require.Equal(t, workflows.OpinionWorkflowID(opinionID), projected["WorkflowID"], "the SDK's own fields are there too")
	}
	raw := logs.String()
	require.NotContains(t, raw, "tok-office", "no token is logged")
	require.NotContains(t, raw, "source=test", "no query string is logged")
	require.NotContains(t, raw, "/api/v1/opinions/"+opinionID, "the path with its ids is not logged")
}
