package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// browser drives a real headless Chromium against the running product, the way a
// person would: it types, clicks and reads pages, and saves a screenshot of each.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artifacts string
	shots     *int // shared by the windows of one test, so the files sort in the order taken
}

// chromiumPath finds Debian's chromium; CI installs it (scripts/deps), so there a
// missing browser is a failure, not a skip.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed; scripts/deps installs it")
		}
		t.Skip("chromium is not installed (run scripts/deps)")
	}
	return path
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	// Emptied first, so the folder holds exactly this run's pages.
	artifacts := filepath.Join("..", "..", "test-artifacts", "screenshots", t.Name())
	require.NoError(t, os.RemoveAll(artifacts))
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	return &browser{t: t, ctx: ctx, base: base, artifacts: artifacts, shots: new(int)}
}

// window opens another window of the same Chromium with its own cookies, as if
// someone signed in at another desk.
func (b *browser) window() *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	return &browser{t: b.t, ctx: ctx, base: b.base, artifacts: b.artifacts, shots: b.shots}
}

func (b *browser) run(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	require.NoError(b.t, chromedp.Do(b.ctx, steps...))
}

// value runs an action that answers something and returns the answer.
func value[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, a)
	require.NoError(b.t, err)
	return v
}

// shot saves the current page as a numbered screenshot and checks that every form
// field on it has a label.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := value(b, chromedp.FullScreenshot(100)) // quality 100 gives PNG
	*b.shots++
	require.NoError(b.t, os.WriteFile(filepath.Join(b.artifacts, fmt.Sprintf("%02d-%s.png", *b.shots, name)), png, 0o644))
	unlabeled := value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('input:not([type=hidden]),select,textarea'))
		.filter(e => !e.labels || e.labels.length === 0).map(e => e.name || e.id)`))
	require.Empty(b.t, unlabeled, "every form field on %s has a label", name)
}

func (b *browser) signIn(username string) {
	b.t.Helper()
	b.run(
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), username),
		chromedp.SendKeys(chromedp.ID("password"), username),
	)
	b.submitAndWait(`form[action="/login"] button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
}

func (b *browser) signOut() {
	b.t.Helper()
	b.submitAndWait(`form[action="/logout"] button`)
	b.run(chromedp.WaitVisible(chromedp.ID("username")))
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitVisible(chromedp.CSS("main")))
}

// act opens an action's form on the opinion page, fills it and submits it.
func (b *browser) act(id string, action domain.Action, fill ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.open("/opinions/" + id)
	form := fmt.Sprintf(`form[action="/opinions/%s/act/%s"]`, id, action)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+form+`) > summary`)), chromedp.WaitVisible(chromedp.CSS(form+` button`)))
	b.run(fill...)
	b.submitAndWait(form + ` button[type=submit]`)
	alerts := value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.error')).map(e => e.textContent)`))
	require.Empty(b.t, alerts, "%s was accepted", action)
}

// submitAndWait clicks a submit button and waits for the page it leads to.
func (b *browser) submitAndWait(button string) {
	b.t.Helper()
	b.navigateBy(chromedp.Click(chromedp.CSS(button)), button)
}

// navigateBy runs an action that leads to another page (a click, a key press) and
// waits until that page has loaded. The old page is marked first, so its own <main>
// cannot satisfy the wait.
func (b *browser) navigateBy(trigger chromedp.Action[chromedp.Void], what string) {
	b.t.Helper()
	b.run(
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`document.body.dataset.stale = "1"; true`)(ctx, t)
			return err
		}),
		trigger,
	)
	// The check itself fails while the browser swaps documents; that only means "not yet".
	require.Eventually(b.t, func() bool {
		ok, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](
			`document.readyState === "complete" && !!document.body && !document.body.dataset.stale && !!document.querySelector("main")`))
		return err == nil && ok
	}, time.Minute, 20*time.Millisecond, "the page after %s loads", what)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(value(b, chromedp.Text(chromedp.CSS(sel))))
}

// jsString quotes s for a script.
func jsString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

// press sends keys to whatever has the focus, as someone typing would.
func (b *browser) press(keys string, opts ...chromedp.KeyOption) {
	b.t.Helper()
	b.run(chromedp.KeyEvent(keys, opts...))
}

// focus is what the keyboard focus is on.
type focus struct {
	Matches bool
	Name    string // the element's id, name=value or tag
	Ring    bool   // drawn with an outline
	OnPage  bool   // inside the window, not parked off-screen
}

func (b *browser) focus(sel string) focus {
	b.t.Helper()
	return value(b, chromedp.Evaluate[focus](`(() => {
		const e = document.activeElement, st = getComputedStyle(e), r = e.getBoundingClientRect();
		return {Matches: e.matches(`+jsString(sel)+`),
			Name: e.id || (e.name ? e.name + '=' + e.value : e.tagName.toLowerCase()),
			Ring: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2,
			OnPage: r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight};
	})()`))
}

// tabTo presses Tab until the element matching sel has the focus, checks that the
// focus is drawn where it can be seen, and returns what the focus passed through on
// the way there, in order.
func (b *browser) tabTo(sel string) []string {
	b.t.Helper()
	var path []string
	for range 80 {
		f := b.focus(sel)
		if f.Matches {
			require.True(b.t, f.Ring && f.OnPage, "the focus on %s can be seen", sel)
			return path
		}
		if len(path) == 0 || path[len(path)-1] != f.Name {
			path = append(path, f.Name)
		}
		b.press(kb.Tab)
	}
	b.t.Fatalf("Tab never reached %s (passed %v)", sel, path)
	return nil
}

// figures is what the leader's dashboard shows of a campaign: each headline figure
// (a rate's working under key_sub) and each bar as "collected/closed" by category
// and by department.
type figures struct {
	Figures     map[string]string
	Categories  map[string]string
	Departments map[string]string
}

func (b *browser) dashboard(campaign string) figures {
	b.t.Helper()
	b.open("/dashboard?campaign=" + campaign)
	return value(b, chromedp.Evaluate[figures](`(() => {
		const figures = {};
		for (const e of document.querySelectorAll('[data-figure]')) {
			figures[e.dataset.figure] = e.textContent.trim();
			const sub = e.parentElement.querySelector('.s');
			if (sub) figures[e.dataset.figure + '_sub'] = sub.textContent.trim();
		}
		const bars = id => Object.fromEntries(Array.from(document.querySelectorAll('#' + id + ' g.bar'))
			.map(g => [g.dataset.name, g.dataset.collected + '/' + g.dataset.closed]));
		return {Figures: figures, Categories: bars('chart-category'), Departments: bars('chart-department')};
	})()`))
}

// download fetches what the link matching sel points to with the page's cookies,
// as following it would, and returns the status, the content type and the body.
func (b *browser) download(sel string) (int, string, []byte) {
	b.t.Helper()
	type answer struct {
		Status int
		Type   string
		Body   string
	}
	a := value(b, chromedp.Evaluate[answer](`(async () => {
		const r = await fetch(document.querySelector(`+jsString(sel)+`).href, {credentials: 'same-origin'});
		let body = '';
		for (const c of new Uint8Array(await r.arrayBuffer())) body += String.fromCharCode(c);
		return {Status: r.status, Type: r.headers.get('content-type') || '', Body: btoa(body)};
	})()`, chromedp.EvalAwaitPromise))
	body, err := base64.StdEncoding.DecodeString(a.Body)
	require.NoError(b.t, err)
	return a.Status, a.Type, body
}

// untranslated lists the page's own words (headings, labels, column heads, buttons,
// figure captions, menu, errors, deadline explanations) that are still in Chinese; what people typed (an
// opinion's text, a campaign's name) and the switch back to 中文 are left out.
func (b *browser) untranslated() []string {
	b.t.Helper()
	return value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(
			'h1:not(.content),h2,h3,label,legend,th,dt,summary,button,caption,.figure .l,.figure .s,nav a,.badge,.error,#deadline-explain,#assign-preview'))
		.filter(e => !e.closest('form[action="/lang"]'))
		.map(e => { const c = e.cloneNode(true); c.querySelectorAll('.count,option,select,textarea,input').forEach(x => x.remove()); return c.textContent.trim(); })
		.filter(s => /\p{Script=Han}/u.test(s))`))
}

// TestBrowserTakesAnOpinionThroughItsWholeLife signs in as each role in a real
// Chromium and takes one opinion from import to closure through the pages alone:
// triage, assign, sign, an extension asked and approved, a fix that fails
// verification, the rework and the pass, the follow-up. The leader's dashboard is
// read before, during and after, and each figure and bar moves by this one opinion.
func TestBrowserTakesAnOpinionThroughItsWholeLife(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "web", "name": "群众路线教育实践活动整改",
		"departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600))

	// The campaign already holds four opinions, so that every figure starts from
	// something: one closed, one sent back to work by a dissatisfied follow-up, one
	// waiting to be sorted and one rejected (which leaves the completion rate).
	seed := func(key, content string) string {
		return h.Must("office", "POST", "/api/v1/campaigns/web/opinions", map[string]any{"key": key, "content": content,
			"channel": "hotline", "collected_at": today.Format(domain.DateLayout)}, 201)["id"].(string)
	}
	closeOut := func(id, category, department, official, satisfaction string) {
		h.Act("office", id, "categorize", map[string]any{"category": category}, 200)
		h.Act("office", id, "assign", map[string]any{"department": department, "official": official, "leader": "leader"}, 200)
		h.Act(official, id, "sign", nil, 200)
		h.Act(official, id, "submit", map[string]any{"measures": "已整改", "evidence": "现场照片"}, 200)
		h.Act("verifier", id, "verify", map[string]any{"pass": true}, 200)
		h.Act("office", id, "callback", map[string]any{"satisfaction": satisfaction, "note": "电话回访"}, 200)
	}
	closeOut(seed("S1", "幸福路下水道堵塞"), "群众需要解决的问题", "城管科", "official", "satisfied")
	closeOut(seed("S2", "独居老人冬季取暖困难"), "特殊困难群体", "民政科", "official2", "dissatisfied")
	seed("S3", "希望多开展读书活动")
	h.Act("office", seed("S4", "建议修建机场"), "reject", map[string]any{"reason": "不属于本次活动范围"}, 200)

	ledger := filepath.Join(t.TempDir(), "意见.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("编号,意见内容,来源,收集时间\n1,幸福路路灯坏了两个月,热线,"+
		today.Format(domain.DateLayout)+"\n"), 0o600))

	b.run(chromedp.Navigate(h.Base+"/"), chromedp.WaitVisible(chromedp.ID("username")))
	b.shot("sign-in")
	b.signIn("office")
	b.shot("office-home")
	before := b.dashboard("web")
	b.shot("dashboard-before")
	require.Equal(t, figures{
		Figures: map[string]string{"collected": "4", "pending": "1", "in_progress": "1", "closed": "1",
			"overdue": "0", "supervised": "0", "accountability": "0",
			"completion_rate": "33.3%", "completion_rate_sub": "已销号 1 / 应整改 3",
			"on_time_rate": "100.0%", "on_time_rate_sub": "按期 1 / 已销号 1",
			"satisfaction_rate": "50.0%", "satisfaction_rate_sub": "满意 1 / 已回访 2"},
		Categories:  map[string]string{"群众需要解决的问题": "1/1", "特殊困难群体": "1/0", "未分类": "2/0"},
		Departments: map[string]string{"城管科": "1/1", "民政科": "1/0", "未交办": "2/0"},
	}, before, "the dashboard before the new opinion comes in")

	b.open("/import")
	b.run(
		chromedp.SetValue(chromedp.CSS(`select[name=campaign]`), "web"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{ledger}),
	)
	b.shot("import")
	b.submitAndWait(`form[enctype="multipart/form-data"] button[type=submit]`)
	b.shot("batch")
	id := domain.OpinionID("web", "1")
	require.Eventually(t, func() bool {
		status, _ := h.Call("office", "GET", "/api/v1/opinions/"+id, nil)
		return status == 200
	}, time.Minute, 50*time.Millisecond, "the imported row becomes an opinion")

	b.open("/triage")
	b.shot("triage")
	require.Contains(t, b.text("main"), "幸福路路灯坏了两个月")
	b.act(id, domain.ActionCategorize, chromedp.SetValue(chromedp.ID("categorize-category"), "群众需要解决的问题"))
	b.open("/opinions/" + id)
	b.shot("item-office-categorized")
	b.act(id, domain.ActionAssign,
		chromedp.SetValue(chromedp.ID("assign-department"), "城管科"),
		chromedp.SetValue(chromedp.ID("assign-official"), "official"),
		chromedp.SetValue(chromedp.ID("assign-leader"), "leader"),
		chromedp.SendKeys(chromedp.ID("assign-measures"), "更换路灯并建立巡查制度"))
	b.shot("item-office-assigned")
	b.signOut()

	b.signIn("official")
	b.open("/tasks")
	b.shot("official-tasks")
	require.Contains(t, b.text("main"), "幸福路路灯坏了两个月")
	b.act(id, domain.ActionSign)
	b.shot("item-official")
	until := onWorkday(today.AddDate(0, 2, 0), 1)
	b.act(id, domain.ActionRequestExtension,
		chromedp.SetValue(chromedp.ID("request-extension-until"), until),
		chromedp.SendKeys(chromedp.ID("request-extension-reason"), "灯杆需政府采购"))
	b.shot("extension-requested")
	resp := value(b, chromedp.NavigateResponse(h.Base+"/dashboard"))
	b.run(chromedp.WaitVisible(chromedp.CSS("main")))
	require.EqualValues(t, 403, resp.Status, "an official may not open the dashboard")
	require.Contains(t, b.text("main h1"), "403")
	require.Equal(t, "您没有权限访问此页面。", b.text(`main [role=alert]`))
	b.shot("forbidden")
	b.signOut()

	b.signIn("leader")
	during := b.dashboard("web")
	require.Equal(t, []string{"5", "1", "2", "1"}, []string{during.Figures["collected"], during.Figures["pending"],
		during.Figures["in_progress"], during.Figures["closed"]}, "collected, pending, in progress, closed while it is being worked on")
	require.Equal(t, "2/1", during.Departments["城管科"])
	b.open("/decisions")
	b.shot("leader-decisions")
	b.open("/opinions/" + id)
	b.shot("item-leader")
	b.act(id, domain.ActionDecideExtension, chromedp.Click(chromedp.CSS(`input[name=approve][value=true]`)))
	require.Contains(t, b.text("main"), until, "the approved date is the new deadline")
	b.signOut()

	b.signIn("official")
	b.act(id, domain.ActionSubmit,
		chromedp.SendKeys(chromedp.ID("submit-measures"), "已更换路灯"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "现场照片"))
	b.signOut()

	b.signIn("verifier")
	b.open("/verify")
	b.shot("verifier-queue")
	b.open("/opinions/" + id)
	b.shot("item-verifier")
	b.act(id, domain.ActionVerify,
		chromedp.Click(chromedp.CSS(`input[name=pass][value=false]`)),
		chromedp.SendKeys(chromedp.ID("verify-reason"), "夜间仍有两盏不亮"))
	b.shot("verification-failed")
	b.signOut()

	b.signIn("official")
	b.act(id, domain.ActionSubmit,
		chromedp.SendKeys(chromedp.ID("submit-measures"), "全部更换完毕"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "夜间复查照片"))
	b.signOut()

	b.signIn("verifier")
	b.act(id, domain.ActionVerify, chromedp.Click(chromedp.CSS(`input[name=pass][value=true]`)))
	b.signOut()

	b.signIn("office")
	b.act(id, domain.ActionCallback, chromedp.Click(chromedp.CSS(`input[name=satisfaction][value=satisfied]`)))
	b.shot("closed")
	require.Contains(t, b.text("main"), "已销号")
	b.signOut()

	// One more collected and closed, on time and to satisfaction; in progress and
	// waiting are back where they were, and the bars of its category and department
	// each grew by one closed opinion.
	b.signIn("leader")
	after := b.dashboard("web")
	b.shot("dashboard")
	require.Equal(t, figures{
		Figures: map[string]string{"collected": "5", "pending": "1", "in_progress": "1", "closed": "2",
			"overdue": "0", "supervised": "0", "accountability": "0",
			"completion_rate": "50.0%", "completion_rate_sub": "已销号 2 / 应整改 4",
			"on_time_rate": "100.0%", "on_time_rate_sub": "按期 2 / 已销号 2",
			"satisfaction_rate": "66.7%", "satisfaction_rate_sub": "满意 2 / 已回访 3"},
		Categories:  map[string]string{"群众需要解决的问题": "2/2", "特殊困难群体": "1/0", "未分类": "2/0"},
		Departments: map[string]string{"城管科": "2/2", "民政科": "1/0", "未交办": "2/0"},
	}, after, "the dashboard after the opinion closed")
	stats := h.Must("leader", "GET", "/api/v1/campaigns/web/stats", nil, 200)
	require.EqualValues(t, []any{5., 2., 1.}, []any{stats["collected"], stats["closed"], stats["in_progress"]},
		"the dashboard shows the API's stats")
	b.open("/campaigns/web/public")
	b.shot("public")
	require.Contains(t, b.text("main"), "全部更换完毕")
}

// TestBrowserKeyboardOnly takes an opinion from triage to verification with the
// keyboard alone — Tab and Shift+Tab to move, Enter and Space to act, arrows to
// choose — as the office, the official and the verifier. The focus is always drawn,
// moves through each form in the order it reads, and the skip link leads past the
// menu to the content.
func TestBrowserKeyboardOnly(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "kb", "name": "整改", "departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600))
	id := h.Must("office", "POST", "/api/v1/campaigns/kb/opinions", map[string]any{
		"key": "K1", "content": "幸福路路灯坏了", "channel": "hotline", "collected_at": today.Format(domain.DateLayout)}, 201)["id"].(string)
	item := fmt.Sprintf(`a[href="/opinions/%s"]`, id)
	form := func(action domain.Action) string {
		return fmt.Sprintf(`form[action="/opinions/%s/act/%s"]`, id, action)
	}
	state := func() string { return b.text(`article .crumbs .badge:last-child`) }

	// signIn types into the focused username field, tabs to the password and
	// presses Enter; it lands on the user's start page.
	signIn := func(username, home string) {
		t.Helper()
		b.run(chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.ID("username")))
		require.True(t, b.focus("#username").Matches, "the sign-in form starts in the username field")
		b.press(username)
		b.press(kb.Tab)
		b.press(username)
		b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on the sign-in form")
		require.Equal(t, home, value(b, chromedp.Evaluate[string](`location.pathname`)))
	}
	signOut := func() {
		t.Helper()
		b.tabTo(`form[action="/logout"] button`)
		b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on sign out")
		b.run(chromedp.WaitVisible(chromedp.ID("username")))
	}
	// follow tabs to a link and opens it with Enter.
	follow := func(link string) {
		t.Helper()
		b.tabTo(link)
		b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on "+link)
	}
	// open tabs to an action's summary and opens its form with Enter.
	open := func(action domain.Action) {
		t.Helper()
		b.tabTo(`details:has(` + form(action) + `) > summary`)
		b.press(kb.Enter)
		b.run(chromedp.WaitVisible(chromedp.CSS(form(action) + ` button`)))
	}

	// The office confirms the suggested category: Tab from the summary reaches the
	// category, already set to the suggestion, then the button.
	signIn("office", "/triage")
	follow(item)
	open(domain.ActionCategorize)
	b.press(kb.Tab)
	require.True(t, b.focus("#categorize-category").Matches, "the category comes first in its form")
	require.Equal(t, "群众需要解决的问题", value(b, chromedp.Value(chromedp.ID("categorize-category"))), "the suggestion is chosen")
	b.press(kb.Tab)
	b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on 确认分类")
	require.Equal(t, "已分类", state())

	// Assigning: the arrows choose the department, the official and the leader.
	open(domain.ActionAssign)
	b.press(kb.Tab)
	for _, f := range []struct{ id, want string }{
		{"assign-department", "城管科"}, {"assign-official", "official"}, {"assign-leader", "leader"},
	} {
		require.True(t, b.focus("#"+f.id).Matches, "Tab reaches %s next", f.id)
		b.press(kb.ArrowDown)
		require.Equal(t, f.want, value(b, chromedp.Value(chromedp.ID(f.id))), "ArrowDown chooses in %s", f.id)
		b.press(kb.Tab)
	}
	require.True(t, b.focus("#assign-measures").Matches)
	b.press("更换路灯")
	require.Equal(t, []string{"assign-measures", "assign-deadline"}, b.tabTo(form(domain.ActionAssign)+` button`),
		"the deadline comes after the measures, then the button")
	b.press(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	require.True(t, b.focus("#assign-deadline").Matches, "Shift+Tab goes back to the deadline")
	b.press(kb.Tab)
	b.navigateBy(chromedp.KeyEvent(" "), "Space on 交办")
	require.Equal(t, "已交办", state())
	require.Contains(t, b.text("main"), "更换路灯")
	b.shot("keyboard-assigned")
	signOut()

	// The official signs for it, then submits the fix.
	signIn("official", "/tasks")
	follow(item)
	open(domain.ActionSign)
	b.tabTo(form(domain.ActionSign) + ` button`)
	b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on 签收")
	require.Equal(t, "整改中", state())
	open(domain.ActionSubmit)
	b.press(kb.Tab)
	require.True(t, b.focus("#submit-measures").Matches)
	b.press("已更换路灯")
	b.press(kb.Tab)
	require.True(t, b.focus("#submit-evidence").Matches)
	b.press("现场照片")
	b.press(kb.Tab)
	require.True(t, b.focus("#submit-files").Matches, "then the evidence files, which the keyboard reaches too")
	b.press(kb.Tab)
	require.True(t, b.focus(form(domain.ActionSubmit)+` button`).Matches)
	b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on 提交整改结果")
	require.Equal(t, "待核查", state())
	signOut()

	// The verifier skips the menu with the skip link, the first thing Tab reaches;
	// the next Tab lands on the content's keyword search, and the next on its
	// first link, the item.
	signIn("verifier", "/verify")
	b.press(kb.Tab)
	skip := b.focus(`a.skip[href="#main"]`)
	require.True(t, skip.Matches && skip.Ring && skip.OnPage, "the skip link comes first and shows when focused: %+v", skip)
	b.press(kb.Enter)
	b.press(kb.Tab)
	require.True(t, b.focus("#list-q").Matches, "after the skip link, Tab goes to the queue's keyword: %+v", b.focus("#list-q"))
	b.press(kb.Tab)
	b.press(kb.Tab)
	require.True(t, b.focus(item).Matches, "past the search's button, Tab goes to the queue's item: %+v", b.focus(item))
	b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on the item")
	open(domain.ActionVerify)
	b.press(kb.Tab)
	require.True(t, b.focus(`input[name=pass][value=true]`).Matches, "the verdict comes first")
	b.press(" ")
	require.True(t, value(b, chromedp.Evaluate[bool](`document.querySelector('input[name=pass][value=true]').checked`)), "Space chooses 通过")
	b.press(kb.Tab)
	require.True(t, b.focus("#verify-reason").Matches, "Tab leaves the verdict for the reason")
	b.press("现场核查属实")
	b.press(kb.Tab)
	b.navigateBy(chromedp.KeyEvent(kb.Enter), "Enter on 核查")
	require.Equal(t, "待回访", state())
	b.shot("keyboard-verified")
}
