package web

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/lockout"
)

// lockoutEnv is newWebEnv's store and people served with a clock the test moves
// and a log it reads.
type lockoutEnv struct {
	*officeEnv
	mu   sync.Mutex
	now  time.Time
	logs bytes.Buffer
}

func (l *lockoutEnv) advance(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.now = l.now.Add(d)
}

func (l *lockoutEnv) log() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.logs.String()
}

type lockedWriter struct{ l *lockoutEnv }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.l.mu.Lock()
	defer w.l.mu.Unlock()
	return w.l.logs.Write(p)
}

func newLockoutEnv(t *testing.T) *lockoutEnv {
	t.Helper()
	base := newWebEnv(t)
	l := &lockoutEnv{now: officeNow}
	clock := func() time.Time {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.now
	}
	logger := slog.New(slog.NewTextHandler(lockedWriter{l}, nil))
	config := base.config
	config.Temporal, config.Logger, config.Now = nil, logger, clock
	svc, front := newService(config, lockout.New(lockout.DefaultPolicy, clock, nil))
	pages, err := New(svc, front, logger)
	require.NoError(t, err)
	srv := httptest.NewServer(pages.Handler())
	t.Cleanup(srv.Close)
	l.officeEnv = &officeEnv{svc: svc, api: front, config: config, store: base.store, srv: srv}
	return l
}

// tryPassword posts the sign-in form as b, with the token of the form it last read.
func (b *browser) tryPassword(t *testing.T, token *string, username, password string) (*http.Response, string) {
	t.Helper()
	if *token == "" {
		*token = b.loginToken(t)
	}
	resp := b.post(t, "/login", url.Values{"username": {username}, "password": {password}, "csrf": {*token}})
	body := readBody(t, resp)
	if m := officeCSRF.FindStringSubmatch(body); m != nil {
		*token = unescape(m[1])
	} else {
		*token = ""
	}
	return resp, body
}

// Seen: 40 wrong passwords in 3 seconds were all answered 401, every one checked.
// After five for one username it is locked: 429 with Retry-After and the sign-in
// form saying how long to wait, one warning in the log, and no password checked —
// the right one included — until the lock ends.
func TestWrongPasswordsLockTheUsername(t *testing.T) {
	t.Parallel()
	e := newLockoutEnv(t)
	b := e.visitor(t)
	var token string
	var unauthorized, locked int
	for i := range 40 {
		resp, body := b.tryPassword(t, &token, "official", "guess-"+strings.Repeat("!", i))
		switch resp.StatusCode {
		case http.StatusUnauthorized:
			require.Zero(t, locked, "attempt %d: once locked, it stays locked", i+1)
			require.Contains(t, body, "用户名或密码错误。")
			unauthorized++
		case http.StatusTooManyRequests:
			locked++
			require.Equal(t, "60", resp.Header.Get("Retry-After"))
			require.Contains(t, body, `<p class="error" role="alert">登录失败次数过多，请 1 分钟后再试。</p>`)
			require.Contains(t, body, `value="official"`, "the username stays in the form")
			require.NotContains(t, body, "guess-")
		default:
			t.Fatalf("attempt %d: status %d", i+1, resp.StatusCode)
		}
		require.Nil(t, setCookie(resp, sessionCookie))
	}
	require.Equal(t, 4, unauthorized, "the fifth wrong password locks the username")
	require.Equal(t, 36, locked)
	logs := e.log()
	require.Equal(t, 1, strings.Count(logs, "level=WARN"), logs)
	require.Contains(t, logs, "username=official")
	require.Contains(t, logs, "client=127.0.0.1")
	require.NotContains(t, logs, "guess-", "never a password")

	// The right password waits for the lock too, and the wait counts down.
	e.advance(30 * time.Second)
	resp, body := b.tryPassword(t, &token, "official", "official")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Equal(t, "30", resp.Header.Get("Retry-After"))
	require.Contains(t, body, "登录失败次数过多，请 30 秒后再试。")
	require.Nil(t, setCookie(resp, sessionCookie))

	// In English.
	resp = b.post(t, "/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
	_ = readBody(t, resp)
	token = ""
	e.advance(29 * time.Second)
	_, body = b.tryPassword(t, &token, "official", "official")
	require.Contains(t, body, "Too many failed sign-ins; try again in 1 second.")

	// Once the lock is over, the right password from the same place signs in, and
	// forgets the username's failures.
	e.advance(time.Second)
	resp, _ = b.tryPassword(t, &token, "official", "official")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NotNil(t, setCookie(resp, sessionCookie))
	v := e.visitor(t)
	token = ""
	for i := range 4 {
		resp, _ := v.tryPassword(t, &token, "official", "wrong")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "attempt %d after the success", i+1)
	}
	resp, body = v.tryPassword(t, &token, "official", "wrong")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Contains(t, body, "请 1 分钟后再试")
	e.advance(time.Minute)
	resp, body = v.tryPassword(t, &token, "official", "wrong")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "one more wrong password locks it again, longer")
	require.Contains(t, body, "请 2 分钟后再试")
	require.Equal(t, "120", resp.Header.Get("Retry-After"))
}

// After 20 wrong passwords from one address, whatever the usernames, the address
// waits; a username no one has is not written to the log (it may be a password
// typed in the wrong field).
func TestWrongPasswordsFromOneAddressLockTheAddress(t *testing.T) {
	t.Parallel()
	e := newLockoutEnv(t)
	b := e.visitor(t)
	var token string
	for i := range 19 {
		resp, _ := b.tryPassword(t, &token, "nobody-"+strings.Repeat("x", i), "wrong")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "attempt %d", i+1)
	}
	resp, _ := b.tryPassword(t, &token, "MySecretPassw0rd", "wrong")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	resp, _ = b.tryPassword(t, &token, "leader", "leader")
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "no one signs in from there for now")
	logs := e.log()
	require.Equal(t, 1, strings.Count(logs, "level=WARN"), logs)
	require.Contains(t, logs, "locked=address")
	require.Contains(t, logs, `username="(not a user)"`)
	require.NotContains(t, logs, "MySecretPassw0rd")

	e.advance(time.Minute)
	resp, _ = b.tryPassword(t, &token, "leader", "leader")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestWaitTextRoundsUp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		d      time.Duration
		zh, en string
	}{
		{15 * time.Minute, "15 分钟", "15 minutes"},
		{61 * time.Second, "2 分钟", "2 minutes"},
		{time.Minute, "1 分钟", "1 minute"},
		{59*time.Second + time.Millisecond, "60 秒", "60 seconds"},
		{time.Second, "1 秒", "1 second"},
		{time.Millisecond, "1 秒", "1 second"},
	} {
		require.Equal(t, tt.zh, waitText("zh", tt.d), tt.d)
		require.Equal(t, tt.en, waitText("en", tt.d), tt.d)
	}
}
