package app

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/workflows"
)

// An office records an opinion fixed on the spot (立行立改): it goes to
// verification, closes on time, and counts as immediate in the figures even
// though its category is 限期整改.
func TestAnOpinionFixedOnTheSpotOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "spot", "name": "立行立改"}, http.StatusCreated)
	today := time.Now().In(campaignZone).Format("2006-01-02")
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/spot/opinions", map[string]any{
		"key": "S-1", "content": "办事大厅叫号屏坏了", "channel": "visit", "collected_at": today,
	}, http.StatusCreated)
	id := op["id"].(string)
	fix := map[string]any{"category": "服务态度和效率", "department": "城管科", "official": "official", "leader": "leader",
		"measures": "当场更换叫号屏", "evidence": "更换后照片", "fixed_on": today}

	require.Equal(t, "office_only", apitest.ErrorCode(h.Act("leader", id, "resolve", fix, http.StatusForbidden)))
	notOfficial := map[string]any{}
	for k, v := range fix {
		notOfficial[k] = v
	}
	notOfficial["official"] = "verifier"
	require.Equal(t, "invalid_official", apitest.ErrorCode(h.Act("office", id, "resolve", notOfficial, http.StatusUnprocessableEntity)))

	resolved := h.Act("office", id, "resolve", fix, http.StatusOK)
	require.Equal(t, "submitted", resolved["state"])
	require.Equal(t, true, resolved["on_the_spot"])
	require.Equal(t, today, resolved["fixed_on"])
	require.Equal(t, "城管科", resolved["department"])
	h.Act("verifier", id, "verify", map[string]any{"pass": true, "reason": "现场核实"}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	require.Equal(t, true, closed["on_time"])

	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/spot/stats", nil, http.StatusOK)
	require.EqualValues(t, 1, stats["on_the_spot"])
	speeds := map[string]map[string]any{}
	for _, s := range stats["by_speed"].([]any) {
		speeds[s.(map[string]any)["name"].(string)] = s.(map[string]any)
	}
	require.Len(t, speeds, 1, "counted as 立行立改 only")
	require.EqualValues(t, 1, speeds["immediate"]["on_the_spot"])
	require.EqualValues(t, 1, speeds["immediate"]["closed"])

	recordHistory(t, h, workflows.OpinionWorkflowID(id), "resolved_on_the_spot")
}
