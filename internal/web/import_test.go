package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// warnedLedger has a row whose department the campaign does not know (line 2), a
// row already imported before (line 3), a row whose key belongs to another opinion
// (line 4) and a refused row (line 5).
const warnedLedger = "序号,意见编号,意见内容,来源,收集时间,涉及单位\n" +
	"1,K-1,小区路灯坏了,热线,2025-06-01,城市管理科\n" +
	"2,K-2,办事窗口排队太久,座谈会,2025-06-02,\n" +
	"3,K-3,食堂浪费严重,来信,2025-06-03,\n" +
	"4,K-4,垃圾清运不及时,电报,2025-06-03,\n"

func TestTheBatchPageShowsWarningsRowsAlreadyThereAndKeyConflicts(t *testing.T) {
	e := newOfficeEnv(t)
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.BatchWorkflowName, mock.Anything).Return(nil, nil).Once()
	b := e.signIn(t, "office")
	resp := b.upload(t, map[string]string{"campaign": "c1"}, "六月台账.csv", warnedLedger)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/batches/")

	// The batch's workflow starts the first row, finds the second already there and
	// the third's key taken by an opinion that says something else.
	existing := domain.OpinionID("c1", "K-2")
	require.NoError(t, e.store.RecordRowOutcomes(context.Background(), id, []store.RowOutcome{
		{Seq: 0, Outcome: store.OutcomeStarted},
		{Seq: 1, Outcome: store.OutcomeAlreadyPresent, Existing: existing},
		{Seq: 2, Outcome: store.OutcomeKeyConflict, Existing: domain.OpinionID("c1", "K-3"),
			Reason: `key "K-3" already belongs to opinion x, which differs in content`},
	}))
	status, body := b.get(t, loc)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<div class="n">2</div><div class="l">不合格</div>`, "the unknown channel and the key conflict")
	require.Contains(t, body, `<div class="n">1</div><div class="l">编号冲突</div>`)
	require.Contains(t, body, `<div class="n">1</div><div class="l">有提示</div>`)
	require.Contains(t, body, `<td class="num">4</td><td>意见编号</td><td>编号已属于另一件内容不同的意见`, "the conflict among the refused rows, at its row and key column")
	require.Contains(t, body, `<td class="num">2</td><td>1</td><td>涉及单位</td><td>涉及单位不是本活动的部门`, "the warning with its row, 序号 and column")
	require.Contains(t, body, `<td class="num">3</td><td>2</td><td><a href="/opinions/`+existing+`">`, "which opinion the row already there is")
	require.Contains(t, body, `<div class="n">0</div><div class="l">待处理</div>`)
	require.Contains(t, body, "正在等待新建的意见全部出现在意见列表和统计中", "every row is through, the ledger not yet")
	require.Contains(t, body, "下载全部未导入的行和提示")
	requireTranslated(t, body)
	requireLabelled(t, loc, body)

	resp, err := b.c.Get(e.srv.URL + loc + "/rejections.csv")
	require.NoError(t, err)
	csv := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	require.Len(t, lines, 4, "the header, then the warned row, the key conflict and the refused row in file order")
	require.Contains(t, lines[1], "已导入，仅提示")
	require.Contains(t, lines[1], "小区路灯坏了")
	require.Contains(t, lines[2], "食堂浪费严重")
	require.Contains(t, lines[2], `already belongs to opinion`)
	require.Contains(t, lines[3], "垃圾清运不及时")

	b.setLang(t, "en")
	_, body = b.get(t, loc)
	require.Contains(t, body, "Rows imported with warnings")
	require.Contains(t, body, "Download all refused rows and warnings")
	requireTranslated(t, body)
}

func TestADryRunListsTheWarningsAndStrictRefusesTheirRows(t *testing.T) {
	e := newOfficeEnv(t)
	b := e.signIn(t, "office")
	resp := b.upload(t, map[string]string{"campaign": "c1", "dry_run": "true"}, "台账.csv", warnedLedger)
	body := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `<div class="n">3</div><div class="l">合格</div>`, "a department the campaign does not know costs no row")
	require.Contains(t, body, `<div class="n">1</div><div class="l">有提示</div>`)
	require.Contains(t, body, `<td class="num">2</td><td>涉及单位</td><td>涉及单位不是本活动的部门`)
	requireTranslated(t, body)

	resp = b.upload(t, map[string]string{"campaign": "c1", "dry_run": "true", "strict": "true"}, "台账.csv", warnedLedger)
	body = readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `<div class="n">2</div><div class="l">不合格</div>`)
	require.Contains(t, body, `<td class="num">2</td><td>涉及单位</td><td>涉及单位不在本活动的部门中（严格模式）`)
	requireTranslated(t, body)
}
