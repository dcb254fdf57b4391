package notify

import (
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"rectify/internal/domain"
)

// Facts are what a notification is about, in words: read when it is fanned out,
// so its message says what the item was then.
type Facts struct {
	// Key is the opinion's key in the ledger (TJ-001).
	Key string
	// Summary is a short content: the opinion's text with personal data masked
	// (internal/mask), or a task's problem title.
	Summary    string
	Department string
	// Official and Leader are the people's names, not their usernames.
	Official string
	Leader   string
	Campaign string
}

// digestMax is how many items a digest lists; the rest are counted.
const digestMax = 20

// Short cuts s to n characters, with an ellipsis when it was longer.
func Short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Render writes the message one reader of lang reads about n: what happened and
// what it asks of them, the item, who answers for it, its deadline and a link.
// t renders catalogue texts (notify.* keys and the pages' state, level, role and
// action names).
func Render(t func(lang, key string, args ...any) string, lang, publicURL string, n domain.Notification, f Facts) Message {
	if t == nil {
		// Without catalogues, the key and its facts: still readable in a log.
		t = func(_, key string, args ...any) string { return strings.TrimSpace(key + " " + fmt.Sprintln(args...)) }
	}
	T := func(key string, args ...any) string { return t(lang, key, args...) }
	base := strings.TrimRight(publicURL, "/")
	m := Message{LinkText: T("notify.link")}
	switch n.Kind {
	case domain.NotifyDigest:
		d := n.Digest
		if d == nil {
			d = &domain.Digest{}
		}
		m.Title = T("notify.digest.title", d.Day, len(d.Items))
		for i, it := range d.Items {
			if i == digestMax {
				m.Lines = append(m.Lines, T("notify.digest.more", len(d.Items)-digestMax))
				break
			}
			line := T("notify.digest.item", T("level."+string(it.Level)), it.Key, T("role."+string(it.Role)))
			if it.Deadline != "" {
				line += T("notify.digest.deadline", it.Deadline)
			}
			m.Lines = append(m.Lines, line)
		}
		m.Link = base + "/tasks"
		return m
	case domain.NotifyAlert:
		a := n.Alert
		if a == nil {
			a = &domain.Alert{}
		}
		m.Title = T("notify.alert.title."+alertStatus(a.Status), a.Name)
		if a.Summary != "" {
			m.Lines = append(m.Lines, a.Summary)
		}
		if a.Severity != "" {
			m.Lines = append(m.Lines, T("notify.alert.severity", a.Severity))
		}
		if a.StartsAt != "" {
			m.Lines = append(m.Lines, T("notify.alert.since", a.StartsAt))
		}
		m.LinkText = ""
		return m
	case domain.NotifyReportReady:
		m.Title = T("notify.report.title", f.Campaign)
		m.Link = base + "/reports/" + url.PathEscape(n.ReportID)
		return m
	}
	m.Title = T("notify.title", T("action."+string(n.Kind)), f.Key, Short(f.Summary, 24))
	if f.Summary != "" {
		m.Lines = append(m.Lines, T("notify.line.item", f.Key, Short(f.Summary, 80)))
	}
	switch {
	case f.Official != "" && (f.Department == "" || strings.Contains(f.Official, f.Department)):
		m.Lines = append(m.Lines, T("notify.line.person", f.Official))
	case f.Official != "" && f.Department != "":
		m.Lines = append(m.Lines, T("notify.line.official", f.Official, f.Department))
	case f.Department != "":
		m.Lines = append(m.Lines, T("notify.line.department", f.Department))
	}
	if n.Deadline != "" {
		m.Lines = append(m.Lines, T("notify.line.deadline", n.Deadline))
	}
	if n.Level != "" && n.Level != domain.LevelNone {
		m.Lines = append(m.Lines, T("notify.line.level", T("level."+string(n.Level))))
	}
	m.Lines = append(m.Lines, T("notify.line.state", T("state."+string(n.State))))
	for _, r := range n.Roles {
		m.Lines = append(m.Lines, T("notify.line.queue", T("role."+string(r))))
	}
	if n.OpinionID != "" {
		m.Link = base + "/opinions/" + url.PathEscape(n.OpinionID)
	}
	return m
}

func alertStatus(s string) string {
	if s == "resolved" {
		return "resolved"
	}
	return "firing"
}
