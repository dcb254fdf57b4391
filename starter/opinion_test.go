package main

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

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
		"--category", "四风", "--department", "城建科", "--mine", "--overdue", "--limit", "1", "--page-token", "p1",
		"--q", "停车", "--channel", "hotline")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := "assignee=me&campaign=c1&category=%E5%9B%9B%E9%A3%8E&channel=hotline&department=%E5%9F%8E%E5%BB%BA%E7%A7%91&limit=1&overdue=true&page_token=p1&q=%E5%81%9C%E8%BD%A6&state=in_progress"
	if r := api.requests()[0]; r.Method != http.MethodGet || r.Path != "/api/v1/opinions" || r.Query != want {
		t.Errorf("request %s %s?%s, want GET /api/v1/opinions?%s", r.Method, r.Path, r.Query, want)
	}
	for _, s := range []string{"op-1", "in_progress", "城建科", "1 of 7", "--page-token p2"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
}

func TestOpinionListSendsTheTriageFilters(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) { return 200, map[string]any{"opinions": []any{}, "total": 0} })
	code, _, errOut := runCLI(t, api.URL, "opinion", "list", "--suggested-category", "四风", "--collected-from", "2025-03-01",
		"--collected-to", "2025-03-31", "--target", "张三", "--target-kind", "individual")
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	want := "collected_from=2025-03-01&collected_to=2025-03-31&suggested_category=%E5%9B%9B%E9%A3%8E&target=%E5%BC%A0%E4%B8%89&target_kind=individual"
	if q := api.requests()[0].Query; q != want {
		t.Errorf("query %s, want %s", q, want)
	}
}

func TestOpinionListRefusesABadFilterWithoutCallingTheServer(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--collected-from", "2025-3-1"}, `--collected-from "2025-3-1" is not a date`},
		{[]string{"--collected-to", "yesterday"}, `--collected-to "yesterday" is not a date`},
		{[]string{"--target-kind", "leader"}, "want team or individual"},
	} {
		api := newFakeAPI(t, func(r request) (int, any) { return 200, map[string]any{"opinions": []any{}, "total": 0} })
		code, _, errOut := runCLI(t, api.URL, append([]string{"opinion", "list"}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.want) || len(api.requests()) != 0 {
			t.Errorf("%v: exit %d, %d requests, stderr %q; want 2, none, %q", tt.args, code, len(api.requests()), errOut, tt.want)
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
