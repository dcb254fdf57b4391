package app

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/workflows"
)

// TestCampaignSettingsAndRoutingHintsOverHTTP runs against the real server, worker
// and store: a department written another way lands as the department it names
// once the office gives it that alias; a department nobody knows costs nothing (the
// opinion is accepted with a warning and triage shows the text as written); an
// opinion that started before the settings changed is sorted into a category and
// assigned to a department added since; a ledger import reads the same aliases.
func TestCampaignSettingsAndRoutingHintsOverHTTP(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{
		"id": "zg", "name": "作风建设整改", "departments": []string{"城管科", "民政科"},
	}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	submit := func(key, content, channel, department string) map[string]any {
		return h.Must("office", http.MethodPost, "/api/v1/campaigns/zg/opinions", map[string]any{
			"key": key, "content": content, "channel": channel, "collected_at": today, "department": department,
		}, http.StatusCreated)
	}

	// Before the alias: accepted, kept as written, 城管科 suggested.
	early := submit("Z-1", "城管执法人员在菜市场门口态度粗暴", "走访", "城市管理科")
	require.Equal(t, []any{map[string]any{"field": "department", "code": "unknown_department", "suggestion": "城管科",
		"message": `department: "城市管理科" is not one of this campaign's departments; kept as written for triage, which will suggest "城管科"`}},
		early["warnings"])
	require.Equal(t, "城市管理科", early["written_department"])
	require.Equal(t, "城管科", early["suggested_department"])
	require.Nil(t, early["department"])

	// Settings: only the office, refused with the field named, then changed.
	status, out := h.Call("leader", http.MethodPatch, "/api/v1/campaigns/zg", map[string]any{"name": "改名"})
	require.Equal(t, http.StatusForbidden, status, "%v", out)
	status, out = h.Call("office", http.MethodPatch, "/api/v1/campaigns/zg", map[string]any{
		"departments": []any{map[string]any{"name": "城管科", "aliases": []string{"民政科"}}}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, out["error"].(map[string]any)["message"], `departments[城管科].aliases "民政科" is already one of this campaign's departments`)
	status, out = h.Call("office", http.MethodPatch, "/api/v1/campaigns/zg", map[string]any{"departmens": []string{"x"}})
	require.Equal(t, http.StatusBadRequest, status, "%v", out)
	changed := h.Must("office", http.MethodPatch, "/api/v1/campaigns/zg", map[string]any{
		"departments": []any{map[string]any{"name": "城管科", "aliases": []string{"城市管理科"}}, "住建局"},
		"categories": []any{
			map[string]any{"name": "窨井盖安全", "speed": "immediate", "working_days": 4},
			map[string]any{"name": "制度漏洞", "retired": true}},
		"channels": []any{"民情走访", map[string]any{"name": "visit", "aliases": []string{"走访", "入户走访", "来访"}}},
	}, http.StatusOK)
	require.EqualValues(t, 1, changed["revision"])

	// After: the alias lands as 城管科 with no warning; the new channel and alias count.
	later := submit("Z-2", "城管队员乱罚款", "民情走访", "城市管理科")
	require.Equal(t, "城管科", later["department"])
	require.Equal(t, []any{}, later["warnings"])
	require.Equal(t, "民情走访", later["channel"])
	alien := submit("Z-3", "外星人占用小区车位", "来访", "外星局")
	require.Equal(t, "visit", alien["channel"])
	require.Equal(t, "外星局", alien["written_department"])
	require.Equal(t, "unknown_department", alien["warnings"].([]any)[0].(map[string]any)["code"])
	require.Nil(t, alien["suggested_department"], "nothing like it")
	status, out = h.Call("office", http.MethodPost, "/api/v1/campaigns/zg/opinions", map[string]any{
		"content": "x", "channel": "电报", "collected_at": today})
	require.Equal(t, http.StatusUnprocessableEntity, status, "an unknown channel is still refused: %v", out)

	// The opinion from before the change now pre-selects 城管科 by its alias, and
	// runs by the settings as they are: a category and department added since.
	id := early["id"].(string)
	got := h.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
	require.Equal(t, "城管科", got["suggested_department"])
	refused := h.Act("office", id, "categorize", map[string]any{"category": "制度漏洞"}, http.StatusUnprocessableEntity)
	require.Equal(t, "retired_category", refused["error"].(map[string]any)["code"])
	h.Act("office", id, "categorize", map[string]any{"category": "窨井盖安全"}, http.StatusOK)
	assigned := h.Act("office", id, "assign", map[string]any{"department": "住建局", "official": "official", "leader": "leader"}, http.StatusOK)
	require.Equal(t, "住建局", assigned["department"])
	require.Contains(t, assigned["deadline_explanation"], "4 working days", "the added category's working days, in the English the client asked for")
	h.Act("office", id, "cancel", map[string]any{"reason": "反映人撤回"}, http.StatusOK)
	h.historyLength(id) // its last workflow task done
	recordHistory(t, h, workflows.OpinionWorkflowID(id), "settings_added_after_start")

	// The record of the change.
	record := h.Must("leader", http.MethodGet, "/api/v1/campaigns/zg/changes", nil, http.StatusOK)
	var fields []string
	for _, c := range record["changes"].([]any) {
		ch := c.(map[string]any)
		require.Equal(t, "office", ch["actor"])
		fields = append(fields, ch["field"].(string))
	}
	require.Contains(t, fields, "departments[城管科].aliases")
	require.Contains(t, fields, "categories[制度漏洞].retired")
	require.Contains(t, fields, "channels[民情走访]")

	// A ledger reads the same aliases; a department nobody knows costs no row.
	ledger := filepath.Join(t.TempDir(), "走访台账.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("编号,意见内容,来源,收集时间,责任单位\n"+
		"L-1,背街小巷路灯不亮,来访,"+today+",城市管理科\n"+
		"L-2,低保审批太慢,民情走访,"+today+",外星局\n"), 0o600))
	status, batch := h.Upload("office", "/api/v1/campaigns/zg/batches", ledger, nil)
	require.Equal(t, http.StatusCreated, status, "%v", batch)
	require.EqualValues(t, 2, batch["accepted"], "%v", batch)
	require.Eventually(t, func() bool {
		return h.Must("office", http.MethodGet, "/api/v1/batches/"+batch["id"].(string), nil, http.StatusOK)["state"] == "done"
	}, time.Minute, 20*time.Millisecond)
	l1 := h.Must("office", http.MethodGet, "/api/v1/opinions/"+domain.OpinionID("zg", "L-1"), nil, http.StatusOK)
	require.Equal(t, "城管科", l1["department"])
	require.Equal(t, "visit", l1["channel"])
	l2 := h.Must("office", http.MethodGet, "/api/v1/opinions/"+domain.OpinionID("zg", "L-2"), nil, http.StatusOK)
	require.Equal(t, "外星局", l2["written_department"])

	// Triage shows the text as written.
	web := signInWeb(t, h.Base, "office")
	page := web.get(t, "/triage?campaign=zg")
	require.Contains(t, page, "文件写的：外星局")
	require.Equal(t, 2, strings.Count(page, "文件写的：外星局"), "the submitted one and the imported one")
	page = web.get(t, "/campaigns/zg")
	require.Contains(t, page, "部门“城管科”的别名")
}

// webSession is a signed-in browser session without a browser: a cookie jar.
type webSession struct {
	c    *http.Client
	base string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func signInWeb(t *testing.T, base, username string) webSession {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	s := webSession{c: &http.Client{Jar: jar}, base: base}
	m := csrfField.FindStringSubmatch(s.get(t, "/login"))
	require.NotNil(t, m)
	resp, err := s.c.PostForm(base+"/login", url.Values{"username": {username}, "password": {username}, "csrf": {html.UnescapeString(m[1])}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "signed in and on the home page")
	return s
}

func (s webSession) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := s.c.Get(s.base + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	return string(body)
}
