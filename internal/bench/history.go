package bench

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/workflows"
)

// runHistory measures the history one opinion leaves: on the happy path, and on the
// worst path (the whole overdue ladder, two extensions, a failed verification and a
// reopen after a dissatisfied callback).
func runHistory(ctx context.Context, t *Target, _ Options, r *Report) error {
	campaign := "bench-hist-" + uuid.NewString()[:8]
	if err := t.createCampaign(ctx, campaign); err != nil {
		return err
	}
	lat := &latencies{}
	if err := happyPathOnce(ctx, t, campaign, "happy", 0, lat); err != nil {
		return err
	}
	happy, err := t.historyOf(ctx, domain.OpinionID(campaign, "happy"))
	if err != nil {
		return err
	}
	happy.Path = "happy"
	worstID, err := worstPath(ctx, t, campaign, "worst", 1)
	if err != nil {
		return err
	}
	worst, err := t.historyOf(ctx, worstID)
	if err != nil {
		return err
	}
	worst.Path = "worst"
	r.History = []HistorySize{happy, worst}
	return nil
}

// worstPath takes one opinion the long way round and returns its id.
func worstPath(ctx context.Context, t *Target, campaign, key string, caller int) (string, error) {
	office, official, verifier := officeUser(caller), officialUser(caller), verifierUser(caller)
	var op struct {
		ID           string `json:"id"`
		State        string `json:"state"`
		OverdueLevel string `json:"overdue_level"`
	}
	// Deadlines and extension dates fall on working days (docs/rules.md); moving
	// every date forward to one keeps them in order.
	day := func(days int) string {
		d := time.Now().In(chinaTime).AddDate(0, 0, days)
		for !calendar.Default().IsWorkday(d) {
			d = d.AddDate(0, 0, 1)
		}
		return d.Format(domain.DateLayout)
	}
	// Collected a quarter ago, so that a deadline long past is a valid one.
	err := t.call(ctx, office, http.MethodPost, "/api/v1/campaigns/"+campaign+"/opinions", map[string]any{
		"key": key, "content": "幸福路路灯损坏，夜间出行不便。", "channel": "热线", "collected_at": day(-90),
	}, http.StatusCreated, &op)
	if err != nil {
		return "", err
	}
	steps := []struct {
		action, as string
		body       any
	}{
		{"categorize", office, map[string]any{"category": benchCategory}},
		// A deadline long past: the ladder climbs every rung at once.
		{"assign", office, map[string]any{"department": department(caller), "official": official, "leader": leaderUser, "measures": "更换路灯", "deadline": day(-60)}},
		{"sign", official, map[string]any{}},
		{"request-extension", official, map[string]any{"until": day(20), "reason": "需采购灯具"}},
		{"decide-extension", leaderUser, map[string]any{"approve": true, "reason": "同意"}},
		{"request-extension", official, map[string]any{"until": day(40), "reason": "供货延迟"}},
		{"decide-extension", leaderUser, map[string]any{"approve": true, "reason": "同意"}},
		{"submit", official, map[string]any{"measures": "已更换部分路灯", "evidence": "现场照片"}},
		{"verify", verifier, map[string]any{"pass": false, "reason": "仍有两盏未亮"}},
		{"submit", official, map[string]any{"measures": "已全部更换", "evidence": "现场照片"}},
		{"verify", verifier, map[string]any{"pass": true, "reason": "现场核查属实"}},
		// A dissatisfied follow-up reopens the opinion by itself.
		{"callback", office, map[string]any{"satisfaction": "dissatisfied", "note": "群众反映夜间仍偏暗"}},
		{"submit", official, map[string]any{"measures": "加装补光灯", "evidence": "现场照片"}},
		{"verify", verifier, map[string]any{"pass": true, "reason": "现场核查属实"}},
		{"callback", office, map[string]any{"satisfaction": "satisfied", "note": "电话回访"}},
	}
	for _, s := range steps {
		err := t.call(ctx, s.as, http.MethodPost, "/api/v1/opinions/"+op.ID+"/actions/"+s.action, s.body, http.StatusOK, &op)
		if err != nil {
			return "", err
		}
		if s.action == "assign" {
			if err := t.waitFor(ctx, op.ID, func(level, _ string) bool { return level == "accountability" }); err != nil {
				return "", fmt.Errorf("the overdue ladder: %w", err)
			}
		}
	}
	if op.State != "closed" {
		return "", fmt.Errorf("opinion %s ended the worst path %s, not closed", op.ID, op.State)
	}
	return op.ID, nil
}

// waitFor polls an opinion until ok(overdue level, state) holds or a minute passes,
// slowly enough to stay under one user's request limit.
func (t *Target) waitFor(ctx context.Context, id string, ok func(level, state string) bool) error {
	deadline := time.Now().Add(time.Minute)
	for {
		var op struct {
			State        string `json:"state"`
			OverdueLevel string `json:"overdue_level"`
		}
		if err := t.call(ctx, leaderUser, http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK, &op); err != nil {
			return err
		}
		if ok(op.OverdueLevel, op.State) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("opinion %s still %s at level %s after a minute", id, op.State, op.OverdueLevel)
		}
		if err := pause(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// historyOf counts the events and bytes of an opinion's workflow history once the
// work its last action set off (notifications) has finished.
func (t *Target) historyOf(ctx context.Context, opinionID string) (HistorySize, error) {
	wid := workflows.OpinionWorkflowID(opinionID)
	deadline := time.Now().Add(time.Minute)
	for {
		d, err := t.Temporal.DescribeWorkflowExecution(ctx, wid, "")
		if err != nil {
			return HistorySize{}, err
		}
		if len(d.GetPendingActivities()) == 0 && d.GetPendingWorkflowTask() == nil {
			break
		}
		if time.Now().After(deadline) {
			return HistorySize{}, fmt.Errorf("workflow %s still has work pending after a minute", wid)
		}
		if err := pause(ctx, 20*time.Millisecond); err != nil {
			return HistorySize{}, err
		}
	}
	var h HistorySize
	it := t.Temporal.GetWorkflowHistory(ctx, wid, "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return HistorySize{}, err
		}
		h.Events++
		h.Bytes += proto.Size(e)
	}
	return h, nil
}
