package api

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/store"
)

// auditLog reads the whole access log, newest first.
func (f *fixture) auditLog(t *testing.T) []store.AuditEntry {
	t.Helper()
	page, err := f.store.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	return page.Entries
}

// breakAuditLog makes the store refuse every new entry of the access log, as a
// full disk or a lost database would, while everything else still reads.
func (f *fixture) breakAuditLog(t *testing.T) {
	t.Helper()
	db, err := sql.Open("sqlite", f.dbPath)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TRIGGER audit_log_broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`)
	require.NoError(t, err)
}

// newRequest is a request as username, from httptest's client address 192.0.2.1.
func newRequest(method, path, username string) *http.Request {
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Authorization", "Bearer "+tokenOf(username))
	return req
}

func (f *fixture) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

func ptr[T any](v T) *T { return &v }

// logTo sends the service's log to a buffer the test reads.
func (f *fixture) logTo() *bytes.Buffer {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	f.config.Logger, f.apiConfig.Logger = logger, logger
	f.build()
	return &buf
}

func TestTheOfficeReadingAPhoneIsLoggedOnceAndALeadersReadIsNot(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a"))
	f.project(t, newOpinion("anon", func(o *domain.Opinion) { o.Submitter, o.Phone = "", "" }))

	rec := f.do(t, http.MethodGet, "/api/v1/opinions/a", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "13800138000", decodeAs[service.OpinionView](t, rec).Phone)
	entries := f.auditLog(t)
	require.Len(t, entries, 1)
	e := entries[0]
	require.Equal(t, store.AuditEntry{ID: e.ID, At: fixedNow, User: "office", Action: store.AuditReadPersonalData, Object: "a",
		Detail: "GET /api/v1/opinions/a", Count: 1, Client: "192.0.2.1"}, e)

	for _, as := range []string{"leader", "verifier"} {
		rec = f.do(t, http.MethodGet, "/api/v1/opinions/a", as, "")
		require.Equal(t, http.StatusOK, rec.Code)
		require.Empty(t, decodeAs[service.OpinionView](t, rec).Phone, as)
	}
	rec = f.do(t, http.MethodGet, "/api/v1/opinions/anon", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, f.auditLog(t), 1, "a leader's read shows no phone, nor does an opinion without one: nothing to record")

	// Behind a proxy, the address it forwards for, and its own.
	req := newRequest(http.MethodGet, "/api/v1/opinions/a", "office")
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 198.51.100.20")
	rec = f.serve(req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "198.51.100.20 via 192.0.2.1", f.auditLog(t)[0].Client)
}

func TestListsAndActionAnswersLogEachOpinionWhoseNameOrPhoneTheyShow(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a"))
	f.project(t, newOpinion("b", func(o *domain.Opinion) { o.Submitter = "" })) // a phone alone
	f.project(t, newOpinion("c", func(o *domain.Opinion) { o.Submitter, o.Phone = "", "" }))

	rec := f.do(t, http.MethodGet, "/api/v1/opinions?campaign=c1", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, decodeAs[listBody](t, rec).Opinions, 3)
	require.Empty(t, f.auditLog(t), "a leader's list shows no names or phones")

	rec = f.do(t, http.MethodGet, "/api/v1/opinions?campaign=c1", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	var objects []string
	for _, e := range f.auditLog(t) {
		require.Equal(t, "GET /api/v1/opinions", e.Detail)
		require.Equal(t, store.AuditReadPersonalData, e.Action)
		objects = append(objects, e.Object)
	}
	require.ElementsMatch(t, []string{"a", "b"}, objects, "one entry per opinion shown with a name or phone")

	// An action's answer is the opinion as GET shows it: the office's shows the phone.
	f.expectAction(t, nil, ptr(newOpinion("a", func(o *domain.Opinion) {
		o.State, o.Category, o.Revision = domain.StateCategorized, "群众需要解决的问题", 2
	})))
	rec = f.do(t, http.MethodPost, "/api/v1/opinions/a/actions/categorize", "office", `{"category": "群众需要解决的问题"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	latest := f.auditLog(t)[0]
	require.Equal(t, "a", latest.Object)
	require.Equal(t, "POST /api/v1/opinions/a/actions/categorize", latest.Detail)
	require.Len(t, f.auditLog(t), 3)
}

func TestAReadIsAnsweredWhenTheAccessLogCannotBeWritten(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a"))
	logs := f.logTo()
	f.breakAuditLog(t)
	rec := f.do(t, http.MethodGet, "/api/v1/opinions/a", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, "a reader is never stopped by the log")
	require.Equal(t, "13800138000", decodeAs[service.OpinionView](t, rec).Phone)
	require.Contains(t, logs.String(), "a read of citizens' personal data went unrecorded")
	require.Contains(t, logs.String(), "user=office")
	require.NotContains(t, logs.String(), "13800138000", "the log names no citizen")
	require.NotContains(t, logs.String(), "张三")
	require.Empty(t, f.auditLog(t))
}

// storeRejectedBatch stores a refused strict import of campaign c1 whose two refused
// rows keep their original cells, a name and a phone among them.
func storeRejectedBatch(t *testing.T, f *fixture, id string) {
	t.Helper()
	ctx := context.Background()
	w, err := f.store.NewBatch(ctx, store.Batch{ID: id, CampaignID: campaignID, FileName: "台账.csv", Strict: true, CreatedBy: "office", CreatedAt: fixedNow})
	require.NoError(t, err)
	for i, cells := range [][]string{{"路灯坏了", "电报", "2025-06-01", "张三", "13800138000"}, {"", "热线", "2025-06-01", "李四", "13900139000"}} {
		require.NoError(t, w.Reject(ctx, store.Rejection{Line: i + 2, Column: "来源", Code: "invalid_channel", Reason: "不是可识别的渠道", Cells: cells}))
	}
	_, err = w.Commit(ctx, 2, store.BatchRefused, nil, map[string][]string{"": {"意见内容", "来源", "收集时间", "反映人", "联系电话"}})
	require.NoError(t, err)
}

func TestExportsWithPersonalDataAreLoggedOrNotHandedOut(t *testing.T) {
	f := newFixture(t)
	f.project(t, newOpinion("a"))
	f.project(t, newOpinion("b"))
	storeRejectedBatch(t, f, "b-1")

	// The importable JSON ledger carries every name and phone.
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/c1/ledger", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "13800138000")
	e := f.auditLog(t)[0]
	require.Equal(t, store.AuditEntry{ID: e.ID, At: fixedNow, User: "office", Action: store.AuditExportPersonalData, Object: "c1",
		Detail: "GET /api/v1/campaigns/c1/ledger", Count: 2, Client: "192.0.2.1"}, e)

	// The rejected rows, with the file's original cells.
	for _, format := range []string{"csv", "xlsx"} {
		rec = f.do(t, http.MethodGet, "/api/v1/batches/b-1/rejections."+format, "office", "")
		require.Equal(t, http.StatusOK, rec.Code)
		e = f.auditLog(t)[0]
		require.Equal(t, store.AuditExportPersonalData, e.Action)
		require.Equal(t, "b-1", e.Object)
		require.Equal(t, "GET /api/v1/batches/b-1/rejections."+format, e.Detail)
		require.Equal(t, 2, e.Count)
	}
	require.Contains(t, f.do(t, http.MethodGet, "/api/v1/batches/b-1/rejections.csv", "office", "").Body.String(), "13900139000")

	// The batch report shows the refused rows' cells too: a read.
	rec = f.do(t, http.MethodGet, "/api/v1/batches/b-1", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "13800138000")
	e = f.auditLog(t)[0]
	require.Equal(t, store.AuditReadPersonalData, e.Action)
	require.Equal(t, "b-1", e.Object)
	require.Equal(t, 2, e.Count)

	// Refused before anything is read: nothing to record.
	before := len(f.auditLog(t))
	require.Equal(t, http.StatusForbidden, f.do(t, http.MethodGet, "/api/v1/campaigns/c1/ledger", "leader", "").Code)
	require.Equal(t, http.StatusForbidden, f.do(t, http.MethodGet, "/api/v1/batches/b-1/rejections.csv", "leader", "").Code)
	require.Equal(t, http.StatusNotFound, f.do(t, http.MethodGet, "/api/v1/batches/b-1/rejections.pdf", "office", "").Code)
	// The 整改台账 holds no names or phones: not an export of personal data.
	require.Equal(t, http.StatusOK, f.do(t, http.MethodGet, "/api/v1/campaigns/c1/ledger.csv", "leader", "").Code)
	require.Len(t, f.auditLog(t), before)

	// When the log cannot be written, nothing holding personal data is handed out.
	logs := f.logTo()
	f.breakAuditLog(t)
	for _, path := range []string{"/api/v1/campaigns/c1/ledger", "/api/v1/batches/b-1/rejections.csv", "/api/v1/batches/b-1/rejections.xlsx"} {
		rec = f.do(t, http.MethodGet, path, "office", "")
		requireError(t, rec, http.StatusServiceUnavailable, "audit_unavailable", "access log")
		require.NotContains(t, rec.Body.String(), "13800138000", path)
		require.Empty(t, rec.Header().Get("Content-Disposition"), path)
	}
	require.Contains(t, logs.String(), "refused to hand out citizens' personal data that could not be recorded")
	require.NotContains(t, logs.String(), "13800138000")
	rec = f.do(t, http.MethodGet, "/api/v1/campaigns/c1/ledger.xlsx", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, "the 整改台账 still downloads")
}

func TestTheAccessLogIsTheOfficesNewestFirstAPageAtATime(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range 5 {
		at := fixedNow.Add(time.Duration(i) * time.Hour)
		require.NoError(t, f.store.AppendAudit(ctx, store.AuditEntry{At: at, User: "office", Action: store.AuditReadPersonalData,
			Object: "o-" + strconv.Itoa(i), Detail: "GET /opinions/o-" + strconv.Itoa(i), Count: 1, Client: "192.0.2.1"}))
	}
	require.NoError(t, f.store.AppendAudit(ctx, store.AuditEntry{At: fixedNow.Add(10 * time.Hour), User: "leader",
		Action: store.AuditDecryptPayloads, Detail: "POST /codec/decode", Count: 3, Client: "192.0.2.2"}))

	type auditBody struct {
		Entries    []store.AuditEntry `json:"entries"`
		NextCursor string             `json:"next_cursor"`
	}
	rec := f.do(t, http.MethodGet, "/api/v1/audit", "office", "")
	require.Equal(t, http.StatusOK, rec.Code)
	all := decodeAs[auditBody](t, rec)
	require.Len(t, all.Entries, 6)
	require.Equal(t, "leader", all.Entries[0].User, "newest first")
	require.Equal(t, "o-0", all.Entries[5].Object)
	require.Empty(t, all.NextCursor)
	require.Contains(t, rec.Body.String(), `"user":"office"`)
	require.Contains(t, rec.Body.String(), `"action":"decrypt_payloads"`)
	require.Len(t, f.auditLog(t), 6, "reading the access log adds nothing to it")

	var pages []string
	cursor := ""
	for range 4 {
		rec = f.do(t, http.MethodGet, "/api/v1/audit?user=office&limit=2"+cursor, "office", "")
		require.Equal(t, http.StatusOK, rec.Code)
		page := decodeAs[auditBody](t, rec)
		var objs []string
		for _, e := range page.Entries {
			objs = append(objs, e.Object)
		}
		pages = append(pages, strings.Join(objs, ","))
		if page.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + page.NextCursor
	}
	require.Equal(t, []string{"o-4,o-3", "o-2,o-1", "o-0"}, pages)

	for query, want := range map[string][]string{
		"action=decrypt_payloads": {""},
		"object=o-2":              {"o-2"},
		"user=me":                 {"o-4", "o-3", "o-2", "o-1", "o-0"},
		"since=2025-06-10T04:00:00Z&until=2025-06-10T06:00:00Z": {"o-3", "o-2"},
		"since=2025-06-10T14:00:00%2B08:00&until=2025-06-10":    {"", "o-4"}, // a date alone is the whole day, China Standard Time
		"until=2025-06-09":                                   nil,
		"user=leader&action=read_personal_data":              nil,
		"user=&action=&object=&since=&until=&limit=&cursor=": {"", "o-4", "o-3", "o-2", "o-1", "o-0"},
	} {
		rec = f.do(t, http.MethodGet, "/api/v1/audit?"+query, "office", "")
		require.Equal(t, http.StatusOK, rec.Code, query)
		var got []string
		for _, e := range decodeAs[auditBody](t, rec).Entries {
			got = append(got, e.Object)
		}
		require.Equal(t, want, got, query)
	}
}

func TestTheAccessLogRefusesOthersAndParametersItDoesNotTake(t *testing.T) {
	f := newFixture(t)
	for _, as := range []string{"leader", "official", "verifier"} {
		requireError(t, f.do(t, http.MethodGet, "/api/v1/audit", as, ""), http.StatusForbidden, "forbidden", "office")
	}
	requireError(t, f.do(t, http.MethodGet, "/api/v1/audit", "", ""), http.StatusUnauthorized, "unauthenticated")
	for query, want := range map[string][]string{
		"usr=office":                        {"unknown_parameter", `"usr"`, "action, cursor, limit, object, since, until, user"},
		"page_token=2":                      {"unknown_parameter", `"page_token"`},
		"user=a&user=b":                     {"repeated_parameter", `"user"`},
		"action=read":                       {"invalid_action", `"read"`, "read_personal_data"},
		"limit=0":                           {"invalid_limit", "1 to 500"},
		"limit=501":                         {"invalid_limit"},
		"cursor=abc":                        {"invalid_cursor"},
		"cursor=-3":                         {"invalid_cursor"},
		"since=yesterday":                   {"invalid_since", "2025-06-10"},
		"until=2025-13-01":                  {"invalid_until"},
		"since=2025-06-10&until=2025-06-09": {"invalid_until", "later than since"},
	} {
		rec := f.do(t, http.MethodGet, "/api/v1/audit?"+query, "office", "")
		requireError(t, rec, http.StatusUnprocessableEntity, want[0], want[1:]...)
	}
}
