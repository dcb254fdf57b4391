package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
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
		json.NewEncoder(w).Encode(resp)
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
	var out, errOut bytes.Buffer
	full := append([]string{"--server", srv, "--token", testToken}, args...)
	code := run(full, &out, &errOut)
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

func TestActSendsBodyBuiltFromFlags(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantPath string
		wantBody map[string]any
	}{
		{
			name:     "assign sends only the flags that were set",
			args:     []string{"act", "op-1", "assign", "--department", "城建科", "--official", "official", "--leader", "leader", "--measures", "更换灯具", "--deadline", "2025-03-14"},
			wantPath: "/api/v1/opinions/op-1/actions/assign",
			wantBody: map[string]any{"department": "城建科", "official": "official", "leader": "leader", "measures": "更换灯具", "deadline": "2025-03-14"},
		},
		{
			name:     "sign without flags sends an empty object",
			args:     []string{"act", "op-1", "sign"},
			wantPath: "/api/v1/opinions/op-1/actions/sign",
			wantBody: map[string]any{},
		},
		{
			name:     "approve=false is sent as a JSON false",
			args:     []string{"act", "op-1", "decide-extension", "--approve=false", "--reason", "no new facts"},
			wantPath: "/api/v1/opinions/op-1/actions/decide-extension",
			wantBody: map[string]any{"approve": false, "reason": "no new facts"},
		},
		{
			name:     "flags may come before the arguments and pass is a JSON true",
			args:     []string{"act", "--pass=true", "op-1", "verify", "--reason", "checked"},
			wantPath: "/api/v1/opinions/op-1/actions/verify",
			wantBody: map[string]any{"pass": true, "reason": "checked"},
		},
		{
			name:     "--body is merged and a flag wins over the same key",
			args:     []string{"act", "op-1", "request-extension", "--body", `{"until":"2025-04-01","reason":"old","extra":{"n":1}}`, "--reason", "new"},
			wantPath: "/api/v1/opinions/op-1/actions/request-extension",
			wantBody: map[string]any{"until": "2025-04-01", "reason": "new", "extra": map[string]any{"n": float64(1)}},
		},
		{
			name:     "callback with satisfaction and note",
			args:     []string{"act", "op-1", "callback", "--satisfaction", "basically", "--note", "还行"},
			wantPath: "/api/v1/opinions/op-1/actions/callback",
			wantBody: map[string]any{"satisfaction": "basically", "note": "还行"},
		},
		{
			name:     "an id with a slash stays one path segment",
			args:     []string{"act", "a/b", "merge", "--into", "op-2"},
			wantPath: "/api/v1/opinions/a%2Fb/actions/merge",
			wantBody: map[string]any{"into": "op-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(r request) (int, any) { return 200, sampleOpinion("op-1", "assigned") })
			code, out, errOut := runCLI(t, api.URL, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, stderr: %s", code, errOut)
			}
			reqs := api.requests()
			if len(reqs) != 1 {
				t.Fatalf("want 1 request, got %d", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.RawPath != tt.wantPath {
				t.Errorf("request %s %s, want POST %s", r.Method, r.RawPath, tt.wantPath)
			}
			if r.Auth != "Bearer "+testToken {
				t.Errorf("Authorization %q, want the bearer token", r.Auth)
			}
			if !reflect.DeepEqual(r.Body, tt.wantBody) {
				t.Errorf("body %v, want %v", r.Body, tt.wantBody)
			}
			if !strings.Contains(out, "op-1 is now assigned") {
				t.Errorf("stdout does not report the new state:\n%s", out)
			}
		})
	}
}

func TestActRejectsBadInputWithoutCallingTheServer(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown action", []string{"act", "op-1", "approve"}, `unknown action "approve"`},
		{"bad date", []string{"act", "op-1", "assign", "--deadline", "2025-3-1"}, "YYYY-MM-DD"},
		{"body not an object", []string{"act", "op-1", "reject", "--body", `["x"]`}, "--body must be a JSON object"},
		{"boolean with a space", []string{"act", "op-1", "verify", "--pass", "false"}, "--approve=false"},
		{"missing action", []string{"act", "op-1"}, "missing argument"},
		{"bad satisfaction", []string{"act", "op-1", "callback", "--satisfaction", "happy"}, "satisfied, basically, dissatisfied"},
		{"unknown flag", []string{"act", "op-1", "sign", "--force"}, "-force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t, func(r request) (int, any) { return 200, sampleOpinion("op-1", "assigned") })
			code, _, errOut := runCLI(t, api.URL, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errOut, tt.want) {
				t.Errorf("stderr %q does not mention %q", errOut, tt.want)
			}
			if n := len(api.requests()); n != 0 {
				t.Errorf("%d requests sent for a bad command line", n)
			}
		})
	}
}

func TestSubmitArrayPostsEveryItemAndFailsIfOneFails(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		if r.Body["content"] == "" {
			return 422, apiErr("invalid_opinion", "content is required")
		}
		return 201, sampleOpinion("op-"+r.Body["key"].(string), "received")
	})
	file := writeFile(t, "opinions.json", `[
		{"key": "a", "content": "路灯坏了", "channel": "hotline", "collected_at": "2025-03-01"},
		{"key": "b", "content": "", "channel": "hotline", "collected_at": "2025-03-01"},
		{"key": "c", "content": "垃圾清运不及时", "channel": "letter", "collected_at": "2025-03-02"}
	]`)

	code, out, errOut := runCLI(t, api.URL, "opinion", "submit", "--campaign", "c1", "--file", file)

	if code != 1 {
		t.Errorf("exit %d, want 1 because item 1 failed", code)
	}
	reqs := api.requests()
	var keys []string
	for _, r := range reqs {
		if r.Method != http.MethodPost || r.Path != "/api/v1/campaigns/c1/opinions" {
			t.Errorf("request %s %s, want POST /api/v1/campaigns/c1/opinions", r.Method, r.Path)
		}
		keys = append(keys, r.Body["key"].(string))
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("posted keys %v, want %v (every item, in order)", keys, want)
	}
	for _, want := range []string{
		"item 0 (key a): op-a received",
		"item 1 (key b): error: 422 invalid_opinion: content is required",
		"item 2 (key c): op-c received",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "1 of 3 items failed") {
		t.Errorf("stderr lacks the failure count: %q", errOut)
	}
}

func TestSubmitSingleObject(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 201, sampleOpinion("op-9", "received") })
	file := writeFile(t, "one.json", `{"content": "路灯坏了", "channel": "hotline", "collected_at": "2025-03-01"}`)

	code, out, errOut := runCLI(t, api.URL, "opinion", "submit", "--campaign", "c1", "--file", file)

	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
	if !strings.Contains(out, "item 0: op-9 received") {
		t.Errorf("stdout: %s", out)
	}
}

func TestSubmitReportsWhereTheFileIsBroken(t *testing.T) {
	file := writeFile(t, "bad.json", "[\n  {\"content\": \"a\"},\n  {\"content\": }\n]")
	code, _, errOut := runCLI(t, "http://127.0.0.1:1", "opinion", "submit", "--campaign", "c1", "--file", file)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "bad.json:3:") {
		t.Errorf("stderr does not name the line: %q", errOut)
	}
}

func TestAPIErrorPrintsStatusCodeAndMessage(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 409, apiErr("invalid_state", "opinion is closed; reopen it first")
	})
	for _, args := range [][]string{
		{"opinion", "show", "op-1"},
		{"act", "op-1", "sign"},
		{"campaign", "stats", "c1"},
	} {
		code, out, errOut := runCLI(t, api.URL, args...)
		if code != 1 {
			t.Errorf("%v: exit %d, want 1", args, code)
		}
		if want := "error: 409 invalid_state: opinion is closed; reopen it first\n"; errOut != want {
			t.Errorf("%v: stderr %q, want %q", args, errOut, want)
		}
		if out != "" {
			t.Errorf("%v: stdout should be empty on error, got %q", args, out)
		}
	}
}

func TestNonJSONErrorStillShowsStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer srv.Close()
	code, _, errOut := runCLI(t, srv.URL, "campaign", "list")
	if code != 1 || !strings.Contains(errOut, "error: 502 bad_gateway:") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestUnauthenticatedHintsAtToken(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 401, apiErr("unauthenticated", "missing bearer token") })
	var out, errOut bytes.Buffer
	code := run([]string{"--server", api.URL, "--token", "", "campaign", "list"}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "RECTIFY_TOKEN") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if auth := api.requests()[0].Auth; auth != "" {
		t.Errorf("sent Authorization %q without a token", auth)
	}
}

func TestConnectionFailureNamesTheURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more

	code, _, errOut := runCLI(t, url, "opinion", "list")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(errOut, "cannot reach "+url+"/api/v1/opinions") {
		t.Errorf("stderr does not name the URL: %q", errOut)
	}
}

func TestSubmitStopsWhenServerUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	file := writeFile(t, "two.json", `[{"content":"a"},{"content":"b"}]`)

	code, _, errOut := runCLI(t, url, "opinion", "submit", "--campaign", "c1", "--file", file)
	if code != 1 || !strings.Contains(errOut, "cannot reach") || !strings.Contains(errOut, "items 0 to 1 were not confirmed") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestOpinionListBuildsQuery(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		op := sampleOpinion("op-1", "in_progress")
		delete(op, "timeline")
		return 200, map[string]any{"opinions": []any{op}, "total": 7, "next_page_token": "p2"}
	})
	code, out, errOut := runCLI(t, api.URL, "opinion", "list", "--campaign", "c1", "--state", "in_progress",
		"--category", "四风", "--department", "城建科", "--mine", "--overdue", "--limit", "1", "--page-token", "p1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := "assignee=me&campaign=c1&category=%E5%9B%9B%E9%A3%8E&department=%E5%9F%8E%E5%BB%BA%E7%A7%91&limit=1&overdue=true&page_token=p1&state=in_progress"
	if r := api.requests()[0]; r.Method != http.MethodGet || r.Path != "/api/v1/opinions" || r.Query != want {
		t.Errorf("request %s %s?%s, want GET /api/v1/opinions?%s", r.Method, r.Path, r.Query, want)
	}
	for _, s := range []string{"op-1", "in_progress", "城建科", "1 of 7", "--page-token p2"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
}

func TestOpinionListWithoutFiltersSendsNoQuery(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 200, map[string]any{"opinions": []any{}, "total": 0} })
	code, out, _ := runCLI(t, api.URL, "opinion", "list")
	if code != 0 || api.requests()[0].Query != "" || !strings.Contains(out, "no opinions match") {
		t.Errorf("exit %d, query %q, stdout %q", code, api.requests()[0].Query, out)
	}
}

func TestOpinionShowPrintsFieldsAndTimeline(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 200, sampleOpinion("op-1", "assigned") })
	code, out, errOut := runCLI(t, api.URL, "opinion", "show", "op-1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	for _, s := range []string{"op-1", "城建科", "2025-03-14 (10 working days)", "Timeline", "categorized → assigned", "路灯归城建", "2025-03-02T10:00:00+08:00"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
}

func TestJSONFlagPrintsBodyIndented(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 200, map[string]any{"campaigns": []any{map[string]any{"id": "c1", "name": "群众路线"}}}
	})
	// --json after the command works as well as before it.
	for _, args := range [][]string{{"--json", "campaign", "list"}, {"campaign", "list", "--json"}} {
		code, out, _ := runCLI(t, api.URL, args...)
		want := "{\n  \"campaigns\": [\n    {\n      \"id\": \"c1\",\n      \"name\": \"群众路线\"\n    }\n  ]\n}\n"
		if code != 0 || out != want {
			t.Errorf("%v: exit %d, stdout:\n%s\nwant:\n%s", args, code, out, want)
		}
	}
}

func TestCampaignCreatePostsTheFile(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		cp := map[string]any{"id": "c9", "created_at": "2025-03-01T00:00:00Z"}
		for k, v := range r.Body {
			cp[k] = v
		}
		return 201, cp
	})
	file := writeFile(t, "campaign.json", `{"name": "群众路线", "categories": [{"name": "四风", "speed": "deadline", "working_days": 10}], "departments": ["城建科"]}`)
	code, out, errOut := runCLI(t, api.URL, "campaign", "create", "--file", file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	r := api.requests()[0]
	if r.Method != http.MethodPost || r.Path != "/api/v1/campaigns" || r.Body["name"] != "群众路线" {
		t.Errorf("request %s %s %v", r.Method, r.Path, r.Body)
	}
	for _, s := range []string{"created campaign c9", "四风", "城建科"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
}

func TestCampaignStatsShowsRates(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 200, map[string]any{
			"campaign_id": "c1", "collected": 466, "closed": 17, "completion_rate": 0.875, "on_time_rate": nil,
			"by_state":    map[string]any{"closed": 17, "received": 3},
			"by_category": []any{map[string]any{"name": "四风", "collected": 10, "closed": 5, "completion_rate": 0.5}},
		}
	})
	code, out, errOut := runCLI(t, api.URL, "campaign", "stats", "c1")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if r := api.requests()[0]; r.Path != "/api/v1/campaigns/c1/stats" {
		t.Errorf("path %s", r.Path)
	}
	for _, s := range []string{"466", "87.5%", "By state", "By category", "50.0%"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
	if strings.Index(out, "received") > strings.Index(out, "closed  ") {
		t.Errorf("states are not in lifecycle order:\n%s", out)
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	var paths [][]string
	var walk func(prefix []string, c *command)
	walk = func(prefix []string, c *command) {
		paths = append(paths, prefix)
		for _, s := range c.subs {
			walk(append(append([]string{}, prefix...), s.name), s)
		}
	}
	walk(nil, commandTree())

	for _, p := range paths {
		for _, h := range []string{"--help", "-h"} {
			args := append(append([]string{}, p...), h)
			var out, errOut bytes.Buffer
			code := run(args, &out, &errOut)
			if code != 0 {
				t.Errorf("starter %v: exit %d, want 0 (stderr %q)", args, code, errOut.String())
			}
			if errOut.Len() != 0 {
				t.Errorf("starter %v wrote to stderr: %q", args, errOut.String())
			}
			usage := "Usage:\n  " + strings.Join(append([]string{"starter"}, p...), " ")
			for _, want := range []string{usage, "\nExample:\n  "} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("starter %v: help lacks %q:\n%s", args, want, out.String())
				}
			}
		}
	}

	// A leaf's help lists its own flags.
	var out bytes.Buffer
	run([]string{"help", "opinion", "list"}, &out, io.Discard)
	for _, f := range []string{"--campaign ID", "--mine", "--overdue", "--limit N", "--page-token TOKEN"} {
		if !strings.Contains(out.String(), f) {
			t.Errorf("'starter help opinion list' lacks %q:\n%s", f, out.String())
		}
	}
}

func TestHelpNeverShowsTheToken(t *testing.T) {
	t.Setenv("RECTIFY_TOKEN", testToken)
	for _, args := range [][]string{{"--help"}, {"act", "--help"}, {"opinion", "--help"}} {
		var out bytes.Buffer
		run(args, &out, &out)
		if strings.Contains(out.String(), testToken) {
			t.Errorf("starter %v printed the token", args)
		}
	}
}

func TestCommandLineMistakesExit2(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "Usage:"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"campaign", "delete"}, `unknown command "delete"`},
		{[]string{"--verbose", "campaign", "list"}, "-verbose"},
		{[]string{"opinion", "list", "--state", "done"}, `unknown --state "done"`},
		{[]string{"opinion", "list", "--limit", "0"}, "--limit must be a positive number"},
		{[]string{"opinion", "submit", "--file", "x.json"}, "--campaign is required"},
		{[]string{"campaign", "create"}, "--file is required"},
		{[]string{"campaign", "stats"}, "missing argument"},
		{[]string{"opinion", "show", "a", "b"}, `unexpected argument "b"`},
		{[]string{"opinion", "show", ""}, "empty argument"},
		{[]string{"--server", "localhost:8080", "campaign", "list"}, "invalid --server"},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		code := run(tt.args, &out, &errOut)
		if code != 2 {
			t.Errorf("starter %v: exit %d, want 2", tt.args, code)
		}
		if !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("starter %v: stderr %q lacks %q", tt.args, errOut.String(), tt.want)
		}
	}
}

func TestTableAlignsChineseText(t *testing.T) {
	var tb table
	tb.row("城建科", "x")
	tb.row("ab", "y")
	var out bytes.Buffer
	tb.write(&out)
	// 城建科 takes six terminal columns, so "ab" is padded to six as well.
	if want := "城建科  x\nab      y\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// --- import and batch show -------------------------------------------------------

// upload is what the fake batch API saw of one multipart upload.
type upload struct {
	Path, Auth, ContentType string
	ContentLength           int64
	TransferEncoding        []string
	Fields                  map[string]string
	FileName, FileType      string
	Data                    []byte
}

// batchAPI is a stand-in for the batch endpoints: it parses uploads as multipart,
// answers polls of a batch in turn, and serves rejection downloads.
type batchAPI struct {
	*httptest.Server
	mu        sync.Mutex
	uploads   []upload
	polls     []string // paths of GET /api/v1/batches/{id}
	downloads []string // paths of rejection downloads
	post      func(u upload) (int, any)
	poll      func(n int) (int, any) // n counts polls from 1
	files     map[string][]byte      // download path → bytes
}

func newBatchAPI(t *testing.T, post func(u upload) (int, any), poll func(n int) (int, any)) *batchAPI {
	t.Helper()
	f := &batchAPI{post: post, poll: poll, files: map[string][]byte{}}
	reply := func(w http.ResponseWriter, status int, body any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/campaigns/{id}/batches", func(w http.ResponseWriter, r *http.Request) {
		u := upload{Path: r.URL.Path, Auth: r.Header.Get("Authorization"), ContentType: r.Header.Get("Content-Type"),
			ContentLength: r.ContentLength, TransferEncoding: r.TransferEncoding, Fields: map[string]string{}}
		mr, err := r.MultipartReader()
		if err != nil {
			t.Errorf("upload is not multipart: %v", err)
			reply(w, 400, apiErr("bad_request", err.Error()))
			return
		}
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("reading the multipart body: %v", err)
				return
			}
			data, _ := io.ReadAll(p)
			if p.FormName() == "file" {
				u.FileName, u.FileType, u.Data = p.FileName(), p.Header.Get("Content-Type"), data
			} else {
				u.Fields[p.FormName()] = string(data)
			}
		}
		f.mu.Lock()
		f.uploads = append(f.uploads, u)
		f.mu.Unlock()
		status, body := f.post(u)
		reply(w, status, body)
	})
	mux.HandleFunc("GET /api/v1/batches/{id}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.polls = append(f.polls, r.URL.EscapedPath())
		n := len(f.polls)
		f.mu.Unlock()
		status, body := f.poll(n)
		reply(w, status, body)
	})
	mux.HandleFunc("GET /api/v1/batches/{id}/{file}", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.downloads = append(f.downloads, r.URL.Path)
		data, ok := f.files[r.URL.Path]
		f.mu.Unlock()
		if !ok {
			reply(w, 404, apiErr("not_found", "no such file"))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(data)
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *batchAPI) seen() (uploads []upload, polls, downloads []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]upload(nil), f.uploads...), append([]string(nil), f.polls...), append([]string(nil), f.downloads...)
}

// sampleBatch is a batch as the API returns it; set overrides fields.
func sampleBatch(state string, set map[string]any) map[string]any {
	b := map[string]any{
		"id": "b1", "campaign_id": "c1", "file_name": "意见台账.xlsx", "state": state, "strict": false, "dry_run": false,
		"rows": 10000, "accepted": 10000, "rejected": 0, "started": 0, "already_present": 0, "pending": 10000,
		"skipped_sheets": []any{}, "rejections": []any{}, "rejections_total": 0,
		"created_at": "2025-03-01T09:00:00+08:00", "finished_at": nil,
		"rejections_xlsx": "/api/v1/batches/b1/rejections.xlsx", "rejections_csv": "/api/v1/batches/b1/rejections.csv",
	}
	for k, v := range set {
		b[k] = v
	}
	return b
}

// someRejections returns n rejections, rows 3, 4, ….
func someRejections(n int) []any {
	var out []any
	for i := range n {
		out = append(out, map[string]any{"sheet": "班子意见", "row": 3 + i, "column": "来源",
			"reason": fmt.Sprintf("unknown channel \"电话%d\"", i), "cells": []any{"1", "路灯坏了", "电话"}})
	}
	return out
}

// fastPolling makes import poll every few milliseconds for the test's duration.
func fastPolling(t *testing.T) {
	t.Helper()
	old := pollEvery
	pollEvery = 5 * time.Millisecond
	t.Cleanup(func() { pollEvery = old })
}

func TestImportUploadsTheFileAsMultipart(t *testing.T) {
	// 1 MB of bytes that are not text, so any re-encoding or truncation shows.
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 7)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "意见台账.xlsx")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		flags      []string
		wantFields map[string]string
	}{
		{"default mode sends no fields", nil, map[string]string{}},
		{"strict and dry run", []string{"--strict", "--dry-run"}, map[string]string{"strict": "true", "dry_run": "true"}},
		{"dry run alone", []string{"--dry-run"}, map[string]string{"dry_run": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newBatchAPI(t, func(u upload) (int, any) {
				if u.Fields["dry_run"] == "true" {
					return 200, sampleBatch("dry_run", map[string]any{"dry_run": true})
				}
				return 201, sampleBatch("done", map[string]any{"started": 10000})
			}, nil)
			args := append([]string{"import", "--campaign", "c1"}, tt.flags...)
			code, out, errOut := runCLI(t, api.URL, append(args, file)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr: %s", code, errOut)
			}
			uploads, _, _ := api.seen()
			if len(uploads) != 1 {
				t.Fatalf("%d uploads, want 1", len(uploads))
			}
			u := uploads[0]
			if u.Path != "/api/v1/campaigns/c1/batches" || u.Auth != "Bearer "+testToken {
				t.Errorf("upload to %s with Authorization %q", u.Path, u.Auth)
			}
			if !strings.HasPrefix(u.ContentType, "multipart/form-data; boundary=") {
				t.Errorf("Content-Type %q", u.ContentType)
			}
			// Streamed from a pipe: the length is not known up front.
			if u.ContentLength != -1 || !reflect.DeepEqual(u.TransferEncoding, []string{"chunked"}) {
				t.Errorf("Content-Length %d, Transfer-Encoding %v: want a chunked, streamed body", u.ContentLength, u.TransferEncoding)
			}
			if u.FileName != "意见台账.xlsx" || u.FileType != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
				t.Errorf("file part %q (%s)", u.FileName, u.FileType)
			}
			if !bytes.Equal(u.Data, data) {
				t.Errorf("file part has %d bytes, not the file's %d", len(u.Data), len(data))
			}
			if !reflect.DeepEqual(u.Fields, tt.wantFields) {
				t.Errorf("fields %v, want %v", u.Fields, tt.wantFields)
			}
			if len(tt.wantFields) > 0 && !strings.Contains(out, "Dry run: nothing was imported") {
				t.Errorf("stdout does not say nothing was imported:\n%s", out)
			}
		})
	}
}

func TestImportPollsUntilDoneAndSummarizes(t *testing.T) {
	fastPolling(t)
	// Progress in steps of 2.5%: 40 polls, of which a line is printed every tenth.
	const steps = 40
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			in := min(n, steps) * 250
			already := min(in, 200)
			state := "importing"
			if n >= steps {
				state = "done"
			}
			return 200, sampleBatch(state, map[string]any{"started": in - already, "already_present": already,
				"skipped_sheets": []any{"填表说明"}})
		})
	file := writeFile(t, "opinions.csv", "意见内容,来源,收集时间\n路灯坏了,热线,2025-03-01\n")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	_, polls, _ := api.seen()
	if len(polls) != steps {
		t.Errorf("%d polls, want %d (until done, then stop)", len(polls), steps)
	}
	for _, p := range polls {
		if p != "/api/v1/batches/b1" {
			t.Errorf("polled %s, want /api/v1/batches/b1", p)
		}
	}
	if strings.Contains(out, "\r") {
		t.Errorf("a redrawn bar was written to a non-terminal:\n%q", out)
	}
	if n := strings.Count(out, "importing: "); n != 10 {
		t.Errorf("%d progress lines, want one per tenth (10):\n%s", n, out)
	}
	for _, want := range []string{
		"batch b1: importing 10,000 rows into campaign c1",
		"importing:  10%  1,000/10,000 started 800 · already there 200\n",
		"importing:  60%  6,000/10,000 started 5,800 · already there 200\n",
		"importing: 100%  10,000/10,000 started 9,800 · already there 200\n",
		"Rows read       10,000\n",
		"Accepted        10,000\n",
		"Rejected        0\n",
		"Started         9,800\n",
		"Already there   200\n",
		"Skipped sheets  填表说明\n",
		"Done: all 10,000 rows are in (9,800 started, 200 already there).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Pending") {
		t.Errorf("a finished import shows pending rows:\n%s", out)
	}
}

func TestImportDrawsABarOnATerminal(t *testing.T) {
	fastPolling(t)
	old := isTerminal
	isTerminal = func(io.Writer) bool { return true }
	t.Cleanup(func() { isTerminal = old })
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			if n == 1 {
				return 200, sampleBatch("importing", map[string]any{"started": 5900, "already_present": 200})
			}
			return 200, sampleBatch("done", map[string]any{"started": 9800, "already_present": 200})
		})
	file := writeFile(t, "opinions.json", `[{"content":"路灯坏了","channel":"hotline","collected_at":"2025-03-01"}]`)

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, errOut)
	}
	for _, want := range []string{
		"uploading opinions.json (",
		"\r[##################------------]  6,100/10,000 started 5,900 · already there 200",
		"\r[" + strings.Repeat("#", 30) + "]  10,000/10,000 started 9,800 · already there 200\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%q", want, out)
		}
	}
	if strings.Contains(out, "importing: ") {
		t.Errorf("line-mode progress on a terminal:\n%s", out)
	}
}

func TestImportWholeFileErrorExits1(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 422, apiErr("file_missing_column", "no content column: want one of 意见内容, 意见建议, 问题描述, content")
	}, nil)
	file := writeFile(t, "ledger.xlsx", "PK\x03\x04 not really a workbook")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "error: 422 file_missing_column: no content column: want one of 意见内容, 意见建议, 问题描述, content\n"; !strings.HasPrefix(errOut, want) {
		t.Errorf("stderr %q, want it to start with %q", errOut, want)
	}
	if !strings.Contains(errOut, "nothing was imported; fix the file") {
		t.Errorf("stderr does not say nothing was imported: %q", errOut)
	}
	if out != "" {
		t.Errorf("stdout should be empty on error, got %q", out)
	}
	if _, polls, _ := api.seen(); len(polls) != 0 {
		t.Errorf("%d polls after a refused upload", len(polls))
	}
}

func TestImportWithRejectionsExits1AndListsThem(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("done", map[string]any{"rows": 10030, "accepted": 10000, "rejected": 30,
			"started": 10000, "rejections": someRejections(25), "rejections_total": 30})
	}, nil)
	file := writeFile(t, "opinions.csv", "x")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 1 {
		t.Errorf("exit %d, want 1 because rows were rejected (stderr %q)", code, errOut)
	}
	for _, want := range []string{
		"Rows read       10,030\n",
		"Rejected        30\n",
		"Rejected rows (first 20 of 30)\n",
		"SHEET     ROW  COLUMN  REASON\n",
		"班子意见  3    来源    unknown channel \"电话0\"\n",
		"班子意见  22   来源    unknown channel \"电话19\"\n",
		"… and 10 more\n",
		"starter batch show b1 --rejections rejected.xlsx",
		api.URL + "/api/v1/batches/b1/rejections.xlsx\n",
		api.URL + "/api/v1/batches/b1/rejections.csv\n",
		"Done: 10,000 rows are in; 30 rows were rejected and not imported.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "电话20") {
		t.Errorf("more than 20 rejections listed:\n%s", out)
	}
}

func TestImportStrictRefusedExits1(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("refused", map[string]any{"strict": true, "rows": 12, "accepted": 10, "rejected": 2,
			"rejections": someRejections(2), "rejections_total": 2})
	}, nil)
	file := writeFile(t, "opinions.csv", "x")

	code, out, _ := runCLI(t, api.URL, "import", "--campaign", "c1", "--strict", file)

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"State           refused (strict)", "Refused: in strict mode 2 invalid rows", "nothing was imported"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestImportDownloadsRejections(t *testing.T) {
	csvBytes := []byte("\xef\xbb\xbfsheet,row,序号,意见内容,来源,reason\r\n班子意见,3,1,'=1+1,电话,unknown channel\r\n")
	xlsxBytes := []byte("PK\x03\x04\x14\x00\x00\x00binary\x00\xff workbook")
	for _, tt := range []struct {
		name, want string
		data       []byte
	}{
		{"out.csv", "/api/v1/batches/b1/rejections.csv", csvBytes},
		{"out.XLSX", "/api/v1/batches/b1/rejections.xlsx", xlsxBytes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			api := newBatchAPI(t, func(u upload) (int, any) {
				return 201, sampleBatch("done", map[string]any{"rows": 10001, "rejected": 1, "started": 10000,
					"rejections": someRejections(1), "rejections_total": 1})
			}, nil)
			api.files["/api/v1/batches/b1/rejections.csv"] = csvBytes
			api.files["/api/v1/batches/b1/rejections.xlsx"] = xlsxBytes
			file := writeFile(t, "opinions.csv", "x")
			out := filepath.Join(t.TempDir(), tt.name)

			code, stdout, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--rejections", out, file)

			if code != 1 {
				t.Errorf("exit %d, want 1 (a row was rejected); stderr %q", code, errOut)
			}
			if _, _, downloads := api.seen(); !reflect.DeepEqual(downloads, []string{tt.want}) {
				t.Errorf("downloads %v, want [%s]", downloads, tt.want)
			}
			got, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("%s holds %q, want %q", tt.name, got, tt.data)
			}
			if !strings.Contains(stdout, "written to "+out) {
				t.Errorf("stdout does not say where the rows went:\n%s", stdout)
			}
			if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestImportFailedDownloadLeavesNoFile(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("done", map[string]any{"rejected": 1, "rejections": someRejections(1), "rejections_total": 1})
	}, nil) // no files: the download answers 404
	out := filepath.Join(t.TempDir(), "rejected.csv")

	code, stdout, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--rejections", out, writeFile(t, "a.csv", "x"))

	if code != 1 || !strings.Contains(errOut, "error: saving the rejected rows to "+out+": 404 not_found") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(stdout, "Rejected rows") {
		t.Errorf("the summary is missing after a failed download:\n%s", stdout)
	}
	if entries, _ := os.ReadDir(filepath.Dir(out)); len(entries) != 0 {
		t.Errorf("files left behind: %v", entries)
	}
}

func TestImportKeepsPollingThroughAnOutage(t *testing.T) {
	fastPolling(t)
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			if n <= 2 {
				return 503, apiErr("unavailable", "server is starting")
			}
			return 200, sampleBatch("done", map[string]any{"started": 10000})
		})
	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", writeFile(t, "a.csv", "x"))
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if strings.Count(errOut, "warning: 503 unavailable") != 1 {
		t.Errorf("want one warning for the outage, stderr %q", errOut)
	}
	if !strings.Contains(out, "Done: all 10,000 rows are in") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestImportCtrlCStopsWaitingNotTheImport(t *testing.T) {
	fastPolling(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) {
			if n == 2 {
				cancel() // the user presses Ctrl-C
			}
			return 200, sampleBatch("importing", map[string]any{"started": 1000 * n})
		})
	var out, errOut bytes.Buffer
	code := runContext(ctx, []string{"--server", api.URL, "--token", testToken, "import", "--campaign", "c1",
		writeFile(t, "a.csv", "x")}, &out, &errOut)

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, want := range []string{"continues on the server", "starter batch show b1"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q: %q", want, errOut.String())
		}
	}
	if _, polls, _ := api.seen(); len(polls) > 3 {
		t.Errorf("kept polling after Ctrl-C: %d polls", len(polls))
	}
}

func TestImportJSONPrintsTheFinalBatch(t *testing.T) {
	fastPolling(t)
	api := newBatchAPI(t,
		func(u upload) (int, any) { return 201, sampleBatch("importing", nil) },
		func(n int) (int, any) { return 200, sampleBatch("done", map[string]any{"started": 10000}) })

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--json", writeFile(t, "a.csv", "x"))

	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var b map[string]any
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, out)
	}
	if b["state"] != "done" || b["started"] != float64(10000) {
		t.Errorf("printed %v, want the final batch", b)
	}
	if !strings.Contains(errOut, "importing: 100%") {
		t.Errorf("progress should go to stderr with --json: %q", errOut)
	}
}

func TestBatchShow(t *testing.T) {
	tests := []struct {
		name     string
		batch    map[string]any
		wantCode int
		want     []string
	}{
		{
			name:     "still importing shows pending",
			batch:    sampleBatch("importing", map[string]any{"id": "b/7", "started": 5900, "already_present": 200}),
			wantCode: 0,
			want:     []string{"Pending         3,900\n", "Still importing: 6,100 of 10,000 rows are in", "starter batch show b/7"},
		},
		{
			name: "done with rejections",
			batch: sampleBatch("done", map[string]any{"id": "b/7", "rows": 10002, "rejected": 2, "started": 10000,
				"rejections": someRejections(2), "rejections_total": 2}),
			wantCode: 1,
			want:     []string{"Rejected        2\n", "班子意见  4    来源    unknown channel", "Done: 10,000 rows are in; 2 rows were rejected"},
		},
		{
			name:     "failed",
			batch:    sampleBatch("failed", map[string]any{"id": "b/7", "started": 7000}),
			wantCode: 1,
			want:     []string{"Failed: the import stopped on the server with 3,000 rows not in"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newBatchAPI(t, nil, func(n int) (int, any) { return 200, tt.batch })
			code, out, errOut := runCLI(t, api.URL, "batch", "show", "b/7")
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			if _, polls, _ := api.seen(); !reflect.DeepEqual(polls, []string{"/api/v1/batches/b%2F7"}) {
				t.Errorf("requests %v, want one GET /api/v1/batches/b%%2F7", polls)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestBatchShowDownloadsRejections(t *testing.T) {
	api := newBatchAPI(t, nil, func(n int) (int, any) {
		return 200, sampleBatch("done", map[string]any{"rejected": 1, "rejections": someRejections(1), "rejections_total": 1})
	})
	api.files["/api/v1/batches/b1/rejections.csv"] = []byte("sheet,row\n班子意见,3\n")
	out := filepath.Join(t.TempDir(), "r.csv")
	code, _, errOut := runCLI(t, api.URL, "batch", "show", "b1", "--rejections", out)
	if code != 1 {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if got, _ := os.ReadFile(out); string(got) != "sheet,row\n班子意见,3\n" {
		t.Errorf("%s holds %q", out, got)
	}
}

func TestImportCommandLineMistakes(t *testing.T) {
	file := writeFile(t, "ok.csv", "x")
	dir := filepath.Join(t.TempDir(), "dir.csv")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"import", file}, 2, "--campaign is required"},
		{[]string{"import", "--campaign", "c1"}, 2, "missing argument"},
		{[]string{"import", "--campaign", "c1", writeFile(t, "notes.txt", "x")}, 2, "want an .xlsx, .csv or .json file"},
		{[]string{"import", "--campaign", "c1", "--rejections", "out.pdf", file}, 2, "want a path ending in .xlsx or .csv"},
		{[]string{"import", "--campaign", "c1", "--strict", "true", file}, 2, "unexpected argument"},
		{[]string{"batch", "show"}, 2, "missing argument"},
		{[]string{"batch", "show", "b1", "--rejections", "r.txt"}, 2, "want a path ending in .xlsx or .csv"},
		{[]string{"import", "--campaign", "c1", filepath.Join(t.TempDir(), "missing.csv")}, 1, "missing.csv"},
		{[]string{"import", "--campaign", "c1", dir}, 1, "dir.csv is not a regular file"},
	}
	api := newBatchAPI(t, func(u upload) (int, any) { return 201, sampleBatch("done", nil) },
		func(n int) (int, any) { return 200, sampleBatch("done", nil) })
	for _, tt := range tests {
		code, _, errOut := runCLI(t, api.URL, tt.args...)
		if code != tt.wantCode || !strings.Contains(errOut, tt.want) {
			t.Errorf("starter %v: exit %d (want %d), stderr %q (want %q)", tt.args, code, tt.wantCode, errOut, tt.want)
		}
	}
	if uploads, polls, _ := api.seen(); len(uploads)+len(polls) != 0 {
		t.Errorf("%d requests sent for bad command lines", len(uploads)+len(polls))
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 10000: "10,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestImportDryRunWithoutBatchID(t *testing.T) {
	// A dry run stores nothing: the answer has no id and no download links.
	dry := sampleBatch("dry_run", map[string]any{"id": "", "dry_run": true, "rows": 3, "accepted": 2, "rejected": 1,
		"rejections": someRejections(1), "rejections_total": 1})
	delete(dry, "rejections_xlsx")
	delete(dry, "rejections_csv")
	api := newBatchAPI(t, func(u upload) (int, any) { return 200, dry }, nil)
	file := writeFile(t, "a.csv", "x")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", "--dry-run", file)
	if code != 1 {
		t.Errorf("exit %d, want 1 (a row would be rejected); stderr %q", code, errOut)
	}
	for _, want := range []string{"Dry run: nothing was imported. 2 rows would be imported, 1 rejected.", "import with --strict"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "batch show") {
		t.Errorf("suggests showing a batch that does not exist:\n%s", out)
	}

	out2 := filepath.Join(t.TempDir(), "r.csv")
	code, _, errOut = runCLI(t, api.URL, "import", "--campaign", "c1", "--dry-run", "--rejections", out2, file)
	if code != 1 || !strings.Contains(errOut, "a dry run stores nothing") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if _, _, downloads := api.seen(); len(downloads) != 0 {
		t.Errorf("tried to download %v for a dry run", downloads)
	}
}

func TestBenchRefusesOpenCountsThatDoNotGrow(t *testing.T) {
	for _, open := range []string{"1000,100", "10,x", "0"} {
		code, _, stderr := runCLI(t, "http://127.0.0.1:1", "bench", "--open", open)
		if code != exitUsage || !strings.Contains(stderr, "--open") {
			t.Errorf("bench --open %s: exit %d, stderr %q; want a usage error naming --open", open, code, stderr)
		}
	}
}

func TestBenchRefusesTwoCPUProfilesAtOnce(t *testing.T) {
	code, _, stderr := runCLI(t, "http://127.0.0.1:1", "bench", "--cpuprofile", t.TempDir()+"/cpu.pprof", "--scale-profiles", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, "--scale-profiles") {
		t.Errorf("exit %d, stderr %q; want a usage error naming --scale-profiles", code, stderr)
	}
}

func TestCampaignLedgerSavesTheFileAskedFor(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		if r.Auth != "Bearer "+testToken {
			return 403, apiErr("forbidden", "this needs the office or leader role")
		}
		return 200, "序号,意见内容"
	})
	out := filepath.Join(t.TempDir(), "整改台账.csv")
	code, stdout, errOut := runCLI(t, api.URL, "campaign", "ledger", "c 1", "--open", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	if r := api.requests()[0]; r.RawPath != "/api/v1/campaigns/c%201/ledger.csv" || r.Query != "open=true" {
		t.Errorf("asked for %s?%s", r.RawPath, r.Query)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "序号,意见内容") {
		t.Errorf("saved %q, %v", data, err)
	}
	if !strings.Contains(stdout, out) {
		t.Errorf("stdout does not say where the ledger went: %s", stdout)
	}
}

func TestCampaignLedgerLeavesNothingBehindWhenRefused(t *testing.T) {
	api := newFakeAPI(t, func(request) (int, any) {
		return 403, apiErr("forbidden", "this needs the office or leader role")
	})
	dir := t.TempDir()
	code, _, errOut := runCLI(t, api.URL, "campaign", "ledger", "c1", "--out", filepath.Join(dir, "l.xlsx"))
	if code == 0 || !strings.Contains(errOut, "office or leader") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused download left %v", entries)
	}
	code, _, errOut = runCLI(t, api.URL, "campaign", "ledger", "c1", "--out", filepath.Join(dir, "l.pdf"))
	if code != 2 || !strings.Contains(errOut, ".xlsx or .csv") {
		t.Errorf("a path of another format: exit %d, stderr %s", code, errOut)
	}
}
