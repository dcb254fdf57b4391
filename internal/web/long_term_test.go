package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// The official of a long-term item reports its progress from the item's page: the
// progress is a number from 0 to 100, and the page shows the track and the reports.
func TestTheOfficialReportsALongTermItemsProgressFromItsPage(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	e.opinion(t, domain.Opinion{ID: "long", CampaignID: "c1", Content: "会议审批没有制度", State: domain.StateInProgress,
		Category: "制度漏洞", Department: "住建局", Official: "official", Leader: "leader", Signed: true, LongTerm: true,
		CollectedAt: "2025-05-01", OverdueLevel: domain.LevelNone, Schedule: domain.Schedule{Deadline: "2025-07-10"},
		Reports: []domain.ProgressReport{{At: officeNow.Add(-30 * 24 * time.Hour), By: "official", Done: "起草办法", Next: "征求意见",
			Percent: 20, Due: "2025-06-10"}},
		Timeline: []domain.Event{{Seq: 1, At: officeNow.Add(-time.Hour), Actor: "office", Action: domain.EventReceived, To: domain.StateReceived}}})
	b := e.signIn(t, "official")

	status, body := b.get(t, "/opinions/long")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<span class="badge long-term" id="long-term">持续整改中</span>`)
	require.Contains(t, body, "<dt>下次报告</dt>")
	require.Contains(t, body, `<td data-label="应报告日期">2025-06-10</td>`, "the report filed, with the day it was due")
	require.Contains(t, body, `<input id="report-progress-percent" name="percent" type="number" min="0" inputmode="numeric" value="">`)
	require.Equal(t, []string{"return", "request-extension", "report-progress"}, offeredActions(t, "long", body), "reported, not submitted")
	requireLabelled(t, "/opinions/long", body)

	resp := b.post(t, "/opinions/long/act/report-progress", url.Values{"measures": {"办法试行"}, "next": {"评估"}, "percent": {"四十"}})
	page := readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, page, `<p class="error" id="report-progress-percent-err">完成进度应为 0 到 100 之间的整数。</p>`)

	sent := expectAction(t, e, "long", domain.ActionReportProgress, func(o *domain.Opinion) {
		o.Reports = append(o.Reports, domain.ProgressReport{At: officeNow, By: "official", Done: "办法试行", Next: "评估", Percent: 40, Due: "2025-07-10"})
		o.Schedule.Deadline = "2025-08-10"
	}, nil)
	resp = b.post(t, "/opinions/long/act/report-progress", url.Values{"measures": {"办法试行"}, "next": {"评估"}, "percent": {"40"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	got := received(t, sent).Args[0].(domain.ActionRequest).Body
	require.Equal(t, 40, *got.Percent)
	require.Equal(t, "评估", got.Next)
	_, body = b.get(t, "/opinions/long")
	reports := body[strings.Index(body, `id="reports"`):]
	reports = reports[:strings.Index(reports, "</table>")]
	require.Equal(t, 2, strings.Count(reports, `<tr><td data-label="应报告日期">2025-`), "both reports listed")
}

// Only an item of a long-term category is offered its own reporting cycle when it
// is assigned.
func TestTheAssignFormOffersAReportingCycleOnlyForALongTermItem(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	e.opinion(t, domain.Opinion{ID: "long-cat", CampaignID: "c1", Content: "会议审批没有制度", State: domain.StateCategorized,
		Category: "制度漏洞", CollectedAt: "2025-05-01", OverdueLevel: domain.LevelNone,
		Timeline: []domain.Event{{Seq: 1, At: officeNow.Add(-time.Hour), Actor: "office", Action: domain.EventReceived, To: domain.StateReceived}}})
	b := e.signIn(t, "office")
	_, body := b.get(t, "/opinions/long-cat")
	require.Contains(t, body, `<input id="assign-report_every_months" name="report_every_months" type="number"`)
	requireLabelled(t, "/opinions/long-cat", body)
	_, body = b.get(t, "/opinions/cat")
	require.Contains(t, body, `id="assign-deadline"`)
	require.NotContains(t, body, "report_every_months", "形式主义 is not long-term")
}

// An opinion archived when its reopen window passed reads so in the visitor's
// language: the history keeps the workflow's English, the page words it.
func TestAnArchivedOpinionsTimelineSaysWhyInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	e.opinion(t, domain.Opinion{ID: "archived", CampaignID: "c1", Content: "路灯坏了", State: domain.StateClosed,
		Category: "群众需要解决的问题", Department: "住建局", Official: "official", Leader: "leader", Signed: true,
		CollectedAt: "2025-05-01", OverdueLevel: domain.LevelNone, Schedule: domain.Schedule{Deadline: "2025-06-10"},
		Timeline: []domain.Event{
			{Seq: 1, At: officeNow.Add(-48 * time.Hour), Actor: "office", Action: domain.EventReceived, To: domain.StateReceived},
			{Seq: 2, At: officeNow.Add(-time.Hour), Actor: domain.SystemActor, Action: domain.EventArchived,
				From: domain.StateClosed, To: domain.StateClosed, Reason: "reopen window passed"},
		}})
	b := e.signIn(t, "office")
	timeline := func() string {
		status, body := b.get(t, "/opinions/archived")
		require.Equal(t, http.StatusOK, status)
		body = body[strings.Index(body, `id="timeline"`):]
		return body[:strings.Index(body, "</table>")]
	}

	zh := timeline()
	require.Contains(t, zh, "<td>系统</td><td>归档</td><td>已销号</td><td>可重新整改的期限已过</td>")
	require.NotContains(t, zh, "reopen window")

	b.setLang(t, "en")
	en := timeline()
	require.Contains(t, en, "<td>system</td>")
	require.Contains(t, en, "<td>reopen window passed</td>")
	require.False(t, i18n.HasHan(strings.ReplaceAll(en, "路灯坏了", "")), "no Chinese in the English timeline:\n%s", en)
}
