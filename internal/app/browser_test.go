package app

import (
	"context"
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

	"rectify/workflows"
)

// browser drives a real headless Chromium against the running product, the way a
// person would: it types, clicks and reads pages, and saves a screenshot of each.
type browser struct {
	t         *testing.T
	ctx       context.Context
	base      string
	artifacts string
	shots     int
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
	artifacts := filepath.Join("..", "..", "test-artifacts", "screenshots", t.Name())
	require.NoError(t, os.MkdirAll(artifacts, 0o755))
	return &browser{t: t, ctx: ctx, base: base, artifacts: artifacts}
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
	b.shots++
	require.NoError(b.t, os.WriteFile(filepath.Join(b.artifacts, fmt.Sprintf("%02d-%s.png", b.shots, name)), png, 0o644))
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
func (b *browser) act(id string, action workflows.Action, fill ...chromedp.Action[chromedp.Void]) {
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

// TestBrowserTakesAnOpinionThroughItsWholeLife signs in as each role in a real
// Chromium and takes one opinion from import to closure through the pages alone:
// triage, assign, sign, an extension asked and approved, a fix that fails
// verification, the rework and the pass, the follow-up — then the leader's
// dashboard shows it closed.
func TestBrowserTakesAnOpinionThroughItsWholeLife(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "web", "name": "群众路线教育实践活动整改",
		"departments": []string{"城管科", "民政科"}}, 201)

	today := time.Now().In(time.FixedZone("", 8*3600))
	ledger := filepath.Join(t.TempDir(), "意见.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("序号,意见内容,来源,收集时间\n1,幸福路路灯坏了两个月,热线,"+
		today.Format(workflows.DateLayout)+"\n"), 0o600))

	b.signIn("office")
	b.shot("office-home")
	b.open("/import")
	b.run(
		chromedp.SetValue(chromedp.CSS(`select[name=campaign]`), "web"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{ledger}),
	)
	b.shot("import")
	b.submitAndWait(`form[enctype="multipart/form-data"] button[type=submit]`)
	b.shot("batch")
	var id string
	require.Eventually(t, func() bool {
		list := h.Must("office", "GET", "/api/v1/opinions?campaign=web", nil, 200)
		if list["total"] != float64(1) {
			return false
		}
		id = list["opinions"].([]any)[0].(map[string]any)["id"].(string)
		return true
	}, time.Minute, 50*time.Millisecond)

	b.open("/triage")
	b.shot("triage")
	require.Contains(t, b.text("main"), "幸福路路灯坏了两个月")
	b.act(id, workflows.ActionCategorize, chromedp.SetValue(chromedp.ID("categorize-category"), "群众需要解决的问题"))
	b.open("/opinions/" + id)
	b.shot("categorized")
	b.act(id, workflows.ActionAssign,
		chromedp.SetValue(chromedp.ID("assign-department"), "城管科"),
		chromedp.SetValue(chromedp.ID("assign-official"), "official"),
		chromedp.SetValue(chromedp.ID("assign-leader"), "leader"),
		chromedp.SendKeys(chromedp.ID("assign-measures"), "更换路灯并建立巡查制度"))
	b.shot("assigned")
	b.signOut()

	b.signIn("official")
	b.open("/tasks")
	b.shot("official-tasks")
	require.Contains(t, b.text("main"), "幸福路路灯坏了两个月")
	b.act(id, workflows.ActionSign)
	until := today.AddDate(0, 2, 0).Format(workflows.DateLayout)
	b.act(id, workflows.ActionRequestExtension,
		chromedp.SetValue(chromedp.ID("request-extension-until"), until),
		chromedp.SendKeys(chromedp.ID("request-extension-reason"), "灯杆需政府采购"))
	b.shot("extension-requested")
	b.signOut()

	b.signIn("leader")
	b.open("/decisions")
	b.shot("leader-decisions")
	b.act(id, workflows.ActionDecideExtension, chromedp.Click(chromedp.CSS(`input[name=approve][value=true]`)))
	require.Contains(t, b.text("main"), until, "the approved date is the new deadline")
	b.signOut()

	b.signIn("official")
	b.act(id, workflows.ActionSubmit,
		chromedp.SendKeys(chromedp.ID("submit-measures"), "已更换路灯"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "现场照片"))
	b.signOut()

	b.signIn("verifier")
	b.open("/verify")
	b.shot("verifier-queue")
	b.act(id, workflows.ActionVerify,
		chromedp.Click(chromedp.CSS(`input[name=pass][value=false]`)),
		chromedp.SendKeys(chromedp.ID("verify-reason"), "夜间仍有两盏不亮"))
	b.shot("verification-failed")
	b.signOut()

	b.signIn("official")
	b.act(id, workflows.ActionSubmit,
		chromedp.SendKeys(chromedp.ID("submit-measures"), "全部更换完毕"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "夜间复查照片"))
	b.signOut()

	b.signIn("verifier")
	b.act(id, workflows.ActionVerify, chromedp.Click(chromedp.CSS(`input[name=pass][value=true]`)))
	b.signOut()

	b.signIn("office")
	b.act(id, workflows.ActionCallback, chromedp.Click(chromedp.CSS(`input[name=satisfaction][value=satisfied]`)))
	b.shot("closed")
	require.Contains(t, b.text("main"), "已销号")
	b.signOut()

	b.signIn("leader")
	b.open("/dashboard?campaign=web")
	b.shot("dashboard")
	require.Equal(t, "1", b.text(`[data-figure="closed"]`), "the dashboard shows the closure at once")
	stats := h.Must("leader", "GET", "/api/v1/campaigns/web/stats", nil, 200)
	require.EqualValues(t, 1, stats["closed"])
	b.open("/campaigns/web/public")
	b.shot("public")
	require.Contains(t, b.text("main"), "全部更换完毕")
}

// TestBrowserKeyboardOnly signs in and acts with the keyboard alone: focus starts
// in the username field, Tab moves through the form, Enter submits.
func TestBrowserKeyboardOnly(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	key := chromedp.KeyEvent
	// signInByKeyboard types into the focused username field, tabs to the password
	// and presses Enter.
	signInByKeyboard := func(username string) {
		t.Helper()
		b.run(chromedp.Navigate(b.base+"/login"), chromedp.WaitVisible(chromedp.ID("username")),
			key(username), key(kb.Tab), key(username))
		b.navigateBy(key(kb.Enter), "Enter on the sign-in form")
		b.run(chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	}
	signInByKeyboard("verifier")
	b.shot("keyboard-signed-in")
	path := value(b, chromedp.Evaluate[string](`location.pathname`))
	require.Equal(t, "/verify", path, "the verifier lands on their queue")

	// The skip link is the first thing Tab reaches, and it leads to the content.
	b.run(chromedp.Navigate(b.base+"/verify"), chromedp.WaitVisible(chromedp.CSS("main")), key(kb.Tab))
	focused := value(b, chromedp.Evaluate[string](`document.activeElement.getAttribute('href')`))
	require.Equal(t, "#main", focused)
	b.signOut()

	// An official signs for an item and asks for an extension without touching the mouse.
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "kb", "name": "整改", "departments": []string{"城管科"}}, 201)
	today := time.Now().In(time.FixedZone("", 8*3600))
	op := h.Must("office", "POST", "/api/v1/campaigns/kb/opinions", map[string]any{
		"key": "K1", "content": "路灯坏了", "channel": "hotline", "collected_at": today.Format(workflows.DateLayout)}, 201)
	id := op["id"].(string)
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, 200)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, 200)
	signInByKeyboard("official")
	b.open("/opinions/" + id)
	// tabTo presses Tab until the element matching sel has the focus.
	tabTo := func(sel string) {
		t.Helper()
		for range 80 {
			if value(b, chromedp.Evaluate[bool](`document.activeElement && document.activeElement.matches(`+fmt.Sprintf("%q", sel)+`)`)) {
				return
			}
			b.run(key(kb.Tab))
		}
		t.Fatalf("Tab never reached %s", sel)
	}
	signForm := fmt.Sprintf(`form[action="/opinions/%s/act/sign"]`, id)
	tabTo(`details:has(` + signForm + `) > summary`)
	b.run(key(kb.Enter))
	tabTo(signForm + ` button`)
	b.navigateBy(key(kb.Enter), "Enter on the sign button")
	require.Eventually(t, func() bool {
		return h.Must("official", "GET", "/api/v1/opinions/"+id, nil, 200)["state"] == "in_progress"
	}, time.Minute, 50*time.Millisecond, "Enter on the focused button signs for the item")
	b.open("/opinions/" + id)
	b.shot("keyboard-signed-for")
}
