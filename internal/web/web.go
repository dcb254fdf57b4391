// Package web is rectify's browser interface: server-rendered pages for the campaign
// office, officials, verifiers and leaders, in Chinese by default with an English
// switch. Every action goes through the same internal/service methods as the HTTP
// API, so the role, ownership and state rules have one implementation. Every asset is
// embedded: the pages work on closed networks.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"rectify/internal/accesslog"
	"rectify/internal/api"
	"rectify/internal/domain"
	"rectify/internal/lockout"
	"rectify/internal/oidc"
	"rectify/internal/payload"
	"rectify/internal/service"
	"rectify/internal/user"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie = "rectify_session"
	loginCSRF     = "rectify_login_csrf"
	langCookie    = "rectify_lang"
)

// SessionLimits end a signed-in session: Idle after its last use, Max after
// sign-in whatever happens. A zero field takes DefaultSessionLimits' value.
type SessionLimits struct {
	Idle, Max time.Duration
}

// DefaultSessionLimits are RECTIFY_SESSION_IDLE's and RECTIFY_SESSION_MAX's defaults.
var DefaultSessionLimits = SessionLimits{Idle: 30 * time.Minute, Max: 12 * time.Hour}

// Server serves the pages.
type Server struct {
	svc *service.Service
	// api authenticates the codec's callers with API tokens and holds the sign-in
	// lockout the pages share with it.
	api    *api.Server
	logger *slog.Logger
	pages  map[string]*template.Template
	// Sessions bound every session; set it before serving.
	Sessions SessionLimits
	// PayloadKeys, when set, serve the codec that decrypts Temporal's payloads for
	// the Web UI's readers (codec.go); TemporalUIURL is that UI, whose pages may
	// call it. Set them before Handler.
	PayloadKeys   *payload.Keyring
	TemporalUIURL string
	// OIDC, when set, signs people in through their organisation (oidc.go); a
	// user it names that rectify does not know is created when OIDCCreateUsers.
	// Set them before Handler.
	OIDC            *oidc.Provider
	OIDCCreateUsers bool
	// challenges and feedbackLimit guard the public's feedback form (publication.go).
	challenges    challenges
	feedbackLimit feedbackLimit
}

// New parses the embedded templates. The pages run on svc; front is the API beside
// them, whose token check and sign-in lockout they share.
func New(svc *service.Service, front *api.Server, logger *slog.Logger) (*Server, error) {
	s := &Server{svc: svc, api: front, logger: logger, pages: map[string]*template.Template{}}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, name := range names {
		page := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New(page).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[page] = t
	}
	return s, nil
}

// Handler returns the pages' routes. It serves everything the API does not.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /lang", s.setLanguage)
	if s.PayloadKeys != nil {
		mux.Handle(CodecPath+"/", s.codecHandler())
	}
	// The forms that carry files take more than a megabyte: a ledger, up to the
	// import limit; an action's evidence, up to what one opinion may hold.
	limits := map[string]int64{importRoute: s.uploadLimit()}
	for _, a := range domain.EvidenceActions {
		limits[evidenceRoute(a)] = s.svc.AttachmentLimits().OpinionBytes + 1<<20
	}
	page := func(pattern string, h pageHandler) {
		limit, ok := limits[pattern]
		if !ok {
			limit = formLimit
		}
		mux.Handle(pattern, s.signedIn(h, limit))
	}
	page("POST /logout", s.logout)
	page("POST /logout/everywhere", s.logoutEverywhere)
	page("GET /{$}", s.home)
	page("GET /tasks", s.tasks)
	page("GET /verify", s.only(service.Verification, s.verifyQueue))
	page("GET /opinions/{id}", s.opinionPage)
	page("POST /opinions/{id}/act/{action}", s.act)
	for _, a := range domain.EvidenceActions {
		page(evidenceRoute(a), func(w http.ResponseWriter, r *http.Request, v *visit) {
			r.SetPathValue("action", string(a))
			s.act(w, r, v)
		})
	}
	page("GET /attachments/{id}", s.attachment(false))
	page("GET /attachments/{id}/thumbnail", s.attachment(true))
	s.officePages(page)
	s.auditPages(page)
	s.leaderPages(page)
	s.problemPages(page)
	s.notificationPages(page)
	s.publicationPages(mux, page)
	s.reportPages(page)
	s.userPages(page)
	s.oidcPages(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusNotFound, "err.not_found")
	})
	return securityHeaders(mux)
}

// visit is one signed-in request: who, in which language, with which CSRF token.
type visit struct {
	User    user.User
	Session service.Session
	Lang    string
	Now     time.Time
}

// T translates a message key into the visit's language.
func (v *visit) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// pageHandler serves a page to a signed-in visitor.
type pageHandler func(http.ResponseWriter, *http.Request, *visit)

// formLimit bounds the body of every form but the import's: what a person types
// fits many times over, and a larger body is refused (413) before it is read.
const formLimit = 1 << 20

// importRoute is the form that carries a ledger.
const importRoute = "POST /import"

// evidenceRoute is the form of an action that carries evidence files; the other
// actions' forms stay within formLimit.
func evidenceRoute(a domain.Action) string { return "POST /opinions/{id}/act/" + string(a) }

// signedIn serves h to a signed-in visitor; a posted form must be at most limit
// bytes and carry the session's CSRF token.
func (s *Server) signedIn(h pageHandler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := s.session(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.renderError(w, r, nil, http.StatusUnauthorized, "err.signed_out")
			return
		}
		if r.Method == http.MethodPost {
			if status, key := readForm(w, r, limit); status != 0 {
				s.renderError(w, r, v, status, key)
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.Session.CSRF)) != 1 {
				s.renderError(w, r, v, http.StatusForbidden, "err.csrf")
				return
			}
		}
		if mustChangePassword(w, r, v) {
			return
		}
		h(w, api.WithOrigin(r), v)
	})
}

// readForm reads a posted form, URL-encoded or multipart, of at most limit bytes.
// It answers the status and message of a refusal (0 when the form was read): 413
// for a body over the limit, 400 for one that cannot be read. Without this, a
// body too large for net/http's own bound left the form empty, and the visitor
// read that the form had expired.
func readForm(w http.ResponseWriter, r *http.Request, limit int64) (int, string) {
	if r.ContentLength > limit {
		r.Body = http.NoBody // read none of it, not even for the refusal's page
		return http.StatusRequestEntityTooLarge, "err.too_large"
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseForm()
	if err == nil {
		// Files past the first megabyte wait on disk, not in memory; net/http
		// removes them once the request is answered.
		if err = r.ParseMultipartForm(min(limit, formLimit)); errors.Is(err, http.ErrNotMultipart) {
			err = nil
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, "err.too_large"
	case err != nil:
		return http.StatusBadRequest, "err.bad_form"
	}
	return 0, ""
}

// uploadLimit is the import form's bound: the largest ledger and a megabyte for
// the rest of the form.
func (s *Server) uploadLimit() int64 {
	return s.svc.ImportLimits().MaxBytes + 1<<20
}

// limits are the session limits in force.
func (s *Server) limits() SessionLimits {
	l := s.Sessions
	if l.Idle <= 0 {
		l.Idle = DefaultSessionLimits.Idle
	}
	if l.Max <= 0 {
		l.Max = DefaultSessionLimits.Max
	}
	return l
}

// session resolves the session cookie to a visit. A session left idle too long
// ends here; one in use records it (once a minute at most).
func (s *Server) session(r *http.Request) (*visit, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	now := s.svc.Now()
	sess, u, ok := s.svc.Session(r.Context(), c.Value, s.limits().Idle)
	if !ok {
		return nil, false
	}
	accesslog.SetUser(r.Context(), u.Username)
	lang, _ := s.svc.Language(r.Context(), u)
	if lang == "" {
		lang = requestLang(r)
	}
	return &visit{User: u, Session: sess, Lang: lang, Now: now}, true
}

// requestLang is the language of a signed-out visitor: their cookie, else Chinese.
func requestLang(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "en" || c.Value == "zh") {
		return c.Value
	}
	return "zh"
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.session(r); ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, "", "")
}

// renderLogin shows the sign-in form, with the message errKey (formatted with
// args) when it is not empty.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, username, errKey string, args ...any) {
	token := randomToken()
	http.SetCookie(w, s.cookie(r, loginCSRF, token, 10*time.Minute))
	lang := requestLang(r)
	msg := ""
	if errKey != "" {
		msg = translate(lang, errKey, args...)
	}
	s.render(w, r, status, "login", &visit{Lang: lang, Session: service.Session{CSRF: token}}, map[string]any{
		"Username": username, "Error": msg, "Next": safeNext(r.FormValue("next")), "OIDC": s.oidcLabel(lang),
	})
}

// tooManyAttempts answers a sign-in from a username or address that must wait.
func (s *Server) tooManyAttempts(w http.ResponseWriter, r *http.Request, username string, wait time.Duration) {
	w.Header().Set("Retry-After", api.RetryAfter(wait))
	s.renderLogin(w, r, http.StatusTooManyRequests, username, "err.too_many_attempts", waitText(requestLang(r), wait))
}

// waitText says how long to wait, in minutes (rounded up) from a minute on, else
// in seconds; one of either has its own text, for the languages that say it so.
func waitText(lang string, d time.Duration) string {
	if d >= time.Minute {
		n := int((d + time.Minute - 1) / time.Minute)
		if n == 1 {
			return translate(lang, "wait.minute")
		}
		return translate(lang, "wait.minutes", n)
	}
	n := max(1, int((d+time.Second-1)/time.Second))
	if n == 1 {
		return translate(lang, "wait.second")
	}
	return translate(lang, "wait.seconds", n)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if status, key := readForm(w, r, formLimit); status != 0 {
		s.renderLogin(w, r, status, "", key)
		return
	}
	c, err := r.Cookie(loginCSRF)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, r.PostFormValue("username"), "err.csrf")
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	// Guessing is slowed down per username and per address: past the limit, no
	// password is even checked until the lock ends.
	lock := s.api.SignInLockout()
	client := lock.Client(r)
	if wait := lock.Wait(username, client); wait > 0 {
		s.tooManyAttempts(w, r, username, wait)
		return
	}
	u, err := s.svc.CheckPassword(r.Context(), username, r.PostFormValue("password"))
	if err != nil {
		v := lock.Fail(username, client)
		if v.UserLocked || v.AddrLocked {
			s.logLockout(username, client, v)
		}
		if v.Wait > 0 {
			s.tooManyAttempts(w, r, username, v.Wait)
			return
		}
		s.renderLogin(w, r, http.StatusUnauthorized, username, "err.bad_login")
		return
	}
	lock.Succeed(u.Username)
	accesslog.SetUser(r.Context(), u.Username)
	life := s.limits().Max
	sess, err := s.svc.StartSession(r.Context(), u, life)
	if err != nil {
		s.logger.Error("create session", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, username, "err.internal")
		return
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.ID, life))
	http.SetCookie(w, s.cookie(r, loginCSRF, "", -1))
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logLockout tells the operator a username or address has been locked. A
// username no one has is logged as such: it may be a password typed in the
// wrong field.
func (s *Server) logLockout(username, client string, v lockout.Verdict) {
	what := "address"
	switch {
	case v.UserLocked && v.AddrLocked:
		what = "username and address"
	case v.UserLocked:
		what = "username"
	}
	if _, known := s.svc.User(username); !known {
		username = "(not a user)"
	}
	s.logger.Warn("sign-in locked: too many wrong passwords", "locked", what, "username", username, "client", client, "retry_after", v.Wait)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.svc.EndSession(r.Context(), v.Session.ID); err != nil {
		s.logger.Error("delete session", "err", err)
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// logoutEverywhere ends every session of the visitor's, in every browser: for a
// lost phone, or a computer left signed in elsewhere.
func (s *Server) logoutEverywhere(w http.ResponseWriter, r *http.Request, v *visit) {
	n, err := s.svc.EndSessions(r.Context(), v.User)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	s.logger.Info("signed out everywhere", "username", v.User.Username, "sessions", n)
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLanguage switches the language: remembered per user when signed in, in a
// cookie before that.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	if status, key := readForm(w, r, formLimit); status != 0 {
		s.renderError(w, r, nil, status, key)
		return
	}
	lang := r.FormValue("lang")
	if lang != "zh" && lang != "en" {
		lang = "zh"
	}
	back := safeNext(r.FormValue("next"))
	if back == "" {
		back = "/"
	}
	if v, ok := s.session(r); ok {
		if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.Session.CSRF)) != 1 {
			s.renderError(w, r, v, http.StatusForbidden, "err.csrf")
			return
		}
		if err := s.svc.SetLanguage(r.Context(), v.User, lang); err != nil {
			s.logger.Error("set language", "err", err)
		}
	}
	http.SetCookie(w, s.cookie(r, langCookie, lang, 365*24*time.Hour))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) {
	switch {
	case v.User.Has(domain.RoleOffice):
		http.Redirect(w, r, "/triage", http.StatusSeeOther)
	case v.User.Has(domain.RoleLeader):
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	case v.User.Has(domain.RoleVerifier):
		http.Redirect(w, r, "/verify", http.StatusSeeOther)
	case v.User.Has(domain.RoleAdmin) && !v.User.Has(domain.RoleOfficial):
		http.Redirect(w, r, "/users", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/tasks", http.StatusSeeOther)
	}
}

// cookie builds a cookie the browser keeps to this site: HttpOnly, SameSite=Lax,
// Secure when the request came over TLS (directly or through a proxy that says so).
func (s *Server) cookie(r *http.Request, name, value string, life time.Duration) *http.Cookie {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"}
	if life < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(life.Seconds())
	}
	return c
}

// safeNext keeps a redirect target on this site: a path starting with one "/", or
// "" for anything else. Browsers drop tabs and newlines from a Location and read
// "\" as "/", so "/\t/evil.example" would take them to evil.example: any control
// character or space refuses the target outright, as does whatever net/url reads
// as having a scheme or a host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return ""
	}
	if !utf8.ValidString(next) || strings.ContainsFunc(next, func(r rune) bool {
		return r < 0x20 || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r)
	}) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// page is what every template gets: the visit, the page's own data, and the path.
type page struct {
	V    *visit
	Data map[string]any
	Path string
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *visit, data map[string]any) {
	t, ok := s.pages[name]
	if !ok {
		s.logger.Error("missing template", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", page{V: v, Data: data, Path: r.URL.RequestURI()}); err != nil {
		s.logger.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, v *visit, status int, key string, args ...any) {
	if v == nil {
		v = &visit{Lang: requestLang(r)}
	}
	s.render(w, r, status, "error", v, map[string]any{"Status": status, "Message": v.T(key, args...)})
}

// fail renders what a service call returned: its status with a message in the
// visitor's language when the code is known, the server's own words otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	var apiErr *service.Error
	if errors.As(err, &apiErr) {
		s.render(w, r, apiErr.Status, "error", v, map[string]any{"Status": apiErr.Status, "Message": errorText(v, apiErr)})
		return
	}
	if errors.Is(err, context.DeadlineExceeded) {
		s.renderError(w, r, v, http.StatusServiceUnavailable, "err.timeout")
		return
	}
	s.logger.Error("page failed", "path", r.URL.Path, "err", err)
	s.renderError(w, r, v, http.StatusInternalServerError, "err.internal")
}

// notFound reports whether err is the service's 404 (no such campaign, opinion or
// batch): a page then says so in its own words.
func notFound(err error) bool {
	var e *service.Error
	return errors.As(err, &e) && e.Status == http.StatusNotFound
}

// errorText is a service error in the visitor's language, worded as the API
// words it (service.Error.In).
func errorText(v *visit, e *service.Error) string {
	return e.In(v.Lang)
}

// securityHeaders go on every answer. Pages hold people's names, phones and
// opinions, so no browser or proxy may keep a copy (no-store); the static assets
// hold nothing personal and set their own cache time over it.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func cacheForever(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
