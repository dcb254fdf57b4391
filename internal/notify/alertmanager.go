package notify

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"rectify/internal/domain"
)

// AlertReceiver takes Alertmanager's webhook posts (its version 4 payload) and
// puts each alert in the notification outbox, to the alerts route: operators are
// told over the same channels as everyone else, in the same delivery record.
type AlertReceiver struct {
	// Token is the bearer token Alertmanager sends (http_config.authorization).
	Token string
	// Enqueue puts notifications in the outbox; a key already there is left.
	Enqueue func(ctx context.Context, at time.Time, notes ...domain.Notification) error
	Now     func() time.Time
}

// alertmanagerPayload is the part of Alertmanager's webhook body read here.
type alertmanagerPayload struct {
	Alerts []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
		Fingerprint string            `json:"fingerprint"`
	} `json:"alerts"`
}

func (h *AlertReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(token), []byte(h.Token)) != 1 {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid_token","message":"send RECTIFY_ALERTMANAGER_TOKEN as 'Authorization: Bearer <token>'"}}`))
		return
	}
	var p alertmanagerPayload
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(data, &p)
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"malformed_json","message":"the body is not Alertmanager's webhook payload"}}`))
		return
	}
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	notes := make([]domain.Notification, 0, len(p.Alerts))
	for _, a := range p.Alerts {
		summary := a.Annotations["summary"]
		if summary == "" {
			summary = a.Annotations["description"]
		}
		alert := &domain.Alert{Name: a.Labels["alertname"], Status: a.Status, Severity: a.Labels["severity"],
			Summary: Short(summary, 300)}
		if !a.StartsAt.IsZero() {
			alert.StartsAt = a.StartsAt.Format(time.RFC3339)
		}
		notes = append(notes, domain.Notification{Kind: domain.NotifyAlert, Alert: alert,
			Key: "alert/" + a.Fingerprint + "/" + a.Status + "/" + a.StartsAt.UTC().Format(time.RFC3339)})
	}
	if err := h.Enqueue(r.Context(), now, notes...); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"store_unavailable","message":"the reporting store does not answer; Alertmanager will send it again"}}`))
		return
	}
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"status":"accepted"}`))
}
