package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/service"
)

// publish posts a publication through the API as username and decodes the answer.
func (e *leaderEnv) publish(t *testing.T, username, campaignID string, body map[string]any) (int, map[string]any) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/campaigns/"+campaignID+"/publications", strings.NewReader(string(data)))
	req.Header.Set("Authorization", "Bearer tok-"+username)
	rec := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(rec, req)
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec.Code, out
}

// apiGet reads an API answer as username.
func (e *leaderEnv) apiGet(t *testing.T, username, path string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer tok-"+username)
	rec := httptest.NewRecorder()
	e.api.Handler().ServeHTTP(rec, req)
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec.Code, out
}

// publicationCampaign seeds a campaign whose closed 形式主义 item names people,
// their phone and an official, and returns the id of that item.
func publicationCampaign(t *testing.T, e *leaderEnv) string {
	t.Helper()
	e.createCampaign(t, "c1", "主题教育整改")
	e.createCampaign(t, "c2", "另一个活动")
	e.seed(t, "c1", leaderMixed)
	o := leaderOpinion("c1", leaderSeed{id: "op-7f3a", category: "形式主义", department: ldDeptHousing,
		state: domain.StateClosed, deadline: "2025-06-09", closedOn: "2025-06-04", onTime: true})
	o.Content = "五保户邓安元家中漏雨，董明反映，联系电话13912345678；" + ldSubmitter + "也来电反映"
	o.Measures = ldOfficialName + "带队上门维修，已修好屋顶"
	require.NoError(t, e.store.ProjectOpinion(context.Background(), o))
	return o.ID
}

// anonymous is a browser without a session.
func anonymous() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// The office publishes the closed items of a category for a 公示期: what is stored
// is masked, stays as it was published, and is what the public reads signed out —
// with no name, phone, opinion id or username on the page. Bad input names its
// field and stores nothing; only the office publishes.
func TestAPublicationIsAMaskedSnapshotThePublicReadsSignedOut(t *testing.T) {
	e := newLeaderEnv(t)
	item := publicationCampaign(t, e)

	status, p := e.publish(t, "office", "c1", map[string]any{"title": "第一批整改公示", "from": "2025-06-09", "to": "2025-06-16",
		"categories": []string{"形式主义"}})
	require.Equal(t, http.StatusCreated, status, "%v", p)
	id := p["id"].(string)
	require.EqualValues(t, 3, p["count"], "the closed items of 形式主义: o-done1, o-done2 and op-7f3a")
	items := p["items"].([]any)
	var ours map[string]any
	for _, it := range items {
		if m := it.(map[string]any); m["opinion_id"] == item {
			ours = m
		}
	}
	require.NotNil(t, ours)
	require.Equal(t, "五保户邓某某家中漏雨，董某反映，联系电话139****5678；钱某某也来电反映", ours["content"])
	require.Equal(t, "王某某带队上门维修，已修好屋顶", ours["measures"])
	require.Equal(t, "2025-06-04", ours["closed_on"])

	for _, bad := range []struct {
		as   string
		body map[string]any
		want int
		code string
	}{
		{"office", map[string]any{"to": "2025-06-16", "categories": []string{"形式主义"}}, 422, "invalid_from"},
		{"office", map[string]any{"from": "2025-6-9", "to": "2025-06-16", "categories": []string{"形式主义"}}, 422, "invalid_from"},
		{"office", map[string]any{"from": "2025-06-09", "categories": []string{"形式主义"}}, 422, "invalid_to"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-08", "categories": []string{"形式主义"}}, 422, "invalid_to"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16"}, 422, "invalid_categories"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"没有的类别"}}, 422, "invalid_categories"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"享乐主义"}}, 422, "invalid_categories"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"形式主义"}, "opinions": []string{item}}, 422, "invalid_categories"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "opinions": []string{item, "o-elsewhere"}}, 422, "invalid_opinions"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "opinions": []string{item, item}}, 422, "invalid_opinions"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "opinions": []string{"o-rej"}}, 422, "invalid_opinions"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "opinions": []string{"o-recv-1"}}, 422, "invalid_opinions"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"形式主义"}, "title": "a\nb"}, 422, "invalid_title"},
		{"office", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "category": []string{"形式主义"}}, 400, "unknown_field"},
		{ldLeader, map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"形式主义"}}, 403, "forbidden"},
		{ldOfficial, map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"形式主义"}}, 403, "forbidden"},
	} {
		status, out := e.publish(t, bad.as, "c1", bad.body)
		require.Equal(t, bad.want, status, "%v: %v", bad.body, out)
		require.Equal(t, bad.code, out["error"].(map[string]any)["code"], "%v", bad.body)
	}
	status, out := e.publish(t, "office", "nope", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"形式主义"}})
	require.Equal(t, http.StatusNotFound, status, "%v", out)
	status, list := e.apiGet(t, ldLeader, "/api/v1/campaigns/c1/publications")
	require.Equal(t, http.StatusOK, status)
	require.Len(t, list["publications"], 1, "a refused publication stores nothing")
	status, _ = e.apiGet(t, ldOfficial, "/api/v1/campaigns/c1/publications")
	require.Equal(t, http.StatusForbidden, status)
	status, got := e.apiGet(t, "office", "/api/v1/publications/"+id)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, p, got)
	status, _ = e.apiGet(t, "office", "/api/v1/publications/nope")
	require.Equal(t, http.StatusNotFound, status)

	// The item changes after publication; the publication does not.
	changed := leaderOpinion("c1", leaderSeed{id: item, category: "形式主义", department: ldDeptHousing, state: domain.StateInProgress})
	changed.Revision, changed.Content = 9, "改过的内容，徐大海反映"
	require.NoError(t, e.store.ProjectOpinion(context.Background(), changed))

	// Published: in the access log, as the office's act.
	log, err := e.svc.AuditLog(context.Background(), leaderUsers[0], service.AuditFilter{Action: "publish"})
	require.NoError(t, err)
	require.Len(t, log.Entries, 1)
	require.Equal(t, id, log.Entries[0].Object)
	require.Equal(t, 3, log.Entries[0].Count)

	// The public, signed out — and a signed-in office sees the same page.
	for name, c := range map[string]*http.Client{"anonymous": anonymous(), "office": e.signIn(t, "office")} {
		status, listPage := e.get(t, c, "/public/c1")
		require.Equal(t, http.StatusOK, status, name)
		require.Contains(t, listPage, "第一批整改公示")
		require.Contains(t, listPage, "2025-06-09 至 2025-06-16")
		require.Contains(t, listPage, "公示中")
		status, page := e.get(t, c, "/public/c1/"+id)
		require.Equal(t, http.StatusOK, status, name)
		require.Contains(t, page, "五保户邓某某家中漏雨，董某反映，联系电话139****5678；钱某某也来电反映")
		require.Contains(t, page, "主题教育整改")
		require.Contains(t, page, "公示期：2025-06-09 至 2025-06-16")
		require.Contains(t, page, ldDeptHousing)
		require.Contains(t, page, `id="feedback-form"`)
		for _, secret := range []string{"邓安元", "董明", ldSubmitter, "13912345678", ldOfficialName, ldOfficial, ldLeader, ldLeaderName,
			item, "徐大海", "改过的内容", "/logout", "/triage", `"office"`, ">office<"} {
			require.NotContains(t, listPage+page, secret, "%s: the public page shows %q", name, secret)
		}
	}

	// Unknown campaign or publication, or a publication of another campaign: 404.
	for _, path := range []string{"/public/nope", "/public/nope/" + id, "/public/c1/nope", "/public/c2/" + id, "/public/c1/" + id + "/x"} {
		status, page := e.get(t, anonymous(), path)
		require.Equal(t, http.StatusNotFound, status, path)
		require.NotContains(t, page, "第一批整改公示", path)
	}
	// The office's pages stay behind the sign-in.
	resp, err := anonymous().Get(e.srv.URL + "/campaigns/c1/publications")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)

	// English.
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/public/c1/"+id, nil)
	req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	resp, err = anonymous().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	require.Contains(t, b.String(), "Publicity period: 2025-06-09 to 2025-06-16")
}

// challengeOf reads the feedback form's challenge off a page.
func challengeOf(t *testing.T, page string) (token string, answer int) {
	t.Helper()
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(page)
	require.NotNil(t, m, "the page has a feedback form")
	q := regexp.MustCompile(`验证题：(\d+) 加 (\d+)`).FindStringSubmatch(page)
	require.NotNil(t, q)
	a, _ := strconv.Atoi(q[1])
	b, _ := strconv.Atoi(q[2])
	return m[1], a + b
}

// postFeedback posts the feedback form and answers the status and the page.
func (e *leaderEnv) postFeedback(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	resp, err := anonymous().PostForm(e.srv.URL+path, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = io.Copy(&b, resp.Body)
	return resp.StatusCode, b.String()
}

// An attacker's posts to the feedback form are refused with a clear message: no
// challenge, a forged or wrong one, a challenge of another publication, the hidden
// field filled in, text too long; outside the 公示期 there is no form and a post is
// refused; and one address that keeps posting is slowed down.
func TestTheFeedbackFormRefusesWhatAPersonWouldNotSend(t *testing.T) {
	e := newLeaderEnv(t)
	publicationCampaign(t, e)
	_, open := e.publish(t, "office", "c1", map[string]any{"from": "2025-06-09", "to": "2025-06-16", "categories": []string{"形式主义"}})
	_, other := e.publish(t, "office", "c1", map[string]any{"from": "2025-06-10", "to": "2025-06-10", "categories": []string{"官僚主义"}})
	_, past := e.publish(t, "office", "c1", map[string]any{"from": "2025-05-01", "to": "2025-05-07", "categories": []string{"官僚主义"}})
	_, later := e.publish(t, "office", "c1", map[string]any{"from": "2025-06-11", "to": "2025-06-20", "categories": []string{"官僚主义"}})
	path := "/public/c1/" + open["id"].(string)
	_, page := e.get(t, anonymous(), path)
	token, answer := challengeOf(t, page)
	_, otherPage := e.get(t, anonymous(), "/public/c1/"+other["id"].(string))
	otherToken, otherAnswer := challengeOf(t, otherPage)
	require.Contains(t, page, "主题教育整改整改情况公示", "without a title, the campaign's")

	form := func(token string, answer int, extra ...string) url.Values {
		v := url.Values{"item": {"1"}, "content": {"公示的第一项并未整改到位"}, "phone": {"13700001111"},
			"token": {token}, "answer": {strconv.Itoa(answer)}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	for _, c := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no challenge", url.Values{"content": {"x"}}, "表单已失效"},
		{"a forged token", form("9999999999.abc.def", answer), "验证题答案不对"},
		{"a wrong answer", form(token, answer+1), "验证题答案不对"},
		{"no answer", form(token, answer, "answer", ""), "验证题答案不对"},
		{"another publication's challenge", form(otherToken, otherAnswer), "验证题答案不对"},
	} {
		status, body := e.postFeedback(t, path, c.form)
		require.Equal(t, http.StatusUnprocessableEntity, status, c.name)
		require.Contains(t, body, c.want, c.name)
		require.NotContains(t, body, "反馈已收到", c.name)
	}
	e.web.feedbackLimit = feedbackLimit{}
	status, body := e.postFeedback(t, path, form(token, answer, "website", "http://spam.example"))
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "反馈未能提交")
	status, body = e.postFeedback(t, path, form(token, answer, "content", strings.Repeat("长", 501)))
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "反馈内容有 501 个字，最多 500 个字")

	// Outside the 公示期: no form, and a post is refused.
	for _, p := range []map[string]any{past, later} {
		ppath := "/public/c1/" + p["id"].(string)
		_, ppage := e.get(t, anonymous(), ppath)
		require.NotContains(t, ppage, `id="feedback-form"`)
		require.Contains(t, ppage, `id="feedback-closed"`)
		status, body := e.postFeedback(t, ppath, form(token, answer))
		require.Equal(t, http.StatusConflict, status)
		require.Contains(t, body, "外不接收反馈")
	}
	_, listPage := e.get(t, anonymous(), "/public/c1")
	require.Contains(t, listPage, "已结束")
	require.Contains(t, listPage, "未开始")

	// One address that keeps posting waits.
	e.web.feedbackLimit = feedbackLimit{}
	for i := range feedbackBurst {
		status, _ := e.postFeedback(t, path, url.Values{"content": {"x"}})
		require.Equal(t, http.StatusUnprocessableEntity, status, "post %d", i+1)
	}
	status, body = e.postFeedback(t, path, form(token, answer))
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Contains(t, body, "提交过于频繁")
}
