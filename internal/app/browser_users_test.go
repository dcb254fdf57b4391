package app

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/user"
)

// TestBrowserAdminManagesUsers is an admin at 用户管理 in a real Chromium: a user
// created (a wrong password refused beside the form first), their password reset
// (the new one shown once), a token issued (shown once, and it works against the
// API) and revoked (it stops), in Chinese and, for the user's page, in English.
func TestBrowserAdminManagesUsers(t *testing.T) {
	h := startHarnessWithUsers(t, user.User{Username: "admin", Name: "系统管理员", Roles: []domain.Role{domain.RoleAdmin}})
	b := newBrowser(t, h.Base)
	b.signIn("admin")
	require.Equal(t, "/users", value(b, chromedp.Evaluate[string](`location.pathname`)), "an admin lands on the users")
	b.shot("users")

	create := func(password string) {
		value(b, chromedp.Evaluate[bool](`document.querySelectorAll("#new-user input:not([type=hidden])").forEach(e => { e.value = e.type === "checkbox" ? e.value : ""; e.checked = false }); true`))
		b.run(
			chromedp.SendKeys(chromedp.ID("new-username"), "zhao"),
			chromedp.SendKeys(chromedp.ID("new-name"), "民政科 赵科员"),
			chromedp.Click(chromedp.CSS(`#new-user input[name=roles][value=official]`)),
			chromedp.SendKeys(chromedp.ID("new-department"), "民政科"),
			chromedp.SendKeys(chromedp.ID("new-password"), password),
		)
		b.submitAndWait(`#new-user button[type=submit]`)
	}
	create("short")
	b.shot("create-refused")
	require.Equal(t, "密码：至少要有 10 个字符", b.text("#new-user .error"))
	require.Equal(t, "zhao", value(b, chromedp.Value(chromedp.ID("new-username"))), "what was typed is kept")
	create("first-password-1")
	b.run(chromedp.WaitVisible(chromedp.ID("user-created")))
	b.shot("created")
	require.Contains(t, b.text("main h1"), "zhao")

	// A reset: the password made is shown once, and the user must change it.
	b.submitAndWait(`#reset-password button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID("password-reset")))
	b.shot("reset")
	made := b.text("#new-password")
	require.GreaterOrEqual(t, len(made), user.MinPasswordRunes)
	check := h.Must("admin", "GET", "/api/v1/users/zhao", nil, http.StatusOK)
	require.Equal(t, true, check["must_change_password"])

	// A token: shown once, it works; revoked, it stops.
	b.run(chromedp.SendKeys(chromedp.ID("token-name"), "对接脚本"))
	b.submitAndWait(`#issue-token button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.ID("new-token")))
	b.shot("token")
	token := b.text("#new-token")
	require.Equal(t, http.StatusOK, bearer(t, h.Base, token, "/api/v1/me"))
	b.open("/users/zhao")
	require.Empty(t, value(b, chromedp.Evaluate[string](`document.getElementById("new-token") ? "shown" : ""`)), "the token is shown once")
	b.submitAndWait(`#tokens form button[type=submit]`)
	b.run(chromedp.WaitVisible(chromedp.CSS(`#tokens .badge`)))
	b.shot("revoked")
	require.Equal(t, "已吊销", b.text("#tokens .badge"))
	require.Equal(t, http.StatusUnauthorized, bearer(t, h.Base, token, "/api/v1/me"))

	// In English, nothing is left in Chinese but what people typed.
	b.submitAndWait(`form[action="/lang"] button`)
	b.shot("user-en")
	require.Empty(t, b.untranslated())
	b.open("/users")
	require.Empty(t, b.untranslated())
}
