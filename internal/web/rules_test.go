package web

// An opinion's page keeps the honest record (docs/rules.md): a date on a day off is
// refused with the next working day filled in, and every round of fix and
// verification, every follow-up call and the highest rung reached are shown.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

func TestADateOnADayOffIsRefusedWithTheNextWorkingDayFilledIn(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	b := e.signIn(t, "official")

	resp := b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-10-03"}, "reason": {"需协调市政部门"}})
	body := readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	e.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
	require.Contains(t, body, `<input id="request-extension-until" name="until" type="date" value="2025-10-09" aria-invalid="true" aria-describedby="request-extension-until-err">`)
	require.Contains(t, body, `<p class="error" id="request-extension-until-err">2025-10-03 不是工作日（国庆节、中秋节）。已填入下一个工作日 2025-10-09，确认无误后请再次提交。</p>`)
	require.Contains(t, body, `<textarea id="request-extension-reason" name="reason" rows="3">需协调市政部门</textarea>`, "what was typed stays")
	requireLabelled(t, "refused extension", body)
	requireNoKeys(t, body)

	b.setLang(t, "en")
	resp = b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-07-05"}, "reason": {"r"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `value="2025-07-07"`)
	require.Contains(t, body, "2025-07-05 is not a working day (a Saturday). The next working day, 2025-07-07, is filled in: check it and submit again.")
	resp = b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-10-03"}, "reason": {"r"}})
	require.Contains(t, readBody(t, resp), "2025-10-03 is not a working day (National Day and Mid-Autumn Festival).")
	b.setLang(t, "zh")

	// Submitting the date offered goes through.
	sent := expectAction(t, e, "asg", domain.ActionRequestExtension, func(o *domain.Opinion) {
		o.PendingExtension = &domain.Extension{Until: "2025-10-09", Reason: "需协调市政部门", RequestedBy: "official"}
	}, nil)
	resp = b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-10-09"}, "reason": {"需协调市政部门"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "2025-10-09", received(t, sent).Args[0].(domain.ActionRequest).Body.Until)
}

func TestOpinionPageListsEveryRoundEveryCallAndTheHighestRung(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	at := func(hoursAgo int) time.Time { return officeNow.Add(-time.Duration(hoursAgo) * time.Hour) }
	pass, fail := true, false
	e.opinion(t, domain.Opinion{ID: "honest", CampaignID: "c1", Content: "路灯不亮", State: domain.StateClosed,
		Category: "形式主义", Department: "住建局", Official: "official", Leader: "leader", OverdueLevel: domain.LevelNone,
		HighestLevel: domain.LevelAccountability, HighestLevelAt: at(200), Extensions: 1, LateExtensions: 1,
		ClosedAt: at(1), WorkingDaysToClose: 12, Measures: "更换线路",
		Rounds: []domain.Round{
			{Measures: "更换灯泡", Evidence: "照片一", SubmittedBy: "official", SubmittedAt: at(50), Late: true,
				VerifiedBy: "verifier", Passed: &fail, Reason: "夜间仍不亮", VerifiedAt: at(48)},
			{Measures: "更换线路", Evidence: "照片二", SubmittedBy: "official", SubmittedAt: at(20),
				VerifiedBy: "verifier", Passed: &pass, Reason: "整改到位", VerifiedAt: at(10)},
		},
		Callbacks: []domain.Callback{
			{At: at(30), By: "office", Satisfaction: domain.SatisfactionDissatisfied, Note: "仍不亮", First: true},
			{At: at(2), By: "office", Satisfaction: domain.SatisfactionBasically, First: true},
		},
	})
	b := e.signIn(t, "leader")
	status, body := b.get(t, "/opinions/honest")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<dd id="highest-level"><span class="badge level-accountability">问责</span>`)
	require.Contains(t, body, `<dd id="late-extensions">1 次（不计为按时）</dd>`)
	require.Contains(t, body, "<dd>12 个工作日</dd>")
	rounds := body[strings.Index(body, `<table class="list stack" id="rounds">`):]
	rounds = rounds[:strings.Index(rounds, "</table>")]
	require.Equal(t, 2, strings.Count(rounds, "<tr><td "), "one row per round")
	for _, s := range []string{"更换灯泡", "照片一", "夜间仍不亮", "<strong>不通过</strong>", "更换线路", "照片二", "整改到位", "通过"} {
		require.Contains(t, rounds, s)
	}
	require.Less(t, strings.Index(rounds, "更换灯泡"), strings.Index(rounds, "更换线路"), "in the order they came")
	calls := body[strings.Index(body, `<table class="list stack" id="callbacks">`):]
	calls = calls[:strings.Index(calls, "</table>")]
	require.Contains(t, calls, `<td data-label="满意度">不满意</td><td data-label="回访记录">仍不亮</td><td data-label="计入满意度">是</td>`)
	require.Contains(t, calls, `<td data-label="满意度">基本满意</td><td data-label="回访记录"></td><td data-label="计入满意度">是</td>`)
	requireNoKeys(t, body)

	b.setLang(t, "en")
	_, body = b.get(t, "/opinions/honest")
	require.Contains(t, body, "Highest alert ever reached")
	require.Contains(t, body, "<strong>Failed</strong>")
	require.Contains(t, body, `<td data-label="Satisfaction">Dissatisfied</td>`)
	requireNoKeys(t, body)
}
