package service

import (
	"context"
	"net/http"

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
var AuditReading = Rule{domain.RoleOffice, domain.RoleAdmin}

// Origin is where a request came from, for the access log: the client's address
// and the request itself (method and path).
type Origin struct {
	Client, Request string
}

type originKey struct{}

// WithOrigin returns ctx carrying o, which the access log records with whatever is
// read or exported in ctx. The front doors give every authenticated request one.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

func originOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// auditEntry is an entry of the access log for what u does in the request ctx carries.
func (s *Service) auditEntry(ctx context.Context, u user.User, action, object string, count int) store.AuditEntry {
	o := originOf(ctx)
	return store.AuditEntry{At: s.Now().UTC(), User: u.Username, Action: action, Object: object,
		Detail: o.Request, Count: count, Client: o.Client}
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
	if err := s.store.AppendAudit(ctx, entries...); err != nil {
		s.logger.Error("access log: a read of citizens' personal data went unrecorded", "user", entries[0].User,
			"request", entries[0].Detail, "entries", len(entries), "err", err)
	}
}

// AuditRequired records what is about to be handed to u — action on object, count
// records — and answers whether it may go: an error (503 audit_unavailable) when
// the entry could not be written, and then nothing may be handed out.
func (s *Service) AuditRequired(ctx context.Context, u user.User, action, object string, count int) error {
	e := s.auditEntry(ctx, u, action, object, count)
	err := s.store.AppendAudit(ctx, e)
	if err == nil {
		return nil
	}
	s.logger.Error("access log: refused to hand out citizens' personal data that could not be recorded", "user", u.Username,
		"action", action, "object", object, "request", e.Detail, "err", err)
	return Refuse(http.StatusServiceUnavailable, "audit_unavailable", "api.audit_unavailable")
}

// AuditViews records the opinions among views that show u a submitter's name or
// phone (the office's views only carry them).
func (s *Service) AuditViews(ctx context.Context, u user.User, views ...OpinionView) {
	var ids []string
	for _, v := range views {
		if v.Submitter != "" || v.Phone != "" {
			ids = append(ids, v.ID)
		}
	}
	s.AuditRead(ctx, u, ids...)
}

// AuditLog is a page of the access log for u, who must be allowed to read it.
func (s *Service) AuditLog(ctx context.Context, u user.User, f AuditFilter) (AuditPage, error) {
	if err := AuditReading.Check(u); err != nil {
		return AuditPage{}, err
	}
	return s.store.AuditLog(ctx, f)
}
