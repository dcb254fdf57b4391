package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
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
