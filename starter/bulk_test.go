package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/service"
	"rectify/internal/web/i18n"
)

// starter refuses an action a bulk does not take before asking the server, so its
// list must be the server's.
func TestBulkListsTheActionsTheServerTakes(t *testing.T) {
	var names []string
	for _, a := range service.BulkActions {
		names = append(names, string(a))
	}
	require.Equal(t, names, bulkActions)
	require.Equal(t, service.MaxBulkOpinions, maxBulkOpinions)
	for _, a := range bulkActions {
		for _, lang := range i18n.Languages {
			for _, key := range []string{"cli.bulk.done." + a, "cli.bulk.verb." + a} {
				_, ok := i18n.Catalogue(lang)[key]
				require.True(t, ok, "%s has no %s text", key, lang)
			}
		}
	}
}

// sampleBulk is a bulk as the API returns it; set overrides fields.
func sampleBulk(state string, set map[string]any) map[string]any {
	b := map[string]any{
		"id": "k1", "campaign_id": "c1", "action": "assign", "body": map[string]any{},
		"created_by": "office", "created_at": "2025-06-10T02:00:00Z", "state": state,
		"total": 3, "done": 0, "refused": 0, "waiting": 3,
	}
	for k, v := range set {
		b[k] = v
	}
	return b
}

// listed is an opinion as the list returns it.
func listed(id, state string) map[string]any {
	op := sampleOpinion(id, state)
	delete(op, "timeline")
	return op
}

// postedIDs returns the opinions of the bulks posted, one list per POST.
func postedIDs(t *testing.T, reqs []request) [][]string {
	t.Helper()
	var out [][]string
	for _, r := range reqs {
		if r.Method != http.MethodPost {
			continue
		}
		if r.Path != "/api/v1/campaigns/c1/bulk" {
			t.Errorf("POST %s, want /api/v1/campaigns/c1/bulk", r.Path)
		}
		var ids []string
		for _, id := range r.Body["opinions"].([]any) {
			ids = append(ids, id.(string))
		}
		out = append(out, ids)
	}
	return out
}

// doneAt200 answers a bulk POST with the bulk done, every opinion listed done.
func doneAt200(r request) (int, any) {
	ids := r.Body["opinions"].([]any)
	var results []any
	for _, id := range ids {
		results = append(results, map[string]any{"id": id, "status": "done"})
	}
	return 200, sampleBulk("done", map[string]any{"action": r.Body["action"], "total": len(ids), "done": len(ids),
		"waiting": 0, "results": results})
}

func TestBulkSendsTheIdsOfTheFlagAndTheFile(t *testing.T) {
	api := newFakeAPI(t, doneAt200)
	file := writeFile(t, "ids.txt", "\ufeff# 路灯 duplicates\r\nop-3\r\n\r\n  op-4   # the old one\r\nop-1\n")

	code, out, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "categorize", "--category", "群众需要解决的问题",
		"--opinions", "op-1, op-2", "--file", file)

	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	reqs := api.requests()
	if got, want := postedIDs(t, reqs), [][]string{{"op-1", "op-2", "op-3", "op-4"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("posted %v, want %v (flag first, then the file, each once)", got, want)
	}
	if len(reqs) != 1 {
		t.Errorf("%d requests, want the POST alone: ids need no list", len(reqs))
	}
	want := map[string]any{"action": "categorize", "opinions": reqs[0].Body["opinions"],
		"body": map[string]any{"category": "群众需要解决的问题"}}
	if !reflect.DeepEqual(reqs[0].Body, want) {
		t.Errorf("body %v, want %v", reqs[0].Body, want)
	}
	if !strings.Contains(errOut, "1 id is listed more than once") {
		t.Errorf("stderr does not say op-1 was listed twice: %q", errOut)
	}
	if !strings.Contains(out, "Done: all 4 opinions categorized.") {
		t.Errorf("stdout lacks the verdict:\n%s", out)
	}
}

func TestBulkRefusesAnIDFileLineWithTwoIDs(t *testing.T) {
	api := newFakeAPI(t, doneAt200)
	file := writeFile(t, "ids.txt", "op-1\nop-2 op-3\n")
	code, _, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "reject", "--reason", "重复", "--file", file)
	if code != 1 || !strings.Contains(errOut, "ids.txt:2:") || len(api.requests()) != 0 {
		t.Errorf("exit %d, %d requests, stderr %q; want 1, none, the line named", code, len(api.requests()), errOut)
	}
}

// listAPI answers the opinion list with pages of the given ids per state (each
// inner slice a page, its token the page's index) and bulk POSTs with doneAt200.
func listAPI(t *testing.T, pages map[string][][]string) *fakeAPI {
	return newFakeAPI(t, func(r request) (int, any) {
		if r.Method == http.MethodPost {
			return doneAt200(r)
		}
		q, _ := url.ParseQuery(r.Query)
		of := pages[q.Get("state")]
		n, _ := strconv.Atoi(q.Get("page_token")) // "" is the first page
		total := 0
		for _, p := range of {
			total += len(p)
		}
		page := map[string]any{"opinions": []any{}, "total": total}
		if n < len(of) {
			var ops []any
			for _, id := range of[n] {
				ops = append(ops, listed(id, q.Get("state")))
			}
			page["opinions"] = ops
		}
		if n+1 < len(of) {
			page["next_page_token"] = fmt.Sprint(n + 1)
		}
		return 200, page
	})
}

func TestBulkWithFiltersPagesThroughTheListAndPostsThoseIDs(t *testing.T) {
	api := listAPI(t, map[string][][]string{
		"received":    {{"op-1", "op-2"}, {"op-3"}},
		"categorized": {{"op-4"}},
	})

	code, out, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "reject", "--reason", "测试数据",
		"--q", "测试", "--collected-from", "2025-03-01", "--yes")

	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var lists []string
	for _, r := range api.requests() {
		if r.Method == http.MethodGet {
			if r.Path != "/api/v1/opinions" {
				t.Errorf("GET %s, want the opinion list", r.Path)
			}
			lists = append(lists, r.Query)
		}
	}
	// Without --state, the triage states; the first page of each, then the rest.
	want := []string{
		"campaign=c1&collected_from=2025-03-01&limit=500&q=%E6%B5%8B%E8%AF%95&state=received",
		"campaign=c1&collected_from=2025-03-01&limit=500&q=%E6%B5%8B%E8%AF%95&state=categorized",
		"campaign=c1&collected_from=2025-03-01&limit=500&q=%E6%B5%8B%E8%AF%95&state=returned",
		"campaign=c1&collected_from=2025-03-01&limit=500&page_token=1&q=%E6%B5%8B%E8%AF%95&state=received",
	}
	if !reflect.DeepEqual(lists, want) {
		t.Errorf("list queries\n%s\nwant\n%s", strings.Join(lists, "\n"), strings.Join(want, "\n"))
	}
	if got, want := postedIDs(t, api.requests()), [][]string{{"op-1", "op-2", "op-4", "op-3"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("posted %v, want %v", got, want)
	}
	if strings.Contains(out, "[y/N]") {
		t.Errorf("--yes asked anyway:\n%s", out)
	}
	if !strings.Contains(out, "Done: all 4 opinions rejected.") {
		t.Errorf("stdout lacks the verdict:\n%s", out)
	}
}

func TestBulkRefusesMoreOpinionsThanABulkTakes(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 200, map[string]any{"opinions": []any{listed("op-1", "received")}, "total": 10_001, "next_page_token": "1"}
	})

	code, _, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "assign", "--department", "城管科",
		"--state", "received", "--yes")

	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	wantAll(t, "stderr", errOut, "10,001 opinions match", "at most 10,000", "Narrow the filter")
	if reqs := api.requests(); len(reqs) != 1 || reqs[0].Method != http.MethodGet {
		t.Errorf("requests %v, want the first page of the list alone", reqs)
	}
}

func TestBulkAsksBeforeActingOnWhatFiltersSelect(t *testing.T) {
	for _, tt := range []struct {
		answer string
		sent   bool
	}{
		{"n\n", false},
		{"", false}, // a closed stdin is no
		{"whatever\n", false},
		{"y\n", true},
		{"YES\n", true},
	} {
		t.Run(fmt.Sprintf("%q", tt.answer), func(t *testing.T) {
			api := listAPI(t, map[string][][]string{"categorized": {{"op-1", "op-2", "op-3"}}})
			code, out, errOut := runCLIInput(t, api.URL, tt.answer, "bulk", "--campaign", "c1", "assign",
				"--department", "城管科", "--official", "official", "--leader", "leader", "--state", "categorized")

			if !strings.Contains(out, "3 opinions match") || !strings.Contains(out, "Assign 3 opinions? [y/N]") {
				t.Errorf("stdout lacks the count and the question:\n%s", out)
			}
			posts := postedIDs(t, api.requests())
			if tt.sent {
				if code != 0 || len(posts) != 1 {
					t.Errorf("exit %d, %d posts; want 0 and the bulk sent (stderr %q)", code, len(posts), errOut)
				}
				return
			}
			if code != 1 || len(posts) != 0 || !strings.Contains(errOut, "nothing was sent") {
				t.Errorf("exit %d, %d posts, stderr %q; want 1, none, nothing was sent", code, len(posts), errOut)
			}
		})
	}
}

func TestBulkDryRunShowsTheCountAndTheFirstAndSendsNothing(t *testing.T) {
	var ids []string
	for i := range 12 {
		ids = append(ids, fmt.Sprintf("op-%02d", i))
	}
	api := listAPI(t, map[string][][]string{"received": {ids}})

	code, out, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "reject", "--reason", "测试数据",
		"--state", "received", "--dry-run")

	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	wantAll(t, "stdout", out, "12 opinions match", "op-00", "op-09", "… and 2 more", "路灯坏了三个月", "Dry run: nothing was sent")
	if strings.Contains(out, "op-10") || strings.Contains(out, "[y/N]") {
		t.Errorf("stdout shows more than the first ten, or asks:\n%s", out)
	}
	if posts := postedIDs(t, api.requests()); len(posts) != 0 {
		t.Errorf("a dry run posted %v", posts)
	}

	// With --json, the request it would send.
	code, out, _ = runCLI(t, api.URL, "bulk", "--campaign", "c1", "reject", "--reason", "测试数据",
		"--state", "received", "--dry-run", "--json")
	var req map[string]any
	if err := json.Unmarshal([]byte(out), &req); code != 0 || err != nil {
		t.Fatalf("exit %d, stdout not JSON (%v):\n%s", code, err, out)
	}
	if req["action"] != "reject" || len(req["opinions"].([]any)) != 12 || !reflect.DeepEqual(req["body"], map[string]any{"reason": "测试数据"}) {
		t.Errorf("dry-run JSON %v", req)
	}
}

func TestBulkFollowsARunningBulkAndListsTheRefused(t *testing.T) {
	fastPolling(t)
	polls := 0
	api := newFakeAPI(t, func(r request) (int, any) {
		switch {
		case r.Method == http.MethodPost:
			return 202, sampleBulk("running", nil)
		case r.Query == "limit=1":
			polls++
			if polls == 1 {
				return 200, sampleBulk("running", map[string]any{"done": 1, "waiting": 2,
					"results": []any{map[string]any{"id": "op-1", "status": "done"}}, "next_page_token": "1"})
			}
			return 200, sampleBulk("done", map[string]any{"done": 1, "refused": 2, "waiting": 0,
				"finished_at": "2025-06-10T02:01:00Z",
				"results":     []any{map[string]any{"id": "op-1", "status": "done"}}, "next_page_token": "1"})
		case r.Query == "page_token=1":
			return 200, sampleBulk("done", map[string]any{"done": 1, "refused": 2, "waiting": 0,
				"results":         []any{map[string]any{"id": "op-2", "status": "refused", "error": map[string]any{"code": "wrong_state", "message": "cannot assign an opinion that is assigned"}}},
				"next_page_token": "2"})
		case r.Query == "page_token=2":
			return 200, sampleBulk("done", map[string]any{"done": 1, "refused": 2, "waiting": 0,
				"results": []any{map[string]any{"id": "op-3", "status": "refused", "error": map[string]any{"code": "opinion_not_found", "message": "no opinion op-3"}}}})
		}
		t.Errorf("unexpected %s %s?%s", r.Method, r.Path, r.Query)
		return 404, apiErr("not_found", "no")
	})

	code, out, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "assign", "--department", "城管科",
		"--official", "official", "--leader", "leader", "--opinions", "op-1,op-2,op-3")

	if code != 1 {
		t.Errorf("exit %d, want 1: two were refused (stderr %q)", code, errOut)
	}
	for _, r := range api.requests()[1:] {
		if r.Method != http.MethodGet || r.Path != "/api/v1/bulks/k1" {
			t.Errorf("%s %s, want GET /api/v1/bulks/k1", r.Method, r.Path)
		}
	}
	wantAll(t, "stdout", out,
		"bulk k1: assign 3 opinions of campaign c1",
		"done 1/3, refused 0",
		"done 1/3, refused 2",
		"op-2  wrong_state        cannot assign an opinion that is assigned",
		"op-3  opinion_not_found  no opinion op-3",
		"Done: 1 of 3 opinions assigned; 2 refused")
	if strings.Contains(out, "op-1  ") {
		t.Errorf("a done opinion is listed as refused:\n%s", out)
	}

	// --json prints the bulk with every result.
	polls = 0
	code, out, _ = runCLI(t, api.URL, "bulk", "--campaign", "c1", "assign", "--department", "城管科",
		"--official", "official", "--leader", "leader", "--opinions", "op-1,op-2,op-3", "--json")
	var b bulkJob
	if err := json.Unmarshal([]byte(out), &b); code != 1 || err != nil {
		t.Fatalf("exit %d, stdout not JSON (%v):\n%s", code, err, out)
	}
	if b.State != "done" || len(b.Results) != 3 || b.Results[2].Error.Code != "opinion_not_found" || b.NextPageToken != "" {
		t.Errorf("--json bulk %+v, want done with all three results", b)
	}
}

func TestBulkStopsWaitingOnCtrlC(t *testing.T) {
	fastPolling(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := newFakeAPI(t, func(r request) (int, any) {
		if r.Method == http.MethodGet {
			cancel() // the user presses Ctrl-C
		}
		return 202, sampleBulk("running", nil)
	})
	var out, errOut bytes.Buffer
	code := runContext(ctx, []string{"--server", api.URL, "--token", testToken, "bulk", "--campaign", "c1",
		"cancel", "--reason", "重复", "--opinions", "op-1"}, strings.NewReader(""), &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "stopped waiting: bulk k1 goes on on the server") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// ctrlCReader stands for a terminal where the user presses Ctrl-C instead of
// answering: reading cancels the context, then waits until the test ends.
type ctrlCReader struct {
	cancel context.CancelFunc
	done   chan struct{}
}

func (r ctrlCReader) Read([]byte) (int, error) {
	r.cancel()
	<-r.done
	return 0, io.EOF
}

func TestBulkQuestionEndsOnCtrlC(t *testing.T) {
	api := listAPI(t, map[string][][]string{"received": {{"op-1"}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	defer close(done)
	var out, errOut bytes.Buffer
	code := runContext(ctx, []string{"--server", api.URL, "--token", testToken, "bulk", "--campaign", "c1",
		"reject", "--reason", "测试", "--state", "received"}, ctrlCReader{cancel, done}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "nothing was sent") || len(postedIDs(t, api.requests())) != 0 {
		t.Errorf("exit %d, stderr %q, %d posts; want 1, nothing was sent, none", code, errOut.String(), len(postedIDs(t, api.requests())))
	}
}

func TestBulkRefusesBadCommandLinesWithoutCallingTheServer(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown action", []string{"approve", "--opinions", "op-1"}, `unknown action "approve" (one of: categorize, assign, merge, reject, cancel)`},
		{"a single action", []string{"sign", "--opinions", "op-1"}, "starter act <opinion-id> sign"},
		{"no action", []string{"--opinions", "op-1"}, "missing argument"},
		{"no opinions", []string{"reject", "--reason", "x"}, "say which opinions"},
		{"ids and filters", []string{"reject", "--opinions", "op-1", "--q", "路灯"}, "not both"},
		{"a state and a file", []string{"reject", "--file", "ids.txt", "--state", "received"}, "not both"},
		{"empty ids", []string{"reject", "--opinions", " , "}, "--opinions lists no id"},
		{"empty states", []string{"reject", "--state", ","}, "--state names no state"},
		{"unknown state", []string{"reject", "--state", "received,open"}, `unknown --state "open"`},
		{"bad date filter", []string{"reject", "--collected-to", "2025/03/01"}, "--collected-to"},
		{"bad deadline", []string{"assign", "--opinions", "op-1", "--deadline", "next friday"}, "YYYY-MM-DD"},
		{"body not an object", []string{"reject", "--opinions", "op-1", "--body", "[]"}, "--body must be a JSON object"},
		{"a flag bulk does not take", []string{"reject", "--opinions", "op-1", "--evidence", "x"}, "-evidence"},
		{"too many ids", []string{"reject", "--opinions", manyIDs(10_001)}, "10,001 opinions listed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refusedLocally(t, tt.want, append(append([]string{"bulk"}, tt.args...), "--campaign", "c1")...)
		})
	}
	refusedLocally(t, "--campaign is required", "bulk", "reject", "--opinions", "op-1")
}

// manyIDs is n distinct ids, comma-separated.
func manyIDs(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("op-%d", i)
	}
	return strings.Join(ids, ",")
}

// The same flags make the same body whether act sends it to one opinion or bulk to
// many.
func TestBulkSendsTheBodyActWouldSend(t *testing.T) {
	for _, flags := range [][]string{
		{"assign", "--department", "城管科", "--official", "official", "--leader", "leader", "--measures", "集中排查", "--deadline", "2025-03-14"},
		{"assign", "--body", `{"department":"城建科","report_every_months":3}`, "--department", "城管科", "--official", "official", "--leader", "leader"},
		{"assign", "--report_every_months", "6", "--department", "城管科"},
		{"categorize", "--category", "群众需要解决的问题"},
		{"merge", "--into", "op-9", "--reason", "反映同一路段"},
		{"reject", "--reason", "不属于本次活动范围"},
		{"cancel", "--body", `{"reason":"重复"}`},
	} {
		t.Run(strings.Join(flags, " "), func(t *testing.T) {
			api := newFakeAPI(t, func(r request) (int, any) {
				if strings.HasSuffix(r.Path, "/bulk") {
					return doneAt200(r)
				}
				return 200, sampleOpinion("op-1", "assigned")
			})
			if code, _, errOut := runCLI(t, api.URL, append([]string{"act", "op-1"}, flags...)...); code != 0 {
				t.Fatalf("act: exit %d, stderr %s", code, errOut)
			}
			if code, _, errOut := runCLI(t, api.URL, append([]string{"bulk", "--campaign", "c1", "--opinions", "op-1"}, flags...)...); code != 0 {
				t.Fatalf("bulk: exit %d, stderr %s", code, errOut)
			}
			reqs := api.requests()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want the action and the bulk", len(reqs))
			}
			if reqs[1].Body["action"] != flags[0] {
				t.Errorf("bulk action %v, want %s", reqs[1].Body["action"], flags[0])
			}
			if !reflect.DeepEqual(reqs[1].Body["body"], reqs[0].Body) {
				t.Errorf("bulk body %v, act body %v", reqs[1].Body["body"], reqs[0].Body)
			}
		})
	}
}

func TestBulkRefusedWholeSaysWhy(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 422, apiErr("reason_required", "reason: a rejection needs a reason")
	})
	code, _, errOut := runCLI(t, api.URL, "bulk", "--campaign", "c1", "reject", "--opinions", "op-1")
	if code != 1 || !strings.Contains(errOut, "422 reason_required: reason: a rejection needs a reason") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
