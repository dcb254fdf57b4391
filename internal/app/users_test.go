package app

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/user"
)

// webVisitor is a browser without JavaScript: a cookie jar and forms posted by hand.
type webVisitor struct {
	t    *testing.T
	base string
	http *http.Client
}

func newWebVisitor(t *testing.T, base string) *webVisitor {
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &webVisitor{t: t, base: base, http: &http.Client{Jar: jar}}
}

var formCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page (following redirects) and answers its final path, status and body.
func (v *webVisitor) get(path string) (string, int, string) {
	v.t.Helper()
	resp, err := v.http.Get(v.base + path)
	require.NoError(v.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(v.t, err)
	return resp.Request.URL.Path, resp.StatusCode, string(body)
}

// post posts a form from the page at from, with the page's CSRF token.
func (v *webVisitor) post(from, action string, form url.Values) (string, int, string) {
	v.t.Helper()
	_, _, page := v.get(from)
	m := formCSRF.FindStringSubmatch(page)
	require.NotNil(v.t, m, "%s has a CSRF token", from)
	form.Set("csrf", m[1])
	resp, err := v.http.PostForm(v.base+action, form)
	require.NoError(v.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(v.t, err)
	return resp.Request.URL.Path, resp.StatusCode, string(body)
}

// bearer calls the API with a token, as the starter CLI does.
func bearer(t *testing.T, base, token, path string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// An admin adds an official, who signs in with the first password and must change
// it; a token issued to them works against the API until it is revoked, and
// deactivating them ends their session at once.
func TestAnAdminAddsAnOfficialWhoSignsInAndUsesAToken(t *testing.T) {
	h := startHarnessWithUsers(t, user.User{Username: "admin", Roles: []domain.Role{domain.RoleAdmin}})
	base := h.Base

	h.Must("admin", "POST", "/api/v1/users", map[string]any{
		"username": "zhang", "name": "城管科 张科员", "roles": []string{"official"}, "department": "城管科",
		"password": "first-password-1"}, http.StatusCreated)

	// The first sign-in leads to the password change, and nowhere else.
	v := newWebVisitor(t, base)
	path, status, _ := v.post("/login", "/login", url.Values{"username": {"zhang"}, "password": {"first-password-1"}})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "/account/password", path, "a first password must be changed")
	path, _, _ = v.get("/tasks")
	require.Equal(t, "/account/password", path, "every page waits for the change")
	_, status, body := v.post("/account/password", "/account/password", url.Values{"current_password": {"first-password-1"},
		"new_password": {"zhang-own-password"}, "confirm_password": {"zhang-own-password"}})
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, `id="password-changed"`)
	path, status, _ = v.get("/tasks")
	require.Equal(t, []any{"/tasks", http.StatusOK}, []any{path, status})

	// A token issued to them works, and stops once revoked.
	issued := h.Must("admin", "POST", "/api/v1/users/zhang/tokens", map[string]any{"name": "对接脚本"}, http.StatusCreated)
	token, id := issued["token"].(string), issued["id"].(string)
	require.Equal(t, http.StatusOK, bearer(t, base, token, "/api/v1/opinions?assignee=me"))
	require.Equal(t, http.StatusOK, bearer(t, base, token, "/api/v1/campaigns"))
	h.Must("admin", "DELETE", "/api/v1/users/zhang/tokens/"+id, nil, http.StatusOK)
	require.Equal(t, http.StatusUnauthorized, bearer(t, base, token, "/api/v1/opinions?assignee=me"))

	// Deactivated, their session ends at once; their password signs nobody in.
	h.Must("admin", "PATCH", "/api/v1/users/zhang", map[string]any{"active": false}, http.StatusOK)
	path, _, _ = v.get("/tasks")
	require.Equal(t, "/login", path)
	_, status, _ = newWebVisitor(t, base).post("/login", "/login", url.Values{"username": {"zhang"}, "password": {"zhang-own-password"}})
	require.Equal(t, http.StatusUnauthorized, status)

	// The access log has every change, and neither the password nor the token.
	page := h.Must("admin", "GET", "/api/v1/audit?limit=50", nil, http.StatusOK)
	var actions []string
	for _, e := range page["entries"].([]any) {
		entry := e.(map[string]any)
		actions = append(actions, entry["action"].(string))
		for _, secret := range []string{"first-password-1", "zhang-own-password", token} {
			for _, field := range entry {
				if s, ok := field.(string); ok {
					require.False(t, strings.Contains(s, secret))
				}
			}
		}
	}
	require.Subset(t, actions, []string{"user_create", "user_password_change", "user_token_issue", "user_token_revoke", "user_deactivate"})
}
