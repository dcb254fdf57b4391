package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

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
