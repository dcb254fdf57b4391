package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/workflows"
)

// explainOn is the deadline explanation an opinion page shows, or "" when it shows none.
func explainOn(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `<span class="muted" id="deadline-explain">`)
	if start < 0 {
		return ""
	}
	body = body[start+len(`<span class="muted" id="deadline-explain">`):]
	return unescape(body[:strings.Index(body, "</span>")])
}

func TestDeadlineExplanationIsInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	// Schedules as the workflow records them, from the calendar itself.
	policy := campaign.DefaultPolicy()
	counted, err := deadline.Compute(e.svc.Calendar(), workflows.ScheduleInput{Today: "2025-09-26", WorkingDays: 5, Policy: policy})
	require.NoError(t, err)
	givenLate, err := deadline.Compute(e.svc.Calendar(), workflows.ScheduleInput{Today: "2025-06-10", Deadline: "2025-05-30", Policy: policy})
	require.NoError(t, err)
	for id, sched := range map[string]domain.Schedule{
		"holiday": counted,
		"late":    givenLate,
		// Counted when the holiday file made the count reach another day than it
		// does now: the page shows what was counted then.
		"moved": {Deadline: "2025-07-01", Basis: &domain.DeadlineBasis{From: "2025-06-10", WorkingDays: 14, Weekends: 6}},
		// Set before the facts were kept: only the Chinese sentence.
		"odd": {Deadline: "2025-10-10", Explanation: "按会议纪要确定"},
	} {
		o := taskOpinion(id, "official", "住建局", domain.StateInProgress, domain.LevelNone, sched.Deadline)
		o.Schedule = sched
		e.opinion(t, o)
	}
	b := e.signIn(t, "official")

	for id, want := range map[string]string{
		"asg":     "时限计算：从 2025-06-10 起 14 个工作日 → 2025-06-30（跳过周末 6 天）",
		"holiday": "时限计算：从 2025-09-26 起 5 个工作日 → 2025-10-10（跳过国庆节、中秋节 8 天、周末 1 天；09-28 为国庆节、中秋节调休上班日）",
		"late":    "时限计算：指定期限 2025-05-30（截至 2025-06-10 已超期 6 个工作日）",
		"moved":   "时限计算：从 2025-06-10 起 14 个工作日 → 2025-07-01（跳过周末 6 天）",
		"odd":     "时限计算：按会议纪要确定",
	} {
		_, body := b.get(t, "/opinions/"+id)
		require.Equal(t, want, explainOn(t, body), id)
	}

	b.setLang(t, "en")
	for id, want := range map[string]string{
		"asg": "How the deadline was counted: 14 working days from 2025-06-10 → 2025-06-30, skipping weekends (6 days)",
		"holiday": "How the deadline was counted: 5 working days from 2025-09-26 → 2025-10-10, skipping National Day and Mid-Autumn Festival (8 days), weekends (1 day); " +
			"2025-09-28 is a make-up workday (National Day and Mid-Autumn Festival)",
		"ext":   "How the deadline was counted: deadline set by hand, 2025-06-20 (8 working days from 2025-06-10)",
		"late":  "How the deadline was counted: deadline set by hand, 2025-05-30 (already 6 working days late on 2025-06-10)",
		"moved": "How the deadline was counted: 14 working days from 2025-06-10 → 2025-07-01, skipping weekends (6 days)",
		"odd":   "", // nothing rather than Chinese
	} {
		status, body := b.get(t, "/opinions/"+id)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, want, explainOn(t, body), id)
	}

	// The assignment preview, before anything is recorded.
	o := e.signIn(t, "office")
	o.setLang(t, "en")
	_, body := o.get(t, "/opinions/cat")
	require.Contains(t, body, `<p class="hint" id="assign-preview">Deadline: <strong>2025-07-08</strong> (20 working days from 2025-06-10 → 2025-07-08, skipping weekends (8 days))</p>`)
	require.NotContains(t, body, "个工作日")
}
