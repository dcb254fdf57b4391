// Package accesslog writes one log line per HTTP request: its method, the route
// that served it (the ServeMux pattern, "/api/v1/opinions/{id}", never the path
// with its ids), status, duration, bytes written, who asked and from where, and a
// request id that the answer's X-Request-ID echoes and that Temporal carries on
// (internal/requestid). It never logs a query string, a body, a path's ids or a
// token: they can hold citizens' data or let the reader in.
package accesslog

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"rectify/internal/requestid"
)

// Options shape what the log says of a request.
type Options struct {
	// Client names the client's address; nil takes the connection's peer.
	Client func(*http.Request) string
	// Quiet reports routes to log at debug level rather than info — static
	// files, probes, scrapes: many, alike and seldom what a reader looks for.
	Quiet func(route string) bool
}

// Handler logs every request next serves, with logger. A request's id is its
// X-Request-ID when that is a plain token of at most 64 characters, else a new
// one; next finds it in the request's context (requestid.From), the answer in
// its X-Request-ID header.
func Handler(logger *slog.Logger, next http.Handler, opts Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(requestid.Header)
		if !requestid.Valid(id) {
			id = requestid.New()
		}
		w.Header().Set(requestid.Header, id)
		e := &entry{}
		ctx := context.WithValue(requestid.With(r.Context(), id), entryKey{}, e)
		r = r.WithContext(ctx)
		rec := &recorder{ResponseWriter: w}
		defer func() {
			// A handler that panics (net/http recovers and drops the
			// connection) is logged too, with the status it had got to.
			level := slog.LevelInfo
			if opts.Quiet != nil && opts.Quiet(r.Pattern) {
				level = slog.LevelDebug
			}
			if !logger.Enabled(ctx, level) {
				return
			}
			client := r.RemoteAddr
			if opts.Client != nil {
				client = opts.Client(r)
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			logger.LogAttrs(ctx, level, "http request",
				slog.String("method", r.Method),
				// r.Pattern is the pattern of the innermost ServeMux that
				// routed the request: each mux sets it on the request it is
				// handed, which is this one; "" when none matched.
				slog.String("route", r.Pattern),
				slog.Int("status", status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.Int64("bytes", rec.bytes),
				slog.String("user", e.username()),
				slog.String("client", client),
				slog.String(requestid.LogKey, id),
			)
		}()
		next.ServeHTTP(rec, r)
	})
}

// entry is what the handlers tell the log of their request.
type entry struct {
	mu   sync.Mutex
	user string
}

func (e *entry) username() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.user
}

type entryKey struct{}

// SetUser names who sent the request being served with ctx, once they are known:
// the username, never a token or a password.
func SetUser(ctx context.Context, username string) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.mu.Lock()
		e.user = username
		e.mu.Unlock()
	}
}

// recorder notes the status and the bytes of the answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 { // 1xx answers are not the status
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
