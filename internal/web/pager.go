package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// listPageSize is how many opinions one page of a long list shows (the triage
// queue, an official's tasks, the verification queue).
const listPageSize = 100

// pager is one page of a long list: which rows it shows, and links to the pages
// before and after it.
type pager struct {
	Page, From, To, Total int
	Prev, Next            string
	// Last links to the last page when this one is past it (the list shrank since
	// its link was made); empty otherwise.
	Last string
}

// listPage is the page a list was asked for (?page=), from 1.
func listPage(r *http.Request) int {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	return max(n, 1)
}

// newPager describes page n of a list of total rows that shows shown of them;
// its links go to path with query (the list's filters) and the page number.
func newPager(path string, query url.Values, n, shown, total int) pager {
	link := func(n int) string {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if enc := q.Encode(); enc != "" {
			return path + "?" + enc
		}
		return path
	}
	p := pager{Page: n, From: (n-1)*listPageSize + 1, To: (n-1)*listPageSize + shown, Total: total}
	if n > 1 {
		p.Prev = link(n - 1)
	}
	if n*listPageSize < total {
		p.Next = link(n + 1)
	}
	if shown == 0 && total > 0 && n > 1 {
		p.Last = link((total + listPageSize - 1) / listPageSize)
	}
	return p
}
