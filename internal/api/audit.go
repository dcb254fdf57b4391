package api

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/internal/user"
)

// The access log (store.AuditEntry) records who was shown or handed citizens'
// personal data, in the request that does it:
//   - a read (an answer or a page showing a submitter's name or phone, a batch
//     report with the original cells of refused rows) is recorded before the answer
//     goes out; when the entry cannot be written the answer still goes, and the
//     failure is logged — a reader is never stopped by the log;
//   - an export (the importable JSON ledger, a batch's rejected-rows file) and a
//     decryption of Temporal's payloads are handed out only once their entry is
//     written: otherwise the answer is 503 audit_unavailable and nothing goes out.
// docs/security.md says what is recorded, and what is not.

// AuditReading is who may read the access log: the office, which answers for
// citizens' data.
var AuditReading = Rule{domain.RoleOffice}

// origin is where a request came from, for the access log: the client's address
// and the request itself (method and path).
type origin struct {
	client, request string
}

type originKey struct{}

// WithOrigin returns r carrying its client's address and its method and path, which
// the access log records with whatever r reads or exports. The API and the web
// pages put every authenticated request through it.
func WithOrigin(r *http.Request) *http.Request {
	o := origin{client: ClientAddr(r), request: r.Method + " " + r.URL.Path}
	return r.WithContext(context.WithValue(r.Context(), originKey{}, o))
}

func originOf(ctx context.Context) origin {
	o, _ := ctx.Value(originKey{}).(origin)
	return o
}

// ClientAddr is the address a request came from: the peer's IP, or behind a proxy
// that says whom it forwards for (X-Forwarded-For, its last entry: the address the
// nearest proxy saw) "<that address> via <the proxy's>". rectify does not know
// which proxies to trust, so both are kept.
func ClientAddr(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil && ip.String() != peer {
		return ip.String() + " via " + peer
	}
	return peer
}

// auditEntry is an entry of the access log for what u does in the request ctx carries.
func (s *Service) auditEntry(ctx context.Context, u user.User, action, object string, count int) store.AuditEntry {
	o := originOf(ctx)
	return store.AuditEntry{At: s.Now().UTC(), User: u.Username, Action: action, Object: object,
		Detail: o.request, Count: count, Client: o.client}
}

// AuditRead records that u was shown the personal data of each of objects, one
// opinion each, in the request ctx carries.
func (s *Service) AuditRead(ctx context.Context, u user.User, objects ...string) {
	entries := make([]store.AuditEntry, len(objects))
	for i, obj := range objects {
		entries[i] = s.auditEntry(ctx, u, store.AuditReadPersonalData, obj, 1)
	}
	s.recordReads(ctx, entries...)
}

// recordReads writes entries of reads. It never fails the request: entries that
// cannot be written are logged (without the data they are about).
func (s *Service) recordReads(ctx context.Context, entries ...store.AuditEntry) {
	if len(entries) == 0 {
		return
	}
	if err := s.Store.AppendAudit(ctx, entries...); err != nil {
		s.Logger.Error("access log: a read of citizens' personal data went unrecorded", "user", entries[0].User,
			"request", entries[0].Detail, "entries", len(entries), "err", err)
	}
}

// AuditRequired records what is about to be handed to u — action on object, count
// records — and answers whether it may go: an error (503 audit_unavailable) when
// the entry could not be written, and then nothing may be handed out.
func (s *Service) AuditRequired(ctx context.Context, u user.User, action, object string, count int) error {
	e := s.auditEntry(ctx, u, action, object, count)
	err := s.Store.AppendAudit(ctx, e)
	if err == nil {
		return nil
	}
	s.Logger.Error("access log: refused to hand out citizens' personal data that could not be recorded", "user", u.Username,
		"action", action, "object", object, "request", e.Detail, "err", err)
	return errorf(http.StatusServiceUnavailable, "audit_unavailable",
		"this holds citizens' personal data, and the access log cannot be written just now, so it is not handed out; try again in a moment, or ask the operator to check the reporting store")
}

// auditViews records the opinions among views that show u a submitter's name or
// phone (the office's views only carry them).
func (s *Service) auditViews(ctx context.Context, u user.User, views ...OpinionView) {
	var ids []string
	for _, v := range views {
		if v.Submitter != "" || v.Phone != "" {
			ids = append(ids, v.ID)
		}
	}
	s.AuditRead(ctx, u, ids...)
}

// auditParams are the parameters of GET /api/v1/audit, as listParams are the
// opinion list's: any other is refused.
var auditParams = map[string]func(f *store.AuditFilter, value string, u user.User) error{
	"user":   func(f *store.AuditFilter, v string, u user.User) error { f.User = meOr(v, u); return nil },
	"object": func(f *store.AuditFilter, v string, _ user.User) error { f.Object = v; return nil },
	"action": func(f *store.AuditFilter, v string, _ user.User) error {
		if v != "" && !slices.Contains(store.AuditActions, v) {
			return errorf(http.StatusUnprocessableEntity, "invalid_action", "action %q is not one the access log records: %s",
				v, strings.Join(store.AuditActions, ", "))
		}
		f.Action = v
		return nil
	},
	"since": func(f *store.AuditFilter, v string, _ user.User) (err error) {
		f.Since, err = auditTime("since", v, false)
		return err
	},
	"until": func(f *store.AuditFilter, v string, _ user.User) (err error) {
		f.Until, err = auditTime("until", v, true)
		return err
	},
	"limit": func(f *store.AuditFilter, v string, _ user.User) (err error) {
		if v != "" {
			f.Limit, err = intValue("limit", v, 1, 500)
		}
		return err
	},
	"cursor": func(f *store.AuditFilter, v string, _ user.User) error {
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return errorf(http.StatusUnprocessableEntity, "invalid_cursor", "cursor must be the next_cursor of an earlier page")
		}
		f.Before = n
		return nil
	},
}

// auditZone is the zone of a date given alone to since or until: China Standard
// Time, where the offices are.
var auditZone = time.FixedZone("CST", 8*3600)

// auditTime reads since or until: an RFC 3339 time, or a date, which is the start
// of that day (since) or the whole day (until) in China Standard Time.
func auditTime(name, v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation(domain.DateLayout, v, auditZone); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	return time.Time{}, errorf(http.StatusUnprocessableEntity, "invalid_"+name,
		"%s must be a date (2025-06-10, China Standard Time) or a time with its offset (2025-06-10T08:30:00+08:00)", name)
}

// auditFilter reads the access log's query into a filter, refusing any parameter it
// does not take, any taken twice, and an until not after since.
func auditFilter(q url.Values, u user.User) (store.AuditFilter, error) {
	f := store.AuditFilter{Limit: 50}
	if err := readParams(q, auditParams, &f, u); err != nil {
		return f, err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return f, errorf(http.StatusUnprocessableEntity, "invalid_until", "until must be later than since")
	}
	return f, nil
}

// AuditLog is a page of the access log for u, who must be allowed to read it.
func (s *Service) AuditLog(ctx context.Context, u user.User, f store.AuditFilter) (store.AuditPage, error) {
	if err := AuditReading.Check(u); err != nil {
		return store.AuditPage{}, err
	}
	return s.Store.AuditLog(ctx, f)
}

func (s *Service) auditLog(r *http.Request, u user.User) (int, any, error) {
	if err := AuditReading.Check(u); err != nil {
		return 0, nil, err
	}
	f, err := auditFilter(r.URL.Query(), u)
	if err != nil {
		return 0, nil, err
	}
	page, err := s.AuditLog(r.Context(), u, f)
	if err != nil {
		return 0, nil, err
	}
	body := map[string]any{"entries": page.Entries}
	if page.Next != 0 {
		body["next_cursor"] = strconv.FormatInt(page.Next, 10)
	}
	return http.StatusOK, body, nil
}
