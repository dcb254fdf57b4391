package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/temporal"
	"golang.org/x/sync/errgroup"
)

// DeliveryStore keeps the deliveries and every attempt at one (the reporting
// store): what was sent, to whom, over which channel, when, and how it went.
type DeliveryStore interface {
	DeliveryQueue
	// ClaimDeliveries leases up to limit deliveries due at now until now+lease,
	// counting an attempt on each; no other claim sees them meanwhile.
	ClaimDeliveries(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Delivery, error)
	// DeliveryAttempted records an attempt at d made at: ok when err is empty;
	// otherwise due again at retryAt, or failed for good when retryAt is zero.
	DeliveryAttempted(ctx context.Context, d Delivery, at time.Time, failure string, retryAt time.Time) error
}

// DefaultMaxAttempts is how often a delivery is tried before it is reported as
// failed: with the backoff (1 s doubling to 5 min) about twelve minutes.
const DefaultMaxAttempts = 10

// Deliverer sends the queued deliveries over their channels, each retried with
// backoff on its own: a person whose robot refuses does not hold up anyone else.
// Addresses are read at each attempt, so a resend after someone mended their
// webhook goes to the mended one; secrets are never stored with a delivery.
type Deliverer struct {
	Store  DeliveryStore
	Sender *Sender
	// Webhook posts the generic webhook's deliveries.
	Webhook *Webhook
	Routes  Routes
	Users   UserBook
	Logger  *slog.Logger
	Every   time.Duration
	Now     func() time.Time
}

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) {
	for {
		n, err := d.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			d.Logger.Warn("notification deliveries unreadable; trying again", "err", err)
		}
		if n == claimBatch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.Every):
		}
	}
}

// DeliverDue sends the deliveries due now and records each attempt. It returns
// how many it claimed.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	due, err := d.Store.ClaimDeliveries(ctx, d.now(), claimBatch, lease)
	if err != nil {
		return 0, err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(deliverers)
	for _, dl := range due {
		g.Go(func() error { return d.deliver(gctx, dl) })
	}
	return len(due), g.Wait()
}

func (d *Deliverer) deliver(ctx context.Context, dl Delivery) error {
	err := d.send(ctx, dl)
	if err == nil {
		return d.Store.DeliveryAttempted(ctx, dl, d.now(), "", time.Time{})
	}
	max := dl.MaxAttempts
	if max <= 0 {
		max = DefaultMaxAttempts
	}
	var retryAt time.Time
	var ae *temporal.ApplicationError
	if !(errors.As(err, &ae) && ae.NonRetryable()) && dl.Attempts < max {
		retryAt = d.now().Add(backoff(dl.Attempts))
	}
	if retryAt.IsZero() {
		d.Logger.Warn("notification not delivered", "delivery", dl.ID, "kind", dl.Kind, "recipient", dl.Recipient,
			"channel", dl.Channel, "attempts", dl.Attempts, "err", err)
	}
	return d.Store.DeliveryAttempted(ctx, dl, d.now(), failureText(err), retryAt)
}

// failureText is what the record keeps of a failure: the error's own message,
// without Temporal's wrapping.
func failureText(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Message()
	}
	return err.Error()
}

func (d *Deliverer) send(ctx context.Context, dl Delivery) error {
	if dl.Channel == ChannelWebhook {
		if d.Webhook == nil || dl.Notification == nil {
			return temporal.NewNonRetryableApplicationError("no generic webhook configured (RECTIFY_WEBHOOK_URL)", "WebhookConfig", nil)
		}
		return d.Webhook.Notify(ctx, *dl.Notification)
	}
	a, err := d.address(ctx, dl)
	if err != nil {
		return err
	}
	return d.Sender.Send(ctx, a, dl.Message)
}

// address is where dl goes now: its recipient's current address on its channel.
func (d *Deliverer) address(ctx context.Context, dl Delivery) (Address, error) {
	var to UserAddresses
	if kind, name, _ := cutRecipient(dl.Recipient); kind == "user" {
		var err error
		if to, err = d.Users.NotifyAddresses(ctx, name); err != nil {
			return Address{}, err
		}
	} else {
		to, _ = d.Routes.addressesOf(dl.Recipient)
	}
	a, ok := to.Address(dl.Channel)
	if !ok {
		return Address{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s has no %s address any more", dl.Recipient, dl.Channel), "NoAddress", nil)
	}
	return a, nil
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}
