package web

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"rectify/internal/accesslog"
	"rectify/internal/oidc"
	"rectify/internal/service"
)

// Sign-in through the organisation (OpenID Connect; docs/oidc.md). The sign-in
// page's button posts to /login/oidc, which sends the browser to the identity
// service with a fresh state, nonce and PKCE challenge, kept in a short-lived
// cookie; the service sends it back to /login/oidc/callback, which checks the
// state against the cookie, redeems the code with the verifier, checks the ID
// token and its nonce, and signs the person in as the user the claims name.

const (
	oidcCookie = "rectify_oidc"
	// oidcFlowLife bounds the time from the button to the callback.
	oidcFlowLife = 10 * time.Minute
)

// oidcFlow is what the cookie keeps between the button and the callback.
type oidcFlow struct {
	oidc.Flow
	Next string `json:"next"`
}

// oidcPages adds the flow's routes when sign-in through the organisation is
// configured (s.OIDC).
func (s *Server) oidcPages(mux *http.ServeMux) {
	if s.OIDC == nil {
		return
	}
	mux.HandleFunc("POST /login/oidc", s.oidcStart)
	mux.HandleFunc("GET /login/oidc/callback", s.oidcCallback)
}

// oidcLabel is the sign-in button's label: the identity service's name, or "".
func (s *Server) oidcLabel(lang string) string {
	if s.OIDC == nil {
		return ""
	}
	if l := s.OIDC.Label(); l != "" {
		return l
	}
	return translate(lang, "login.oidc_default")
}

func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if status, key := readForm(w, r, formLimit); status != 0 {
		s.renderLogin(w, r, status, "", key)
		return
	}
	c, err := r.Cookie(loginCSRF)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		s.renderLogin(w, r, http.StatusForbidden, "", "err.csrf")
		return
	}
	f := oidcFlow{Flow: oidc.NewFlow(), Next: safeNext(r.PostFormValue("next"))}
	to, err := s.OIDC.AuthURL(r.Context(), f.Flow)
	if err != nil {
		s.logger.Error("sign-in through the organisation: the identity service does not answer", "err", err)
		s.renderLogin(w, r, http.StatusServiceUnavailable, "", "err.oidc_unavailable")
		return
	}
	data, _ := json.Marshal(f)
	http.SetCookie(w, s.cookie(r, oidcCookie, base64.RawURLEncoding.EncodeToString(data), oidcFlowLife))
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	var f oidcFlow
	if c, err := r.Cookie(oidcCookie); err == nil {
		if data, err := base64.RawURLEncoding.DecodeString(c.Value); err == nil {
			_ = json.Unmarshal(data, &f)
		}
	}
	// The flow is used once, whatever comes of it.
	http.SetCookie(w, s.cookie(r, oidcCookie, "", -1))
	q := r.URL.Query()
	id, err := s.OIDC.Exchange(r.Context(), f.Flow, q.Get("state"), q.Get("code"), q.Get("error"))
	if err != nil {
		if errors.Is(err, oidc.ErrRefused) {
			s.logger.Warn("sign-in through the organisation refused", "err", err)
		} else {
			s.logger.Error("sign-in through the organisation failed", "err", err)
		}
		s.renderLogin(w, r, http.StatusUnauthorized, "", "err.oidc_failed")
		return
	}
	u, err := s.svc.SignInExternal(r.Context(), service.External{
		Username: id.Username, Name: id.Name, Department: id.Department, Roles: id.Roles,
		HasName: id.HasName, HasDepartment: id.HasDepartment, HasRoles: id.HasRoles,
	}, s.OIDCCreateUsers)
	if err != nil {
		var e *service.Error
		if errors.As(err, &e) {
			s.logger.Warn("sign-in through the organisation refused", "username", id.Username, "code", e.Code)
			s.renderLogin(w, r, e.Status, id.Username, "code."+e.Code)
			return
		}
		s.logger.Error("sign-in through the organisation", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, "", "err.internal")
		return
	}
	accesslog.SetUser(r.Context(), u.Username)
	life := s.limits().Max
	sess, err := s.svc.StartSession(r.Context(), u, life)
	if err != nil {
		s.logger.Error("create session", "err", err)
		s.renderLogin(w, r, http.StatusInternalServerError, "", "err.internal")
		return
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, sess.ID, life))
	next := f.Next
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
