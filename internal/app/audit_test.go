package app

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/workflows"
)

// TestTheAccessLogRecordsWhoSawNamesAndPhonesThroughTheRealServer goes through the
// real HTTP server, worker and embedded Temporal: the office reading a phone over
// the API and on the opinion page, exporting the JSON ledger and decrypting a
// payload through the codec endpoint each leave an entry; a leader's read and the
// submission itself leave none; the office reads the log, nobody else does.
func TestTheAccessLogRecordsWhoSawNamesAndPhonesThroughTheRealServer(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "al", "name": "访问记录", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	id := h.Must("office", http.MethodPost, "/api/v1/campaigns/al/opinions", map[string]any{
		"key": "AL-1", "content": "小区路灯不亮。", "channel": "热线", "collected_at": today, "submitter": "王五", "phone": "13700137000",
	}, http.StatusCreated)["id"].(string)
	entries := func(query string) []any {
		t.Helper()
		return h.Must("office", http.MethodGet, "/api/v1/audit"+query, nil, http.StatusOK)["entries"].([]any)
	}
	require.Empty(t, entries(""), "submitting is not reading: the office typed it")

	require.Empty(t, h.Must("leader", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)["phone"])
	require.Empty(t, entries(""), "a leader's read shows no phone")

	require.Equal(t, "13700137000", h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)["phone"])

	// The importable JSON ledger: an export.
	req, err := http.NewRequest(http.MethodGet, h.Base+"/api/v1/campaigns/al/ledger", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	ledger, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(ledger), "13700137000")

	// The Temporal Web UI's codec endpoint: the start input decrypted.
	h.historyLength(id)
	req, err = http.NewRequest(http.MethodPost, h.Base+"/codec/decode", bytes.NewReader(startPayloads(t, h.app.client, workflows.OpinionWorkflowID(id))))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	decoded, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", decoded)

	// The opinion page in the browser shows the phone to the office.
	require.Contains(t, signInWeb(t, h.Base, "office").get(t, "/opinions/"+id), "13700137000")
	require.NotContains(t, signInWeb(t, h.Base, "leader").get(t, "/opinions/"+id), "13700137000")

	got := entries("")
	require.Len(t, got, 4)
	type row struct{ user, action, object, detail, client string }
	var rows []row
	for _, e := range got {
		m := e.(map[string]any)
		rows = append(rows, row{m["user"].(string), m["action"].(string), m["object"].(string), m["detail"].(string), m["client"].(string)})
		require.EqualValues(t, 1, m["count"])
		at, err := time.Parse(time.RFC3339Nano, m["at"].(string))
		require.NoError(t, err)
		require.WithinDuration(t, time.Now(), at, time.Minute)
	}
	require.Equal(t, []row{
		{"office", "read_personal_data", id, "GET /opinions/" + id, "127.0.0.1"},
		{"office", "decrypt_payloads", "", "POST /codec/decode", "127.0.0.1"},
		{"office", "export_personal_data", "al", "GET /api/v1/campaigns/al/ledger", "127.0.0.1"},
		{"office", "read_personal_data", id, "GET /api/v1/opinions/" + id, "127.0.0.1"},
	}, rows, "newest first")

	require.Len(t, entries("?action=export_personal_data"), 1)
	require.Len(t, entries("?object="+id+"&limit=1"), 1)
	page := h.Must("office", http.MethodGet, "/api/v1/audit?object="+id+"&limit=1", nil, http.StatusOK)
	require.NotEmpty(t, page["next_cursor"])
	require.Len(t, entries("?object="+id+"&cursor="+page["next_cursor"].(string)), 1)

	for _, as := range []string{"leader", "official", "verifier"} {
		require.Equal(t, "forbidden", apitest.ErrorCode(h.Must(as, http.MethodGet, "/api/v1/audit", nil, http.StatusForbidden)))
	}
	out := h.Must("office", http.MethodGet, "/api/v1/audit?who=office", nil, http.StatusUnprocessableEntity)
	require.Equal(t, "unknown_parameter", apitest.ErrorCode(out))
	require.Contains(t, out["error"].(map[string]any)["message"], `"who"`)

	// The office's page lists them.
	web := signInWeb(t, h.Base, "office").get(t, "/audit?action=decrypt_payloads")
	require.Contains(t, web, "解密流程数据")
	require.Contains(t, web, "POST /codec/decode")
	require.NotContains(t, web, "GET /api/v1/campaigns/al/ledger")
}
