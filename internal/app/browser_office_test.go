package app

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/domain"
)

// TestBrowserOfficeCampaignMergeAndLedger is the office's setup and housekeeping
// in the browser: a new campaign with a category of its own (a mistake in the
// category table shown at its cell first), that category suggested and offered in
// triage, two duplicates merged into one — one picked from the list, one named by
// the id the page shows after a wrong key was refused next to the box — and the
// 整改台账 downloaded from the campaign page and the dashboard, which an official
// may not do.
func TestBrowserOfficeCampaignMergeAndLedger(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	b.signIn("office")

	b.open("/campaigns")
	b.shot("campaigns")
	row := value(b, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('input[name=category_name]')).findIndex(e => !e.value)`))
	require.Positive(t, row, "the default categories come first, then empty rows")
	cell := func(part string) string { return fmt.Sprintf("campaign-category_%s-%d", part, row) }
	b.run(
		chromedp.SendKeys(chromedp.ID("campaign-name"), "窨井盖专项整治"),
		chromedp.SendKeys(chromedp.ID("campaign-id"), "manholes"),
		chromedp.SetValue(chromedp.ID("campaign-departments"), "城管科\n住建局"),
		chromedp.SetValue(chromedp.ID("campaign-sign_working_days"), "2"),
		chromedp.SendKeys(chromedp.ID(cell("name")), "窨井盖安全"),
		chromedp.SetValue(chromedp.ID(cell("speed")), string(domain.SpeedImmediate)),
		chromedp.SendKeys(chromedp.ID(cell("working_days")), "0"),
		chromedp.SendKeys(chromedp.ID(cell("keywords")), "井盖、窨井"),
	)
	b.submitAndWait(`form[action="/campaigns"] button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID(cell("working_days") + "-err")))
	b.shot("campaign-form-error")
	require.Equal(t, "请填写大于 0 的整数，或留空按整改方式取默认值。", b.text("#"+cell("working_days")+"-err"))
	require.Equal(t, "true", value(b, chromedp.AttributeValue(chromedp.ID(cell("working_days")), "aria-invalid")).Value)
	kept := value(b, chromedp.Evaluate[[]string](fmt.Sprintf(`[%q, %q, %q, %q, %q].map(id => document.getElementById(id).value)`,
		"campaign-name", "campaign-sign_working_days", cell("name"), cell("speed"), cell("keywords"))))
	require.Equal(t, []string{"窨井盖专项整治", "2", "窨井盖安全", "immediate", "井盖、窨井"}, kept, "what was typed is kept")

	b.run(chromedp.SetValue(chromedp.ID(cell("working_days")), "4"))
	b.submitAndWait(`form[action="/campaigns"] button[type=submit]`)
	require.Equal(t, "活动“窨井盖专项整治”已创建。", b.text(`main [role=status]`))
	b.open("/campaigns/manholes")
	b.shot("campaign")
	categories := value(b, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('section[aria-labelledby=categories-title] tbody tr'))
		.map(tr => Array.from(tr.cells).map(td => td.textContent.trim()))`))
	require.Contains(t, categories, []string{"窨井盖安全", "立行立改", "4", "井盖、窨井"})
	sign := value(b, chromedp.Evaluate[string](`Array.from(document.querySelectorAll('section[aria-labelledby=policy-title] dt'))
		.find(dt => dt.textContent === '签收期限').nextElementSibling.textContent`))
	require.Equal(t, "2 个工作日", sign, "the campaign's own time to sign for an item")

	// Three reports of one missing manhole cover; the new category's keywords suggest it.
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	report := func(key, content string) string {
		return h.Must("office", "POST", "/api/v1/campaigns/manholes/opinions", map[string]any{
			"key": key, "content": content, "channel": "hotline", "collected_at": today}, 201)["id"].(string)
	}
	target, picked, typed := report("R1", "解放路窨井盖缺失，行人易跌倒"), report("R2", "解放路井盖丢了"), report("R3", "解放路口井盖没了")

	b.open("/triage?campaign=manholes")
	b.shot("triage-own-category")
	require.Equal(t, 3, strings.Count(b.text("main table"), "窨井盖安全"), "each is suggested the new category")
	b.open("/opinions/" + target)
	require.Contains(t, value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#categorize-category option')).map(o => o.value)`)),
		"窨井盖安全", "triage offers the campaign's own category")
	b.act(target, domain.ActionCategorize)
	require.Contains(t, b.text("main dl.facts"), "窨井盖安全")
	require.Contains(t, value(b, chromedp.TextContent(chromedp.ID("assign-preview"))), "4 个工作日",
		"the deadline offered for assigning counts the category's own working days")
	id := b.text("code#opinion-id")
	require.Equal(t, target, id, "the page shows the opinion's id")

	// A wrong key is refused next to the box, keeping what was typed.
	mergeForm := fmt.Sprintf(`form[action="/opinions/%s/act/merge"]`, picked)
	b.open("/opinions/" + picked)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+mergeForm+`) > summary`)), chromedp.WaitVisible(chromedp.ID("merge-into")))
	group := value(b, chromedp.Evaluate[string](`document.querySelector('#merge-into option[value=`+jsString(target)+`]').parentElement.label`))
	require.Equal(t, "同类别（窨井盖安全）", group, "the opinion to merge into is listed with those of the same category")
	b.run(chromedp.SendKeys(chromedp.ID("merge-into_key"), "R9"))
	b.submitAndWait(mergeForm + ` button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID("merge-into_key-err")))
	b.shot("merge-wrong-key")
	require.Equal(t, "本活动中没有编号或意见 ID 为“R9”的意见。", b.text("#merge-into_key-err"))
	require.Equal(t, "R9", value(b, chromedp.Value(chromedp.ID("merge-into_key"))))
	require.Equal(t, "已收集", b.text(`article .crumbs .badge:last-child`), "nothing was merged")

	// Picked from the list.
	b.act(picked, domain.ActionMerge, chromedp.SetValue(chromedp.ID("merge-into"), target))
	b.shot("merged")
	require.Equal(t, "已合并", b.text(`article .crumbs .badge:last-child`))
	require.Equal(t, "/opinions/"+target, value(b, chromedp.AttributeValue(chromedp.CSS(`dl.facts a[href^="/opinions/"]`), "href")).Value)

	// Named by the id its page shows.
	b.act(typed, domain.ActionMerge, chromedp.SendKeys(chromedp.ID("merge-into_key"), id))
	require.Equal(t, "已合并", b.text(`article .crumbs .badge:last-child`))
	require.Eventually(t, func() bool {
		merges := 0
		for _, e := range h.Must("office", "GET", "/api/v1/opinions/"+target, nil, 200)["timeline"].([]any) {
			if e.(map[string]any)["action"] == string(domain.EventMergedIn) {
				merges++
			}
		}
		return merges == 2
	}, time.Minute, 50*time.Millisecond, "the opinion records both merged into it")
	b.open("/opinions/" + target)
	require.Equal(t, 2, strings.Count(b.text("main table.list"), "并入"), "its timeline shows both")

	// The ledger, from the campaign page and from the dashboard.
	ledger := func(page string) {
		t.Helper()
		b.open(page)
		require.Equal(t, "/campaigns/manholes/ledger.csv", value(b, chromedp.AttributeValue(chromedp.ID("ledger-csv"), "href")).Value)
		status, kind, body := b.download("#ledger-xlsx")
		require.Equal(t, 200, status, "%s: the Excel ledger", page)
		require.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", kind)
		book, err := excelize.OpenReader(bytes.NewReader(body))
		require.NoError(t, err)
		require.Equal(t, []string{"问题清单", "任务清单", "责任清单", "汇总", "意见明细"}, book.GetSheetList())
		rows, err := book.GetRows("意见明细")
		require.NoError(t, err)
		require.Len(t, rows, 6, "two title rows, a header and the three opinions")
		all := fmt.Sprint(rows)
		for _, content := range []string{"解放路窨井盖缺失，行人易跌倒", "解放路井盖丢了", "解放路口井盖没了"} {
			require.Contains(t, all, content)
		}
		status, kind, body = b.download("#ledger-csv")
		require.Equal(t, 200, status, "%s: the CSV ledger", page)
		require.Equal(t, "text/csv; charset=utf-8", kind)
		require.Contains(t, string(body), "解放路井盖丢了")
	}
	ledger("/campaigns/manholes")
	ledger("/dashboard?campaign=manholes")
	b.signOut()

	b.signIn("official")
	resp := value(b, chromedp.NavigateResponse(h.Base+"/campaigns/manholes/ledger.xlsx"))
	b.run(chromedp.WaitVisible(chromedp.CSS("main")))
	b.shot("ledger-forbidden")
	require.EqualValues(t, 403, resp.Status, "an official may not download the ledger")
	require.Contains(t, b.text("main h1"), "403")
	require.NotEmpty(t, b.text(`main [role=alert]`))
}
