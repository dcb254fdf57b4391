// Package notify tells people that an opinion needs them: a log notifier for the
// one-machine run and a generic JSON webhook for whatever messaging an office uses.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"rectify/internal/domain"
)

// Notifier delivers one notification. An error is retried by the activity unless
// it is a non-retryable application error.
type Notifier interface {
	Notify(ctx context.Context, n domain.Notification) error
}

// Log writes notifications to the process log. They carry ids only, never citizen
// details, so they are safe to log.
type Log struct {
	Logger *slog.Logger
}

// Notify logs the notification.
func (l Log) Notify(_ context.Context, n domain.Notification) error {
	args := []any{"kind", n.Kind, "opinion", n.OpinionID, "campaign", n.CampaignID,
		"recipients", n.Recipients, "roles", n.Roles, "state", n.State, "overdue_level", n.Level, "deadline", n.Deadline}
	if n.ReportID != "" {
		args = append(args, "report", n.ReportID)
	}
	l.Logger.Info("notification", args...)
	return nil
}

// Webhook posts each notification as JSON to a URL. Receivers deduplicate on the
// Idempotency-Key header, since a delivery may be retried.
type Webhook struct {
	URL    string
	Client *http.Client
}

// NewWebhook returns a webhook notifier with a bounded request time.
func NewWebhook(url string) *Webhook {
	return &Webhook{URL: url, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Notify posts the notification; 4xx answers are final, anything else is retried.
func (w *Webhook) Notify(ctx context.Context, n domain.Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return temporal.NewNonRetryableApplicationError("webhook: bad URL", "WebhookConfig", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", n.Key)
	resp, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
		return temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("webhook refused the notification: %s", resp.Status), "WebhookRefused", nil)
	default:
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
}
