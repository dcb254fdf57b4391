package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/ledger"
	"rectify/internal/spreadsheet"
	"rectify/internal/store"
)

// reportFixture is ledgerFixture with the reports' texts as lang.key, so a test
// reads which text went where.
func reportFixture(t *testing.T) *fixture {
	f := ledgerFixture(t)
	f.config.Translate = func(lang, key string, args ...any) string { return lang + "." + key + fmt.Sprint(args...) }
	f.build()
	return f
}

func openBook(t *testing.T, body []byte) *excelize.File {
	t.Helper()
	book, err := excelize.OpenReader(bytes.NewReader(body))
	require.NoError(t, err)
	return book
}

// A cut-off that is not a date, is to come, or is past without a report kept for
// it is refused with a message naming until; nothing is made.
func TestProgressReportRefusesABadUntil(t *testing.T) {
	f := reportFixture(t)
	path := "/api/v1/campaigns/" + campaignID + "/reports/progress.xlsx"
	requireError(t, f.do(t, http.MethodGet, path+"?until=2025-02-30", "leader", ""),
		http.StatusUnprocessableEntity, "until_format", "until", "YYYY-MM-DD", "2025-02-30")
	requireError(t, f.do(t, http.MethodGet, path+"?until=10.06.2025", "office", ""),
		http.StatusUnprocessableEntity, "until_format", "until")
	requireError(t, f.do(t, http.MethodGet, path+"?until=2025-06-11", "leader", ""),
		http.StatusUnprocessableEntity, "until_after_today", "until 2025-06-11", "2025-06-10")
	requireError(t, f.do(t, http.MethodGet, path+"?until=2025-06-01", "leader", ""),
		http.StatusUnprocessableEntity, "until_no_report", "until 2025-06-01")
	requireError(t, f.do(t, http.MethodGet, path+"?until=2025-06-10&untill=x", "leader", ""),
		http.StatusUnprocessableEntity, "unknown_parameter", "until")
	requireError(t, f.do(t, http.MethodGet, path, "official", ""), http.StatusForbidden, "forbidden", "roles: Leader, Campaign office")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.xlsx?until=2025-6-1", "leader", ""),
		http.StatusUnprocessableEntity, "until_format", "until")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.xlsx?until=2025-06-09", "leader", ""),
		http.StatusUnprocessableEntity, "until_before_today", "until 2025-06-09")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger?until=2025-06-10", "office", ""),
		http.StatusUnprocessableEntity, "unknown_parameter", "until")
}

// Today's report holds the figures the stats answer, in the reader's language.
func TestProgressReportOfTodayHasTheStatsFigures(t *testing.T) {
	f := reportFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/reports/progress.xlsx?until=2025-06-10&lang=en", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Header().Get("Content-Disposition"), "20250610.xlsx")
	stats := decodeAs[store.Stats](t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/stats", "leader", ""))

	book := openBook(t, rec.Body.Bytes())
	require.Equal(t, []string{"en.report.sheet.summary", "en.report.sheet.overdue", "en.report.sheet.leaders",
		"en.report.sheet.long_term"}, book.GetSheetList())
	rows, err := book.GetRows("en.report.sheet.summary", excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	require.Equal(t, "en.report.title主题教育 c12025-06-10", rows[0][0])
	figure := map[string]string{}
	for _, r := range rows[3:] {
		if len(r) == 2 {
			figure[r[0]] = r[1]
		}
	}
	require.Equal(t, strconv.Itoa(stats.Collected), figure["en.report.fig.collected"])
	require.Equal(t, strconv.Itoa(stats.Closed), figure["en.report.fig.closed"])
	require.Equal(t, strconv.Itoa(stats.Supervised), figure["en.report.fig.supervised"])
	items, err := book.GetRows("en.report.sheet.overdue")
	require.NoError(t, err)
	require.Len(t, items, 3+stats.Overdue, "title, header and every item the overdue figure counts")
	require.Equal(t, []string{"en.level.supervised", "K-2"}, items[3][:2])
}

// The 汇总 of the 整改台账 is the figures the stats answer (the dashboard's), for
// the campaign and every slice.
func TestLedgerSummaryIsTheStats(t *testing.T) {
	f := reportFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.xlsx?until=2025-06-10", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	stats := decodeAs[store.Stats](t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/stats", "leader", ""))
	book := openBook(t, rec.Body.Bytes())
	rows, err := book.GetRows(ledger.SheetSummary, excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	want := ledger.SummaryRows(stats, func(u string) string { return map[string]string{"leader": "刘书记（leader）"}[u] })
	require.Len(t, rows, 3+len(want))
	for i, w := range want {
		for j, cell := range w {
			switch v := cell.(type) {
			case int:
				require.Equal(t, strconv.Itoa(v), rows[3+i][j], "%v %s", w[:2], ledger.SummaryHeader[j])
			case string:
				require.Equal(t, v, rows[3+i][j])
			case spreadsheet.Percent:
				got, err := strconv.ParseFloat(rows[3+i][j], 64)
				require.NoError(t, err)
				require.InDelta(t, float64(v), got, 1e-14, "%v %s", w[:2], ledger.SummaryHeader[j])
			}
		}
	}
	require.Equal(t, strconv.Itoa(stats.Collected), rows[3][2])
	tasks, err := book.GetRows(ledger.SheetTasks)
	require.NoError(t, err)
	require.Contains(t, tasks[1][0], "截至日期：2025-06-10")
}

// A report the schedule made is kept once for its day, listed, downloadable and
// served for its day as until; making it again keeps nothing new.
func TestKeptReportsAreListedAndDownloaded(t *testing.T) {
	f := reportFixture(t)
	at := time.Date(2025, 6, 9, 10, 0, 0, 0, time.UTC) // 18:00 in Beijing
	r, created, err := f.svc.MakeScheduledReport(context.Background(), campaignID, at)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, "2025-06-09", r.CutOff)
	again, created, err := f.svc.MakeScheduledReport(context.Background(), campaignID, at.Add(time.Hour))
	require.NoError(t, err)
	require.False(t, created, "the same day twice is one report")
	require.Equal(t, r.ID, again.ID)

	list := decodeAs[struct {
		Reports []reportInfo `json:"reports"`
	}](t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/reports", "leader", ""))
	require.Len(t, list.Reports, 1)
	require.Equal(t, "/api/v1/reports/"+r.ID+".xlsx", list.Reports[0].Download)
	rec := f.do(t, http.MethodGet, list.Reports[0].Download, "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, openBook(t, rec.Body.Bytes()).GetSheetList(), "zh.report.sheet.summary")
	rec = f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/reports/progress.xlsx?until=2025-06-09", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, "a past day with a kept report: %s", rec.Body.String())

	requireError(t, f.do(t, http.MethodGet, "/api/v1/reports/nope.xlsx", "leader", ""), http.StatusNotFound, "report_not_found", "nope")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/reports/"+r.ID+".xlsx", "official", ""), http.StatusForbidden, "forbidden")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/reports", "verifier", ""), http.StatusForbidden, "forbidden")

	// Today's report says what changed since the kept one.
	leader, _ := f.svc.User("leader")
	p, err := f.svc.ProgressReport(context.Background(), leader, campaignID, "")
	require.NoError(t, err)
	require.NotNil(t, p.Changes.Since)
	require.Equal(t, "2025-06-09", p.Changes.Since.CutOff)
	doc, _ := json.Marshal(p)
	require.NotContains(t, string(doc), "13800138000", "no phone in a report")
}
