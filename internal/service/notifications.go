package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"rectify/internal/domain"
	"rectify/internal/mask"
	"rectify/internal/notify"
	"rectify/internal/store"
	"rectify/internal/user"
	"rectify/internal/web/i18n"
)

// Notifications: where each person wants theirs (their own robots and e-mail),
// the delivery record the office reads and resends from, the facts messages are
// written with, and the daily digest's contents.

// DeliveryReading is who reads the delivery record and resends a failed message:
// the office.
var DeliveryReading = Rule{domain.RoleOffice}

// NotificationFacts reads what n is about, for its message: the item's key, its
// content with personal data masked (or a task's problem title), its department
// and the names of its official and leader.
func (s *Service) NotificationFacts(ctx context.Context, n domain.Notification) (notify.Facts, error) {
	var f notify.Facts
	if n.CampaignID != "" {
		if c, err := s.store.Campaign(ctx, n.CampaignID); err == nil {
			f.Campaign = c.Name
		} else if !errors.Is(err, store.ErrNotFound) {
			return f, err
		}
	}
	if n.OpinionID == "" {
		return f, nil
	}
	o, err := s.store.Opinion(ctx, n.OpinionID)
	if errors.Is(err, store.ErrNotFound) {
		return f, nil // not projected: the message says what the notification does
	}
	if err != nil {
		return f, err
	}
	f.Key, f.Department = o.Key, o.Department
	f.Summary = mask.Known(mask.Personal(o.Content), o.Submitter, o.Target)
	switch {
	case o.Task != nil && o.Task.ProblemTitle != "":
		f.Summary = o.Task.ProblemTitle
	case o.Problem != "":
		if p, err := s.store.Problem(ctx, o.Problem); err == nil {
			f.Summary = p.Title
		}
	}
	if o.Official != "" {
		f.Official = s.displayName(o.Official)
	}
	if o.Leader != "" {
		f.Leader = s.displayName(o.Leader)
	}
	return f, nil
}

// MyNotifications are the addresses u set for their own notifications.
func (s *Service) MyNotifications(ctx context.Context, u user.User) (notify.UserAddresses, error) {
	return s.store.NotifyAddresses(ctx, u.Username)
}

// SetMyNotifications replaces u's own addresses, checked first: a 422 names the
// field that is wrong.
func (s *Service) SetMyNotifications(ctx context.Context, u user.User, to notify.UserAddresses) (notify.UserAddresses, error) {
	var bad *notify.AddressError
	if err := to.Check(); errors.As(err, &bad) {
		return to, &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_notify_address", Message: bad.Error(), Text: bad.Message()}
	} else if err != nil {
		return to, err
	}
	if err := s.store.SetNotifyAddresses(ctx, u.Username, to, s.Now()); err != nil {
		return to, err
	}
	return to, nil
}

// DeliveryFilter narrows the delivery record; zero fields do not.
type DeliveryFilter = store.DeliveryFilter

// DeliveryPage is a page of the delivery record.
type DeliveryPage = store.DeliveryPage

// DeliveryAttempt is one attempt at a delivery.
type DeliveryAttempt = store.DeliveryAttempt

// Deliveries lists the delivery record for the office, newest first.
func (s *Service) Deliveries(ctx context.Context, u user.User, f DeliveryFilter) (DeliveryPage, error) {
	if err := DeliveryReading.Check(u); err != nil {
		return DeliveryPage{}, err
	}
	if f.Status != "" && !slices.Contains(notify.Statuses, f.Status) {
		return DeliveryPage{}, Refuse(http.StatusUnprocessableEntity, "invalid_status", "api.invalid_delivery_status")
	}
	if f.Channel != "" && !slices.Contains(notify.Channels, notify.Channel(f.Channel)) {
		return DeliveryPage{}, Refuse(http.StatusUnprocessableEntity, "invalid_notify_channel", "api.invalid_notify_channel")
	}
	page, err := s.store.Deliveries(ctx, f)
	if errors.Is(err, store.ErrBadCursor) {
		return page, Refuse(http.StatusUnprocessableEntity, "invalid_cursor", "api.invalid_cursor")
	}
	return page, err
}

// Delivery is one delivery of the record and its attempts, first first.
func (s *Service) Delivery(ctx context.Context, u user.User, id string) (notify.Delivery, []DeliveryAttempt, error) {
	if err := DeliveryReading.Check(u); err != nil {
		return notify.Delivery{}, nil, err
	}
	d, err := s.store.Delivery(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, nil, Refuse(http.StatusNotFound, "notification_not_found", "api.no_such", i18n.M("api.noun.notification"), id)
	}
	if err != nil {
		return d, nil, err
	}
	attempts, err := s.store.DeliveryAttempts(ctx, id)
	return d, attempts, err
}

// ResendDelivery sends a failed delivery again, with as many tries as it first
// had, and records who did in the access log (before: no entry, no resend).
func (s *Service) ResendDelivery(ctx context.Context, u user.User, id string) (notify.Delivery, error) {
	if err := DeliveryReading.Check(u); err != nil {
		return notify.Delivery{}, err
	}
	d, err := s.store.Delivery(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, Refuse(http.StatusNotFound, "notification_not_found", "api.no_such", i18n.M("api.noun.notification"), id)
	}
	if err != nil {
		return d, err
	}
	if d.Status != notify.StatusFailed {
		return d, Refuse(http.StatusConflict, "not_failed", "api.not_failed", d.Status)
	}
	if err := s.store.AppendAudit(ctx, s.auditEntry(ctx, u, store.AuditResendNotification, id, 1)); err != nil {
		return d, Refuse(http.StatusServiceUnavailable, "audit_unavailable", "api.audit_unavailable_resend")
	}
	d, err = s.store.ResendDelivery(ctx, id, s.Now())
	if errors.Is(err, store.ErrNotFailed) {
		return d, Refuse(http.StatusConflict, "not_failed", "api.not_failed", d.Status)
	}
	return d, err
}

// Digests are the daily digests of day: one per official and per leader with
// items due soon, overdue, supervised or on the accountability list, none for
// anyone without. Their keys name the day and the person, so making them twice
// (a schedule's retry) tells no one twice.
func (s *Service) Digests(ctx context.Context, day string) ([]domain.Notification, error) {
	rows, err := s.store.DigestRows(ctx)
	if err != nil {
		return nil, err
	}
	byUser := map[string]*domain.Digest{}
	var order []string
	add := func(username string, role domain.Role, r store.DigestRow) {
		if username == "" {
			return
		}
		d, ok := byUser[username]
		if !ok {
			d = &domain.Digest{Day: day}
			byUser[username] = d
			order = append(order, username)
		}
		d.Items = append(d.Items, domain.DigestItem{OpinionID: r.OpinionID, Key: r.Key, Deadline: r.Deadline, Level: r.Level, Role: role})
	}
	for _, r := range rows {
		add(r.Official, domain.RoleOfficial, r)
		if r.Leader != r.Official {
			add(r.Leader, domain.RoleLeader, r)
		}
	}
	out := make([]domain.Notification, 0, len(order))
	for _, u := range order {
		out = append(out, domain.Notification{Kind: domain.NotifyDigest, Recipients: []string{u},
			Digest: byUser[u], Key: fmt.Sprintf("digest/%s/%s", day, u)})
	}
	return out, nil
}

// SendDigests puts day's digests in the outbox, when day is a working day on
// the calendar; it answers how many.
func (s *Service) SendDigests(ctx context.Context, day time.Time) (int, error) {
	if !s.calendar.IsWorkday(day) {
		return 0, nil
	}
	notes, err := s.Digests(ctx, day.Format(domain.DateLayout))
	if err != nil {
		return 0, err
	}
	return len(notes), s.store.EnqueueNotices(ctx, s.Now(), notes...)
}
