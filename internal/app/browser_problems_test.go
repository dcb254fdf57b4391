package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestBrowserGroupsOpinionsIntoAProblemAndDrivesItsTasks is the 问题清单 as an
// office, its officials and a verifier use it: three opinions ticked in triage
// become one problem; on the problem's page the office splits it into two tasks,
// one with a co-unit (a refused form keeps what was typed); the co-unit adds its
// part; each lead official finds the task in their queue, signs and submits; the
// verifier passes both from the queue; the problem is done and its opinions await
// their own follow-up calls, and the campaign's problems count the tasks by lead unit.
func TestBrowserGroupsOpinionsIntoAProblemAndDrivesItsTasks(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "lights", "name": "路灯专项整治", "departments": []string{"城管科", "民政科", "财政所"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	var ids []string
	for i := range 3 {
		id := h.Must("office", "POST", "/api/v1/campaigns/lights/opinions", map[string]any{"key": fmt.Sprintf("L-%d", i),
			"content": fmt.Sprintf("光明小区第%d栋楼下路灯不亮", i+1), "channel": "hotline", "collected_at": today}, 201)["id"].(string)
		h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, 200)
		ids = append(ids, id)
	}

	b.signIn("office")
	b.open("/triage?campaign=lights")
	b.run(chromedp.Click(chromedp.ID("select-all")))
	b.run(chromedp.SetValue(chromedp.ID("bulk-action"), "group"))
	value(b, chromedp.Evaluate[bool](`document.getElementById('bulk-action').dispatchEvent(new Event('change', {bubbles: true}))`))
	b.run(chromedp.SendKeys(chromedp.ID("bulk-title"), "光明小区路灯失修"))
	b.submitAndWait(`#bulk-form button[type=submit]`)
	require.Contains(t, value(b, chromedp.Evaluate[string](`location.pathname`)), "/problems/P-")
	require.Equal(t, "光明小区路灯失修", b.text("main h1"))
	require.Len(t, value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#problem-opinions tbody tr')).map(e => e.textContent)`)), 3)
	problem := value(b, chromedp.Evaluate[string](`location.pathname.split('/').pop()`))
	for _, id := range ids {
		require.Equal(t, domain.StateInProblem, h.recorded(id).State)
	}

	// The first task, with a co-unit; the lead unit ticked as a co-unit is refused.
	b.run(
		chromedp.SetValue(chromedp.ID("add-task-lead"), "城管科"),
		chromedp.Click(chromedp.CSS(`#add-task-co_units input[value="城管科"]`)),
		chromedp.Click(chromedp.CSS(`#add-task-co_units input[value="民政科"]`)),
		chromedp.SetValue(chromedp.ID("add-task-official"), "official"),
		chromedp.SetValue(chromedp.ID("add-task-leader"), "leader"),
		chromedp.SendKeys(chromedp.ID("add-task-measures"), "更换损坏灯具"),
	)
	b.shot("problem-add-task")
	b.navigateBy(chromedp.Submit(chromedp.ID("add-task")), "adding a task")
	require.Contains(t, b.text("#add-task-co_units-err"), "配合单位")
	require.Equal(t, "更换损坏灯具", value(b, chromedp.Value(chromedp.ID("add-task-measures"))), "what was typed is kept")
	b.run(chromedp.Click(chromedp.CSS(`#add-task-co_units input[value="城管科"]`)))
	b.navigateBy(chromedp.Submit(chromedp.ID("add-task")), "adding a task")
	first := value(b, chromedp.Evaluate[string](`location.pathname.split('/').pop()`))
	require.Regexp(t, `^T-`, first)
	require.Equal(t, "民政科", b.text("#task-co-units"))
	require.Equal(t, "光明小区路灯失修", b.text("#task-problem"))

	b.open("/problems/" + problem)
	b.run(chromedp.Click(chromedp.CSS(`details:has(#add-task) > summary`)))
	b.run(
		chromedp.SetValue(chromedp.ID("add-task-lead"), "民政科"),
		chromedp.SetValue(chromedp.ID("add-task-official"), "official2"),
		chromedp.SetValue(chromedp.ID("add-task-leader"), "leader"),
		chromedp.SendKeys(chromedp.ID("add-task-measures"), "走访独居老人，排查楼道照明"),
	)
	b.navigateBy(chromedp.Submit(chromedp.ID("add-task")), "adding a task")
	second := value(b, chromedp.Evaluate[string](`location.pathname.split('/').pop()`))
	b.open("/problems/" + problem)
	b.shot("problem-with-two-tasks")
	b.signOut()

	// The co-unit's official adds its part to the first task, then does its own.
	b.signIn("official2")
	b.act(first, domain.ActionContribute, chromedp.SendKeys(chromedp.ID("contribute-note"), "已排查独居老人家门口照明"))
	require.Contains(t, b.text("#contributions"), "已排查独居老人家门口照明")
	b.open("/tasks")
	require.Contains(t, b.text("#problem-tasks"), second, "the lead official's queue lists the task")
	b.act(second, domain.ActionSign)
	b.act(second, domain.ActionSubmit, chromedp.SendKeys(chromedp.ID("submit-measures"), "楼道灯全部修复"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "现场照片"))
	b.signOut()

	b.signIn("official")
	b.act(first, domain.ActionSign)
	b.act(first, domain.ActionSubmit, chromedp.SendKeys(chromedp.ID("submit-measures"), "更换灯具12盏"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "现场照片"))
	b.signOut()

	b.signIn("verifier")
	b.open("/verify")
	queue := b.text("#problem-tasks")
	require.Contains(t, queue, first)
	require.Contains(t, queue, second)
	b.shot("verify-queue-with-tasks")
	for _, task := range []string{first, second} {
		b.act(task, domain.ActionVerify, chromedp.Click(chromedp.CSS(`input[name=pass][value=true]`)))
	}
	b.signOut()

	for _, id := range ids {
		require.Eventually(t, func() bool { return h.recorded(id).State == domain.StateAwaitingCallback }, 20*time.Second, 50*time.Millisecond,
			"the problem's answer reaches %s", id)
	}
	b.signIn("leader")
	b.open("/problems/" + problem)
	require.Equal(t, "已完成", b.text("#problem-state"))
	b.shot("problem-done")
	b.open("/campaigns/lights/problems")
	require.Equal(t, []string{"城管科 1 1 0 0 1", "民政科 1 1 0 0 1"},
		value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#by-lead tbody tr')).map(r => Array.from(r.cells).map(c => c.textContent.trim()).join(' '))`)))
	b.shot("problems-by-lead-unit")
	b.submitAndWait(`form[action="/lang"] button`)
	require.Empty(t, b.untranslated(), "the problems in English")
	b.open("/problems/" + problem)
	require.Empty(t, b.untranslated(), "a problem in English")
	b.open("/opinions/" + first)
	require.Empty(t, b.untranslated(), "a task in English")
}
