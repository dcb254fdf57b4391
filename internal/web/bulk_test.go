package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// triageOpinions are three received opinions of campaign c1 and one of c2.
func triageOpinions(t *testing.T, e *officeEnv) {
	t.Helper()
	for i, id := range []string{"a1", "a2", "a3"} {
		e.opinion(t, domain.Opinion{ID: id, CampaignID: "c1", Content: "路灯不亮 " + id, State: domain.StateReceived,
			CreatedAt: officeNow.Add(time.Duration(i-10) * time.Hour)})
	}
	e.opinion(t, domain.Opinion{ID: "b1", CampaignID: "c2", Content: "另一活动的意见", State: domain.StateReceived})
}

func TestTriageOffersTheBulkFormForOneCampaignsQueue(t *testing.T) {
	e := newOfficeEnv(t)
	triageOpinions(t, e)
	b := e.signIn(t, "office")

	_, body := b.get(t, "/triage")
	require.NotContains(t, body, `name="opinions"`, "a bulk is one campaign's: not offered across campaigns")
	require.Contains(t, body, "选择一个活动后，可以勾选多条意见一并办理。")
	require.NotContains(t, body, "/static/bulk.js")

	status, body := b.get(t, "/triage?campaign=c1&state=received")
	require.Equal(t, http.StatusOK, status)
	for _, id := range []string{"a1", "a2", "a3"} {
		require.Contains(t, body, `<input type="checkbox" name="opinions" value="`+id+`" id="pick-`+id+`">`)
	}
	require.Contains(t, body, `<label for="pick-a1" class="sr-only">选择：路灯不亮 a1</label>`)
	require.Contains(t, body, `<label for="select-all">全选本页</label>`)
	require.Contains(t, body, `<script src="/static/bulk.js" defer></script>`)
	require.Contains(t, body, `<form method="post" action="/bulks" id="bulk-form" novalidate>`)
	require.Contains(t, body, `<input type="hidden" name="campaign" value="c1">`)
	require.Contains(t, body, `<input type="hidden" name="state" value="received">`)
	require.Contains(t, body, `<option value="assign">交办</option>`)
	require.Contains(t, body, `<option value="住建局">住建局</option>`, "the campaign's departments")
	require.Contains(t, body, `<option value="official">王科长（official）</option>`)
	require.Contains(t, body, `<option value="a2">a2 · 路灯不亮 a2（已收集）</option>`, "merge into one of the page's opinions")
	require.Contains(t, body, `data-actions="merge reject cancel"`, "the reason is one field for the actions that read it")
	require.Contains(t, body, "适用于：合并、不予受理、撤销")
	requireLabelled(t, "/triage?campaign=c1", body)
	requireTranslated(t, body)

	b.setLang(t, "en")
	_, body = b.get(t, "/triage?campaign=c1")
	require.Contains(t, body, `<label for="select-all">Select all on this page</label>`)
	require.Contains(t, body, "Act on the selected opinions")
	require.Contains(t, body, "For: Merge, Reject, Cancel")
	requireTranslated(t, body)

	resp, err := b.c.Get(e.srv.URL + "/static/bulk.js")
	require.NoError(t, err)
	js := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, js, "select-all")
}

func TestTheBulkFormStartsABulkOfTheCheckedOpinionsAndShowsItsProgress(t *testing.T) {
	e := newOfficeEnv(t)
	triageOpinions(t, e)
	var input workflows.BulkInput
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BulkWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { input = args.Get(3).(workflows.BulkInput) }).Return(nil, nil).Once()
	b := e.signIn(t, "office")

	resp := b.post(t, "/bulks", url.Values{"campaign": {"c1"}, "page": {"1"}, "action": {"categorize"}, "opinions": {"a1", "a3"},
		"category": {"群众需要解决的问题"}, "reason": {"另一个操作的字段，不随分类发出"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.Regexp(t, `^/bulks/k-[0-9a-f]{16}$`, loc)
	id := strings.TrimPrefix(loc, "/bulks/")
	require.Equal(t, workflows.BulkInput{BulkID: id, Total: 2, ChunkSize: workflows.DefaultBulkChunkSize}, input)
	ctx := context.Background()
	stored, err := e.store.Bulk(ctx, id)
	require.NoError(t, err)
	require.Equal(t, domain.ActionBody{Category: "群众需要解决的问题"}, stored.Body, "only what the action reads")
	require.Equal(t, "office", stored.CreatedBy)

	status, body := b.get(t, loc)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<meta http-equiv="refresh" content="2">`, "refreshes itself while running")
	require.Contains(t, body, "批量确认分类")
	require.Contains(t, body, `<span class="badge" id="bulk-state">办理中</span>`)
	require.Contains(t, body, `<div class="n" data-figure="waiting">2</div>`)
	require.Contains(t, body, `<progress id="bulk-progress" max="2" value="0">`)
	require.Contains(t, body, "<dd>群众需要解决的问题</dd>")
	require.Contains(t, body, "没有未办理的意见。")
	requireLabelled(t, loc, body)
	requireTranslated(t, body)

	// The bulk's process acts on one and is refused the other.
	require.NoError(t, e.store.RecordBulkOutcomes(ctx, id, []store.BulkItem{
		{Seq: 0, Status: store.BulkItemDone},
		{Seq: 1, Status: store.BulkItemRefused, Code: "wrong_state", Message: i18n.M("api.wrong_state", i18n.M("action.categorize"), i18n.M("state.assigned")).Stored()},
	}))
	require.NoError(t, e.store.FinishBulk(ctx, id, officeNow.Add(time.Minute)))
	_, body = b.get(t, loc)
	require.NotContains(t, body, `http-equiv="refresh"`, "no refresh once done")
	require.Contains(t, body, `<span class="badge" id="bulk-state">已完成</span>`)
	require.Contains(t, body, `<div class="n" data-figure="done">1</div>`)
	require.Contains(t, body, `<div class="n" data-figure="refused">1</div>`)
	require.Contains(t, body, `<progress id="bulk-progress" max="2" value="2">`)
	require.Contains(t, body, `<tr data-opinion="a3"><td><a href="/opinions/a3">路灯不亮 a3</a>`)
	require.Contains(t, body, "<td>状态为“已交办”的事项不能确认分类</td>", "the reason in the visitor's language, naming the action and the state")

	b.setLang(t, "en")
	_, body = b.get(t, loc)
	require.Contains(t, body, "Bulk action: Confirm category")
	require.Contains(t, body, "<td>“Confirm category” cannot be done to an opinion that is “Assigned”</td>")
	requireTranslated(t, body)

	status, body = b.get(t, "/bulks/k-unknown")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "no bulk action with id &#34;k-unknown&#34;")
}

// A bulk the service refuses comes back to the queue: the message next to its
// field, the boxes still checked, what was typed kept.
func TestARefusedBulkComesBackToTheQueueWithItsMessage(t *testing.T) {
	e := newOfficeEnv(t)
	triageOpinions(t, e)
	b := e.signIn(t, "office")
	post := func(form url.Values) (int, string) {
		t.Helper()
		form.Set("campaign", "c1")
		form.Set("page", "1")
		resp := b.post(t, "/bulks", form)
		return resp.StatusCode, readBody(t, resp)
	}

	status, body := post(url.Values{"opinions": {"a1", "a2"}, "reason": {"重复"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `<p class="error" id="bulk-action-err">请选择要批量办理的操作。</p>`)
	require.Contains(t, body, `aria-invalid="true" aria-describedby="bulk-action-err"`)
	require.Contains(t, body, `value="a1" id="pick-a1" checked>`)
	require.Contains(t, body, `value="a2" id="pick-a2" checked>`)
	require.Contains(t, body, `value="a3" id="pick-a3">`)
	require.Contains(t, body, ">重复</textarea>")
	requireLabelled(t, "/bulks refused", body)

	status, body = post(url.Values{"action": {"reject"}, "opinions": {"a1"}, "reason": {" "}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `<p class="error" id="bulk-reason-err">`)
	require.Contains(t, body, `<option value="reject" selected>不予受理</option>`)

	status, body = post(url.Values{"action": {"reject"}, "reason": {"重复"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `<p class="error" role="alert">请至少选择一条要办理的意见</p>`)

	status, body = post(url.Values{"action": {"assign"}, "opinions": {"a1"}, "department": {"住建局"}, "official": {"official"},
		"leader": {"leader"}, "deadline": {"2025-06-21"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `id="bulk-deadline-err"`)
	require.Contains(t, body, "2025-06-23", "the next working day is offered")
	require.Contains(t, body, `value="2025-06-23"`)
	requireTranslated(t, body)

	running, err := e.store.BulksIn(context.Background(), store.BulkRunning)
	require.NoError(t, err)
	require.Empty(t, running, "nothing stored")
	// The mocked Temporal client has no expectation: a started bulk would fail the test.

	resp := b.post(t, "/bulks", url.Values{"campaign": {"nope"}, "action": {"reject"}, "opinions": {"a1"}, "reason": {"重复"}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, readBody(t, resp), "没有编号为“nope”的活动")
}

func TestBulkPagesAreTheOfficesAndNeedTheSessionsToken(t *testing.T) {
	e := newOfficeEnv(t)
	triageOpinions(t, e)
	for _, username := range []string{"official", "verifier", "leader"} {
		u := e.signIn(t, username)
		status, _ := u.get(t, "/bulks/k-1")
		require.Equal(t, http.StatusForbidden, status, username)
		resp := u.post(t, "/bulks", url.Values{"campaign": {"c1"}, "action": {"reject"}, "opinions": {"a1"}, "reason": {"重复"}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, username)
		_ = readBody(t, resp)
	}
	b := e.signIn(t, "office")
	resp := b.post(t, "/bulks", url.Values{"csrf": {"not-the-token"}, "campaign": {"c1"}, "action": {"reject"}, "opinions": {"a1"}, "reason": {"重复"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, readBody(t, resp), "表单已过期或来源不明")
	// The mocked Temporal client has no expectation: a started bulk would fail the test.
}

// A bulk merge may go into an opinion of another page, named by its key as on the
// opinion page; a key the campaign does not have comes back next to its field.
func TestABulkMergeTakesItsTargetByKey(t *testing.T) {
	e := newOfficeEnv(t)
	triageOpinions(t, e)
	e.opinion(t, domain.Opinion{ID: domain.OpinionID("c1", "K-9"), Key: "K-9", CampaignID: "c1", Content: "路灯不亮（另一页）",
		State: domain.StateReceived})
	var input workflows.BulkInput
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BulkWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { input = args.Get(3).(workflows.BulkInput) }).Return(nil, nil).Once()
	b := e.signIn(t, "office")

	_, body := b.get(t, "/triage?campaign=c1")
	require.Contains(t, body, `name="into_key"`, "the key of an opinion on no page shown")

	resp := b.post(t, "/bulks", url.Values{"campaign": {"c1"}, "action": {"merge"}, "opinions": {"a1", "a2"}, "into_key": {"K-0"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "本活动中没有编号或意见 ID 为“K-0”的意见。")
	require.Zero(t, input.Total, "nothing started")

	resp = b.post(t, "/bulks", url.Values{"campaign": {"c1"}, "action": {"merge"}, "opinions": {"a1", "a2"}, "into_key": {"K-9"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	stored, err := e.store.Bulk(context.Background(), strings.TrimPrefix(resp.Header.Get("Location"), "/bulks/"))
	require.NoError(t, err)
	require.Equal(t, domain.OpinionID("c1", "K-9"), stored.Body.Into)
	require.Equal(t, 2, input.Total)
}

// The queue's filters match more opinions than a page shows: the bulk form offers
// all of them, every page's, and acts on exactly those; a count that changed
// since the office saw it is refused, so nothing unseen is acted on.
func TestTheBulkFormActsOnEveryOpinionTheFiltersMatch(t *testing.T) {
	e := newOfficeEnv(t)
	const matching = matchingPage + listPageSize + 7 // past a list page and a read page
	var want []string
	for i := range matching {
		id := fmt.Sprintf("m%04d", i)
		e.opinion(t, domain.Opinion{ID: id, CampaignID: "c1", Content: fmt.Sprintf("第%d盏路灯不亮", i), State: domain.StateReceived})
		want = append(want, id)
	}
	e.opinion(t, domain.Opinion{ID: "other", CampaignID: "c1", Content: "垃圾清运不及时", State: domain.StateReceived})
	var input workflows.BulkInput
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BulkWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) { input = args.Get(3).(workflows.BulkInput) }).Return(nil, nil).Once()
	b := e.signIn(t, "office")

	_, body := b.get(t, "/triage?campaign=c1&q=路灯")
	require.Contains(t, body, fmt.Sprintf(`<input type="checkbox" id="bulk-all-matching" name="all_matching" value="%d">`, matching))
	require.Contains(t, body, fmt.Sprintf("对全部 %d 条符合筛选条件的意见办理", matching))
	requireLabelled(t, "/triage all matching", body)
	_, body = b.get(t, "/triage?campaign=c1&q=垃圾")
	require.NotContains(t, body, "all_matching", "one page holds every match: selecting the page is all")

	form := url.Values{"campaign": {"c1"}, "q": {"路灯"}, "page": {"1"}, "action": {"reject"}, "reason": {"重复反映"},
		"opinions": {"m0001"}}
	form.Set("all_matching", fmt.Sprint(matching-1))
	resp := b.post(t, "/bulks", form)
	body = readBody(t, resp)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, body, fmt.Sprintf("选择时符合条件的意见为 %d 条，现在为 %d 条", matching-1, matching))
	require.Contains(t, body, `name="all_matching" value="`+fmt.Sprint(matching)+`" checked>`, "offered again with today's count")
	running, err := e.store.BulksIn(context.Background(), store.BulkRunning)
	require.NoError(t, err)
	require.Empty(t, running, "nothing stored")

	form.Set("all_matching", fmt.Sprint(matching))
	resp = b.post(t, "/bulks", form)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/bulks/")
	require.Equal(t, matching, input.Total)
	items, err := e.store.BulkItems(context.Background(), id, 0, matching+1)
	require.NoError(t, err)
	var got []string
	for _, it := range items {
		got = append(got, it.OpinionID)
	}
	require.ElementsMatch(t, want, got, "every match on every page, each once, and nothing else")
}

// An official's and a verifier's lists take a keyword as the triage queue does:
// only the opinions whose content holds it, the keyword kept across pages; the
// problems' tasks, which have no content of their own, stand aside meanwhile.
func TestListsFindOpinionsByAKeywordInTheirContent(t *testing.T) {
	e := newOfficeEnv(t)
	for i, content := range []string{"东关社区路灯不亮", "西街路灯杆倾斜", "垃圾清运不及时"} {
		e.opinion(t, domain.Opinion{ID: fmt.Sprintf("t%d", i), CampaignID: "c1", Content: content, State: domain.StateInProgress,
			Official: "official", Department: "住建局"})
		e.opinion(t, domain.Opinion{ID: fmt.Sprintf("v%d", i), CampaignID: "c1", Content: content, State: domain.StateSubmitted,
			Official: "official", Department: "住建局"})
	}
	for who, path := range map[string]string{"official": "/tasks", "verifier": "/verify"} {
		b := e.signIn(t, who)
		_, body := b.get(t, path)
		require.Contains(t, body, `<input id="list-q" name="q" type="search" value="" maxlength="200"`, who)
		require.Equal(t, 3, strings.Count(body, `href="/opinions/`), who)
		requireLabelled(t, path, body)
		_, body = b.get(t, path+"?q="+url.QueryEscape("路灯"))
		require.Equal(t, 2, strings.Count(body, `href="/opinions/`), who)
		require.Contains(t, body, "东关社区路灯不亮")
		require.NotContains(t, body, "垃圾清运不及时")
		require.Contains(t, body, `<span class="count">2</span>`)
		_, body = b.get(t, path+"?q="+url.QueryEscape("停车"))
		require.Contains(t, body, "没有内容含此关键词的意见。", who)
	}
}
