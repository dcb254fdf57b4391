package app

import (
	"net/http"
	"time"

	"rectify/internal/notify"
	"rectify/internal/web/i18n"
)

// notifiers are the notification outbox's notifier — the fan-out to each
// recipient's channels, in their words — and the deliverer that sends what it
// queues, each attempt kept in the reporting store.
func (a *App) notifiers() (notify.Notifier, *notify.Deliverer) {
	logger := a.logger.With("component", "notify")
	n := a.cfg.Notify
	fan := &notify.Fanout{
		Routes: n.Routes, Users: a.store, Facts: a.Service, Text: i18n.Text, PublicURL: n.PublicURL,
		Queue: a.store, Fallback: notify.Log{Logger: logger}, MaxAttempts: n.MaxAttempts,
	}
	d := &notify.Deliverer{
		Store: a.store, Sender: &notify.Sender{Robots: notify.NewRobots(), Mail: n.SMTP},
		Routes: n.Routes, Users: a.store, Logger: logger, Every: 250 * time.Millisecond,
	}
	if n.Routes.Webhook != "" {
		d.Webhook = notify.NewWebhook(n.Routes.Webhook)
	}
	return fan, d
}

// withAlerts serves Alertmanager's posts (POST /api/v1/alerts) beside h when
// RECTIFY_ALERTMANAGER_TOKEN is set; without it the API answers that path 404.
func (a *App) withAlerts(h http.Handler) http.Handler {
	if a.cfg.Notify.AlertmanagerToken == "" {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("POST /api/v1/alerts", &notify.AlertReceiver{Token: a.cfg.Notify.AlertmanagerToken, Enqueue: a.store.EnqueueNotices})
	mux.Handle("/", h)
	return mux
}
