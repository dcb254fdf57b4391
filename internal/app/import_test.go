package app

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apitest"
	"rectify/internal/domain"
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
	tj1 := domain.OpinionID("sn", "TJ-1")
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

// workbookWithCell writes an xlsx ledger of rows and puts text where a cell says
// PLACEHOLDER: excelize cuts what it writes at Excel's own limit, so a longer
// cell is put into the XML afterwards, as other software might write it.
func workbookWithCell(t *testing.T, dir, name, text string, rows ...[]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, row := range rows {
		require.NoError(t, f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row))
	}
	var buf bytes.Buffer
	require.NoError(t, f.Write(&buf))
	require.NoError(t, f.Close())
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		require.NoError(t, err)
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		w, err := zw.Create(zf.Name)
		require.NoError(t, err)
		_, err = w.Write(bytes.ReplaceAll(data, []byte("PLACEHOLDER"), []byte(text)))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, out.Bytes(), 0o600))
	return path
}

func TestImportRefusesARowWithACellOverExcelsLimitOrContentThatShowsNothingAndImportsTheRest(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "big", "name": "整改"}, http.StatusCreated)
	dir := t.TempDir()
	header := []any{"编号", "意见内容", "来源", "收集时间", "备注"}
	date := time.Now().AddDate(0, 0, -3).Format(domain.DateLayout)
	ledger := workbookWithCell(t, dir, "意见.xlsx", strings.Repeat("长", 40_000), header,
		[]any{"G-1", "路灯坏了", "热线", date, ""},
		[]any{"G-2", "道路积水", "热线", date, "PLACEHOLDER"},
		[]any{"G-3", "\u200b\u200b", "热线", date, ""},
		[]any{"G-4", "垃圾清运不及时", "热线", date, "夜间"},
	)
	status, b := h.Upload("office", "/api/v1/campaigns/big/batches", ledger, nil)
	require.Equal(t, http.StatusCreated, status, "%v", b)
	answer, err := json.Marshal(b)
	require.NoError(t, err)
	require.Less(t, len(answer), 16<<10, "the answer carries no long cell")
	rejections, _ := b["rejections"].([]any)
	require.Len(t, rejections, 2, "the row with the long cell and the row without content are refused")
	long, blank := rejections[0].(map[string]any), rejections[1].(map[string]any)
	require.Equal(t, []any{float64(3), "备注", "cell_too_long"}, []any{long["row"], long["column"], long["code"]})
	require.Contains(t, long["reason"], "column E (备注)")
	require.Contains(t, long["reason"], "32767")
	require.Equal(t, []any{float64(4), "意见内容", "invalid_content"}, []any{blank["row"], blank["column"], blank["code"]})
	require.Contains(t, blank["reason"], "empty")

	id := b["id"].(string)
	require.Eventually(t, func() bool {
		return h.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)["state"] == "done"
	}, time.Minute, 20*time.Millisecond)
	first := h.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)
	require.EqualValues(t, 2, first["started"], "the rows around them import")
	list := h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=big", nil, http.StatusOK)
	require.EqualValues(t, 2, list["total"])
	again := h.importDone(t, "big", ledger)
	require.EqualValues(t, 0, again["started"], "the same file again starts nothing")
	require.EqualValues(t, 2, again["already_present"])
	require.EqualValues(t, 2, again["rejected"])

	req, err := http.NewRequest(http.MethodGet, h.Base+"/api/v1/batches/"+id+"/rejections.xlsx", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	download, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	rows := readSheet(t, download)
	require.Len(t, rows, 3, "the header and the two refused rows")
	cell := rows[1][4+4] // after the sheet, row, column and reason, the fifth original column
	require.Less(t, len([]rune(cell)), 1100, "the refused row keeps only the start of the long cell")
	require.Contains(t, cell, "[cut: the cell had 40000 characters]")

	// A cell of megabytes, which compresses to a few kilobytes, is refused with
	// the whole file before any of it is read into memory.
	huge := workbookWithCell(t, dir, "巨大.xlsx", strings.Repeat("a", 2<<20), header, []any{"H-1", "道路积水", "热线", date, "PLACEHOLDER"})
	status, refused := h.Upload("office", "/api/v1/campaigns/big/batches", huge, nil)
	require.Equal(t, http.StatusUnprocessableEntity, status, "%v", refused)
	require.Equal(t, "file_too_large", apitest.ErrorCode(refused))
	require.EqualValues(t, 2, h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=big", nil, http.StatusOK)["total"])
}

// readSheet reads the first sheet of a workbook into rows of cells.
func readSheet(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	rows, err := f.GetRows(f.GetSheetName(0))
	require.NoError(t, err)
	return rows
}
