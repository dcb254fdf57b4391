package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"rectify/internal/domain"
	"rectify/internal/notify"
)

// outboxSchema holds the notifications opinions set off, written in the transaction
// of the projection that sets them off and kept after delivery as the record of who
// was told what. status is held (its transition is not yet confirmed, see
// projection.go), pending, delivered or dropped; due_at is when a pending one may be
// tried (again), or when the claim on it lapses.
const outboxSchema = `
CREATE TABLE IF NOT EXISTS notifications (
	key          TEXT PRIMARY KEY,
	opinion_id   TEXT NOT NULL,
	body         TEXT NOT NULL,
	status       TEXT NOT NULL,
	attempts     INTEGER NOT NULL,
	created_at   BIGINT NOT NULL,
	due_at       BIGINT NOT NULL,
	settled_at   BIGINT NOT NULL,
	last_error   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (due_at) WHERE status = 'pending';
`

// enqueueNotifications adds the notes a projection of o sets off to the outbox
// inside tx. held ones (of an unconfirmed write) wait for its confirmation. A key
// already there is left as it is (the projection retried), unless it is held: then
// it was set off by a transition that never happened, and this one replaces it.
func enqueueNotifications(ctx context.Context, tx *sql.Tx, notes []domain.Notification, o domain.Opinion, held bool) error {
	status := "pending"
	if held {
		status = "held"
	}
	var eventAt int64
	if n := len(o.Timeline); n > 0 {
		eventAt = o.Timeline[n-1].At.UnixMilli()
	}
	for _, n := range notes {
		body, err := json.Marshal(n)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO notifications (key, opinion_id, body, status, attempts, created_at, due_at, settled_at, last_error, revision, event_at)
VALUES ($1, $2, $3, $4, 0, $5, $5, 0, '', $6, $7)
ON CONFLICT (key) DO UPDATE SET body = excluded.body, status = excluded.status, created_at = excluded.created_at,
	due_at = excluded.due_at, revision = excluded.revision, event_at = excluded.event_at
WHERE notifications.status = 'held'`, n.Key, n.OpinionID, string(body), status, o.UpdatedAt.UnixMilli(), o.Revision, eventAt)
		if err != nil {
			return fmt.Errorf("store: enqueue notification: %w", err)
		}
	}
	return nil
}

// ClaimNotifications leases up to limit pending notifications due at now until
// now+lease and counts an attempt on each. The condition is repeated outside the
// subquery so that, on PostgreSQL, a claim that waited for another one's rows
// re-checks them and skips those just taken.
func (s *Store) ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]notify.Due, error) {
	// Every dispatcher asks several times a second, mostly to hear "nothing": a read
	// answers that without taking the writer from the projections.
	var due int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM notifications WHERE status = 'pending' AND due_at <= $1 LIMIT 1) AS d`,
		now.UnixMilli()).Scan(&due)
	if err != nil {
		return nil, fmt.Errorf("store: claim notifications: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	rows, err := s.w.QueryContext(ctx, `
UPDATE notifications SET due_at = $1, attempts = attempts + 1
WHERE key IN (SELECT key FROM notifications WHERE status = 'pending' AND due_at <= $2 ORDER BY due_at LIMIT $3)
	AND status = 'pending' AND due_at <= $2
RETURNING body, attempts`, now.Add(lease).UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim notifications: %w", err)
	}
	defer rows.Close()
	var out []notify.Due
	for rows.Next() {
		var body string
		var d notify.Due
		if err := rows.Scan(&body, &d.Attempts); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(body), &d.Notification); err != nil {
			return nil, fmt.Errorf("store: notification: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// NotificationDelivered marks a notification delivered.
func (s *Store) NotificationDelivered(ctx context.Context, key string, at time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE notifications SET status = 'delivered', settled_at = $2, last_error = '' WHERE key = $1`,
		key, at.UnixMilli())
	return err
}

// NotificationFailed records a failed delivery: due again at retryAt, or dropped
// when retryAt is zero.
func (s *Store) NotificationFailed(ctx context.Context, key string, retryAt time.Time, reason string) error {
	if retryAt.IsZero() {
		_, err := s.w.ExecContext(ctx, `UPDATE notifications SET status = 'dropped', settled_at = $2, last_error = $3 WHERE key = $1`,
			key, time.Now().UnixMilli(), reason)
		return err
	}
	_, err := s.w.ExecContext(ctx, `UPDATE notifications SET due_at = $2, last_error = $3 WHERE key = $1 AND status = 'pending'`,
		key, retryAt.UnixMilli(), reason)
	return err
}
