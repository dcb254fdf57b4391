package main

import (
	"reflect"
	"strings"
	"testing"
)

// A problem made with one opinion that could not join is listed with why, and
// the command exits 1; the body carries the title and the opinions as given.
func TestProblemCreateSaysWhichOpinionDidNotJoin(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 207, map[string]any{"id": "P-1", "title": r.Body["title"], "state": "open", "opinions": []string{"a"},
			"tasks": []any{}, "results": []any{
				map[string]any{"id": "a", "status": 200},
				map[string]any{"id": "b", "status": 409, "error": map[string]any{"Code": "wrong_state", "Message": "cannot group an opinion that is assigned"}},
			}}
	})
	code, out, _ := runCLI(t, api.URL, "problem", "create", "--campaign", "c1", "--title", "路灯失修", "--opinions", "a, b")
	if code != 1 {
		t.Errorf("exit %d, want 1: an opinion did not join", code)
	}
	reqs := api.requests()
	if len(reqs) != 1 || reqs[0].Path != "/api/v1/campaigns/c1/problems" {
		t.Fatalf("requests %+v, want one POST /api/v1/campaigns/c1/problems", reqs)
	}
	if got := reqs[0].Body["opinions"]; !reflect.DeepEqual(got, []any{"a", "b"}) {
		t.Errorf("opinions sent %v, want [a b]", got)
	}
	for _, want := range []string{"P-1", "路灯失修", "not grouped: b: cannot group an opinion that is assigned (wrong_state)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// add-task sends the lead unit and co-units, and refuses a malformed date itself.
func TestProblemAddTaskSendsTheUnits(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 201, map[string]any{"id": "T-1-1", "state": "assigned", "department": r.Body["lead"], "official": r.Body["official"], "deadline": "2026-12-15"}
	})
	code, out, _ := runCLI(t, api.URL, "problem", "add-task", "P-1", "--lead", "城管科", "--co-units", "民政科,财政所",
		"--official", "official", "--leader", "leader")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	r := api.requests()[0]
	if r.Path != "/api/v1/problems/P-1/tasks" || r.Body["lead"] != "城管科" || !reflect.DeepEqual(r.Body["co_units"], []any{"民政科", "财政所"}) {
		t.Errorf("request %+v", r)
	}
	if !strings.Contains(out, "task T-1-1: assigned, lead unit 城管科") {
		t.Errorf("output:\n%s", out)
	}
	if code, _, errOut := runCLI(t, api.URL, "problem", "add-task", "P-1", "--lead", "城管科", "--official", "o", "--leader", "l",
		"--deadline", "2026-1-5"); code != 2 || !strings.Contains(errOut, "--deadline") {
		t.Errorf("a malformed deadline: exit %d, %s", code, errOut)
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests; the malformed date must not reach the server", n)
	}
}
