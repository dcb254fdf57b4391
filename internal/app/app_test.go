package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/converter"

	"rectify/internal/config"
	"rectify/internal/user"
	"rectify/workflows"
)

// These tests run the real thing: the embedded Temporal server on SQLite, the
// worker, and the HTTP API, on free ports and in their own data folder.

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// WriteTestUsers writes a users file with one user per role (and a second official),
// each with API token "tok-<username>".
func writeTestUsers(t *testing.T, dir string) string {
	t.Helper()
	var f user.File
	for _, u := range []struct {
		name string
		role workflows.Role
		dep  string
	}{
		{"office", workflows.RoleOffice, ""}, {"official", workflows.RoleOfficial, "城管科"},
		{"official2", workflows.RoleOfficial, "民政科"}, {"verifier", workflows.RoleVerifier, ""},
		{"leader", workflows.RoleLeader, ""},
	} {
		f.Users = append(f.Users, user.User{Username: u.name, Roles: []workflows.Role{u.role}, Department: u.dep,
			TokenHashes: []string{user.HashToken("tok-" + u.name)}})
	}
	data, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(dir, "users.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

type harness struct {
	t    *testing.T
	app  *App
	base string
}

func startHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{
			"RECTIFY_DATA_DIR":         filepath.Join(dir, "data"),
			"RECTIFY_HTTP_ADDR":        "127.0.0.1:0",
			"RECTIFY_EMBEDDED_ADDR":    freeAddr(t),
			"RECTIFY_EMBEDDED_UI_ADDR": "off",
			"RECTIFY_USERS":            writeTestUsers(t, dir),
		}[k]
	})
	require.NoError(t, err)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	return &harness{t: t, app: a, base: "http://" + a.HTTPAddr}
}

// call sends one API request as the user and decodes the JSON answer.
func (h *harness) call(as, method, path string, body any) (int, map[string]any) {
	h.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(h.t, err)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.base+path, r)
	require.NoError(h.t, err)
	if as != "" {
		req.Header.Set("Authorization", "Bearer tok-"+as)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(h.t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func (h *harness) must(as, method, path string, body any, want int) map[string]any {
	h.t.Helper()
	status, out := h.call(as, method, path, body)
	require.Equal(h.t, want, status, "%s %s as %s: %v", method, path, as, out)
	return out
}

func (h *harness) act(as, id, action string, body any, want int) map[string]any {
	h.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	return h.must(as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+action, body, want)
}

// historyLength counts the events in the opinion's workflow history once its
// notifications (activities that run after an action returns) have finished.
func (h *harness) historyLength(id string) int {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		d, err := h.app.client.DescribeWorkflowExecution(context.Background(), workflows.OpinionWorkflowID(id), "")
		return err == nil && len(d.GetPendingActivities()) == 0 && d.GetPendingWorkflowTask() == nil
	}, 30*time.Second, 20*time.Millisecond)
	it := h.app.client.GetWorkflowHistory(context.Background(), workflows.OpinionWorkflowID(id), "", false, 0)
	n := 0
	for it.HasNext() {
		_, err := it.Next()
		require.NoError(h.t, err)
		n++
	}
	return n
}

func errorCode(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func TestOpinionClosesOverHTTPAndForbiddenActionsLeaveNoTrace(t *testing.T) {
	h := startHarness(t)
	h.must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{
		"id": "c1", "name": "群众路线教育实践活动整改", "departments": []string{"城管科", "民政科"},
	}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(workflows.DateLayout)
	op := h.must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "A-001", "content": "幸福路路面坑洼多年未修，雨天积水严重。", "channel": "热线",
		"collected_at": today, "submitter": "张三", "phone": "13812345678",
	}, http.StatusCreated)
	id := op["id"].(string)
	require.Equal(t, "received", op["state"])
	require.Equal(t, "群众需要解决的问题", op["suggested_category"], "keyword rules suggest a category")
	require.Equal(t, "hotline", op["channel"])

	again := h.must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "A-001", "content": "幸福路路面坑洼多年未修，雨天积水严重。", "channel": "热线", "collected_at": today,
	}, http.StatusOK)
	require.Equal(t, id, again["id"], "the same key is the same opinion")

	before := h.historyLength(id)
	rejected := []struct {
		as, action string
		body       map[string]any
		status     int
		code       string
	}{
		{"verifier", "categorize", map[string]any{"category": "形式主义"}, http.StatusForbidden, "office_only"},
		{"official", "categorize", map[string]any{"category": "形式主义"}, http.StatusForbidden, "forbidden"},
		{"office", "categorize", map[string]any{"category": "不存在的类别"}, http.StatusUnprocessableEntity, "unknown_category"},
		{"office", "sign", nil, http.StatusForbidden, "official_only"},
		{"office", "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusConflict, "wrong_state"},
		{"verifier", "verify", map[string]any{"pass": true}, http.StatusConflict, "wrong_state"},
		{"office", "reject", map[string]any{}, http.StatusUnprocessableEntity, "reason_required"},
	}
	for _, r := range rejected {
		out := h.act(r.as, id, r.action, r.body, r.status)
		require.Equal(t, r.code, errorCode(out), "%s by %s", r.action, r.as)
	}
	require.Equal(t, before, h.historyLength(id), "rejected actions write nothing to history")

	h.act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	out := h.act("office", id, "assign", map[string]any{"department": "城管科", "official": "nobody", "leader": "leader"}, http.StatusUnprocessableEntity)
	require.Equal(t, "invalid_official", errorCode(out))
	assigned := h.act("office", id, "assign", map[string]any{
		"department": "城管科", "official": "official", "leader": "leader", "measures": "制定修路方案",
	}, http.StatusOK)
	require.Equal(t, "assigned", assigned["state"])
	require.NotEmpty(t, assigned["deadline"])
	require.Contains(t, assigned["deadline_explanation"], "个工作日")

	before = h.historyLength(id)
	require.Equal(t, "forbidden", errorCode(h.act("official2", id, "sign", nil, http.StatusForbidden)), "another department cannot even see it")
	require.Equal(t, "wrong_state", errorCode(h.act("official", id, "submit", map[string]any{"measures": "m", "evidence": "e"}, http.StatusConflict)))
	require.Equal(t, before, h.historyLength(id))

	h.act("official", id, "sign", nil, http.StatusOK)
	h.act("official", id, "submit", map[string]any{"measures": "已修复路面", "evidence": "现场照片"}, http.StatusOK)
	require.Equal(t, "verifier_only", errorCode(h.act("official", id, "verify", map[string]any{"pass": true}, http.StatusForbidden)))
	h.act("verifier", id, "verify", map[string]any{"pass": true, "reason": "现场核查属实"}, http.StatusOK)
	closed := h.act("office", id, "callback", map[string]any{"satisfaction": "satisfied", "note": "电话回访"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	require.Equal(t, true, closed["on_time"])

	detail := h.must("leader", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
	var steps []string
	for _, e := range detail["timeline"].([]any) {
		ev := e.(map[string]any)
		steps = append(steps, fmt.Sprintf("%s:%s:%s", ev["actor"], ev["action"], ev["to"]))
	}
	require.Equal(t, []string{
		"office:receive:received", "office:categorize:categorized", "office:assign:assigned",
		"official:sign:in_progress", "official:submit:submitted", "verifier:verify:awaiting_callback",
		"office:callback:closed",
	}, steps)
	require.Empty(t, detail["phone"], "only the office sees the citizen's phone")

	stats := h.must("leader", http.MethodGet, "/api/v1/campaigns/c1/stats", nil, http.StatusOK)
	require.EqualValues(t, 1, stats["collected"])
	require.EqualValues(t, 1, stats["closed"])
	require.EqualValues(t, 1, stats["completion_rate"])
	require.EqualValues(t, 1, stats["on_time_rate"])
	require.EqualValues(t, 1, stats["satisfaction_rate"])
	h.must("official", http.MethodGet, "/api/v1/campaigns/c1/stats", nil, http.StatusForbidden)

	desc, err := h.app.client.DescribeWorkflowExecution(context.Background(), workflows.OpinionWorkflowID(id), "")
	require.NoError(t, err)
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	var state, assignee string
	dc := converter.GetDefaultDataConverter()
	require.NoError(t, dc.FromPayload(sa[workflows.SAState.GetName()], &state))
	require.NoError(t, dc.FromPayload(sa[workflows.SAAssignee.GetName()], &assignee))
	require.Equal(t, "closed", state)
	require.Equal(t, "official", assignee)

	recordHistory(t, h, id, "happy_path")
}

// recordHistory saves the opinion's history for the replay tests when
// RECTIFY_RECORD_HISTORIES is set (run once after a workflow change).
func recordHistory(t *testing.T, h *harness, id, name string) {
	t.Helper()
	if os.Getenv("RECTIFY_RECORD_HISTORIES") == "" {
		return
	}
	it := h.app.client.GetWorkflowHistory(context.Background(), workflows.OpinionWorkflowID(id), "", false, 0)
	history := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		history.Events = append(history.Events, ev)
	}
	data, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(history)
	require.NoError(t, err)
	path := filepath.Join("..", "..", "workflows", "testdata", "histories", name+".json")
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func TestExtensionReworkReopenAndReturnOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "c2", "name": "整改"}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600))
	date := func(days int) string { return today.AddDate(0, 0, days).Format(workflows.DateLayout) }
	submit := func(key string) string {
		op := h.must("office", http.MethodPost, "/api/v1/campaigns/c2/opinions", map[string]any{
			"key": key, "content": "便民服务中心办事要跑好几次", "channel": "visit", "collected_at": date(0),
		}, http.StatusCreated)
		id := op["id"].(string)
		h.act("office", id, "categorize", map[string]any{"category": "服务态度和效率"}, http.StatusOK)
		h.act("office", id, "assign", map[string]any{"department": "民政科", "official": "official2", "leader": "leader",
			"deadline": date(10)}, http.StatusOK)
		return id
	}

	id := submit("B-1")
	h.act("official2", id, "sign", nil, http.StatusOK)
	h.act("official2", id, "request-extension", map[string]any{"until": date(5), "reason": "r"}, http.StatusUnprocessableEntity)
	h.act("official2", id, "request-extension", map[string]any{"until": date(20), "reason": "需走采购程序"}, http.StatusOK)
	require.Equal(t, "extension_pending", errorCode(h.act("official2", id, "request-extension",
		map[string]any{"until": date(25), "reason": "again"}, http.StatusConflict)))
	require.Equal(t, "office_or_leader", errorCode(h.act("verifier", id, "decide-extension",
		map[string]any{"approve": true}, http.StatusForbidden)))
	ext := h.act("leader", id, "decide-extension", map[string]any{"approve": true, "reason": "同意"}, http.StatusOK)
	require.Equal(t, date(20), ext["deadline"])
	require.EqualValues(t, 1, ext["extensions"])
	timeline := ext["timeline"].([]any)
	last := timeline[len(timeline)-1].(map[string]any)["detail"].(map[string]any)
	require.Equal(t, date(10), last["previous_deadline"], "the old deadline stays in the timeline")

	h.act("official2", id, "submit", map[string]any{"measures": "简化流程", "evidence": "一次性告知单"}, http.StatusOK)
	rework := h.act("verifier", id, "verify", map[string]any{"pass": false, "reason": "群众仍反映跑多次"}, http.StatusOK)
	require.Equal(t, "in_progress", rework["state"])
	require.EqualValues(t, 1, rework["rework_count"])
	h.act("official2", id, "submit", map[string]any{"measures": "推行一窗通办", "evidence": "办件记录"}, http.StatusOK)
	h.act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	reopened := h.act("office", id, "callback", map[string]any{"satisfaction": "dissatisfied", "note": "仍需排队"}, http.StatusOK)
	require.Equal(t, "in_progress", reopened["state"])
	require.EqualValues(t, 1, reopened["reopens"])
	h.act("official2", id, "submit", map[string]any{"measures": "增加窗口", "evidence": "照片"}, http.StatusOK)
	h.act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	require.Equal(t, "closed", h.act("office", id, "callback", map[string]any{"satisfaction": "basically"}, http.StatusOK)["state"])
	again := h.act("leader", id, "reopen", map[string]any{"reason": "回头看发现反弹"}, http.StatusOK)
	require.Equal(t, "in_progress", again["state"])
	recordHistory(t, h, id, "extension_rework_reopen")

	back := submit("B-2")
	returned := h.act("official2", back, "return", map[string]any{"reason": "不属于本科室职责"}, http.StatusOK)
	require.Equal(t, "returned", returned["state"])
	require.Empty(t, returned["official"])
	h.act("office", back, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	require.Equal(t, "not_assignee", errorCode(h.act("official2", back, "sign", nil, http.StatusForbidden)))
	require.Equal(t, "cancelled", h.act("office", back, "cancel", map[string]any{"reason": "反映人撤回"}, http.StatusOK)["state"])
	require.Equal(t, "wrong_state", errorCode(h.act("office", back, "categorize", map[string]any{"category": "形式主义"}, http.StatusConflict)))
	recordHistory(t, h, back, "return_reassign_cancel")

	stats := h.must("office", http.MethodGet, "/api/v1/campaigns/c2/stats", nil, http.StatusOK)
	require.EqualValues(t, 2, stats["collected"])
	require.EqualValues(t, 1, stats["excluded"])
	require.EqualValues(t, 1, stats["in_progress"])
	require.EqualValues(t, 0, stats["closed"])
}
