package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestCampaignSettingsPatchesAndListsTheChanges(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		switch {
		case r.Method == http.MethodPatch && r.Path == "/api/v1/campaigns/c1":
			return 200, map[string]any{"id": "c1", "name": "群众路线", "revision": 3}
		case r.Method == http.MethodGet && r.Path == "/api/v1/campaigns/c1/changes":
			return 200, map[string]any{"campaign_id": "c1", "revision": 3, "changes": []any{
				map[string]any{"revision": 3, "at": "2026-11-20T02:00:00Z", "actor": "office", "field": "departments[城管科].aliases",
					"before": []any{}, "after": []any{"城市管理科"}},
				map[string]any{"revision": 3, "at": "2026-11-20T02:00:00Z", "actor": "office", "field": "policy.max_extensions",
					"before": 2, "after": 1},
			}}
		}
		return 404, apiErr("not_found", "no")
	})
	file := writeFile(t, "patch.json", `{"departments": [{"name": "城管科", "aliases": ["城市管理科"]}], "policy": {"max_extensions": 1}}`)
	code, out, errOut := runCLI(t, api.URL, "campaign", "settings", "c1", "--file", file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	reqs := api.requests()
	if len(reqs) != 2 || reqs[0].Method != http.MethodPatch || reqs[0].Body["policy"] == nil {
		t.Fatalf("requests %+v", reqs)
	}
	for _, s := range []string{"campaign c1 is at revision 3", "departments[城管科].aliases", "城市管理科", "policy.max_extensions", "office"} {
		if !strings.Contains(out, s) {
			t.Errorf("stdout lacks %q:\n%s", s, out)
		}
	}

	// Without a file: only the list.
	code, out, _ = runCLI(t, api.URL, "campaign", "settings", "c1")
	if code != 0 || strings.Contains(out, "revision 3\n\n") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	if got := api.requests(); got[len(got)-1].Method != http.MethodGet {
		t.Errorf("without --file nothing is changed: %+v", got)
	}
}

func TestCampaignSettingsShowsTheRefusal(t *testing.T) {
	api := newFakeAPI(t, func(r request) (int, any) {
		return 422, apiErr("invalid_campaign", `departments[城管科].aliases "民政科" is already one of this campaign's departments`)
	})
	file := writeFile(t, "patch.json", `{"departments": [{"name": "城管科", "aliases": ["民政科"]}]}`)
	code, _, errOut := runCLI(t, api.URL, "campaign", "settings", "c1", "--file", file)
	if code == 0 || !strings.Contains(errOut, "departments[城管科].aliases") {
		t.Errorf("exit %d, stderr %s", code, errOut)
	}
}
