package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestBrowserEnglishIsRememberedPerUser switches an official to English in the
// browser: the pages read in English — form errors too — and still do after
// signing out and in again, even at another desk, because the choice is kept with
// the user. Another user there still starts in Chinese, and a leader's dashboard
// reads in English once they switch. Signing out everywhere at one desk signs the
// official out at the other.
func TestBrowserEnglishIsRememberedPerUser(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "en", "name": "作风建设整改", "departments": []string{"城管科"}}, 201)
	id := h.Must("office", "POST", "/api/v1/campaigns/en/opinions", map[string]any{"key": "E1", "content": "幸福路路灯坏了",
		"channel": "hotline", "collected_at": time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)}, 201)["id"].(string)
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, 200)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader", "measures": "更换路灯"}, 200)

	lang := func(b *browser) string { return value(b, chromedp.Evaluate[string](`document.documentElement.lang`)) }
	switchLanguage := func(b *browser) { b.t.Helper(); b.submitAndWait(`form[action="/lang"] button`) }

	b.signIn("official")
	require.Equal(t, "zh-CN", lang(b), "Chinese by default")
	require.Equal(t, "我的任务", b.text(`nav a[href="/tasks"]`))
	switchLanguage(b)
	require.Equal(t, "en", lang(b))
	require.Equal(t, "/tasks", value(b, chromedp.Evaluate[string](`location.pathname`)), "the switch comes back to the same page")
	require.Equal(t, "My tasks", b.text(`nav a[href="/tasks"]`))
	require.Contains(t, b.text("main"), "幸福路路灯坏了")
	require.Empty(t, b.untranslated(), "my tasks in English")
	b.shot("tasks-en")

	b.act(id, domain.ActionSign)
	require.Equal(t, "In progress", b.text(`article .crumbs .badge:last-child`))
	require.Empty(t, b.untranslated(), "the item page in English")
	b.shot("item-en")
	// A mistake is explained next to its field, in English, and what was typed stays.
	until := time.Now().AddDate(0, 1, 0).Format(domain.DateLayout)
	form := fmt.Sprintf(`form[action="/opinions/%s/act/request-extension"]`, id)
	b.run(chromedp.Click(chromedp.CSS(`details:has(`+form+`) > summary`)), chromedp.WaitVisible(chromedp.ID("request-extension-until")),
		chromedp.SetValue(chromedp.ID("request-extension-until"), until))
	b.submitAndWait(form + ` button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID("request-extension-reason-err")))
	require.Equal(t, "reason is required", b.text("#request-extension-reason-err"))
	require.Empty(t, b.untranslated(), "the form error in English")
	require.Equal(t, until, value(b, chromedp.Value(chromedp.ID("request-extension-until"))))
	b.shot("item-en-error")

	b.signOut()
	require.Equal(t, "en", lang(b), "this browser signs in in English too")
	b.shot("sign-in-en")
	b.signIn("official")
	require.Equal(t, "en", lang(b), "still English after signing in again")

	// At another desk, where this browser's choice is unknown: the official's own
	// choice follows them; the leader starts in Chinese.
	desk := b.window()
	desk.signIn("official")
	require.Equal(t, "en", lang(desk), "the choice is kept with the user")
	desk.signOut()
	require.Equal(t, "zh-CN", lang(desk), "the sign-in page is Chinese by default")
	desk.signIn("leader")
	require.Equal(t, "zh-CN", lang(desk), "another user still starts in Chinese")
	desk.open("/dashboard?campaign=en")
	require.Equal(t, "1", desk.text(`[data-figure="in_progress"]`))
	switchLanguage(desk)
	require.Equal(t, "en", lang(desk))
	require.Equal(t, "In progress", desk.text(`.figure:has([data-figure="in_progress"]) .l`))
	require.Empty(t, desk.untranslated(), "the dashboard in English")
	desk.shot("dashboard-en")

	// Signing out everywhere at this desk ends the official's session at the first.
	desk.signOut()
	desk.signIn("official")
	require.Equal(t, "Sign out everywhere", desk.text(`form[action="/logout/everywhere"] button`))
	desk.submitAndWait(`form[action="/logout/everywhere"] button`)
	desk.run(chromedp.WaitVisible(chromedp.ID("username")))
	b.run(chromedp.Navigate(b.base+"/tasks"), chromedp.WaitVisible(chromedp.ID("username")))
	require.Equal(t, "/login", value(b, chromedp.Evaluate[string](`location.pathname`)), "signed out at the other desk too")
}
