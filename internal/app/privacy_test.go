package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/logtest"
	"rectify/internal/payload"
	"rectify/workflows"
)

// canary is a string nobody else writes: a submitter's name or phone to look for.
func canary(t *testing.T, prefix string, digits int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(prefix)
	for range digits {
		n, err := rand.Int(rand.Reader, big.NewInt(10))
		require.NoError(t, err)
		b.WriteString(n.String())
	}
	return b.String()
}

// requireAbsent fails when data holds the canary in clear, or base64-encoded as
// JSON carries a payload's bytes.
func requireAbsent(t *testing.T, data []byte, where string, canaries ...string) {
	t.Helper()
	for _, c := range canaries {
		require.False(t, bytes.Contains(data, []byte(c)), "%s holds %q in clear", where, c)
		// Inside base64 (how JSON carries a payload's bytes), at whichever offset
		// modulo 3 the canary starts: its whole 3-byte groups encode the same.
		for shift := range 3 {
			seg := []byte(c)[shift:]
			seg = seg[:len(seg)/3*3]
			require.False(t, strings.Contains(string(data), base64.StdEncoding.EncodeToString(seg)), "%s holds %q base64-encoded", where, c)
		}
	}
}

// TestCitizensDataStaysEncryptedOutsideTheOffice is the canary: an opinion whose
// submitter's name and phone are unique strings goes through its whole lifecycle on
// a one-machine install with the Temporal Web UI on. Neither string is then in
// Temporal's database, the log, /metrics, the search attributes or the Web UI's
// JSON; the office reads them through rectify's API, and through the codec endpoint
// the Web UI uses; nobody else does.
func TestCitizensDataStaysEncryptedOutsideTheOffice(t *testing.T) {
	dir := t.TempDir()
	uiAddr := apitest.FreeAddr(t)
	cfg := testConfig(t, dir, map[string]string{
		"RECTIFY_USERS": apitest.WriteUsers(t, dir), "RECTIFY_EMBEDDED_UI_ADDR": uiAddr,
		"RECTIFY_PAYLOAD_KEY_FILE": "", // a one-machine install makes its own key
	})
	logs := &logtest.Buffer{}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	require.NoError(t, err)
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			a.Stop()
		}
	}
	t.Cleanup(stop)
	h := &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}

	keyFile := filepath.Join(cfg.DataDir, "payload.keys")
	info, err := os.Stat(keyFile)
	require.NoError(t, err, "the first start made a key file in the data folder")
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	name, phone := canary(t, "金丝雀", 12), canary(t, "139", 8)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "pii", "name": "隐私", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/pii/opinions", map[string]any{
		"key": "P-1", "content": "小区路灯不亮。", "channel": "热线", "collected_at": today, "submitter": name, "phone": phone,
	}, http.StatusCreated)
	id := op["id"].(string)
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader", "measures": "更换灯泡"}, http.StatusOK)
	h.Act("official", id, "sign", nil, http.StatusOK)
	h.Act("official", id, "submit", map[string]any{"measures": "已更换", "evidence": "照片"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	wid := workflows.OpinionWorkflowID(id)
	h.historyLength(id)

	// The office reads them through rectify; the others do not.
	office := h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
	require.Equal(t, name, office["submitter"])
	require.Equal(t, phone, office["phone"])
	for _, as := range []string{"leader", "official", "verifier"} {
		body, err := json.Marshal(h.Must(as, http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK))
		require.NoError(t, err)
		requireAbsent(t, body, "the opinion as "+as+" reads it", name, phone)
	}

	// Search attributes and the memo, as the server keeps them.
	desc, err := a.client.DescribeWorkflowExecution(ctx, wid, "")
	require.NoError(t, err)
	raw, err := proto.Marshal(desc)
	require.NoError(t, err)
	require.True(t, bytes.Contains(raw, []byte(wid)), "the description was read")
	requireAbsent(t, raw, "the workflow's description (search attributes, memo)", name, phone)

	// The Web UI's own JSON of the history: payloads as stored, encrypted.
	ui := "http://" + uiAddr + "/api/v1/namespaces/" + cfg.Namespace + "/workflows/" + wid + "/history?maximumPageSize=1000"
	var history []byte
	require.Eventually(t, func() bool {
		resp, err := http.Get(ui)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		history, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "the Web UI serves the history")
	require.Contains(t, string(history), base64.StdEncoding.EncodeToString([]byte(payload.EncodingEncrypted)), "the UI shows encrypted payloads")
	requireAbsent(t, history, "the Web UI's history JSON", name, phone)

	// The UI only reads: it refuses to terminate (or otherwise change) a workflow,
	// and points its browser at rectify's codec endpoint.
	req, err := http.NewRequest(http.MethodPost, "http://"+uiAddr+"/api/v1/namespaces/"+cfg.Namespace+"/workflows/"+wid+"/terminate",
		strings.NewReader(`{"reason":"mallory was here"}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer anything") // what skips the UI's CSRF check
	terminate, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	terminate.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, terminate.StatusCode)
	still, err := a.client.DescribeWorkflowExecution(ctx, wid, "")
	require.NoError(t, err)
	require.Equal(t, "Running", still.GetWorkflowExecutionInfo().GetStatus().String())
	settings, status := httpGet(t, "http://"+uiAddr+"/api/v1/settings")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, string(settings), `"DisableWriteActions":true`)
	require.Contains(t, string(settings), "http://"+a.HTTPAddr+"/codec")

	// The UI decrypts through rectify's codec endpoint, for the office only.
	decodeAs := func(as string) (int, []byte) {
		req, err := http.NewRequest(http.MethodPost, "http://"+a.HTTPAddr+"/codec/decode", bytes.NewReader(startPayloads(t, a.client, wid)))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if as != "" {
			req.Header.Set("Authorization", "Bearer tok-"+as)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, body
	}
	status, body := decodeAs("office")
	require.Equal(t, http.StatusOK, status, "%s", body)
	var decoded struct{ Payloads []struct{ Data []byte } }
	require.NoError(t, json.Unmarshal(body, &decoded))
	require.Len(t, decoded.Payloads, 1)
	require.Contains(t, string(decoded.Payloads[0].Data), phone, "the office reads the payload in clear")
	require.Contains(t, string(decoded.Payloads[0].Data), name)
	for as, want := range map[string]int{"": http.StatusUnauthorized, "official": http.StatusForbidden, "verifier": http.StatusForbidden} {
		status, body := decodeAs(as)
		require.Equal(t, want, status, "decode as %q", as)
		requireAbsent(t, body, "the codec's refusal", name, phone)
	}

	metrics, _ := httpGet(t, "http://"+a.HTTPAddr+"/metrics")
	requireAbsent(t, metrics, "/metrics", name, phone)

	stop()
	requireAbsent(t, []byte(logs.String()), "the log", name, phone)
	files, err := filepath.Glob(filepath.Join(cfg.DataDir, "temporal.db*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var db []byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		db = append(db, data...)
	}
	require.True(t, bytes.Contains(db, []byte(wid)), "Temporal's database was read: it names the workflow")
	requireAbsent(t, db, "temporal.db", name, phone)

	// A lost key file is not silently replaced by a new key, which would leave every
	// running opinion unreadable.
	require.NoError(t, os.Remove(keyFile))
	restart, cancelRestart := context.WithTimeout(context.Background(), time.Minute)
	defer cancelRestart()
	_, err = Start(restart, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.ErrorContains(t, err, "restore the key file from your backup")
}

// startPayloads is the opinion's start input as the Web UI asks the codec to
// decode it: {"payloads": [...]} in protobuf JSON.
func startPayloads(t *testing.T, c client.Client, wid string) []byte {
	t.Helper()
	it := c.GetWorkflowHistory(context.Background(), wid, "", false, 0)
	ev, err := it.Next()
	require.NoError(t, err)
	in := ev.GetWorkflowExecutionStartedEventAttributes().GetInput()
	require.NotNil(t, in)
	data, err := protojson.Marshal(in)
	require.NoError(t, err)
	return data
}

func httpGet(t *testing.T, url string) ([]byte, int) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body, resp.StatusCode
}

// outsider is a client of the frontend that does not go through rectify: plain
// JSON payloads (nil dc), or encrypted with a key rectify does not hold.
func outsider(t *testing.T, h *harness, dc converter.DataConverter) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: h.app.cfg.EmbeddedAddr, Namespace: h.app.cfg.Namespace, DataConverter: dc})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// TestForgedUpdatesAreRefusedAndLeaveNoTrace sends, straight to Temporal's frontend
// as anyone who reaches it could, the Update a Web UI with writes on let through: a
// categorize naming "mallory", who is no user, as the office. In clear, and
// encrypted with a stranger's key, it is refused before validation and nothing
// of it enters the history or the timeline.
func TestForgedUpdatesAreRefusedAndLeaveNoTrace(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "f", "name": "伪造", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	id := h.Must("office", http.MethodPost, "/api/v1/campaigns/f/opinions", map[string]any{
		"key": "F-1", "content": "路灯不亮。", "channel": "热线", "collected_at": today,
	}, http.StatusCreated)["id"].(string)
	before := h.historyLength(id)

	line, err := payload.NewKeyLine(time.Now())
	require.NoError(t, err)
	stranger, err := payload.ParseKeyring([]byte(line))
	require.NoError(t, err)

	forged := domain.ActionRequest{
		Actor: domain.Actor{Username: "mallory", Roles: []domain.Role{domain.RoleOffice}},
		Body:  domain.ActionBody{Category: "群众需要解决的问题"},
	}
	for name, c := range map[string]client.Client{
		"in clear":              outsider(t, h, nil),
		"with a stranger's key": outsider(t, h, payload.DataConverter(stranger)),
	} {
		handle, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
			WorkflowID: workflows.OpinionWorkflowID(id), UpdateName: string(domain.ActionCategorize),
			Args: []any{forged}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = handle.Get(context.Background(), nil)
		}
		require.Error(t, err, name)
		t.Logf("%s: %v", name, err)
	}
	require.Equal(t, before, h.historyLength(id), "refused Updates write nothing")
	detail := h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
	require.Equal(t, "received", detail["state"])
	body, err := json.Marshal(detail["timeline"])
	require.NoError(t, err)
	require.NotContains(t, string(body), "mallory")

	// A forged "merged in" signal cannot be refused, but is ignored: the timeline
	// shows no merge that did not happen.
	require.NoError(t, outsider(t, h, nil).SignalWorkflow(context.Background(), workflows.OpinionWorkflowID(id), "", workflows.MergedInSignalName, "forged-source"))
	h.historyLength(id) // the signal's workflow task has run
	timeline, err := json.Marshal(h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)["timeline"])
	require.NoError(t, err)
	require.NotContains(t, string(timeline), "forged-source")
	require.NotContains(t, string(timeline), string(domain.EventMergedIn))

	// rectify's own request, through its API, still acts.
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
}

// TestOpinionsStartedBeforeEncryptionKeepWorking starts an opinion the way rectify
// did before payloads were encrypted — its start input in clear — and takes it
// through its lifecycle with today's encrypting API and worker.
func TestOpinionsStartedBeforeEncryptionKeepWorking(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "old", "name": "旧", "departments": []string{"城管科"}}, http.StatusCreated)
	ctx := context.Background()
	c, err := h.app.store.Campaign(ctx, "old")
	require.NoError(t, err)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	in := intake.Input(c, intake.Opinion{Key: "L-1", Content: "旧的意见。", Channel: "hotline", CollectedAt: today, Submitter: "李四", Phone: "13900000000"}, "office", "")
	clear, err := client.NewClientFromExisting(h.app.client, client.Options{DataConverter: converter.GetDefaultDataConverter()})
	require.NoError(t, err)
	started, err := intake.Start(ctx, clear, in)
	require.NoError(t, err)
	require.True(t, started)
	id := in.OpinionID
	require.Eventually(t, func() bool {
		status, _ := h.Call("office", http.MethodGet, "/api/v1/opinions/"+id, nil)
		return status == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond)

	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	h.Act("official", id, "sign", nil, http.StatusOK)
	h.Act("official", id, "submit", map[string]any{"measures": "已处理", "evidence": "照片"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	require.Equal(t, "closed", h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)["state"])
	require.Equal(t, "13900000000", h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)["phone"])

	// Its start stays in clear; what was written since is encrypted.
	it := h.app.client.GetWorkflowHistory(ctx, workflows.OpinionWorkflowID(id), "", false, 0)
	first, err := it.Next()
	require.NoError(t, err)
	require.Equal(t, "json/plain", string(first.GetWorkflowExecutionStartedEventAttributes().GetInput().GetPayloads()[0].GetMetadata()["encoding"]))
	updates := 0
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && len(a.GetAcceptedRequest().GetInput().GetArgs().GetPayloads()) > 0 {
			updates++
			require.Equal(t, payload.EncodingEncrypted, string(a.GetAcceptedRequest().GetInput().GetArgs().GetPayloads()[0].GetMetadata()["encoding"]))
		}
	}
	require.Equal(t, 6, updates)
	recordHistory(t, h, workflows.OpinionWorkflowID(id), "started_in_clear_then_encrypted")
}
