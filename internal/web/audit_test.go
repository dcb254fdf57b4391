package web

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"rectify/internal/payload"
	"rectify/internal/payload/payloadtest"
	"rectify/internal/store"
)

// auditLog reads the whole access log, newest first.
func (e *officeEnv) auditLog(t *testing.T) []store.AuditEntry {
	t.Helper()
	page, err := e.store.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	require.NoError(t, err)
	return page.Entries
}

// breakAuditLog makes the store refuse every new entry of the access log while
// everything else still reads; dbPath is the store's SQLite file.
func breakAuditLog(t *testing.T, dbPath string) {
	t.Helper()
	db, err := sql.Open("sqlite", dbPath)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Exec(`CREATE TRIGGER audit_log_broken BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`)
	require.NoError(t, err)
}

func TestTheOfficeSeeingAPhoneOnAnOpinionPageIsLogged(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)

	_, body := e.signIn(t, "leader").get(t, "/opinions/asg")
	require.NotContains(t, body, "13912345678")
	_, body = e.signIn(t, "official").get(t, "/opinions/asg")
	require.NotContains(t, body, "13912345678")
	require.Empty(t, e.auditLog(t), "only the office's page shows the phone")

	status, body := e.signIn(t, "office").get(t, "/opinions/asg")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "13912345678")
	entries := e.auditLog(t)
	require.Len(t, entries, 1)
	require.Equal(t, store.AuditEntry{ID: entries[0].ID, At: officeNow, User: "office", Action: store.AuditReadPersonalData,
		Object: "asg", Detail: "GET /opinions/asg", Count: 1, Client: "127.0.0.1"}, entries[0])

	// Lists show no names or phones: nothing to log.
	b := e.signIn(t, "office")
	for _, path := range []string{"/triage", "/decisions"} {
		status, _ := b.get(t, path)
		require.Equal(t, http.StatusOK, status, path)
	}
	require.Len(t, e.auditLog(t), 1)
}

func TestTheAccessLogPageIsTheOfficesInBothLanguages(t *testing.T) {
	e := newOfficeEnv(t)
	ctx := context.Background()
	require.NoError(t, e.store.AppendAudit(ctx,
		store.AuditEntry{At: officeNow, User: "office", Action: store.AuditReadPersonalData, Object: "op-1",
			Detail: "GET /api/v1/opinions/op-1", Count: 1, Client: "192.0.2.1"},
		store.AuditEntry{At: officeNow.Add(time.Minute), User: "office", Action: store.AuditExportPersonalData, Object: "b-1",
			Detail: "GET /batches/b-1/rejections.csv", Count: 12, Client: "198.51.100.4 via 10.0.0.2"},
		store.AuditEntry{At: officeNow.Add(2 * time.Minute), User: "leader", Action: store.AuditDecryptPayloads,
			Detail: "POST /codec/decode", Count: 3, Client: "127.0.0.1"},
	))

	b := e.signIn(t, "office")
	status, body := b.get(t, "/audit")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<a href="/audit">访问记录</a>`, "in the office's menu")
	for _, want := range []string{"<h1>访问记录</h1>", `<label for="audit-user">用户</label>`, `<label for="audit-action">类型</label>`,
		"查看个人信息", "导出个人信息", "解密流程数据", "2025-06-10 10:00:00", `<a href="/opinions/op-1">op-1</a>`,
		`<a href="/batches/b-1">b-1</a>`, "GET /batches/b-1/rejections.csv", "198.51.100.4 via 10.0.0.2", "长期保留"} {
		require.Contains(t, body, want)
	}
	require.Less(t, strings.Index(body, "POST /codec/decode"), strings.Index(body, "GET /api/v1/opinions/op-1"), "newest first")
	requireTranslated(t, body)
	requireLabelled(t, "/audit", body)
	requireNoKeys(t, body)
	require.NotContains(t, body, "audit.")

	_, body = b.get(t, "/audit?user=leader")
	require.Contains(t, body, "POST /codec/decode")
	require.NotContains(t, body, "op-1")
	require.Contains(t, body, `<input id="audit-user" name="user" value="leader"`)
	_, body = b.get(t, "/audit?action=export_personal_data")
	require.Contains(t, body, "b-1")
	require.NotContains(t, body, "op-1")
	require.Contains(t, body, `<option value="export_personal_data" selected>导出个人信息</option>`)
	_, body = b.get(t, "/audit?user=nobody")
	require.Contains(t, body, "没有符合条件的记录。")
	_, body = b.get(t, "/audit?action=nonsense&cursor=x")
	require.Contains(t, body, "op-1", "a filter the page does not offer is dropped")

	b.setLang(t, "en")
	_, body = b.get(t, "/audit")
	for _, want := range []string{`<a href="/audit">Access log</a>`, "<h1>Access log</h1>", "Personal data seen", "Personal data exported",
		"Temporal payloads decrypted", "only ever added", `<th scope="col">From</th>`} {
		require.Contains(t, body, want)
	}
	requireTranslated(t, body)
	requireNoKeys(t, body)
	require.NotContains(t, body, "audit.")

	for _, as := range []string{"leader", "official", "verifier"} {
		bb := e.signIn(t, as)
		status, body := bb.get(t, "/audit")
		require.Equal(t, http.StatusForbidden, status, as)
		require.NotContains(t, body, "198.51.100.4")
		_, body = bb.get(t, "/dashboard")
		require.NotContains(t, body, `href="/audit"`, "%s's menu has no access log", as)
	}
}

func TestTheAccessLogPagesOlderEntries(t *testing.T) {
	e := newOfficeEnv(t)
	entries := make([]store.AuditEntry, listPageSize+5)
	for i := range entries {
		entries[i] = store.AuditEntry{At: officeNow, User: "office", Action: store.AuditReadPersonalData,
			Object: "op-" + strings.Repeat("x", i%3), Detail: "GET /opinions/x", Count: 1}
	}
	require.NoError(t, e.store.AppendAudit(context.Background(), entries...))
	b := e.signIn(t, "office")
	_, body := b.get(t, "/audit?user=office")
	require.Equal(t, listPageSize, strings.Count(body, "<td>office</td>"))
	m := regexpOlder.FindStringSubmatch(body)
	require.NotNil(t, m, "a link to the older entries")
	require.Contains(t, m[1], "user=office", "the filter stays")
	_, body = b.get(t, unescape(m[1]))
	require.Equal(t, 5, strings.Count(body, "<td>office</td>"))
	require.NotRegexp(t, regexpOlder, body, "the oldest page")
	require.Contains(t, body, `<a href="/audit?user=office">最新的记录</a>`)
}

func TestARejectedRowsDownloadIsLoggedOrRefused(t *testing.T) {
	dir := t.TempDir()
	e := newOfficeEnvAt(t, dir)
	ctx := context.Background()
	w, err := e.store.NewBatch(ctx, store.Batch{ID: "b-1", CampaignID: "c1", FileName: "台账.csv", Strict: true, CreatedBy: "office", CreatedAt: officeNow})
	require.NoError(t, err)
	require.NoError(t, w.Reject(ctx, store.Rejection{Line: 2, Column: "来源", Code: "invalid_channel", Reason: "不是可识别的渠道",
		Cells: []string{"路灯坏了", "电报", "2025-06-01", "张三", "13800138000"}}))
	_, err = w.Commit(ctx, 1, store.BatchRefused, nil, map[string][]string{"": {"意见内容", "来源", "收集时间", "反映人", "联系电话"}})
	require.NoError(t, err)

	b := e.signIn(t, "office")
	status, body := b.get(t, "/batches/b-1")
	require.Equal(t, http.StatusOK, status)
	require.NotContains(t, body, "13800138000")
	require.Empty(t, e.auditLog(t), "the batch page shows no cells")

	status, body = b.get(t, "/batches/b-1/rejections.csv")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "13800138000")
	got := e.auditLog(t)
	require.Len(t, got, 1)
	require.Equal(t, store.AuditExportPersonalData, got[0].Action)
	require.Equal(t, "b-1", got[0].Object)
	require.Equal(t, "GET /batches/b-1/rejections.csv", got[0].Detail)
	require.Equal(t, 1, got[0].Count)

	breakAuditLog(t, filepath.Join(dir, "rectify.db"))
	status, body = b.get(t, "/batches/b-1/rejections.csv")
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.NotContains(t, body, "13800138000")
	require.Contains(t, body, "访问记录暂时无法写入")
}

func TestDecryptingPayloadsIsLoggedOnceARequestOrRefused(t *testing.T) {
	dir := t.TempDir()
	e := newOfficeEnvAt(t, dir)
	keys := payloadtest.Keyring(t)
	pages, err := New(e.svc, e.api, e.config.Logger)
	require.NoError(t, err)
	pages.PayloadKeys = keys
	srv := httptest.NewServer(pages.Handler())
	t.Cleanup(srv.Close)

	// Two payloads sealed with rectify's key and one written in clear.
	sealed, err := payload.NewCodec(keys).Encode([]*commonpb.Payload{
		mustPayload(t, map[string]string{"submitter": "张三", "phone": "13800138000"}), mustPayload(t, "路灯坏了")})
	require.NoError(t, err)
	body, err := protojson.Marshal(&commonpb.Payloads{Payloads: append(sealed, mustPayload(t, "in clear"))})
	require.NoError(t, err)
	decode := func(token string) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+CodecPath+"/decode", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp := e.do(t, req)
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(out)
	}

	status, out := decode("tok-official")
	require.Equal(t, http.StatusForbidden, status, out)
	require.Empty(t, e.auditLog(t), "refused: nothing decrypted")

	status, out = decode("tok-office")
	require.Equal(t, http.StatusOK, status, out)
	var decoded commonpb.Payloads
	require.NoError(t, protojson.Unmarshal([]byte(out), &decoded))
	require.Contains(t, string(decoded.GetPayloads()[0].GetData()), "13800138000")
	got := e.auditLog(t)
	require.Len(t, got, 1, "one entry for the request")
	require.Equal(t, store.AuditEntry{ID: got[0].ID, At: officeNow, User: "office", Action: store.AuditDecryptPayloads,
		Detail: "POST /codec/decode", Count: 2, Client: "127.0.0.1"}, got[0], "the payloads it decrypted")

	breakAuditLog(t, filepath.Join(dir, "rectify.db"))
	status, out = decode("tok-leader")
	require.Equal(t, http.StatusServiceUnavailable, status)
	require.NotContains(t, out, "13800138000")
	require.Contains(t, out, "access log")
}

func mustPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

// regexpOlder finds the link to the older entries.
var regexpOlder = regexp.MustCompile(`<a href="([^"]+)" rel="next">更早的记录</a>`)
