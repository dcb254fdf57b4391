package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

func TestTasksAndVerifyQueueArePaged(t *testing.T) {
	t.Parallel()
	e := newWebEnv(t)
	n := listPageSize + 5
	for i := range n {
		// Deadlines one day apart: the list's order is theirs.
		deadline := officeNow.AddDate(0, 0, 10+i).Format(domain.DateLayout)
		e.opinion(t, taskOpinion(fmt.Sprintf("t-%03d", i), "official", "住建局", domain.StateInProgress, domain.LevelNone, deadline))
		s := taskOpinion(fmt.Sprintf("v-%03d", i), "official2", "民政局", domain.StateSubmitted, domain.LevelNone, deadline)
		s.SubmittedBy = "official2"
		e.opinion(t, s)
	}
	for _, l := range []struct{ who, path, prefix, title string }{
		{"official", "/tasks", "t-", "我的任务"},
		{"verifier", "/verify", "v-", "待核查"},
	} {
		b := e.signIn(t, l.who)
		status, body := b.get(t, l.path)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, l.title+` <span class="count">105</span>`, "the heading counts them all")
		require.Equal(t, listPageSize, strings.Count(body, `href="/opinions/`+l.prefix), l.path)
		require.Contains(t, body, `href="/opinions/`+l.prefix+`000"`, "the most urgent first")
		require.NotContains(t, body, `href="/opinions/`+l.prefix+`100"`)
		require.Contains(t, body, "第 1–100 条，共 105 条")
		require.Contains(t, body, `<a href="`+l.path+`?page=2" rel="next">下一页</a>`)
		require.NotContains(t, body, `rel="prev"`)
		requireLabelled(t, l.path, body)
		requireNoKeys(t, body)

		status, body = b.get(t, l.path+"?page=2")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, 5, strings.Count(body, `href="/opinions/`+l.prefix), l.path)
		require.Contains(t, body, `href="/opinions/`+l.prefix+`104"`)
		require.Contains(t, body, "第 101–105 条，共 105 条")
		require.Contains(t, body, `<a href="`+l.path+`" rel="prev">上一页</a>`)
		require.NotContains(t, body, `rel="next"`)

		// A page past the end (the list shrank since the link was made) leads to the last.
		resp, err := b.c.Get(e.srv.URL + l.path + "?page=9")
		require.NoError(t, err)
		_ = readBody(t, resp)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, l.path+"?page=2", resp.Header.Get("Location"))

		b.setLang(t, "en")
		_, body = b.get(t, l.path+"?page=2")
		require.Contains(t, body, "101–105 of 105")
		require.Contains(t, body, `rel="prev">Previous page</a>`)
		require.Contains(t, body, `<nav class="pager" aria-label="Pages">`)
	}

	// A short list has no pager.
	_, body := e.signIn(t, "official2").get(t, "/tasks")
	require.NotContains(t, body, `class="pager"`)
	require.Contains(t, body, "暂无待办任务")
}
