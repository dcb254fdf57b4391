package app

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
)

// newPhone opens a Chromium the size of a phone held upright, width × height CSS
// pixels, with a touch screen and a phone's pixel density: the pages see what the
// browser inside DingTalk or WeCom shows them.
func newPhone(t *testing.T, base string, width, height int64) *browser {
	t.Helper()
	b := newBrowser(t, base)
	b.holdAsPhone(width, height)
	return b
}

// holdAsPhone makes the browser's window a phone's screen, as newPhone opens it.
func (b *browser) holdAsPhone(width, height int64) {
	b.t.Helper()
	b.run(chromedp.EmulateViewport(width, height, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch))
}

// layout is how the page sits on the phone's screen.
type layout struct {
	Width       int      // the window's width
	ScrollWidth int      // the document's: wider than the window is sideways scrolling
	Overflowing []string // elements reaching past the window's right edge, and what is tapped too narrow for its text
	Stranded    []string // headings, buttons, menus and labels leaving one character alone on a line
	Squeezed    []string // table columns too narrow to read: a few characters a line
	Small       []string // what is tapped, smaller than a thumb: under 44 × 44
	HoverOnly   []string // elements whose title says what the screen does not
}

// layoutScript measures the page on a screen %d pixels wide: the document's width,
// what sticks out of the screen on the right, the headings, buttons, menu entries,
// badges and labels whose last line holds a single character (a character is on the
// line its middle falls in), and the cells of tables still laid out as tables that
// are narrower than five characters while holding more; and what a thumb taps in
// the header and the page (links, buttons, menus, fields, and the labels of
// choices and of the camera, which are what is tapped of them) smaller than 44 ×
// 44, except a link inside running text, which is as tall as its line, or whose
// text spills out of its box (on the left too, where no width shows it); and the
// elements with a title, which a phone never shows, saying more than their own
// text or the description they point to shows (a thumbnail's link is let be: its
// title only names the file its photo shows and says a tap opens it).
const layoutScript = `(() => {
	const w = %d, name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
		(typeof e.className === 'string' && e.className ? '.' + e.className.trim().replace(/\s+/g, '.') : '') +
		' "' + (e.textContent || '').trim().slice(0, 24) + '"';
	const overflowing = [], stranded = [], squeezed = [];
	for (const e of document.querySelectorAll('body *')) {
		const r = e.getBoundingClientRect();
		if (r.width > 0 && r.height > 0 && r.right > w + 0.5) overflowing.push(name(e) + ' right=' + Math.round(r.right));
	}
	for (const e of document.querySelectorAll('td')) {
		const r = e.getBoundingClientRect(), text = e.textContent.replace(/\s+/g, '');
		if (r.width > 0 && getComputedStyle(e).display === 'table-cell' && text.length > 5 &&
			r.width < 5 * parseFloat(getComputedStyle(e).fontSize)) squeezed.push(name(e) + ' width=' + Math.round(r.width));
	}
	const range = document.createRange();
	for (const e of document.querySelectorAll('h1, h2, h3, button, summary, nav a, .badge, label, dt')) {
		if (!e.getClientRects().length) continue;
		const lines = [];
		const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			for (let i = 0; i < n.data.length; i++) {
				if (/\s/.test(n.data[i])) continue;
				range.setStart(n, i); range.setEnd(n, i + 1);
				const r = range.getClientRects()[0];
				if (!r || r.width === 0) continue;
				const mid = (r.top + r.bottom) / 2, last = lines[lines.length - 1];
				if (last && mid >= last.top && mid <= last.bottom) { last.n++; last.bottom = Math.max(last.bottom, r.bottom); }
				else lines.push({top: r.top, bottom: r.bottom, n: 1});
			}
		}
		if (lines.length > 1 && lines[lines.length - 1].n === 1) stranded.push(name(e));
	}
	const small = [];
	const shown = e => { const r = e.getBoundingClientRect();
		return e.checkVisibility({opacityProperty: true, visibilityProperty: true}) && r.right > 0 && r.width * r.height > 1; };
	for (const e of document.querySelectorAll('header a[href], header button, main a[href], main button, main summary, main select, main textarea, ' +
		'main input:not([type=hidden], [type=checkbox], [type=radio]), main label')) {
		// Off the screen until focused, or hidden behind its label.
		if (!shown(e)) continue;
		// A label is what is tapped of a choice's small box, or of a control it stands in for.
		if (e.matches('label') && !(e.control && (e.control.matches('[type=checkbox], [type=radio]') || !shown(e.control)))) continue;
		const r = e.getBoundingClientRect();
		const st = getComputedStyle(e), around = e.parentElement.textContent.replace(/\s+/g, '');
		if (e.matches('a') && st.display === 'inline' && around.length > e.textContent.replace(/\s+/g, '').length) continue;
		if (r.width < 43.5 || r.height < 43.5) small.push(name(e) + ' ' + Math.round(r.width) + '×' + Math.round(r.height));
		if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0) overflowing.push(name(e) + ' spills out of its box: ' + e.scrollWidth + ' > ' + e.clientWidth);
	}
	const said = e => e.innerText.replace(/\s+/g, ' '), hoverOnly = [];
	for (const e of document.querySelectorAll('body [title]')) {
		if (!e.getClientRects().length || e.matches('a:has(> img.thumb)')) continue;
		const described = (e.getAttribute('aria-describedby') || '').split(/\s+/).map(id => document.getElementById(id));
		const title = e.title.replace(/\s+/g, ' ').trim();
		if (![e, ...described].some(d => d && d.checkVisibility() && said(d).includes(title))) hoverOnly.push(name(e) + ' title="' + title + '"');
	}
	return {Width: window.innerWidth, ScrollWidth: document.documentElement.scrollWidth, Overflowing: overflowing, Stranded: stranded,
		Squeezed: squeezed, Small: small, HoverOnly: hoverOnly};
})()`

// measure measures the page as layoutScript does, on a screen width pixels wide.
func (b *browser) measure(width int) layout {
	b.t.Helper()
	return value(b, chromedp.Evaluate[layout](fmt.Sprintf(layoutScript, width)))
}

// fits checks that the page fits the phone: nothing scrolls sideways, nothing sticks
// out past the screen's right edge, no heading or button strands a character on a
// line of its own, no table is squeezed into the screen, everything tapped is
// thumb-sized and nothing is said only on hover. It keeps a screenshot of the page.
func (b *browser) fits(name string, width int) {
	b.t.Helper()
	b.shot(name)
	got := b.measure(width)
	require.Empty(b.t, got.Overflowing, "%s: nothing reaches past the screen", name)
	require.Equal(b.t, width, got.Width, "%s: the page is laid out for the phone's width, not zoomed out", name)
	require.LessOrEqual(b.t, got.ScrollWidth, got.Width, "%s: no sideways scrolling", name)
	require.Empty(b.t, got.Stranded, "%s: no character alone on a line", name)
	require.Empty(b.t, got.Squeezed, "%s: no table column squeezed to a few characters a line", name)
	require.Empty(b.t, got.Small, "%s: everything tapped is thumb-sized", name)
	require.Empty(b.t, got.HoverOnly, "%s: nothing said only on hover", name)
}

// openAll opens every action's form, as a tap on each would leave them, and waits
// until they are drawn: a screenshot taken before the next frame has the page's old
// size.
func (b *browser) openAll() {
	b.t.Helper()
	value(b, chromedp.Evaluate[bool](`document.querySelectorAll('details').forEach(d => d.open = true);
		new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))`, chromedp.EvalAwaitPromise))
}

// box is where an element is on the screen, in CSS pixels.
type box struct {
	Left, Top, Right, Bottom, Width, Height float64
	Shown                                   bool // laid out (not display: none)
}

func (b *browser) box(sel string) box {
	b.t.Helper()
	return value(b, chromedp.Evaluate[box](`(() => { const e = document.querySelector(`+jsString(sel)+`);
		if (!e) return {Shown: false};
		const r = e.getBoundingClientRect();
		return {Left: r.left, Top: r.top, Right: r.right, Bottom: r.bottom, Width: r.width, Height: r.height, Shown: r.width > 0 && r.height > 0}; })()`))
}

// thumbSized checks that what matches sel can be hit with a thumb: at least 44 CSS
// pixels high, as the platforms' guidelines ask.
func (b *browser) thumbSized(sel string) {
	b.t.Helper()
	got := b.box(sel)
	require.True(b.t, got.Shown, "%s is shown", sel)
	require.GreaterOrEqual(b.t, got.Height, 44.0, "%s is thumb-sized", sel)
}

// card is one row of a list as a phone shows it: a card whose parts are stacked,
// each laid out inside the screen.
type card struct {
	Level, Content, Deadline, Left box
}

// card reads the card of the list row that links to the opinion or task id.
func (b *browser) card(list, id string) card {
	b.t.Helper()
	row := fmt.Sprintf(`%s tr:has(a[href="/opinions/%s"])`, list, id)
	return card{Level: b.box(row + ` td.c-level`), Content: b.box(row + ` td.c-content a`),
		Deadline: b.box(row + ` td.c-deadline`), Left: b.box(row + ` td.c-left`)}
}

// readable checks a card: the urgency first, the content under it as wide as the
// card, then the deadline and (for work still to do) the working days left, all on
// the screen without a tap.
func (c card) readable(t *testing.T, what string, width int, daysLeft bool) {
	t.Helper()
	parts := map[string]box{"urgency": c.Level, "content": c.Content, "deadline": c.Deadline}
	if daysLeft {
		parts["days left"] = c.Left
	}
	for name, part := range parts {
		require.True(t, part.Shown, "%s: the %s is shown", what, name)
		require.LessOrEqual(t, part.Right, float64(width), "%s: the %s is on the screen", what, name)
	}
	require.LessOrEqual(t, c.Level.Bottom, c.Content.Top+1, "%s: the urgency comes above the content", what)
	require.LessOrEqual(t, c.Content.Bottom, c.Deadline.Top+1, "%s: the content comes before the deadline", what)
	require.Greater(t, c.Content.Width, float64(width)/2, "%s: the content has the card's width, not a column's", what)
}

// phoneCampaign makes the campaign an official works from their phone: four items
// assigned to official (one to fix, one sent to the wrong unit, one on the
// long-term track, one that needs more time) and a problem's task led by their unit.
type phoneCampaign struct {
	Fix, Wrong, LongTerm, Later, Problem, Task string
}

func newPhoneCampaign(t *testing.T, h *harness) phoneCampaign {
	t.Helper()
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "phone", "name": "街道群众路线教育实践活动整改",
		"departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(campaignZone).Format(domain.DateLayout)
	opinion := func(key, content, category string) string {
		id := h.Must("office", "POST", "/api/v1/campaigns/phone/opinions", map[string]any{"key": key, "content": content,
			"channel": "visit", "collected_at": today}, 201)["id"].(string)
		h.Act("office", id, "categorize", map[string]any{"category": category}, 200)
		return id
	}
	assign := func(id string) string {
		h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader",
			"measures": "现场核实后组织维修"}, 200)
		return id
	}
	c := phoneCampaign{
		Fix:      assign(opinion("M-1", "幸福路与建设街交叉口的路灯已经坏了两个多月，晚上老人孩子出行很不安全，希望尽快修好", "群众需要解决的问题")),
		Wrong:    assign(opinion("M-2", "低保申请材料太多，跑了三趟还没办完", "服务态度和效率")),
		LongTerm: assign(opinion("M-3", "社区议事会没有固定的制度，开会全凭临时通知", "制度漏洞")),
		Later:    assign(opinion("M-4", "老旧小区化粪池外溢，需要整体改造", "群众需要解决的问题")),
	}
	c.Problem = h.Must("office", "POST", "/api/v1/campaigns/phone/problems", map[string]any{"title": "光明小区楼道照明长期失修",
		"opinions": []string{opinion("M-5", "光明小区3栋楼道灯不亮", "群众需要解决的问题"), opinion("M-6", "光明小区5栋楼道灯坏了", "群众需要解决的问题")}}, 201)["id"].(string)
	c.Task = h.Must("office", "POST", "/api/v1/problems/"+c.Problem+"/tasks", map[string]any{"lead": "城管科", "co_units": []string{"民政科"},
		"official": "official", "leader": "leader", "measures": "更换楼道灯具"}, 201)["id"].(string)
	return c
}

// TestPhoneOfficialFixesWithAPhotoAndTheVerifierPassesIt is the official's day on a
// 390 × 844 phone, then the verifier's and the leader's: from the sign-in page to
// 我的任务 as cards (the problem's task among them), an item signed, one returned,
// one given more time, a long-term item's progress report and a fix sent with a
// photo taken with the camera and previewed before sending; the verifier finds the
// fix in the queue with its photo's thumbnail and passes it; the leader approves the
// extension and reads the dashboard and 包案. Every page fits the screen.
func TestPhoneOfficialFixesWithAPhotoAndTheVerifierPassesIt(t *testing.T) {
	const width = 390
	h := startHarness(t)
	c := newPhoneCampaign(t, h)
	b := newPhone(t, h.Base, width, 844)
	photo := filepath.Join(t.TempDir(), "IMG_20261207_101500.jpg")
	require.NoError(t, os.WriteFile(photo, attachmenttest.JPEG(t, 1600, 1200), 0o644))

	// The link a notification carries, opened signed out: the sign-in page, then the item.
	b.open("/opinions/" + c.Fix)
	b.fits("sign-in", width)
	b.thumbSized(`form[action="/login"] button[type=submit]`)
	b.thumbSized(`#username`)
	b.run(chromedp.SendKeys(chromedp.ID("username"), "official"), chromedp.SendKeys(chromedp.ID("password"), "official"))
	b.submitAndWait(`form[action="/login"] button[type=submit]`)
	require.Equal(t, "/opinions/"+c.Fix, value(b, chromedp.Evaluate[string](`location.pathname`)), "the notification's item after signing in")
	b.fits("official-item", width)
	// Its facts fill the screen; a tap at the top leads past them to what there is to do.
	b.run(chromedp.Click(chromedp.CSS(`a.to-actions`)))
	require.Eventually(t, func() bool {
		return value(b, chromedp.Evaluate[bool](`(() => { const top = document.getElementById('actions').getBoundingClientRect().top;
			return scrollY > 0 && top > -2 && top < innerHeight / 2; })()`))
	}, time.Minute, 20*time.Millisecond, "the actions in the top half of the screen")
	logout := b.box(`form[action="/logout"] button`)
	require.True(t, logout.Shown && logout.Right <= width, "sign-out is on the screen: %+v", logout)

	b.open("/tasks")
	b.fits("official-tasks", width)
	for _, id := range []string{c.Fix, c.Wrong, c.LongTerm, c.Later} {
		b.card("table.cards:not(#problem-tasks)", id).readable(t, id, width, true)
	}
	b.card("#problem-tasks", c.Task).readable(t, c.Task, width, true)
	require.Contains(t, b.text("#problem-tasks"), "光明小区楼道照明长期失修", "the task's card names its problem")

	// Sign for the fix: a tap on the card, a tap on the action, a tap on its button.
	b.navigateBy(chromedp.Click(chromedp.CSS(`a[href="/opinions/`+c.Fix+`"]`)), "the card")
	sign := fmt.Sprintf(`form[action="/opinions/%s/act/sign"]`, c.Fix)
	b.thumbSized(`details:has(` + sign + `) > summary`)
	b.act(c.Fix, domain.ActionSign)
	require.Equal(t, "整改中", b.text(`article .crumbs .badge:last-child`))

	// The wrongly routed one goes back with a reason; the one that needs longer asks for it.
	b.act(c.Wrong, domain.ActionReturn, chromedp.SendKeys(chromedp.ID("return-reason"), "低保审批属民政科职责"))
	b.fits("official-returned", width)
	b.act(c.Later, domain.ActionSign)
	until := onWorkday(time.Now().In(campaignZone).AddDate(0, 3, 0), 1)
	b.open("/opinions/" + c.Later)
	b.run(chromedp.Click(chromedp.CSS(`details:has(form[action$="/act/request-extension"]) > summary`)))
	b.fits("official-extension-form", width)
	b.thumbSized(`form[action$="/act/request-extension"] button[type=submit]`)
	b.act(c.Later, domain.ActionRequestExtension,
		chromedp.SetValue(chromedp.ID("request-extension-until"), until),
		chromedp.SendKeys(chromedp.ID("request-extension-reason"), "化粪池改造需列入明年财政预算"))

	// The long-term item's monthly report, with a photo from the camera.
	b.act(c.LongTerm, domain.ActionSign)
	b.act(c.LongTerm, domain.ActionReportProgress,
		chromedp.SendKeys(chromedp.ID("report-progress-measures"), "起草社区议事会议事规则"),
		chromedp.SendKeys(chromedp.ID("report-progress-next"), "征求居民代表意见"),
		chromedp.SetValue(chromedp.ID("report-progress-percent"), "30"),
		chromedp.SetUploadFiles(chromedp.ID("report-progress-files-camera"), []string{photo}))
	b.imageShown(`#reports img.thumb`)
	b.fits("official-progress-reported", width)

	// The fix, with the photo taken on the spot: the camera's input is offered,
	// the photo shows before it is sent, and the form fits with it.
	b.open("/opinions/" + c.Fix)
	submit := fmt.Sprintf(`form[action="/opinions/%s/act/submit"]`, c.Fix)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+submit+`) > summary`)), chromedp.WaitVisible(chromedp.CSS(submit+` button`)))
	camera := value(b, chromedp.Evaluate[map[string]string](`(() => { const i = document.getElementById('submit-files-camera');
		return {accept: i.accept, capture: i.getAttribute('capture'), name: i.name, label: i.labels[0].textContent.trim()}; })()`))
	require.Equal(t, map[string]string{"accept": "image/*", "capture": "environment", "name": "files", "label": "拍照"}, camera,
		"an image input that opens the camera")
	b.thumbSized(`label[for=submit-files-camera]`)
	b.run(
		chromedp.SendKeys(chromedp.ID("submit-measures"), "更换路灯两盏，检修线路"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "维修后夜间照片"),
		chromedp.SetUploadFiles(chromedp.ID("submit-files-camera"), []string{photo}),
	)
	w, hgt := b.imageShown(`#submit-files-previews img`)
	require.Equal(t, []int{1600, 1200}, []int{w, hgt}, "the photo itself, previewed before it is sent")
	require.Contains(t, b.text(`#submit-files-previews`), "IMG_20261207_101500.jpg")
	b.fits("official-submit-with-photo", width)
	b.thumbSized(submit + ` button[type=submit]`)
	b.submitAndWait(submit + ` button[type=submit]`)
	require.Empty(t, value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.error')).map(e => e.textContent)`)))
	require.Equal(t, "待核查", b.text(`article .crumbs .badge:last-child`))
	b.imageShown(`#rounds img.thumb`)
	b.fits("official-submitted", width)

	// In English, whose words are longer: 我的任务 and an item with every action's form.
	b.submitAndWait(`form[action="/lang"] button`)
	b.open("/tasks")
	require.Contains(t, b.text("main h1"), "My tasks")
	b.fits("official-tasks-en", width)
	b.open("/opinions/" + c.LongTerm)
	b.openAll()
	require.True(t, b.box(`form[action$="/act/report-progress"] button[type=submit]`).Shown, "the progress report's form is open")
	b.fits("official-item-en", width)
	b.open("/opinions/" + c.Fix)
	b.fits("official-submitted-en", width)
	b.submitAndWait(`form[action="/lang"] button`)

	b.open("/account/password")
	b.fits("password", width)
	b.signOut()

	// The verifier: the queue as cards, each with its photo; the item; the pass.
	b.signIn("verifier")
	b.open("/verify")
	b.card("table.cards", c.Fix).readable(t, "the fix in the verifier's queue", width, false)
	b.imageShown(fmt.Sprintf(`tr:has(a[href="/opinions/%s"]) td.photos img`, c.Fix))
	b.fits("verifier-queue", width)
	b.navigateBy(chromedp.Click(chromedp.CSS(`a[href="/opinions/`+c.Fix+`"]`)), "the card")
	verify := fmt.Sprintf(`form[action="/opinions/%s/act/verify"]`, c.Fix)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+verify+`) > summary`)), chromedp.WaitVisible(chromedp.CSS(verify+` button`)))
	b.thumbSized(verify + ` label.choice`)
	b.fits("verifier-item", width)
	b.act(c.Fix, domain.ActionVerify, chromedp.Click(chromedp.CSS(`input[name=pass][value=true]`)),
		chromedp.SendKeys(chromedp.ID("verify-reason"), "夜间现场核实，两盏路灯均已正常"))
	require.Equal(t, "待回访", b.text(`article .crumbs .badge:last-child`), "verified: the fix stands")
	b.imageShown(`#rounds img.thumb`)
	b.fits("verifier-verified", width)
	b.open("/account/password")
	b.fits("verifier-password", width)
	b.signOut()

	// The leader: the extension asked for, the dashboard, 包案.
	b.signIn("leader")
	b.fits("leader-dashboard", width)
	b.open("/decisions")
	b.fits("leader-decisions", width)
	b.act(c.Later, domain.ActionDecideExtension, chromedp.Click(chromedp.CSS(`input[name=approve][value=true]`)))
	require.Contains(t, b.text("main"), until, "the approved date is the new deadline")
	b.fits("leader-item", width)
	b.open("/my-cases")
	b.card("#cases-list", c.LongTerm).readable(t, "包案", width, true)
	b.card("#problem-tasks", c.Task).readable(t, "包案's task", width, true)
	b.fits("leader-cases", width)
	b.open("/dashboard?campaign=phone")
	b.fits("leader-dashboard-campaign", width)
	b.open("/account/password")
	b.fits("leader-password", width)

	require.Equal(t, "awaiting_callback", h.opinionState(c.Fix), "the fix passed verification")
	require.Equal(t, "returned", h.opinionState(c.Wrong))
}

// TestPhoneNarrowestScreenInBothLanguages opens every page an official, a verifier
// and a leader reach from a message on a 360 × 740 phone, in Chinese and in English
// (whose words are longer), with every action's form open — the leader's approval
// of more time among them: each fits the screen. Then, with scripts switched off,
// the official sends a fix with a camera photo.
func TestPhoneNarrowestScreenInBothLanguages(t *testing.T) {
	const width = 360
	h := startHarness(t)
	c := newPhoneCampaign(t, h)
	h.Act("official", c.Fix, "sign", nil, 200)
	h.Act("official", c.Fix, "submit", map[string]any{"measures": "更换路灯两盏", "evidence": "维修后照片"}, 200)
	h.Act("official", c.LongTerm, "sign", nil, 200)
	h.Act("official", c.LongTerm, "report-progress", map[string]any{"measures": "起草议事规则", "next": "征求意见", "percent": 30}, 200)
	h.Act("official", c.Later, "sign", nil, 200)
	until := onWorkday(time.Now().In(campaignZone).AddDate(0, 3, 0), 1)
	h.Act("official", c.Later, "request-extension", map[string]any{"until": until, "reason": "化粪池改造需列入明年财政预算"}, 200)
	b := newPhone(t, h.Base, width, 740)

	for _, lang := range []string{"zh", "en"} {
		b.run(chromedp.Navigate(h.Base+"/login"), chromedp.WaitVisible(chromedp.ID("username")))
		if lang == "en" {
			b.submitAndWait(`form[action="/lang"] button`)
		}
		b.fits(lang+"-sign-in", width)
		for _, role := range []struct {
			user  string
			pages [][3]string // name, path, and what it must show, if anything
		}{
			{"official", [][3]string{{"tasks", "/tasks"}, {"item", "/opinions/" + c.Wrong}, {"item-more-time", "/opinions/" + c.Later},
				{"long-term-item", "/opinions/" + c.LongTerm}, {"task", "/opinions/" + c.Task}, {"password", "/account/password"},
				{"notifications", "/me/notifications"}}},
			{"verifier", [][3]string{{"queue", "/verify"}, {"item", "/opinions/" + c.Fix}, {"password", "/account/password"}}},
			{"leader", [][3]string{{"dashboard", "/dashboard?campaign=phone"}, {"cases", "/my-cases"},
				{"decisions", "/decisions", `#extensions a[href="/opinions/` + c.Later + `"]`},
				{"extension", "/opinions/" + c.Later, `form[action$="/act/decide-extension"] button[type=submit]`},
				{"item", "/opinions/" + c.Fix}, {"problems", "/campaigns/phone/problems"}, {"problem", "/problems/" + c.Problem},
				{"password", "/account/password"}}},
		} {
			b.signIn(role.user)
			for _, page := range role.pages {
				b.open(page[1])
				b.openAll()
				b.fits(lang+"-"+role.user+"-"+page[0], width)
				if page[2] != "" {
					require.True(t, b.box(page[2]).Shown, "%s %s shows %s", lang, page[0], page[2])
				}
			}
			b.signOut()
		}
	}

	// Without scripts (a locked-down browser) the camera's input is the browser's
	// own, shows what it holds, and the photo goes with the fix all the same.
	photo := filepath.Join(t.TempDir(), "IMG_20261207_101500.jpg")
	require.NoError(t, os.WriteFile(photo, attachmenttest.JPEG(t, 1600, 1200), 0o644))
	b.run(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	}))
	b.signIn("official")
	b.act(c.Wrong, domain.ActionSign)
	submit := fmt.Sprintf(`form[action="/opinions/%s/act/submit"]`, c.Wrong)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+submit+`) > summary`)), chromedp.WaitVisible(chromedp.CSS(submit+` button`)),
		chromedp.SendKeys(chromedp.ID("submit-measures"), "低保申请材料精简为三项"),
		chromedp.SendKeys(chromedp.ID("submit-evidence"), "新的材料清单照片"),
		chromedp.SetUploadFiles(chromedp.ID("submit-files-camera"), []string{photo}))
	camera := b.box(`#submit-files-camera`)
	require.True(t, camera.Shown && camera.Width > 100, "the camera's own input shows, with what it holds: %+v", camera)
	require.False(t, b.box(`#submit-files-previews li`).Shown, "no preview without the script")
	b.fits("no-script-submit", width)
	b.submitAndWait(submit + ` button[type=submit]`)
	require.Equal(t, "submitted", h.opinionState(c.Wrong))
	b.imageShown(`#rounds img.thumb`)
}

// TestPhoneLayoutCheckFindsWhatDoesNotFit holds the phone tests' measure to what it
// must catch: on a page made to fail it, a block wider than the screen, a heading
// that leaves its last character alone on a line, a table squeezed into the
// screen, a button and a choice too small for a thumb, a button too narrow for its
// text and a text said only on hover are each named; a link inside a sentence, a
// button whose title is said beside it and a thumbnail's link are let be.
func TestPhoneLayoutCheckFindsWhatDoesNotFit(t *testing.T) {
	const width = 360
	b := newPhone(t, "", width, 740)
	page := `<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><body style="margin:0">
		<h1 id="alone" style="width:100px;font-size:20px;margin:0">一二三四五一二三四五一</h1>
		<div id="wide" style="width:500px">宽</div>
		<table style="width:100%"><tr><td id="squeezed">老旧小区化粪池外溢需要整体改造</td>` +
		strings.Repeat(`<td style="white-space:nowrap">2026-12-08</td>`, 4) + `</tr></table>
		<main><button id="small" style="height:30px;width:100px">小</button>
		<button id="spills" style="height:48px;width:60px;white-space:nowrap">退出所有设备</button>
		<label id="choice"><input type="checkbox">同意</label>
		<p>详见<a href="#problems">问题清单</a>。</p>
		<p><span id="tip" title="公示反馈">针对第 1 项</span></p>
		<button id="said" style="height:48px;width:200px" title="结束您在所有设备上的登录" aria-describedby="said-hint">退出所有设备</button>
		<span id="said-hint">结束您在所有设备上的登录</span>
		<a href="#photo" title="下载 a.png" style="display:inline-block;width:64px;height:48px"><img class="thumb" alt="a.png" width="64" height="48"></a></main>`
	b.run(chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(page)), chromedp.WaitVisible(chromedp.ID("wide")))
	got := b.measure(width)
	require.Greater(t, got.ScrollWidth, width, "the page scrolls sideways")
	require.Contains(t, strings.Join(got.Overflowing, "\n"), `div#wide`)
	require.Equal(t, []string{`h1#alone "一二三四五一二三四五一"`}, got.Stranded)
	require.Len(t, got.Squeezed, 1)
	require.Contains(t, got.Squeezed[0], `td#squeezed`)
	require.Contains(t, strings.Join(got.Overflowing, "\n"), `button#spills "退出所有设备" spills out of its box`)
	require.Len(t, got.Small, 2, "%q", got.Small)
	require.Contains(t, got.Small[0], `button#small "小" 100×30`)
	require.Contains(t, got.Small[1], `label#choice "同意"`)
	require.Equal(t, []string{`span#tip "针对第 1 项" title="公示反馈"`}, got.HoverOnly)
}

// TestPhoneEachPhotoTakenIsKeptAndOneOverTheLimitIsTakenOut: a camera input holds one
// photo at a time, yet each photo the official takes is kept and previewed; a photo
// over the size limit is taken out at once with a message naming it, rather than
// sinking the whole form at the server; one removed by its button is not sent. The
// fix goes with exactly the photos kept.
func TestPhoneEachPhotoTakenIsKeptAndOneOverTheLimitIsTakenOut(t *testing.T) {
	const width, limit = 390, 100 << 10
	h := startHarnessWithEnv(t, map[string]string{"RECTIFY_ATTACHMENT_MAX_BYTES": fmt.Sprint(limit)})
	c := newPhoneCampaign(t, h)
	h.Act("official", c.Fix, "sign", nil, 200)
	dir := t.TempDir()
	photo := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o644))
		return path
	}
	before := photo("整改前.jpg", attachmenttest.JPEG(t, 800, 600))
	after := photo("整改后.jpg", attachmenttest.JPEG(t, 640, 480))
	huge := photo("原图.jpg", append(attachmenttest.JPEG(t, 640, 480), make([]byte, limit)...))

	b := newPhone(t, h.Base, width, 844)
	b.signIn("official")
	b.open("/opinions/" + c.Fix)
	submit := fmt.Sprintf(`form[action="/opinions/%s/act/submit"]`, c.Fix)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+submit+`) > summary`)), chromedp.WaitVisible(chromedp.CSS(submit+` button`)))
	take := func(path string) {
		t.Helper()
		b.run(chromedp.SetUploadFiles(chromedp.ID("submit-files-camera"), []string{path}))
	}
	previews := func() []string {
		t.Helper()
		return value(b, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('#submit-files-previews li')).map(li => li.textContent.trim())`))
	}
	held := func() int {
		t.Helper()
		return value(b, chromedp.Evaluate[int](`document.getElementById('submit-files-camera').files.length`))
	}

	take(before)
	take(after)
	require.Eventually(t, func() bool { return held() == 2 }, time.Minute, 20*time.Millisecond, "both photos are kept")
	require.Len(t, previews(), 2)
	require.Contains(t, previews()[0], "整改前.jpg")
	require.Contains(t, previews()[1], "整改后.jpg")
	b.imageShown(`#submit-files-previews li:nth-child(2) img`)

	take(huge)
	refused := b.text(`#submit-files-previews li.refused`)
	require.Equal(t, "“原图.jpg”超过 100 KB，不能上传，已从所选文件中移除。", refused)
	require.Equal(t, 2, held(), "the photo over the limit is not kept")
	b.fits("photos-kept-one-refused", width)

	b.run(chromedp.Click(chromedp.CSS(`#submit-files-previews button[aria-label="移除 整改前.jpg"]`)))
	require.Equal(t, 1, held(), "the photo removed is not sent")
	require.Len(t, previews(), 1)
	b.run(chromedp.SendKeys(chromedp.ID("submit-measures"), "更换路灯两盏"), chromedp.SendKeys(chromedp.ID("submit-evidence"), "维修后照片"))
	b.submitAndWait(submit + ` button[type=submit]`)
	b.imageShown(`#rounds img.thumb`)
	rounds := h.Must("official", "GET", "/api/v1/opinions/"+c.Fix, nil, 200)["rounds"].([]any)
	files := rounds[0].(map[string]any)["attachments"].([]any)
	require.Len(t, files, 1)
	require.Equal(t, "整改后.jpg", files[0].(map[string]any)["name"])
}
