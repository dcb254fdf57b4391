package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestBrowserRecordsAFixOnTheSpot: the office records an opinion it already had
// fixed (立行立改) from the opinion's page; a verifier passes it; the item says so
// and the leader's dashboard counts it.
func TestBrowserRecordsAFixOnTheSpot(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	id, today := spotOpinion(h, "spot", "L-1", "办事大厅饮水机坏了")

	b.signIn("office")
	b.open("/opinions/" + id)
	b.act(id, domain.ActionResolve,
		chromedp.SetValue(chromedp.ID("resolve-category"), "服务态度和效率"),
		chromedp.SetValue(chromedp.ID("resolve-department"), "城管科"),
		chromedp.SetValue(chromedp.ID("resolve-official"), "official"),
		chromedp.SendKeys(chromedp.ID("resolve-measures"), "当场更换饮水机"),
		chromedp.SendKeys(chromedp.ID("resolve-evidence"), "更换后照片已存档"))
	b.shot("resolved-on-the-spot")
	require.Equal(t, "立行立改：已于 "+today+" 当场整改", b.text("#on-the-spot"), "fixed today unless the office says otherwise")
	require.Contains(t, b.text("main"), "待核查")
	b.signOut()

	b.signIn("verifier")
	b.act(id, domain.ActionVerify, chromedp.Click(chromedp.CSS(`input[name=pass][value=true]`)))
	b.signOut()

	b.signIn("leader")
	b.open("/dashboard?campaign=spot")
	b.shot("dashboard-on-the-spot")
	require.Equal(t, "1", strings.TrimSpace(b.text(`[data-quality="on_the_spot"]`)), "the dashboard counts it")
	speed := b.text(`#quality-speed`)
	require.Contains(t, speed, "立行立改")
	require.NotContains(t, speed, "限期整改", "counted as 立行立改 although its category is 限期整改")
}

// spotOpinion makes campaign campaignID (城管科 and 民政科) and, in it, an opinion
// heard on a visit today; it answers the opinion's id and today's date.
func spotOpinion(h *harness, campaignID, key, content string) (id, today string) {
	h.t.Helper()
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": campaignID, "name": "立行立改",
		"departments": []string{"城管科", "民政科"}}, 201)
	today = time.Now().In(campaignZone).Format(domain.DateLayout)
	id = h.Must("office", "POST", "/api/v1/campaigns/"+campaignID+"/opinions", map[string]any{"key": key,
		"content": content, "channel": "visit", "collected_at": today}, 201)["id"].(string)
	return id, today
}
