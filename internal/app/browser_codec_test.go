package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/workflows"
)

// TestTemporalWebUIDecryptsOnlyForTheOffice opens an opinion's workflow in the
// Temporal Web UI in a real browser: signed in to rectify as the office, the UI
// shows the opinion's input in clear (decrypted through rectify's codec endpoint);
// signed in as an official, or not at all, it shows no name or phone.
func TestTemporalWebUIDecryptsOnlyForTheOffice(t *testing.T) {
	dir := t.TempDir()
	uiAddr := apitest.FreeAddr(t)
	cfg := testConfig(t, dir, map[string]string{"RECTIFY_USERS": apitest.WriteUsers(t, dir), "RECTIFY_EMBEDDED_UI_ADDR": uiAddr})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, err := Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(a.Stop)
	h := &harness{Client: apitest.Client{T: t, Base: "http://" + a.HTTPAddr}, t: t, app: a}

	name, phone := canary(t, "金丝雀", 8), canary(t, "137", 8)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "ui", "name": "界面", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	id := h.Must("office", http.MethodPost, "/api/v1/campaigns/ui/opinions", map[string]any{
		"key": "U-1", "content": "楼道灯坏了。", "channel": "热线", "collected_at": today, "submitter": name, "phone": phone,
	}, http.StatusCreated)["id"].(string)
	page := "http://" + uiAddr + "/namespaces/" + cfg.Namespace + "/workflows/" + workflows.OpinionWorkflowID(id)

	// bodyText waits for the UI to have rendered the workflow's input card, then
	// returns the page's text.
	bodyText := func(b *browser, want string) string {
		t.Helper()
		b.run(chromedp.Navigate(page))
		var text string
		require.Eventually(t, func() bool {
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			text = got
			return err == nil && strings.Contains(got, want)
		}, time.Minute, 200*time.Millisecond, "the Web UI shows %q", want)
		return text
	}

	office := newBrowser(t, h.Base)
	office.signIn("office")
	text := bodyText(office, phone)
	require.Contains(t, text, name)
	office.shot("temporal-ui-office")

	official := office.window()
	official.signIn("official")
	text = bodyText(official, "Sign in to rectify as office or leader")
	require.NotContains(t, text, phone)
	require.NotContains(t, text, name)
	official.shot("temporal-ui-official")

	stranger := office.window()
	text = bodyText(stranger, "Sign in to rectify as office or leader")
	require.NotContains(t, text, phone)
	require.NotContains(t, text, name)
}
