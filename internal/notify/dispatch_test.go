package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/domain"
)

// memOutbox is an outbox in memory that records every outcome.
type memOutbox struct {
	mu        sync.Mutex
	due       []Due
	delivered []string
	retries   map[string]time.Time
}

func (o *memOutbox) ClaimNotifications(_ context.Context, _ time.Time, limit int, _ time.Duration) ([]Due, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := min(limit, len(o.due))
	out := o.due[:n]
	o.due = o.due[n:]
	return out, nil
}

func (o *memOutbox) NotificationDelivered(_ context.Context, key string, _ time.Time) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.delivered = append(o.delivered, key)
	return nil
}

func (o *memOutbox) NotificationFailed(_ context.Context, key string, retryAt time.Time, _ string) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retries[key] = retryAt
	return nil
}

// scriptedNotifier fails the keys it is told to, with the error given.
type scriptedNotifier map[string]error

func (s scriptedNotifier) Notify(_ context.Context, n domain.Notification) error { return s[n.Key] }

func TestDispatcherSettlesEveryClaimedNotification(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	due := func(key string, attempts int) Due {
		return Due{Notification: domain.Notification{Key: key, Kind: domain.ActionAssign}, Attempts: attempts}
	}
	out := &memOutbox{retries: map[string]time.Time{}, due: []Due{
		due("ok", 1), due("flaky", 3), due("refused", 1), due("exhausted", maxAttempts),
	}}
	d := &Dispatcher{
		Outbox: out, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now },
		Notifier: scriptedNotifier{
			"flaky":     errors.New("webhook answered 502"),
			"refused":   temporal.NewNonRetryableApplicationError("webhook refused", "WebhookRefused", nil),
			"exhausted": errors.New("webhook answered 502"),
		},
	}
	n, err := d.DeliverDue(context.Background())
	require.NoError(t, err)
	require.Equal(t, 4, n)
	require.Equal(t, []string{"ok"}, out.delivered)
	require.Equal(t, now.Add(4*time.Second), out.retries["flaky"], "the third failure waits 4 s")
	require.True(t, out.retries["refused"].IsZero(), "a refusal is final")
	require.True(t, out.retries["exhausted"].IsZero(), "after %d attempts it is dropped", maxAttempts)
}

func TestBackoffDoublesUpToFiveMinutes(t *testing.T) {
	require.Equal(t, time.Second, backoff(1))
	require.Equal(t, 2*time.Second, backoff(2))
	require.Equal(t, 256*time.Second, backoff(9))
	require.Equal(t, maxBackoff, backoff(10))
	require.Equal(t, maxBackoff, backoff(maxAttempts))
}
