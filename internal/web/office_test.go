package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"rectify/internal/api"
	"rectify/internal/calendar"
	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/lockout"
	"rectify/internal/service"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// officeNow is Tuesday 2025-06-10, 10:00 in the campaigns' time zone (UTC+8).
var officeNow = time.Date(2025, 6, 10, 2, 0, 0, 0, time.UTC)

// officeUsers are one person per role (two leaders, to check a leader sees only
// their own items); each one's password is their username, their API token
// "tok-<username>".
var officeUsers = []user.User{
	{Username: "office", Name: "办公室", Roles: []domain.Role{domain.RoleOffice}},
	{Username: "official", Name: "王科长", Roles: []domain.Role{domain.RoleOfficial}, Department: "住建局"},
	{Username: "verifier", Name: "赵核查", Roles: []domain.Role{domain.RoleVerifier}},
	{Username: "leader", Name: "刘书记", Roles: []domain.Role{domain.RoleLeader}},
	{Username: "leader2", Name: "陈主任", Roles: []domain.Role{domain.RoleLeader}},
}

var officeHashes = passwordHashes(officeUsers)

// officeEnv is the web UI and the API, routed as the app routes them, on a real
// store, user directory and calendar, with Temporal mocked: the only call these
// pages make to it is starting a stored batch's workflow.
type officeEnv struct {
	svc *service.Service
	api *api.Server
	// config is the service's, for a test that serves the same store another way.
	config   service.Config
	store    *store.Store
	temporal *mocks.Client
	srv      *httptest.Server
}

func newOfficeEnv(t *testing.T) *officeEnv {
	t.Helper()
	return newOfficeEnvAt(t, t.TempDir())
}

// newOfficeEnvAt is newOfficeEnv with its store in dir (rectify.db).
func newOfficeEnvAt(t *testing.T, storeDir string) *officeEnv {
	t.Helper()
	st, err := store.Open(filepath.Join(storeDir, "rectify.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	users := make([]user.User, len(officeUsers))
	for i, u := range officeUsers {
		u.PasswordHash = officeHashes()[u.Username]
		u.TokenHashes = []string{user.HashToken("tok-" + u.Username)}
		users[i] = u
	}
	dir, err := user.New(users)
	require.NoError(t, err)
	tc := mocks.NewClient(t)
	config := service.Config{
		Temporal: tc, Store: st, Users: dir, Calendar: calendar.Default(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return officeNow },
	}
	svc, front := newService(config, nil)
	pages, err := New(svc, front, config.Logger)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/api/", front.Handler())
	mux.Handle("/", pages.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &officeEnv{svc: svc, api: front, config: config, store: st, temporal: tc, srv: srv}
	office, _ := dir.Lookup("office")
	_, err = svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: "c1", Name: "主题教育活动", Departments: []string{"住建局", "民政局"}})
	require.NoError(t, err)
	_, err = svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: "c2", Name: "作风建设年"})
	require.NoError(t, err)
	return e
}

// newService makes the service of config and the API in front of it, with lock as
// the sign-in lockout (nil: the default), as the app wires them.
func newService(config service.Config, lock *lockout.Lockout) (*service.Service, *api.Server) {
	svc := service.New(config)
	return svc, api.New(svc, api.Config{Logger: config.Logger, Lockout: lock})
}

// browser is a signed-in visitor: a cookie jar that does not follow redirects, and
// the session's CSRF token.
type browser struct {
	e    *officeEnv
	c    *http.Client
	csrf string
}

var officeCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs username in through the sign-in form, as a browser does.
func (e *officeEnv) signIn(t *testing.T, username string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	b := &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	status, body := b.get(t, "/login")
	require.Equal(t, http.StatusOK, status)
	m := officeCSRF.FindStringSubmatch(body)
	require.NotNil(t, m, "the sign-in form has a CSRF field")
	resp, err := b.c.PostForm(e.srv.URL+"/login", url.Values{"username": {username}, "password": {username}, "csrf": {html.UnescapeString(m[1])}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "sign-in as %s", username)
	// Every signed-in page carries the session's token (in the language switch).
	status, body = b.get(t, "/campaigns/none")
	require.Contains(t, []int{http.StatusOK, http.StatusForbidden, http.StatusNotFound}, status)
	m = officeCSRF.FindStringSubmatch(body)
	require.NotNil(t, m, "a signed-in page carries the CSRF token")
	b.csrf = html.UnescapeString(m[1])
	return b
}

func (b *browser) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// post sends a form; it carries the session's CSRF token unless form sets "csrf".
func (b *browser) post(t *testing.T, path string, form url.Values) *http.Response {
	t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.c.PostForm(b.e.srv.URL+path, form)
	require.NoError(t, err)
	return resp
}

// upload posts the import form as multipart/form-data, with fields and (when name
// is not empty) a file.
func (b *browser) upload(t *testing.T, fields map[string]string, name, content string) *http.Response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := fields["csrf"]; !ok {
		require.NoError(t, mw.WriteField("csrf", b.csrf))
	}
	for k, v := range fields {
		require.NoError(t, mw.WriteField(k, v))
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		require.NoError(t, err)
		_, err = io.WriteString(fw, content)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	resp, err := b.c.Post(b.e.srv.URL+"/import", mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	return resp
}

// setLang switches the visitor's language, as the layout's button does.
func (b *browser) setLang(t *testing.T, lang string) {
	t.Helper()
	resp := b.post(t, "/lang", url.Values{"lang": {lang}, "next": {"/triage"}})
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// officeKey finds text that looks like one of this page group's message keys: a
// key shown as itself is a missing translation.
var officeKey = regexp.MustCompile(`\b(?:office|triage|channel|dec|imp|batch|rej|camp|speed|code)\.[a-z_]+(?:\.[a-z_]+)*`)

func requireTranslated(t *testing.T, body string) {
	t.Helper()
	for _, k := range officeKey.FindAllString(body, -1) {
		if k == "office.css" {
			continue
		}
		t.Errorf("untranslated message key %q on the page", k)
	}
}

// opinion is a stored opinion as its workflow would project it.
func (e *officeEnv) opinion(t *testing.T, o domain.Opinion) {
	t.Helper()
	if o.Channel == "" {
		o.Channel = "hotline"
	}
	if o.CollectedAt == "" {
		o.CollectedAt = "2025-06-01"
	}
	if o.Key == "" {
		o.Key = o.ID
	}
	if o.CreatedAt.IsZero() {
		o.CreatedAt = officeNow.Add(-time.Hour)
	}
	o.UpdatedAt = o.CreatedAt
	o.Revision = max(1, len(o.Timeline))
	require.NoError(t, e.store.ProjectOpinion(context.Background(), o))
}

func TestOfficePagesInBothLanguages(t *testing.T) {
	e := newOfficeEnv(t)
	e.opinion(t, domain.Opinion{ID: "o1", CampaignID: "c1", Content: "小区路灯坏了很久没人修", State: domain.StateReceived, SuggestedCategory: "群众需要解决的问题"})
	b := e.signIn(t, "office")
	pages := []struct {
		path   string
		zh, en []string
	}{
		{"/triage", []string{"分类交办", "小区路灯坏了很久没人修", "群众需要解决的问题", "建议：", "热线", "全部活动", `<label for="triage-campaign">活动</label>`},
			[]string{"Triage", "Suggested:", "Hotline", "All campaigns", `<label for="triage-campaign">Campaign</label>`}},
		{"/decisions", []string{"待审批", "延期申请", "退回待重新交办", "待回访", "没有待审批的延期申请。"},
			[]string{"Decisions", "Extension requests", "Returned, to reassign", "Awaiting follow-up", "No extension requests waiting."}},
		{"/import", []string{"导入意见", `<label for="import-file">意见台账文件 *</label>`, "严格模式", "仅检查（试导入）", "意见内容", `enctype="multipart/form-data"`, "已在办事项的列", "<strong>整改状态</strong>（整改状态 / 办理状态 / 整改进展 / state）"},
			[]string{"Import opinions", `<label for="import-file">Opinion ledger file *</label>`, "Strict", "Check only (dry run)", "Required columns"}},
		{"/campaigns", []string{"活动设置", "主题教育活动", "作风建设年", "新建活动", `<label for="campaign-name">活动名称 *</label>`, "结案前须回访"},
			[]string{"Campaigns", "New campaign", `<label for="campaign-name">Name *</label>`, "Follow-up call before closing"}},
		{"/campaigns/c1", []string{"主题教育活动", "形式主义", "立行立改", "住建局", "民政局", "修改设置", "设置修改记录", "签收期限", "1 个工作日", "UTC&#43;8"},
			[]string{"Fix at once", "Change settings", "Changes to the settings", "Time to sign for an item", "1 working days", "Deadline policy"}},
		{"/campaigns/c1/settings", []string{"修改活动设置", "别名", "停用", "意见来源渠道", "热线", "保存设置"},
			[]string{"Change campaign settings", "Aliases", "Retired", "Channels", "Hotline", "Save settings"}},
	}
	for _, p := range pages {
		status, body := b.get(t, p.path)
		require.Equal(t, http.StatusOK, status, p.path)
		for _, want := range p.zh {
			require.Contains(t, body, want, "%s in Chinese", p.path)
		}
		require.Contains(t, body, `href="/static/office.css"`)
		requireTranslated(t, body)
		requireLabelled(t, p.path, body)
	}
	b.setLang(t, "en")
	for _, p := range pages {
		status, body := b.get(t, p.path)
		require.Equal(t, http.StatusOK, status, p.path)
		require.Contains(t, body, `<html lang="en">`)
		for _, want := range p.en {
			require.Contains(t, body, want, "%s in English", p.path)
		}
		requireTranslated(t, body)
		requireLabelled(t, p.path+" in English", body)
	}
}

func TestOfficePagesRefuseOtherRoles(t *testing.T) {
	e := newOfficeEnv(t)
	officeOnly := []string{"/triage", "/import", "/campaigns", "/campaigns/c1", "/batches/b-1", "/batches/b-1/rejections.csv"}
	for _, username := range []string{"official", "verifier", "leader"} {
		b := e.signIn(t, username)
		for _, path := range officeOnly {
			status, body := b.get(t, path)
			require.Equal(t, http.StatusForbidden, status, "%s GET %s", username, path)
			require.Contains(t, body, "您没有权限访问此页面。")
		}
		resp := b.post(t, "/campaigns", url.Values{"name": {"越权创建"}})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s creates a campaign", username)
		require.Contains(t, readBody(t, resp), "您没有权限访问此页面。")
		resp = b.upload(t, map[string]string{"campaign": "c1"}, "a.csv", "意见内容,来源,收集时间\n路灯坏了,热线,2025-06-01\n")
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "%s imports", username)
		_ = readBody(t, resp)
	}
	cs, err := e.store.Campaigns(context.Background())
	require.NoError(t, err)
	require.Len(t, cs, 2, "no campaign was created")

	// Decisions: leaders see their own extension requests; officials and verifiers nothing.
	for _, username := range []string{"official", "verifier"} {
		status, _ := e.signIn(t, username).get(t, "/decisions")
		require.Equal(t, http.StatusForbidden, status, username)
	}
	status, _ := e.signIn(t, "leader").get(t, "/decisions")
	require.Equal(t, http.StatusOK, status)

	// Signed out: GET goes to the sign-in form, POST is refused.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(e.srv.URL + "/triage")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2Ftriage", resp.Header.Get("Location"))
}

func TestOfficeFormsRejectMissingOrWrongCSRF(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	for name, token := range map[string]string{"missing": "", "wrong": "not-the-token"} {
		form := url.Values{"name": {"无令牌的活动"}}
		if token != "" {
			form.Set("csrf", token)
		} else {
			form["csrf"] = nil
		}
		resp := b.post(t, "/campaigns", form)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, readBody(t, resp), "表单已过期或来源不明", name)

		fields := map[string]string{"campaign": "c1", "csrf": token}
		resp = b.upload(t, fields, "a.csv", "意见内容,来源,收集时间\n路灯坏了,热线,2025-06-01\n")
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, readBody(t, resp), "表单已过期或来源不明", name)
	}
	cs, err := e.store.Campaigns(context.Background())
	require.NoError(t, err)
	require.Len(t, cs, 2, "no campaign was created")
	// The mocked Temporal client has no expectation: a started batch would fail the test.
}

func TestTriageQueue(t *testing.T) {
	e := newOfficeEnv(t)
	at := func(h int) time.Time { return officeNow.Add(time.Duration(h-100) * time.Hour) }
	e.opinion(t, domain.Opinion{ID: "new", CampaignID: "c1", Content: "后收到的意见：办事窗口排队太久", State: domain.StateReceived, SuggestedCategory: "服务态度和效率", CreatedAt: at(3)})
	e.opinion(t, domain.Opinion{ID: "old", CampaignID: "c1", Content: "先收到的意见：垃圾清运不及时", State: domain.StateReceived, CreatedAt: at(1), Channel: "letter"})
	e.opinion(t, domain.Opinion{ID: "cat", CampaignID: "c1", Content: "已分类的意见：公车私用", State: domain.StateCategorized, Category: "奢靡之风", SuggestedCategory: "奢靡之风", CreatedAt: at(2)})
	e.opinion(t, domain.Opinion{ID: "ret", CampaignID: "c2", Content: "被退回的意见：交办部门有误", State: domain.StateReturned, Category: "官僚主义", CreatedAt: at(4)})
	e.opinion(t, domain.Opinion{ID: "busy", CampaignID: "c1", Content: "整改中的意见不在分类队列", State: domain.StateInProgress, Category: "形式主义", Official: "official", Department: "住建局", Schedule: domain.Schedule{Deadline: "2025-06-20"}})
	e.opinion(t, domain.Opinion{ID: "done", CampaignID: "c1", Content: "已销号的意见不在分类队列", State: domain.StateClosed, Category: "形式主义"})
	b := e.signIn(t, "office")

	status, body := b.get(t, "/triage")
	require.Equal(t, http.StatusOK, status)
	for _, id := range []string{"new", "old", "cat", "ret"} {
		require.Contains(t, body, `href="/opinions/`+id+`"`)
	}
	require.NotContains(t, body, "整改中的意见不在分类队列")
	require.NotContains(t, body, "已销号的意见不在分类队列")
	require.Less(t, strings.Index(body, "先收到的意见"), strings.Index(body, "后收到的意见"), "oldest first")
	require.Contains(t, body, "建议：</span> 服务态度和效率", "the suggested category is shown")
	require.Contains(t, body, "无建议，请人工分类")
	require.Contains(t, body, "来信")
	require.Contains(t, body, "作风建设年", "without a campaign filter each row names its campaign")
	require.Contains(t, body, `分类交办 <span class="count">4</span>`)
	require.Contains(t, body, "已收集 2")
	require.Contains(t, body, "已分类 1")
	require.Contains(t, body, "已退回 1")

	status, body = b.get(t, "/triage?campaign=c2")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "被退回的意见")
	require.NotContains(t, body, "先收到的意见")
	require.Contains(t, body, `<option value="c2" selected>作风建设年</option>`)

	status, body = b.get(t, "/triage?campaign=c1&state=categorized")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "已分类的意见")
	require.NotContains(t, body, "先收到的意见")
	require.Contains(t, body, `aria-current="page">已分类 1`)
	require.Contains(t, body, `<input type="hidden" name="state" value="categorized">`, "changing the campaign keeps the state tab")

	status, body = b.get(t, "/triage?campaign=nope&state=closed")
	require.Equal(t, http.StatusOK, status, "unknown filters show the whole queue")
	require.Contains(t, body, "被退回的意见")
	require.NotContains(t, body, "已销号的意见")
}

func TestTriagePages(t *testing.T) {
	e := newOfficeEnv(t)
	for i := range listPageSize + 5 {
		e.opinion(t, domain.Opinion{ID: "o" + string(rune('a'+i/26)) + string(rune('a'+i%26)), CampaignID: "c1",
			Content: "第" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "条意见", State: domain.StateReceived,
			CreatedAt: officeNow.Add(time.Duration(i-500) * time.Minute)})
	}
	b := e.signIn(t, "office")
	_, body := b.get(t, "/triage")
	require.Contains(t, body, "第 1–100 条，共 105 条")
	require.Contains(t, body, `href="/triage?page=2" rel="next"`)
	require.NotContains(t, body, `rel="prev"`)
	_, body = b.get(t, "/triage?page=2")
	require.Contains(t, body, "第 101–105 条，共 105 条")
	require.Contains(t, body, "第ea条意见")
	require.Contains(t, body, `href="/triage" rel="prev"`)
	require.NotContains(t, body, `rel="next"`)
	resp, err := b.c.Get(e.srv.URL + "/triage?campaign=c1&page=7")
	require.NoError(t, err)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "past the end: to the last page, filters kept")
	require.Equal(t, "/triage?campaign=c1&page=2", resp.Header.Get("Location"))
}

func TestDecisions(t *testing.T) {
	e := newOfficeEnv(t)
	ext := func(id, leader, until string) domain.Opinion {
		return domain.Opinion{ID: id, CampaignID: "c1", Content: "延期事项 " + id, State: domain.StateInProgress, Category: "形式主义",
			Department: "住建局", Official: "official", Leader: leader, Schedule: domain.Schedule{Deadline: "2025-06-13"},
			PendingExtension: &domain.Extension{Until: until, Reason: "需协调市政部门 " + id, RequestedBy: "official", RequestedAt: officeNow.Add(-2 * time.Hour)}}
	}
	e.opinion(t, ext("x1", "leader", "2025-06-30"))
	e.opinion(t, ext("x2", "leader2", "2025-07-15"))
	e.opinion(t, domain.Opinion{ID: "r1", CampaignID: "c1", Content: "退回事项：不属于本部门职责", State: domain.StateReturned, Category: "官僚主义",
		Department: "住建局", Timeline: []domain.Event{
			{Seq: 1, At: officeNow.Add(-48 * time.Hour), Actor: "office", Action: domain.ActionAssign, From: domain.StateCategorized, To: domain.StateAssigned},
			{Seq: 2, At: officeNow.Add(-24 * time.Hour), Actor: "official", Action: domain.ActionReturn, From: domain.StateAssigned, To: domain.StateReturned, Reason: "应由民政局办理"},
		}})
	e.opinion(t, domain.Opinion{ID: "cb", CampaignID: "c2", Content: "待回访事项：路面已修复", State: domain.StateAwaitingCallback, Category: "群众需要解决的问题",
		Official: "official", Leader: "leader", VerifiedBy: "verifier"})
	e.opinion(t, domain.Opinion{ID: "plain", CampaignID: "c1", Content: "无延期申请的整改事项", State: domain.StateInProgress, Category: "形式主义",
		Official: "official", Leader: "leader", Schedule: domain.Schedule{Deadline: "2025-06-20"}})

	office := e.signIn(t, "office")
	status, body := office.get(t, "/decisions")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `延期申请 <span class="count">2</span>`)
	require.Contains(t, body, `退回待重新交办 <span class="count">1</span>`)
	require.Contains(t, body, `待回访 <span class="count">1</span>`)
	for _, id := range []string{"x1", "x2", "r1", "cb"} {
		require.Contains(t, body, `href="/opinions/`+id+`"`)
	}
	require.NotContains(t, body, "无延期申请的整改事项")
	require.Contains(t, body, "2025-06-30", "the requested date is shown")
	require.Contains(t, body, "需协调市政部门 x1")
	require.Contains(t, body, "3 个工作日", "the current deadline's working days left")
	require.Contains(t, body, `<td data-label="退回人">official</td><td class="pre" data-label="退回理由">应由民政局办理</td><td data-label="退回时间">2025-06-09 10:00</td>`, "who returned it, why and when")
	requireLabelled(t, "/decisions with items", body)

	status, body = office.get(t, "/decisions?campaign=c2")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `延期申请 <span class="count">0</span>`)
	require.Contains(t, body, `待回访 <span class="count">1</span>`)
	require.Contains(t, body, "没有待审批的延期申请。")

	leader := e.signIn(t, "leader")
	status, body = leader.get(t, "/decisions")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `延期申请 <span class="count">1</span>`)
	require.Contains(t, body, `href="/opinions/x1"`)
	require.NotContains(t, body, `href="/opinions/x2"`, "another leader's item")
	require.NotContains(t, body, "退回待重新交办", "reassigning is the office's")
	require.NotContains(t, body, `href="/opinions/cb"`)
	require.Contains(t, body, `<a href="/decisions">`, "the leader's navigation has the page")
	requireLabelled(t, "/decisions as a leader", body)
}

// ledger is a CSV opinion ledger with two good rows and one refused row (line 4:
// an unknown channel).
const ledger = "意见内容,来源,收集时间\n小区路灯坏了,热线,2025-06-01\n办事窗口排队太久,座谈会,2025-06-02\n食堂浪费严重,电报,2025-06-03\n"

func TestImportDryRunShowsTheReport(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	resp := b.upload(t, map[string]string{"campaign": "c1", "dry_run": "true"}, "台账.csv", ledger)
	body := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "这是试导入")
	require.Contains(t, body, `<div class="n">3</div><div class="l">数据行</div>`)
	require.Contains(t, body, `<div class="n">2</div><div class="l">合格</div>`)
	require.Contains(t, body, `<div class="n">1</div><div class="l">不合格</div>`)
	require.Contains(t, body, `<td class="num">4</td><td>来源</td><td>来源不是可识别的渠道`)
	require.Contains(t, body, `<option value="c1" selected>`, "the form keeps the campaign")
	require.Regexp(t, `id="import-dry-run"[^>]* checked`, body, "and the dry-run switch")
	require.NotContains(t, body, "rejections.csv", "a dry run stores nothing to download")
	requireTranslated(t, body)

	b.setLang(t, "en")
	resp = b.upload(t, map[string]string{"campaign": "c1", "dry_run": "true", "strict": "true"}, "ledger.csv", ledger)
	body = readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "This was a dry run")
	require.Contains(t, body, "A strict import would refuse this file as a whole.")
	require.Contains(t, body, `<div class="n">2</div><div class="l">Accepted</div>`)
	require.Contains(t, body, "Not a known channel")
	requireTranslated(t, body)
}

func TestImportWholeFileErrorsStayOnTheForm(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	resp := b.upload(t, map[string]string{"campaign": "c2", "strict": "true"}, "台账.csv", "编号,备注\n1,无关内容\n")
	body := readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<div class="field invalid">`)
	require.Contains(t, body, `aria-invalid="true"`)
	require.Contains(t, body, `<p class="error">《台账.csv》：找不到包含全部必需列的表头行，缺少：意见内容（表头可写 意见内容 / 意见建议`,
		"the file's name and the missing columns with their accepted headers, in Chinese alone")
	require.NotContains(t, body, "nothing was imported")
	require.NotContains(t, body, "no header row")
	require.Contains(t, body, `<option value="c2" selected>`, "the form keeps the campaign")
	require.Regexp(t, `id="import-strict"[^>]* checked`, body, "and the strict switch")
	require.NotRegexp(t, `id="import-dry-run"[^>]* checked`, body)

	resp = b.upload(t, map[string]string{"campaign": "c1"}, "台账.xls", "whatever")
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "只能导入 .xlsx、.csv 或 .json 文件")

	resp = b.upload(t, map[string]string{"campaign": "c1"}, "台账.csv", "")
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "文件是空的，没有导入任何内容。")

	b.setLang(t, "en")
	resp = b.upload(t, map[string]string{"campaign": "c1"}, "ledger.csv", "content,channel,collected_at\n")
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "ledger.csv: The file has a header row but no data rows; nothing was imported.")
	resp = b.upload(t, map[string]string{"campaign": "c1"}, "ledger.csv", "key,notes\n1,x\n")
	body = readBody(t, resp)
	require.Contains(t, body, `<p class="error">ledger.csv: no header row names every required column; missing: content (a header such as 意见内容`)
	require.Contains(t, body, "browsers do not keep a chosen file")
	requireTranslated(t, body)
}

func TestImportFormNeedsCampaignAndFile(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	resp := b.upload(t, map[string]string{"dry_run": "true"}, "", "")
	body := readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<p class="error" id="import-campaign-err">请选择要导入到的活动。</p>`)
	require.Contains(t, body, `<p class="error">请选择要导入的文件。</p>`)
	require.Regexp(t, `id="import-dry-run"[^>]* checked`, body)

	resp = b.upload(t, map[string]string{"campaign": "gone"}, "a.csv", ledger)
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<p class="error" id="import-campaign-err">活动不存在。</p>`)
}

func TestImportStoresBatchAndShowsItsProgress(t *testing.T) {
	e := newOfficeEnv(t)
	var started client.StartWorkflowOptions
	var input workflows.BatchInput
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BatchWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) {
			started = args.Get(1).(client.StartWorkflowOptions)
			input = args.Get(3).(workflows.BatchInput)
		}).Return(nil, nil).Once()
	b := e.signIn(t, "office")

	resp := b.upload(t, map[string]string{"campaign": "c1"}, "六月台账.csv", ledger)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.Regexp(t, `^/batches/b-[0-9a-f]{16}$`, loc)
	id := strings.TrimPrefix(loc, "/batches/")
	require.Equal(t, workflows.BatchWorkflowID(id), started.ID)
	require.Equal(t, 2, input.Accepted)

	status, body := b.get(t, loc)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<meta http-equiv="refresh" content="2">`, "refreshes itself while importing")
	require.Contains(t, body, "导入中")
	require.Contains(t, body, "六月台账.csv")
	require.Contains(t, body, `<div class="n">2</div><div class="l">待处理</div>`)
	require.Contains(t, body, `<td class="num">4</td><td>来源</td><td>来源不是可识别的渠道`)
	require.Contains(t, body, "“电报”不是本活动的来源渠道", "with the rule's own words, in the page's language")
	require.Contains(t, body, `href="/batches/`+id+`/rejections.xlsx"`)
	require.Contains(t, body, `href="/batches/`+id+`/rejections.csv"`)
	require.Contains(t, body, `<progress id="batch-progress" max="2" value="0">`)
	requireTranslated(t, body)
	requireLabelled(t, loc, body)

	// The download is the API's file, served with the session.
	resp, err := b.c.Get(e.srv.URL + loc + "/rejections.csv")
	require.NoError(t, err)
	csv := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "rejected.csv")
	require.Contains(t, csv, "工作表,原表行号,问题列,原因,")
	require.Contains(t, csv, "食堂浪费严重")
	require.NotContains(t, csv, "小区路灯坏了", "accepted rows are not in it")
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/batches/"+id+"/rejections.csv", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, csv, readBody(t, resp), "the API serves the same file")

	resp, err = b.c.Get(e.srv.URL + loc + "/rejections.xlsx")
	require.NoError(t, err)
	xlsx := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", resp.Header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(xlsx, "PK"), "a zip archive")

	// In English, the page and its download give the same rows their English reasons.
	b.setLang(t, "en")
	status, body = b.get(t, loc)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `&#34;电报&#34; is not a channel of this campaign`)
	require.NotContains(t, body, "不是本活动的来源渠道")
	resp, err = b.c.Get(e.srv.URL + loc + "/rejections.csv")
	require.NoError(t, err)
	require.Contains(t, readBody(t, resp), `""电报"" is not a channel of this campaign`)
	b.setLang(t, "zh")

	for path, want := range map[string]int{loc + "/rejections.pdf": http.StatusNotFound, loc + "/report": http.StatusNotFound, "/batches/b-unknown": http.StatusNotFound} {
		status, body := b.get(t, path)
		require.Equal(t, want, status, path)
		// A zip archive starts "PK"; the page's random CSRF token may hold those letters too.
		require.False(t, strings.HasPrefix(body, "PK"), "%s serves no file", path)
	}
	_, body = b.get(t, "/batches/b-unknown")
	require.Contains(t, body, "没有编号为“b-unknown”的导入批次")

	// The batch's workflow starts one opinion and finds the other already there.
	require.NoError(t, e.store.RecordOutcomes(context.Background(), id, map[int]string{0: store.OutcomeStarted, 1: store.OutcomeAlreadyPresent}))
	require.NoError(t, e.store.FinishBatch(context.Background(), id, officeNow.Add(time.Minute)))
	b.setLang(t, "en")
	_, body = b.get(t, loc)
	require.NotContains(t, body, `http-equiv="refresh"`, "no refresh once done")
	require.Contains(t, body, `<span class="badge">Done</span>`)
	require.Contains(t, body, `<div class="n">1</div><div class="l">Started</div>`)
	require.Contains(t, body, `<div class="n">1</div><div class="l">Already present</div>`)
	require.Contains(t, body, `<div class="n">0</div><div class="l">Pending</div>`)
	require.Contains(t, body, `<progress id="batch-progress" max="2" value="2">`)
	require.Contains(t, body, "Not a known channel")
	requireTranslated(t, body)
}

func TestStrictImportWithRejectedRowsIsRefused(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	resp := b.upload(t, map[string]string{"campaign": "c1", "strict": "on"}, "台账.csv", ledger)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "stored, but its process never starts")
	status, body := b.get(t, resp.Header.Get("Location"))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "已拒绝")
	require.Contains(t, body, "严格模式下有不合格的行，整个文件未导入。")
	require.NotContains(t, body, `http-equiv="refresh"`)
	require.Contains(t, body, "rejections.csv")
}

// withDefaultCategories adds the category table as the new-campaign form first
// shows it: the default categories, then empty rows.
func withDefaultCategories(form url.Values) url.Values {
	for _, c := range campaign.DefaultCategories() {
		form.Add("category_name", c.Name)
		form.Add("category_speed", string(c.Speed))
		form.Add("category_working_days", strconv.Itoa(c.WorkingDays))
		form.Add("category_keywords", strings.Join(c.Keywords, "、"))
	}
	for range blankCategoryRows {
		form.Add("category_name", "")
		form.Add("category_speed", string(domain.SpeedDeadline))
		form.Add("category_working_days", "")
		form.Add("category_keywords", "")
	}
	return form
}

func TestCreateCampaign(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")

	status, body := b.get(t, "/campaigns")
	require.Equal(t, http.StatusOK, status)
	require.Regexp(t, `id="campaign-callback"[^>]* checked`, body, "follow-up calls are on by default")
	require.Contains(t, body, `id="campaign-max_extensions" name="max_extensions" inputmode="numeric" pattern="[0-9]*" value="2"`)

	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"no name", url.Values{"name": {"  "}, "departments": {"住建局\n民政局"}}, "name", "请填写活动名称。"},
		{"bad id", url.Values{"name": {"新活动"}, "id": {"Bad ID!"}}, "id", "只能用小写字母、数字和短横线"},
		{"taken id", url.Values{"name": {"新活动"}, "id": {"c1"}}, "id", "编号为“c1”的活动已存在，请换一个编号"},
		{"department twice", url.Values{"name": {"新活动"}, "departments": {"住建局\n\n 民政局 \n住建局"}}, "departments", "“住建局”重复填写了。"},
		{"not a number", url.Values{"name": {"新活动"}, "max_extensions": {"两次"}}, "max_extensions", "请填写大于 0 的整数"},
		{"zero", url.Values{"name": {"新活动"}, "due_soon_working_days": {"0"}}, "due_soon_working_days", "请填写大于 0 的整数"},
		{"too many", url.Values{"name": {"新活动"}, "max_extensions": {"11"}}, "max_extensions", "须在 0 到 10 之间。"},
		{"too late", url.Values{"name": {"新活动"}, "supervision_working_days": {"61"}}, "supervision_working_days", "须在 0 到 60 之间。"},
	}
	for _, tc := range cases {
		resp := b.post(t, "/campaigns", withDefaultCategories(tc.form))
		body := readBody(t, resp)
		require.Contains(t, []int{http.StatusUnprocessableEntity, http.StatusConflict}, resp.StatusCode, tc.name)
		require.Contains(t, body, `<p class="error" id="campaign-`+tc.field+`-err">`+tc.msg, tc.name)
		require.Regexp(t, `id="campaign-`+tc.field+`"[^>]* aria-invalid="true"`, body, tc.name)
		for k, v := range tc.form {
			if k == "departments" {
				require.Contains(t, body, ">"+html.EscapeString(v[0])+"</textarea>", "%s keeps what was typed", tc.name)
			} else if strings.TrimSpace(v[0]) != "" {
				require.Contains(t, body, `value="`+html.EscapeString(strings.TrimSpace(v[0]))+`"`, "%s keeps what was typed in %s", tc.name, k)
			}
		}
		require.NotRegexp(t, `id="campaign-callback"[^>]* checked`, body, "%s keeps the unticked box", tc.name)
	}
	cs, err := e.store.Campaigns(context.Background())
	require.NoError(t, err)
	require.Len(t, cs, 2, "nothing was created")

	b.setLang(t, "en")
	resp := b.post(t, "/campaigns", url.Values{"name": {""}, "max_extensions": {"x"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "Enter a whole number above 0")
	requireTranslated(t, body)
	resp = b.post(t, "/campaigns", withDefaultCategories(url.Values{"name": {"x"}}))
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	b.setLang(t, "zh")

	resp = b.post(t, "/campaigns", withDefaultCategories(url.Values{
		"name": {"2025 年作风整顿"}, "id": {"zf-2025"}, "departments": {"住建局\r\n民政局\r\n\r\n城管局\r\n"},
		"max_extensions": {"1"}, "due_soon_working_days": {"3"}, "supervision_working_days": {""},
	}))
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/campaigns?created=zf-2025", resp.Header.Get("Location"))
	status, body = b.get(t, "/campaigns?created=zf-2025")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "活动“2025 年作风整顿”已创建。")
	require.Contains(t, body, `<a href="/campaigns/zf-2025">2025 年作风整顿</a>`)

	c, err := e.store.Campaign(context.Background(), "zf-2025")
	require.NoError(t, err)
	require.Equal(t, []string{"住建局", "民政局", "城管局"}, c.Policy.Departments)
	require.Equal(t, 1, c.Policy.MaxExtensions)
	require.Equal(t, 3, c.Policy.DueSoonWorkingDays)
	require.Equal(t, 3, c.Policy.SupervisionWorkingDays, "empty is the default")
	require.False(t, c.Policy.CallbackRequired, "the box was not ticked")
	require.Len(t, c.Policy.Categories, 8, "the default categories")
	require.Equal(t, "office", c.CreatedBy)

	status, body = b.get(t, "/campaigns/zf-2025")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "城管局")
	require.Contains(t, body, "<dt>结案前须回访</dt><dd>否</dd>")
	require.Contains(t, body, "<dt>最多延期次数</dt><dd>1 次</dd>")
	require.Contains(t, body, "<dt>临期提醒（工作日）</dt><dd>3 个工作日</dd>")
	require.Contains(t, body, "<td>制度漏洞</td><td>长期坚持</td><td class=\"num\">60</td>")
	require.NotContains(t, body, `action="/campaigns`, "the settings page has no form to change them")

	status, body = b.get(t, "/campaigns/nope")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "页面不存在。")
}

// Every whole-file code the importer can answer with has a translation (the
// catalogues have every key in both languages: i18n_test.go).
func TestEveryWholeFileCodeIsTranslated(t *testing.T) {
	for _, code := range []string{"empty", "no_data_rows", "corrupt", "not_spreadsheet", "missing_column", "too_large", "too_many_rows", "unsupported_format"} {
		_, ok := messages["zh"]["code.file_"+code]
		require.True(t, ok, code)
	}
}

func TestImportReportListsTheFirstRejections(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	var sb strings.Builder
	sb.WriteString("意见内容,来源,收集时间\n")
	for i := range 205 {
		sb.WriteString("第" + strconv.Itoa(i) + "条,电报,2025-06-01\n")
	}
	resp := b.upload(t, map[string]string{"campaign": "c1", "dry_run": "true"}, "台账.csv", sb.String())
	body := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `<div class="n">205</div><div class="l">不合格</div>`)
	require.Equal(t, 200, strings.Count(body, "来源不是可识别的渠道"))
	require.Contains(t, body, "仅显示前 200 行，共 205 行；正式导入后可下载全部不合格的行。")
}

func TestCampaignRulesAreShownInTheVisitorsLanguage(t *testing.T) {
	long := strings.Repeat("名", 201)
	bad := []campaign.Campaign{
		{Name: ""}, {Name: long}, {Name: "x", ID: "Bad ID"},
		{Name: "x", Policy: domain.Policy{Departments: []string{"住建局", "住建局"}}},
		{Name: "x", Policy: domain.Policy{Departments: []string{"住建局", " "}}},
		{Name: "x", Policy: domain.Policy{MaxExtensions: 11}},
		{Name: "x", Policy: domain.Policy{ReopenWindowDays: -1}},
		{Name: "x", Policy: domain.Policy{Categories: []domain.CategoryPolicy{{Name: ""}}}},
		{Name: "x", Policy: domain.Policy{Categories: []domain.CategoryPolicy{{Name: "a"}, {Name: "a"}}}},
		{Name: "x", Policy: domain.Policy{Categories: []domain.CategoryPolicy{{Name: "a", Speed: "soon"}}}},
		{Name: "x", Policy: domain.Policy{Categories: []domain.CategoryPolicy{{Name: "a", WorkingDays: 1001}}}},
	}
	for _, c := range bad {
		deps := slices.Clone(c.Policy.Departments)
		var fe *campaign.FieldError
		require.ErrorAs(t, campaign.Normalize(&c), &fe)
		texts := map[string]string{}
		for _, lang := range []string{"zh", "en"} {
			_, msg := campaignFieldError(&visit{Lang: lang}, fe, deps, []int{0, 1})
			require.NotEmpty(t, msg, fe.Error())
			texts[lang] = msg
		}
		require.True(t, i18n.HasHan(texts["zh"]), "%s: Chinese in Chinese: %q", fe.Error(), texts["zh"])
		require.False(t, i18n.HasHan(strings.ReplaceAll(texts["en"], "住建局", "")), "%s: no Chinese in English but the value: %q", fe.Error(), texts["en"])
	}
}

// categoryForm is the category table with these rows (name, speed, working days,
// keywords) and then empty rows, as a browser posts it.
func categoryForm(form url.Values, rows ...[4]string) url.Values {
	for _, r := range rows {
		form.Add("category_name", r[0])
		form.Add("category_speed", r[1])
		form.Add("category_working_days", r[2])
		form.Add("category_keywords", r[3])
	}
	return form
}

func TestCreateCampaignWithItsOwnCategoriesAndRules(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")

	// The form starts with the defaults, every number and category filled in.
	status, body := b.get(t, "/campaigns")
	require.Equal(t, http.StatusOK, status)
	def := campaign.DefaultPolicy()
	for name, value := range map[string]int{"sign_working_days": def.SignWorkingDays, "due_soon_working_days": def.DueSoonWorkingDays,
		"supervision_working_days": def.SupervisionWorkingDays, "rework_working_days": def.ReworkWorkingDays,
		"max_extensions": def.MaxExtensions, "reopen_window_days": def.ReopenWindowDays} {
		require.Contains(t, body, `<input id="campaign-`+name+`" name="`+name+`" inputmode="numeric" pattern="[0-9]*" value="`+strconv.Itoa(value)+`"`, name)
	}
	require.Equal(t, len(def.Categories)+blankCategoryRows, strings.Count(body, `name="category_name"`))
	require.Contains(t, body, `<input id="campaign-category_name-3" name="category_name" value="奢靡之风" maxlength="100">`)
	require.Contains(t, body, `<select id="campaign-category_speed-3" name="category_speed"><option value="immediate" selected>立行立改</option>`)
	require.Contains(t, body, `<input id="campaign-category_working_days-7" name="category_working_days" inputmode="numeric" pattern="[0-9]*" value="60">`)
	require.Contains(t, body, `value="公款、吃喝、公车、宴请、送礼、超标、铺张、浪费"`)
	require.Contains(t, body, `<label class="sr-only" for="campaign-category_name-8">第 9 个类别的名称</label>`)
	requireLabelled(t, "/campaigns", body)
	requireTranslated(t, body)

	// Mistakes come back next to their cell or field, with everything typed kept.
	cases := []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"no categories", categoryForm(url.Values{"name": {"新活动"}}, [4]string{"", "deadline", "", ""}), "categories", "请至少填写一个类别。"},
		{"no name", categoryForm(url.Values{"name": {"新活动"}}, [4]string{"安全", "deadline", "", ""}, [4]string{"", "immediate", "3", "消防"}),
			"category_name-1", "请填写类别名称，或清空这一行。"},
		{"twice", categoryForm(url.Values{"name": {"新活动"}}, [4]string{"安全", "deadline", "", ""}, [4]string{"", "deadline", "", ""}, [4]string{" 安全 ", "immediate", "", ""}),
			"category_name-2", "这个类别名称与前面的重复了。"},
		{"days not a number", categoryForm(url.Values{"name": {"新活动"}}, [4]string{"安全", "deadline", "十", ""}), "category_working_days-0", "请填写大于 0 的整数，或留空按整改方式取默认值。"},
		{"days too many", categoryForm(url.Values{"name": {"新活动"}}, [4]string{"安全", "deadline", "1001", ""}), "category_working_days-0", "须在 1 到 1000 之间。"},
		{"unknown speed", categoryForm(url.Values{"name": {"新活动"}}, [4]string{"安全", "soon", "", ""}), "category_speed-0", "请选择整改方式。"},
		{"sign too late", categoryForm(url.Values{"name": {"新活动"}, "sign_working_days": {"31"}}, [4]string{"安全", "deadline", "", ""}), "sign_working_days", "须在 0 到 30 之间。"},
		{"rework zero", categoryForm(url.Values{"name": {"新活动"}, "rework_working_days": {"0"}}, [4]string{"安全", "deadline", "", ""}), "rework_working_days", "请填写大于 0 的整数"},
		{"reopen too long", categoryForm(url.Values{"name": {"新活动"}, "reopen_window_days": {"3651"}}, [4]string{"安全", "deadline", "", ""}), "reopen_window_days", "须在 0 到 3650 之间。"},
	}
	for _, tc := range cases {
		resp := b.post(t, "/campaigns", tc.form)
		body := readBody(t, resp)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, tc.name)
		require.Contains(t, body, `<p class="error" id="campaign-`+tc.field+`-err">`+tc.msg, tc.name)
		if tc.field != "categories" {
			require.Regexp(t, `id="campaign-`+tc.field+`"[^>]* aria-invalid="true"`, body, tc.name)
		}
		for i, name := range tc.form["category_name"] {
			require.Contains(t, body, `<input id="campaign-category_name-`+strconv.Itoa(i)+`" name="category_name" value="`+strings.TrimSpace(name)+`"`, "%s keeps row %d", tc.name, i)
		}
		require.Contains(t, body, `name="category_name" value="" maxlength="100">`, "%s offers empty rows", tc.name)
		requireLabelled(t, tc.name, body)
	}
	cs, err := e.store.Campaigns(context.Background())
	require.NoError(t, err)
	require.Len(t, cs, 2, "nothing was created")

	b.setLang(t, "en")
	resp := b.post(t, "/campaigns", categoryForm(url.Values{"name": {"x"}}, [4]string{"", "deadline", "5", ""}))
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<p class="error" id="campaign-category_name-0-err">Name the category, or clear the row.</p>`)
	require.Contains(t, body, `<label class="sr-only" for="campaign-category_working_days-0">Deadline of category 1 (working days)</label>`)
	requireTranslated(t, body)
	b.setLang(t, "zh")

	// The office's own categories and rules, a default category removed by clearing its row.
	resp = b.post(t, "/campaigns", categoryForm(url.Values{"name": {"安全生产专项整治"}, "id": {"aq-2025"}, "callback_required": {"true"},
		"sign_working_days": {"2"}, "due_soon_working_days": {"3"}, "supervision_working_days": {"4"},
		"rework_working_days": {"7"}, "max_extensions": {"1"}, "reopen_window_days": {"60"}},
		[4]string{"安全隐患", "immediate", "3", "消防, 燃气 电梯；危化品"},
		[4]string{"", "deadline", "", ""},
		[4]string{"作风问题", "long_term", "", ""},
		[4]string{"", "deadline", "", ""}))
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	c, err := e.store.Campaign(context.Background(), "aq-2025")
	require.NoError(t, err)
	require.Len(t, c.Policy.Categories, 2)
	require.Equal(t, domain.CategoryPolicy{Name: "安全隐患", Speed: domain.SpeedImmediate, WorkingDays: 3, Keywords: []string{"消防", "燃气", "电梯", "危化品"}}, c.Policy.Categories[0])
	require.Equal(t, "作风问题", c.Policy.Categories[1].Name)
	require.Equal(t, domain.SpeedLongTerm, c.Policy.Categories[1].Speed)
	require.Equal(t, campaign.LongTermWorkingDays, c.Policy.Categories[1].WorkingDays, "an empty deadline is the speed's default")
	require.Empty(t, c.Policy.Categories[1].Keywords)
	require.Equal(t, []int{2, 3, 4, 7, 1, 60}, []int{c.Policy.SignWorkingDays, c.Policy.DueSoonWorkingDays, c.Policy.SupervisionWorkingDays,
		c.Policy.ReworkWorkingDays, c.Policy.MaxExtensions, c.Policy.ReopenWindowDays})
	require.True(t, c.Policy.CallbackRequired)

	_, body = b.get(t, "/campaigns/aq-2025")
	require.Contains(t, body, "<td>安全隐患</td><td>立行立改</td><td class=\"num\">3</td><td>消防、燃气、电梯、危化品</td>")
	require.Contains(t, body, "<dt>签收期限</dt><dd>2 个工作日</dd>")
	require.Contains(t, body, "<dt>核查不通过后重新整改时限</dt><dd>7 个工作日</dd>")
	require.Contains(t, body, "<dt>结案后可重新整改的期限</dt><dd>60 天</dd>")
	require.NotContains(t, body, "形式主义", "the defaults the office replaced are gone")
}

// The triage filters: a keyword found inside Chinese text, the channel and the
// collection dates narrow the queue and its counts, the state tabs keep them, and a
// date that cannot be read is refused rather than ignored.
func TestTriageFiltersByKeywordChannelAndDates(t *testing.T) {
	e := newOfficeEnv(t)
	e.opinion(t, domain.Opinion{ID: "park", CampaignID: "c1", Content: "小区停车位不足，消防通道经常被占", State: domain.StateReceived,
		Channel: "hotline", CollectedAt: "2025-06-02"})
	e.opinion(t, domain.Opinion{ID: "park2", CampaignID: "c1", Content: "医院门口停车难", State: domain.StateCategorized, Category: "形式主义",
		Channel: "letter", CollectedAt: "2025-06-09"})
	e.opinion(t, domain.Opinion{ID: "light", CampaignID: "c1", Content: "路灯不亮", State: domain.StateReceived,
		Channel: "hotline", CollectedAt: "2025-06-02"})
	b := e.signIn(t, "office")

	status, body := b.get(t, "/triage?campaign=c1&q="+url.QueryEscape("停车"))
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `href="/opinions/park"`)
	require.Contains(t, body, `href="/opinions/park2"`)
	require.NotContains(t, body, `href="/opinions/light"`)
	require.Contains(t, body, `<input id="triage-q" name="q" type="search" value="停车" maxlength="200">`)
	require.Contains(t, body, `href="/triage?campaign=c1&amp;q=%E5%81%9C%E8%BD%A6&amp;state=categorized"`, "the tabs keep the keyword")
	require.Contains(t, body, "已收集 1", "the counts are the filtered queue's")
	requireLabelled(t, "/triage with filters", body)

	_, body = b.get(t, "/triage?campaign=c1&channel=hotline&from=2025-06-01&to=2025-06-05")
	require.Contains(t, body, `href="/opinions/park"`)
	require.Contains(t, body, `href="/opinions/light"`)
	require.NotContains(t, body, `href="/opinions/park2"`)

	status, _ = b.get(t, "/triage?from=June")
	require.Equal(t, http.StatusBadRequest, status)
}

// A problem's task waiting on an extension decision or sent back is on the same
// page, before the opinions: the office sees both, a leader only the extension
// asked of them.
func TestDecisionsListTheTasksWaitingOnThem(t *testing.T) {
	e := newOfficeEnv(t)
	task := func(id string, state domain.State, leader string) domain.Opinion {
		return domain.Opinion{ID: id, CampaignID: "c1", Content: "路灯失修", State: state, Category: "形式主义", Department: "住建局",
			Official: "official", Leader: leader, Schedule: domain.Schedule{Deadline: "2025-06-13"},
			Task: &domain.TaskPart{Problem: "P-1", ProblemTitle: "路灯失修"}}
	}
	asked := task("T-1-1", domain.StateInProgress, "leader")
	asked.PendingExtension = &domain.Extension{Until: "2025-06-30", Reason: "需采购灯具", RequestedBy: "official", RequestedAt: officeNow}
	e.opinion(t, asked)
	e.opinion(t, task("T-1-2", domain.StateReturned, "leader"))
	e.opinion(t, task("T-1-3", domain.StateInProgress, "leader"))

	_, body := e.signIn(t, "office").get(t, "/decisions")
	require.Contains(t, body, `延期申请 <span class="count">1</span>`)
	require.Contains(t, body, `退回待重新交办 <span class="count">1</span>`)
	require.Contains(t, body, `href="/opinions/T-1-1"`)
	require.Contains(t, body, `href="/opinions/T-1-2"`)
	require.NotContains(t, body, `href="/opinions/T-1-3"`, "nothing waits on the office")

	_, body = e.signIn(t, "leader").get(t, "/decisions")
	require.Contains(t, body, `href="/opinions/T-1-1"`, "the extension asked of the leader who answers for the task")
	require.NotContains(t, body, `href="/opinions/T-1-2"`)
	_, body = e.signIn(t, "leader2").get(t, "/decisions")
	require.NotContains(t, body, `href="/opinions/T-1-1"`, "another leader's task")
}
