package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// bulkDone posts a bulk to a campaign as the office and follows it until it is
// done, returning it with every result (one page holds them all).
func (h *harness) bulkDone(t *testing.T, campaignID, action string, ids []string, body map[string]any) map[string]any {
	t.Helper()
	status, b := h.Call("office", http.MethodPost, "/api/v1/campaigns/"+campaignID+"/bulk",
		map[string]any{"action": action, "opinions": ids, "body": body})
	require.Contains(t, []int{http.StatusOK, http.StatusAccepted}, status, "%v", b)
	id := b["id"].(string)
	require.Eventually(t, func() bool {
		b = h.Must("office", http.MethodGet, "/api/v1/bulks/"+id+"?limit=10000", nil, http.StatusOK)
		return b["state"] == "done"
	}, 3*time.Minute, 100*time.Millisecond)
	return b
}

// recorded is opinion id as its workflow holds it: what Temporal recorded.
func (h *harness) recorded(id string) domain.Opinion {
	h.t.Helper()
	v, err := h.app.client.QueryWorkflow(context.Background(), workflows.OpinionWorkflowID(id), "", workflows.OpinionQueryName)
	require.NoError(h.t, err)
	var o domain.Opinion
	require.NoError(h.t, v.Get(&o))
	return o
}

// refusals maps each refused opinion of a bulk to its code.
func refusals(b map[string]any) map[string]string {
	out := map[string]string{}
	for _, r := range b["results"].([]any) {
		res := r.(map[string]any)
		if res["status"] == "refused" {
			out[res["id"].(string)] = res["error"].(map[string]any)["code"].(string)
		}
	}
	return out
}

// TestTwoHundredOpinionsAreCategorizedAndAssignedInBulkEachOnce imports 200
// opinions, categorizes and then assigns all of them with one request each over
// HTTP, and checks that every opinion was acted on exactly once; the two that an
// office had already dealt with one at a time are refused, with the code a single
// action would get, and left as they were.
func TestTwoHundredOpinionsAreCategorizedAndAssignedInBulkEachOnce(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "bulk", "name": "整改", "departments": []string{"城管科", "民政科"}}, http.StatusCreated)
	const n = 200
	rows := make([]string, n)
	ids := make([]string, n)
	for i := range n {
		key := fmt.Sprintf("B-%03d", i)
		rows[i] = fmt.Sprintf("%s,第%d处路灯不亮,热线,2026-11-02", key, i)
		ids[i] = domain.OpinionID("bulk", key)
	}
	batch := h.importDone(t, "bulk", ledgerFile(t, t.TempDir(), "路灯.csv", "编号,意见内容,来源,收集时间", rows...))
	require.EqualValues(t, n, batch["started"])

	// One assigned and one rejected before the bulks, one action at a time.
	assigned, rejected := ids[7], ids[150]
	h.Act("office", assigned, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", assigned, "assign", map[string]any{"department": "民政科", "official": "official2", "leader": "leader"}, http.StatusOK)
	h.Act("office", rejected, "reject", map[string]any{"reason": "不属整改范围"}, http.StatusOK)

	categorized := h.bulkDone(t, "bulk", "categorize", ids, map[string]any{"category": "群众需要解决的问题"})
	require.Equal(t, []any{float64(n), float64(n - 2), float64(2), float64(0)},
		[]any{categorized["total"], categorized["done"], categorized["refused"], categorized["waiting"]})
	require.Equal(t, map[string]string{assigned: "wrong_state", rejected: "wrong_state"}, refusals(categorized))
	require.Len(t, categorized["results"], n)
	require.NotEmpty(t, categorized["finished_at"])

	assignedInBulk := h.bulkDone(t, "bulk", "assign", ids, map[string]any{"department": "城管科", "official": "official", "leader": "leader",
		"measures": "统一排查更换"})
	require.Equal(t, []any{float64(n - 2), float64(2)}, []any{assignedInBulk["done"], assignedInBulk["refused"]})
	require.Equal(t, map[string]string{assigned: "wrong_state", rejected: "wrong_state"}, refusals(assignedInBulk))
	for _, r := range assignedInBulk["results"].([]any) {
		if res := r.(map[string]any); res["id"] == assigned {
			require.Contains(t, res["error"].(map[string]any)["message"], "“Assign” cannot be done to an opinion that is “Assigned”")
		}
	}

	// Every opinion, as its workflow recorded it: one categorize and one assign each.
	wrong := map[string]string{}
	for _, id := range ids {
		o := h.recorded(id)
		counts := map[domain.Action]int{}
		for _, e := range o.Timeline {
			counts[e.Action]++
		}
		got := fmt.Sprintf("%s %s/%s categorize=%d assign=%d", o.State, o.Department, o.Official,
			counts[domain.ActionCategorize], counts[domain.ActionAssign])
		want := "assigned 城管科/official categorize=1 assign=1"
		switch id {
		case assigned:
			want = "assigned 民政科/official2 categorize=1 assign=1"
		case rejected:
			want = "rejected / categorize=0 assign=0"
		}
		if got != want {
			wrong[id] = got + ", want " + want
		}
	}
	require.Empty(t, wrong, "opinions not acted on exactly once")
	o := h.Must("office", http.MethodGet, "/api/v1/opinions/"+ids[0], nil, http.StatusOK)
	require.Equal(t, "统一排查更换", o["measures"])
	require.NotEmpty(t, o["deadline"], "the category's working days set the deadline")

	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/bulk/stats", nil, http.StatusOK)
	require.EqualValues(t, n, stats["collected"])
	list := h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=bulk&state=assigned&limit=1", nil, http.StatusOK)
	require.EqualValues(t, n-1, list["total"])

	// A bulk refused whole stores and starts nothing.
	status, out := h.Call("office", http.MethodPost, "/api/v1/campaigns/bulk/bulk",
		map[string]any{"action": "reject", "opinions": ids[:3], "body": map[string]any{"reason": "  "}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "reason_required", apitest.ErrorCode(out))
	require.True(t, strings.Contains(out["error"].(map[string]any)["message"].(string), "reason"))
}

// TestABulkActionSentAgainIsAnsweredByTheRealTemporal hands the opinions of
// finished bulks to the service again as a resumed chunk would — marked sent, so
// without the checks — and the real Temporal server answers each with the first
// outcome of the bulk's update id: a categorize taken on a running workflow, and
// a reject that ended its workflow. Nothing is taken twice; an opinion the bulk
// never reached is refused as archived rather than rejected again.
func TestABulkActionSentAgainIsAnsweredByTheRealTemporal(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "again", "name": "整改"}, http.StatusCreated)
	var ids []string
	for i := range 3 {
		ids = append(ids, h.Must("office", http.MethodPost, "/api/v1/campaigns/again/opinions", map[string]any{
			"key": fmt.Sprintf("A-%d", i), "content": fmt.Sprintf("第%d条：道路积水", i), "channel": "hotline", "collected_at": "2026-11-02",
		}, http.StatusCreated)["id"].(string))
	}
	categorized := h.bulkDone(t, "again", "categorize", ids[:1], map[string]any{"category": "群众需要解决的问题"})
	rejected := h.bulkDone(t, "again", "reject", ids[1:2], map[string]any{"reason": "重复反映"})
	h.Act("office", ids[2], "cancel", map[string]any{"reason": "群众撤回"}, http.StatusOK)
	ctx := context.Background()
	resend := func(bulkID, opinionID string) store.BulkItem {
		t.Helper()
		b, err := h.app.store.Bulk(ctx, bulkID)
		require.NoError(t, err)
		markSent := func(context.Context) error { t.Fatal("an item sent is not marked again"); return nil }
		out, err := h.app.Service.ActInBulk(ctx, b, store.BulkItem{OpinionID: opinionID, Status: store.BulkItemSent}, markSent)
		require.NoError(t, err)
		return out
	}
	require.Equal(t, store.BulkItemDone, resend(categorized["id"].(string), ids[0]).Status, "answered by the running workflow")
	require.Equal(t, store.BulkItemDone, resend(rejected["id"].(string), ids[1]).Status, "answered by the workflow the reject ended")
	out := resend(rejected["id"].(string), ids[2])
	require.Equal(t, []string{store.BulkItemRefused, "opinion_archived"}, []string{out.Status, out.Code},
		"a workflow that ended without the bulk's action does not take it")

	for i, want := range []domain.Action{domain.ActionCategorize, domain.ActionReject, domain.ActionCancel} {
		o := h.recorded(ids[i])
		var actions []domain.Action
		for _, e := range o.Timeline[1:] {
			actions = append(actions, e.Action)
		}
		require.Equal(t, []domain.Action{want}, actions, "opinion %d acted on once", i)
	}
}
