package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/converter"

	"rectify/internal/apitest"
	"rectify/internal/config"
	"rectify/internal/domain"
	"rectify/internal/payload/payloadtest"
	"rectify/internal/user"
	"rectify/workflows"
)

// These tests run the real thing: the embedded Temporal server on SQLite, the
// worker, and the HTTP API, on free ports and in their own data folder.

type harness struct {
	apitest.Client
	t   testing.TB
	app *App
}

// testConfig is the configuration of a test's own rectify: its data under dir,
// ports nothing else uses, no Temporal Web UI, and the settings in extra.
func testConfig(t testing.TB, dir string, extra map[string]string) config.Config {
	t.Helper()
	env := map[string]string{
		"RECTIFY_DATA_DIR":         filepath.Join(dir, "data"),
		"RECTIFY_HTTP_ADDR":        "127.0.0.1:0",
		"RECTIFY_EMBEDDED_ADDR":    "127.0.0.1:0",
		"RECTIFY_EMBEDDED_UI_ADDR": "off",
		// The tests' key: the histories they record replay with it.
		"RECTIFY_PAYLOAD_KEY_FILE": payloadtest.WriteKeyFile(t, dir),
	}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.FromEnv(func(k string) string { return env[k] })
	require.NoError(t, err)
	return cfg
}

func startHarness(t testing.TB) *harness {
	t.Helper()
	return startHarnessWithUsers(t)
}

// startHarnessWithUsers is startHarness with users besides apitest.Users.
func startHarnessWithUsers(t testing.TB, extra ...user.User) *harness {
	t.Helper()
	return startHarnessWithEnv(t, nil, extra...)
}

// startHarnessWithEnv is startHarnessWithUsers with settings of its own.
func startHarnessWithEnv(t testing.TB, env map[string]string, extra ...user.User) *harness {
	t.Helper()
	dir := t.TempDir()
	settings := map[string]string{"RECTIFY_USERS": apitest.WriteUsers(t, dir, extra...)}
	for k, v := range env {
		settings[k] = v
	}
	cfg := testConfig(t, dir, settings)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, logger)
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	return &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}
}

// historyLength counts the events in the opinion's workflow history once its
// notifications (activities that run after an action returns) have finished.
func (h *harness) historyLength(id string) int {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		d, err := h.app.client.DescribeWorkflowExecution(context.Background(), workflows.ItemWorkflowID(id), "")
		return err == nil && len(d.GetPendingActivities()) == 0 && d.GetPendingWorkflowTask() == nil
	}, 30*time.Second, 20*time.Millisecond)
	it := h.app.client.GetWorkflowHistory(context.Background(), workflows.ItemWorkflowID(id), "", false, 0)
	n := 0
	for it.HasNext() {
		_, err := it.Next()
		require.NoError(h.t, err)
		n++
	}
	return n
}

func TestOpinionClosesOverHTTPAndForbiddenActionsLeaveNoTrace(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{
		"id": "c1", "name": "群众路线教育实践活动整改", "departments": []string{"城管科", "民政科"},
	}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "A-001", "content": "幸福路路面坑洼多年未修，雨天积水严重。", "channel": "热线",
		"collected_at": today, "submitter": "张三", "phone": "13812345678",
	}, http.StatusCreated)
	id := op["id"].(string)
	require.Equal(t, "received", op["state"])
	require.Equal(t, "群众需要解决的问题", op["suggested_category"], "keyword rules suggest a category")
	require.Equal(t, "hotline", op["channel"])

	again := h.Must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "A-001", "content": "幸福路路面坑洼多年未修，雨天积水严重。", "channel": "热线", "collected_at": today,
		"submitter": "张三", "phone": "13812345678",
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
		out := h.Act(r.as, id, r.action, r.body, r.status)
		require.Equal(t, r.code, apitest.ErrorCode(out), "%s by %s", r.action, r.as)
	}
	require.Equal(t, before, h.historyLength(id), "rejected actions write nothing to history")

	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	out := h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "nobody", "leader": "leader"}, http.StatusUnprocessableEntity)
	require.Equal(t, "invalid_official", apitest.ErrorCode(out))
	assigned := h.Act("office", id, "assign", map[string]any{
		"department": "城管科", "official": "official", "leader": "leader", "measures": "制定修路方案",
	}, http.StatusOK)
	require.Equal(t, "assigned", assigned["state"])
	require.NotEmpty(t, assigned["deadline"])
	require.Contains(t, assigned["deadline_explanation"], "working days", "explained in the English the client asked for")

	before = h.historyLength(id)
	require.Equal(t, "forbidden", apitest.ErrorCode(h.Act("official2", id, "sign", nil, http.StatusForbidden)), "another department cannot even see it")
	require.Equal(t, "wrong_state", apitest.ErrorCode(h.Act("official", id, "submit", map[string]any{"measures": "m", "evidence": "e"}, http.StatusConflict)))
	require.Equal(t, before, h.historyLength(id))

	h.Act("official", id, "sign", nil, http.StatusOK)
	h.Act("official", id, "submit", map[string]any{"measures": "已修复路面", "evidence": "现场照片"}, http.StatusOK)
	require.Equal(t, "verifier_only", apitest.ErrorCode(h.Act("official", id, "verify", map[string]any{"pass": true}, http.StatusForbidden)))
	h.Act("verifier", id, "verify", map[string]any{"pass": true, "reason": "现场核查属实"}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied", "note": "电话回访"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	require.Equal(t, true, closed["on_time"])

	detail := h.Must("leader", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
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

	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/c1/stats", nil, http.StatusOK)
	require.EqualValues(t, 1, stats["collected"])
	require.EqualValues(t, 1, stats["closed"])
	require.EqualValues(t, 1, stats["completion_rate"])
	require.EqualValues(t, 1, stats["on_time_rate"])
	require.EqualValues(t, 1, stats["satisfaction_rate"])
	h.Must("official", http.MethodGet, "/api/v1/campaigns/c1/stats", nil, http.StatusForbidden)

	desc, err := h.app.client.DescribeWorkflowExecution(context.Background(), workflows.OpinionWorkflowID(id), "")
	require.NoError(t, err)
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	var campaignID string
	dc := converter.GetDefaultDataConverter()
	require.NoError(t, dc.FromPayload(sa[workflows.SACampaign.GetName()], &campaignID))
	require.Equal(t, "c1", campaignID, "operators find it by campaign")
	require.Contains(t, sa, workflows.SADeadline.GetName(), "and by the deadline it was given")
	for _, key := range []string{workflows.SAState.GetName(), workflows.SACategory.GetName(), workflows.SADepartment.GetName(), workflows.SAAssignee.GetName()} {
		require.NotContains(t, sa, key, "the reporting store's, not a search attribute")
	}

	recordHistory(t, h, workflows.OpinionWorkflowID(id), "happy_path")
}

// recordHistory saves the opinion's history for the replay tests when
// RECTIFY_RECORD_HISTORIES is set (run once after a workflow change).
func recordHistory(t *testing.T, h *harness, workflowID, name string) {
	t.Helper()
	if os.Getenv("RECTIFY_RECORD_HISTORIES") == "" {
		return
	}
	it := h.app.client.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
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
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "c2", "name": "整改"}, http.StatusCreated)
	date := workday // deadlines and extension dates are working days
	submit := func(key string) string {
		op := h.Must("office", http.MethodPost, "/api/v1/campaigns/c2/opinions", map[string]any{
			"key": key, "content": "便民服务中心办事要跑好几次", "channel": "visit", "collected_at": date(0),
		}, http.StatusCreated)
		id := op["id"].(string)
		h.Act("office", id, "categorize", map[string]any{"category": "服务态度和效率"}, http.StatusOK)
		h.Act("office", id, "assign", map[string]any{"department": "民政科", "official": "official2", "leader": "leader",
			"deadline": date(10)}, http.StatusOK)
		return id
	}

	id := submit("B-1")
	h.Act("official2", id, "sign", nil, http.StatusOK)
	h.Act("official2", id, "request-extension", map[string]any{"until": date(5), "reason": "r"}, http.StatusUnprocessableEntity)
	h.Act("official2", id, "request-extension", map[string]any{"until": date(20), "reason": "需走采购程序"}, http.StatusOK)
	require.Equal(t, "extension_pending", apitest.ErrorCode(h.Act("official2", id, "request-extension",
		map[string]any{"until": date(25), "reason": "again"}, http.StatusConflict)))
	require.Equal(t, "office_or_leader", apitest.ErrorCode(h.Act("verifier", id, "decide-extension",
		map[string]any{"approve": true}, http.StatusForbidden)))
	ext := h.Act("leader", id, "decide-extension", map[string]any{"approve": true, "reason": "同意"}, http.StatusOK)
	require.Equal(t, date(20), ext["deadline"])
	require.EqualValues(t, 1, ext["extensions"])
	timeline := ext["timeline"].([]any)
	last := timeline[len(timeline)-1].(map[string]any)["detail"].(map[string]any)
	require.Equal(t, date(10), last["previous_deadline"], "the old deadline stays in the timeline")

	h.Act("official2", id, "submit", map[string]any{"measures": "简化流程", "evidence": "一次性告知单"}, http.StatusOK)
	rework := h.Act("verifier", id, "verify", map[string]any{"pass": false, "reason": "群众仍反映跑多次"}, http.StatusOK)
	require.Equal(t, "in_progress", rework["state"])
	require.EqualValues(t, 1, rework["rework_count"])
	h.Act("official2", id, "submit", map[string]any{"measures": "推行一窗通办", "evidence": "办件记录"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	reopened := h.Act("office", id, "callback", map[string]any{"satisfaction": "dissatisfied", "note": "仍需排队"}, http.StatusOK)
	require.Equal(t, "in_progress", reopened["state"])
	require.EqualValues(t, 1, reopened["reopens"])
	h.Act("official2", id, "submit", map[string]any{"measures": "增加窗口", "evidence": "照片"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	require.Equal(t, "closed", h.Act("office", id, "callback", map[string]any{"satisfaction": "basically"}, http.StatusOK)["state"])
	again := h.Act("leader", id, "reopen", map[string]any{"reason": "回头看发现反弹"}, http.StatusOK)
	require.Equal(t, "in_progress", again["state"])
	recordHistory(t, h, workflows.OpinionWorkflowID(id), "extension_rework_reopen")

	back := submit("B-2")
	returned := h.Act("official2", back, "return", map[string]any{"reason": "不属于本科室职责"}, http.StatusOK)
	require.Equal(t, "returned", returned["state"])
	require.Empty(t, returned["official"])
	h.Act("office", back, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	require.Equal(t, "not_assignee", apitest.ErrorCode(h.Act("official2", back, "sign", nil, http.StatusForbidden)))
	require.Equal(t, "cancelled", h.Act("office", back, "cancel", map[string]any{"reason": "反映人撤回"}, http.StatusOK)["state"])
	require.Equal(t, "wrong_state", apitest.ErrorCode(h.Act("office", back, "categorize", map[string]any{"category": "形式主义"}, http.StatusConflict)))
	recordHistory(t, h, workflows.OpinionWorkflowID(back), "return_reassign_cancel")

	stats := h.Must("office", http.MethodGet, "/api/v1/campaigns/c2/stats", nil, http.StatusOK)
	require.EqualValues(t, 2, stats["collected"])
	require.EqualValues(t, 1, stats["excluded"])
	require.EqualValues(t, 1, stats["in_progress"])
	require.EqualValues(t, 0, stats["closed"])
}

// An opinion moved in from an old ledger with a deadline long past climbs the whole
// ladder at once on the real server, and a merge reaches the opinion it was merged
// into. Their histories are recorded for the replay tests.
func TestLadderAndMergeOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "c3", "name": "整改"}, http.StatusCreated)
	date := workday // deadlines are working days
	submit := func(key, content string) string {
		op := h.Must("office", http.MethodPost, "/api/v1/campaigns/c3/opinions", map[string]any{
			"key": key, "content": content, "channel": "letter", "collected_at": date(-60),
		}, http.StatusCreated)
		return op["id"].(string)
	}

	late := submit("L-1", "背街小巷路灯长期不亮")
	h.Act("office", late, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", late, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader",
		"deadline": date(-30)}, http.StatusOK)
	var escalations []string
	require.Eventually(t, func() bool {
		o := h.Must("leader", http.MethodGet, "/api/v1/opinions/"+late, nil, http.StatusOK)
		escalations = escalations[:0]
		for _, e := range o["timeline"].([]any) {
			if e := e.(map[string]any); e["action"] == string(domain.EventEscalated) {
				escalations = append(escalations, e["to"].(string)+":"+e["detail"].(map[string]any)["level"].(string))
			}
		}
		return o["overdue_level"] == "accountability"
	}, 30*time.Second, 100*time.Millisecond, "a deadline 30 days past climbs the whole ladder")
	require.Contains(t, escalations, "assigned:accountability", "the last rung is in the timeline: %v", escalations)
	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/c3/stats", nil, http.StatusOK)
	require.EqualValues(t, 1, stats["accountability"])
	require.EqualValues(t, 1, stats["overdue"])
	h.Act("official", late, "sign", nil, http.StatusOK)
	recordHistory(t, h, workflows.OpinionWorkflowID(late), "overdue_ladder")

	kept := submit("M-1", "老旧小区加装电梯进展缓慢")
	dup := submit("M-2", "老旧小区加装电梯一直没有进展")
	merged := h.Act("office", dup, "merge", map[string]any{"into": kept}, http.StatusOK)
	require.Equal(t, "merged", merged["state"])
	require.Eventually(t, func() bool {
		for _, e := range h.Must("office", http.MethodGet, "/api/v1/opinions/"+kept, nil, http.StatusOK)["timeline"].([]any) {
			if e := e.(map[string]any); e["action"] == string(domain.EventMergedIn) {
				return e["detail"].(map[string]any)["from"] == dup
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond, "the opinion merged into hears of its duplicate")
	recordHistory(t, h, workflows.OpinionWorkflowID(dup), "merged")
	recordHistory(t, h, workflows.OpinionWorkflowID(kept), "merged_into")
}

func TestDemoSeedsEveryStateAndTheLadder(t *testing.T) {
	dir := t.TempDir()
	start := func(demo string) (*App, error) {
		cfg := testConfig(t, dir, map[string]string{"RECTIFY_DEMO": demo})
		return Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	}
	a, err := start("auto")
	require.NoError(t, err)
	get := func(a *App, token, path string) map[string]any {
		req, err := http.NewRequest(http.MethodGet, "http://"+a.HTTPAddr+path, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "the demo token %s works", token)
		var answer map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&answer))
		return answer
	}
	stats := func(a *App, token string) map[string]any { return get(a, token, "/api/v1/campaigns/demo/stats") }
	seeded := stats(a, "demo-leader")
	for _, state := range domain.AllStates {
		require.NotZero(t, seeded["by_state"].(map[string]any)[string(state)], "the demo has an opinion that is %s", state)
	}
	for _, level := range []string{"overdue", "supervised", "accountability"} {
		require.NotZero(t, seeded[level], "the demo has %s opinions", level)
	}
	require.NotZero(t, seeded["on_the_spot"], "the demo has an opinion fixed on the spot")
	levels, longTerm := map[string]int{}, 0
	for _, o := range get(a, "demo-office", "/api/v1/opinions?campaign=demo&limit=100")["opinions"].([]any) {
		levels[o.(map[string]any)["overdue_level"].(string)]++
		if o.(map[string]any)["long_term"] == true {
			longTerm++
		}
	}
	require.NotZero(t, longTerm, "the demo has an item on the long-term track")
	require.NotZero(t, levels["due_soon"], "the demo has an opinion whose deadline is near: %v", levels)
	for _, name := range []string{"office", "official", "official2", "verifier", "leader", "admin"} {
		_, err = a.Service.CheckPassword(context.Background(), name, name)
		require.NoError(t, err, "demo passwords are the usernames: %s", name)
		_, err = a.Service.UserByToken(context.Background(), "demo-"+name)
		require.NoError(t, err, "the demo token of %s works", name)
	}
	a.Stop()

	_, err = start("off")
	require.ErrorContains(t, err, "no users", "outside demo mode the demo's credentials do not sign in")

	a, err = start("auto")
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	require.Equal(t, seeded["collected"], stats(a, "demo-office")["collected"], "a second start of the demo seeds nothing more")
}

func TestImportOverHTTPReportsRowsAndServesRejectedRows(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "imp", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		return path
	}
	ledger := write("意见.csv", "序号,意见内容,来源,收集时间,联系电话\n"+
		"1,路灯坏了,热线,2026-11-01,13812345678\n"+
		"2,=1+2,来信,2026/11/2,\n"+
		"3,,热线,2026-11-01,\n"+
		"4,道路积水,传真,2026-11-01,\n")

	status, dry := h.Upload("office", "/api/v1/campaigns/imp/batches", ledger, map[string]string{"dry_run": "true"})
	require.Equal(t, http.StatusOK, status, "%v", dry)
	require.Equal(t, "dry_run", dry["state"])
	require.EqualValues(t, 2, dry["accepted"])
	require.EqualValues(t, 2, dry["rejected"])

	status, refused := h.Upload("office", "/api/v1/campaigns/imp/batches", ledger, map[string]string{"strict": "true"})
	require.Equal(t, http.StatusCreated, status, "%v", refused)
	require.Equal(t, "refused", refused["state"])
	list := h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=imp", nil, http.StatusOK)
	require.EqualValues(t, 0, list["total"], "a dry run and a refused strict import import nothing")

	status, _ = h.Upload("official", "/api/v1/campaigns/imp/batches", ledger, nil)
	require.Equal(t, http.StatusForbidden, status)
	status, bad := h.Upload("office", "/api/v1/campaigns/imp/batches", write("bad.csv", "a,b\n1,2\n"), nil)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "file_missing_column", apitest.ErrorCode(bad))

	status, batch := h.Upload("office", "/api/v1/campaigns/imp/batches", ledger, nil)
	require.Equal(t, http.StatusCreated, status, "%v", batch)
	id := batch["id"].(string)
	rejections := batch["rejections"].([]any)
	require.Len(t, rejections, 2)
	first := rejections[0].(map[string]any)
	require.EqualValues(t, 4, first["row"], "the row number as the spreadsheet shows it")
	require.Equal(t, "意见内容", first["column"])
	require.Eventually(t, func() bool {
		return h.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)["state"] == "done"
	}, time.Minute, 20*time.Millisecond)
	done := h.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)
	require.EqualValues(t, 2, done["started"])
	recordHistory(t, h, workflows.BatchWorkflowID(id), "batch_import")
	require.Eventually(t, func() bool {
		return h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=imp", nil, http.StatusOK)["total"] == float64(2)
	}, time.Minute, 20*time.Millisecond)
	formula := h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=imp&limit=10", nil, http.StatusOK)["opinions"].([]any)
	var contents []string
	for _, o := range formula {
		contents = append(contents, o.(map[string]any)["content"].(string))
	}
	require.Contains(t, contents, "=1+2", "a formula-looking cell is imported as the text typed")

	// An imported opinion shows operators its campaign and rung from its start,
	// and its receipt upserts nothing more (the version marker's own aside).
	imported := formula[0].(map[string]any)["id"].(string)
	desc, err := h.app.client.DescribeWorkflowExecution(context.Background(), workflows.OpinionWorkflowID(imported), "")
	require.NoError(t, err)
	var shownCampaign, shownLevel string
	sa := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(sa[workflows.SACampaign.GetName()], &shownCampaign))
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(sa[workflows.SAOverdueLevel.GetName()], &shownLevel))
	require.Equal(t, []string{"imp", "none"}, []string{shownCampaign, shownLevel})
	it := h.app.client.GetWorkflowHistory(context.Background(), workflows.OpinionWorkflowID(imported), "", false, 0)
	upserts := 0
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		if ev.GetEventType() == enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES {
			upserts++
		}
	}
	require.Equal(t, 1, upserts, "only the version marker's upsert: the receipt's campaign and rung came with the start")

	req, err := http.NewRequest(http.MethodGet, h.Base+"/api/v1/batches/"+id+"/rejections.csv", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Disposition"), "rejected.csv")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), "传真", "the refused row's original cells")
	require.Contains(t, string(body), "“传真”不是本活动的来源渠道", "and why it was refused, in Chinese: the download asked for no language")
	h.Must("office", http.MethodGet, "/api/v1/batches/nope", nil, http.StatusNotFound)
}
