package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/domain"
	"rectify/internal/ledger"
)

// ledgerFixture holds one opinion of each kind a ledger must tell apart, collected
// in this order: closed on time after a satisfied follow-up, in progress with an
// extension pending, rejected, and one whose text starts like a formula.
func ledgerFixture(t *testing.T) *fixture {
	f := newFixture(t)
	closedAt := time.Date(2025, 6, 9, 17, 0, 0, 0, time.UTC) // 2025-06-10 01:00 in Beijing
	at := func(hours int) func(*domain.Opinion) {
		return func(o *domain.Opinion) { o.CreatedAt = fixedNow.Add(time.Duration(hours) * time.Hour) }
	}
	f.project(t, newOpinion("K-1", at(-40), assigned(domain.StateClosed, "official", deptA, "2025-06-12", domain.LevelNone),
		func(o *domain.Opinion) {
			o.Measures, o.VerifiedBy, o.Satisfaction = "更换路灯 12 盏", "verifier", domain.SatisfactionSatisfied
			o.ClosedAt, o.OnTime, o.ReworkCount = closedAt, true, 1
		}))
	f.project(t, newOpinion("K-2", at(-30), assigned(domain.StateInProgress, "official2", deptB, "2025-06-05", domain.LevelSupervised),
		func(o *domain.Opinion) {
			o.PendingExtension = &domain.Extension{Until: "2025-06-30", Reason: "需走采购程序"}
		}))
	f.project(t, newOpinion("K-3", at(-20), func(o *domain.Opinion) {
		o.State = domain.StateRejected
		o.Timeline = append(o.Timeline, domain.Event{Seq: 2, Actor: "office", Action: domain.ActionReject,
			From: domain.StateReceived, To: domain.StateRejected, Reason: "不属于本次活动范围"})
	}))
	f.project(t, newOpinion("K-4", at(-10), func(o *domain.Opinion) { o.Content = "=HYPERLINK(\"http://x\")" }))
	return f
}

func TestLedgerXLSXIsTheRectificationLedger(t *testing.T) {
	f := ledgerFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.xlsx", "leader", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Header().Get("Content-Disposition"), "attachment")
	require.Contains(t, rec.Header().Get("Content-Disposition"), "20250610.xlsx")

	book, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	require.NoError(t, err)
	require.Equal(t, []string{ledger.SheetProblems, ledger.SheetTasks, ledger.SheetResponsibilities, ledger.SheetSummary,
		ledger.SheetOpinions}, book.GetSheetList())
	rows, err := book.GetRows(ledger.SheetOpinions)
	require.NoError(t, err)
	require.Contains(t, rows[0][0], "整改台账 · 意见明细", "its title rows, then the table")
	rows = rows[2:]
	require.Equal(t, ledger.Header, rows[0])
	require.Len(t, rows, 5, "a header and the four opinions")
	col := func(row []string, name string) string {
		for i, h := range ledger.Header {
			if h == name && i < len(row) {
				return row[i]
			}
		}
		return ""
	}
	closed, pending, rejected, formula := rows[1], rows[2], rows[3], rows[4]
	require.Equal(t, []string{"K-1", "热线", deptA, "王科长（official）", "刘书记（leader）", "更换路灯 12 盏", "2025-06-12",
		"已销号", "1", "2025-06-10", "是", "满意", "赵核查（verifier）"},
		[]string{col(closed, "序号"), col(closed, "来源"), col(closed, "责任单位"), col(closed, "责任人"), col(closed, "分管领导"),
			col(closed, "整改措施"), col(closed, "整改时限"), col(closed, "办理状态"), col(closed, "返工次数"),
			col(closed, "办结时间"), col(closed, "按期办结"), col(closed, "回访满意度"), col(closed, "核查人")})
	require.Equal(t, "督办", col(pending, "超期情况"))
	require.Equal(t, "申请延期至 2025-06-30，待审批", col(pending, "备注"))
	require.Equal(t, "", col(pending, "办结时间"))
	require.Equal(t, "不予受理：不属于本次活动范围", col(rejected, "备注"))
	require.Equal(t, "'=HYPERLINK(\"http://x\")", col(formula, "意见内容"), "nothing a citizen typed runs as a formula")
	for _, row := range rows {
		require.NotContains(t, strings.Join(row, "|"), "13800138000", "no submitter phone in a ledger that travels")
		require.NotContains(t, strings.Join(row, "|"), "张三")
	}
}

func TestLedgerCSVOfOpenOpinions(t *testing.T) {
	f := ledgerFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.csv?open=true", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
	body, ok := strings.CutPrefix(rec.Body.String(), "\uFEFF")
	require.True(t, ok, "a BOM, so Excel shows Chinese")
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	var keys []string
	for _, r := range records[1:] {
		keys = append(keys, r[0])
	}
	require.Equal(t, []string{"K-2", "K-4"}, keys, "only what is still being worked on, in the order collected")
}

func TestLedgerRefusals(t *testing.T) {
	f := ledgerFixture(t)
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.xlsx", "official", ""),
		http.StatusForbidden, "forbidden", "roles: Leader, Campaign office")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/nope/ledger.csv", "office", ""),
		http.StatusNotFound, "campaign_not_found", "nope")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger.csv?open=maybe", "office", ""),
		http.StatusUnprocessableEntity, "invalid_open", "open")
	requireError(t, f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger", "leader", ""),
		http.StatusForbidden, "forbidden", "office")
}

// The JSON ledger is the import format: importing it elsewhere rebuilds every
// opinion with its key, source fields and category.
func TestLedgerJSONIsTheImportFormat(t *testing.T) {
	f := ledgerFixture(t)
	rec := f.do(t, http.MethodGet, "/api/v1/campaigns/"+campaignID+"/ledger?open=true", "office", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rows := decodeAs[[]map[string]string](t, rec)
	require.Len(t, rows, 2)
	require.Equal(t, map[string]string{
		"key": "K-2", "content": "小区路灯坏了一个月", "channel": "hotline", "collected_at": "2025-06-01",
		"submitter": "张三", "phone": "13800138000", "department": deptB, "category": "群众需要解决的问题",
	}, rows[0])
}
