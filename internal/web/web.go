// Package web is rectify's browser interface: server-rendered pages for the campaign
// office, officials, verifiers and leaders, in Chinese by default with an English
// switch. Every action goes through the same api.Service methods as the HTTP API, so
// the role, ownership and state rules have one implementation. Every asset is
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

	"rectify/internal/api"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/workflows"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

const (
	sessionCookie = "rectify_session"
	loginCSRF     = "rectify_login_csrf"
	langCookie    = "rectify_lang"
	sessionLife   = 12 * time.Hour
)

// Server serves the pages.
type Server struct {
	svc    *api.Service
	logger *slog.Logger
	pages  map[string]*template.Template
}

// New parses the embedded templates.
func New(svc *api.Service, logger *slog.Logger) (*Server, error) {
	s := &Server{svc: svc, logger: logger, pages: map[string]*template.Template{}}
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
	if s.svc.PayloadKeys != nil {
		mux.Handle(CodecPath+"/", s.codecHandler())
	}
	page := func(pattern string, h pageHandler) {
		mux.Handle(pattern, s.signedIn(h))
	}
	page("POST /logout", s.logout)
	page("GET /{$}", s.home)
	page("GET /tasks", s.tasks)
	page("GET /verify", s.only(api.Verification, s.verifyQueue))
	page("GET /opinions/{id}", s.opinionPage)
	page("POST /opinions/{id}/act/{action}", s.act)
	s.officePages(page)
	s.auditPages(page)
	s.leaderPages(page)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, nil, http.StatusNotFound, "err.not_found")
	})
	return securityHeaders(mux)
}

// visit is one signed-in request: who, in which language, with which CSRF token.
type visit struct {
	User    user.User
	Session store.Session
	Lang    string
	Now     time.Time
}

// T translates a message key into the visit's language.
func (v *visit) T(key string, args ...any) string { return translate(v.Lang, key, args...) }

// pageHandler serves a page to a signed-in visitor.
type pageHandler func(http.ResponseWriter, *http.Request, *visit)

func (s *Server) signedIn(h pageHandler) http.Handler {
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
			if err := r.ParseMultipartForm(s.uploadLimit()); err != nil && !errors.Is(err, http.ErrNotMultipart) {
				s.renderError(w, r, v, http.StatusBadRequest, "err.bad_form")
				return
			}
			if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(v.Session.CSRF)) != 1 {
				s.renderError(w, r, v, http.StatusForbidden, "err.csrf")
				return
			}
		}
		h(w, api.WithOrigin(r), v)
	})
}

func (s *Server) uploadLimit() int64 {
	if s.svc.ImportLimits.MaxBytes > 0 {
		return s.svc.ImportLimits.MaxBytes + 1<<20
	}
	return 51 << 20
}

// session resolves the session cookie to a visit.
func (s *Server) session(r *http.Request) (*visit, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false
	}
	now := s.svc.Now()
	sess, err := s.svc.Store.Session(r.Context(), c.Value, now)
	if err != nil {
		return nil, false
	}
	u, ok := s.svc.Users.Lookup(sess.Username)
	if !ok {
		return nil, false
	}
	lang, _ := s.svc.Store.Language(r.Context(), u.Username)
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

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, username, errKey string) {
	token := randomToken()
	http.SetCookie(w, s.cookie(r, loginCSRF, token, 10*time.Minute))
	lang := requestLang(r)
	s.render(w, r, status, "login", &visit{Lang: lang, Session: store.Session{CSRF: token}}, map[string]any{
		"Username": username, "Error": errKey, "Next": safeNext(r.FormValue("next")),
	})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderLogin(w, r, http.StatusBadRequest, "", "err.bad_form")
		return
	}
	c, err := r.Cookie(loginCSRF)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, r.PostFormValue("username"), "err.csrf")
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	u, err := s.svc.Users.CheckPassword(username, r.PostFormValue("password"))
	if err != nil {
		s.renderLogin(w, r, http.StatusUnauthorized, username, "err.bad_login")
		return
	}
	sess := store.Session{ID: randomToken(), Username: u.Username, CSRF: randomToken(), ExpiresAt: s.svc.Now().Add(sessionLife)}
	if err := s.svc.Store.CreateSession(r.Context(), sess); err != nil {
		s.logger.Error("create session", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, username, "err.internal")
		return
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.ID, sessionLife))
	http.SetCookie(w, s.cookie(r, loginCSRF, "", -1))
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, v *visit) {
	if err := s.svc.Store.DeleteSession(r.Context(), v.Session.ID, v.Now); err != nil {
		s.logger.Error("delete session", "err", err)
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLanguage switches the language: remembered per user when signed in, in a
// cookie before that.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
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
		if err := s.svc.Store.SetLanguage(r.Context(), v.User.Username, lang); err != nil {
			s.logger.Error("set language", "err", err)
		}
	}
	http.SetCookie(w, s.cookie(r, langCookie, lang, 365*24*time.Hour))
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, v *visit) {
	switch {
	case v.User.Has(workflows.RoleOffice):
		http.Redirect(w, r, "/triage", http.StatusSeeOther)
	case v.User.Has(workflows.RoleLeader):
		http.Redirect(w, r, "/dashboard", http.StatusSeeOther)
	case v.User.Has(workflows.RoleVerifier):
		http.Redirect(w, r, "/verify", http.StatusSeeOther)
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

// safeNext keeps a redirect target on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
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

// fail renders what an api.Service call returned: its status with a message in the
// visitor's language when the code is known, the server's own words otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	var apiErr *api.Error
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

// errorText is an API error in the visitor's language when there is a translation
// in it (not the Chinese fallback: an English reader gets the server's own words).
func errorText(v *visit, e *api.Error) string {
	if msg, ok := messages[v.Lang]["code."+e.Code]; ok {
		return msg
	}
	return e.Message
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
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
