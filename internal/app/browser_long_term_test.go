package app

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestBrowserALongTermItemReportsAndIsConcluded: the official of a long-term item
// (长期坚持) files its monthly progress report from the item's page, which shows
// 持续整改中, the report and the next one's day; the leader concludes the track and
// the item goes to verification.
func TestBrowserALongTermItemReportsAndIsConcluded(t *testing.T) {
	h := startHarness(t)
	b := newBrowser(t, h.Base)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "long", "name": "长期坚持",
		"departments": []string{"城管科", "民政科"}}, 201)
	today := time.Now().In(campaignZone)
	id := h.Must("office", "POST", "/api/v1/campaigns/long/opinions", map[string]any{"key": "C-1",
		"content": "会议审批没有制度", "channel": "symposium", "collected_at": today.Format(domain.DateLayout)}, 201)["id"].(string)
	h.Act("office", id, "categorize", map[string]any{"category": "制度漏洞"}, 200)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, 200)
	firstDue := onWorkday(today.AddDate(0, 1, 0), 1)

	b.signIn("official")
	b.open("/opinions/" + id)
	require.Contains(t, b.text("main"), firstDue, "the first report is due a month on")
	b.act(id, domain.ActionSign)
	require.Equal(t, "持续整改中", strings.TrimSpace(b.text("#long-term")))
	b.act(id, domain.ActionReportProgress,
		chromedp.SendKeys(chromedp.ID("report-progress-measures"), "制定会议审批办法"),
		chromedp.SendKeys(chromedp.ID("report-progress-next"), "试行并评估"),
		chromedp.SetValue(chromedp.ID("report-progress-percent"), "40"))
	b.shot("long-term-reported")
	reports := b.text("#reports")
	require.Contains(t, reports, firstDue, "the report says which day it was due")
	require.Contains(t, reports, "制定会议审批办法")
	require.Contains(t, reports, "40%")
	next := onWorkday(today.AddDate(0, 1, 0).AddDate(0, 1, 0), 1)
	require.Contains(t, b.text("main"), next, "the next report a month after the first was due")
	require.NotContains(t, b.text("main"), "提交整改结果", "a long-term item is concluded, not submitted")
	b.signOut()

	b.signIn("leader")
	b.act(id, domain.ActionConclude,
		chromedp.SendKeys(chromedp.ID("conclude-measures"), "会议审批办法已印发执行"),
		chromedp.SendKeys(chromedp.ID("conclude-evidence"), "制度文件"))
	b.shot("long-term-concluded")
	require.Contains(t, b.text("main"), "待核查")
	require.True(t, value(b, chromedp.Evaluate[bool](`document.getElementById('long-term') === null`)), "the track has ended")
}
