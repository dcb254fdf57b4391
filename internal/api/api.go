// Package api is rectify's HTTP API (v1, docs/api.md): campaigns, opinions and
// their lifecycle actions, over JSON with bearer tokens. It is a front door to
// internal/service, which runs every use case and checks who may: this package
// reads requests, authenticates and throttles callers, and writes the answers.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"rectify/internal/accesslog"
	"rectify/internal/lockout"
	"rectify/internal/service"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// Config is what the API adds to the service: how it logs, what it serves beside
// the API, and how it locks out guessers.
type Config struct {
	Logger *slog.Logger
	// Metrics, when set, serves GET /metrics (Prometheus; no auth, like /healthz).
	Metrics http.Handler
	// Lockout counts failed sign-ins, bad API tokens here and wrong passwords on
	// the web, and locks out who keeps failing. Nil: lockout.DefaultPolicy on the
	// service's clock, trusting no proxy.
	Lockout *lockout.Lockout
}

// Server serves the API: the service's use cases over HTTP.
type Server struct {
	svc      *service.Service
	logger   *slog.Logger
	metrics  http.Handler
	lockout  *lockout.Lockout
	throttle throttle
}

// New makes the API of svc.
func New(svc *service.Service, c Config) *Server {
	if c.Lockout == nil {
		c.Lockout = lockout.New(lockout.DefaultPolicy, svc.Now, nil)
	}
	return &Server{svc: svc, logger: c.Logger, metrics: c.Metrics, lockout: c.Lockout}
}

// SignInLockout is the Lockout the API and the web share.
func (s *Server) SignInLockout() *lockout.Lockout { return s.lockout }

// RetryAfter is a wait as a Retry-After header says it: whole seconds, rounded up.
func RetryAfter(wait time.Duration) string {
	return strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)
}

// actionTimeout bounds how long a request waits on a workflow: with no worker
// running, an Update would otherwise wait as long as the client does.
const actionTimeout = 30 * time.Second

// refuse is service.Refuse, for the refusals of the API's own: routes, tokens,
// bodies and parameters.
func refuse(status int, code, key string, args ...any) *service.Error {
	return service.Refuse(status, code, key, args...)
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	for _, rt := range s.routes() {
		if rt.json != nil {
			mux.Handle(rt.pattern, s.authenticated(rt.json))
		} else {
			mux.Handle(rt.pattern, s.authenticatedRaw(rt.raw))
		}
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, refuse(http.StatusNotFound, "not_found", "api.no_endpoint", r.Method, r.URL.Path))
	})
	return noStore(speaks(recoverer(s.logger, mux)))
}

// speaks names the language of every answer (Content-Language): the one its texts
// are written in for the caller (Language).
func speaks(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Language", contentLanguage[Language(r)])
		next.ServeHTTP(w, r)
	})
}

// noStore keeps every answer out of browser and proxy caches: they carry
// citizens' personal data, and a shared machine must not show them to the next
// person.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	var e *service.Error
	if err := s.svc.Ready(r.Context()); errors.As(err, &e) {
		writeError(w, r, e)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Caller resolves the bearer token to a user and applies the user's rate limit,
// answering the request itself when either fails.
func (s *Server) Caller(w http.ResponseWriter, r *http.Request) (user.User, bool) {
	// The scheme is case-insensitive (RFC 9110 §11.1): OAuth clients often send "bearer".
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		w.Header().Set("WWW-Authenticate", `Bearer realm="rectify"`)
		writeError(w, r, refuse(http.StatusUnauthorized, "unauthenticated", "api.unauthenticated"))
		return user.User{}, false
	}
	// A client that keeps sending bad tokens is guessing: after a few, it waits.
	lock := s.lockout
	client := lock.Client(r)
	if wait := lock.Wait("", client); wait > 0 {
		tooManyAttempts(w, r, wait)
		return user.User{}, false
	}
	u, err := s.svc.UserByToken(r.Context(), strings.TrimSpace(token))
	if err != nil {
		v := lock.Fail("", client)
		if v.AddrLocked {
			s.logger.Warn("API tokens locked out: too many bad tokens from one address", "client", client, "retry_after", v.Wait)
		}
		if v.Wait > 0 {
			tooManyAttempts(w, r, v.Wait)
			return user.User{}, false
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="rectify", error="invalid_token"`)
		writeError(w, r, refuse(http.StatusUnauthorized, "invalid_token", "api.invalid_token"))
		return user.User{}, false
	}
	accesslog.SetUser(r.Context(), u.Username)
	if !s.throttle.allow(u.Username) {
		w.Header().Set("Retry-After", "1")
		writeError(w, r, refuse(http.StatusTooManyRequests, "throttled", "api.throttled", u.Username))
		return user.User{}, false
	}
	return u, true
}

// tooManyAttempts answers a client locked out for failing to sign in.
func tooManyAttempts(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := RetryAfter(wait)
	w.Header().Set("Retry-After", secs)
	writeError(w, r, refuse(http.StatusTooManyRequests, "too_many_attempts", "api.too_many_attempts", secs))
}

// authenticated serves a JSON endpoint for an authenticated user.
func (s *Server) authenticated(h func(*http.Request, user.User) (int, any, error)) http.Handler {
	return s.authenticatedRaw(func(w http.ResponseWriter, r *http.Request, u user.User) error {
		status, body, err := h(r, u)
		if err == nil {
			writeJSON(w, status, body)
		}
		return err
	})
}

// authenticatedRaw serves an endpoint that writes its own answer (a download), with
// the same authentication, rate limit, time bound and error answers.
func (s *Server) authenticatedRaw(h func(http.ResponseWriter, *http.Request, user.User) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := s.Caller(w, r)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), actionTimeout)
		defer cancel()
		err := h(w, WithOrigin(r.WithContext(ctx)), u)
		if err == nil {
			return
		}
		var apiErr *service.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			apiErr = refuse(http.StatusServiceUnavailable, "timeout", "api.timeout", int(actionTimeout.Seconds()))
		}
		if apiErr == nil && !errors.As(err, &apiErr) {
			s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
			apiErr = refuse(http.StatusInternalServerError, "internal", "api.internal")
		}
		writeError(w, r, apiErr)
	})
}

// recoverer turns a panic into a 500 so no panic reaches a user as a dropped connection.
func recoverer(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.Error("panic in handler", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, r, refuse(http.StatusInternalServerError, "internal", "api.internal"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}

// writeError answers an error: its code, the stable contract a program reads, and
// a message in the caller's language (Language). In English the message is the
// server's own, naming what it refused; in Chinese it is the rule with its field
// and values where the error carries them, else the code's text — the web app's
// (service.Error.In).
func writeError(w http.ResponseWriter, r *http.Request, e *service.Error) {
	writeJSON(w, e.Status, map[string]any{"error": map[string]string{"code": e.Code, "message": messageIn(Language(r), e)}})
}

// messageIn is what a refusal says in lang: the catalogue's text with its values
// (service.Error.In), as the web app says it. A refusal without a Text has only
// its code's text there, which drops the field and value an English caller reads
// today, so it keeps the server's English: a workflow's rejection that carries no
// text, and a bulk's refusal stored before refusals were stored as messages.
func messageIn(lang string, e *service.Error) string {
	if lang == i18n.English && e.Text.Key == "" {
		return e.Message
	}
	return e.In(lang)
}

// contentLanguage names each language as a Content-Language header does.
var contentLanguage = map[string]string{i18n.Chinese: "zh-CN", i18n.English: "en"}

// Language is the language a caller reads: its Accept-Language, Chinese by default.
func Language(r *http.Request) string {
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

// decode reads a JSON body strictly: unknown fields are errors, so a typo in a
// field name is reported instead of silently ignored, and field names must match
// exactly (encoding/json alone would take "CATEGORY" for "category").
func decode(r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return refuse(http.StatusRequestEntityTooLarge, "body_too_large", "api.body_too_large", maxBody)
		}
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		switch {
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return refuse(http.StatusBadRequest, "unknown_field", "api.unknown_field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
		default:
			return malformedJSON(err)
		}
	}
	// Anything but white space after the value is an error: dec.More alone misses a
	// stray '}' or ']' (a common copy-paste slip) and the request would go through.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return refuse(http.StatusBadRequest, "malformed_json", "api.json_trailing")
	}
	return exactNames(data, reflect.TypeOf(v), "")
}

// malformedJSON is a body encoding/json cannot read, said with what it found
// where: a character out of place and its offset, or a value of the wrong type
// and the field it is for.
func malformedJSON(err error) *service.Error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return refuse(http.StatusBadRequest, "malformed_json", "api.json_syntax", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		// The path names an embedded struct by its Go type (ActionBody.reason):
		// the caller wrote only the JSON names, which are lower-case.
		field := typ.Field
		for head, rest, ok := strings.Cut(field, "."); ok && head != "" && unicode.IsUpper(rune(head[0])); head, rest, ok = strings.Cut(rest, ".") {
			field = rest
		}
		return refuse(http.StatusBadRequest, "malformed_json", "api.json_type", field, typ.Value, typ.Type.String())
	}
	return refuse(http.StatusBadRequest, "malformed_json", "api.json_malformed")
}

// exactNames refuses a field name of the JSON value data that matches a field of t
// only when case is ignored, at any depth: the body is read as it is written.
func exactNames(data []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if data[0] != '{' || json.Unmarshal(data, &obj) != nil {
			return nil // a value an Unmarshaler reads its own way (a name, a time)
		}
		fields := jsonFields(t)
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if ft, ok := fields[key]; ok {
				if err := exactNames(obj[key], ft, path+key+"."); err != nil {
					return err
				}
				continue
			}
			for name := range fields {
				if strings.EqualFold(name, key) {
					return refuse(http.StatusBadRequest, "unknown_field", "api.field_case", path+key, path+name)
				}
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if data[0] != '[' || json.Unmarshal(data, &items) != nil {
			return nil
		}
		for i, item := range items {
			if err := exactNames(item, t.Elem(), fmt.Sprintf("%s[%d].", strings.TrimSuffix(path, "."), i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		var obj map[string]json.RawMessage
		if data[0] != '{' || json.Unmarshal(data, &obj) != nil {
			return nil
		}
		for _, key := range slices.Sorted(maps.Keys(obj)) {
			if err := exactNames(obj[key], t.Elem(), path+key+"."); err != nil {
				return err
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields to their types, as
// encoding/json names them (tags, then Go names; embedded structs' fields promoted).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			for n, typ := range jsonFields(ft) {
				if _, ok := out[n]; !ok {
					out[n] = typ
				}
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
