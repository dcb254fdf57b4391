package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestBrowserAssignsSelectedOpinionsInBulk is the office's triage of many
// opinions at once, in the browser: on a campaign's queue it selects the whole
// page, takes one opinion out again, picks assign (the form then shows only what
// assigning needs), forgets the official — the refusal comes back next to the
// field with the boxes still checked — and sends the bulk; its page follows it to
// done, and each selected opinion is assigned once, the other left as it was.
func TestBrowserAssignsSelectedOpinionsInBulk(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "tri", "name": "路灯专项整治", "departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	var ids []string
	for i := range 5 {
		id := h.Must("office", "POST", "/api/v1/campaigns/tri/opinions", map[string]any{"key": fmt.Sprintf("L-%d", i),
			"content": fmt.Sprintf("第%d盏路灯不亮", i+1), "channel": "hotline", "collected_at": today}, 201)["id"].(string)
		h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, 200)
		ids = append(ids, id)
	}
	kept := ids[2]

	b.signIn("office")
	b.open("/triage?campaign=tri")
	b.shot("triage-bulk-form")
	b.run(chromedp.Click(chromedp.ID("select-all")))
	checked := func() []string {
		return value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('input[name=opinions]:checked')).map(e => e.value)`))
	}
	require.ElementsMatch(t, ids, checked(), "select all checks every row of the page")
	b.run(chromedp.Click(chromedp.ID("pick-" + kept)))
	require.False(t, value(b, chromedp.Evaluate[bool](`document.getElementById('select-all').checked`)), "no longer all")

	b.run(chromedp.SetValue(chromedp.ID("bulk-action"), "assign"))
	value(b, chromedp.Evaluate[bool](`document.getElementById('bulk-action').dispatchEvent(new Event('change', {bubbles: true}))`))
	shown := value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#bulk-form [data-actions]'))
		.filter(e => !e.hidden).map(e => e.querySelector('[name]').name)`))
	require.Equal(t, []string{"department", "official", "leader", "measures", "deadline"}, shown, "only what assigning reads")
	b.run(
		chromedp.SetValue(chromedp.ID("bulk-department"), "城管科"),
		chromedp.SetValue(chromedp.ID("bulk-leader"), "leader"),
		chromedp.SendKeys(chromedp.ID("bulk-measures"), "统一更换灯具"),
	)
	b.shot("bulk-assign-filled")
	b.submitAndWait(`#bulk-form button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID("bulk-official-err")))
	b.shot("bulk-refused")
	require.Equal(t, "请指定责任人", b.text("#bulk-official-err"))
	require.Len(t, checked(), 4, "the boxes stay checked")
	require.NotContains(t, checked(), kept)
	require.Equal(t, "统一更换灯具", value(b, chromedp.Value(chromedp.ID("bulk-measures"))), "what was typed is kept")

	b.run(chromedp.SetValue(chromedp.ID("bulk-official"), "official"))
	b.submitAndWait(`#bulk-form button[type=submit]`)
	require.Contains(t, value(b, chromedp.Evaluate[string](`location.pathname`)), "/bulks/k-")
	// The page reloads itself while the bulk runs; read it until it says done.
	require.Eventually(t, func() bool {
		state, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.getElementById('bulk-state') || {}).textContent || ''`))
		return err == nil && state == "已完成"
	}, time.Minute, 100*time.Millisecond)
	b.run(chromedp.WaitVisible(chromedp.CSS("main")))
	b.shot("bulk-done")
	figures := value(b, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(document.querySelectorAll('[data-figure]')).map(e => [e.dataset.figure, e.textContent.trim()]))`))
	require.Equal(t, map[string]string{"total": "4", "done": "4", "refused": "0", "waiting": "0"}, figures)
	require.Equal(t, "没有未办理的意见。", b.text(`section[aria-labelledby=refusals-title] p.muted`))

	for _, id := range ids {
		o := h.recorded(id)
		assigns := 0
		for _, e := range o.Timeline {
			if e.Action == domain.ActionAssign {
				assigns++
			}
		}
		if id == kept {
			require.Equal(t, []any{domain.StateCategorized, 0}, []any{o.State, assigns}, "the opinion taken out of the selection")
			continue
		}
		require.Equal(t, []any{domain.StateAssigned, "城管科", "official", "leader", "统一更换灯具", 1},
			[]any{o.State, o.Department, o.Official, o.Leader, o.Measures, assigns}, id)
	}

	b.open("/triage?campaign=tri")
	left := value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('main table tbody input[name=opinions]')).map(e => e.value)`))
	require.Equal(t, []string{kept}, left, "only the one left out is still in triage")
}
