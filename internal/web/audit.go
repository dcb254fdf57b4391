package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/service"
)

// The access log's page: the office reads who was shown or handed citizens'
// personal data (service/audit.go records it), newest first, by user and by action.

// auditRow is an entry of the access log as the page lists it.
type auditRow struct {
	service.AuditEntry
	// When is its time to the second, in the offices' time zone.
	When string
	// Link is the page of what it was about, when there is one.
	Link string
}

// auditLink is the page of an entry's object, read from the request it records:
// an opinion (its page, or a list of opinions), a batch or a campaign.
func auditLink(e service.AuditEntry) string {
	if e.Object == "" {
		return ""
	}
	_, path, _ := strings.Cut(e.Detail, " ")
	for _, kind := range []string{"opinions", "batches", "campaigns"} {
		if strings.Contains(path, "/"+kind+"/") || strings.HasSuffix(path, "/"+kind) {
			return "/" + kind + "/" + url.PathEscape(e.Object)
		}
	}
	return ""
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, v *visit) {
	q := r.URL.Query()
	// A filter the page does not offer is dropped, as the other pages drop theirs.
	f := service.AuditFilter{User: strings.TrimSpace(q.Get("user")), Limit: listPageSize}
	if a := q.Get("action"); slices.Contains(service.AuditActions, a) {
		f.Action = a
	}
	if n, err := strconv.ParseInt(q.Get("cursor"), 10, 64); err == nil && n > 0 {
		f.Before = n
	}
	page, err := s.svc.AuditLog(r.Context(), v.User, f)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	cst := time.FixedZone("CST", 8*3600)
	rows := make([]auditRow, len(page.Entries))
	for i, e := range page.Entries {
		rows[i] = auditRow{AuditEntry: e, When: e.At.In(cst).Format("2006-01-02 15:04:05"), Link: auditLink(e)}
	}
	filters := url.Values{}
	if f.User != "" {
		filters.Set("user", f.User)
	}
	if f.Action != "" {
		filters.Set("action", f.Action)
	}
	link := func(cursor int64) string {
		q := url.Values{}
		for k, vs := range filters {
			q[k] = vs
		}
		if cursor > 0 {
			q.Set("cursor", strconv.FormatInt(cursor, 10))
		}
		if enc := q.Encode(); enc != "" {
			return "/audit?" + enc
		}
		return "/audit"
	}
	data := map[string]any{"Entries": rows, "User": f.User, "Action": f.Action, "Actions": service.AuditActions,
		"Users": s.svc.Users()}
	if page.Next != 0 {
		data["Older"] = link(page.Next)
	}
	if f.Before != 0 {
		data["Newest"] = link(0)
	}
	s.render(w, r, http.StatusOK, "audit", v, data)
}

// auditPages adds the access log's page: the office's.
func (s *Server) auditPages(page func(string, pageHandler)) {
	page("GET /audit", s.only(service.AuditReading, s.auditPage))
}
