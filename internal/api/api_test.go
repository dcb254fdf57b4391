package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/intake"
	"rectify/internal/service"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
	"rectify/workflows"
)

// fixedNow is Tuesday 2025-06-10, 10:00 in the campaigns' time zone (UTC+8): an
// ordinary working week, clear of the Dragon Boat holiday that ended on 06-02.
var fixedNow = time.Date(2025, 6, 10, 2, 0, 0, 0, time.UTC)

const (
	campaignID = "c1"
	deptA      = "住建局"
	deptB      = "民政局"
)

// The demo's people; each one's API token is "tok-<username>".
var testUsers = []user.User{
	{Username: "office", Name: "办公室", Roles: []domain.Role{domain.RoleOffice}},
	{Username: "official", Name: "王科长", Roles: []domain.Role{domain.RoleOfficial}, Department: deptA},
	{Username: "official2", Name: "李科长", Roles: []domain.Role{domain.RoleOfficial}, Department: deptB},
	{Username: "verifier", Name: "赵核查", Roles: []domain.Role{domain.RoleVerifier}},
	{Username: "leader", Name: "刘书记", Roles: []domain.Role{domain.RoleLeader}},
}

func tokenOf(username string) string { return "tok-" + username }

type fixture struct {
	svc *service.Service
	api *Server
	// config and apiConfig make svc and api: a test changes them, then builds again.
	config    service.Config
	apiConfig Config
	store     *store.Store
	temporal  *mocks.Client
	handler   http.Handler
	// dbPath is the store's SQLite file.
	dbPath string
}

// newFixture builds the API on a real store and user directory with Temporal
// mocked, and creates campaign c1 (departments 住建局 and 民政局, default categories).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "rectify.db")
	st, err := store.Open(dbPath)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })

	users := make([]user.User, len(testUsers))
	for i, u := range testUsers {
		u.TokenHashes = []string{user.HashToken(tokenOf(u.Username))}
		users[i] = u
	}
	dir, err := user.New(users)
	require.NoError(t, err)

	tc := mocks.NewClient(t)
	logger := slog.New(slog.DiscardHandler)
	f := &fixture{store: st, temporal: tc, dbPath: dbPath}
	f.config = service.Config{
		Temporal: tc, Store: st, Users: dir, Calendar: calendar.Default(),
		Logger: logger, Now: func() time.Time { return fixedNow },
	}
	f.apiConfig = Config{Logger: logger}
	f.build()
	f.createCampaign(t, campaignID, deptA, deptB)
	return f
}

// build (re)makes the service and the API of the fixture's configurations.
func (f *fixture) build() {
	f.svc = service.New(f.config)
	f.api = New(f.svc, f.apiConfig)
	f.handler = english(f.api.Handler())
}

func (f *fixture) createCampaign(t *testing.T, id string, departments ...string) {
	t.Helper()
	office, _ := f.svc.User("office")
	_, err := f.svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: id, Name: "主题教育 " + id, Departments: departments})
	require.NoError(t, err)
}

// do sends one request as username ("" sends no Authorization header).
func (f *fixture) do(t *testing.T, method, path, username, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if username != "" {
		req.Header.Set("Authorization", "Bearer "+tokenOf(username))
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// project writes an opinion into the reporting store, as the workflow would.
func (f *fixture) project(t *testing.T, o domain.Opinion) {
	t.Helper()
	require.NoError(t, f.store.ProjectOpinion(context.Background(), o))
}

// decodeAs reads a JSON response body into T.
func decodeAs[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	var v T
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &v), "body: %s", rec.Body.String())
	return v
}

// english reads the API as an English client does: a request that names no
// language asks for English, so the tests read the server's own English
// messages. Tests of the Chinese answers set their Accept-Language themselves.
func english(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Language") == "" {
			r.Header.Set("Accept-Language", "en")
		}
		h.ServeHTTP(w, r)
	})
}

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// requireError checks the status, the error code and that the message contains
// every one of parts.
func requireError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string, parts ...string) {
	t.Helper()
	require.Equal(t, status, rec.Code, "body: %s", rec.Body.String())
	e := decodeAs[apiError](t, rec)
	require.Equal(t, code, e.Error.Code, "message: %s", e.Error.Message)
	require.NotEmpty(t, e.Error.Message)
	for _, p := range parts {
		require.Contains(t, e.Error.Message, p)
	}
}

// listBody is the answer of GET /api/v1/opinions.
type listBody struct {
	Opinions      []service.OpinionView `json:"opinions"`
	Total         int                   `json:"total"`
	NextPageToken string                `json:"next_page_token"`
}

func ids(views []service.OpinionView) []string {
	out := make([]string, len(views))
	for i, v := range views {
		out[i] = v.ID
	}
	return out
}

// newOpinion is a received opinion in campaign c1 with a citizen's name and phone;
// mods shape it further.
func newOpinion(id string, mods ...func(*domain.Opinion)) domain.Opinion {
	at := fixedNow.Add(-24 * time.Hour)
	o := domain.Opinion{
		ID: id, CampaignID: campaignID, Key: id, Content: "小区路灯坏了一个月", Channel: "hotline",
		CollectedAt: "2025-06-01", Submitter: "张三", Phone: "13800138000",
		State: domain.StateReceived, OverdueLevel: domain.LevelNone,
		CreatedAt: at, UpdatedAt: at, Revision: 1,
		Timeline: []domain.Event{{Seq: 1, At: at, Actor: "office", Action: domain.EventReceived, To: domain.StateReceived}},
	}
	for _, m := range mods {
		m(&o)
	}
	return o
}

// assigned puts an opinion in state with official of department and a deadline.
func assigned(state domain.State, official, department, deadline string, level domain.OverdueLevel) func(*domain.Opinion) {
	return func(o *domain.Opinion) {
		o.State, o.Official, o.Department, o.Leader = state, official, department, "leader"
		o.Category = "群众需要解决的问题"
		o.Schedule.Deadline = deadline
		o.Schedule.Explanation = "5 个工作日"
		o.OverdueLevel = level
	}
}

func TestHealthzNeedsNoToken(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, http.MethodGet, "/healthz", "", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, map[string]string{"status": "ok"}, decodeAs[map[string]string](t, rec))
}

// Answers carry citizens' personal data: no browser or proxy may keep a copy of
// any of them, a download or a refusal included.
func TestAnswersAreNeverStoredInACache(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ path, username string }{
		{"/api/v1/campaigns", "office"},
		{"/api/v1/opinions?campaign=" + campaignID, "office"},
		{"/api/v1/campaigns/" + campaignID + "/ledger.csv", "office"},
		{"/api/v1/campaigns", ""},
		{"/api/v1/nope", "office"},
		{"/healthz", ""},
	} {
		rec := f.do(t, http.MethodGet, tt.path, tt.username, "")
		require.Equal(t, "no-store", rec.Header().Get("Cache-Control"), "%s as %q (%d)", tt.path, tt.username, rec.Code)
	}
}

func TestReadyz(t *testing.T) {
	f := newFixture(t)
	f.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(&client.CheckHealthResponse{}, nil).Once()
	rec := f.do(t, http.MethodGet, "/readyz", "", "")
	require.Equal(t, http.StatusOK, rec.Code)

	f.temporal.On("CheckHealth", mock.Anything, mock.Anything).Return(nil, errors.New("connection refused")).Once()
	rec = f.do(t, http.MethodGet, "/readyz", "", "")
	requireError(t, rec, http.StatusServiceUnavailable, "temporal_unavailable")
	require.NotContains(t, rec.Body.String(), "connection refused")
}

func TestUnauthenticated(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, header, code, challenge string
	}{
		{"no header", "", "unauthenticated", `Bearer realm="rectify"`},
		{"basic scheme", "Basic b2ZmaWNlOm9mZmljZQ==", "unauthenticated", `Bearer realm="rectify"`},
		{"token without scheme", tokenOf("office"), "unauthenticated", `Bearer realm="rectify"`},
		{"empty token", "Bearer ", "invalid_token", `Bearer realm="rectify", error="invalid_token"`},
		{"unknown token", "Bearer tok-nobody", "invalid_token", `Bearer realm="rectify", error="invalid_token"`},
		{"token hash instead of token", "Bearer " + user.HashToken(tokenOf("office")), "invalid_token", `Bearer realm="rectify", error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/campaigns", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			rec := httptest.NewRecorder()
			f.handler.ServeHTTP(rec, req)
			requireError(t, rec, http.StatusUnauthorized, tt.code)
			require.Equal(t, tt.challenge, rec.Header().Get("WWW-Authenticate"))
		})
	}
}

// The scheme of an Authorization header is case-insensitive (RFC 9110 §11.1);
// OAuth libraries often send "bearer" as the token type they were given.
func TestBearerSchemeIsCaseInsensitive(t *testing.T) {
	f := newFixture(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/campaigns", nil)
		req.Header.Set("Authorization", scheme+" "+tokenOf("leader"))
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code, "scheme %q: %s", scheme, rec.Body.String())
	}
}

func TestUnknownAPIPath(t *testing.T) {
	f := newFixture(t)
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/api/v2/campaigns"},
		{http.MethodGet, "/api/v1/nothing"},
		{http.MethodDelete, "/api/v1/campaigns"},
	} {
		rec := f.do(t, tt.method, tt.path, "office", "")
		requireError(t, rec, http.StatusNotFound, "not_found", tt.method, tt.path)
	}
}

func TestCreateCampaignNeedsOffice(t *testing.T) {
	for _, tt := range []struct {
		username string
		status   int
	}{
		{"office", http.StatusCreated},
		{"official", http.StatusForbidden},
		{"verifier", http.StatusForbidden},
		{"leader", http.StatusForbidden},
	} {
		t.Run(tt.username, func(t *testing.T) {
			f := newFixture(t)
			rec := f.do(t, http.MethodPost, "/api/v1/campaigns", tt.username, `{"id": "c2", "name": "第二批"}`)
			if tt.status == http.StatusForbidden {
				requireError(t, rec, http.StatusForbidden, "forbidden", "roles: Campaign office")
				_, err := f.store.Campaign(context.Background(), "c2")
				require.ErrorIs(t, err, store.ErrNotFound, "a refused request must write nothing")
				return
			}
			require.Equal(t, tt.status, rec.Code, rec.Body.String())
		})
	}
}

func TestCreateCampaign(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", `{
		"id": " c2 ", "name": " 第二批 ",
		"categories": [{"name": "道路"}, {"name": "教育", "speed": "long_term"}],
		"departments": ["交通局"]}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	c := decodeAs[CampaignView](t, rec)
	require.Equal(t, "c2", c.ID)
	require.Equal(t, "第二批", c.Name)
	require.Equal(t, "office", c.CreatedBy)
	require.True(t, c.CreatedAt.Equal(fixedNow))
	require.Equal(t, []string{"交通局"}, c.Departments)
	require.Equal(t, []domain.CategoryPolicy{
		{Name: "道路", Speed: domain.SpeedDeadline, WorkingDays: 20},
		{Name: "教育", Speed: domain.SpeedLongTerm, WorkingDays: 60},
	}, c.Categories)
	require.Equal(t, 8*3600, c.Policy.UTCOffsetSeconds)

	// Without an id or categories, the campaign gets a generated id and the default categories.
	rec = f.do(t, http.MethodPost, "/api/v1/campaigns", "office", `{"name": "第三批"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	c3 := decodeAs[CampaignView](t, rec)
	require.True(t, strings.HasPrefix(c3.ID, "c-"), c3.ID)
	require.Len(t, c3.Categories, 8)
	require.Equal(t, []string{}, c3.Departments)

	// Everyone may read them back.
	rec = f.do(t, http.MethodGet, "/api/v1/campaigns/c2", "official", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "第二批", decodeAs[CampaignView](t, rec).Name)
	rec = f.do(t, http.MethodGet, "/api/v1/campaigns", "verifier", "")
	require.Equal(t, http.StatusOK, rec.Code)
	list := decodeAs[struct {
		Campaigns []CampaignView `json:"campaigns"`
	}](t, rec)
	var got []string
	for _, c := range list.Campaigns {
		got = append(got, c.ID)
	}
	require.ElementsMatch(t, []string{campaignID, "c2", c3.ID}, got)
}

func TestCreateCampaignWithExistingIDConflicts(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", `{"id": "c1", "name": "again"}`)
	requireError(t, rec, http.StatusConflict, "campaign_exists", `"c1"`)
	c, err := f.store.Campaign(context.Background(), campaignID)
	require.NoError(t, err)
	require.Equal(t, "主题教育 c1", c.Name, "the existing campaign is untouched")
}

func TestCreateCampaignInvalid(t *testing.T) {
	tests := []struct {
		name, body string
		parts      []string
	}{
		{"no name", `{"id": "c9"}`, []string{"name", "required"}},
		{"blank name", `{"name": "   "}`, []string{"name", "required"}},
		{"bad id", `{"id": "Bad_ID", "name": "x"}`, []string{"id"}},
		{"duplicate category", `{"name": "x", "categories": [{"name": "道路"}, {"name": " 道路"}]}`,
			[]string{"categories[1].name", `"道路" appears twice`}},
		{"category without name", `{"name": "x", "categories": [{"name": ""}]}`, []string{"categories[0].name"}},
		{"bad speed", `{"name": "x", "categories": [{"name": "a", "speed": "fast"}]}`, []string{"categories[0].speed"}},
		{"duplicate department", `{"name": "x", "departments": ["a", "a"]}`, []string{"departments[1]", "twice"}},
		{"categories twice", `{"name": "x", "categories": [{"name": "a"}], "policy": {"categories": [{"name": "b"}]}}`,
			[]string{"categories", "not both"}},
		{"policy out of range", `{"name": "x", "policy": {"max_extensions": 99}}`, []string{"policy.max_extensions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", tt.body)
			requireError(t, rec, http.StatusUnprocessableEntity, "invalid_campaign", tt.parts...)
			cs, err := f.store.Campaigns(context.Background())
			require.NoError(t, err)
			require.Len(t, cs, 1, "nothing is written")
		})
	}
}

func TestMalformedBodies(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("o1"))
	endpoints := []string{"/api/v1/campaigns", "/api/v1/campaigns/c1/opinions", "/api/v1/opinions/o1/actions/reject"}
	tests := []struct {
		name, body, code string
		parts            []string
	}{
		{"truncated", `{"name": "x"`, "malformed_json", []string{"not valid JSON"}},
		{"not JSON", `name=x`, "malformed_json", []string{"not valid JSON"}},
		{"wrong type", `[1]`, "malformed_json", []string{"not valid JSON"}},
		{"unknown field", `{"nmae": "x"}`, "unknown_field", []string{`unknown field "nmae"`}},
		{"two values", `{} {}`, "malformed_json", []string{"more than one JSON value"}},
		{"stray closing brace", `{}}`, "malformed_json", []string{"more than one JSON value"}},
		{"stray closing bracket", `{}]`, "malformed_json", []string{"more than one JSON value"}},
	}
	for _, path := range endpoints {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				rec := f.do(t, http.MethodPost, path, "office", tt.body)
				requireError(t, rec, http.StatusBadRequest, tt.code, tt.parts...)
			})
		}
	}
	t.Run("empty body", func(t *testing.T) {
		rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", "")
		requireError(t, rec, http.StatusBadRequest, "malformed_json")
	})
	t.Run("too large", func(t *testing.T) {
		body := `{"name": "` + strings.Repeat("x", maxBody) + `"}`
		rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", body)
		requireError(t, rec, http.StatusRequestEntityTooLarge, "body_too_large")
	})
	// Trailing whitespace after the one value is fine.
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns", "office", "{\"name\": \"x\"}\n\t ")
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
}

func TestNotFound(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, method, path, username, body, code string
		parts                                    []string
	}{
		{"campaign", http.MethodGet, "/api/v1/campaigns/nope", "official", "", "campaign_not_found", []string{`"nope"`}},
		{"campaign stats", http.MethodGet, "/api/v1/campaigns/nope/stats", "leader", "", "campaign_not_found", []string{`"nope"`}},
		{"campaign of a new opinion", http.MethodPost, "/api/v1/campaigns/nope/opinions", "office", `{}`, "campaign_not_found", []string{`"nope"`}},
		{"opinion", http.MethodGet, "/api/v1/opinions/nope", "official", "", "opinion_not_found", []string{`"nope"`}},
		{"opinion of an action", http.MethodPost, "/api/v1/opinions/nope/actions/sign", "official", "", "opinion_not_found", []string{`"nope"`}},
		{"action", http.MethodPost, "/api/v1/opinions/nope/actions/fly", "office", "", "unknown_action",
			[]string{`"fly"`, "categorize, merge, reject, assign, resolve, sign, return, request-extension, decide-extension, report-progress, submit, conclude, verify, callback, reopen, cancel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, tt.method, tt.path, tt.username, tt.body)
			requireError(t, rec, http.StatusNotFound, tt.code, tt.parts...)
		})
	}
}

func TestStatsNeedsLeaderOrOffice(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("o1"))
	f.project(t, newOpinion("o2", assigned(domain.StateInProgress, "official", deptA, "2025-06-05", domain.LevelOverdue)))
	for _, tt := range []struct {
		username string
		status   int
	}{
		{"leader", http.StatusOK},
		{"office", http.StatusOK},
		{"official", http.StatusForbidden},
		{"official2", http.StatusForbidden},
		{"verifier", http.StatusForbidden},
	} {
		t.Run(tt.username, func(t *testing.T) {
			rec := f.do(t, http.MethodGet, "/api/v1/campaigns/c1/stats", tt.username, "")
			if tt.status == http.StatusForbidden {
				requireError(t, rec, http.StatusForbidden, "forbidden", "roles: Leader, Campaign office")
				return
			}
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			st := decodeAs[store.Stats](t, rec)
			require.Equal(t, campaignID, st.CampaignID)
			require.Equal(t, 2, st.Collected)
			require.Equal(t, 1, st.Pending)
			require.Equal(t, 1, st.InProgress)
			require.Equal(t, 1, st.Overdue)
			require.Equal(t, 1, st.ByState[domain.StateReceived])
			require.Equal(t, 0, st.ByState[domain.StateClosed])
		})
	}
}

// --- submitting opinions ---

const validOpinion = `{"key": "k-1", "content": "小区路灯坏了", "channel": "热线", "collected_at": "2025-06-09",
	"submitter": "张三", "phone": "0373-5771293", "department": "住建局"}`

func TestSubmitOpinionNeedsOffice(t *testing.T) {
	f := newFixture(t)
	for _, username := range []string{"official", "verifier", "leader"} {
		rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", username, validOpinion)
		requireError(t, rec, http.StatusForbidden, "forbidden", "roles: Campaign office")
	}
	f.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

func TestSubmitOpinionInvalid(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name, body, code string
		parts            []string
	}{
		{"empty content", `{"content": "  ", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_content", []string{"content", "empty"}},
		{"bad channel", `{"content": "x", "channel": "fax", "collected_at": "2025-06-09"}`, "invalid_channel", []string{"channel", `"fax"`}},
		{"no collected_at", `{"content": "x", "channel": "hotline"}`, "invalid_collected_at", []string{"collected_at", "required"}},
		{"collected_at not a date", `{"content": "x", "channel": "hotline", "collected_at": "9/6/2025"}`, "invalid_collected_at", []string{"collected_at", "YYYY-MM-DD"}},
		{"future collected_at", `{"content": "x", "channel": "hotline", "collected_at": "2025-06-11"}`, "invalid_collected_at", []string{"collected_at", "future", "2025-06-10"}},
		{"bad phone", `{"content": "x", "channel": "hotline", "collected_at": "2025-06-09", "phone": "12345"}`, "invalid_phone", []string{"phone"}},
		{"bad key", `{"key": "a b", "content": "x", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_key", []string{"key"}},
		{"content too long", `{"content": "` + strings.Repeat("长", intake.MaxContentRunes+1) + `", "channel": "hotline", "collected_at": "2025-06-09"}`,
			"invalid_content", []string{"content", strconv.Itoa(intake.MaxContentRunes)}},
		{"content of zero-width spaces", `{"content": "\u200b\u200b", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_content", []string{"content", "empty"}},
		{"content of a NUL", `{"content": "\u0000", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_content", []string{"content", "empty"}},
		{"content of a byte-order mark", `{"content": "\ufeff", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_content", []string{"content", "empty"}},
		{"content of a line separator", `{"content": "\u2028", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_content", []string{"content", "empty"}},
		{"content of controls and invisible spaces", `{"content": " \u200c\u0007\u3164\u200d ", "channel": "hotline", "collected_at": "2025-06-09"}`, "invalid_content", []string{"content", "empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", tt.body)
			requireError(t, rec, http.StatusUnprocessableEntity, tt.code, tt.parts...)
		})
	}
	f.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
}

// startRecorder keeps the workflow starts the API asks Temporal for.
type startRecorder struct {
	starts []client.StartWorkflowOptions
}

// expectStart mocks a successful start: the client records the options and input,
// and the "receive" Update projects the received opinion into the store, as the
// real workflow does before the Update completes.
func (f *fixture) expectStart(t *testing.T) (*startRecorder, *workflows.OpinionInput) {
	t.Helper()
	rec, in := &startRecorder{}, new(workflows.OpinionInput)
	f.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.OpinionWorkflowName, mock.Anything).
		Run(func(args mock.Arguments) {
			rec.starts = append(rec.starts, args.Get(1).(client.StartWorkflowOptions))
			*in = args.Get(3).(workflows.OpinionInput)
		}).Return(mocks.NewWorkflowRun(t), nil)
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).Return(func(ctx context.Context, _ any) error {
		return f.store.ProjectOpinion(ctx, domain.Opinion{
			ID: in.OpinionID, CampaignID: in.CampaignID, Key: in.Key, Content: in.Content, Channel: in.Channel,
			CollectedAt: in.CollectedAt, Submitter: in.Submitter, Phone: in.Phone, Target: in.Target,
			Department: in.Department, SuggestedCategory: in.SuggestedCategory, State: domain.StateReceived,
			OverdueLevel: domain.LevelNone, CreatedAt: fixedNow, UpdatedAt: fixedNow, Revision: 1,
			Timeline: []domain.Event{{Seq: 1, At: fixedNow, Actor: in.SubmittedBy, Action: domain.EventReceived, To: domain.StateReceived}},
		})
	})
	f.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.UpdateName == workflows.ReceiveUpdateName
	})).Return(handle, nil)
	return rec, in
}

func TestSubmitOpinionStartsWorkflow(t *testing.T) {
	f := newFixture(t)
	svc, in := f.expectStart(t)

	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", validOpinion)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())

	id := domain.OpinionID(campaignID, "k-1")
	require.Len(t, svc.starts, 1)
	start := svc.starts[0]
	require.Equal(t, workflows.OpinionWorkflowID(id), start.ID)
	require.Equal(t, workflows.TaskQueue, start.TaskQueue)
	require.Equal(t, enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, start.WorkflowIDReusePolicy)
	require.True(t, start.WorkflowExecutionErrorWhenAlreadyStarted, "an existing opinion is reported, not joined")
	require.True(t, start.EnableEagerStart, "the local worker takes the first task at once")
	require.Equal(t, workflows.OpinionInput{
		OpinionID: id, CampaignID: campaignID, Key: "k-1", Content: "小区路灯坏了", Channel: "hotline",
		CollectedAt: "2025-06-09", Submitter: "张三", Phone: "0373-5771293", Department: deptA,
		SuggestedCategory: "群众需要解决的问题", SubmittedBy: "office", Policy: in.Policy,
	}, *in)
	require.NotEmpty(t, in.Policy.Categories, "the campaign's policy travels with the opinion")

	f.temporal.AssertCalled(t, "UpdateWorkflow", mock.Anything, client.UpdateWorkflowOptions{
		WorkflowID: workflows.OpinionWorkflowID(id), UpdateID: workflows.ReceiveUpdateID,
		UpdateName: workflows.ReceiveUpdateName, WaitForStage: client.WorkflowUpdateStageCompleted,
	})

	v := decodeAs[service.OpinionView](t, rec)
	require.Equal(t, id, v.ID)
	require.Equal(t, "k-1", v.Key)
	require.Equal(t, domain.StateReceived, v.State)
	require.Equal(t, "hotline", v.Channel)
	require.Equal(t, "张三", v.Submitter, "the office sees who submitted it")
	require.Equal(t, "0373-5771293", v.Phone)
	require.Equal(t, workflows.OpinionWorkflowID(id), v.WorkflowID)
}

func TestSubmitOpinionAlreadyInStoreStartsNothing(t *testing.T) {
	f := newFixture(t)
	id := domain.OpinionID(campaignID, "k-1")
	f.project(t, newOpinion(id, func(o *domain.Opinion) {
		o.Key, o.Content, o.CollectedAt, o.Phone = "k-1", "小区路灯坏了", "2025-06-09", "0373-5771293"
		o.State, o.Category = domain.StateCategorized, "群众需要解决的问题"
	}))

	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", validOpinion)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	v := decodeAs[service.OpinionView](t, rec)
	require.Equal(t, id, v.ID)
	require.Equal(t, domain.StateCategorized, v.State, "the stored opinion is returned, not the resubmitted one")
	f.temporal.AssertNotCalled(t, "ExecuteWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything)
	f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
}

func TestSubmitOpinionDerivedKeyIsStable(t *testing.T) {
	f := newFixture(t)
	svc, in := f.expectStart(t)

	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office",
		`{"content": "窗口排队太久", "channel": "hotline", "collected_at": "2025-06-09", "phone": "13800138000"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	first := decodeAs[service.OpinionView](t, rec)
	want := intake.DerivedKey(intake.Opinion{Content: "窗口排队太久", Channel: "hotline", CollectedAt: "2025-06-09", Phone: "13800138000"})
	require.Equal(t, want, first.Key)
	require.Equal(t, want, in.Key)
	require.Equal(t, domain.OpinionID(campaignID, want), first.ID)

	// The same opinion typed again, with stray spaces, the Chinese channel name and
	// full-width digits, is recognized and starts nothing new.
	rec = f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office",
		`{"content": " 窗口排队太久 ", "channel": "热线", "collected_at": "２０２５-０６-０９", "phone": "13800138000 "}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, first.ID, decodeAs[service.OpinionView](t, rec).ID)
	require.Len(t, svc.starts, 1, "the workflow starts only once")

	// A different opinion gets a different key.
	rec = f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office",
		`{"content": "窗口排队太久了", "channel": "hotline", "collected_at": "2025-06-09", "phone": "13800138000"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.NotEqual(t, first.ID, decodeAs[service.OpinionView](t, rec).ID)
}

func TestSubmitOpinionTemporalDownHidesDetails(t *testing.T) {
	f := newFixture(t)
	f.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.OpinionWorkflowName, mock.Anything).
		Return(nil, errors.New("dial tcp 127.0.0.1:7233: connection refused"))
	rec := f.do(t, http.MethodPost, "/api/v1/campaigns/c1/opinions", "office", validOpinion)
	requireError(t, rec, http.StatusInternalServerError, "internal", "logged")
	require.NotContains(t, rec.Body.String(), "7233")
}

// --- reading opinions ---

// seedVisibility writes four opinions: a (住建局, official), b (民政局, official2),
// c (民政局 but assigned to official) and d (received, no department yet).
func seedVisibility(t *testing.T, f *fixture) {
	f.project(t, newOpinion("a", assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone)))
	f.project(t, newOpinion("b", assigned(domain.StateAssigned, "official2", deptB, "2025-06-21", domain.LevelNone)))
	f.project(t, newOpinion("c", assigned(domain.StateAssigned, "official", deptB, "2025-06-22", domain.LevelNone)))
	f.project(t, newOpinion("d"))
}

func TestOpinionVisibility(t *testing.T) {
	f := newFixture(t)
	seedVisibility(t, f)
	for _, tt := range []struct {
		username string
		list     []string
		hidden   []string
	}{
		{"office", []string{"a", "b", "c", "d"}, nil},
		{"leader", []string{"a", "b", "c", "d"}, nil},
		{"verifier", []string{"a", "b", "c", "d"}, nil},
		{"official", []string{"a", "c"}, []string{"b", "d"}},
		{"official2", []string{"b", "c"}, []string{"a", "d"}},
	} {
		t.Run(tt.username, func(t *testing.T) {
			rec := f.do(t, http.MethodGet, "/api/v1/opinions", tt.username, "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			body := decodeAs[listBody](t, rec)
			require.ElementsMatch(t, tt.list, ids(body.Opinions))
			require.Equal(t, len(tt.list), body.Total)
			for _, id := range tt.list {
				rec := f.do(t, http.MethodGet, "/api/v1/opinions/"+id, tt.username, "")
				require.Equal(t, http.StatusOK, rec.Code, "%s reads %s: %s", tt.username, id, rec.Body.String())
			}
			for _, id := range tt.hidden {
				rec := f.do(t, http.MethodGet, "/api/v1/opinions/"+id, tt.username, "")
				requireError(t, rec, http.StatusForbidden, "forbidden", "department")
			}
		})
	}
}

func TestOnlyOfficeSeesSubmitterAndPhone(t *testing.T) {
	f := newFixture(t)
	seedVisibility(t, f)
	for _, tt := range []struct {
		username string
		sees     bool
	}{
		{"office", true}, {"leader", false}, {"verifier", false}, {"official", false},
	} {
		t.Run(tt.username, func(t *testing.T) {
			detail := f.do(t, http.MethodGet, "/api/v1/opinions/a", tt.username, "")
			require.Equal(t, http.StatusOK, detail.Code)
			list := f.do(t, http.MethodGet, "/api/v1/opinions", tt.username, "")
			require.Equal(t, http.StatusOK, list.Code)
			for _, rec := range []*httptest.ResponseRecorder{detail, list} {
				if tt.sees {
					require.Contains(t, rec.Body.String(), `"submitter":"张三"`)
					require.Contains(t, rec.Body.String(), `"phone":"13800138000"`)
				} else {
					require.NotContains(t, rec.Body.String(), "张三")
					require.NotContains(t, rec.Body.String(), "13800138000")
					require.NotContains(t, rec.Body.String(), `"phone"`)
					require.NotContains(t, rec.Body.String(), `"submitter"`)
				}
			}
		})
	}
}

// A ledger's columns rectify has no field for are kept with the opinion as written,
// and an office's ledger often has a contact among them: only the office reads them.
func TestOnlyOfficeSeesTheLedgersOwnColumns(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a", assigned(domain.StateInProgress, "official", deptA, "2025-06-20", domain.LevelNone),
		func(o *domain.Opinion) {
			o.Extra = map[string]string{"序号": "5", "联系人": "李四", "手机号码": "13900139000"}
		}))
	for _, tt := range []struct {
		username string
		sees     bool
	}{
		{"office", true}, {"leader", false}, {"verifier", false}, {"official", false},
	} {
		t.Run(tt.username, func(t *testing.T) {
			detail := f.do(t, http.MethodGet, "/api/v1/opinions/a", tt.username, "")
			require.Equal(t, http.StatusOK, detail.Code)
			list := f.do(t, http.MethodGet, "/api/v1/opinions", tt.username, "")
			require.Equal(t, http.StatusOK, list.Code)
			for _, rec := range []*httptest.ResponseRecorder{detail, list} {
				if tt.sees {
					require.Contains(t, rec.Body.String(), `"extra":{"序号":"5","手机号码":"13900139000","联系人":"李四"}`)
				} else {
					require.NotContains(t, rec.Body.String(), "李四")
					require.NotContains(t, rec.Body.String(), "13900139000")
					require.NotContains(t, rec.Body.String(), `"extra"`)
				}
			}
		})
	}
}

func TestGetOpinionDetail(t *testing.T) {
	f := newFixture(t)
	signBy := time.Date(2025, 6, 12, 0, 0, 0, 0, time.FixedZone("cst", 8*3600)) // end of 06-11
	f.project(t, newOpinion("a", assigned(domain.StateAssigned, "official", deptA, "2025-06-12", domain.LevelDueSoon),
		func(o *domain.Opinion) {
			o.Schedule.SignBy = signBy
			o.Revision = 2
			o.Timeline = append(o.Timeline, domain.Event{Seq: 2, At: fixedNow, Actor: "office", Action: domain.ActionAssign,
				From: domain.StateReceived, To: domain.StateAssigned, Reason: "属地管理", Detail: map[string]string{"official": "official"}})
		}))
	f.project(t, newOpinion("z", func(o *domain.Opinion) {
		o.State, o.OnTime, o.ClosedAt = domain.StateClosed, true, fixedNow
	}))

	rec := f.do(t, http.MethodGet, "/api/v1/opinions/a", "official", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	v := decodeAs[service.OpinionView](t, rec)
	require.Equal(t, domain.StateAssigned, v.State)
	require.Equal(t, "2025-06-12", v.Deadline)
	require.Empty(t, v.DeadlineExplanation, "an explanation kept only in Chinese is no English reader's")
	zh := decodeAs[service.OpinionView](t, f.doIn(t, "zh-CN", http.MethodGet, "/api/v1/opinions/a", "official", ""))
	require.Equal(t, "5 个工作日", zh.DeadlineExplanation)
	require.Equal(t, domain.LevelDueSoon, v.OverdueLevel)
	require.Equal(t, "2025-06-11", v.SignBy)
	require.NotNil(t, v.WorkingDaysLeft)
	require.Equal(t, 2, *v.WorkingDaysLeft, "06-11 and 06-12 are left after Tuesday 06-10")
	require.Equal(t, "opinion-a", v.WorkflowID)
	require.Nil(t, v.OnTime)
	require.Len(t, v.Timeline, 2)
	require.Equal(t, domain.Event{Seq: 2, At: fixedNow, Actor: "office", Action: domain.ActionAssign,
		From: domain.StateReceived, To: domain.StateAssigned, Reason: "属地管理", Detail: map[string]string{"official": "official"}},
		v.Timeline[1])

	rec = f.do(t, http.MethodGet, "/api/v1/opinions/z", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	z := decodeAs[service.OpinionView](t, rec)
	require.NotNil(t, z.OnTime)
	require.True(t, *z.OnTime)
	require.NotNil(t, z.ClosedAt)
	require.True(t, z.ClosedAt.Equal(fixedNow))
	require.Nil(t, z.WorkingDaysLeft)
}

// seedUrgency writes opinions whose most-urgent-first order is the order of the
// returned ids.
func seedUrgency(t *testing.T, f *fixture) []string {
	f.createCampaign(t, "c2")
	in := func(campaign string) func(*domain.Opinion) {
		return func(o *domain.Opinion) { o.CampaignID = campaign }
	}
	created := func(d time.Duration) func(*domain.Opinion) {
		return func(o *domain.Opinion) { o.CreatedAt = fixedNow.Add(-d) }
	}
	ops := []domain.Opinion{
		newOpinion("closed", assigned(domain.StateClosed, "official", deptA, "2025-05-01", domain.LevelAccountability)),
		newOpinion("none-late", assigned(domain.StateInProgress, "official2", deptB, "2025-06-30", domain.LevelNone)),
		newOpinion("received-new", created(time.Hour)),
		newOpinion("acc", assigned(domain.StateInProgress, "official", deptA, "2025-05-20", domain.LevelAccountability)),
		newOpinion("due-soon", assigned(domain.StateAssigned, "official", deptA, "2025-06-12", domain.LevelDueSoon), in("c2")),
		newOpinion("overdue-later", assigned(domain.StateInProgress, "official2", deptB, "2025-06-06", domain.LevelOverdue)),
		newOpinion("supervised", assigned(domain.StateInProgress, "official2", deptB, "2025-05-28", domain.LevelSupervised)),
		newOpinion("overdue-earlier", assigned(domain.StateAssigned, "official", deptA, "2025-06-03", domain.LevelOverdue)),
		newOpinion("none-soon", assigned(domain.StateInProgress, "official", deptA, "2025-06-25", domain.LevelNone)),
		newOpinion("received-old", created(48*time.Hour)),
	}
	for _, o := range ops {
		f.project(t, o)
	}
	return []string{
		"acc", "supervised", "overdue-earlier", "overdue-later", "due-soon", "none-soon", "none-late",
		"received-old", "received-new", "closed",
	}
}

func TestListMostUrgentFirst(t *testing.T) {
	f := newFixture(t)
	want := seedUrgency(t, f)

	rec := f.do(t, http.MethodGet, "/api/v1/opinions", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	body := decodeAs[listBody](t, rec)
	require.Equal(t, want, ids(body.Opinions))
	require.Equal(t, len(want), body.Total)
	require.Empty(t, body.NextPageToken)
	require.Empty(t, body.Opinions[0].Timeline, "lists leave timelines out")

	byID := map[string]service.OpinionView{}
	for _, v := range body.Opinions {
		byID[v.ID] = v
	}
	require.Equal(t, domain.LevelAccountability, byID["acc"].OverdueLevel)
	require.Equal(t, 2, *byID["due-soon"].WorkingDaysLeft)
	require.Equal(t, -2, *byID["overdue-later"].WorkingDaysLeft, "the deadline 06-06 and Monday 06-09 have passed")
}

func TestListPaging(t *testing.T) {
	f := newFixture(t)
	want := seedUrgency(t, f)

	var got []string
	token := ""
	for page := 0; ; page++ {
		require.Less(t, page, 5, "paging does not end")
		path := "/api/v1/opinions?limit=3"
		if token != "" {
			path += "&page_token=" + token
		}
		rec := f.do(t, http.MethodGet, path, "office", "")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		body := decodeAs[listBody](t, rec)
		require.Equal(t, len(want), body.Total)
		require.LessOrEqual(t, len(body.Opinions), 3)
		got = append(got, ids(body.Opinions)...)
		if body.NextPageToken == "" {
			require.Len(t, body.Opinions, len(want)%3)
			break
		}
		require.Len(t, body.Opinions, 3)
		token = body.NextPageToken
	}
	require.Equal(t, want, got)

	// A token past the end is an empty page, not an error.
	rec := f.do(t, http.MethodGet, "/api/v1/opinions?page_token=100", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	body := decodeAs[listBody](t, rec)
	require.Empty(t, body.Opinions)
	require.NotNil(t, body.Opinions, "an empty list is [], not null")
	require.Equal(t, len(want), body.Total)
}

func TestListFilters(t *testing.T) {
	f := newFixture(t)
	seedUrgency(t, f)
	tests := []struct {
		name, username, query string
		want                  []string
	}{
		{"campaign", "office", "campaign=c2", []string{"due-soon"}},
		{"state", "office", "state=in_progress", []string{"acc", "supervised", "overdue-later", "none-soon", "none-late"}},
		{"overdue", "leader", "overdue=true", []string{"acc", "supervised", "overdue-earlier", "overdue-later"}},
		{"overdue false", "leader", "overdue=false&state=received", []string{"received-old", "received-new"}},
		{"department", "verifier", "department=民政局", []string{"supervised", "overdue-later", "none-late"}},
		{"category", "office", "category=群众需要解决的问题&campaign=c1&state=assigned", []string{"overdue-earlier"}},
		{"assignee=me", "official2", "assignee=me", []string{"supervised", "overdue-later", "none-late"}},
		{"assignee by name", "office", "assignee=official&overdue=true", []string{"acc", "overdue-earlier"}},
		{"official is scoped", "official", "department=民政局", []string{}},
		{"nothing matches", "office", "campaign=nope", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := f.do(t, http.MethodGet, "/api/v1/opinions?"+tt.query, tt.username, "")
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			body := decodeAs[listBody](t, rec)
			require.Equal(t, tt.want, ids(body.Opinions))
			require.Equal(t, len(tt.want), body.Total)
		})
	}
}

func TestListInvalidParameters(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ query, code, part string }{
		{"state=open", "invalid_state", `"open"`},
		{"overdue=yes", "invalid_overdue", "overdue"},
		{"limit=0", "invalid_limit", "limit"},
		{"limit=501", "invalid_limit", "limit"},
		{"limit=ten", "invalid_limit", "limit"},
		{"page_token=-1", "invalid_page_token", "page_token"},
		{"page_token=abc", "invalid_page_token", "page_token"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			rec := f.do(t, http.MethodGet, "/api/v1/opinions?"+tt.query, "office", "")
			requireError(t, rec, http.StatusUnprocessableEntity, tt.code, tt.part)
		})
	}
}

// --- actions ---

// expectAction mocks the Update for an action: the handle's Get returns getErr,
// or, when getErr is nil, projects after and succeeds. It returns the options the
// API sent.
func (f *fixture) expectAction(t *testing.T, getErr error, after *domain.Opinion) *client.UpdateWorkflowOptions {
	t.Helper()
	sent := new(client.UpdateWorkflowOptions)
	handle := mocks.NewWorkflowUpdateHandle(t)
	handle.On("Get", mock.Anything, mock.Anything).Return(func(ctx context.Context, res any) error {
		if getErr != nil {
			return getErr
		}
		require.NoError(t, f.store.ProjectOpinion(ctx, *after))
		*res.(*domain.ActionResult) = domain.ActionResult{State: after.State, Revision: after.Revision}
		return nil
	}).Once()
	f.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).
		Run(func(args mock.Arguments) { *sent = args.Get(1).(client.UpdateWorkflowOptions) }).
		Return(handle, nil).Once()
	return sent
}

func rejection(kind, message string, details ...any) error {
	return temporal.NewApplicationErrorWithOptions(message, kind, temporal.ApplicationErrorOptions{Details: details})
}

func TestActionRejectionsMapToStatus(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		msg    string
	}{
		{"forbidden", rejection(domain.ErrForbidden, "only the assigned official may sign", "not_assignee"),
			http.StatusForbidden, "not_assignee", "only the assigned official may sign"},
		{"conflict", rejection(domain.ErrConflict, "the opinion is received; sign needs assigned", "wrong_state"),
			http.StatusConflict, "wrong_state", "the opinion is received; sign needs assigned"},
		{"invalid", rejection(domain.ErrInvalid, "reason: is required", "reason_required"),
			http.StatusUnprocessableEntity, "reason_required", "reason: is required"},
		{"without a code", rejection(domain.ErrConflict, "not now"),
			http.StatusConflict, "rejected", "not now"},
		{"wrapped", errors.Join(errors.New("update failed"), rejection(domain.ErrInvalid, "bad date", "bad_date")),
			http.StatusUnprocessableEntity, "bad_date", "bad date"},
		{"workflow gone", serviceerror.NewNotFound("workflow not found"),
			http.StatusConflict, "opinion_archived", "“Sign for it” can no longer be done"},
		{"workflow completed", errors.New("workflow execution already completed"),
			http.StatusConflict, "opinion_archived", "“Sign for it” can no longer be done"},
		{"throttled", serviceerror.NewResourceExhausted(enumspb.RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT, "busy"),
			http.StatusTooManyRequests, "throttled", "try again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			before := newOpinion("a", assigned(domain.StateAssigned, "official", deptA, "2025-06-20", domain.LevelNone))
			f.project(t, before)
			f.expectAction(t, tt.err, nil)

			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/sign", "official", "{}")
			requireError(t, rec, tt.status, tt.code, tt.msg)
			o, err := f.store.Opinion(context.Background(), "a")
			require.NoError(t, err)
			require.Equal(t, before.Revision, o.Revision, "a rejected action changes nothing")
		})
	}
}

// An Update that cannot even be sent is mapped the same way as one rejected later.
func TestActionUpdateNotSent(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a"))
	f.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("gone"))
	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/cancel", "office", `{"reason": "重复"}`)
	requireError(t, rec, http.StatusConflict, "opinion_archived", "“Cancel” can no longer be done")
}

func TestActionChecksPeopleBeforeSending(t *testing.T) {
	tests := []struct {
		name, body, code string
		parts            []string
	}{
		{"official is no user", `{"department": "住建局", "official": "nobody", "leader": "leader"}`,
			"invalid_official", []string{"official", `"nobody"`}},
		{"official lacks the role", `{"department": "住建局", "official": "verifier", "leader": "leader"}`,
			"invalid_official", []string{"official", `"verifier"`, "the role “Responsible official”"}},
		{"leader lacks the role", `{"department": "住建局", "official": "official", "leader": "office"}`,
			"invalid_leader", []string{"leader", `"office"`, "the role “Leader”"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.project(t, newOpinion("a", func(o *domain.Opinion) { o.State = domain.StateCategorized }))
			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/assign", "office", tt.body)
			requireError(t, rec, http.StatusUnprocessableEntity, tt.code, tt.parts...)
			f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
		})
	}
}

// Who may act is said before anything about what they sent: a verifier naming an
// unknown official hears that only the office assigns, and a leader touching a
// cancelled opinion hears it is not theirs to touch, not that it has ended.
func TestActionChecksTheRoleFirst(t *testing.T) {
	tests := []struct {
		name, as, action, body string
		state                  domain.State
		code                   string
	}{
		{"verifier assigns to nobody", "verifier", "assign", `{"department": "住建局", "official": "nobody", "leader": "leader"}`,
			domain.StateCategorized, "office_only"},
		{"leader categorizes a cancelled opinion", "leader", "categorize", `{"category": "制度漏洞"}`,
			domain.StateCancelled, "office_only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.project(t, newOpinion("a", func(o *domain.Opinion) { o.State = tt.state }))
			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/"+tt.action, tt.as, tt.body)
			requireError(t, rec, http.StatusForbidden, tt.code, "only the campaign office")
			f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
		})
	}
}

func TestMergeChecksTargetBeforeSending(t *testing.T) {
	tests := []struct {
		name, into string
		status     int
		code       string
	}{
		{"unknown opinion", "nope", http.StatusUnprocessableEntity, "invalid_into"},
		{"another campaign", "other", http.StatusUnprocessableEntity, "invalid_into"},
		{"final opinion", "rejected", http.StatusConflict, "into_final"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.createCampaign(t, "c2")
			f.project(t, newOpinion("a"))
			f.project(t, newOpinion("other", func(o *domain.Opinion) { o.CampaignID = "c2" }))
			f.project(t, newOpinion("rejected", func(o *domain.Opinion) { o.State = domain.StateRejected }))
			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/merge", "office", `{"into": "`+tt.into+`"}`)
			requireError(t, rec, tt.status, tt.code, "into", tt.into)
			f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
		})
	}
}

func TestActionOnAnotherDepartmentsOpinionIsForbidden(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("b", assigned(domain.StateAssigned, "official2", deptB, "2025-06-20", domain.LevelNone)))
	rec := f.do(t, http.MethodPost, "/api/v1/opinions/b/actions/sign", "official", "")
	requireError(t, rec, http.StatusForbidden, "forbidden")
	f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
}

func TestActionSucceeds(t *testing.T) {
	f := newFixture(t)
	before := newOpinion("a", assigned(domain.StateAssigned, "official", deptA, "2025-06-20", domain.LevelNone))
	f.project(t, before)
	after := before
	after.State, after.Signed, after.Revision, after.UpdatedAt = domain.StateInProgress, true, 2, fixedNow
	after.Timeline = append(append([]domain.Event{}, before.Timeline...), domain.Event{
		Seq: 2, At: fixedNow, Actor: "official", Action: domain.ActionSign, From: domain.StateAssigned, To: domain.StateInProgress})
	sent := f.expectAction(t, nil, &after)

	// sign needs no body at all.
	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/sign", "official", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	require.Equal(t, workflows.OpinionWorkflowID("a"), sent.WorkflowID)
	require.Equal(t, string(domain.ActionSign), sent.UpdateName)
	require.Equal(t, client.WorkflowUpdateStageCompleted, sent.WaitForStage)
	require.Equal(t, []any{domain.ActionRequest{
		Actor: domain.Actor{Username: "official", Roles: []domain.Role{domain.RoleOfficial}, Department: deptA},
	}}, sent.Args)

	v := decodeAs[service.OpinionView](t, rec)
	require.Equal(t, "a", v.ID)
	require.Equal(t, domain.StateInProgress, v.State)
	require.True(t, v.Signed)
	require.Equal(t, 2, v.Revision)
	require.Len(t, v.Timeline, 2, "the answer is the opinion as GET shows it, timeline included")
	require.Equal(t, "official", v.Timeline[1].Actor)
	require.Empty(t, v.Phone, "an official does not see the citizen's phone")

	get := f.do(t, http.MethodGet, "/api/v1/opinions/a", "official", "")
	require.JSONEq(t, get.Body.String(), rec.Body.String())
}

func TestActionSendsBodyAndActor(t *testing.T) {
	f := newFixture(t)
	before := newOpinion("a", func(o *domain.Opinion) {
		o.State, o.Category = domain.StateCategorized, "群众需要解决的问题"
	})
	f.project(t, before)
	after := newOpinion("a", assigned(domain.StateAssigned, "official", deptA, "2025-06-30", domain.LevelNone),
		func(o *domain.Opinion) { o.Revision = 2 })
	sent := f.expectAction(t, nil, &after)

	rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/assign", "office",
		`{"department": "住建局", "official": "official", "leader": "leader", "measures": "更换路灯", "deadline": "2025-06-30"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, string(domain.ActionAssign), sent.UpdateName)
	require.Equal(t, []any{domain.ActionRequest{
		Actor: domain.Actor{Username: "office", Roles: []domain.Role{domain.RoleOffice}},
		Body: domain.ActionBody{Department: deptA, Official: "official", Leader: "leader",
			Measures: "更换路灯", Deadline: "2025-06-30"},
		Policy: sent.Args[0].(domain.ActionRequest).Policy,
	}}, sent.Args)
	require.NotNil(t, sent.Args[0].(domain.ActionRequest).Policy, "assign carries the campaign's current policy")
	v := decodeAs[service.OpinionView](t, rec)
	require.Equal(t, domain.StateAssigned, v.State)
	require.Equal(t, "official", v.Official)
	require.Equal(t, "13800138000", v.Phone, "the office sees the citizen's phone")
}

func TestRecovererTurnsPanicInto500(t *testing.T) {
	h := recoverer(slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("nil map somewhere")
	}))
	rec := httptest.NewRecorder()
	english(h).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/opinions", nil))
	requireError(t, rec, http.StatusInternalServerError, "internal", "logged")
	require.NotContains(t, rec.Body.String(), "nil map")

	// http.ErrAbortHandler keeps its meaning: the server aborts the response.
	abort := recoverer(slog.New(slog.DiscardHandler), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	require.PanicsWithValue(t, http.ErrAbortHandler, func() {
		abort.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	})
}

// An opinion in a final state has no running workflow to ask: the API answers 409
// itself and sends nothing.
func TestActionOnFinalOpinionConflicts(t *testing.T) {
	for _, state := range []domain.State{domain.StateRejected, domain.StateMerged, domain.StateCancelled} {
		t.Run(string(state), func(t *testing.T) {
			f := newFixture(t)
			f.project(t, newOpinion("a", func(o *domain.Opinion) { o.State = state }))
			rec := f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/categorize", "office", `{"category": "制度漏洞"}`)
			require.Equal(t, http.StatusConflict, rec.Code, rec.Body.String())
			require.Contains(t, decodeAs[apiError](t, rec).Error.Message, "“"+i18n.Text(i18n.English, "state."+string(state))+"”")
			f.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
		})
	}
}
