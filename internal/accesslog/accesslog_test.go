package accesslog_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/accesslog"
	"rectify/internal/requestid"
)

// server is an app's routes behind the access log, as internal/app joins them: an
// outer mux handing /api/ to the API's own mux, and the rest to the pages.
func server(t *testing.T, level slog.Level) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	api := http.NewServeMux()
	api.HandleFunc("GET /api/v1/opinions/{id}", func(w http.ResponseWriter, r *http.Request) {
		accesslog.SetUser(r.Context(), "office")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"`+r.PathValue("id")+`","request_id":"`+requestid.From(r.Context())+`"}`)
	})
	api.HandleFunc("POST /api/v1/opinions/{id}/actions/{action}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
	})
	pages := http.NewServeMux()
	pages.Handle("GET /static/", http.StripPrefix("/static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "body{}")
	})))
	pages.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {})
	root := http.NewServeMux()
	root.Handle("/api/", api)
	root.Handle("/", pages)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: level}))
	srv := httptest.NewServer(accesslog.Handler(logger, root, accesslog.Options{
		Client: func(*http.Request) string { return "203.0.113.7" },
		Quiet:  func(route string) bool { return strings.HasPrefix(route, "GET /static/") },
	}))
	t.Cleanup(srv.Close)
	return srv, &buf
}

func get(t *testing.T, srv *httptest.Server, method, path string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	require.NoError(t, resp.Body.Close())
	return resp
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	buf.Reset()
	return out
}

func TestOneLineNamesTheRouteNotThePathOrItsQuery(t *testing.T) {
	srv, buf := server(t, slog.LevelInfo)
	resp := get(t, srv, http.MethodGet, "/api/v1/opinions/op-金丝雀?phone=13912345678&name=张三", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	id := resp.Header.Get(requestid.Header)
	require.True(t, requestid.Valid(id), "a generated id: %q", id)

	raw := buf.String()
	for _, secret := range []string{"金丝雀", "%E9%87%91", "13912345678", "phone", "张三"} {
		require.NotContains(t, raw, secret, "neither the path's id nor the query is logged")
	}
	got := lines(t, buf)
	require.Len(t, got, 1)
	l := got[0]
	require.Equal(t, "INFO", l["level"])
	require.Equal(t, "http request", l["msg"])
	require.Equal(t, "GET", l["method"])
	require.Equal(t, "GET /api/v1/opinions/{id}", l["route"], "the innermost mux's pattern")
	require.EqualValues(t, 200, l["status"])
	require.Equal(t, "office", l["user"])
	require.Equal(t, "203.0.113.7", l["client"])
	require.Equal(t, id, l["request_id"])
	require.Greater(t, l["bytes"], 0.0)
	require.GreaterOrEqual(t, l["duration_ms"], 0.0)
}

func TestTheClientsRequestIDIsKeptWhenPlainAndReplacedWhenNot(t *testing.T) {
	srv, buf := server(t, slog.LevelInfo)
	resp := get(t, srv, http.MethodPost, "/api/v1/opinions/x/actions/sign", map[string]string{requestid.Header: "batch-7.row_12"})
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Equal(t, "batch-7.row_12", resp.Header.Get(requestid.Header))
	l := lines(t, buf)[0]
	require.Equal(t, "batch-7.row_12", l["request_id"])
	require.EqualValues(t, 409, l["status"])
	require.Equal(t, "POST /api/v1/opinions/{id}/actions/{action}", l["route"])
	require.Equal(t, "", l["user"], "nobody said who asked")
	require.EqualValues(t, 0, l["bytes"])

	for _, bad := range []string{strings.Repeat("a", 65), "two words", `x","user":"admin`, "a\tb"} {
		resp := get(t, srv, http.MethodGet, "/", map[string]string{requestid.Header: bad})
		id := resp.Header.Get(requestid.Header)
		require.NotEqual(t, bad, id)
		require.True(t, requestid.Valid(id))
		l := lines(t, buf)[0]
		require.Equal(t, id, l["request_id"])
		require.Equal(t, "GET /{$}", l["route"])
		require.Equal(t, "", l["user"], "a header cannot write another field")
	}
}

func TestQuietRoutesAreLoggedAtDebugOnly(t *testing.T) {
	srv, buf := server(t, slog.LevelInfo)
	get(t, srv, http.MethodGet, "/static/app.css", nil)
	require.Empty(t, buf.String(), "static files are below info")
	get(t, srv, http.MethodGet, "/nowhere", nil)
	l := lines(t, buf)
	require.Len(t, l, 1, "a path no route takes is logged, with an empty route")
	require.Equal(t, "", l[0]["route"])
	require.EqualValues(t, 404, l[0]["status"])

	srv, buf = server(t, slog.LevelDebug)
	get(t, srv, http.MethodGet, "/static/app.css", nil)
	l = lines(t, buf)
	require.Len(t, l, 1)
	require.Equal(t, "DEBUG", l[0]["level"])
	require.Equal(t, "GET /static/", l[0]["route"])
	require.EqualValues(t, len("body{}"), l[0]["bytes"])
}
