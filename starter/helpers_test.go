package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const testToken = "s3cret-token"

// request is what the fake API saw.
type request struct {
	Method, Path, RawPath, Query, Auth string
	Body                               map[string]any
}

// fakeAPI is a stand-in for rectify's HTTP API: it records every request and answers
// through handle.
type fakeAPI struct {
	*httptest.Server
	mu     sync.Mutex
	seen   []request
	handle func(r request) (int, any)
}

func newFakeAPI(t *testing.T, handle func(r request) (int, any)) *fakeAPI {
	t.Helper()
	f := &fakeAPI{handle: handle}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		req := request{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization")}
		if len(data) > 0 {
			if err := json.Unmarshal(data, &req.Body); err != nil {
				t.Errorf("request body is not a JSON object: %s", data)
			}
		}
		f.mu.Lock()
		f.seen = append(f.seen, req)
		f.mu.Unlock()
		status, resp := f.handle(req)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if err := json.NewEncoder(w).Encode(resp); err != nil {
			t.Errorf("fake API: writing the reply: %v", err)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAPI) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.seen...)
}

// apiErr is the API's error envelope.
func apiErr(code, msg string) map[string]any {
	return map[string]any{"error": map[string]any{"code": code, "message": msg}}
}

// sampleOpinion is an opinion as the API returns it.
func sampleOpinion(id, state string) map[string]any {
	return map[string]any{
		"id": id, "campaign_id": "c1", "key": "K-1", "content": "路灯坏了三个月", "channel": "hotline",
		"collected_at": "2025-03-01T09:00:00+08:00", "state": state, "category": "群众需要解决的问题",
		"department": "城建科", "official": "official", "leader": "leader", "deadline": "2025-03-14",
		"deadline_explanation": "10 working days", "overdue_level": "none", "working_days_left": 4,
		"extensions": 0, "rework_count": 0,
		"timeline": []any{
			map[string]any{"seq": 1, "at": "2025-03-01T09:00:00+08:00", "actor": "office", "action": "receive", "from": "", "to": "received"},
			map[string]any{"seq": 2, "at": "2025-03-02T10:00:00+08:00", "actor": "office", "action": "assign", "from": "categorized", "to": "assigned", "reason": "路灯归城建"},
		},
	}
}

// runCLI runs starter against srv with the test token and returns exit code, stdout
// and stderr.
func runCLI(t *testing.T, srv string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIInput(t, srv, "", args...)
}

// runCLIInput is runCLI with stdin reading input.
func runCLIInput(t *testing.T, srv, input string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	full := append([]string{"--server", srv, "--token", testToken}, args...)
	code := runContext(context.Background(), full, strings.NewReader(input), &out, &errOut)
	if strings.Contains(out.String(), testToken) || strings.Contains(errOut.String(), testToken) {
		t.Errorf("starter %v printed the token:\nstdout: %s\nstderr: %s", args, out.String(), errOut.String())
	}
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// wantAll checks that got, which is what (stdout, stderr), holds each of wants.
func wantAll(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

// refusedLocally runs starter with args and checks that it reports a bad command line:
// exit status 2, want on stderr, and no request sent.
func refusedLocally(t *testing.T, want string, args ...string) {
	t.Helper()
	api := newFakeAPI(t, func(r request) (int, any) { return 200, map[string]any{} })
	code, _, errOut := runCLI(t, api.URL, args...)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr %q does not mention %q", errOut, want)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent for a bad command line", n)
	}
}
