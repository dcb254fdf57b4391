package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/workflows"
)

// TestScheduledProgressReport follows a campaign's report schedule on the real
// embedded Temporal server: the office sets weekly reports and a Schedule appears
// with the campaign's weekday and hour; the schedule fires (triggered, as its day
// would), its workflow makes and keeps the report of that day, which is listed
// and downloadable with the campaign's figures, and the leaders are told through
// the outbox; firing again the same day keeps nothing twice and tells no one
// again; setting the reports to none removes the schedule.
func TestScheduledProgressReport(t *testing.T) {
	hook := &webhook{refused: true, accepted: map[string][]domain.Notification{}}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	dir := t.TempDir()
	apitest.WriteUsers(t, dir)
	a := startApp(t, dir, map[string]string{"RECTIFY_WEBHOOK_URL": srv.URL})
	defer a.Stop()
	h := apitest.Client{T: t, Base: "http://" + a.HTTPAddr}
	ctx := context.Background()

	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "c1", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "R-1", "content": "幸福路路灯不亮", "channel": "热线", "collected_at": today,
	}, http.StatusCreated)
	h.Act("office", op["id"].(string), "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	h.Act("office", op["id"].(string), "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)

	c := h.Must("office", http.MethodPatch, "/api/v1/campaigns/c1", map[string]any{
		"filing_unit": "幸福街道党工委", "reports": map[string]any{"every": "weekly", "weekday": 5},
	}, http.StatusOK)
	require.Equal(t, "幸福街道党工委", c["filing_unit"])

	schedule := a.Temporal().ScheduleClient().GetHandle(ctx, workflows.ReportScheduleID("c1"))
	desc, err := schedule.Describe(ctx)
	require.NoError(t, err)
	spec := desc.Schedule.Spec
	require.Equal(t, "Etc/GMT-8", spec.TimeZoneName, "campaign time, UTC+8")
	require.Len(t, spec.Calendars, 1)
	require.Equal(t, []client.ScheduleRange{{Start: 5, End: 5, Step: 1}}, spec.Calendars[0].DayOfWeek, "Fridays")
	require.Equal(t, []client.ScheduleRange{{Start: 18, End: 18, Step: 1}}, spec.Calendars[0].Hour)

	// The schedule fires now, as it would on its day.
	require.NoError(t, schedule.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var reports []any
	require.Eventually(t, func() bool {
		reports = h.Must("leader", http.MethodGet, "/api/v1/campaigns/c1/reports", nil, http.StatusOK)["reports"].([]any)
		return len(reports) == 1
	}, 60*time.Second, 100*time.Millisecond, "the schedule's workflow keeps the report")
	kept := reports[0].(map[string]any)
	first, err := schedule.Describe(ctx)
	require.NoError(t, err)
	started := first.Info.RecentActions[0].StartWorkflowResult
	require.NoError(t, a.Temporal().GetWorkflow(ctx, started.WorkflowID, started.FirstExecutionRunID).Get(ctx, nil))
	recordHistory(t, &harness{t: t, app: a}, started.WorkflowID, "progress_report")
	require.Equal(t, today, kept["cut_off"], "the day of the schedule's nominal time, campaign-local")
	require.Equal(t, "schedule", kept["made_by"])

	book := workbook(t, h.Base+kept["download"].(string), "tok-office")
	require.Equal(t, []string{"概况", "逾期督办问责", "包案领导", "长期坚持"}, book.GetSheetList())
	rows, err := book.GetRows("概况")
	require.NoError(t, err)
	require.Equal(t, "整改 整改进展情况（截至 "+today+"）", rows[0][0])
	require.Contains(t, rows[1][0], "填报单位：幸福街道党工委")
	require.Equal(t, []string{"收集意见", "1"}, rows[3])
	leaders, err := book.GetRows("包案领导")
	require.NoError(t, err)
	require.Equal(t, "leader", leaders[3][0], "the responsible leader's figures")

	var told []domain.Notification
	require.Eventually(t, func() bool {
		told = nil
		for _, ns := range hook.snapshot() {
			for _, n := range ns {
				if n.Kind == domain.NotifyReportReady {
					told = append(told, n)
				}
			}
		}
		return len(told) == 1
	}, 30*time.Second, 50*time.Millisecond, "the leader is told the report is ready")
	require.Equal(t, []string{"leader"}, told[0].Recipients)
	require.Equal(t, kept["id"], told[0].ReportID)

	// Fired again the same day: one report, no second notification.
	runs := func() int {
		d, err := schedule.Describe(ctx)
		require.NoError(t, err)
		return len(d.Info.RecentActions)
	}
	require.NoError(t, schedule.Trigger(ctx, client.ScheduleTriggerOptions{}))
	require.Eventually(t, func() bool { return runs() == 2 }, 30*time.Second, 100*time.Millisecond)
	require.Eventually(t, func() bool {
		d, err := schedule.Describe(ctx)
		require.NoError(t, err)
		last := d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult
		run := a.Temporal().GetWorkflow(ctx, last.WorkflowID, last.FirstExecutionRunID)
		var res workflows.MakeProgressReportResult
		if err := run.Get(ctx, &res); err != nil {
			return false
		}
		require.False(t, res.Created, "the day's report was kept already")
		return true
	}, 30*time.Second, 100*time.Millisecond)
	require.Len(t, h.Must("leader", http.MethodGet, "/api/v1/campaigns/c1/reports", nil, http.StatusOK)["reports"], 1)

	h.Must("office", http.MethodPatch, "/api/v1/campaigns/c1", map[string]any{"reports": map[string]any{"every": "none"}}, http.StatusOK)
	_, err = schedule.Describe(ctx)
	require.Error(t, err, "no reports, no schedule")
	notified := 0
	for _, ns := range hook.snapshot() {
		for _, n := range ns {
			if n.Kind == domain.NotifyReportReady {
				notified++
			}
		}
	}
	require.Equal(t, 1, notified, "told once")
}
