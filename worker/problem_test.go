package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestATaskKilledMidSubmitStillClosesItsProblem kills rectify by SIGKILL right
// after a problem's task wrote its submit to the store, before Temporal recorded
// it. Restarted, the store shows the task as its workflow has it (in progress, no
// trace of the submit), the official submits again, the verifier passes it, and the
// problem answers each of its opinions: nothing lost, nothing shown that did not
// happen, the opinions and the task as their workflows hold them.
func TestATaskKilledMidSubmitStillClosesItsProblem(t *testing.T) {
	dir := t.TempDir()
	httpAddr, frontend, env := consistencyEnv(t, dir)
	p := start(t, append(env, killAfterProjecting+"="+string(domain.ActionSubmit)), httpAddr)
	p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "grouped", "name": "整改",
		"departments": []string{"城管科", "民政科"}}, http.StatusCreated)
	var ids []string
	for _, key := range []string{"G-1", "G-2"} {
		op := p.Must("office", http.MethodPost, "/api/v1/campaigns/grouped/opinions", map[string]any{
			"key": key, "content": "小区路灯损坏 " + key, "channel": "hotline", "collected_at": "2026-11-02",
		}, http.StatusCreated)
		ids = append(ids, op["id"].(string))
	}
	made := p.Must("office", http.MethodPost, "/api/v1/campaigns/grouped/problems",
		map[string]any{"title": "路灯损坏", "category": "群众需要解决的问题", "opinions": ids}, http.StatusCreated)
	task := p.Must("office", http.MethodPost, "/api/v1/problems/"+made["id"].(string)+"/tasks",
		map[string]any{"lead": "城管科", "co_units": []string{"民政科"}, "official": "official", "leader": "leader"}, http.StatusCreated)["id"].(string)
	p.Act("official", task, "sign", nil, http.StatusOK)

	phantom := p.killedActing(t, dir, task, "submit", "tok-official", `{"measures": "已更换路灯", "evidence": "照片"}`)
	require.Equal(t, domain.StateSubmitted, phantom.State, "the hazard is real: the store holds a submit Temporal never recorded")

	p = start(t, env, httpAddr)
	require.Eventually(t, func() bool { return p.opinion(task)["state"] == "in_progress" }, time.Minute, 50*time.Millisecond,
		"the task goes back to what its workflow recorded, by itself")
	p.Act("official", task, "submit", map[string]any{"measures": "已更换路灯", "evidence": "照片"}, http.StatusOK)
	p.Act("verifier", task, "verify", map[string]any{"pass": true}, http.StatusOK)
	for _, id := range ids {
		require.Eventually(t, func() bool { return p.opinion(id)["state"] == "awaiting_callback" }, time.Minute, 50*time.Millisecond,
			"the problem answers opinion %s", id)
	}
	requireStoreMatchesWorkflows(t, p, frontend, append([]string{task}, ids...))
}
