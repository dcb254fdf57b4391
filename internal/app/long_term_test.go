package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/workflows"
)

// A long-term item (长期坚持) over HTTP: its deadline is its first monthly report's;
// the official reports progress; the leader concludes it; it is verified and closed.
func TestALongTermItemReportsAndIsConcludedOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "long", "name": "长期坚持"}, http.StatusCreated)
	today := time.Now().In(campaignZone)
	id := h.Must("office", http.MethodPost, "/api/v1/campaigns/long/opinions", map[string]any{
		"key": "C-1", "content": "会议审批没有制度", "channel": "symposium", "collected_at": today.Format("2006-01-02"),
	}, http.StatusCreated)["id"].(string)
	h.Act("office", id, "categorize", map[string]any{"category": "制度漏洞"}, http.StatusOK)
	assigned := h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	require.Equal(t, true, assigned["long_term"])
	require.Equal(t, onWorkday(today.AddDate(0, 1, 0), 1), assigned["deadline"], "the first report is due a month on, on a working day")
	h.Act("official", id, "sign", nil, http.StatusOK)
	require.Equal(t, "long_term_track", apitest.ErrorCode(h.Act("official", id, "submit",
		map[string]any{"measures": "m", "evidence": "e"}, http.StatusConflict)))
	reported := h.Act("official", id, "report-progress", map[string]any{"measures": "制定会议审批办法", "next": "试行并评估",
		"percent": 40}, http.StatusOK)
	reports := reported["reports"].([]any)
	require.Len(t, reports, 1)
	require.EqualValues(t, 40, reports[0].(map[string]any)["percent"])
	require.Equal(t, onWorkday(today.AddDate(0, 1, 0).AddDate(0, 1, 0), 1), reported["deadline"],
		"the next report a month after the first was due (before a move to a working day)")
	require.Equal(t, "office_or_leader", apitest.ErrorCode(h.Act("official", id, "conclude",
		map[string]any{"measures": "m", "evidence": "e"}, http.StatusForbidden)))
	concluded := h.Act("leader", id, "conclude", map[string]any{"measures": "会议审批办法已印发执行", "evidence": "文件"}, http.StatusOK)
	require.Equal(t, "submitted", concluded["state"])
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	require.Equal(t, true, closed["on_time"])

	recordHistory(t, h, workflows.OpinionWorkflowID(id), "long_term_reports")
}
