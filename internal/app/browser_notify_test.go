package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/notify/notifytest"
)

// TestBrowserAFailedNotificationIsResent: the official sets their own DingTalk
// robot on their settings page; the robot refuses the assignment's message (a
// non-zero errcode), so the office's record shows it failed, with why; the office
// sends it again from that page and it is delivered, signed.
func TestBrowserAFailedNotificationIsResent(t *testing.T) {
	robot := notifytest.NewRobot(t, "dingtalk", "SECbrowser0123456789")
	h := startHarnessWithEnv(t, map[string]string{"RECTIFY_NOTIFY_ATTEMPTS": "1", "RECTIFY_PUBLIC_URL": "https://rectify.example.gov.cn/"})
	b := newBrowser(t, h.Base)

	b.signIn("official")
	b.run(chromedp.Click(chromedp.ID("my-notifications")), chromedp.WaitVisible(chromedp.ID("notify-form")))
	b.run(
		chromedp.SendKeys(chromedp.ID("notify-dingtalk_webhook"), robot.URL()),
		chromedp.SendKeys(chromedp.ID("notify-dingtalk_secret"), robot.Secret),
	)
	b.shot("my-notifications")
	b.navigateBy(chromedp.Submit(chromedp.ID("notify-form")), "saving the settings")
	require.Equal(t, "已保存。", b.text("#notify-saved"))
	require.Empty(t, value(b, chromedp.Value(chromedp.ID("notify-dingtalk_secret"))), "a secret is never shown again")
	require.Contains(t, b.text("#notify-dingtalk_secret-hint"), "已设置")
	b.signOut()

	robot.Refuse(1)
	h.Must("office", "POST", "/api/v1/campaigns", map[string]any{"id": "ntf", "name": "整改", "departments": []string{"城管科"}}, 201)
	id := h.Must("office", "POST", "/api/v1/campaigns/ntf/opinions", map[string]any{"key": "N-1", "content": "幸福路路灯不亮",
		"channel": "hotline", "collected_at": time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)}, 201)["id"].(string)
	h.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, 200)
	h.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, 200)

	b.signIn("office")
	failed := `#deliveries tr[data-delivery] form[action$="/resend"]`
	require.Eventually(t, func() bool {
		b.open("/notifications?status=failed")
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, failed)))
		return err == nil && n == 1
	}, time.Minute, 200*time.Millisecond, "the refused message shows as failed")
	require.Contains(t, b.text("#deliveries"), "user:official")
	require.Contains(t, b.text("#deliveries"), "errcode")
	b.shot("notification-failed")

	b.navigateBy(chromedp.Submit(chromedp.CSS(failed)), "resending")
	require.NotEmpty(t, b.text("#notify-resent"))
	require.Eventually(t, func() bool { return len(robot.Messages()) == 1 }, 30*time.Second, 50*time.Millisecond,
		"the message sent again reaches the robot, signed")
	require.Eventually(t, func() bool {
		b.open("/notifications?status=delivered")
		n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#deliveries tr[data-delivery]').length`))
		return err == nil && n >= 1
	}, 30*time.Second, 200*time.Millisecond, "and the record shows it delivered")
	b.shot("notification-delivered")
	require.Contains(t, string(robot.Messages()[0]), "幸福路路灯不亮")
}
