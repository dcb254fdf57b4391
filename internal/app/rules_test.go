package app

// The honest record over HTTP against the real embedded server (docs/rules.md):
// each rule as a user met it, and every action driven with boundary values to a
// fast refusal that leaves the opinion's history as it was.

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/workflows"
)

// campaignZone is the campaigns' local time (the default +8 h).
var campaignZone = time.FixedZone("CST", 8*3600)

// day is the date days from today, campaign-local: a collection date.
func day(days int) string {
	return time.Now().In(campaignZone).AddDate(0, 0, days).Format(domain.DateLayout)
}

// workday is the date days from today moved to a working day, back for today or
// a past date and forward for a future one: deadlines and extension dates must be
// working days (docs/rules.md).
func workday(days int) string {
	step := 1
	if days <= 0 {
		step = -1
	}
	return onWorkday(time.Now().In(campaignZone).AddDate(0, 0, days), step)
}

// onWorkday is d, or the nearest working day step days at a time from it.
func onWorkday(d time.Time, step int) string {
	for !calendar.Default().IsWorkday(d) {
		d = d.AddDate(0, 0, step)
	}
	return d.Format(domain.DateLayout)
}

// dayOff is the first weekend day or holiday after today, and the working day after it.
func dayOff() (string, string) {
	d := time.Now().In(campaignZone).AddDate(0, 0, 1)
	for calendar.Default().IsWorkday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(domain.DateLayout), service.NextWorkingDay(calendar.Default(), d).Format(domain.DateLayout)
}

// opinionIn submits an opinion to campaign c, collected collected, and returns its id.
func (h *harness) opinionIn(c, key, collected string) string {
	h.t.Helper()
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/"+c+"/opinions", map[string]any{
		"key": key, "content": "背街小巷路灯长期不亮 " + key, "channel": "hotline", "collected_at": collected,
	}, http.StatusCreated)
	return op["id"].(string)
}

// events lists the timeline entries of one action.
func events(o map[string]any, action domain.Action) []map[string]any {
	var out []map[string]any
	for _, e := range o["timeline"].([]any) {
		if e := e.(map[string]any); e["action"] == string(action) {
			out = append(out, e)
		}
	}
	return out
}

func TestALateExtensionDoesNotEraseLatenessOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "late", "name": "整改"}, http.StatusCreated)
	id := h.opinionIn("late", "L-1", day(-60))
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader",
		"deadline": workday(-30)}, http.StatusOK)
	require.Eventually(t, func() bool {
		return h.Must("leader", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)["overdue_level"] == "accountability"
	}, 30*time.Second, 100*time.Millisecond, "a deadline a month past climbs to 问责 at once")
	h.Act("official", id, "sign", nil, http.StatusOK)
	h.Act("official", id, "request-extension", map[string]any{"until": workday(20), "reason": "需走采购程序"}, http.StatusOK)
	extended := h.Act("leader", id, "decide-extension", map[string]any{"approve": true, "reason": "同意"}, http.StatusOK)
	require.Equal(t, workday(20), extended["deadline"], "a late extension is allowed: the deadline moves")
	require.Equal(t, "none", extended["overdue_level"])
	require.Equal(t, "accountability", extended["highest_level"], "but the rung it reached stays")
	require.EqualValues(t, 1, extended["late_extensions"])
	decided := events(extended, domain.ActionDecideExtension)
	require.Len(t, decided, 1)
	require.Equal(t, "leader", decided[0]["actor"], "who approved it late is on the record")
	require.Equal(t, "true", decided[0]["detail"].(map[string]any)["late"])

	h.Act("official", id, "submit", map[string]any{"measures": "更换路灯", "evidence": "现场照片"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	require.Equal(t, false, closed["on_time"], "a fix after a late extension is late")
	require.Equal(t, "none", closed["overdue_level"])
	require.Equal(t, "accountability", closed["highest_level"])
	require.EqualValues(t, 1, closed["late_extensions"])
	require.Equal(t, true, closed["rounds"].([]any)[0].(map[string]any)["late"])
	require.Contains(t, closed, "working_days_to_close")

	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/late/stats", nil, http.StatusOK)
	require.EqualValues(t, 1, stats["closed"])
	require.EqualValues(t, 0, stats["on_time_rate"], "not 100 % on time")
	require.EqualValues(t, 1, stats["ever_accountability"], "the campaign still shows the 问责 it reached")
	require.EqualValues(t, 0, stats["accountability"], "none is at 问责 now")
	require.EqualValues(t, 1, stats["late_extensions"])
	require.EqualValues(t, 1, stats["extension_rate"])
	recordHistory(t, h, workflows.OpinionWorkflowID(id), "late_extension")
}

func TestReworkNeverShortensAnApprovedDeadlineAndEveryRoundIsKeptOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "rw", "name": "整改"}, http.StatusCreated)
	id := h.opinionIn("rw", "R-1", day(0))
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	h.Act("official", id, "sign", nil, http.StatusOK)
	h.Act("official", id, "request-extension", map[string]any{"until": workday(45), "reason": "冬季施工"}, http.StatusOK)
	h.Act("leader", id, "decide-extension", map[string]any{"approve": true}, http.StatusOK)
	h.Act("official", id, "submit", map[string]any{"measures": "更换灯泡", "evidence": "照片一"}, http.StatusOK)
	rework := h.Act("verifier", id, "verify", map[string]any{"pass": false, "reason": "夜间仍不亮"}, http.StatusOK)
	require.Equal(t, "in_progress", rework["state"])
	require.Equal(t, workday(45), rework["deadline"], "five rework days would come long before the approved date")
	require.Equal(t, "true", events(rework, domain.ActionVerify)[0]["detail"].(map[string]any)["kept_deadline"])

	h.Act("official", id, "submit", map[string]any{"measures": "更换线路", "evidence": "照片二"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true, "reason": "整改到位"}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, true, closed["on_time"])
	rounds := closed["rounds"].([]any)
	require.Len(t, rounds, 2, "the resubmission did not overwrite the first fix")
	first, second := rounds[0].(map[string]any), rounds[1].(map[string]any)
	require.Equal(t, "更换灯泡", first["measures"])
	require.Equal(t, "照片一", first["evidence"])
	require.Equal(t, "official", first["submitted_by"])
	require.Equal(t, "verifier", first["verified_by"])
	require.Equal(t, false, first["passed"])
	require.Equal(t, "夜间仍不亮", first["reason"])
	require.Equal(t, "更换线路", second["measures"])
	require.Equal(t, true, second["passed"])
	recordHistory(t, h, workflows.OpinionWorkflowID(id), "rework_keeps_extension")
}

func TestEveryFollowUpCallCountsOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "cb", "name": "整改"}, http.StatusCreated)
	id := h.opinionIn("cb", "C-1", day(0))
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	h.Act("official", id, "sign", nil, http.StatusOK)
	h.Act("official", id, "submit", map[string]any{"measures": "更换路灯", "evidence": "照片"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	reopened := h.Act("office", id, "callback", map[string]any{"satisfaction": "dissatisfied", "note": "仍不亮"}, http.StatusOK)
	require.Equal(t, "in_progress", reopened["state"])
	h.Act("official", id, "submit", map[string]any{"measures": "更换线路", "evidence": "照片"}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	closed := h.Act("office", id, "callback", map[string]any{"satisfaction": "basically"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	require.Equal(t, "basically", closed["satisfaction"])
	var calls []string
	for _, c := range closed["callbacks"].([]any) {
		c := c.(map[string]any)
		calls = append(calls, fmt.Sprintf("%s first=%v by %s", c["satisfaction"], c["first"], c["by"]))
	}
	require.Equal(t, []string{"dissatisfied first=true by office", "basically first=true by office"}, calls,
		"the dissatisfied answer stays on the record: 1 satisfied of 2 called")
	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/cb/stats", nil, http.StatusOK)
	require.Equal(t, []any{2.0, 1.0, 1.0, 0.5}, []any{stats["callbacks"], stats["satisfied"], stats["dissatisfied"], stats["satisfaction_rate"]},
		"the dashboard counts both calls: 已回访 2, 满意 1, not 1 of 1")
	require.EqualValues(t, 1, stats["reopen_rate"])
	require.Contains(t, closed, "working_days_to_close")
	require.LessOrEqual(t, closed["working_days_to_close"], float64(1), "received and closed today (or over midnight)")
	recordHistory(t, h, workflows.OpinionWorkflowID(id), "every_follow_up_call")
}

func TestADeadlineOnADayOffIsRefusedOverHTTPNamingTheNextWorkingDay(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "wd", "name": "整改"}, http.StatusCreated)
	id := h.opinionIn("wd", "W-1", day(0))
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	off, next := dayOff()
	before := h.historyLength(id)
	out := h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader",
		"deadline": off}, http.StatusUnprocessableEntity)
	require.Equal(t, "deadline_not_workday", apitest.ErrorCode(out))
	require.Contains(t, out["error"].(map[string]any)["message"], "the next working day is "+next)
	require.Equal(t, before, h.historyLength(id))
	assigned := h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader",
		"deadline": next}, http.StatusOK)
	require.Equal(t, next, assigned["deadline"])
}

// Every action, sent with the values at and beyond every bound, is refused within
// seconds with a 4xx, and the opinion's history stays as it was: nothing a client
// can send makes the workflow fail inside (the 30-second 503 of old).
func TestEveryActionWithBoundaryValuesIsRefusedFastAndLeavesNoHistory(t *testing.T) {
	h := startHarness(t)
	status, out := h.Call("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "far", "name": "整改",
		"policy": map[string]any{"utc_offset_seconds": -90000}})
	require.Equal(t, http.StatusUnprocessableEntity, status, "%v", out)
	require.Contains(t, out["error"].(map[string]any)["message"], "policy.utc_offset_seconds")
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "b", "name": "整改"}, http.StatusCreated)
	id := h.opinionIn("b", "B-1", day(-3))

	long := func(n int) string { return strings.Repeat("长", n) }
	tooFar := time.Now().In(campaignZone).AddDate(domain.YearsAhead, 0, 7).Format(domain.DateLayout)
	// Dates out of bounds or not dates at all (an empty one means "the default" to
	// assign and reopen, so it is tried on an extension only).
	dates := []string{"9999-12-31", tooFar, "0000-01-01", "1999-12-31", "2026-02-30", "2026-1-1", "20260101", "9999-12-31T00:00:00Z"}
	type try struct {
		as, action string
		body       map[string]any
	}
	refused := func(phase string, tries ...try) {
		t.Helper()
		before := h.historyLength(id)
		for _, tr := range tries {
			began := time.Now()
			status, out := h.Call(tr.as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+tr.action, tr.body)
			took := time.Since(began)
			require.True(t, status >= 400 && status < 500, "%s: %s %v answered %d %v", phase, tr.action, tr.body, status, out)
			require.Less(t, took, 5*time.Second, "%s: %s %v took %s", phase, tr.action, tr.body, took)
		}
		require.Equal(t, before, h.historyLength(id), "%s: refused actions leave nothing in the history", phase)
	}
	assign := func(change map[string]any) map[string]any {
		b := map[string]any{"department": "城管科", "official": "official", "leader": "leader"}
		for k, v := range change {
			b[k] = v
		}
		return b
	}

	refused("received",
		try{"office", "categorize", map[string]any{"category": long(201)}},
		try{"office", "categorize", map[string]any{"category": "群众需要解决的问题", "reason": long(2001)}},
		try{"office", "categorize", map[string]any{"CATEGORY": "群众需要解决的问题"}},
		try{"office", "merge", map[string]any{"into": long(201)}},
		try{"office", "reject", map[string]any{"reason": long(2001)}},
		try{"office", "cancel", map[string]any{"reason": ""}},
		try{"office", "assign", assign(nil)},
		// Text that shows nothing is no reason.
		try{"office", "reject", map[string]any{"reason": "\u200b\u200b"}},
		try{"office", "cancel", map[string]any{"reason": "\u0000"}},
		try{"office", "reject", map[string]any{"reason": "\ufeff"}},
	)
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)

	var assigns []try
	for _, d := range dates {
		assigns = append(assigns, try{"office", "assign", assign(map[string]any{"deadline": d})})
	}
	assigns = append(assigns,
		try{"office", "assign", assign(map[string]any{"deadline": day(-4)})}, // before it was collected
		try{"office", "assign", assign(map[string]any{"measures": long(4001)})},
		try{"office", "assign", assign(map[string]any{"reason": long(2001)})},
		try{"office", "assign", assign(map[string]any{"until": long(11)})},
		try{"office", "assign", assign(map[string]any{"official": long(201)})},
		try{"office", "assign", assign(map[string]any{"department": long(201)})},
	)
	refused("categorized", assigns...)
	h.Act("office", id, "assign", assign(map[string]any{"deadline": workday(10)}), http.StatusOK)
	h.Act("official", id, "sign", nil, http.StatusOK)

	var extensions []try
	for _, d := range append(dates, "", day(-1), workday(10)) { // none, the past, the deadline itself
		extensions = append(extensions, try{"official", "request-extension", map[string]any{"until": d, "reason": "r"}})
	}
	extensions = append(extensions,
		try{"official", "request-extension", map[string]any{"until": workday(20), "reason": long(2001)}},
		try{"official", "submit", map[string]any{"measures": long(4001), "evidence": "e"}},
		try{"official", "submit", map[string]any{"measures": "m", "evidence": long(4001)}},
		try{"official", "return", map[string]any{"reason": long(2001)}},
		try{"official", "decide-extension", map[string]any{"approve": true}},
		try{"official", "return", map[string]any{"reason": "\u2028\u200b"}},
		try{"official", "request-extension", map[string]any{"until": workday(20), "reason": "\u200b"}},
		try{"official", "submit", map[string]any{"measures": "\u200b\u0007", "evidence": "e"}},
		try{"official", "submit", map[string]any{"measures": "m", "evidence": "\ufeff"}},
	)
	refused("in progress", extensions...)
	h.Act("official", id, "request-extension", map[string]any{"until": workday(20), "reason": "需协调"}, http.StatusOK)
	refused("extension pending",
		try{"leader", "decide-extension", map[string]any{"approve": true, "reason": long(2001)}},
		try{"leader", "decide-extension", map[string]any{"approve": "yes"}},
		try{"leader", "decide-extension", map[string]any{}},
	)
	h.Act("leader", id, "decide-extension", map[string]any{"approve": true}, http.StatusOK)
	h.Act("official", id, "submit", map[string]any{"measures": "更换路灯", "evidence": "照片"}, http.StatusOK)
	refused("submitted",
		try{"verifier", "verify", map[string]any{"pass": false, "reason": long(2001)}},
		try{"verifier", "verify", map[string]any{"pass": false}},
		try{"verifier", "verify", map[string]any{"pass": false, "reason": "\u200b"}},
		try{"verifier", "verify", map[string]any{"pass": true, "satisfaction": long(201)}},
	)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)

	var reopens []try
	for _, d := range append(dates, day(-1)) {
		reopens = append(reopens, try{"leader", "reopen", map[string]any{"reason": "反弹", "deadline": d}})
	}
	refused("awaiting callback", append(reopens,
		try{"office", "callback", map[string]any{"satisfaction": "very"}},
		try{"office", "callback", map[string]any{"satisfaction": "dissatisfied", "note": long(2001)}},
		try{"office", "callback", map[string]any{"satisfaction": "dissatisfied", "note": "\u200b"}},
		try{"office", "callback", map[string]any{"satisfaction": "satisfied", "leader": long(201)}},
	)...)
	h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	refused("closed", reopens...)
	reopened := h.Act("leader", id, "reopen", map[string]any{"reason": "反弹", "deadline": workday(5)}, http.StatusOK)
	require.Equal(t, workday(5), reopened["deadline"])

	// Unknown list parameters are refused; leader is a filter.
	status, out = h.Call("office", http.MethodGet, "/api/v1/opinions?leaderx=leader", nil)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Equal(t, "unknown_parameter", apitest.ErrorCode(out))
	list := h.Must("office", http.MethodGet, "/api/v1/opinions?leader=x", nil, http.StatusOK)
	require.EqualValues(t, 0, list["total"], "a leader with no items has an empty list, not everything")
	list = h.Must("leader", http.MethodGet, "/api/v1/opinions?leader=me", nil, http.StatusOK)
	require.EqualValues(t, 1, list["total"])
}
