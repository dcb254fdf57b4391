package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
	"rectify/internal/metrics"
	"rectify/internal/notify"
	"rectify/internal/service"
	"rectify/internal/user"
	"rectify/workflows"
)

// The API's reference is docs/openapi.yaml. These tests hold it to the API: it is a
// valid OpenAPI 3.1 document whose examples match their schemas, it documents
// exactly the operations served, and real requests through the real handler (a
// real reporting store, Temporal mocked) and their answers are what it says.

// openAPIPath is docs/openapi.yaml, from this package's folder.
const openAPIPath = "../../docs/openapi.yaml"

// openAPIProbes are the operations Handler serves besides routes(), without a token.
var openAPIProbes = []string{"GET /healthz", "GET /readyz", "GET /metrics"}

// loadOpenAPI loads the document and checks it is valid OpenAPI 3.1, every example
// validated against its schema.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(openAPIPath)
	require.NoError(t, err)
	require.Equal(t, "3.1", doc.OpenAPIMajorMinor(), "openapi: %s", doc.OpenAPI)
	require.NoError(t, doc.Validate(context.Background(), openapi3.EnableExamplesValidation()))
	return doc
}

func TestOpenAPIDocumentIsValid(t *testing.T) {
	loadOpenAPI(t)
}

// documentedOperations lists the document's operations as "METHOD /path".
func documentedOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[method+" "+path] = op
		}
	}
	return ops
}

// servedOperations lists the operations Handler serves as "METHOD /path": every pattern of
// routes() (Go's {id} is OpenAPI's) and the probes.
func servedOperations(s *Server) []string {
	ops := slices.Clone(openAPIProbes)
	for _, rt := range s.routes() {
		ops = append(ops, rt.pattern)
	}
	return ops
}

func TestOpenAPIDocumentsEveryRouteServedAndNoOther(t *testing.T) {
	doc := loadOpenAPI(t)
	f := newOpenAPIFixture(t)
	docOps := documentedOperations(doc)
	servedOps := servedOperations(f.api)

	var undocumented, unserved []string
	for _, op := range servedOps {
		if docOps[op] == nil {
			undocumented = append(undocumented, op)
		}
	}
	for op := range docOps {
		if !slices.Contains(servedOps, op) {
			unserved = append(unserved, op)
		}
	}
	sort.Strings(unserved)
	require.Empty(t, undocumented, "served but not in docs/openapi.yaml")
	require.Empty(t, unserved, "in docs/openapi.yaml but not served")

	f.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Maybe()
	for op, o := range docOps {
		// Every documented operation reaches a handler of its own: not the API's
		// catch-all (not_found) nor the mux's "404 page not found".
		method, path, _ := strings.Cut(op, " ")
		req := httptest.NewRequest(method, strings.NewReplacer("{id}", "x", "{action}", "sign", "{file}", "rejections.csv").Replace(path), nil)
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		require.NotContains(t, rec.Body.String(), `"not_found"`, op)
		require.NotContains(t, rec.Body.String(), "404 page not found", op)

		// The probes take no token; everything else takes a bearer token.
		security := doc.Security
		if o.Security != nil {
			security = *o.Security
		}
		if slices.Contains(openAPIProbes, op) {
			require.Empty(t, security, "%s needs no token", op)
			continue
		}
		require.Len(t, security, 1, op)
		require.Contains(t, security[0], "bearerAuth", op)
		for _, status := range []string{"401", "429", "500", "503"} {
			require.NotNil(t, o.Responses.Value(status), "%s documents %s", op, status)
		}
		if o.RequestBody != nil && o.RequestBody.Value.Content.Get("application/json") != nil {
			for _, status := range []string{"400", "413"} {
				require.NotNil(t, o.Responses.Value(status), "%s takes JSON and documents %s", op, status)
			}
		}
	}
}

// Every action is documented with the schema of its body, and the example of each
// action's body matches that schema.
func TestOpenAPIDocumentsEveryActionsBody(t *testing.T) {
	doc := loadOpenAPI(t)
	op := doc.Paths.Value("/api/v1/opinions/{id}/actions/{action}").Post
	require.NotNil(t, op)

	param := doc.Components.Parameters["Action"].Value
	var enum []string
	for _, v := range param.Schema.Value.Enum {
		enum = append(enum, v.(string))
	}
	var actions []string
	for _, a := range domain.Actions {
		actions = append(actions, string(a))
	}
	require.Equal(t, actions, enum, "the {action} parameter lists the actions")

	bodies, ok := op.Extensions["x-action-bodies"].(map[string]any)
	require.True(t, ok, "the operation has x-action-bodies")
	require.ElementsMatch(t, actions, openAPIKeys(bodies))
	examples := op.RequestBody.Value.Content.Get("application/json").Examples
	require.ElementsMatch(t, actions, openAPIKeys(examples), "an example body for every action")
	for action, ref := range bodies {
		name, ok := strings.CutPrefix(ref.(string), "#/components/schemas/")
		require.True(t, ok, "%s: %s", action, ref)
		schema := doc.Components.Schemas[name]
		require.NotNil(t, schema, "%s: %s", action, ref)
		require.NoError(t, schema.Value.VisitJSON(examples[action].Value.Value, openapi3.EnableJSONSchema2020()),
			"the example of %s matches %s", action, name)
	}
	// A body that leaves out what the action needs does not.
	require.Error(t, doc.Components.Schemas["AssignBody"].Value.VisitJSON(map[string]any{"department": "城管科"}, openapi3.EnableJSONSchema2020()))
	require.Error(t, doc.Components.Schemas["VerifyBody"].Value.VisitJSON(map[string]any{"pass": false}, openapi3.EnableJSONSchema2020()))
}

// openAPIKeys are a map's keys.
func openAPIKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// newOpenAPIFixture is newFixture with /metrics served (the real registry and
// collector) and links to the Temporal Web UI, so every operation and field can show.
func newOpenAPIFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	m := metrics.New(f.config.Logger)
	t.Cleanup(m.Close)
	m.Registry.MustRegister(metrics.NewCollector(f.store, f.config.Logger, metrics.Options{}))
	f.apiConfig.Metrics = m.Handler()
	f.config.TemporalUIURL, f.config.Namespace = "http://127.0.0.1:8233", "default"
	f.build()
	return f
}

// openAPICall is one request of the conformance test and what it must get.
type openAPICall struct {
	method, path string
	// as is the caller ("" sends no Authorization header); token, when set, is sent
	// instead of theirs.
	as, token string
	body      string
	// contentType defaults to application/json when there is a body.
	contentType string
	status      int
	// code is the error code an error answer must carry.
	code string
	// docRefuses: the document says the request is wrong too (a missing token, a
	// value out of its schema), as the API does.
	docRefuses bool
}

// openAPIConformance sends requests through the real handler and checks each request and
// answer against the document, recording which operations and statuses it saw.
type openAPIConformance struct {
	f      *fixture
	doc    *openapi3.T
	router routers.Router
	seen   map[string][]int
}

func newOpenAPIConformance(t *testing.T, f *fixture) *openAPIConformance {
	t.Helper()
	doc := loadOpenAPI(t)
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return &openAPIConformance{f: f, doc: doc, router: router, seen: map[string][]int{}}
}

// openAPIBearer is the document's bearerAuth as openapi3filter checks a request for it.
func openAPIBearer(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	scheme, token, ok := strings.Cut(in.RequestValidationInput.Request.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errors.New("no bearer token")
	}
	return nil
}

func (c *openAPIConformance) do(t *testing.T, k openAPICall) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(k.method, k.path, strings.NewReader(k.body))
	if k.contentType != "" {
		req.Header.Set("Content-Type", k.contentType)
	} else if k.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.send(t, req, k)
}

// upload posts a multipart form: the file (name and content) and the other fields.
func (c *openAPIConformance) upload(t *testing.T, k openAPICall, name, content string, fields ...string) *httptest.ResponseRecorder {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for i := 0; i+1 < len(fields); i += 2 {
		require.NoError(t, mw.WriteField(fields[i], fields[i+1]))
	}
	fw, err := mw.CreateFormFile("file", name)
	require.NoError(t, err)
	_, err = fw.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req := httptest.NewRequest(k.method, k.path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(t, req, k)
}

func (c *openAPIConformance) send(t *testing.T, req *http.Request, k openAPICall) *httptest.ResponseRecorder {
	t.Helper()
	what := k.method + " " + k.path
	switch {
	case k.token != "":
		req.Header.Set("Authorization", "Bearer "+k.token)
	case k.as != "":
		req.Header.Set("Authorization", "Bearer "+tokenOf(k.as))
	}
	route, params, err := c.router.FindRoute(req)
	require.NoError(t, err, "%s is not documented", what)
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openAPIBearer, SkipSettingDefaults: true, RejectWhenRequestBodyNotSpecified: true}}
	err = openapi3filter.ValidateRequest(ctx, in)
	if k.docRefuses {
		require.Error(t, err, "the document takes %s, which the API refuses", what)
	} else {
		require.NoError(t, err, "the document refuses %s", what)
	}

	rec := httptest.NewRecorder()
	c.f.handler.ServeHTTP(rec, req)
	require.Equal(t, k.status, rec.Code, "%s: %s", what, rec.Body.String())
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"), what)
	if k.code != "" {
		require.Equal(t, k.code, decodeAs[apiError](t, rec).Error.Code, "%s: %s", what, rec.Body.String())
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
		Body: io.NopCloser(bytes.NewReader(rec.Body.Bytes())), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	require.NoError(t, openapi3filter.ValidateResponse(ctx, out), "%s answered %d: %s", what, rec.Code, rec.Body.String())

	op := route.Method + " " + route.Path
	if !slices.Contains(c.seen[op], rec.Code) {
		c.seen[op] = append(c.seen[op], rec.Code)
	}
	return rec
}

// The conformance test: a campaign's life through the API, every operation with
// its success and the refusals clients meet, each request and answer checked
// against the document.
func TestOpenAPIAnswersMatchTheDocument(t *testing.T) {
	f := newOpenAPIFixture(t)
	c := newOpenAPIConformance(t, f)
	ctx := context.Background()

	// Probes.
	f.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Once()
	f.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(nil, errors.New("connection refused")).Once()
	c.do(t, openAPICall{method: "GET", path: "/healthz", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/readyz", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/readyz", status: 503, code: "temporal_unavailable"})
	c.do(t, openAPICall{method: "GET", path: "/metrics", status: 200})

	// Who may call.
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns", status: 401, code: "unauthenticated", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns", token: "tok-nobody", status: 401, code: "invalid_token"})

	// Opinions as the workflows leave them in the reporting store.
	closedAt := fixedNow.Add(-48 * time.Hour)
	yes := true
	f.project(t, newOpinion("in-progress", assigned(domain.StateInProgress, "official", deptA, "2025-06-13", domain.LevelDueSoon),
		func(o *domain.Opinion) {
			o.Signed, o.SuggestedCategory, o.Measures = true, "群众需要解决的问题", "更换路灯"
			o.Extra = map[string]string{"序号": "5", "备注": "夜间"}
			o.HighestLevel, o.HighestLevelAt = domain.LevelDueSoon, fixedNow.Add(-time.Hour)
			o.PendingExtension = &domain.Extension{Until: "2025-06-20", Reason: "灯杆需更换", RequestedBy: "official", RequestedAt: fixedNow}
		}))
	f.project(t, newOpinion("closed", assigned(domain.StateClosed, "official", deptA, "2025-06-06", domain.LevelNone),
		func(o *domain.Opinion) {
			o.Signed, o.OnTime, o.ClosedAt, o.WorkingDaysToClose = true, true, closedAt, 4
			o.HighestLevel, o.Satisfaction, o.SubmittedBy, o.VerifiedBy = domain.LevelNone, "satisfied", "official", "verifier"
			o.Measures, o.Evidence = "已更换路灯", "现场照片"
			o.Rounds = []domain.Round{{Measures: "已更换路灯", Evidence: "现场照片", SubmittedBy: "official", SubmittedAt: closedAt.Add(-24 * time.Hour),
				VerifiedBy: "verifier", Passed: &yes, Reason: "现场核查属实", VerifiedAt: closedAt.Add(-2 * time.Hour)}}
			o.Callbacks = []domain.Callback{{At: closedAt, By: "office", Satisfaction: "satisfied", Note: "电话回访", First: true}}
		}))
	f.project(t, newOpinion("assigned", assigned(domain.StateAssigned, "official", deptA, "2025-06-20", domain.LevelNone)))
	f.project(t, newOpinion("categorized", func(o *domain.Opinion) {
		o.State, o.Category = domain.StateCategorized, "群众需要解决的问题"
	}))
	f.project(t, newOpinion("received", func(o *domain.Opinion) {
		o.Content, o.WrittenDepartment = "窗口排队太久", "城管局"
	}))

	// Campaigns.
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns", as: "verifier", status: 200})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "office", status: 201, body: `{
		"id": "zt-2025", "name": "主题教育整改 2025",
		"categories": [{"name": "道路", "speed": "immediate", "keywords": ["路灯", "积水"]}, {"name": "制度漏洞", "speed": "long_term", "aliases": ["制度缺失"]}],
		"departments": ["城管科", "民政科"],
		"channels": [{"name": "hotline", "aliases": ["热线", "12345"]}, {"name": "民情恳谈会"}],
		"policy": {"max_extensions": 1, "callback_required": true}}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "office", status: 201, body: `{"name": "第三批"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "office", status: 409, code: "campaign_exists", body: `{"id": "zt-2025", "name": "again"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "leader", status: 403, code: "forbidden", body: `{"name": "x"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "office", status: 400, code: "unknown_field", body: `{"nmae": "x"}`, docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "office", status: 422, code: "invalid_campaign",
		body: `{"name": "x", "categories": [{"name": "道路"}, {"name": "道路"}]}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns", as: "office", status: 413, code: "body_too_large",
		body: `{"name": "` + strings.Repeat("x", maxBody) + `"}`, docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/zt-2025", as: "official", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/nope", as: "official", status: 404, code: "campaign_not_found"})

	// Settings and their record.
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/campaigns/zt-2025", as: "office", status: 200, body: `{
		"revision": 0, "name": "主题教育整改 2025（第二批）",
		"categories": [{"name": "窨井盖安全", "speed": "immediate", "working_days": 4}, {"name": "道路交通", "renamed_from": "道路"}, {"name": "制度漏洞", "retired": true}],
		"departments": [{"name": "城管科", "aliases": ["城市管理科"]}, "住建局"],
		"channels": ["民情走访"],
		"policy": {"max_extensions": 2, "callback_required": false}}`})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/campaigns/zt-2025", as: "office", status: 409, code: "campaign_changed", body: `{"revision": 0, "name": "x"}`})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/campaigns/zt-2025", as: "office", status: 422, code: "invalid_campaign",
		body: `{"departments": [{"name": "民政科", "renamed_from": "不存在的科室"}]}`})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/campaigns/zt-2025", as: "official", status: 403, code: "forbidden", body: `{"name": "x"}`})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/campaigns/nope", as: "office", status: 404, code: "campaign_not_found", body: `{"name": "x"}`})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/zt-2025/changes", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/zt-2025/changes?limit=2", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/zt-2025/changes?limit=0", as: "office", status: 422, code: "invalid_limit", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/zt-2025/changes?limt=2", as: "office", status: 422, code: "unknown_parameter"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/zt-2025/changes", as: "official", status: 403, code: "forbidden"})

	// Submitting opinions.
	f.expectStart(t)
	submit := `{"key": "RX-0609-01", "content": "小区路灯坏了两个月没人修", "channel": "热线", "collected_at": "2025-06-09",
		"submitter": "张三", "phone": "0373-5771293", "target": "班子", "department": "城管局", "extra": {"序号": "1"}}`
	rec := c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/opinions", as: "office", status: 201, body: submit})
	submitted := decodeAs[SubmittedView](t, rec)
	require.NotEmpty(t, submitted.Warnings, "an unknown department is a warning")
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/opinions", as: "office", status: 200, body: submit})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/opinions", as: "office", status: 409, code: "key_conflict",
		body: `{"key": "RX-0609-01", "content": "别的意见", "channel": "hotline", "collected_at": "2025-06-09"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/opinions", as: "office", status: 422, code: "invalid_phone",
		body: `{"content": "道路积水", "channel": "hotline", "collected_at": "2025-06-09", "phone": "12345"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/opinions", as: "office", status: 400, code: "malformed_json",
		body: `{"content": 1}`, docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/nope/opinions", as: "office", status: 404, code: "campaign_not_found", body: submit})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/opinions", as: "leader", status: 403, code: "forbidden", body: submit})

	// Reading opinions.
	rec = c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions?campaign=c1&limit=2", as: "office", status: 200})
	require.NotEmpty(t, decodeAs[listBody](t, rec).NextPageToken)
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions?campaign=c1&limit=2&page_token=2", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions?assignee=me&overdue=false&state=in_progress", as: "official", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions?leader=me&department=" + deptA, as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions?state=open", as: "office", status: 422, code: "invalid_state", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions?status=open", as: "office", status: 422, code: "unknown_parameter"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions/in-progress", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions/closed", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions/received", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions/" + submitted.ID, as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions/in-progress", as: "official2", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/opinions/nope", as: "office", status: 404, code: "opinion_not_found"})

	// Actions.
	before, err := f.store.Opinion(ctx, "assigned")
	require.NoError(t, err)
	after := before
	after.State, after.Signed, after.Revision, after.UpdatedAt = domain.StateInProgress, true, 2, fixedNow
	after.Timeline = append(slices.Clone(before.Timeline), domain.Event{Seq: 2, At: fixedNow, Actor: "official",
		Action: domain.ActionSign, From: domain.StateAssigned, To: domain.StateInProgress})
	f.expectAction(t, nil, &after)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/assigned/actions/sign", as: "official", status: 200})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/in-progress/actions/sign", as: "official", status: 409, code: "wrong_state", body: `{}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/categorized/actions/assign", as: "office", status: 422, code: "invalid_official",
		body: `{"department": "住建局", "official": "nobody", "leader": "leader", "deadline": "2025-06-20"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/received/actions/reject", as: "verifier", status: 403, code: "office_only",
		body: `{"reason": "不属整改范围"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/received/actions/approve", as: "office", status: 404, code: "unknown_action",
		body: `{}`, docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/nope/actions/cancel", as: "office", status: 404, code: "opinion_not_found",
		body: `{"reason": "重复"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/received/actions/reject", as: "office", status: 400, code: "malformed_json",
		body: `{"reason": 1}`, docRefuses: true})
	f.expectAction(t, rejection(domain.ErrInvalid, "reason is required", "reason_required"), nil)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/received/actions/cancel", as: "office", status: 422, code: "reason_required",
		body: `{"reason": ""}`})
	f.expectAction(t, serviceerror.NewResourceExhausted(enumspb.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT, "busy"), nil)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/received/actions/categorize", as: "office", status: 429, code: "throttled",
		body: `{"category": "服务态度和效率"}`})

	// Evidence files.
	attachments := openAPICall{method: "POST", path: "/api/v1/opinions/in-progress/attachments", as: "official", status: 201}
	rec = c.upload(t, attachments, "整改后.png", string(attachmenttest.PNG(t, 400, 300)))
	photo := decodeAs[domain.AttachmentRef](t, rec)
	rec = c.upload(t, attachments, "验收单.pdf", string(attachmenttest.PDF()))
	doc := decodeAs[domain.AttachmentRef](t, rec)
	refused := attachments
	refused.status, refused.code = 422, "attachment_type"
	c.upload(t, refused, "整改后.jpg", "<!DOCTYPE html><script>alert(1)</script>")
	refused.as, refused.status, refused.code = "verifier", 403, "forbidden"
	c.upload(t, refused, "整改后.png", string(attachmenttest.PNG(t, 8, 8)))
	refused.as, refused.path, refused.status, refused.code = "official", "/api/v1/opinions/closed/attachments", 409, "wrong_state"
	c.upload(t, refused, "整改后.png", string(attachmenttest.PNG(t, 8, 8)))
	refused.path, refused.status, refused.code = "/api/v1/opinions/nope/attachments", 404, "opinion_not_found"
	c.upload(t, refused, "整改后.png", string(attachmenttest.PNG(t, 8, 8)))
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/in-progress/attachments", as: "official", contentType: "image/png",
		body: string(attachmenttest.PNG(t, 8, 8)), status: 400, code: "not_multipart", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/attachments/" + photo.ID, as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/attachments/" + doc.ID, as: "official", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/attachments/" + photo.ID, as: "official2", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/attachments/" + strings.Repeat("0", 36), as: "office", status: 404, code: "attachment_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/attachments/" + photo.ID + "/thumbnail", as: "verifier", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/attachments/" + doc.ID + "/thumbnail", as: "verifier", status: 404, code: "thumbnail_not_found"})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/opinions/in-progress/actions/submit", as: "official", status: 422, code: "attachment_not_found",
		body: `{"measures": "已更换路灯", "evidence": "见照片", "attachments": ["3b2f1c6e-8a7d-4e5f-9b0a-1c2d3e4f5a6b"]}`})

	// Figures and ledgers.
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/stats", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/stats", as: "official", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/nope/stats", as: "office", status: 404, code: "campaign_not_found"})
	rec = c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger", as: "office", status: 200})
	require.Contains(t, rec.Body.String(), "0373-5771293")
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger?open=true", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger?open=maybe", as: "office", status: 422, code: "invalid_open", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger?opne=true", as: "office", status: 422, code: "unknown_parameter"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger", as: "leader", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/nope/ledger", as: "office", status: 404, code: "campaign_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger.xlsx", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger.xlsx", as: "verifier", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger.csv?open=true", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger.csv?open=yes", as: "leader", status: 422, code: "invalid_open", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/nope/ledger.csv", as: "leader", status: 404, code: "campaign_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger.xlsx?until=2025-06-11", as: "leader", status: 422, code: "until_after_today"})

	// Progress reports.
	reportAt := time.Date(2025, 6, 9, 10, 0, 0, 0, time.UTC)
	kept, _, err := f.svc.MakeScheduledReport(ctx, "c1", reportAt)
	require.NoError(t, err)
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/reports/progress.xlsx", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/reports/progress.xlsx?until=2025-06-09&lang=en", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/reports/progress.xlsx?until=2025-13-01", as: "leader", status: 422, code: "until_format", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/reports/progress.xlsx", as: "official", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/nope/reports/progress.xlsx", as: "leader", status: 404, code: "campaign_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/reports", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/reports", as: "verifier", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/nope/reports", as: "office", status: 404, code: "campaign_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/reports/" + kept.ID + ".xlsx", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/reports/" + kept.ID + ".xlsx?lang=fr", as: "office", status: 422, code: "invalid_lang", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/reports/nope.xlsx", as: "leader", status: 404, code: "report_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/reports/" + kept.ID + ".xlsx", as: "official", status: 403, code: "forbidden"})

	// Imports.
	f.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BatchWorkflowName, mock.Anything).Return(mocks.NewWorkflowRun(t), nil)
	ledger := "编号,意见内容,来源,收集时间,反映人,联系电话,责任单位\n" +
		"A1,幸福路东段路面坑洼多年未修,热线,2025-06-09,李四,13900139000,住建局\n" +
		"A2,农贸市场周边垃圾清运不及时,电报,2025-06-09,王五,,\n" +
		"A3,下水道堵塞，污水漫到人行道上,走访,2025-06-08,,,城管局\n" +
		"RX-0609-01,小区路灯坏了两个月没人修,热线,2025-06-09,张三,0373-5771293,住建局\n"
	batches := openAPICall{method: "POST", path: "/api/v1/campaigns/c1/batches", as: "office"}
	ok, dry, refused := batches, batches, batches
	ok.status, dry.status, refused.status = 201, 200, 422
	rec = c.upload(t, ok, "六月台账.csv", ledger)
	batch := decodeAs[service.BatchView](t, rec)
	require.Equal(t, 1, batch.Rejected)
	require.Equal(t, 1, batch.AcceptedWithWarnings)
	c.upload(t, dry, "六月台账.csv", ledger, "dry_run", "true")
	c.upload(t, ok, "六月台账.csv", ledger, "strict", "yes")
	refused.code = "file_unsupported_format"
	c.upload(t, refused, "台账.txt", ledger)
	refused.code, refused.docRefuses = "invalid_strict", true
	c.upload(t, refused, "台账.csv", ledger, "strict", "maybe")
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/batches", as: "office", contentType: "text/csv", body: ledger,
		status: 400, code: "not_multipart", docRefuses: true})
	leader := batches
	leader.as, leader.status, leader.code = "leader", 403, "forbidden"
	c.upload(t, leader, "六月台账.csv", ledger)
	nope := batches
	nope.path, nope.status, nope.code = "/api/v1/campaigns/nope/batches", 404, "campaign_not_found"
	c.upload(t, nope, "六月台账.csv", ledger)

	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID, as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID, as: "verifier", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/b-nope", as: "office", status: 404, code: "batch_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID + "/rejections.csv", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID + "/rejections.xlsx", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID + "/rejections.pdf", as: "office", status: 404, code: "unknown_format", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/b-nope/rejections.csv", as: "office", status: 404, code: "batch_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID + "/rejections.csv", as: "leader", status: 403, code: "forbidden"})

	// Bulks.
	for _, id := range []string{"bulk-1", "bulk-2", "bulk-3"} {
		f.project(t, newOpinion(id))
	}
	f.project(t, newOpinion("bulk-rejected", func(o *domain.Opinion) { o.State = domain.StateRejected }))
	bulks := f.expectBulks(t)
	bulk := func(as, campaign, body string, status int, code string, docRefuses bool) *httptest.ResponseRecorder {
		return c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/" + campaign + "/bulk", as: as, body: body,
			status: status, code: code, docRefuses: docRefuses})
	}
	rec = bulk("office", "c1", `{"action": "categorize", "opinions": ["bulk-1", "bulk-2", "in-progress"], "body": {"category": "群众需要解决的问题"}}`, 200, "", false)
	done := decodeAs[BulkAnswer](t, rec)
	require.Equal(t, []int{2, 1}, []int{done.Done, done.Refused})
	bulks.unfinished = true
	bulk("office", "c1", `{"action": "reject", "opinions": ["bulk-3"], "body": {"reason": "不属整改范围"}}`, 202, "", false)
	bulk("office", "c1", `{"action": "sign", "opinions": ["bulk-3"]}`, 422, "bulk_action_unsupported", true)
	bulk("office", "c1", `{"action": "reject", "opinions": ["bulk-3", "bulk-3"], "body": {"reason": "重复"}}`, 422, "duplicate_opinion", true)
	bulk("office", "c1", `{"action": "reject", "opinions": ["bulk-3"], "body": {}}`, 422, "reason_required", false)
	bulk("office", "c1", `{"action": "merge", "opinions": ["bulk-3"], "body": {"into": "bulk-rejected"}}`, 409, "into_final", false)
	bulk("office", "c1", `{"action": "reject", "opinions": ["bulk-3"], "reason": "重复"}`, 400, "unknown_field", true)
	bulk("office", "nope", `{"action": "reject", "opinions": ["bulk-3"], "body": {"reason": "重复"}}`, 404, "campaign_not_found", false)
	bulk("leader", "c1", `{"action": "reject", "opinions": ["bulk-3"], "body": {"reason": "重复"}}`, 403, "forbidden", false)
	c.do(t, openAPICall{method: "GET", path: "/api/v1/bulks/" + done.ID, as: "office", status: 200})
	rec = c.do(t, openAPICall{method: "GET", path: "/api/v1/bulks/" + done.ID + "?limit=1", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/bulks/" + done.ID + "?limit=1&page_token=" + decodeAs[BulkAnswer](t, rec).NextPageToken, as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/bulks/" + done.ID + "?limit=0", as: "office", status: 422, code: "invalid_limit", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/bulks/k-nope", as: "office", status: 404, code: "bulk_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/bulks/" + done.ID, as: "verifier", status: 403, code: "forbidden"})

	// Problems and their tasks as the workflows leave them in the reporting store.
	problem := domain.Problem{ID: "P-1", CampaignID: "c1", Title: "路灯失修", Category: "群众需要解决的问题", State: domain.ProblemOpen,
		Opinions: []string{"in-progress"}, Tasks: []domain.TaskSummary{{ID: "T-1-1", Lead: deptA, CoUnits: []string{deptB}, Official: "official", Leader: "leader"}},
		CreatedBy: "office", CreatedAt: fixedNow, UpdatedAt: fixedNow, Revision: 2,
		Timeline: []domain.Event{{Seq: 1, At: fixedNow, Actor: "office", Action: "create"}, {Seq: 2, At: fixedNow, Actor: "office", Action: "add-task"}}}
	require.NoError(t, f.store.ProjectProblem(ctx, problem))
	f.project(t, newOpinion("T-1-1", assigned(domain.StateAssigned, "official", deptA, "2025-06-20", domain.LevelNone), func(o *domain.Opinion) {
		o.Task = &domain.TaskPart{Problem: "P-1", ProblemTitle: "路灯失修", CoUnits: []string{deptB}}
	}))
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/problems", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/problems/P-1", as: "official", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/problems/P-nope", as: "office", status: 404, code: "problem_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/tasks?campaign=c1&open=true", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/tasks?open=maybe", as: "office", status: 422, code: "invalid_open", docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/problems", as: "office", status: 422, code: "opinions_required",
		body: `{"title": "路灯失修", "opinions": []}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/problems", as: "leader", status: 403, code: "forbidden",
		body: `{"title": "路灯失修", "opinions": ["in-progress"]}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/problems/P-1/tasks", as: "office", status: 422, code: "invalid_co_units",
		body: `{"lead": "` + deptA + `", "co_units": ["` + deptA + `"], "official": "official", "leader": "leader"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/problems/P-nope/tasks", as: "office", status: 404, code: "problem_not_found",
		body: `{"lead": "` + deptA + `", "official": "official", "leader": "leader"}`})
	// Publications (公示).
	rec = c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/publications", as: "office", status: 201,
		body: `{"title": "第一批整改情况公示", "from": "2025-06-10", "to": "2025-06-16", "opinions": ["closed"]}`})
	pub := decodeAs[service.Publication](t, rec)
	require.Len(t, pub.Items, 1)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/publications", as: "office", status: 422, code: "invalid_to",
		body: `{"from": "2025-06-10", "to": "2025-06-09", "opinions": ["closed"]}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/publications", as: "office", status: 400, code: "malformed_json", body: `{"from": `, docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/c1/publications", as: "leader", status: 403, code: "forbidden",
		body: `{"from": "2025-06-10", "to": "2025-06-16", "opinions": ["closed"]}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/campaigns/nope/publications", as: "office", status: 404, code: "campaign_not_found",
		body: `{"from": "2025-06-10", "to": "2025-06-16", "opinions": ["closed"]}`})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/publications", as: "leader", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/publications", as: "official", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/publications/" + pub.ID, as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/publications/nope", as: "office", status: 404, code: "publication_not_found"})

	// Notifications: a person's own addresses, and the office's delivery record.
	c.do(t, openAPICall{method: "GET", path: "/api/v1/me/notifications", as: "official", status: 200})
	c.do(t, openAPICall{method: "PUT", path: "/api/v1/me/notifications", as: "official", status: 200,
		body: `{"dingtalk_webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc", "dingtalk_secret": "SEC1", "email": "w@example.gov.cn", "lang": "zh"}`})
	rec = c.do(t, openAPICall{method: "PUT", path: "/api/v1/me/notifications", as: "official", status: 200,
		body: `{"dingtalk_webhook": "https://oapi.dingtalk.com/robot/send?access_token=abc", "email": "w@example.gov.cn"}`})
	require.True(t, decodeAs[MyAddresses](t, rec).DingTalkSecretSet, "a secret left out is kept")
	require.NotContains(t, rec.Body.String(), "SEC1", "a secret is never sent back")
	c.do(t, openAPICall{method: "PUT", path: "/api/v1/me/notifications", as: "official", status: 422, code: "invalid_notify_address",
		body: `{"wecom_webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"}`})
	c.do(t, openAPICall{method: "PUT", path: "/api/v1/me/notifications", as: "official", status: 400, code: "unknown_field",
		body: `{"phone": "13900000000"}`, docRefuses: true})
	dl := notify.Delivery{ID: "d-failed", NotificationKey: "in-progress/3", Kind: domain.ActionAssign, OpinionID: "in-progress", CampaignID: "c1",
		Recipient: "user:official", Channel: notify.ChannelDingTalk, Target: "oapi.dingtalk.com", MaxAttempts: 1,
		Message: notify.Message{Title: "【交办】K-1", Lines: []string{"整改时限：2025-06-20"}}, CreatedAt: fixedNow}
	require.NoError(t, f.store.EnqueueDeliveries(ctx, []notify.Delivery{dl}))
	claimed, err := f.store.ClaimDeliveries(ctx, fixedNow, 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	require.NoError(t, f.store.DeliveryAttempted(ctx, claimed[0], fixedNow, "dingtalk answered 200 OK with errcode 310000: sign not match", time.Time{}))
	c.do(t, openAPICall{method: "GET", path: "/api/v1/notifications?status=failed&channel=dingtalk&recipient=user:official&limit=10", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/notifications?status=lost", as: "office", status: 422, code: "invalid_status", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/notifications", as: "official", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/notifications/d-failed", as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/notifications/d-nope", as: "office", status: 404, code: "notification_not_found"})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/notifications/d-failed/resend", as: "leader", status: 403, code: "forbidden"})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/notifications/d-failed/resend", as: "office", status: 200})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/notifications/d-failed/resend", as: "office", status: 409, code: "not_failed"})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/notifications/d-nope/resend", as: "office", status: 404, code: "notification_not_found"})

	// The access log of all that.
	rec = c.do(t, openAPICall{method: "GET", path: "/api/v1/audit?limit=2", as: "office", status: 200})
	cursor := decodeAs[struct {
		NextCursor string `json:"next_cursor"`
	}](t, rec).NextCursor
	require.NotEmpty(t, cursor)
	c.do(t, openAPICall{method: "GET", path: "/api/v1/audit?user=me&action=export_personal_data&since=2025-06-01&until=2025-06-10T12:00:00%2B08:00&cursor=" + cursor,
		as: "office", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/audit?action=read", as: "office", status: 422, code: "invalid_action", docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/audit?since=2025-06-10&until=2025-06-09", as: "office", status: 422, code: "invalid_until"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/audit", as: "leader", status: 403, code: "forbidden"})

	// Users, their tokens and passwords.
	f.addUser(t, user.User{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/users", as: "admin", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/users", as: "office", status: 403, code: "forbidden"})
	rec = c.do(t, openAPICall{method: "POST", path: "/api/v1/users", as: "admin", status: 201,
		body: `{"username": "wang.lei", "name": "城管科 王磊", "roles": ["official"], "department": "` + deptA + `", "campaigns": ["c1"]}`})
	first := decodeAs[service.Created](t, rec).Password
	require.NotEmpty(t, first)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/users", as: "admin", status: 409, code: "user_exists", body: `{"username": "wang.lei", "roles": ["official"]}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/users", as: "admin", status: 422, code: "invalid_user_password",
		body: `{"username": "li", "roles": ["official"], "password": "short"}`, docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/users", as: "admin", status: 400, code: "unknown_field", body: `{"user": "li"}`, docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/users/wang.lei", as: "admin", status: 200})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/users/nobody", as: "admin", status: 404, code: "user_not_found"})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/users/wang.lei", as: "admin", status: 200, body: `{"roles": ["official", "verifier"]}`})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/users/admin", as: "admin", status: 409, code: "own_admin", body: `{"active": false}`})
	c.do(t, openAPICall{method: "PATCH", path: "/api/v1/users/wang.lei", as: "admin", status: 422, code: "invalid_user_roles", body: `{"roles": []}`, docRefuses: true})
	rec = c.do(t, openAPICall{method: "POST", path: "/api/v1/users/wang.lei/tokens", as: "admin", status: 201, body: `{"name": "每周导入脚本"}`})
	issued := decodeAs[service.IssuedToken](t, rec)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/users/wang.lei/tokens", as: "admin", status: 422, code: "invalid_token_name", body: `{"name": ""}`, docRefuses: true})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/me", token: issued.Token, status: 200})
	rec = c.do(t, openAPICall{method: "POST", path: "/api/v1/users/wang.lei/password", as: "admin", status: 200, body: `{}`})
	temp := decodeAs[map[string]any](t, rec)["password"].(string)
	c.do(t, openAPICall{method: "POST", path: "/api/v1/users/wang.lei/password", as: "admin", status: 422, code: "invalid_user_password", body: `{"password": "short"}`, docRefuses: true})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/me/password", token: issued.Token, status: 422, code: "invalid_current_password",
		body: `{"current_password": "` + first + `", "new_password": "a-long-new-password"}`})
	c.do(t, openAPICall{method: "POST", path: "/api/v1/me/password", token: issued.Token, status: 200,
		body: `{"current_password": "` + temp + `", "new_password": "a-long-new-password"}`})
	c.do(t, openAPICall{method: "DELETE", path: "/api/v1/users/wang.lei/tokens/" + issued.ID, as: "admin", status: 200})
	c.do(t, openAPICall{method: "DELETE", path: "/api/v1/users/wang.lei/tokens/nope", as: "admin", status: 404, code: "token_not_found"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/me", token: issued.Token, status: 401, code: "invalid_token"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/audit?action=user_token_revoke", as: "admin", status: 200})

	// Exports of personal data go only once recorded.
	f.breakAuditLog(t)
	c.do(t, openAPICall{method: "GET", path: "/api/v1/campaigns/c1/ledger", as: "office", status: 503, code: "audit_unavailable"})
	c.do(t, openAPICall{method: "GET", path: "/api/v1/batches/" + batch.ID + "/rejections.xlsx", as: "office", status: 503, code: "audit_unavailable"})

	// Every documented operation was exercised.
	var missing []string
	total := 0
	for op := range documentedOperations(c.doc) {
		if len(c.seen[op]) == 0 {
			missing = append(missing, op)
		}
		total += len(c.seen[op])
	}
	require.Empty(t, missing, "operations the test never exercised")
	t.Logf("%d operations, %d operation-status pairs exercised", len(c.seen), total)
}
