package app

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestBrowserOfficeChangesARunningCampaignsSettings is the office changing a
// running campaign's settings in the browser: an alias that clashes is refused at
// its cell with what was typed kept; then 城市管理科 becomes an alias of 城管科, a
// department, a category and a channel are added, a category retired and the
// extensions cut to one. The campaign page lists every change; triage then shows the
// opinion that came in as 城市管理科 with 城管科 pre-selected and the one from 外星局 as
// written; and the first is sorted into the new category and assigned to the new
// department on its page, with the new category's deadline.
func TestBrowserOfficeChangesARunningCampaignsSettings(t *testing.T) {
	h := startHarness(t)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "zg", "name": "作风建设整改",
		"departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	submit := func(key, content, department string) string {
		return h.Must("office", "POST", "/api/v1/campaigns/zg/opinions", map[string]any{"key": key, "content": content,
			"channel": "走访", "collected_at": today, "department": department}, 201)["id"].(string)
	}
	early := submit("Z-1", "城管执法人员在菜市场门口态度粗暴", "城市管理科")
	submit("Z-2", "外星人占用小区车位", "外星局")

	b := newBrowser(t, h.Base)
	b.signIn("office")
	b.open("/campaigns/zg")
	b.navigateBy(chromedp.Click(chromedp.ID("settings-link")), "the settings link")
	b.shot("settings")
	require.Equal(t, "修改活动设置 zg", b.text("main h1"))

	row := func(table, was string) int {
		i := value(b, chromedp.Evaluate[int](fmt.Sprintf(`Array.from(document.querySelectorAll('input[name^=%s-][name$=-was]')).findIndex(e => e.value === %s)`,
			table, jsString(was))))
		require.GreaterOrEqual(t, i, 0, "%s row %q", table, was)
		return i
	}
	cell := func(table string, i int, part string) string { return fmt.Sprintf("settings-%s-%d-%s", table, i, part) }
	city, newDep := row("dep", "城管科"), row("dep", "")
	b.run(chromedp.SendKeys(chromedp.ID(cell("dep", city, "aliases")), "城市管理科、民政科"))
	b.submitAndWait(`form.settings button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID(cell("dep", city, "aliases") + "-err")))
	b.shot("settings-error")
	require.Equal(t, "“民政科”已是本活动的部门名称，不能再作别名。", b.text("#"+cell("dep", city, "aliases")+"-err"))
	require.Equal(t, "城市管理科、民政科", value(b, chromedp.Value(chromedp.ID(cell("dep", city, "aliases")))), "what was typed is kept")

	newCat, retired, visit, newCh := row("cat", ""), row("cat", "制度漏洞"), row("ch", "visit"), row("ch", "")
	b.run(
		chromedp.SetValue(chromedp.ID(cell("dep", city, "aliases")), "城市管理科"),
		chromedp.SendKeys(chromedp.ID(cell("dep", newDep, "name")), "住建局"),
		chromedp.SendKeys(chromedp.ID(cell("cat", newCat, "name")), "窨井盖安全"),
		chromedp.SetValue(chromedp.ID(cell("cat", newCat, "speed")), string(domain.SpeedImmediate)),
		chromedp.SendKeys(chromedp.ID(cell("cat", newCat, "working_days")), "4"),
		chromedp.Click(chromedp.ID(cell("cat", retired, "retired"))),
		chromedp.SetValue(chromedp.ID(cell("ch", visit, "aliases")), "走访、入户走访、来访"),
		chromedp.SendKeys(chromedp.ID(cell("ch", newCh, "name")), "民情走访"),
	)
	b.shot("settings-filled")
	b.run(chromedp.SetValue(chromedp.ID("settings-max_extensions"), "1"))
	b.submitAndWait(`form.settings button[type=submit]`)
	b.shot("campaign-changed")
	require.Equal(t, "设置已保存。", b.text(`main [role=status]`))
	changes := value(b, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll('#changes tbody tr'))
		.map(tr => Array.from(tr.cells).slice(2).map(td => td.textContent.trim()))`))
	for _, want := range [][]string{
		{"部门“城管科”的别名", "—", "城市管理科"},
		{"新增部门“住建局”", "—", "住建局"},
		{"新增类别“窨井盖安全”", "—", "窨井盖安全"},
		{"类别“窨井盖安全”的整改时限（工作日）", "—", "4"},
		{"类别“制度漏洞”的状态", "在用", "已停用"},
		{"渠道“走访”的别名", "走访、入户走访", "走访、入户走访、来访"},
		{"新增渠道“民情走访”", "—", "民情走访"},
		{"最多延期次数", "2", "1"},
	} {
		require.Contains(t, changes, want)
	}
	require.Contains(t, b.text("#changes tbody tr:first-child"), "office", "who changed it")
	require.Contains(t, b.text(`section[aria-labelledby=categories-title]`), "制度漏洞 已停用", "a retired category stays listed")

	// Triage: the text as written, and the known value pre-selected.
	b.open("/triage?campaign=zg")
	b.shot("triage-as-written")
	table := b.text("main table")
	require.Contains(t, table, "文件写的：城市管理科 · 预选：城管科")
	require.Contains(t, table, "文件写的：外星局")
	require.NotContains(t, table, "文件写的：外星局 · 预选", "nothing is pre-selected for a department nobody knows")

	// The opinion from before the change takes the category and department added since.
	b.open("/opinions/" + early)
	require.NotContains(t, value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#categorize-category option')).map(o => o.value)`)),
		"制度漏洞", "a retired category is not offered")
	b.act(early, domain.ActionCategorize, chromedp.SetValue(chromedp.ID("categorize-category"), "窨井盖安全"))
	require.Equal(t, "城管科", value(b, chromedp.Value(chromedp.ID("assign-department"))), "城管科 is pre-selected for 城市管理科")
	require.Contains(t, value(b, chromedp.TextContent(chromedp.ID("assign-preview"))), "4 个工作日")
	b.act(early, domain.ActionAssign,
		chromedp.SetValue(chromedp.ID("assign-department"), "住建局"),
		chromedp.SetValue(chromedp.ID("assign-official"), "official"),
		chromedp.SetValue(chromedp.ID("assign-leader"), "leader"))
	b.shot("assigned-to-added-department")
	facts := b.text("main dl.facts")
	require.Contains(t, facts, "窨井盖安全")
	require.Contains(t, facts, "住建局")
	require.True(t, strings.Contains(b.text("#deadline-explain"), "4 个工作日"), "the deadline counts the new category's working days")
}
