package main

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

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
			name:     "resolve sends the day it was fixed",
			args:     []string{"act", "op-1", "resolve", "--department", "城建科", "--official", "official", "--measures", "当场清理", "--evidence", "照片", "--fixed_on", "2025-03-10"},
			wantPath: "/api/v1/opinions/op-1/actions/resolve",
			wantBody: map[string]any{"department": "城建科", "official": "official", "measures": "当场清理", "evidence": "照片", "fixed_on": "2025-03-10"},
		},
		{
			name:     "report-progress sends the percent as a number",
			args:     []string{"act", "op-1", "report-progress", "--measures", "制度起草", "--next", "征求意见", "--percent", "30"},
			wantPath: "/api/v1/opinions/op-1/actions/report-progress",
			wantBody: map[string]any{"measures": "制度起草", "next": "征求意见", "percent": float64(30)},
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
		{"percent out of range", []string{"act", "op-1", "report-progress", "--percent", "120"}, "from 0 to 100"},
		{"bad fixed_on", []string{"act", "op-1", "resolve", "--fixed_on", "yesterday"}, "YYYY-MM-DD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { refusedLocally(t, tt.want, tt.args...) })
	}
}
