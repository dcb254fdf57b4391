package main

import (
	"strings"
	"testing"

	"rectify/internal/web/i18n"
)

func TestImportSummarySaysWhichRowsWereAlreadyThereRefusedForAKeyOrWarned(t *testing.T) {
	api := newBatchAPI(t, func(u upload) (int, any) {
		return 201, sampleBatch("done", map[string]any{"rows": 40, "accepted": 39, "rejected": 1, "refused": 2,
			"started": 36, "already_present": 2, "key_conflicts": 1, "accepted_with_warnings": 1, "warnings_total": 1, "under_way": 5,
			"rejections": []any{
				map[string]any{"sheet": "", "row": 5, "column": "来源", "reason": `"传真" is not a channel`},
				map[string]any{"sheet": "", "row": 9, "column": "意见编号", "reason": `key "TJ-7" already belongs to opinion op-7, which differs in content`},
			},
			"rejections_total": 2,
			"warnings": []any{map[string]any{"sheet": "", "row": 12, "column": "涉及单位", "code": "unknown_department",
				"reason": `"城市管理科" is not one of this campaign's departments; kept as written for triage`}},
			"already_present_rows": []any{
				map[string]any{"sheet": "", "row": 3, "serial": "2", "opinion_id": "op-2"},
				map[string]any{"sheet": "", "row": 4, "serial": "3", "opinion_id": "op-3"},
			}})
	}, nil)
	file := writeFile(t, "座谈会.csv", "x")

	code, out, errOut := runCLI(t, api.URL, "import", "--campaign", "c1", file)

	if code != 1 {
		t.Errorf("exit %d, want 1: rows were refused (stderr %q)", code, errOut)
	}
	for _, want := range []string{
		"Rejected        2\n",
		"Key conflicts   1\n",
		"With warnings   1\n",
		"Under way       5\n",
		"Started         36\n",
		"Already there   2\n",
		`already belongs to opinion op-7`,
		"Rows imported with warnings (imported; confirm at triage)\n",
		"12   涉及单位",
		"Rows already there\n",
		"SHEET  ROW  NO.  OPINION\n",
		"-      3    2    op-2\n",
		"Done: 38 rows are in; 2 rows were rejected and not imported.\n",
		"1 row names a department or category the campaign does not know",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
}

func TestImportIsStillImportingWhileTheLedgerDoesNotShowEveryOpinion(t *testing.T) {
	b := batch{ID: "b1", State: stateImporting, Accepted: 6000, Started: 6000}
	v := verdict(&env{lang: i18n.English}, b)
	if !strings.Contains(v, "every row is through; waiting until the ledger shows every opinion") {
		t.Errorf("verdict %q does not say what it waits for", v)
	}
}
