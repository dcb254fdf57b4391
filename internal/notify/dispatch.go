package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"

	"rectify/internal/domain"
)

// Due is a notification waiting in the outbox, with how many deliveries have been
// tried, this one included.
type Due struct {
	Notification domain.Notification
	Attempts     int
}

// Outbox keeps notifications until they are delivered. The reporting store is one:
// opinions put their notifications there in the transaction of their projection, so
// a notification exists exactly when the transition that set it off does.
type Outbox interface {
	// ClaimNotifications leases up to limit notifications due at now to the caller
	// until now+lease, counting an attempt; no other claim sees them meanwhile.
	ClaimNotifications(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Due, error)
	// NotificationDelivered strikes a notification off.
	NotificationDelivered(ctx context.Context, key string, at time.Time) error
	// NotificationFailed records a failed delivery: tried again at retryAt, or never
	// when retryAt is zero.
	NotificationFailed(ctx context.Context, key string, retryAt time.Time, reason string) error
}

// Dispatcher delivers the outbox's notifications through a Notifier. Several
// processes may run one on the same outbox: claims keep them from delivering a
// notification twice at once, and the Idempotency-Key covers a crash mid-delivery.
type Dispatcher struct {
	Outbox   Outbox
	Notifier Notifier
	Logger   *slog.Logger
	// Every is how often the outbox is read while it is idle.
	Every time.Duration
	// Now is the clock; time.Now unless a test sets it.
	Now func() time.Time
}

const (
	// claimBatch notifications are claimed at a time and delivered deliverers at once.
	claimBatch = 64
	deliverers = 8
	// lease is how long a claim keeps other dispatchers off; longer than a delivery.
	lease = time.Minute
	// maxAttempts matches what the notification activity allowed: then it is dropped
	// (and logged), as a delivery that cannot succeed must not be tried forever.
	maxAttempts = 20
	maxBackoff  = 5 * time.Minute
)

// Run delivers until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	for {
		n, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.Logger.Warn("notification outbox unreadable; trying again", "err", err)
		}
		if n == claimBatch {
			continue // more are waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.Every):
		}
	}
}

// DeliverDue claims the notifications due now, delivers them, and records each
// outcome. It returns how many it claimed.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	now := d.now()
	due, err := d.Outbox.ClaimNotifications(ctx, now, claimBatch, lease)
	if err != nil {
		return 0, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(deliverers)
	for _, n := range due {
		g.Go(func() error { return d.deliver(gctx, n) })
	}
	return len(due), g.Wait()
}

func (d *Dispatcher) deliver(ctx context.Context, n Due) error {
	key := n.Notification.Key
	err := d.Notifier.Notify(ctx, n.Notification)
	if err == nil {
		return d.Outbox.NotificationDelivered(ctx, key, d.now())
	}
	var retryAt time.Time
	var ae *temporal.ApplicationError
	if !(errors.As(err, &ae) && ae.NonRetryable()) && n.Attempts < maxAttempts {
		retryAt = d.now().Add(backoff(n.Attempts))
	}
	if retryAt.IsZero() {
		d.Logger.Error("notification dropped", "key", key, "kind", n.Notification.Kind, "attempts", n.Attempts, "err", err)
	}
	return d.Outbox.NotificationFailed(ctx, key, retryAt, err.Error())
}

// backoff doubles from a second up to maxBackoff.
func backoff(attempts int) time.Duration {
	b := time.Second << min(attempts-1, 20)
	return min(max(b, time.Second), maxBackoff)
}

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
