package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/service"
)

// mergeSelect cuts the merge form's list of opinions out of a page.
func mergeSelect(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `<select id="merge-into" name="into"`)
	require.GreaterOrEqual(t, start, 0, "the merge form has a list")
	end := strings.Index(body[start:], "</select>")
	require.Greater(t, end, 0)
	return body[start : start+end]
}

var optionValueRE = regexp.MustCompile(`<option value="([^"]+)"`)

func TestMergeTargetIsPickedFromAListOrTypedAsAKey(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	office, _ := e.svc.User("office")
	_, err := e.svc.CreateCampaign(context.Background(), office, service.CampaignRequest{ID: "c2", Name: "另一个活动"})
	require.NoError(t, err)
	// A duplicate in rcv's suggested category, known by its ledger key; one that can
	// no longer take a merge; and one of another campaign with the same key.
	dupID := domain.OpinionID("c1", "K-7")
	e.opinion(t, domain.Opinion{ID: dupID, Key: "K-7", CampaignID: "c1", Content: "公款吃喝问题，多人反映同一件事，内容很长很长很长很长",
		State: domain.StateCategorized, Category: "奢靡之风"})
	e.opinion(t, domain.Opinion{ID: "gone", CampaignID: "c1", Content: "已不予受理的意见", State: domain.StateRejected})
	e.opinion(t, domain.Opinion{ID: domain.OpinionID("c2", "K-8"), Key: "K-8", CampaignID: "c2", Content: "别的活动的意见", State: domain.StateReceived})

	b := e.signIn(t, "office")
	status, body := b.get(t, "/opinions/rcv")
	require.Equal(t, http.StatusOK, status)
	// The item's own key and id are on the page as text, to be typed elsewhere.
	require.Contains(t, body, `<dt>编号</dt><dd>rcv</dd>`)
	require.Contains(t, body, `<dt>意见 ID</dt><dd><code id="opinion-id">rcv</code></dd>`)

	list := mergeSelect(t, body)
	require.Contains(t, list, `aria-describedby="merge-into-hint"`)
	require.Contains(t, list, `<optgroup label="同类别（奢靡之风）"><option value="`+dupID+`">K-7 · 公款吃喝问题，多人反映同一件事，内容很长很长很长很长（已分类）</option></optgroup>`,
		"the same category comes first, each with its key, an excerpt and its state")
	require.Contains(t, list, `<optgroup label="本活动的其他意见">`)
	var listed []string
	for _, m := range optionValueRE.FindAllStringSubmatch(list, -1) {
		listed = append(listed, m[1])
	}
	require.ElementsMatch(t, []string{dupID, "cat", "asg", "ext", "sub", "sub2", "cb"}, listed,
		"every other opinion of the campaign that can take a merge; not itself, not a rejected one, not another campaign's")
	require.Equal(t, dupID, listed[0])
	require.Contains(t, body, `<label for="merge-into_key">或填写要合并到的意见编号</label>`)
	require.Contains(t, body, `<input id="merge-into_key" name="into_key" type="text" value="" aria-describedby="merge-into_key-hint">`)
	requireLabelled(t, "merge form", body)

	// Picked from the list, typed as the ledger's key, or as the id the page shows:
	// the workflow is asked to merge into the same opinion.
	for name, form := range map[string]url.Values{
		"picked":     {"into": {dupID}, "into_key": {""}, "reason": {"重复反映"}},
		"key":        {"into": {""}, "into_key": {" K-7 "}, "reason": {"重复反映"}},
		"full-width": {"into": {""}, "into_key": {"Ｋ－７"}, "reason": {"重复反映"}},
		"id":         {"into": {""}, "into_key": {dupID}, "reason": {"重复反映"}},
		"both agree": {"into": {dupID}, "into_key": {"K-7"}, "reason": {"重复反映"}},
	} {
		sent := expectAction(t, e, "rcv", domain.ActionMerge, func(o *domain.Opinion) {}, nil)
		resp := b.post(t, "/opinions/rcv/act/merge", form)
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, name)
		body := received(t, sent).Args[0].(domain.ActionRequest).Body
		require.Equal(t, domain.ActionBody{Into: dupID, Reason: "重复反映"}, body, name)
	}

	// A key that names nothing in this campaign, or another opinion than the one
	// picked, stays on the form with the message at the key, before Temporal.
	for key, want := range map[string]string{
		"K-404": "本活动中没有编号或意见 ID 为“K-404”的意见。",
		"K-8":   "本活动中没有编号或意见 ID 为“K-8”的意见。",
		"cat":   "列表中选择的意见与填写的编号“cat”不是同一件，请只用一种方式指定。",
	} {
		resp := b.post(t, "/opinions/rcv/act/merge", url.Values{"into": {dupID}, "into_key": {key}, "reason": {"重复"}})
		body := readBody(t, resp)
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, key)
		require.Contains(t, body, `<p class="error" id="merge-into_key-err">`+want+`</p>`, key)
		require.Contains(t, body, `<input id="merge-into_key" name="into_key" type="text" value="`+key+`" aria-invalid="true" aria-describedby="merge-into_key-hint merge-into_key-err">`, key)
		require.Contains(t, mergeSelect(t, body), `<option value="`+dupID+`" selected>`, "%s: the pick is kept", key)
		require.Contains(t, body, `<details class="action" open>`)
	}
	b.setLang(t, "en")
	resp := b.post(t, "/opinions/rcv/act/merge", url.Values{"into_key": {"K-404"}, "reason": {"dup"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<p class="error" id="merge-into_key-err">This campaign has no opinion with the key or id “K-404”.</p>`)
	require.Contains(t, mergeSelect(t, body), `<optgroup label="Same category (奢靡之风)">`)
	require.Contains(t, body, `<dt>Opinion id</dt><dd><code id="opinion-id">rcv</code></dd>`)

	// Someone who may not merge learns nothing about keys: the usual refusal.
	resp = e.signIn(t, "verifier").post(t, "/opinions/rcv/act/merge", url.Values{"into_key": {"K-7"}})
	body = readBody(t, resp)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "只有活动办公室可以对意见“合并”")
	e.temporal.AssertNumberOfCalls(t, "UpdateWorkflow", 5)

	// A merged opinion links to the one it went into.
	e.opinion(t, domain.Opinion{ID: "was-dup", CampaignID: "c1", Content: "重复的意见", State: domain.StateMerged, MergedInto: dupID})
	_, body = b.get(t, "/opinions/was-dup")
	require.Contains(t, body, `<dt>Merged into</dt><dd><a href="/opinions/`+dupID+`">`+dupID+`</a></dd>`)
}

func TestMergeListIsBounded(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	// A few of rcv's suggested category, and many others.
	for i := range 3 {
		e.opinion(t, domain.Opinion{ID: fmt.Sprintf("same-%d", i), CampaignID: "c1", Content: "公款吃喝", State: domain.StateCategorized, Category: "奢靡之风"})
	}
	for i := range mergeCandidateLimit + 10 {
		e.opinion(t, domain.Opinion{ID: fmt.Sprintf("many-%02d", i), CampaignID: "c1", Content: "意见", State: domain.StateReceived})
	}
	_, body := e.signIn(t, "office").get(t, "/opinions/rcv")
	list := mergeSelect(t, body)
	values := optionValueRE.FindAllStringSubmatch(list, -1)
	require.Len(t, values, mergeCandidateLimit, "the list is full, and no longer")
	for i := range 3 {
		require.Equal(t, fmt.Sprintf("same-%d", i), values[i][1], "the same category first")
	}
	require.NotContains(t, list, `value="rcv"`)
	require.Contains(t, body, "最多列出 50 件")
	e.temporal.AssertNotCalled(t, "UpdateWorkflow", mock.Anything, mock.Anything)
}

func TestCategorizeFormPreselectsTheSuggestion(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	seedOpinionPages(t, e)
	e.opinion(t, domain.Opinion{ID: "plain", CampaignID: "c1", Content: "没有关键词的意见", State: domain.StateReceived})
	b := e.signIn(t, "office")

	_, body := b.get(t, "/opinions/rcv")
	categorize := body[strings.Index(body, `<select id="categorize-category"`):]
	categorize = categorize[:strings.Index(categorize, "</select>")]
	require.Contains(t, categorize, `<option value="奢靡之风" selected>奢靡之风（系统建议）</option>`)
	require.Equal(t, 1, strings.Count(categorize, " selected>"), "only the suggestion is chosen")
	// Confirming it is the form as it stands.
	sent := expectAction(t, e, "rcv", domain.ActionCategorize, func(o *domain.Opinion) {
		o.State, o.Category = domain.StateCategorized, "奢靡之风"
	}, nil)
	resp := b.post(t, "/opinions/rcv/act/categorize", url.Values{"category": {"奢靡之风"}})
	_ = readBody(t, resp)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "奢靡之风", received(t, sent).Args[0].(domain.ActionRequest).Body.Category)

	// Once confirmed, or with no suggestion, nothing is chosen for the office.
	for _, id := range []string{"rcv", "cat", "plain"} {
		_, body = b.get(t, "/opinions/"+id)
		form := body[strings.Index(body, `<select id="categorize-category"`):]
		form = form[:strings.Index(form, "</select>")]
		require.NotContains(t, form, "selected", id)
		require.Contains(t, form, `<option value=""></option>`, id)
	}

	b.setLang(t, "en")
	e.opinion(t, domain.Opinion{ID: "rcv2", CampaignID: "c1", Content: "公车私用", State: domain.StateReceived, SuggestedCategory: "奢靡之风"})
	_, body = b.get(t, "/opinions/rcv2")
	require.Contains(t, body, `<option value="奢靡之风" selected>奢靡之风 (suggested)</option>`)
}
