package app

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/user"
	"rectify/workflows"
)

// halfDoneHeader is a 整改台账 kept on a spreadsheet mid-campaign.
const halfDoneHeader = "编号,意见内容,来源,收集时间,问题类别,责任单位,整改状态,责任人,整改措施,整改时限,交办日期,完成日期,验收日期,销号日期,满意度"

// halfDoneLedger writes the office's spreadsheet: an item in progress past its
// deadline, one closed on time, one closed late, one waiting for verification, an
// opinion not yet handled, and a closed row without its day of verification.
func halfDoneLedger(t *testing.T, dir string) string {
	today := time.Now().In(campaignZone)
	day := func(daysAgo int) string { return today.AddDate(0, 0, -daysAgo).Format(domain.DateLayout) }
	rows := []string{
		fmt.Sprintf("H1,背街小巷路灯不亮,热线,%s,群众需要解决的问题,城管科,整改中,张三,更换灯具,%s,%s,,,,", day(40), day(5), day(39)),
		fmt.Sprintf("H2,菜市场周边占道经营,热线,%s,群众需要解决的问题,城管科,已销号,official,规范摊位,%s,%s,%s,%s,%s,满意", day(60), day(13), day(59), day(14), day(12), day(10)),
		fmt.Sprintf("H3,小区垃圾清运不及时,来信,%s,群众需要解决的问题,城管科,已销号,张三,增加清运频次,%s,%s,%s,%s,%s,基本满意", day(60), day(50), day(59), day(45), day(44), day(42)),
		fmt.Sprintf("H4,公厕无人保洁,热线,%s,群众需要解决的问题,城管科,待验收,official,落实保洁责任,%s,%s,%s,,,", day(20), day(2), day(19), day(3)),
		fmt.Sprintf("H5,公交站台破损,热线,%s,,,,,,,,,,,", day(3)),
		fmt.Sprintf("H6,绿化带杂草丛生,热线,%s,群众需要解决的问题,城管科,已销号,张三,除草,%s,%s,%s,,,满意", day(30), day(10), day(29), day(12)),
	}
	return ledgerFile(t, dir, "半程台账.csv", halfDoneHeader, rows...)
}

// A campaign half done on spreadsheets comes in with its real days: each item in
// the state the ledger gives, its timeline dated by the ledger and marked
// imported, its figures counted with those days; from there it goes on live, and
// importing the file again changes nothing.
func TestAHalfDoneLedgerComesInWhereItStandsWithItsRealDays(t *testing.T) {
	h := startHarnessWithUsers(t, user.User{Username: "zhangsan", Name: "张三", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科"})
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "half", "name": "半程整改"}, http.StatusCreated)
	path := halfDoneLedger(t, t.TempDir())
	today := time.Now().In(campaignZone)
	day := func(daysAgo int) string { return today.AddDate(0, 0, -daysAgo).Format(domain.DateLayout) }

	status, dry := h.Upload("office", "/api/v1/campaigns/half/batches", path, map[string]string{"dry_run": "true"})
	require.Equal(t, http.StatusOK, status, "%v", dry)
	require.EqualValues(t, 5, dry["accepted"])
	require.EqualValues(t, 4, dry["under_way"])
	rejection := dry["rejections"].([]any)[0].(map[string]any)
	require.EqualValues(t, 7, rejection["row"])
	require.Equal(t, "验收日期", rejection["column"])
	require.Equal(t, "invalid_verified_on", rejection["code"])
	require.Empty(t, h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=half", nil, http.StatusOK)["items"], "a dry run starts nothing")

	batch := h.importDone(t, "half", path)
	require.EqualValues(t, 5, batch["started"])
	require.EqualValues(t, 4, batch["under_way"])
	opinion := func(key string) map[string]any {
		return h.Must("office", http.MethodGet, "/api/v1/opinions/"+domain.OpinionID("half", key), nil, http.StatusOK)
	}
	dayOf := func(v any) string {
		at, err := time.Parse(time.RFC3339Nano, v.(string))
		require.NoError(t, err)
		return at.In(campaignZone).Format(domain.DateLayout)
	}

	h1 := opinion("H1")
	require.Equal(t, "in_progress", h1["state"])
	require.Equal(t, "zhangsan", h1["official"], "the ledger's 张三 is the user of that name")
	imported := h1["imported"].(map[string]any)
	require.Equal(t, "office", imported["by"])
	require.Equal(t, "半程台账.csv", imported["file"])
	require.Equal(t, batch["id"], imported["batch"])
	timeline := h1["timeline"].([]any)
	first, assigned := timeline[0].(map[string]any), timeline[1].(map[string]any)
	require.Equal(t, day(40), dayOf(first["at"]), "received the day the ledger says it was collected")
	require.Equal(t, day(39), dayOf(assigned["at"]))
	require.Equal(t, "true", assigned["detail"].(map[string]any)["imported"])
	require.Equal(t, "import", timeline[2].(map[string]any)["action"])
	require.Eventually(t, func() bool {
		level := opinion("H1")["overdue_level"]
		return level != "none" && level != "due_soon"
	}, time.Minute, 50*time.Millisecond, "its deadline passed five days ago: it is on the ladder at once")

	h2, h3 := opinion("H2"), opinion("H3")
	require.Equal(t, "closed", h2["state"])
	require.Equal(t, true, h2["on_time"])
	require.Equal(t, day(10), dayOf(h2["closed_at"]), "closed the day the ledger says")
	require.Positive(t, h2["working_days_to_close"])
	require.Equal(t, false, h3["on_time"], "its fix came after the ledger's deadline")
	require.Equal(t, "basically", h3["satisfaction"])
	require.Equal(t, "received", opinion("H5")["state"], "a row without a state is an opinion to triage")

	stats := h.Must("leader", http.MethodGet, "/api/v1/campaigns/half/stats", nil, http.StatusOK)
	require.EqualValues(t, 5, stats["collected"])
	require.EqualValues(t, 2, stats["closed"])
	require.EqualValues(t, 1, stats["closed_on_time"])

	// Live from here: the verifier takes the imported fix, a closed item can be
	// reopened like any other, and one closed before its reopen window has ended.
	h4 := domain.OpinionID("half", "H4")
	require.Equal(t, "awaiting_callback", h.Act("verifier", h4, "verify", map[string]any{"pass": true, "reason": "现场核实"}, http.StatusOK)["state"])
	require.Equal(t, "in_progress", h.Act("office", domain.OpinionID("half", "H2"), "reopen",
		map[string]any{"reason": "群众再次反映"}, http.StatusOK)["state"])
	h.Act("office", domain.OpinionID("half", "H3"), "reopen", map[string]any{"reason": "群众再次反映"}, http.StatusConflict)

	again := h.importDone(t, "half", path)
	require.EqualValues(t, 0, again["started"])
	require.EqualValues(t, 5, again["already_present"], "importing the file again changes nothing")
	require.Equal(t, "in_progress", opinion("H2")["state"])

	recordHistory(t, h, workflows.OpinionWorkflowID(domain.OpinionID("half", "H3")), "backfilled_closed")
}
