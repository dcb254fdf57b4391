package app

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/workflows"
)

// importDone uploads a ledger, waits until its batch is done and returns the batch
// as the API shows it the moment it says done.
func (h *harness) importDone(t *testing.T, campaignID, path string) map[string]any {
	t.Helper()
	status, b := h.Upload("office", "/api/v1/campaigns/"+campaignID+"/batches", path, nil)
	require.Equal(t, http.StatusCreated, status, "%v", b)
	id := b["id"].(string)
	var done map[string]any
	require.Eventually(t, func() bool {
		done = h.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)
		return done["state"] == "done"
	}, 2*time.Minute, 20*time.Millisecond)
	return done
}

// ledgerFile writes a CSV ledger: header, then rows.
func ledgerFile(t *testing.T, dir, name, header string, rows ...string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(header+"\n"+strings.Join(rows, "\n")+"\n"), 0o600))
	return path
}

// numbered is a ledger of n opinions numbered 序号 1…n, saying what says(i) does.
func numbered(n int, channel, date string, says func(i int) string) []string {
	rows := make([]string, n)
	for i := range n {
		rows[i] = fmt.Sprintf("%d,%s,%s,%s", i+1, says(i+1), channel, date)
	}
	return rows
}

func TestEveryRowOfTwoSerialNumberedLedgersBecomesAnOpinionAndCollectedIsTheSumStarted(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "sn", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	dir := t.TempDir()
	const header = "序号,意见内容,来源,收集时间"
	// A workbook's worth and a symposium's, both numbered from 1, as offices number them.
	workbook := ledgerFile(t, dir, "意见汇总.csv", header, numbered(30, "热线", "2026-11-02", func(i int) string {
		return fmt.Sprintf("热线反映第%d处路灯不亮", i)
	})...)
	symposium := ledgerFile(t, dir, "座谈会.csv", header, numbered(12, "座谈会", "2026-11-05", func(i int) string {
		return fmt.Sprintf("座谈会意见第%d条：窗口办事要跑多次", i)
	})...)

	started := 0
	stats := func() float64 {
		return h.Must("office", http.MethodGet, "/api/v1/campaigns/sn/stats", nil, http.StatusOK)["collected"].(float64)
	}
	listed := func() float64 {
		return h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=sn", nil, http.StatusOK)["total"].(float64)
	}

	first := h.importDone(t, "sn", workbook)
	require.EqualValues(t, 30, first["started"])
	started += 30
	require.EqualValues(t, started, listed(), "done means the list shows every opinion the import started")
	require.EqualValues(t, started, stats(), "and the figures count them")

	second := h.importDone(t, "sn", symposium)
	require.EqualValues(t, 12, second["started"], "序号 1…12 again are twelve other opinions, not rows already there")
	require.EqualValues(t, 0, second["already_present"])
	started += 12
	require.EqualValues(t, started, listed(), "every row of both files is an opinion")
	require.EqualValues(t, started, stats())

	again := h.importDone(t, "sn", workbook)
	require.EqualValues(t, 0, again["started"], "importing a file again starts nothing")
	require.EqualValues(t, 30, again["already_present"])
	present := again["already_present_rows"].([]any)
	require.Len(t, present, 30, "and says which rows are which opinions")
	row := present[4].(map[string]any)
	require.EqualValues(t, 6, row["row"])
	require.Equal(t, "5", row["serial"])
	o := h.Must("office", http.MethodGet, "/api/v1/opinions/"+row["opinion_id"].(string), nil, http.StatusOK)
	require.Equal(t, "热线反映第5处路灯不亮", o["content"], "row 6 (序号 5) is the opinion it was the first time")
	require.Equal(t, "5", o["extra"].(map[string]any)["序号"], "the 序号 stays with the opinion")

	// A ledger with identifiers, and a later one whose key TJ-1 now says something else.
	const keyed = "意见编号,意见内容,来源,收集时间,涉及单位"
	third := h.importDone(t, "sn", ledgerFile(t, dir, "工单.csv", keyed,
		"TJ-1,小区门口道路积水,热线,2026-11-06,城管科",
		"TJ-2,垃圾清运不及时,来信,2026-11-06,"))
	require.EqualValues(t, 2, third["started"])
	started += 2
	fourth := h.importDone(t, "sn", ledgerFile(t, dir, "工单(补).csv", keyed,
		"TJ-1,广场舞噪音扰民,热线,2026-11-07,城管科",
		"TJ-2,垃圾清运不及时,来信,2026-11-06,",
		"TJ-3,公厕无人打扫,走访,2026-11-07,城市管理科"))
	require.EqualValues(t, 1, fourth["started"])
	require.EqualValues(t, 1, fourth["already_present"], "TJ-2 is the same opinion")
	require.EqualValues(t, 1, fourth["key_conflicts"])
	require.EqualValues(t, 1, fourth["refused"])
	require.EqualValues(t, 1, fourth["accepted_with_warnings"], "an unknown department is a warning, not a refusal")
	warnings := fourth["warnings"].([]any)
	require.Len(t, warnings, 1)
	w := warnings[0].(map[string]any)
	require.Equal(t, []any{float64(4), "涉及单位", "unknown_department"}, []any{w["row"], w["column"], w["code"]})
	started++
	tj1 := workflows.OpinionID("sn", "TJ-1")
	rejections := fourth["rejections"].([]any)
	require.Len(t, rejections, 1)
	conflict := rejections[0].(map[string]any)
	require.Equal(t, "key_conflict", conflict["code"])
	require.EqualValues(t, 2, conflict["row"])
	require.Equal(t, "意见编号", conflict["column"])
	require.Contains(t, conflict["reason"], tj1, "the refusal names the opinion that has the key")
	o = h.Must("office", http.MethodGet, "/api/v1/opinions/"+tj1, nil, http.StatusOK)
	require.Equal(t, "小区门口道路积水", o["content"], "the existing opinion is untouched")

	req, err := http.NewRequest(http.MethodGet, h.Base+"/api/v1/batches/"+fourth["id"].(string)+"/rejections.csv", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	download, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(download), "广场舞噪音扰民", "the conflicting row is in the refused rows, with its cells")
	require.Contains(t, string(download), "公厕无人打扫", "and the row with a warning, marked as imported")
	require.Contains(t, string(download), "已导入，仅提示")

	// One at a time: the same key with other content is a conflict; a new one is started.
	status, out := h.Call("office", http.MethodPost, "/api/v1/campaigns/sn/opinions", map[string]any{
		"key": "TJ-1", "content": "广场舞噪音扰民", "channel": "热线", "collected_at": "2026-11-07"})
	require.Equal(t, http.StatusConflict, status, "%v", out)
	require.Equal(t, "key_conflict", apitest.ErrorCode(out))
	require.Contains(t, out["error"].(map[string]any)["message"], tj1)
	h.Must("office", http.MethodPost, "/api/v1/campaigns/sn/opinions", map[string]any{
		"key": "TJ-2", "content": "垃圾清运不及时", "channel": "来信", "collected_at": "2026-11-06"}, http.StatusOK)
	h.Must("office", http.MethodPost, "/api/v1/campaigns/sn/opinions", map[string]any{
		"content": "公园路灯不亮", "channel": "走访", "collected_at": "2026-11-08"}, http.StatusCreated)
	submitted := 1

	require.EqualValues(t, started+submitted, stats(), "collected is every opinion started by the imports and the submissions")
	require.EqualValues(t, started+submitted, listed())
}
