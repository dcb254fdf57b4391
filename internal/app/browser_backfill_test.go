package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/user"
)

// TestBrowserBringsInAHalfDoneLedger: the office imports its spreadsheet of a
// campaign half done; the import page says how many rows are items under way and
// which row cannot come in, and each item's page shows where it stands, who
// brought it in from which file, and the ledger's days on its timeline.
func TestBrowserBringsInAHalfDoneLedger(t *testing.T) {
	h := startHarnessWithUsers(t, user.User{Username: "zhangsan", Name: "张三", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科"})
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "half", "name": "半程整改"}, 201)
	ledger := halfDoneLedger(t, t.TempDir())
	day := func(daysAgo int) string {
		return time.Now().In(campaignZone).AddDate(0, 0, -daysAgo).Format(domain.DateLayout)
	}

	b.signIn("office")
	b.open("/import")
	b.run(
		chromedp.SetValue(chromedp.CSS(`select[name=campaign]`), "half"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{ledger}),
	)
	b.submitAndWait(`form[enctype="multipart/form-data"] button[type=submit]`)
	b.shot("backfill-batch")
	require.Equal(t, "4", strings.TrimSpace(b.text("#under-way .n")), "four rows are items under way")
	refused := b.text("main")
	require.Contains(t, refused, "验收日期", "the refused row names its column")
	require.Contains(t, refused, "验收日期缺失或无效", "and its rule")

	id := domain.OpinionID("half", "H3")
	require.Eventually(t, func() bool {
		status, _ := h.Call("office", "GET", "/api/v1/opinions/"+id, nil)
		return status == 200
	}, time.Minute, 50*time.Millisecond, "the closed item comes in")
	b.open("/opinions/" + id)
	b.shot("backfill-closed-item")
	require.Contains(t, b.text("main"), "已销号")
	imported := b.text("#imported")
	require.Contains(t, imported, "由 office 于")
	require.Contains(t, imported, "《半程台账.csv》")
	require.Contains(t, imported, "已销号")
	timeline := b.text("main section:last-of-type")
	for _, d := range []string{day(60), day(59), day(45), day(44), day(42)} {
		require.Contains(t, timeline, d+" 台账", "the ledger's day %s is on the timeline, marked as the ledger's", d)
	}
	require.Contains(t, timeline, "导入台账")
	rounds := b.text("#rounds")
	require.Contains(t, rounds, day(45), "the fix on the ledger's day, without a time of day")
	require.Contains(t, rounds, day(44), "and its verification, though the ledger names no verifier")
	require.NotContains(t, rounds, "00:00")
	require.Equal(t, "当前无可办理事项", b.text("#actions p"), "closed before its reopen window ended: its process is over and offers nothing")
}
