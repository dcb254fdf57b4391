package app

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// closedPublishable brings an opinion that names people to closed through the API: heard
// today, fixed on the spot, verified, called back. It answers its id.
func closedPublishable(h *harness, campaignID, key, content, measures string) string {
	h.t.Helper()
	today := time.Now().In(campaignZone).Format(domain.DateLayout)
	id := h.Must("office", http.MethodPost, "/api/v1/campaigns/"+campaignID+"/opinions", map[string]any{"key": key,
		"content": content, "channel": "visit", "collected_at": today, "submitter": "董明", "phone": "13912345678"}, http.StatusCreated)["id"].(string)
	h.Act("office", id, "resolve", map[string]any{"category": "特殊困难群体", "department": "民政科", "official": "official2",
		"measures": measures, "evidence": "修缮前后照片", "fixed_on": today}, http.StatusOK)
	h.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	h.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	return id
}

// TestBrowserPublishesAndThePublicSendsFeedback: the office publishes the closed
// items of a category for a 公示期 that includes today; signed out, the public page
// shows every name masked; feedback sent there comes into the office's triage as a
// new opinion on the channel 公示反馈, linked to the item it is about.
func TestBrowserPublishesAndThePublicSendsFeedback(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "pub", "name": "主题教育整改",
		"departments": []string{"城管科", "民政科"}}, http.StatusCreated)
	item := closedPublishable(h, "pub", "P-1", "五保户邓安元家中漏雨，董明反映", "民政科为邓安元家修缮屋顶")
	today := time.Now().In(campaignZone)

	b := newBrowser(t, h.Base)
	b.signIn("office")
	b.open("/campaigns/pub")
	b.navigateBy(chromedp.Click(chromedp.ID("publications-link")), "the publications link")
	b.run(
		chromedp.SendKeys(chromedp.ID("pub-title"), "第一批整改情况公示"),
		chromedp.SetValue(chromedp.ID("pub-from"), today.AddDate(0, 0, -1).Format(domain.DateLayout)),
		chromedp.SetValue(chromedp.ID("pub-to"), today.AddDate(0, 0, 6).Format(domain.DateLayout)),
		chromedp.Click(chromedp.CSS(`input[name=categories][value="特殊困难群体"]`)),
	)
	b.shot("office-publishes")
	b.submitAndWait("#publish")
	b.shot("office-published")
	require.Contains(t, b.text("#published"), "公示已发布")
	require.Contains(t, b.text("#publications"), "第一批整改情况公示")
	b.signOut()

	// Signed out: the campaign's publications, then the one published.
	b.open("/public/pub")
	b.navigateBy(chromedp.Click(chromedp.CSS(`#publications a`)), "the publication's link")
	b.shot("public-publication")
	page := b.text("main")
	require.Contains(t, page, "第一批整改情况公示")
	require.Contains(t, page, "五保户邓某某家中漏雨，董某反映")
	require.Contains(t, page, "民政科为邓某某家修缮屋顶")
	for _, secret := range []string{"邓安元", "董明", "13912345678", "official2", item} {
		require.NotContains(t, page, secret)
	}
	html := value(b, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	require.NotContains(t, html, item, "no opinion id in the page, links included")

	// Feedback on the item.
	question := regexp.MustCompile(`(\d+) 加 (\d+)`).FindStringSubmatch(b.text(`label[for="fb-answer"]`))
	require.NotNil(t, question)
	x, _ := strconv.Atoi(question[1])
	y, _ := strconv.Atoi(question[2])
	b.run(
		chromedp.SetValue(chromedp.ID("fb-item"), "1"),
		chromedp.SendKeys(chromedp.ID("fb-content"), "屋顶修好后又漏了，希望再去看看"),
		chromedp.SendKeys(chromedp.ID("fb-phone"), "13700001111"),
		chromedp.SendKeys(chromedp.ID("fb-answer"), strconv.Itoa(x+y)),
	)
	b.shot("public-feedback")
	b.submitAndWait("#fb-send")
	b.shot("public-feedback-sent")
	require.Contains(t, b.text("#feedback-sent"), "反馈已收到")

	// The office's triage has it: a new opinion on the channel 公示反馈, linked to the item.
	b.signIn("office")
	b.open("/triage?campaign=pub&channel=publicity_feedback")
	b.shot("office-triage-feedback")
	row := b.text("main table.list tbody")
	require.Contains(t, row, "屋顶修好后又漏了")
	require.Contains(t, row, "公示反馈")
	href := value(b, chromedp.Evaluate[string](`document.querySelector(".feedback-on a").getAttribute("href")`))
	require.Equal(t, "/opinions/"+item, href, "linked to the item it is about")
	b.navigateBy(chromedp.Click(chromedp.CSS(`main table.list tbody td a[href^="/opinions/"]:not(.feedback-on a)`)), "the feedback opinion")
	b.shot("office-feedback-opinion")
	require.Contains(t, b.text("#feedback-on"), "针对第 1 项")
	// What its links are about is the channel written before them, not a tooltip,
	// which a phone never shows.
	require.Contains(t, b.text(`dd:has(#feedback-on)`), "公示反馈 针对第 1 项 · 查看公示")
	b.holdAsPhone(390, 844)
	b.shot("office-feedback-opinion-phone")
	require.Empty(t, b.measure(390).HoverOnly, "nothing on the feedback opinion is said only on hover")
	require.Contains(t, b.text("main"), "13700001111", "the office reads the phone the public left")
	require.True(t, strings.Contains(b.text("main"), "公示反馈"))
}
