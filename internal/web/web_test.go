package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"
	xhtml "golang.org/x/net/html"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/service"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

// These tests drive the pages every role shares — sign-in, language, the inbox, the
// verification queue and the opinion page with its action forms — through
// Server.Handler() alone, on a real store, user directory (bcrypt) and calendar,
// with Temporal mocked. They reuse the office tests' officeEnv and browser; the
// environment adds two people the office tests do not need: a second official in
// another department, and someone who is both an official and a verifier.

// webExtraUsers join officeUsers; each one's password is their username.
var webExtraUsers = []user.User{
	{Username: "official2", Name: "李科长", Roles: []domain.Role{domain.RoleOfficial}, Department: "民政局"},
	{Username: "dual", Name: "周双岗", Roles: []domain.Role{domain.RoleOfficial, domain.RoleVerifier}, Department: "民政局"},
}

var webExtraHashes = passwordHashes(webExtraUsers)

// passwordHashes hashes each user's password (their username) once for the whole
// package: bcrypt is slow on purpose, and every test signs in.
func passwordHashes(users []user.User) func() map[string]string {
	return sync.OnceValue(func() map[string]string {
		out := map[string]string{}
		for _, u := range users {
			h, err := user.HashPassword(u.Username)
			if err != nil {
				panic(err)
			}
			out[u.Username] = h
		}
		return out
	})
}

// newWebEnv is officeEnv serving only the pages (Server.Handler()), with the
// extra users and campaign c1 (departments 住建局 and 民政局).
func newWebEnv(t *testing.T) *officeEnv {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "rectify.db"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	var users []user.User
	for _, u := range officeUsers {
		u.PasswordHash = officeHashes()[u.Username]
		users = append(users, u)
	}
	for _, u := range webExtraUsers {
		u.PasswordHash = webExtraHashes()[u.Username]
		users = append(users, u)
	}
	dir, err := user.New(users)
	require.NoError(t, err)
	tc := mocks.NewClient(t)
	config := service.Config{
		Temporal: tc, Store: st, Users: dir, Calendar: calendar.Default(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return officeNow },
	}
	svc, front := newService(config, nil)
	pages, err := New(svc, front, config.Logger)
	require.NoError(t, err)
	srv := httptest.NewServer(pages.Handler())
	t.Cleanup(srv.Close)
	office, _ := dir.Lookup("office")
	_, err = svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: "c1", Name: "主题教育活动", Departments: []string{"住建局", "民政局"}})
	require.NoError(t, err)
	return &officeEnv{svc: svc, api: front, config: config, store: st, temporal: tc, srv: srv}
}

// visitor is a browser that is not signed in and does not follow redirects.
func (e *officeEnv) visitor(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// loginToken opens the sign-in form (keeping its CSRF cookie in the jar) and
// returns the form's token.
func (b *browser) loginToken(t *testing.T) string {
	t.Helper()
	status, body := b.get(t, "/login")
	require.Equal(t, http.StatusOK, status)
	m := officeCSRF.FindStringSubmatch(body)
	require.NotNil(t, m)
	return unescape(m[1])
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func unescape(s string) string { return xhtml.UnescapeString(s) }

// setCookie finds the cookie a response sets.
func setCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// do sends a raw request (with headers and cookies a jar would not give).
func (e *officeEnv) do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	require.NoError(t, err)
	return resp
}

func TestSignedOutVisitorLandsOnTheSignInForm(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.visitor(t)
	for path, next := range map[string]string{"/": "/", "/tasks": "/tasks", "/opinions/x?tab=1": "/opinions/x?tab=1"} {
		resp, err := b.c.Get(e.srv.URL + path)
		require.NoError(t, err)
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, path)
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		require.Equal(t, "/login", loc.Path, path)
		require.Equal(t, next, loc.Query().Get("next"), path)
	}
	resp, err := b.c.Get(e.srv.URL + "/")
	require.NoError(t, err)
	_ = readBody(t, resp)
	require.Equal(t, "/login?next=%2F", resp.Header.Get("Location"))

	// A signed-out POST is refused, not redirected.
	resp = b.post(t, "/logout", url.Values{})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, readBody(t, resp), "登录已失效，请重新登录。")
}

func TestSignInForm(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.visitor(t)
	resp, err := b.c.Get(e.srv.URL + "/login?next=%2Ftasks")
	require.NoError(t, err)
	body := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	c := setCookie(resp, loginCSRF)
	require.NotNil(t, c, "the sign-in form sets its CSRF cookie")
	require.NotEmpty(t, c.Value)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)
	require.False(t, c.Secure, "plain HTTP")
	require.Contains(t, body, `name="csrf" value="`+c.Value+`"`, "the form carries the cookie's token")
	require.Contains(t, body, `<html lang="zh-CN">`)
	require.Contains(t, body, `<label for="username">用户名</label>`)
	require.Contains(t, body, `<label for="password">密码</label>`)
	require.Regexp(t, `<input id="username" name="username"[^>]*>`, body)
	require.Regexp(t, `<input id="password" name="password" type="password"[^>]*>`, body)
	require.Contains(t, body, `<input type="hidden" name="next" value="/tasks">`)
	requireLabelled(t, "/login", body)

	// Behind a TLS-terminating proxy the cookie is Secure.
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/login", nil)
	require.NoError(t, err)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp = e.do(t, req)
	_ = readBody(t, resp)
	c = setCookie(resp, loginCSRF)
	require.NotNil(t, c)
	require.True(t, c.Secure)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, c.SameSite)

	// A signed-in visitor is sent on.
	s := e.signIn(t, "official")
	resp, err = s.c.Get(e.srv.URL + "/login")
	require.NoError(t, err)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/", resp.Header.Get("Location"))
}

func TestSignInRefusals(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.visitor(t)
	token := b.loginToken(t)

	for name, form := range map[string]url.Values{
		"wrong password": {"username": {"official"}, "password": {"not-it"}},
		"unknown user":   {"username": {"nobody"}, "password": {"nobody"}},
	} {
		form.Set("csrf", token)
		resp := b.post(t, "/login", form)
		body := readBody(t, resp)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, name)
		require.Contains(t, body, `<p class="error" role="alert">用户名或密码错误。</p>`, name)
		require.Contains(t, body, `value="`+form.Get("username")+`"`, "%s keeps the username", name)
		require.NotContains(t, body, "not-it", "the password is never echoed")
		require.Nil(t, setCookie(resp, sessionCookie), name)
		token = unescape(officeCSRF.FindStringSubmatch(body)[1])
	}

	// The right password without the form's token, or with another one, is refused.
	for name, csrf := range map[string][]string{"missing": nil, "wrong": {"forged"}} {
		resp := b.post(t, "/login", url.Values{"username": {"official"}, "password": {"official"}, "csrf": csrf})
		body := readBody(t, resp)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, body, "表单已过期或来源不明，请刷新页面后重试。", name)
		require.Contains(t, body, `value="official"`, name)
		require.Nil(t, setCookie(resp, sessionCookie), name)
	}
	// A token posted without its cookie (another site's form) is refused too.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(e.srv.URL+"/login", url.Values{"username": {"official"}, "password": {"official"}, "csrf": {token}})
	require.NoError(t, err)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Nil(t, setCookie(resp, sessionCookie))

	// English visitors read the refusal in English.
	resp = b.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	token = b.loginToken(t)
	resp = b.post(t, "/login", url.Values{"username": {"official"}, "password": {"x"}, "csrf": {token}})
	body := readBody(t, resp)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	require.Contains(t, body, "Wrong username or password.")
	require.Contains(t, body, `<label for="username">Username</label>`)
}

func TestSignInSetsSessionAndFollowsOnlySameSiteNext(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	for next, want := range map[string]string{
		"":                        "/",
		"/tasks":                  "/tasks",
		"/opinions/o1?x=1":        "/opinions/o1?x=1",
		"https://evil.example/x":  "/",
		"//evil.example/x":        "/",
		`/\evil.example`:          "/",
		"javascript:alert(1)":     "/",
		"tasks":                   "/",
		"http://127.0.0.1/tasks?": "/",
	} {
		b := e.visitor(t)
		token := b.loginToken(t)
		resp := b.post(t, "/login", url.Values{"username": {" official "}, "password": {"official"}, "csrf": {token}, "next": {next}})
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, next)
		require.Equal(t, want, resp.Header.Get("Location"), "next=%q", next)
		s := setCookie(resp, sessionCookie)
		require.NotNil(t, s, next)
		require.NotEmpty(t, s.Value)
		require.True(t, s.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, s.SameSite)
		require.False(t, s.Secure)
		require.Equal(t, int(DefaultSessionLimits.Max.Seconds()), s.MaxAge)
		cleared := setCookie(resp, loginCSRF)
		require.NotNil(t, cleared, "the sign-in token is spent")
		require.Negative(t, cleared.MaxAge)
	}

	// Over TLS (as a proxy reports it) the session cookie is Secure.
	b := e.visitor(t)
	token := b.loginToken(t)
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/login",
		strings.NewReader(url.Values{"username": {"office"}, "password": {"office"}, "csrf": {token}}.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	req.AddCookie(b.cookie(loginCSRF))
	resp := e.do(t, req)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	s := setCookie(resp, sessionCookie)
	require.NotNil(t, s)
	require.True(t, s.Secure)
	require.True(t, s.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, s.SameSite)
}

func TestSafeNextKeepsOnlyPathsOnThisSite(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ next, want string }{
		{"/", "/"},
		{"/tasks", "/tasks"},
		{"/ok?x=1", "/ok?x=1"},
		{"/opinions/o1?tab=timeline#top", "/opinions/o1?tab=timeline#top"},
		{"/campaigns/主题教育", "/campaigns/主题教育"},
		{"/%09/evil.example", "/%09/evil.example"}, // still encoded: a path on this site
		{"", ""},
		{"tasks", ""},
		// Seen: next=/%09/evil.example arrives decoded, and browsers drop the tab.
		{"/\t/evil.example", ""},
		{"/\n/x", ""},
		{"/\r/evil.example", ""},
		{"/tasks\x00", ""},
		{"/x\x7f", ""},
		{"/ /evil.example", ""},
		{"/\u00a0/evil.example", ""},
		{"/\u3000/evil.example", ""},
		{"/\u2028/evil.example", ""},
		{"/\u0085/evil.example", ""},
		{"/\xff", ""},
		{"//evil", ""},
		{"//evil.example/x", ""},
		{"/\\evil", ""},
		{"/\\/evil.example", ""},
		{"https://evil", ""},
		{"javascript:alert(1)", ""},
		{"\\\\evil.example", ""},
	} {
		require.Equal(t, tt.want, safeNext(tt.next), "next=%q", tt.next)
	}
}

// Seen: POST /lang (and /login) with next=/%09/evil.example answered
// "Location: /\t/evil.example", which a browser follows to evil.example. The
// requests go through the transport alone: a client would refuse to read such a
// Location at all.
func TestNextWithAControlCharacterStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	v := e.visitor(t)
	post := func(path, form string, cookies ...*http.Cookie) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(form))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for _, c := range cookies {
			req.AddCookie(c)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		require.NoError(t, err)
		_ = readBody(t, resp)
		return resp
	}
	for _, raw := range []string{"/%09/evil.example", "/%0A/evil.example", "/%0D%0A/evil.example", "/%E3%80%80/evil.example"} {
		resp := post("/lang", "lang=en&next="+raw)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, raw)
		require.Equal(t, "/", resp.Header.Get("Location"), "POST /lang next=%s", raw)
	}
	token := v.loginToken(t)
	resp := post("/login", "username=official&password=official&csrf="+url.QueryEscape(token)+"&next=/%09/evil.example", v.cookie(loginCSRF))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/", resp.Header.Get("Location"), "POST /login next=/%09/evil.example")
	// The sign-in form does not carry such a target either.
	_, body := v.get(t, "/login?next=%2F%09%2Fevil.example")
	require.Contains(t, body, `<input type="hidden" name="next" value="">`)
}

func TestHomeSendsEachRoleToItsPage(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	for username, want := range map[string]string{
		"office": "/triage", "leader": "/dashboard", "verifier": "/verify", "official": "/tasks",
		"dual": "/verify", // a verifier who is also an official starts with the queue
	} {
		b := e.signIn(t, username)
		resp, err := b.c.Get(e.srv.URL + "/")
		require.NoError(t, err)
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, username)
		require.Equal(t, want, resp.Header.Get("Location"), username)
		status, _ := b.get(t, want)
		require.Equal(t, http.StatusOK, status, "%s opens %s", username, want)
	}
}

func TestSignOutEndsTheSession(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.signIn(t, "official")
	old := b.cookie(sessionCookie)
	require.NotNil(t, old)

	// Signing out is a form like any other: without the token it does nothing.
	resp := b.post(t, "/logout", url.Values{"csrf": {"forged"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	_ = readBody(t, resp)
	status, _ := b.get(t, "/tasks")
	require.Equal(t, http.StatusOK, status, "still signed in")

	resp = b.post(t, "/logout", url.Values{})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login", resp.Header.Get("Location"))
	cleared := setCookie(resp, sessionCookie)
	require.NotNil(t, cleared)
	require.Empty(t, cleared.Value)
	require.Negative(t, cleared.MaxAge)
	require.Nil(t, b.cookie(sessionCookie), "the browser dropped it")

	// The old cookie, replayed, no longer works.
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/tasks", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: old.Value})
	resp = e.do(t, req)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2Ftasks", resp.Header.Get("Location"))
	_, err = e.store.Session(context.Background(), old.Value, officeNow)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestSignOutEverywhereEndsEveryBrowsersSession(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	phone, laptop := e.signIn(t, "official"), e.signIn(t, "official")
	colleague := e.signIn(t, "official2")

	// The header offers it beside signing out, in both languages.
	_, body := laptop.get(t, "/tasks")
	require.Contains(t, body, `<form method="post" action="/logout/everywhere" class="inline logout-all">`)
	require.Contains(t, body, "退出所有设备")
	laptop.setLang(t, "en")
	_, body = laptop.get(t, "/tasks")
	require.Contains(t, body, "Sign out everywhere")

	// Like every form, it needs the session's token.
	resp := laptop.post(t, "/logout/everywhere", url.Values{"csrf": {"forged"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	status, _ := phone.get(t, "/tasks")
	require.Equal(t, http.StatusOK, status, "nothing ended")

	resp = laptop.post(t, "/logout/everywhere", url.Values{})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login", resp.Header.Get("Location"))
	cleared := setCookie(resp, sessionCookie)
	require.NotNil(t, cleared)
	require.Negative(t, cleared.MaxAge)
	for name, b := range map[string]*browser{"this browser": laptop, "the other browser": phone} {
		resp, err := b.c.Get(e.srv.URL + "/tasks")
		require.NoError(t, err)
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, name)
		require.Equal(t, "/login?next=%2Ftasks", resp.Header.Get("Location"), name)
	}
	status, _ = colleague.get(t, "/tasks")
	require.Equal(t, http.StatusOK, status, "another user stays signed in")
}

// atMoment serves the same store and people at officeNow+d, with limits.
func (e *officeEnv) atMoment(t *testing.T, d time.Duration, limits SessionLimits) http.Handler {
	t.Helper()
	config := e.config
	config.Temporal, config.Now = nil, func() time.Time { return officeNow.Add(d) }
	svc, front := newService(config, nil)
	pages, err := New(svc, front, config.Logger)
	require.NoError(t, err)
	pages.Sessions = limits
	return pages.Handler()
}

// serveWithCookie sends one request with the session cookie.
func serveWithCookie(h http.Handler, method, path, session string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestExpiredSessionGoesBackToSignIn(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.signIn(t, "official")
	sess := b.cookie(sessionCookie)
	require.NotNil(t, sess)

	// Used all day, every twenty minutes, the session still ends at its maximum.
	max := DefaultSessionLimits.Max
	for d := 20 * time.Minute; d < max; d += 20 * time.Minute {
		rec := serveWithCookie(e.atMoment(t, d, SessionLimits{}), http.MethodGet, "/tasks", sess.Value)
		require.Equal(t, http.StatusOK, rec.Code, "after %s", d)
	}
	rec := serveWithCookie(e.atMoment(t, max-time.Minute, SessionLimits{}), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusOK, rec.Code, "a minute before it ends")

	late := e.atMoment(t, max+time.Minute, SessionLimits{})
	rec = serveWithCookie(late, http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/login?next=%2Ftasks", rec.Header().Get("Location"))
	rec = serveWithCookie(late, http.MethodPost, "/logout", sess.Value)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, rec.Body.String(), "登录已失效，请重新登录。")
	rec = serveWithCookie(late, http.MethodGet, "/login", sess.Value)
	require.Equal(t, http.StatusOK, rec.Code, "the sign-in form, not a redirect loop")

	// A session stored as already expired never signs anyone in.
	require.NoError(t, e.store.CreateSession(context.Background(), store.Session{ID: "stale", Username: "office", CSRF: "x", ExpiresAt: officeNow.Add(-time.Second), LastSeen: officeNow}))
	req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/triage", nil)
	require.NoError(t, err)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: "stale"})
	resp := e.do(t, req)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/login?next=%2Ftriage", resp.Header.Get("Location"))
}

func TestIdleSessionGoesBackToSignIn(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.signIn(t, "official")
	sess := b.cookie(sessionCookie)
	require.NotNil(t, sess)
	ctx := context.Background()
	lastSeen := func() time.Time {
		t.Helper()
		got, err := e.store.Session(ctx, sess.Value, officeNow)
		require.NoError(t, err)
		return got.LastSeen
	}
	require.True(t, officeNow.Equal(lastSeen()), "signing in is a use")

	// Use within the minute writes nothing; a use after it records the time.
	rec := serveWithCookie(e.atMoment(t, 30*time.Second, SessionLimits{}), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusOK, rec.Code)
	require.True(t, officeNow.Equal(lastSeen()), "no write a request")
	rec = serveWithCookie(e.atMoment(t, 29*time.Minute, SessionLimits{}), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusOK, rec.Code, "29 minutes idle")
	require.True(t, officeNow.Add(29*time.Minute).Equal(lastSeen()))
	rec = serveWithCookie(e.atMoment(t, 58*time.Minute, SessionLimits{}), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusOK, rec.Code, "29 minutes idle again: an hour in, still signed in")

	// Thirty minutes without use end it: back to the sign-in form, which comes back.
	idle := e.atMoment(t, 88*time.Minute, SessionLimits{})
	rec = serveWithCookie(idle, http.MethodGet, "/opinions/o1?tab=1", sess.Value)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/login?next=%2Fopinions%2Fo1%3Ftab%3D1", rec.Header().Get("Location"))
	_, err := e.store.Session(ctx, sess.Value, officeNow)
	require.ErrorIs(t, err, store.ErrNotFound, "the idle session is gone, not only refused")
	rec = serveWithCookie(e.atMoment(t, 60*time.Minute, SessionLimits{}), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusSeeOther, rec.Code, "and stays gone")

	// The idle time is a setting.
	b = e.signIn(t, "official")
	sess = b.cookie(sessionCookie)
	short := SessionLimits{Idle: 5 * time.Minute}
	rec = serveWithCookie(e.atMoment(t, 4*time.Minute, short), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusOK, rec.Code)
	rec = serveWithCookie(e.atMoment(t, 10*time.Minute, short), http.MethodGet, "/tasks", sess.Value)
	require.Equal(t, http.StatusSeeOther, rec.Code)
}

func TestSessionMaximumIsASetting(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	h := e.atMoment(t, 0, SessionLimits{Max: time.Hour})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/login", nil))
	csrf := rec.Result().Cookies()[0]
	require.Equal(t, loginCSRF, csrf.Name)
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{
		"username": {"office"}, "password": {"office"}, "csrf": {csrf.Value}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(csrf)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusSeeOther, rec.Code)
	c := setCookie(rec.Result(), sessionCookie)
	require.NotNil(t, c)
	require.Equal(t, 3600, c.MaxAge)
	got, err := e.store.Session(context.Background(), c.Value, officeNow)
	require.NoError(t, err)
	require.True(t, officeNow.Add(time.Hour).Equal(got.ExpiresAt))
}

func TestLanguageIsChineseByDefaultAndRememberedPerUser(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)

	// Signed out: Chinese, and a cookie remembers a switch.
	v := e.visitor(t)
	_, body := v.get(t, "/login")
	require.Contains(t, body, `<html lang="zh-CN">`)
	require.Contains(t, body, "<h1>整改通</h1>")
	require.Contains(t, body, `<input type="hidden" name="lang" value="en">`)
	resp := v.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "signed out, no token is needed")
	require.Equal(t, "/login", resp.Header.Get("Location"))
	c := setCookie(resp, langCookie)
	require.NotNil(t, c)
	require.Equal(t, "en", c.Value)
	require.True(t, c.HttpOnly)
	_, body = v.get(t, "/login")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "<h1>rectify</h1>")
	require.Contains(t, body, `<label for="password">Password</label>`)
	resp = v.post(t, "/lang", url.Values{"lang": {"fr"}, "next": {"//evil.example"}})
	_ = readBody(t, resp)
	require.Equal(t, "/", resp.Header.Get("Location"), "only same-site targets")
	require.Equal(t, "zh", setCookie(resp, langCookie).Value, "an unknown language is Chinese")

	// Signed in: the switch needs the session's token.
	b := e.signIn(t, "official")
	_, body = b.get(t, "/tasks")
	require.Contains(t, body, `<html lang="zh-CN">`)
	require.Contains(t, body, "我的任务")
	for name, csrf := range map[string][]string{"missing": nil, "wrong": {"forged"}} {
		resp := b.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/tasks"}, "csrf": csrf})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, readBody(t, resp), "表单已过期或来源不明", name)
		require.Nil(t, setCookie(resp, langCookie), name)
	}
	lang, err := e.store.Language(context.Background(), "official")
	require.NoError(t, err)
	require.Empty(t, lang, "nothing was remembered")

	resp = b.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/tasks"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/tasks", resp.Header.Get("Location"))
	_, body = b.get(t, "/tasks")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "My tasks")
	require.Contains(t, body, `<input type="hidden" name="lang" value="zh">`)

	// Sign out and in again from a browser that never chose: still English.
	resp = b.post(t, "/logout", url.Values{})
	_ = readBody(t, resp)
	again := e.signIn(t, "official")
	require.Nil(t, again.cookie(langCookie))
	_, body = again.get(t, "/tasks")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "Nothing to do")

	// The choice is the user's: a colleague on an English browser who never chose
	// sees their cookie's language; a colleague who chose Chinese keeps it.
	other := e.signIn(t, "verifier")
	_, body = other.get(t, "/verify")
	require.Contains(t, body, `<html lang="zh-CN">`)
	other.setLang(t, "zh")
	u, _ := url.Parse(e.srv.URL)
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: "en", Path: "/"}})
	_, body = other.get(t, "/verify")
	require.Contains(t, body, `<html lang="zh-CN">`, "the remembered choice wins over the cookie")
	fresh := e.signIn(t, "leader")
	fresh.c.Jar.SetCookies(u, []*http.Cookie{{Name: langCookie, Value: "en", Path: "/"}})
	_, body = fresh.get(t, "/verify")
	require.Contains(t, body, `<html lang="en">`, "no choice yet: the cookie")
}

// taskOpinion is one of an official's items in campaign c1.
func taskOpinion(id, official, department string, state domain.State, level domain.OverdueLevel, deadline string) domain.Opinion {
	return domain.Opinion{ID: id, CampaignID: "c1", Content: "任务-" + id, State: state, Category: "形式主义",
		Department: department, Official: official, Leader: "leader", OverdueLevel: level,
		Schedule: domain.Schedule{Deadline: deadline}}
}

var badgeRE = regexp.MustCompile(`<span class="badge level-([a-z_]+)">[^<]*</span></td>\s*<td class="c-content"><a href="/opinions/([^"]+)">`)

func TestTasksListOnlyTheOfficialsOwnWorkMostUrgentFirst(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	for _, o := range []domain.Opinion{
		taskOpinion("t-none", "official", "住建局", domain.StateAssigned, domain.LevelNone, "2025-06-30"),
		taskOpinion("t-none-early", "official", "住建局", domain.StateInProgress, domain.LevelNone, "2025-06-20"),
		taskOpinion("t-soon", "official", "住建局", domain.StateInProgress, domain.LevelDueSoon, "2025-06-11"),
		taskOpinion("t-late", "official", "住建局", domain.StateInProgress, domain.LevelOverdue, "2025-06-05"),
		taskOpinion("t-sup", "official", "住建局", domain.StateAssigned, domain.LevelSupervised, "2025-06-02"),
		taskOpinion("t-acc", "official", "民政局", domain.StateInProgress, domain.LevelAccountability, "2025-05-20"),
		// Not the official's to do now:
		taskOpinion("t-sub", "official", "住建局", domain.StateSubmitted, domain.LevelNone, "2025-06-20"),
		taskOpinion("t-cb", "official", "住建局", domain.StateAwaitingCallback, domain.LevelNone, "2025-06-20"),
		taskOpinion("t-closed", "official", "住建局", domain.StateClosed, domain.LevelNone, "2025-06-20"),
		taskOpinion("t-dept", "official2", "住建局", domain.StateInProgress, domain.LevelOverdue, "2025-06-05"),
		taskOpinion("t-other", "official2", "民政局", domain.StateAssigned, domain.LevelAccountability, "2025-05-20"),
		{ID: "t-recv", CampaignID: "c1", Content: "任务-t-recv", State: domain.StateReceived, Department: "住建局"},
	} {
		e.opinion(t, o)
	}
	b := e.signIn(t, "official")
	status, body := b.get(t, "/tasks")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `我的任务 <span class="count">6</span>`)
	var order, levels []string
	for _, m := range badgeRE.FindAllStringSubmatch(body, -1) {
		levels = append(levels, m[1])
		order = append(order, m[2])
	}
	require.Equal(t, []string{"t-acc", "t-sup", "t-late", "t-soon", "t-none-early", "t-none"}, order)
	require.Equal(t, []string{"accountability", "supervised", "overdue", "due_soon", "none", "none"}, levels)
	for level, zh := range map[string]string{"accountability": "问责", "supervised": "督办", "overdue": "逾期", "due_soon": "临期", "none": "正常"} {
		require.Contains(t, body, `<span class="badge level-`+level+`">`+zh+`</span>`)
	}
	row := func(id string) string {
		i := strings.Index(body, `href="/opinions/`+id+`"`)
		require.GreaterOrEqual(t, i, 0, id)
		return body[i : i+strings.Index(body[i:], "</tr>")]
	}
	// Tuesday 2025-06-10: three working days left this week, five in each of the
	// next two, one on Monday the 30th.
	require.Contains(t, row("t-none"), `<td class="c-deadline" data-label="时限">2025-06-30</td>`+"\n  "+`<td class="c-left">14 个工作日</td>`)
	require.Contains(t, row("t-soon"), `<td class="c-left">1 个工作日</td>`)
	require.Contains(t, row("t-late"), `<td class="c-left over">超期 3 个工作日</td>`, "Thursday the 5th: the 5th, 6th and 9th are gone; a card shows it in red")
	require.Contains(t, row("t-acc"), "整改中")
	require.Contains(t, row("t-sup"), "已交办")

	// In English.
	b.setLang(t, "en")
	_, body = b.get(t, "/tasks")
	require.Contains(t, body, `My tasks <span class="count">6</span>`)
	require.Contains(t, body, "14 working days")
	require.Contains(t, body, "3 working days late")
	require.Contains(t, body, `<span class="badge level-accountability">Accountability</span>`)
	require.Contains(t, body, "<th scope=\"col\">Working days left</th>")

	// Another official has their own list; one with nothing sees the empty text.
	_, body = e.signIn(t, "official2").get(t, "/tasks")
	require.Contains(t, body, `href="/opinions/t-dept"`)
	require.Contains(t, body, `href="/opinions/t-other"`)
	require.NotContains(t, body, `href="/opinions/t-acc"`)
	_, body = e.signIn(t, "dual").get(t, "/tasks")
	require.Contains(t, body, "暂无待办任务")
	requireLabelled(t, "/tasks", body)
}

func TestVerifyQueueIsForVerifiers(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	sub := func(id, official, dept string) domain.Opinion {
		o := taskOpinion(id, official, dept, domain.StateSubmitted, domain.LevelNone, "2025-06-20")
		o.SubmittedBy, o.Measures, o.Evidence = official, "已整改", "照片三张"
		return o
	}
	e.opinion(t, sub("v-1", "official", "住建局"))
	e.opinion(t, sub("v-2", "official2", "民政局"))
	e.opinion(t, taskOpinion("v-busy", "official", "住建局", domain.StateInProgress, domain.LevelNone, "2025-06-20"))
	e.opinion(t, taskOpinion("v-cb", "official", "住建局", domain.StateAwaitingCallback, domain.LevelNone, "2025-06-20"))

	for _, username := range []string{"verifier", "dual"} {
		status, body := e.signIn(t, username).get(t, "/verify")
		require.Equal(t, http.StatusOK, status, username)
		require.Contains(t, body, `待核查 <span class="count">2</span>`, username)
		require.Contains(t, body, `href="/opinions/v-1"`)
		require.Contains(t, body, `href="/opinions/v-2"`)
		require.NotContains(t, body, "v-busy")
		require.NotContains(t, body, "v-cb")
		require.Contains(t, body, `<a href="/verify">待核查</a>`, "the navigation has the queue")
	}
	for _, username := range []string{"official", "office", "leader"} {
		b := e.signIn(t, username)
		status, body := b.get(t, "/verify")
		require.Equal(t, http.StatusForbidden, status, username)
		require.Contains(t, body, "<h1>403 · 出错了</h1>")
		require.Contains(t, body, "您没有权限访问此页面。")
		require.NotContains(t, body, "v-1")
		require.NotContains(t, body, `<a href="/verify">`, "%s has no link to it", username)
		b.setLang(t, "en")
		status, body = b.get(t, "/verify")
		require.Equal(t, http.StatusForbidden, status)
		require.Contains(t, body, "You may not open this page.")
	}
	b := e.signIn(t, "verifier")
	b.setLang(t, "en")
	_, body := b.get(t, "/verify")
	require.Contains(t, body, `To verify <span class="count">2</span>`)
}

// The opinion page's seeds: one opinion at each step, in campaign c1.
func seedOpinionPages(t *testing.T, e *officeEnv) {
	t.Helper()
	ev := func(seq, hoursAgo int, actor string, a domain.Action, from, to domain.State, reason string) domain.Event {
		return domain.Event{Seq: seq, At: officeNow.Add(-time.Duration(hoursAgo) * time.Hour), Actor: actor, Action: a, From: from, To: to, Reason: reason}
	}
	received := ev(1, 72, "office", domain.EventReceived, "", domain.StateReceived, "")
	categorized := ev(2, 50, "office", domain.ActionCategorize, domain.StateReceived, domain.StateCategorized, "")
	assigned := ev(3, 48, "office", domain.ActionAssign, domain.StateCategorized, domain.StateAssigned, "")
	assigned.Detail = map[string]string{"deadline": "2025-06-30"}
	signed := ev(4, 30, "official", domain.ActionSign, domain.StateAssigned, domain.StateInProgress, "")
	submitted := ev(5, 5, "official", domain.ActionSubmit, domain.StateInProgress, domain.StateSubmitted, "")

	base := func(id string, state domain.State) domain.Opinion {
		return domain.Opinion{ID: id, CampaignID: "c1", Content: "意见-" + id + "：食堂浪费严重", State: state,
			Submitter: "钱多多", Phone: "13912345678", CollectedAt: "2025-06-01", OverdueLevel: domain.LevelNone}
	}
	o := base("rcv", domain.StateReceived)
	o.SuggestedCategory, o.Timeline = "奢靡之风", []domain.Event{received}
	e.opinion(t, o)

	o = base("cat", domain.StateCategorized)
	o.Category, o.Timeline = "形式主义", []domain.Event{received, categorized}
	e.opinion(t, o)

	o = base("asg", domain.StateAssigned)
	o.Category, o.Department, o.Official, o.Leader = "形式主义", "住建局", "official", "leader"
	o.Measures = "规范会议管理"
	o.Schedule = domain.Schedule{Deadline: "2025-06-30", Basis: &domain.DeadlineBasis{From: "2025-06-10", WorkingDays: 14, Weekends: 6},
		SignBy: time.Date(2025, 6, 12, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))}
	o.Timeline = []domain.Event{received, categorized, assigned}
	e.opinion(t, o)

	o = base("ext", domain.StateInProgress)
	o.Category, o.Department, o.Official, o.Leader, o.Signed = "形式主义", "住建局", "official", "leader", true
	o.Schedule = domain.Schedule{Deadline: "2025-06-20", Basis: &domain.DeadlineBasis{From: "2025-06-10", WorkingDays: 8, Given: true}}
	o.PendingExtension = &domain.Extension{Until: "2025-07-15", Reason: "需协调市政部门", RequestedBy: "official", RequestedAt: officeNow.Add(-time.Hour)}
	o.Timeline = []domain.Event{received, categorized, assigned, signed}
	e.opinion(t, o)

	o = base("sub", domain.StateSubmitted)
	o.Category, o.Department, o.Official, o.Leader, o.Signed = "形式主义", "住建局", "official", "leader", true
	o.SubmittedBy, o.Measures, o.Evidence = "official", "已建立会议审批制度", "制度文件一份"
	o.Schedule = domain.Schedule{Deadline: "2025-06-20"}
	o.Timeline = []domain.Event{received, categorized, assigned, signed, submitted}
	e.opinion(t, o)

	o = base("sub2", domain.StateSubmitted)
	o.Category, o.Department, o.Official, o.Leader, o.Signed = "官僚主义", "民政局", "dual", "leader", true
	o.SubmittedBy, o.Measures, o.Evidence = "dual", "已整改", "照片"
	e.opinion(t, o)

	o = base("cb", domain.StateAwaitingCallback)
	o.Category, o.Department, o.Official, o.Leader, o.Signed = "形式主义", "住建局", "official", "leader", true
	o.SubmittedBy, o.VerifiedBy = "official", "verifier"
	e.opinion(t, o)
}

var actionFormRE = regexp.MustCompile(`<form method="post" action="/opinions/([^/"]+)/act/([a-z-]+)"`)

// offeredActions lists the action forms on an opinion page, in page order.
func offeredActions(t *testing.T, id, body string) []string {
	t.Helper()
	out := []string{}
	for _, m := range actionFormRE.FindAllStringSubmatch(body, -1) {
		require.Equal(t, id, m[1])
		out = append(out, m[2])
	}
	return out
}

func TestOpinionPageOffersOnlyTheAllowedActions(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	cases := []struct {
		who, id string
		want    []string
	}{
		{"official", "asg", []string{"sign", "return", "request-extension"}},
		{"official", "ext", []string{"return", "submit"}},
		{"official", "sub", []string{}},
		{"office", "rcv", []string{"categorize", "merge", "reject", "resolve", "cancel"}},
		{"office", "cat", []string{"categorize", "merge", "reject", "assign", "resolve", "cancel"}},
		{"office", "asg", []string{"cancel"}},
		{"office", "ext", []string{"decide-extension", "cancel"}},
		{"office", "cb", []string{"callback", "reopen", "cancel"}},
		{"leader", "ext", []string{"decide-extension"}},
		{"leader2", "ext", []string{}},
		{"leader", "cb", []string{"reopen"}},
		{"leader2", "cb", []string{}},
		{"verifier", "sub", []string{"verify"}},
		{"verifier", "asg", []string{}},
		{"verifier", "sub2", []string{"verify"}},
		{"dual", "sub2", []string{}}, // their own fix
		{"dual", "sub", []string{"verify"}},
	}
	browsers := map[string]*browser{}
	for _, tc := range cases {
		b, ok := browsers[tc.who]
		if !ok {
			b = e.signIn(t, tc.who)
			browsers[tc.who] = b
		}
		status, body := b.get(t, "/opinions/"+tc.id)
		require.Equal(t, http.StatusOK, status, "%s opens %s", tc.who, tc.id)
		require.Equal(t, tc.want, offeredActions(t, tc.id, body), "%s on %s", tc.who, tc.id)
		if len(tc.want) == 0 {
			require.Contains(t, body, "当前无可办理事项", "%s on %s", tc.who, tc.id)
		}
		require.NotContains(t, body, "<details class=\"action\" open>", "no form is open on a fresh page")
		requireLabelled(t, tc.who+" /opinions/"+tc.id, body)
		requireNoKeys(t, body)
	}

	// An official sees only their own and their department's items.
	b := e.signIn(t, "official2")
	for _, id := range []string{"asg", "ext", "sub"} {
		status, body := b.get(t, "/opinions/"+id)
		require.Equal(t, http.StatusForbidden, status, id)
		require.Contains(t, body, "该意见既没有交办给您，也没有交办给您所在的部门")
		require.NotContains(t, body, "食堂浪费严重", "nothing of the opinion leaks")
	}
	status, _ := b.get(t, "/opinions/sub2")
	require.Equal(t, http.StatusOK, status, "their department's")
	status, body := b.get(t, "/opinions/nope")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, body, "页面不存在。")
}

func TestOpinionPageShowsDeadlineTimelineAndForms(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)

	b := e.signIn(t, "official")
	status, body := b.get(t, "/opinions/asg")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `<h1 class="content">意见-asg：食堂浪费严重</h1>`)
	require.Contains(t, body, "<title>意见-asg：食堂浪费严重 · 整改通</title>")
	require.Contains(t, body, "<dt>时限</dt><dd><strong>2025-06-30</strong> 14 个工作日<br><span class=\"muted\" id=\"deadline-explain\">时限计算：从 2025-06-10 起 14 个工作日 → 2025-06-30（跳过周末 6 天）</span></dd>")
	require.Contains(t, body, "<dt>签收期限</dt><dd>2025-06-11</dd>")
	require.Contains(t, body, "<dd class=\"pre\">规范会议管理</dd>")
	require.NotContains(t, body, "13912345678", "the citizen's phone is the office's only")
	require.NotContains(t, body, "钱多多")
	// The timeline, oldest first, in campaign time.
	require.Contains(t, body, "<h2>办理记录</h2>")
	iRecv := strings.Index(body, "<td>2025-06-07 10:00</td><td>office</td><td>收集</td><td>已收集</td>")
	iCat := strings.Index(body, "<td>2025-06-08 08:00</td><td>office</td><td>确认分类</td><td>已分类</td>")
	iAsg := strings.Index(body, "<td>2025-06-08 10:00</td><td>office</td><td>交办 · 2025-06-30</td><td>已交办</td>")
	require.True(t, iRecv > 0 && iCat > iRecv && iAsg > iCat, "timeline in order: %d %d %d", iRecv, iCat, iAsg)
	// The official's forms: sign has no fields; return asks for a reason; an
	// extension for a date and a reason.
	require.Contains(t, body, `<summary>签收</summary>`)
	require.Contains(t, body, `<label for="return-reason">理由 *</label>`)
	require.Contains(t, body, `<textarea id="return-reason" name="reason" rows="3"></textarea>`)
	require.Contains(t, body, `<label for="request-extension-until">延期至 *</label>`)
	require.Contains(t, body, `<input id="request-extension-until" name="until" type="date" value="">`)
	require.Contains(t, body, `<label for="request-extension-reason">理由 *</label>`)
	require.Equal(t, 6, strings.Count(body, `name="csrf" value="`+b.csrf+`"`), "every form carries the token: three actions, the language switch and both sign-outs")

	// The office sees the citizen and, on a categorized item, the assign form with
	// the deadline it would get.
	o := e.signIn(t, "office")
	_, body = o.get(t, "/opinions/cat")
	require.Contains(t, body, "<dt>反映人</dt><dd>钱多多 13912345678</dd>")
	cat, err := e.store.Campaign(context.Background(), "c1")
	require.NoError(t, err)
	policy, _ := cat.Policy.Category("形式主义")
	require.Equal(t, 20, policy.WorkingDays)
	today := time.Date(2025, 6, 10, 0, 0, 0, 0, cat.Policy.Location())
	span := e.svc.Calendar().AddWorkdays(today, 20)
	require.Equal(t, "2025-07-08", span.To.Format(domain.DateLayout))
	require.Contains(t, body, `<p class="hint" id="assign-preview">整改时限：<strong>2025-07-08</strong>（`+xhtml.EscapeString(span.String())+`）</p>`)
	require.Contains(t, body, `<label for="assign-department">责任部门 *</label>`)
	require.Contains(t, body, `<option value="住建局">住建局</option><option value="民政局">民政局</option>`)
	require.Contains(t, body, `<option value="official">王科长（official）</option>`)
	require.Contains(t, body, `<option value="official2">李科长（official2）</option>`)
	require.Contains(t, body, `<option value="leader">刘书记（leader）</option>`)
	require.NotContains(t, body, `<option value="verifier">`, "only officials and leaders are offered")
	require.Contains(t, body, `<label for="assign-deadline">整改时限</label>`)
	require.Contains(t, body, `<label for="categorize-category">类别 *</label>`)
	require.Contains(t, body, `<option value="制度漏洞">制度漏洞</option>`)
	_, body = o.get(t, "/opinions/asg")
	require.NotContains(t, body, `class="hint"`, "no preview once assigned")

	// Radio choices sit inside their labels, under a legend.
	_, body = o.get(t, "/opinions/ext")
	require.Contains(t, body, "<dt>延期申请待审批</dt><dd>2025-07-15 — 需协调市政部门 (official)</dd>")
	require.Contains(t, body, `<legend>审批结果 *</legend>`)
	require.Contains(t, body, `<label class="choice"><input type="radio" name="approve" value="true"> 同意</label>`)
	require.Contains(t, body, `<label class="choice"><input type="radio" name="approve" value="false"> 不同意</label>`)

	// In English.
	b.setLang(t, "en")
	_, body = b.get(t, "/opinions/asg")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "<strong>2025-06-30</strong> 14 working days")
	require.Contains(t, body, "How the deadline was counted")
	require.Contains(t, body, "<h2>Timeline</h2>")
	require.Contains(t, body, `<summary>Sign for it</summary>`)
	require.Contains(t, body, `<label for="request-extension-until">Extend until *</label>`)
	require.Contains(t, body, "<td>Assign · 2025-06-30</td><td>Assigned</td>")
	o.setLang(t, "en")
	_, body = o.get(t, "/opinions/cat")
	require.Contains(t, body, "<dt>Submitted by</dt><dd>钱多多 13912345678</dd>")
	requireLabelled(t, "/opinions/asg in English", body)
	requireNoKeys(t, body)
}

// expectAction has the mocked Temporal take one action Update on opinion id. On
// success (refusal nil) the Update's answer writes the opinion as apply leaves it
// into the store, as the workflow's projection does before it answers; otherwise
// the answer is the refusal. The channel carries what the page sent.
func expectAction(t *testing.T, e *officeEnv, id string, action domain.Action, apply func(*domain.Opinion), refusal error) <-chan client.UpdateWorkflowOptions {
	t.Helper()
	sent := make(chan client.UpdateWorkflowOptions, 1)
	var actor string // set by UpdateWorkflow, read by Get: the same request, one goroutine
	h := mocks.NewWorkflowUpdateHandle(t)
	get := h.On("Get", mock.Anything, mock.AnythingOfType("*domain.ActionResult")).Once()
	if refusal != nil {
		get.Return(refusal)
	} else {
		get.Run(func(args mock.Arguments) {
			ctx := context.Background()
			o, err := e.store.Opinion(ctx, id)
			if err != nil {
				t.Errorf("read %s: %v", id, err)
				return
			}
			from := o.State
			apply(&o)
			o.Revision++
			o.UpdatedAt = officeNow
			o.Timeline = append(o.Timeline, domain.Event{Seq: len(o.Timeline) + 1, At: officeNow, Actor: actor, Action: action, From: from, To: o.State})
			if err := e.store.ProjectOpinion(ctx, o); err != nil {
				t.Errorf("project %s: %v", id, err)
			}
			*args.Get(1).(*domain.ActionResult) = domain.ActionResult{State: o.State, Revision: o.Revision}
		}).Return(nil)
	}
	e.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
		return o.WorkflowID == workflows.OpinionWorkflowID(id) && o.UpdateName == string(action)
	})).Run(func(args mock.Arguments) {
		opts := args.Get(1).(client.UpdateWorkflowOptions)
		if req, ok := opts.Args[0].(domain.ActionRequest); ok {
			actor = req.Actor.Username
		}
		sent <- opts
	}).Return(h, nil).Once()
	return sent
}

// received takes what the page sent to Temporal.
func received(t *testing.T, sent <-chan client.UpdateWorkflowOptions) client.UpdateWorkflowOptions {
	t.Helper()
	select {
	case o := <-sent:
		return o
	default:
		t.Fatal("no Update was sent")
		return client.UpdateWorkflowOptions{}
	}
}

// refusal is a validator's rejection as Temporal returns it.
func refusal(kind, code, msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, kind, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{code}})
}

func yes() *bool { v := true; return &v }
func no() *bool  { v := false; return &v }

func TestActionsNeedTheSessionsToken(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	b := e.signIn(t, "official")
	for name, csrf := range map[string][]string{"missing": nil, "wrong": {"forged"}, "another session's": {e.signIn(t, "official").csrf}} {
		resp := b.post(t, "/opinions/asg/act/return", url.Values{"reason": {"不属于本部门"}, "csrf": csrf})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, name)
		require.Contains(t, readBody(t, resp), "表单已过期或来源不明，请刷新页面后重试。", name)
	}
	// Signed out, an action is refused before anything happens.
	v := e.visitor(t)
	resp := v.post(t, "/opinions/asg/act/sign", url.Values{"csrf": {b.csrf}})
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	_ = readBody(t, resp)
	// Someone who may not see the opinion, an unknown opinion, and a name that is
	// not an action (the workflow's internal "receive" Update included) never
	// reach Temporal either.
	resp = e.signIn(t, "official2").post(t, "/opinions/asg/act/sign", url.Values{})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, readBody(t, resp), "该意见既没有交办给您，也没有交办给您所在的部门")
	resp = b.post(t, "/opinions/nope/act/sign", url.Values{})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	_ = readBody(t, resp)
	for _, name := range []string{"receive", "delete", "merged-in"} {
		resp = b.post(t, "/opinions/asg/act/"+name, url.Values{})
		require.Equal(t, http.StatusNotFound, resp.StatusCode, name)
		require.Contains(t, readBody(t, resp), "页面不存在。")
	}
	// GET on an action is not a page.
	status, _ := b.get(t, "/opinions/asg/act/sign")
	require.Equal(t, http.StatusNotFound, status)
	e.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
	o, err := e.store.Opinion(context.Background(), "asg")
	require.NoError(t, err)
	require.Equal(t, domain.StateAssigned, o.State)
}

func TestActionsGoThroughTheServiceAsTheSignedInUser(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	// One fixed on the spot before anyone was assigned.
	e.opinion(t, domain.Opinion{ID: "spot", CampaignID: "c1", Content: "会议太多", State: domain.StateCategorized,
		Category: "形式主义", CollectedAt: "2025-06-01", OverdueLevel: domain.LevelNone,
		Timeline: []domain.Event{{Seq: 1, At: officeNow.Add(-time.Hour), Actor: "office", Action: domain.EventReceived, To: domain.StateReceived}}})
	cases := []struct {
		who, id string
		action  domain.Action
		form    url.Values
		want    domain.ActionBody
		apply   func(*domain.Opinion)
		shows   string
	}{
		{"official", "asg", domain.ActionSign, url.Values{}, domain.ActionBody{},
			func(o *domain.Opinion) { o.State, o.Signed = domain.StateInProgress, true }, "<span class=\"badge\">整改中</span>"},
		{"official", "asg", domain.ActionRequestExtension, url.Values{"until": {"2025-07-15"}, "reason": {"  需协调市政部门  "}},
			domain.ActionBody{Until: "2025-07-15", Reason: "需协调市政部门"},
			func(o *domain.Opinion) {
				o.PendingExtension = &domain.Extension{Until: "2025-07-15", Reason: "需协调市政部门", RequestedBy: "official"}
			}, "<dt>延期申请待审批</dt><dd>2025-07-15 — 需协调市政部门 (official)</dd>"},
		{"leader", "ext", domain.ActionDecideExtension, url.Values{"approve": {"true"}, "reason": {""}},
			domain.ActionBody{Approve: yes()},
			func(o *domain.Opinion) {
				o.PendingExtension, o.Schedule.Deadline, o.Extensions = nil, "2025-07-15", 1
			}, "<strong>2025-07-15</strong>"},
		{"verifier", "sub", domain.ActionVerify, url.Values{"pass": {"false"}, "reason": {"佐证不足"}},
			domain.ActionBody{Pass: no(), Reason: "佐证不足"},
			func(o *domain.Opinion) { o.State = domain.StateInProgress }, "<span class=\"badge\">整改中</span>"},
		{"office", "spot", domain.ActionResolve, url.Values{"category": {"形式主义"}, "department": {"住建局"}, "official": {"official"},
			"leader": {""}, "measures": {"当场撤销多余会议"}, "evidence": {"会议通知撤回记录"}, "fixed_on": {"2025-06-09"}},
			domain.ActionBody{Category: "形式主义", Department: "住建局", Official: "official", Measures: "当场撤销多余会议",
				Evidence: "会议通知撤回记录", FixedOn: "2025-06-09"},
			func(o *domain.Opinion) {
				o.State, o.Department, o.Official, o.OnTheSpot, o.FixedOn = domain.StateSubmitted, "住建局", "official", true, "2025-06-09"
			}, `<span class="badge on-the-spot" id="on-the-spot">立行立改：已于 2025-06-09 当场整改</span>`},
		{"office", "cat", domain.ActionAssign, url.Values{"department": {"住建局"}, "official": {"official"}, "leader": {"leader"},
			"measures": {"规范会议"}, "deadline": {""}},
			domain.ActionBody{Department: "住建局", Official: "official", Leader: "leader", Measures: "规范会议"},
			func(o *domain.Opinion) {
				o.State, o.Department, o.Official, o.Leader = domain.StateAssigned, "住建局", "official", "leader"
				o.Schedule.Deadline = "2025-07-08"
			}, "<strong>2025-07-08</strong>"},
		{"office", "cb", domain.ActionCallback, url.Values{"satisfaction": {"basically"}, "note": {"电话回访"}},
			domain.ActionBody{Satisfaction: "basically", Note: "电话回访"},
			func(o *domain.Opinion) { o.State, o.Satisfaction = domain.StateClosed, "basically" }, "<span class=\"badge\">已销号</span>"},
		{"office", "rcv", domain.ActionMerge, url.Values{"into": {"cat"}, "reason": {"重复反映"}},
			domain.ActionBody{Into: "cat", Reason: "重复反映"},
			func(o *domain.Opinion) { o.State, o.MergedInto = domain.StateMerged, "cat" }, "<span class=\"badge\">已合并</span>"},
	}
	for _, tc := range cases {
		b := e.signIn(t, tc.who)
		sent := expectAction(t, e, tc.id, tc.action, tc.apply, nil)
		resp := b.post(t, "/opinions/"+tc.id+"/act/"+string(tc.action), tc.form)
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s %s", tc.who, tc.action)
		require.Equal(t, "/opinions/"+tc.id, resp.Header.Get("Location"))
		opts := received(t, sent)
		require.Equal(t, workflows.OpinionWorkflowID(tc.id), opts.WorkflowID)
		require.Equal(t, string(tc.action), opts.UpdateName)
		require.Equal(t, client.WorkflowUpdateStageCompleted, opts.WaitForStage)
		require.Len(t, opts.Args, 1)
		u, _ := e.svc.User(tc.who)
		got := opts.Args[0].(domain.ActionRequest)
		got.Policy = nil // the campaign's current policy, for the actions it bears on (api tests)
		require.Equal(t, domain.ActionRequest{Actor: u.Actor(), Body: tc.want}, got, "%s %s", tc.who, tc.action)
		require.Equal(t, tc.who, opts.Args[0].(domain.ActionRequest).Actor.Username)

		// Back on the page, the opinion as the workflow left it.
		status, body := b.get(t, resp.Header.Get("Location"))
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, tc.shows, "%s %s", tc.who, tc.action)
		require.Contains(t, body, "<td>2025-06-10 10:00</td><td>"+tc.who+"</td><td>"+translate("zh", "action."+string(tc.action))+"</td>",
			"the timeline has the action")
	}
}

func TestRefusedActionStaysOnTheFormWithTheMessageAtTheField(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	b := e.signIn(t, "official")

	check := func(body, msg string) {
		t.Helper()
		// Only the refused form is open, the message is tied to the reason field,
		// and what was typed is still there.
		require.Equal(t, 1, strings.Count(body, `<details class="action" open>`))
		open := body[strings.Index(body, `<details class="action" open>`):]
		open = open[:strings.Index(open, "</details>")]
		require.Contains(t, open, `action="/opinions/asg/act/request-extension"`)
		require.Contains(t, open, `<div class="field invalid">`)
		require.Contains(t, open, `<textarea id="request-extension-reason" name="reason" rows="3" aria-invalid="true" aria-describedby="request-extension-reason-err"></textarea>`)
		require.Contains(t, open, `<p class="error" id="request-extension-reason-err">`+msg+`</p>`)
		require.Contains(t, open, `<input id="request-extension-until" name="until" type="date" value="2025-07-15">`)
		require.NotContains(t, open, `id="request-extension-until" name="until" type="date" value="2025-07-15" aria-invalid`)
		require.NotContains(t, open, `role="alert"`, "the message is at its field, not at the top")
		require.Equal(t, []string{"sign", "return", "request-extension"}, offeredActions(t, "asg", body), "the page is whole")
		require.Contains(t, body, "<strong>2025-06-30</strong>")
		requireLabelled(t, "refused form", body)
	}
	sent := expectAction(t, e, "asg", domain.ActionRequestExtension, nil, refusal(domain.ErrInvalid, "reason_required", "reason is required"))
	resp := b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-07-15"}, "reason": {"   "}})
	body := readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Equal(t, domain.ActionBody{Until: "2025-07-15"}, received(t, sent).Args[0].(domain.ActionRequest).Body)
	check(body, "请填写理由。")
	require.Contains(t, body, `<html lang="zh-CN">`)

	// An English user reads it in English.
	b.setLang(t, "en")
	sent = expectAction(t, e, "asg", domain.ActionRequestExtension, nil, refusal(domain.ErrInvalid, "reason_required", "reason is required"))
	resp = b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-07-15"}, "reason": {""}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	_ = received(t, sent)
	check(body, "Give a reason.")
	require.Contains(t, body, `<html lang="en">`)
	require.NotContains(t, body, "reason is required", "not the server's words")
	require.NotContains(t, body, "请填写理由")
	b.setLang(t, "zh")

	// A rule that is not about one field is shown at the top of the form.
	sent = expectAction(t, e, "asg", domain.ActionRequestExtension, nil,
		refusal(domain.ErrConflict, "extension_limit", "this campaign allows at most 2 extensions and 2 have been granted"))
	resp = b.post(t, "/opinions/asg/act/request-extension", url.Values{"until": {"2025-07-15"}, "reason": {"需协调"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	_ = received(t, sent)
	require.Contains(t, body, `<details class="action" open>`)
	require.Contains(t, body, `<p class="error" role="alert">延期次数已达上限。</p>`)
	require.Contains(t, body, `<textarea id="request-extension-reason" name="reason" rows="3">需协调</textarea>`)
	require.NotContains(t, body, `aria-invalid`)

	// A choice left unmade is reported at its radio group.
	v := e.signIn(t, "verifier")
	sent = expectAction(t, e, "sub", domain.ActionVerify, nil, refusal(domain.ErrInvalid, "pass_required", "pass (true or false) is required"))
	resp = v.post(t, "/opinions/sub/act/verify", url.Values{"reason": {"看过了"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Nil(t, received(t, sent).Args[0].(domain.ActionRequest).Body.Pass)
	require.Contains(t, body, `<p class="error" id="verify-pass-err">请选择核查结论。</p>`)
	require.Contains(t, body, `<textarea id="verify-reason" name="reason" rows="3">看过了</textarea>`)

	// The office's assign form keeps every choice when the deadline is refused.
	o := e.signIn(t, "office")
	sent = expectAction(t, e, "cat", domain.ActionAssign, nil,
		refusal(domain.ErrInvalid, "deadline_before_collected", "deadline 2025-05-01 is before the opinion was collected (2025-06-01)"))
	resp = o.post(t, "/opinions/cat/act/assign", url.Values{"department": {"民政局"}, "official": {"official2"}, "leader": {"leader2"},
		"measures": {"先行整改<script>"}, "deadline": {"2025-05-01"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	_ = received(t, sent)
	require.Contains(t, body, `<option value="民政局" selected>民政局</option>`)
	require.Contains(t, body, `<option value="official2" selected>李科长（official2）</option>`)
	require.Contains(t, body, `<option value="leader2" selected>陈主任（leader2）</option>`)
	require.Contains(t, body, `<textarea id="assign-measures" name="measures" rows="3">先行整改&lt;script&gt;</textarea>`)
	require.Contains(t, body, `<input id="assign-deadline" name="deadline" type="date" value="2025-05-01" aria-invalid="true" aria-describedby="assign-deadline-err">`)
	require.Contains(t, body, `<p class="error" id="assign-deadline-err">时限不能早于意见的收集日期。</p>`)
	require.Contains(t, body, `<p class="hint" id="assign-preview">整改时限：<strong>2025-07-08</strong>`, "the preview is still there")
	requireLabelled(t, "refused assign", body)

	// A person the directory does not know is refused before Temporal.
	resp = o.post(t, "/opinions/cat/act/assign", url.Values{"department": {"民政局"}, "official": {"ghost"}, "leader": {"leader"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<p class="error" id="assign-official-err">责任人：没有用户“ghost”</p>`)
	require.Contains(t, body, `<select id="assign-official" name="official" aria-invalid="true" aria-describedby="assign-official-err">`)
}

func TestRefusalOfAnActionNoLongerOfferedIsStillExplained(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	b := e.signIn(t, "official")
	// The page was loaded when "ext" still waited to be signed; it has moved on.
	// The service refuses it from the stored state, before asking the workflow.
	resp := b.post(t, "/opinions/ext/act/sign", url.Values{})
	body := readBody(t, resp)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Equal(t, []string{"return", "submit"}, offeredActions(t, "ext", body))
	require.Contains(t, body, `<p class="error" role="alert">状态为“整改中”的事项不能签收</p>`, "the API's words: the action and the state it met")

	b.setLang(t, "en")
	resp = b.post(t, "/opinions/ext/act/sign", url.Values{})
	body = readBody(t, resp)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, body, `<p class="error" role="alert">“Sign for it” cannot be done to an opinion that is “In progress”</p>`)
	e.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
}

func TestUnknownPathsHeadersAndStaticFiles(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	v := e.visitor(t)
	b := e.signIn(t, "official")
	for _, c := range []*browser{v, b} {
		for _, path := range []string{"/nope", "/static/missing.css", "/opinions/", "/tasks/extra"} {
			resp, err := c.c.Get(e.srv.URL + path)
			require.NoError(t, err)
			body := readBody(t, resp)
			require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
			if !strings.HasPrefix(path, "/static/") {
				require.Contains(t, body, "<h1>404 · 出错了</h1>", path)
				require.Contains(t, body, "页面不存在。", path)
				require.Contains(t, body, `<a href="/">返回首页</a>`)
				require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
			}
			requireSecurityHeaders(t, resp, path)
		}
	}
	v.setLang(t, "en")
	_, body := v.get(t, "/nope")
	require.Contains(t, body, "There is no such page.")

	for _, path := range []string{"/login", "/", "/tasks", "/static/style.css", "/opinions/x"} {
		resp, err := b.c.Get(e.srv.URL + path)
		require.NoError(t, err)
		_ = readBody(t, resp)
		requireSecurityHeaders(t, resp, path)
	}
	resp := b.post(t, "/logout", url.Values{"csrf": {"forged"}})
	_ = readBody(t, resp)
	requireSecurityHeaders(t, resp, "refused POST")

	resp, err := v.c.Get(e.srv.URL + "/static/style.css")
	require.NoError(t, err)
	css := readBody(t, resp)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css"), resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Cache-Control"), "max-age=")
	want, err := staticFS.ReadFile("static/style.css")
	require.NoError(t, err)
	require.Equal(t, string(want), css, "the embedded file")
	require.NotEmpty(t, css)
	_, body = v.get(t, "/login")
	require.Contains(t, body, `<link rel="stylesheet" href="/static/style.css">`)
	require.NotRegexp(t, `(?i)(src|href)="(https?:)?//`, body, "no asset from another host")
}

// Pages carry names, phones and opinions: no browser or proxy may keep a copy,
// while the static assets (nothing personal) stay cached.
func TestPagesAreNeverStoredInACache(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	v := e.visitor(t)
	b := e.signIn(t, "official")
	for _, c := range []*browser{v, b} {
		for _, path := range []string{"/login", "/", "/tasks", "/opinions/x", "/nope"} {
			resp, err := c.c.Get(e.srv.URL + path)
			require.NoError(t, err)
			_ = readBody(t, resp)
			require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), path)
		}
	}
	resp := b.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/tasks"}})
	_ = readBody(t, resp)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), "an answer to a form")
	resp = b.post(t, "/logout", url.Values{"csrf": {"forged"}})
	_ = readBody(t, resp)
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"), "a refusal")

	resp, err := v.c.Get(e.srv.URL + "/static/style.css")
	require.NoError(t, err)
	_ = readBody(t, resp)
	require.Equal(t, "public, max-age=3600", resp.Header.Get("Cache-Control"), "static assets keep their cache time")
}

func requireSecurityHeaders(t *testing.T, resp *http.Response, what string) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "default-src 'self'", what)
	require.Contains(t, csp, "frame-ancestors 'none'", what)
	require.NotContains(t, csp, "unsafe-inline", what)
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), what)
	require.Equal(t, "same-origin", resp.Header.Get("Referrer-Policy"), what)
}

// requireLabelled parses a page and checks that every control a person fills in
// has a label: a <label for> naming its id, or a <label> around it. Ids are unique.
func requireLabelled(t *testing.T, page, body string) {
	t.Helper()
	doc, err := xhtml.Parse(strings.NewReader(body))
	require.NoError(t, err, page)
	attr := func(n *xhtml.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	labelFor := map[string]bool{}
	ids := map[string]int{}
	type control struct {
		desc    string
		id      string
		inLabel bool
	}
	var controls []control
	var walk func(n *xhtml.Node, inLabel bool)
	walk = func(n *xhtml.Node, inLabel bool) {
		if n.Type == xhtml.ElementNode {
			if id, ok := attr(n, "id"); ok {
				ids[id]++
			}
			switch n.Data {
			case "label":
				if f, ok := attr(n, "for"); ok {
					labelFor[f] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				typ, _ := attr(n, "type")
				if n.Data == "input" && (typ == "hidden" || typ == "submit" || typ == "button") {
					break
				}
				id, _ := attr(n, "id")
				name, _ := attr(n, "name")
				controls = append(controls, control{desc: n.Data + " " + name, id: id, inLabel: inLabel})
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	for id, n := range ids {
		require.Equal(t, 1, n, "%s: id %q is used %d times", page, id, n)
	}
	for _, c := range controls {
		if c.inLabel {
			continue
		}
		require.NotEmpty(t, c.id, "%s: %s has neither an id nor a surrounding label", page, c.desc)
		require.True(t, labelFor[c.id], "%s: %s (id %q) has no <label for>", page, c.desc, c.id)
	}
	for f := range labelFor {
		require.Equal(t, 1, ids[f], "%s: <label for=%q> names no control", page, f)
	}
}

// keyRE finds text that looks like a message key of the shared pages: shown as
// itself, it is a missing translation.
var keyRE = regexp.MustCompile(`\b(?:field|action|opt|sat|state|level|col|opinion|merge|punct|explain|code|err|tasks|verify|nav|login|days|list)\.[a-z_-]+\b`)

func requireNoKeys(t *testing.T, body string) {
	t.Helper()
	// Only what a person reads: drop the markup.
	doc, err := xhtml.Parse(strings.NewReader(body))
	require.NoError(t, err)
	var text strings.Builder
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			text.WriteString(n.Data)
			text.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	require.Empty(t, keyRE.FindAllString(text.String(), -1), "untranslated message keys")
}

func TestOpinionPageLinksToItsWorkflowInTheTemporalUI(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	b := e.signIn(t, "official")
	_, body := b.get(t, "/opinions/asg")
	require.NotContains(t, body, "/namespaces/", "no Temporal UI configured: no link")

	// The same store and people, served by a process that knows where the UI is.
	config := e.config
	config.Temporal, config.TemporalUIURL, config.Namespace = nil, "http://temporal.example:8233", "rectify-prod"
	svc, front := newService(config, nil)
	pages, err := New(svc, front, config.Logger)
	require.NoError(t, err)
	srv := httptest.NewServer(pages.Handler())
	t.Cleanup(srv.Close)
	ui := &officeEnv{svc: svc, api: front, config: config, store: e.store, srv: srv}
	for _, who := range []string{"official", "office", "verifier", "leader"} {
		_, body = ui.signIn(t, who).get(t, "/opinions/asg")
		require.Contains(t, body, `<a href="http://temporal.example:8233/namespaces/rectify-prod/workflows/`+workflows.OpinionWorkflowID("asg")+
			`" target="_blank" rel="noopener">在 Temporal 中查看流程</a>`, who)
	}
	en := ui.signIn(t, "official")
	en.setLang(t, "en")
	_, body = en.get(t, "/opinions/asg")
	require.Contains(t, body, `rel="noopener">Open the workflow in Temporal</a>`)
}

// Seen: a 10 MB reason was answered with the message that the form had expired
// (net/http refused to read it, and the form looked empty). A form over its limit
// is refused as too large, in the visitor's language, before it is read.
func TestOversizedFormsAreRefusedAsTooLarge(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.signIn(t, "official")
	huge := strings.Repeat("理", 10<<20/3)

	resp := b.post(t, "/opinions/o1/act/return", url.Values{"reason": {huge}})
	body := readBody(t, resp)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Contains(t, body, "提交的内容过大，无法接收。")
	require.NotContains(t, body, "表单已过期")
	requireSecurityHeaders(t, resp, "413")

	// Sent in chunks, without a declared length, it is cut off at the limit.
	form := url.Values{"csrf": {b.csrf}, "reason": {huge}}.Encode()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/opinions/o1/act/return", io.MultiReader(strings.NewReader(form)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	require.EqualValues(t, 0, req.ContentLength, "chunked")
	resp, err = b.c.Do(req)
	require.NoError(t, err)
	body = readBody(t, resp)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Contains(t, body, "提交的内容过大，无法接收。")

	// Multipart too, on any form but the import's.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	require.NoError(t, mw.WriteField("csrf", b.csrf))
	require.NoError(t, mw.WriteField("reason", strings.Repeat("x", formLimit)))
	require.NoError(t, mw.Close())
	resp, err = b.c.Post(e.srv.URL+"/opinions/o1/act/return", mw.FormDataContentType(), &buf)
	require.NoError(t, err)
	_ = readBody(t, resp)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)

	// In English.
	b.setLang(t, "en")
	resp = b.post(t, "/opinions/o1/act/return", url.Values{"reason": {huge}})
	require.Contains(t, readBody(t, resp), "The form is too large to accept")

	// The sign-in form and the language switch have the same limit.
	v := e.visitor(t)
	token := v.loginToken(t)
	resp = v.post(t, "/login", url.Values{"username": {"official"}, "password": {huge}, "csrf": {token}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Contains(t, body, "提交的内容过大，无法接收。")
	require.Contains(t, body, `<form method="post" action="/login">`, "the sign-in form again")
	require.Nil(t, setCookie(resp, sessionCookie))
	resp = v.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/" + huge}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.Nil(t, setCookie(resp, langCookie))
}

// The import form alone takes a body over the forms' limit: the ledger file.
func TestImportFormTakesAFileLargerThanAForm(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	b := e.signIn(t, "office")
	content := "意见内容,来源,收集时间\n" + strings.Repeat("长", formLimit/3+100) + ",热线,2025-06-01\n"
	require.Greater(t, len(content), formLimit)
	resp := b.upload(t, map[string]string{"campaign": "c1", "dry_run": "true"}, "台账.csv", content)
	body := readBody(t, resp)
	require.NotEqual(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.NotContains(t, body, "提交的内容过大")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the dry run's report")
}
