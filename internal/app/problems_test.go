package app

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/user"
	"rectify/workflows"
)

// problemCampaign creates a campaign with three departments and n categorized
// opinions, returning their ids.
func problemCampaign(t *testing.T, h *harness, id string, n int) []string {
	t.Helper()
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": id, "name": "问题清单",
		"departments": []string{"城管科", "民政科", "便民服务中心"}}, http.StatusCreated)
	today := time.Now().In(campaignZone).Format("2006-01-02")
	ids := make([]string, n)
	for i := range ids {
		op := h.Must("office", http.MethodPost, "/api/v1/campaigns/"+id+"/opinions", map[string]any{
			"key": "P-" + string(rune('A'+i)), "content": "老旧小区路灯不亮，夜间出行不便 " + string(rune('A'+i)), "channel": "visit", "collected_at": today,
		}, http.StatusCreated)
		ids[i] = op["id"].(string)
		h.Act("office", ids[i], "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	}
	return ids
}

// workbook downloads the spreadsheet at url with the token and opens it.
func workbook(t *testing.T, url, token string) *excelize.File {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	book, err := excelize.OpenReader(bytes.NewReader(body))
	require.NoError(t, err)
	return book
}

func (h *harness) opinionState(id string) string {
	return h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)["state"].(string)
}

// The office groups three opinions into a problem and splits it into two tasks,
// one with a co-unit; each task runs the lifecycle (a co-unit's part, a failed
// verification and rework); when both are verified the problem closes and each
// opinion gets its own follow-up call, a dissatisfied one reopening it alone.
func TestAProblemSplitIntoTasksClosesItsOpinions(t *testing.T) {
	h := startHarness(t)
	ids := problemCampaign(t, h, "pr", 3)

	require.Equal(t, "opinions_required", apitest.ErrorCode(h.Must("office", http.MethodPost, "/api/v1/campaigns/pr/problems",
		map[string]any{"title": "路灯失修", "opinions": []string{}}, http.StatusUnprocessableEntity)))
	unknown := h.Must("office", http.MethodPost, "/api/v1/campaigns/pr/problems",
		map[string]any{"title": "路灯失修", "opinions": []string{ids[0], "nope"}}, http.StatusUnprocessableEntity)
	require.Equal(t, "invalid_opinions", apitest.ErrorCode(unknown))
	require.Contains(t, unknown["error"].(map[string]any)["message"], "opinions[1]")
	require.Equal(t, "forbidden", apitest.ErrorCode(h.Must("leader", http.MethodPost, "/api/v1/campaigns/pr/problems",
		map[string]any{"title": "路灯失修", "opinions": ids}, http.StatusForbidden)))
	require.Equal(t, "categorized", h.opinionState(ids[0]), "a refused request groups nothing")

	made := h.Must("office", http.MethodPost, "/api/v1/campaigns/pr/problems",
		map[string]any{"key": "lights", "title": "路灯失修", "opinions": ids}, http.StatusCreated)
	problem := made["id"].(string)
	require.Equal(t, "群众需要解决的问题", made["category"], "the category its opinions have")
	for i, id := range ids {
		require.Equal(t, float64(http.StatusOK), made["results"].([]any)[i].(map[string]any)["status"])
		require.Equal(t, "in_problem", h.opinionState(id))
	}
	require.Eventually(t, func() bool {
		p := h.Must("office", http.MethodGet, "/api/v1/problems/"+problem, nil, http.StatusOK)
		return len(p["opinions"].([]any)) == 3
	}, 10*time.Second, 50*time.Millisecond, "the problem lists its opinions")
	again := h.Must("office", http.MethodPost, "/api/v1/campaigns/pr/problems",
		map[string]any{"title": "路灯失修", "opinions": []string{ids[0]}}, http.StatusConflict)
	require.Equal(t, "wrong_state", apitest.ErrorCode(again), "an opinion is in one problem")

	tasks := "/api/v1/problems/" + problem + "/tasks"
	lead := map[string]any{"lead": "城管科", "co_units": []string{"民政科"}, "official": "official", "leader": "leader", "measures": "更换灯具，建立巡查制度"}
	for _, bad := range []struct {
		change map[string]any
		code   string
	}{
		{map[string]any{"co_units": []string{"城管科"}}, "invalid_co_units"},
		{map[string]any{"lead": "公安局"}, "invalid_lead"},
		{map[string]any{"official": "verifier"}, "invalid_official"},
		{map[string]any{"leader": ""}, "leader_required"},
	} {
		body := map[string]any{}
		for k, v := range lead {
			body[k] = v
		}
		for k, v := range bad.change {
			body[k] = v
		}
		require.Equal(t, bad.code, apitest.ErrorCode(h.Must("office", http.MethodPost, tasks, body, http.StatusUnprocessableEntity)), bad.code)
	}
	first := h.Must("office", http.MethodPost, tasks, lead, http.StatusCreated)
	t1 := first["id"].(string)
	require.True(t, strings.HasPrefix(t1, "T-"), t1)
	require.Equal(t, "assigned", first["state"])
	require.Equal(t, "城管科", first["department"])
	require.NotEmpty(t, first["deadline"], "the category's working days")
	second := h.Must("office", http.MethodPost, tasks, map[string]any{"lead": "民政科", "official": "official2", "leader": "leader",
		"measures": "走访独居老人"}, http.StatusCreated)
	t2 := second["id"].(string)

	// The co-unit adds its part; the lead unit alone submits; a task is no opinion.
	require.Equal(t, "forbidden", apitest.ErrorCode(h.Act("official", t2, "contribute", map[string]any{"note": "协助"}, http.StatusForbidden)), "not its unit's task")
	part := h.Act("official2", t1, "contribute", map[string]any{"note": "民政科已排查辖区独居老人家门口路灯"}, http.StatusOK)
	require.Equal(t, "民政科", part["task"].(map[string]any)["contributions"].([]any)[0].(map[string]any)["unit"])
	require.Equal(t, "not_assignee", apitest.ErrorCode(h.Act("official2", t1, "sign", nil, http.StatusForbidden)))
	require.Equal(t, "task_action", apitest.ErrorCode(h.Act("office", t1, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusConflict)))

	fix := map[string]any{"measures": "已更换灯具12盏", "evidence": "现场照片"}
	h.Act("official", t1, "sign", nil, http.StatusOK)
	h.Act("official", t1, "submit", fix, http.StatusOK)
	closed := h.Act("verifier", t1, "verify", map[string]any{"pass": true, "reason": "现场核实"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"], "a task closes on verification, with no follow-up call")
	require.Equal(t, "in_problem", h.opinionState(ids[0]), "one task of two is not the problem")

	h.Act("official2", t2, "sign", nil, http.StatusOK)
	h.Act("official2", t2, "submit", fix, http.StatusOK)
	rework := h.Act("verifier", t2, "verify", map[string]any{"pass": false, "reason": "仍有一处未修"}, http.StatusOK)
	require.Equal(t, "in_progress", rework["state"])
	require.Equal(t, "in_problem", h.opinionState(ids[0]))
	h.Act("official2", t2, "submit", fix, http.StatusOK)
	h.Act("verifier", t2, "verify", map[string]any{"pass": true, "reason": "复核通过"}, http.StatusOK)

	for _, id := range ids {
		require.Eventually(t, func() bool { return h.opinionState(id) == "awaiting_callback" }, 10*time.Second, 50*time.Millisecond,
			"the problem's answer reaches opinion %s", id)
	}
	p := h.Must("office", http.MethodGet, "/api/v1/problems/"+problem, nil, http.StatusOK)
	require.Equal(t, "closed", p["state"], "the store has the problem closed before its opinions are answered")
	require.Len(t, p["task_records"], 2)
	answered := h.Must("office", http.MethodGet, "/api/v1/opinions/"+ids[0], nil, http.StatusOK)
	require.Equal(t, "official", answered["official"], "the lead task's official answers for it")
	require.Contains(t, answered["measures"], "已更换灯具12盏")
	// The tasks' record is each opinion's own: three rounds, one failed, so none of
	// the three passed first time.
	require.Len(t, answered["rounds"], 3)
	require.EqualValues(t, 1, answered["rework_count"])
	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/pr/stats", nil, http.StatusOK)
	require.EqualValues(t, 3, stats["reworked"], "a failed verification of a task counts for every opinion of its problem")
	require.EqualValues(t, 0, stats["first_pass"])

	require.Equal(t, "closed", h.Act("office", ids[0], "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)["state"])
	reopened := h.Act("office", ids[1], "callback", map[string]any{"satisfaction": "dissatisfied", "note": "巷子里还有一盏不亮"}, http.StatusOK)
	require.Equal(t, "in_progress", reopened["state"], "a dissatisfied call reopens that opinion alone")
	require.Equal(t, "official", reopened["official"])
	require.Equal(t, "awaiting_callback", h.opinionState(ids[2]))

	// The 整改台账: the problem with its opinions' keys, its two tasks with their units.
	book := workbook(t, h.Base+"/api/v1/campaigns/pr/ledger.xlsx", "tok-leader")
	rows, err := book.GetRows("问题清单")
	require.NoError(t, err)
	require.Len(t, rows, 4, "title rows, header, the one problem: its opinions stand for no problems of their own")
	require.Equal(t, []string{problem, "路灯失修", "群众需要解决的问题", "P-A、P-B、P-C", "3", "2", "2", "城管科、民政科"}, rows[3][:8])
	require.Equal(t, "已解决", rows[3][10])
	tasksSheet, err := book.GetRows("任务清单")
	require.NoError(t, err)
	require.Len(t, tasksSheet, 5)
	require.Equal(t, []string{t1, problem, "路灯失修", "城管科", "民政科"}, tasksSheet[3][:5])
	require.Equal(t, []string{t2, problem, "路灯失修", "民政科", ""}, tasksSheet[4][:5])

	recordHistory(t, h, workflows.ProblemWorkflowID(problem), "problem_closed")
	recordHistory(t, h, workflows.TaskWorkflowID(t2), "task_reworked")
	recordHistory(t, h, workflows.OpinionWorkflowID(ids[1]), "grouped_reopened")
}

// The process survives a restart between the task's assignment and its
// verification: nothing is lost, and the problem still answers its opinions.
func TestAProblemSurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	users := apitest.WriteUsers(t, dir)
	cfg := testConfig(t, dir, map[string]string{"RECTIFY_USERS": users})
	start := func() *App {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		require.NoError(t, err)
		return a
	}
	a := start()
	h := &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}
	ids := problemCampaign(t, h, "pk", 2)
	made := h.Must("office", http.MethodPost, "/api/v1/campaigns/pk/problems", map[string]any{"title": "路灯", "opinions": ids}, http.StatusCreated)
	task := h.Must("office", http.MethodPost, "/api/v1/problems/"+made["id"].(string)+"/tasks",
		map[string]any{"lead": "城管科", "official": "official", "leader": "leader"}, http.StatusCreated)["id"].(string)
	h.Act("official", task, "sign", nil, http.StatusOK)
	h.Act("official", task, "submit", map[string]any{"measures": "已修复", "evidence": "照片"}, http.StatusOK)
	a.Stop()

	a = start()
	t.Cleanup(a.Stop)
	h.Base, h.app = "http://"+a.HTTPAddr, a
	h.Act("verifier", task, "verify", map[string]any{"pass": true, "reason": "核实"}, http.StatusOK)
	for _, id := range ids {
		require.Eventually(t, func() bool { return h.opinionState(id) == "awaiting_callback" }, 20*time.Second, 100*time.Millisecond)
	}
}

// An office clerk whose role is scoped to another campaign can neither read a
// problem of this one nor add a task to it, nor list its problems or tasks.
func TestAProblemIsOutOfAnotherCampaignsClerksScope(t *testing.T) {
	clerk := user.User{Username: "clerk", Roles: []domain.Role{domain.RoleOffice}, Campaigns: []string{"elsewhere"}}
	h := startHarnessWithUsers(t, clerk)
	ids := problemCampaign(t, h, "scoped", 1)
	problem := h.Must("office", http.MethodPost, "/api/v1/campaigns/scoped/problems",
		map[string]any{"title": "路灯失修", "opinions": ids}, http.StatusCreated)["id"].(string)
	task := map[string]any{"lead": "城管科", "official": "official", "leader": "leader"}
	require.Equal(t, "out_of_scope", apitest.ErrorCode(h.Must("clerk", http.MethodGet, "/api/v1/problems/"+problem, nil, http.StatusForbidden)))
	require.Equal(t, "out_of_scope", apitest.ErrorCode(h.Must("clerk", http.MethodPost, "/api/v1/problems/"+problem+"/tasks", task, http.StatusForbidden)))
	require.Equal(t, "out_of_scope", apitest.ErrorCode(h.Must("clerk", http.MethodGet, "/api/v1/campaigns/scoped/problems", nil, http.StatusForbidden)))
	h.Must("office", http.MethodPost, "/api/v1/problems/"+problem+"/tasks", task, http.StatusCreated)
	require.Empty(t, h.Must("clerk", http.MethodGet, "/api/v1/tasks?campaign=scoped", nil, http.StatusOK)["tasks"], "no task of a campaign out of scope")
	require.Len(t, h.Must("office", http.MethodGet, "/api/v1/tasks?campaign=scoped", nil, http.StatusOK)["tasks"], 1)
}

// A clerk scoped to another campaign reads none of this campaign's records by id:
// a bulk here (an import's batch is read by the same code).
func TestRecordsByIDAreOutOfAnotherCampaignsClerksScope(t *testing.T) {
	clerk := user.User{Username: "clerk", Roles: []domain.Role{domain.RoleOffice}, Campaigns: []string{"elsewhere"}}
	h := startHarnessWithUsers(t, clerk)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "scoped", "name": "整改"}, http.StatusCreated)
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/scoped/opinions", map[string]any{"key": "S-1", "content": "路灯不亮",
		"channel": "hotline", "collected_at": time.Now().In(campaignZone).Format("2006-01-02")}, http.StatusCreated)
	bulk := h.bulkDone(t, "scoped", "categorize", []string{op["id"].(string)}, map[string]any{"category": "群众需要解决的问题"})
	require.Equal(t, "out_of_scope", apitest.ErrorCode(h.Must("clerk", http.MethodGet, "/api/v1/bulks/"+bulk["id"].(string), nil, http.StatusForbidden)))
	h.Must("office", http.MethodGet, "/api/v1/bulks/"+bulk["id"].(string), nil, http.StatusOK)
}
