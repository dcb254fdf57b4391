package app

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// TestPublicFeedbackComesInAsANewOpinionOfTheItem runs the real server: the office
// publishes through the API (recorded in the access log); a signed-out post of the
// publication's form with the right answer becomes a new opinion through intake, on
// the channel publicity_feedback, naming the publication and the item, with the
// phone left kept as intake keeps phones; the same challenge does not work twice.
func TestPublicFeedbackComesInAsANewOpinionOfTheItem(t *testing.T) {
	h := startHarness(t)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "pub", "name": "主题教育整改",
		"departments": []string{"城管科", "民政科"}}, http.StatusCreated)
	item := closedPublishable(h, "pub", "P-1", "五保户邓安元家中漏雨，董明反映", "已修缮屋顶")
	today := time.Now().In(campaignZone)
	p := h.Must("office", http.MethodPost, "/api/v1/campaigns/pub/publications", map[string]any{
		"from": today.Format(domain.DateLayout), "to": today.AddDate(0, 0, 7).Format(domain.DateLayout),
		"opinions": []string{item}}, http.StatusCreated)
	pubID := p["id"].(string)
	require.Equal(t, "五保户邓某某家中漏雨，董某反映", p["items"].([]any)[0].(map[string]any)["content"])
	log := h.Must("office", http.MethodGet, "/api/v1/audit?action=publish", nil, http.StatusOK)
	require.Len(t, log["entries"], 1)
	require.Equal(t, pubID, log["entries"].([]any)[0].(map[string]any)["object"])

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	path := h.Base + "/public/pub/" + pubID
	resp, err := noRedirect.Get(path)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	token := regexp.MustCompile(`name="token" value="([^"]+)"`).FindStringSubmatch(string(page))
	q := regexp.MustCompile(`验证题：(\d+) 加 (\d+)`).FindStringSubmatch(string(page))
	require.NotNil(t, token)
	require.NotNil(t, q)
	x, _ := strconv.Atoi(q[1])
	y, _ := strconv.Atoi(q[2])
	form := url.Values{"item": {"1"}, "content": {"屋顶修好后又漏了"}, "name": {"许某人"}, "phone": {"13700001111"},
		"token": {token[1]}, "answer": {strconv.Itoa(x + y)}}
	resp, err = noRedirect.PostForm(path, form)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/public/pub/"+pubID+"?sent=1#feedback", resp.Header.Get("Location"))

	list := h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=pub&channel=publicity_feedback", nil, http.StatusOK)
	require.EqualValues(t, 1, list["total"])
	fb := list["opinions"].([]any)[0].(map[string]any)
	require.Equal(t, "屋顶修好后又漏了", fb["content"])
	require.Equal(t, "publicity_feedback", fb["channel"])
	require.Equal(t, "received", fb["state"])
	require.Equal(t, "13700001111", fb["phone"], "the office reads the phone the public left")
	require.Equal(t, "民政科", fb["department"], "routed as the item was")
	require.Equal(t, map[string]any{"publication": pubID, "publication_item": item, "publication_seq": "1"}, fb["extra"])
	leader := h.Must("leader", http.MethodGet, "/api/v1/opinions/"+fb["id"].(string), nil, http.StatusOK)
	require.Empty(t, leader["phone"], "only the office sees it")

	// The same challenge twice: refused, and nothing more comes in.
	resp, err = noRedirect.PostForm(path, form)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, string(body), "验证题已过期或已使用")
	list = h.Must("office", http.MethodGet, "/api/v1/opinions?campaign=pub&channel=publicity_feedback", nil, http.StatusOK)
	require.EqualValues(t, 1, list["total"])
}
