package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/internal/notify"
)

// deliverySchema is the delivery record: every message fanned out from a
// notification (one per recipient and channel, notify.Delivery), each attempt at
// sending it, and the addresses people set for themselves. A delivery's message
// is kept as sent (its words, never a secret: addresses are read at each
// attempt); status is pending, delivered or failed; due_at is when a pending one
// may be tried (again), or when the claim on it lapses.
const deliverySchema = `
CREATE TABLE IF NOT EXISTS notify_deliveries (
	id               TEXT PRIMARY KEY,
	notification_key TEXT NOT NULL,
	kind             TEXT NOT NULL,
	opinion_id       TEXT NOT NULL,
	campaign_id      TEXT NOT NULL,
	recipient        TEXT NOT NULL,
	channel          TEXT NOT NULL,
	target           TEXT NOT NULL,
	message          TEXT NOT NULL,
	notification     TEXT NOT NULL,
	status           TEXT NOT NULL,
	attempts         INTEGER NOT NULL,
	max_attempts     INTEGER NOT NULL,
	budget           INTEGER NOT NULL,
	due_at           BIGINT NOT NULL,
	created_at       BIGINT NOT NULL,
	settled_at       BIGINT NOT NULL,
	last_error       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notify_deliveries_due ON notify_deliveries (due_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS notify_deliveries_list ON notify_deliveries (status, created_at, id);
CREATE INDEX IF NOT EXISTS notify_deliveries_created ON notify_deliveries (created_at, id);
CREATE TABLE IF NOT EXISTS notify_attempts (
	delivery_id TEXT NOT NULL,
	attempt     INTEGER NOT NULL,
	at          BIGINT NOT NULL,
	ok          INTEGER NOT NULL,
	error       TEXT NOT NULL,
	PRIMARY KEY (delivery_id, attempt)
);
CREATE TABLE IF NOT EXISTS notify_addresses (
	username   TEXT PRIMARY KEY,
	doc        TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
`

// EnqueueNotices puts notifications that no opinion's transition sets off (daily
// digests, alerts) in the outbox; a key already there is left as it is, so
// setting one off twice tells people once.
func (s *Store) EnqueueNotices(ctx context.Context, at time.Time, notes ...domain.Notification) error {
	for _, n := range notes {
		body, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if _, err := s.w.ExecContext(ctx, `
INSERT INTO notifications (key, opinion_id, body, status, attempts, created_at, due_at, settled_at, last_error, revision, event_at)
VALUES ($1, $2, $3, 'pending', 0, $4, $4, 0, '', 0, 0) ON CONFLICT (key) DO NOTHING`,
			n.Key, n.OpinionID, string(body), at.UnixMilli()); err != nil {
			return fmt.Errorf("store: enqueue notification: %w", err)
		}
	}
	return nil
}

// EnqueueDeliveries adds deliveries to the record, pending; one whose id is
// there already is left as it is (the fan-out was repeated).
func (s *Store) EnqueueDeliveries(ctx context.Context, ds []notify.Delivery) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for _, d := range ds {
		msg, err := json.Marshal(d.Message)
		if err != nil {
			return err
		}
		var note []byte
		if d.Notification != nil {
			if note, err = json.Marshal(d.Notification); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO notify_deliveries (id, notification_key, kind, opinion_id, campaign_id, recipient, channel, target, message,
	notification, status, attempts, max_attempts, budget, due_at, created_at, settled_at, last_error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11, $12, $12, 0, '') ON CONFLICT (id) DO NOTHING`,
			d.ID, d.NotificationKey, string(d.Kind), d.OpinionID, d.CampaignID, d.Recipient, string(d.Channel), d.Target,
			string(msg), string(note), d.MaxAttempts, d.CreatedAt.UnixMilli()); err != nil {
			return fmt.Errorf("store: enqueue delivery: %w", err)
		}
	}
	return tx.Commit()
}

const deliveryColumns = `id, notification_key, kind, opinion_id, campaign_id, recipient, channel, target, message,
	notification, status, attempts, max_attempts, created_at, settled_at, last_error`

func scanDelivery(row rowScanner) (notify.Delivery, error) {
	var d notify.Delivery
	var kind, channel, msg, note string
	var created, settled int64
	if err := row.Scan(&d.ID, &d.NotificationKey, &kind, &d.OpinionID, &d.CampaignID, &d.Recipient, &channel, &d.Target,
		&msg, &note, &d.Status, &d.Attempts, &d.MaxAttempts, &created, &settled, &d.LastError); err != nil {
		return d, err
	}
	d.Kind, d.Channel = domain.Action(kind), notify.Channel(channel)
	d.CreatedAt = time.UnixMilli(created).UTC()
	if settled > 0 {
		t := time.UnixMilli(settled).UTC()
		d.SettledAt = &t
	}
	if err := json.Unmarshal([]byte(msg), &d.Message); err != nil {
		return d, fmt.Errorf("store: delivery %s: %w", d.ID, err)
	}
	if note != "" {
		d.Notification = &domain.Notification{}
		if err := json.Unmarshal([]byte(note), d.Notification); err != nil {
			return d, fmt.Errorf("store: delivery %s: %w", d.ID, err)
		}
	}
	return d, nil
}

// ClaimDeliveries leases up to limit pending deliveries due at now until
// now+lease and counts an attempt on each (as ClaimNotifications).
func (s *Store) ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]notify.Delivery, error) {
	var due int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM notify_deliveries WHERE status = 'pending' AND due_at <= $1 LIMIT 1) AS d`,
		now.UnixMilli()).Scan(&due)
	if err != nil || due == 0 {
		return nil, err
	}
	rows, err := s.w.QueryContext(ctx, `
UPDATE notify_deliveries SET due_at = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM notify_deliveries WHERE status = 'pending' AND due_at <= $2 ORDER BY due_at LIMIT $3)
	AND status = 'pending' AND due_at <= $2
RETURNING `+deliveryColumns, now.Add(lease).UnixMilli(), now.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	defer rows.Close()
	var out []notify.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliveryAttempted records the attempt d.Attempts at d made at: delivered when
// failure is empty, else due again at retryAt, or failed when retryAt is zero.
func (s *Store) DeliveryAttempted(ctx context.Context, d notify.Delivery, at time.Time, failure string, retryAt time.Time) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	ok := 0
	if failure == "" {
		ok = 1
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO notify_attempts (delivery_id, attempt, at, ok, error) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (delivery_id, attempt) DO NOTHING`, d.ID, d.Attempts, at.UnixMilli(), ok, failure); err != nil {
		return fmt.Errorf("store: delivery attempt: %w", err)
	}
	switch {
	case failure == "":
		_, err = tx.ExecContext(ctx, `UPDATE notify_deliveries SET status = 'delivered', settled_at = $2, last_error = '' WHERE id = $1`,
			d.ID, at.UnixMilli())
	case retryAt.IsZero():
		_, err = tx.ExecContext(ctx, `UPDATE notify_deliveries SET status = 'failed', settled_at = $2, last_error = $3 WHERE id = $1`,
			d.ID, at.UnixMilli(), failure)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE notify_deliveries SET due_at = $2, last_error = $3 WHERE id = $1 AND status = 'pending'`,
			d.ID, retryAt.UnixMilli(), failure)
	}
	if err != nil {
		return fmt.Errorf("store: delivery attempt: %w", err)
	}
	return tx.Commit()
}

// DeliveryFilter narrows the delivery record's list; zero fields do not.
type DeliveryFilter struct {
	Status    string
	Channel   string
	Recipient string
	OpinionID string
	// Before is a cursor (DeliveryPage.Next): the list goes on after it.
	Before string
	Limit  int
}

// DeliveryPage is a page of the record, newest first; Next is the cursor of the
// page after it, empty at the end.
type DeliveryPage struct {
	Deliveries []notify.Delivery
	Next       string
}

// ErrBadCursor is returned for a cursor the store did not hand out.
var ErrBadCursor = errors.New("bad cursor")

// Deliveries lists the delivery record, newest first.
func (s *Store) Deliveries(ctx context.Context, f DeliveryFilter) (DeliveryPage, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for col, v := range map[string]string{"status": f.Status, "channel": f.Channel, "recipient": f.Recipient, "opinion_id": f.OpinionID} {
		if v != "" {
			where = append(where, col+" = "+arg(v))
		}
	}
	if f.Before != "" {
		ms, id, ok := strings.Cut(f.Before, "-")
		at, err := strconv.ParseInt(ms, 10, 64)
		if !ok || err != nil {
			return DeliveryPage{}, ErrBadCursor
		}
		where = append(where, "(created_at < "+arg(at)+" OR (created_at = "+arg(at)+" AND id < "+arg(id)+"))")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + deliveryColumns + ` FROM notify_deliveries`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return DeliveryPage{}, fmt.Errorf("store: deliveries: %w", err)
	}
	defer rows.Close()
	var page DeliveryPage
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return DeliveryPage{}, err
		}
		page.Deliveries = append(page.Deliveries, d)
	}
	if err := rows.Err(); err != nil {
		return DeliveryPage{}, err
	}
	if len(page.Deliveries) > limit {
		page.Deliveries = page.Deliveries[:limit]
		last := page.Deliveries[limit-1]
		page.Next = fmt.Sprintf("%d-%s", last.CreatedAt.UnixMilli(), last.ID)
	}
	return page, nil
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, id string) (notify.Delivery, error) {
	d, err := scanDelivery(s.r.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM notify_deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	return d, err
}

// DeliveryAttempt is one attempt at a delivery.
type DeliveryAttempt struct {
	Attempt int       `json:"attempt"`
	At      time.Time `json:"at"`
	OK      bool      `json:"ok"`
	Error   string    `json:"error,omitempty"`
}

// DeliveryAttempts lists a delivery's attempts, first first.
func (s *Store) DeliveryAttempts(ctx context.Context, id string) ([]DeliveryAttempt, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT attempt, at, ok, error FROM notify_attempts WHERE delivery_id = $1 ORDER BY attempt`, id)
	if err != nil {
		return nil, fmt.Errorf("store: delivery attempts: %w", err)
	}
	defer rows.Close()
	var out []DeliveryAttempt
	for rows.Next() {
		var a DeliveryAttempt
		var at int64
		var ok int
		if err := rows.Scan(&a.Attempt, &at, &ok, &a.Error); err != nil {
			return nil, err
		}
		a.At, a.OK = time.UnixMilli(at).UTC(), ok == 1
		out = append(out, a)
	}
	return out, rows.Err()
}

// ErrNotFailed is returned when resending a delivery that has not failed.
var ErrNotFailed = errors.New("not failed")

// ResendDelivery puts a failed delivery back in the queue, due at now, with as
// many tries again as it first had: its earlier attempts stay in the record.
func (s *Store) ResendDelivery(ctx context.Context, id string, now time.Time) (notify.Delivery, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE notify_deliveries SET status = 'pending', due_at = $2, settled_at = 0,
	max_attempts = attempts + budget WHERE id = $1 AND status = 'failed'`, id, now.UnixMilli())
	if err != nil {
		return notify.Delivery{}, fmt.Errorf("store: resend delivery: %w", err)
	}
	d, err := s.Delivery(ctx, id)
	if err != nil {
		return d, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return d, ErrNotFailed
	}
	return d, nil
}

// NotifyAddresses returns the addresses a person set for their notifications
// (none when they set none).
func (s *Store) NotifyAddresses(ctx context.Context, username string) (notify.UserAddresses, error) {
	var doc string
	var u notify.UserAddresses
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM notify_addresses WHERE username = $1`, username).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return u, nil
	}
	if err != nil {
		return u, fmt.Errorf("store: notification addresses: %w", err)
	}
	plain := []byte(doc)
	if !strings.HasPrefix(doc, "{") { // sealed (SealWith); a row written before in clear is JSON
		if s.sealer == nil {
			return u, fmt.Errorf("store: %s's notification addresses are sealed and no payload key is loaded", username)
		}
		if plain, err = s.sealer.Open(doc); err != nil {
			return u, fmt.Errorf("store: %s's notification addresses: %w", username, err)
		}
	}
	return u, json.Unmarshal(plain, &u)
}

// Sealer encrypts what the store keeps at rest that is a secret in itself: a
// person's robot webhooks (their tokens are in the URL) and signing secrets
// (payload.Keyring).
type Sealer interface {
	Seal(plain []byte) (string, error)
	Open(sealed string) ([]byte, error)
}

// SealWith makes the store keep people's notification addresses sealed from now
// on; those kept before in clear are read as they are, and sealed when next set.
func (s *Store) SealWith(k Sealer) { s.sealer = k }

// SetNotifyAddresses replaces a person's addresses, sealed when the store has a
// Sealer.
func (s *Store) SetNotifyAddresses(ctx context.Context, username string, u notify.UserAddresses, at time.Time) error {
	plain, err := json.Marshal(u)
	if err != nil {
		return err
	}
	doc := string(plain)
	if s.sealer != nil {
		if doc, err = s.sealer.Seal(plain); err != nil {
			return fmt.Errorf("store: set notification addresses: %w", err)
		}
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO notify_addresses (username, doc, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (username) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at`, username, doc, at.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: set notification addresses: %w", err)
	}
	return nil
}

// DigestRow is an open item on someone's digest: its official's and leader's
// usernames and how urgent it is.
type DigestRow struct {
	OpinionID, Key, Official, Leader, Deadline string
	Level                                      domain.OverdueLevel
}

// DigestRows lists the items being fixed (assigned or in progress) that are due
// soon, overdue, supervised or on the accountability list, most urgent first.
func (s *Store) DigestRows(ctx context.Context) ([]DigestRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, key, official, leader, deadline, overdue_level FROM opinions
WHERE state IN ('assigned', 'in_progress') AND overdue_level IN ('due_soon', 'overdue', 'supervised', 'accountability')
ORDER BY level_rank DESC, deadline, id`)
	if err != nil {
		return nil, fmt.Errorf("store: digest: %w", err)
	}
	defer rows.Close()
	var out []DigestRow
	for rows.Next() {
		var r DigestRow
		var level string
		if err := rows.Scan(&r.OpinionID, &r.Key, &r.Official, &r.Leader, &r.Deadline, &level); err != nil {
			return nil, err
		}
		r.Level = domain.OverdueLevel(level)
		out = append(out, r)
	}
	return out, rows.Err()
}
