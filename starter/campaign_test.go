package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
			"campaign_id": "c1", "collected": 466, "closed": 17, "completion_rate": 0.875, "on_time_rate": nil, "on_the_spot": 12,
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
	for _, s := range []string{"466", "87.5%", "By state", "By category", "50.0%", "Fixed on the spot  12"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}
	if strings.Index(out, "received") > strings.Index(out, "closed  ") {
		t.Errorf("states are not in lifecycle order:\n%s", out)
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
