// Package notify tells people that an opinion needs them: a log notifier for the
// one-machine run and a generic JSON webhook for whatever messaging an office uses.
package notify

import (
	"bytes"
	"context"
	"encoding/json"
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

// Notify posts the notification; 4xx answers are final, anything else is retried,
// and so is a 200 whose JSON body says errcode or code non-zero (checkAnswer).
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
		return sendError("webhook", err)
	}
	defer resp.Body.Close()
	return checkAnswer("webhook", resp)
}
