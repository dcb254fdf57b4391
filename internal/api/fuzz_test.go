package api

// Fuzz tests of what a client sends: action bodies, opinions, campaigns and list
// queries, through the real handler, store, user directory and calendar. Whatever
// the bytes, the answer is never a panic nor a 5xx, and a refusal is a JSON error
// with a code. Temporal is a fake that stands where a request would reach it: an
// action's Update is judged by the workflow's own validator (workflows.Validate),
// and a start records the opinion as the workflow would.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"golang.org/x/time/rate"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// fakeTemporal is Temporal as far as the fuzzed requests reach it. Any call but
// these panics (the embedded interface is nil): no other is expected.
type fakeTemporal struct {
	client.Client
	store *store.Store
	// started are the opinions started, by workflow id.
	started map[string]workflows.OpinionInput
	// accepted counts the Updates the validator accepted.
	accepted int
}

// ExecuteWorkflow records an opinion's start, or answers that it is already there.
func (f *fakeTemporal) ExecuteWorkflow(_ context.Context, opts client.StartWorkflowOptions, _ any, args ...any) (client.WorkflowRun, error) {
	if _, ok := f.started[opts.ID]; ok {
		return nil, serviceerror.NewWorkflowExecutionAlreadyStarted("workflow execution already started", "", "")
	}
	f.started[opts.ID] = args[0].(workflows.OpinionInput)
	return nil, nil
}

// UpdateWorkflow answers an action as the workflow's validator would: refused with
// its error, or accepted with the opinion as it stands (the fake changes nothing).
// The "receive" Update writes a started opinion to the store, as the workflow does.
func (f *fakeTemporal) UpdateWorkflow(ctx context.Context, opts client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	if opts.UpdateName == workflows.ReceiveUpdateName {
		in, ok := f.started[opts.WorkflowID]
		if !ok {
			return nil, serviceerror.NewNotFound("workflow not found")
		}
		return fakeUpdate(func(any) error { return f.store.ProjectOpinion(ctx, receivedOpinion(in)) }), nil
	}
	o, err := f.store.Opinion(ctx, strings.TrimPrefix(opts.WorkflowID, workflows.OpinionWorkflowPrefix))
	if err != nil {
		return nil, serviceerror.NewNotFound("workflow not found")
	}
	c, err := f.store.Campaign(ctx, o.CampaignID)
	if err != nil {
		return nil, err
	}
	req := opts.Args[0].(domain.ActionRequest)
	if err := domain.Validate(&o, c.Policy, domain.Action(opts.UpdateName), req, fixedNow); err != nil {
		return nil, err
	}
	f.accepted++
	return fakeUpdate(func(res any) error {
		*res.(*domain.ActionResult) = domain.ActionResult{State: o.State, Revision: o.Revision}
		return nil
	}), nil
}

// receivedOpinion is the opinion a start records, as the workflow first projects it.
func receivedOpinion(in workflows.OpinionInput) domain.Opinion {
	return domain.Opinion{
		ID: in.OpinionID, CampaignID: in.CampaignID, Key: in.Key, Content: in.Content, Channel: in.Channel,
		CollectedAt: in.CollectedAt, Submitter: in.Submitter, Phone: in.Phone, Target: in.Target, Extra: in.Extra,
		Department: in.Department, SuggestedCategory: in.SuggestedCategory, WrittenDepartment: in.WrittenDepartment,
		WrittenCategory: in.WrittenCategory, State: domain.StateReceived, OverdueLevel: domain.LevelNone,
		CreatedAt: fixedNow, UpdatedAt: fixedNow, Revision: 1,
		Timeline: []domain.Event{{Seq: 1, At: fixedNow, Actor: in.SubmittedBy, Action: domain.EventReceived, To: domain.StateReceived}},
	}
}

// fakeUpdate is a completed Update whose outcome get gives.
type fakeUpdate func(valuePtr any) error

func (fakeUpdate) WorkflowID() string                   { return "" }
func (fakeUpdate) RunID() string                        { return "" }
func (fakeUpdate) UpdateID() string                     { return "" }
func (u fakeUpdate) Get(_ context.Context, v any) error { return u(v) }

// fuzzFixture is the API on a real store, user directory and calendar, with
// Temporal faked, campaigns c1 and c2, and an opinion in every state an action
// starts from.
type fuzzFixture struct {
	svc      *service.Service
	store    *store.Store
	temporal *fakeTemporal
	handler  http.Handler
	// campaigns counts the campaigns made for PATCH, one per input.
	campaigns int
}

func newFuzzFixture(f *testing.F) *fuzzFixture {
	f.Helper()
	st, err := store.Open(filepath.Join(f.TempDir(), "rectify.db"))
	require.NoError(f, err)
	f.Cleanup(func() { _ = st.Close() })
	users := make([]user.User, len(testUsers))
	for i, u := range testUsers {
		u.TokenHashes = []string{user.HashToken(tokenOf(u.Username))}
		users[i] = u
	}
	dir, err := user.New(users)
	require.NoError(f, err)
	tc := &fakeTemporal{store: st, started: map[string]workflows.OpinionInput{}}
	svc := service.New(service.Config{
		Temporal: tc, Store: st, Users: dir, Calendar: calendar.Default(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return fixedNow },
	})
	front := New(svc, Config{Logger: slog.New(slog.DiscardHandler)})
	// A fuzzer asks far faster than any person: nobody is throttled here.
	front.throttle.buckets = map[string]*rate.Limiter{}
	for _, u := range testUsers {
		front.throttle.buckets[u.Username] = rate.NewLimiter(rate.Inf, 0)
	}
	fx := &fuzzFixture{svc: svc, store: st, temporal: tc, handler: english(front.Handler())}
	office, _ := dir.Lookup("office")
	for _, c := range []string{campaignID, "c2"} {
		_, err := svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: c, Name: "主题教育 " + c, Departments: []string{deptA, deptB}})
		require.NoError(f, err)
	}
	inProgress := assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone)
	for _, o := range []domain.Opinion{
		newOpinion("received"),
		newOpinion("target"),
		newOpinion("other", func(o *domain.Opinion) { o.CampaignID = "c2" }),
		newOpinion("final", func(o *domain.Opinion) { o.State = domain.StateRejected }),
		newOpinion("categorized", func(o *domain.Opinion) {
			o.State, o.Category = domain.StateCategorized, "群众需要解决的问题"
		}),
		newOpinion("assigned", assigned(domain.StateAssigned, "official", deptA, "2025-06-20", domain.LevelNone)),
		newOpinion("in-progress", inProgress, func(o *domain.Opinion) { o.Signed = true }),
		newOpinion("extension-asked", inProgress, func(o *domain.Opinion) {
			o.Signed = true
			o.PendingExtension = &domain.Extension{Until: "2025-06-27", Reason: "需走采购程序", RequestedBy: "official", RequestedAt: fixedNow}
		}),
		newOpinion("submitted", assigned(domain.StateSubmitted, "official", deptA, "2025-06-20", domain.LevelNone),
			func(o *domain.Opinion) { o.Signed, o.SubmittedBy = true, "official" }),
		newOpinion("awaiting-callback", assigned(domain.StateAwaitingCallback, "official", deptA, "2025-06-20", domain.LevelNone),
			func(o *domain.Opinion) { o.Signed, o.SubmittedBy, o.VerifiedBy = true, "official", "verifier" }),
		newOpinion("closed", assigned(domain.StateClosed, "official", deptA, "2025-06-20", domain.LevelNone),
			func(o *domain.Opinion) {
				o.Signed, o.SubmittedBy, o.VerifiedBy, o.Satisfaction = true, "official", "verifier", domain.SatisfactionSatisfied
				o.ClosedAt, o.OnTime = fixedNow, true
			}),
	} {
		require.NoError(f, st.ProjectOpinion(context.Background(), o))
	}
	return fx
}

// serve sends one request as username ("" sends no token); rawQuery goes on the
// URL as it is, however malformed.
func (fx *fuzzFixture) serve(method, path, rawQuery, username string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(string(body)))
	req.URL.RawQuery = rawQuery
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+tokenOf(username))
	}
	rec := httptest.NewRecorder()
	fx.handler.ServeHTTP(rec, req)
	return rec
}

// requireAnswer checks the answer to a fuzzed request: no 5xx, one of the statuses
// allowed, JSON, and for a refusal an error with a code and a message. It returns
// the error's code ("" for a success).
func requireAnswer(t *testing.T, rec *httptest.ResponseRecorder, allowed ...int) string {
	t.Helper()
	require.Less(t, rec.Code, 500, "a 5xx for something a user sent: %s", rec.Body)
	require.Contains(t, allowed, rec.Code, "%s", rec.Body)
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"), "%s", rec.Body)
	if rec.Code < 400 {
		require.True(t, json.Valid(rec.Body.Bytes()), "%s", rec.Body)
		return ""
	}
	var e apiError
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), "%s", rec.Body)
	require.NotEmpty(t, e.Error.Code, "%s", rec.Body)
	require.NotEmpty(t, e.Error.Message, "%s", rec.Body)
	return e.Error.Code
}

// actionCases are, for every action, the opinion it is asked of (in a state it
// may start from) and the caller it is allowed: a fuzzed body meets every check
// there is, up to and including the workflow's validator.
var actionCases = []struct {
	action    domain.Action
	item, who string
}{
	{domain.ActionCategorize, "received", "office"},
	{domain.ActionMerge, "received", "office"},
	{domain.ActionReject, "received", "office"},
	{domain.ActionAssign, "categorized", "office"},
	{domain.ActionSign, "assigned", "official"},
	{domain.ActionReturn, "assigned", "official"},
	{domain.ActionRequestExtension, "in-progress", "official"},
	{domain.ActionDecideExtension, "extension-asked", "leader"},
	{domain.ActionSubmit, "in-progress", "official"},
	{domain.ActionVerify, "submitted", "verifier"},
	{domain.ActionCallback, "awaiting-callback", "office"},
	{domain.ActionReopen, "closed", "leader"},
	{domain.ActionCancel, "in-progress", "office"},
}

// actionSeeds are bodies from the API's tests and the product's examples: valid
// ones for every action, the boundaries of docs/rules.md, and malformed JSON.
var actionSeeds = []string{
	``, `{}`, `null`, `[]`, `"x"`, `{"name": "x"`, `name=x`, `[1]`, `{"nmae": "x"}`, `{} {}`, `{}}`, `{}]`,
	`{"CATEGORY": "制度漏洞"}`, `{"Reason": "重复"}`, `{"reason": 1}`, `{"approve": "yes"}`, `{"pass": null}`,
	`{"category": "群众需要解决的问题"}`, `{"category": "制度漏洞"}`, `{"category": "不存在的类别"}`,
	`{"into": "target"}`, `{"into": "other"}`, `{"into": "final"}`, `{"into": "received"}`, `{"into": "nope"}`,
	`{"reason": "不属于本次活动范围"}`, `{"reason": "  "}`,
	`{"department": "住建局", "official": "official", "leader": "leader", "measures": "更换路灯", "deadline": "2025-06-30"}`,
	`{"department": "住建局", "official": "official", "leader": "leader", "deadline": "2027-01-01"}`,
	`{"department": "住建局", "official": "official", "leader": "leader", "deadline": "2025-05-31"}`,
	`{"department": "住建局", "official": "nobody", "leader": "leader"}`,
	`{"department": "住建局", "official": "verifier", "leader": "leader"}`,
	`{"department": "住建局", "official": "official", "leader": "official"}`,
	`{"department": "外星局", "official": "official", "leader": "leader"}`,
	`{"until": "2025-06-27", "reason": "需走采购程序"}`, `{"until": "2025-06-28"}`, `{"until": "2025-10-03", "reason": "需协调"}`,
	`{"until": "2025-09-28", "reason": "调休上班日"}`, `{"until": "2025-05-31", "reason": "过去的周六"}`,
	`{"until": "9999-12-31", "reason": "很远"}`, `{"until": "1999-12-31", "reason": "太早"}`, `{"until": "2025-02-30", "reason": "没有这天"}`,
	`{"approve": true, "reason": "同意"}`, `{"approve": false}`, `{"approve": false, "reason": "理由不充分"}`,
	`{"measures": "已修复路面", "evidence": "现场照片"}`, `{"measures": "已修复路面"}`,
	`{"pass": true, "reason": "现场核查属实"}`, `{"pass": false, "reason": "群众仍反映跑多次"}`, `{"pass": false}`,
	`{"satisfaction": "satisfied", "note": "电话回访"}`, `{"satisfaction": "dissatisfied", "note": "仍需排队"}`, `{"satisfaction": "great"}`,
	`{"reason": "回头看发现反弹"}`, `{"reason": "反弹", "deadline": "2025-06-22"}`, `{"reason": "反弹", "deadline": "2025-06-23"}`,
	`{"reason": "反映人撤回", "deadline": "2025-06-30x"}`,
	`{"reason": "` + strings.Repeat("长", 2001) + `"}`, `{"category": "` + strings.Repeat("类", 201) + `"}`,
	`{"into": "\u0000", "reason": "\u0000", "category": "\u0000"}`, `{"deadline": "２０２５-０６-３０", "until": "2025-6-30"}`,
}

// FuzzActionBody sends arbitrary bytes as the body of every action, to an opinion
// in a state the action may start from, as the caller it is allowed. The answer is
// never a 5xx; a refusal is a JSON error with a code; and the API answers 200
// exactly when the workflow's validator accepted the request it was sent.
func FuzzActionBody(f *testing.F) {
	for _, s := range actionSeeds {
		f.Add([]byte(s))
	}
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range actionCases {
			accepted := fx.temporal.accepted
			rec := fx.serve(http.MethodPost, "/api/v1/opinions/"+c.item+"/actions/"+string(c.action), "", c.who, body)
			code := requireAnswer(t, rec, http.StatusOK, http.StatusBadRequest, http.StatusConflict,
				http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
			require.Equal(t, rec.Code == http.StatusOK, fx.temporal.accepted == accepted+1,
				"%s: 200 exactly when the workflow's validator accepted it (%s)", c.action, code)
		}
	})
}

// opinionSeeds are opinions from the API's tests: valid, with every field, and each
// of intake's refusals.
var opinionSeeds = []string{
	validOpinion, ``, `{}`, `null`, `[1]`, `{"content": "x"`, `{"Content": "路灯坏了", "channel": "hotline", "collected_at": "2025-06-01"}`,
	`{"content": "  ", "channel": "hotline", "collected_at": "2025-06-09"}`,
	`{"content": "x", "channel": "fax", "collected_at": "2025-06-09"}`,
	`{"content": "x", "channel": "hotline"}`,
	`{"content": "x", "channel": "hotline", "collected_at": "9/6/2025"}`,
	`{"content": "x", "channel": "hotline", "collected_at": "2025-06-11"}`,
	`{"content": "x", "channel": "hotline", "collected_at": "2025-06-09", "phone": "12345"}`,
	`{"key": "a b", "content": "x", "channel": "hotline", "collected_at": "2025-06-09"}`,
	`{"content": "窗口排队太久", "channel": "hotline", "collected_at": "2025-06-09", "phone": "13800138000"}`,
	`{"content": " 窗口排队太久 ", "channel": "热线", "collected_at": "２０２５-０６-０９", "phone": "13800138000 "}`,
	`{"key": "a", "content": "楼道灯坏了", "channel": "民情走访", "collected_at": "2025-06-09", "department": "住房和城乡建设局"}`,
	`{"key": "b", "content": "外星人占用车位", "channel": "热线", "collected_at": "2025-06-09", "department": "外星局", "category": "服务态度"}`,
	`{"key": "k-1", "content": "小区路灯坏了", "channel": "热线", "collected_at": "2025-06-09", "target": "班子", "extra": {"序号": "5", "备注": "夜间"}}`,
	`{"key": "k-1", "content": "另一件事", "channel": "热线", "collected_at": "2025-06-09"}`,
	`{"key": "k\u0000", "content": "a\u0000b", "channel": "hotline", "collected_at": "2025-06-09", "department": "\u0000", "extra": {"\u0000": "\u0000"}}`,
	`{"content": "\ud800", "channel": "hotline", "collected_at": "2025-06-09", "submitter": "\u202e张三", "phone": "+86 138-0013-8000"}`,
}

// FuzzCreateOpinionBody sends arbitrary bytes as a new opinion. The answer is never
// a 5xx; a refusal is a JSON error with a code; an opinion created (201) was
// started with the id its campaign and key give, and is the one the answer shows.
func FuzzCreateOpinionBody(f *testing.F) {
	for _, s := range opinionSeeds {
		f.Add([]byte(s))
	}
	fx := newFuzzFixture(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fx.serve(http.MethodPost, "/api/v1/campaigns/c1/opinions", "", "office", body)
		requireAnswer(t, rec, http.StatusOK, http.StatusCreated, http.StatusBadRequest, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
		if rec.Code >= 300 {
			return
		}
		var v SubmittedView
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v))
		require.Equal(t, domain.OpinionID(campaignID, v.Key), v.ID)
		in, ok := fx.temporal.started[workflows.OpinionWorkflowID(v.ID)]
		require.True(t, ok, "the opinion answered was started")
		require.Equal(t, in.Key, v.Key)
		require.NotEmpty(t, strings.TrimSpace(v.Content))
	})
}

// campaignSeeds are campaigns and changes from the API's tests.
var campaignSeeds = []string{
	``, `{}`, `null`, `[1]`, `{"name": "x"`, `{"nmae": "x"}`, `{"name": "x"}`, `{"name": "   "}`, `{"name": "第三批"}`,
	`{"id": "c1", "name": "again"}`, `{"id": "Bad_ID", "name": "x"}`, `{"id": " c9 ", "name": " 第二批 "}`,
	`{"id": "c2", "name": "第二批", "categories": [{"name": "道路"}, {"name": "教育", "speed": "long_term"}], "departments": ["交通局"]}`,
	`{"name": "x", "categories": [{"name": ""}]}`, `{"name": "x", "categories": [{"name": "a", "speed": "fast"}]}`,
	`{"name": "x", "categories": [{"name": "a"}], "policy": {"categories": [{"name": "b"}]}}`,
	`{"name": "x", "categories": [{"name": "道路"}, {"name": " 道路"}]}`, `{"name": "x", "departments": ["a", "a"]}`,
	`{"name": "x", "policy": {"max_extensions": 99}}`, `{"name": "x", "policy": {"Max_Extensions": 3}}`,
	`{"name": "x", "policy": {"utc_offset_seconds": -50400}}`, `{"name": "x", "policy": {"utc_offset_seconds": 50401}}`,
	`{"name": "x", "categories": [{"name": "a"}, {"Name": "b"}]}`,
	`{"revision": 0, "categories": [{"name": "窨井盖安全", "speed": "immediate", "working_days": 4, "keywords": ["井盖"]},
		{"name": "服务态度和效率", "aliases": ["服务态度"]}, {"name": "制度漏洞", "retired": true}],
		"departments": [{"name": "住建局", "aliases": ["住房和城乡建设局"]}, "城管局"],
		"channels": ["民情走访", {"name": "visit", "aliases": ["走访", "入户走访", "来访"]}],
		"policy": {"max_extensions": 1, "callback_required": false}}`,
	`{"revision": 5, "name": "另一个名称"}`, `{"policy": {"sign_working_days": 0}}`,
	`{"categories": [{"name": "形式主义", "speed": "soon"}]}`, `{"departments": [{"name": "城管局", "renamed_from": "城管科"}]}`,
	`{"departments": [{"name": "住建局", "aliases": ["民政局"]}]}`, `{"departments": [{"name": "城管局", "alias": ["城管"]}]}`,
	`{"departments": ["外联办", {"Name": "信访办"}]}`, `{"departmentz": ["城管局"]}`, `{"policy": {"max_extensions": "2"}}`,
	`{"categories": [{"name": "制度漏洞", "renamed_from": "形式主义"}]}`, `{"channels": [{"name": "hotline", "retired": true}]}`,
}

// FuzzCampaignBody sends arbitrary bytes as a new campaign and as a change to a
// fresh one. The answer is never a 5xx; a refusal is a JSON error with a code and
// leaves the campaign as it was; what is accepted is what GET shows after.
func FuzzCampaignBody(f *testing.F) {
	for _, s := range campaignSeeds {
		f.Add([]byte(s))
	}
	fx := newFuzzFixture(f)
	office, _ := fx.svc.User("office")
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fx.serve(http.MethodPost, "/api/v1/campaigns", "", "office", body)
		requireAnswer(t, rec, http.StatusCreated, http.StatusBadRequest, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
		if rec.Code == http.StatusCreated {
			var c CampaignView
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &c))
			got := fx.serve(http.MethodGet, "/api/v1/campaigns/"+url.PathEscape(c.ID), "", "official", nil)
			require.Equal(t, http.StatusOK, got.Code, "%s", got.Body)
			require.JSONEq(t, rec.Body.String(), got.Body.String(), "the campaign created is the one stored")
		}

		fx.campaigns++
		id := "p-" + strconv.Itoa(fx.campaigns)
		_, err := fx.svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: id, Name: "主题教育", Departments: []string{deptA, deptB}})
		require.NoError(t, err)
		before := fx.serve(http.MethodGet, "/api/v1/campaigns/"+id, "", "office", nil)
		rec = fx.serve(http.MethodPatch, "/api/v1/campaigns/"+id, "", "office", body)
		requireAnswer(t, rec, http.StatusOK, http.StatusBadRequest, http.StatusConflict,
			http.StatusRequestEntityTooLarge, http.StatusUnprocessableEntity)
		after := fx.serve(http.MethodGet, "/api/v1/campaigns/"+id, "", "office", nil)
		require.Equal(t, http.StatusOK, after.Code, "%s", after.Body)
		if rec.Code == http.StatusOK {
			require.JSONEq(t, rec.Body.String(), after.Body.String(), "the change answered is the one stored")
			return
		}
		require.JSONEq(t, before.Body.String(), after.Body.String(), "a refused change changes nothing")
		changes, err := fx.store.CampaignChanges(context.Background(), id, 0)
		require.NoError(t, err)
		require.Empty(t, changes, "a refused change records nothing")
	})
}

// listSeeds are list queries from the API's tests and the product's examples.
var listSeeds = []string{
	"", "campaign=c1", "campaign=c2&state=in_progress", "state=open", "overdue=true", "overdue=yes", "overdue=false&state=received",
	"department=" + url.QueryEscape(deptB), "category=" + url.QueryEscape("群众需要解决的问题") + "&campaign=c1&state=assigned",
	"assignee=me", "assignee=official&overdue=true", "leader=me", "limit=0", "limit=501", "limit=ten", "limit=3&page_token=3",
	"page_token=-1", "page_token=abc", "page_token=100", "status=open", "campaign=c1&campaign=c2", "Campaign=c1", "assigne=me",
	"campaign=c1&assigne=me", "a=1&b=2", "%zz", "campaign=%00", "state=%E2%80%8B", ";", "&&&", "=x", "limit=1e3", "open=true",
	"open=yes", "limit=1000", "limit=1001",
}

// FuzzListFilters sends arbitrary query strings to the opinions list, as the office
// and as an official, and to the campaign's other lists (its changes and ledgers).
// The answer is never a 5xx; a refusal is a JSON error with a code; the opinions
// list refuses a parameter it does not take with 422 unknown_parameter naming it,
// and shows an official only their own and their department's opinions.
func FuzzListFilters(f *testing.F) {
	for _, s := range listSeeds {
		f.Add(s)
	}
	fx := newFuzzFixture(f)
	known := slices.Sorted(maps.Keys(listParams))
	f.Fuzz(func(t *testing.T, query string) {
		q, _ := url.ParseQuery(query) // what r.URL.Query() reads: malformed pairs dropped
		names := slices.Sorted(maps.Keys(q))
		var unknown []string
		for _, n := range names {
			if !slices.Contains(known, n) {
				unknown = append(unknown, n)
			}
		}
		for _, who := range []string{"office", "official"} {
			rec := fx.serve(http.MethodGet, "/api/v1/opinions", query, who, nil)
			code := requireAnswer(t, rec, http.StatusOK, http.StatusUnprocessableEntity)
			if len(unknown) > 0 {
				require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "unknown parameters %q", unknown)
				// The parameters are read in order: an unknown one first in order is the one named.
				if names[0] == unknown[0] {
					require.Equal(t, "unknown_parameter", code)
				}
				if code == "unknown_parameter" {
					var e apiError
					require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
					require.Contains(t, e.Error.Message, fmt.Sprintf("%q", unknown[0]))
				}
			}
			if rec.Code != http.StatusOK {
				continue
			}
			var list listBody
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &list))
			require.NotNil(t, list.Opinions, "an empty list is [], not null")
			if who == "official" {
				for _, o := range list.Opinions {
					require.True(t, o.Official == "official" || o.Department == deptA, "official sees %s (%s, %s)", o.ID, o.Official, o.Department)
				}
			}
		}
		for _, c := range []struct{ path, who string }{
			{"/api/v1/campaigns/c1/changes", "leader"},
			{"/api/v1/campaigns/c1/ledger", "office"},
		} {
			rec := fx.serve(http.MethodGet, c.path, query, c.who, nil)
			requireAnswer(t, rec, http.StatusOK, http.StatusUnprocessableEntity)
		}
		rec := fx.serve(http.MethodGet, "/api/v1/campaigns/c1/ledger.csv", query, "leader", nil)
		require.Less(t, rec.Code, 500, "%s", rec.Body)
		if rec.Code != http.StatusOK {
			requireAnswer(t, rec, http.StatusUnprocessableEntity)
		}
	})
}
