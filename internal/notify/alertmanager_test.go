package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

const alertmanagerBody = `{"version":"4","status":"firing","receiver":"rectify","groupKey":"{}:{alertname=\"RectifyOverdueRising\"}",
"alerts":[{"status":"firing","labels":{"alertname":"RectifyOverdueRising","severity":"warning","campaign":"demo"},
"annotations":{"summary":"逾期事项一小时内增加了 12 件"},"startsAt":"2026-11-27T01:00:00Z","endsAt":"0001-01-01T00:00:00Z","fingerprint":"a1b2c3"}]}`

func TestAlertReceiverQueuesEachAlertForPeople(t *testing.T) {
	var got []domain.Notification
	h := &AlertReceiver{Token: "alertmanager-token-0123", Enqueue: func(_ context.Context, _ time.Time, notes ...domain.Notification) error {
		got = append(got, notes...)
		return nil
	}}
	post := func(token, body string) int {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/alerts", strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusUnauthorized, post("", alertmanagerBody))
	require.Equal(t, http.StatusUnauthorized, post("wrong-token-wrong-token", alertmanagerBody))
	require.Equal(t, http.StatusBadRequest, post("alertmanager-token-0123", "{"))
	require.Empty(t, got)
	require.Equal(t, http.StatusAccepted, post("alertmanager-token-0123", alertmanagerBody))
	require.Len(t, got, 1)
	n := got[0]
	require.Equal(t, domain.NotifyAlert, n.Kind)
	require.Equal(t, &domain.Alert{Name: "RectifyOverdueRising", Status: "firing", Severity: "warning",
		Summary: "逾期事项一小时内增加了 12 件", StartsAt: "2026-11-27T01:00:00Z"}, n.Alert)
	require.Equal(t, "alert/a1b2c3/firing/2026-11-27T01:00:00Z", n.Key, "a repeat of the same alert tells no one twice")

	m := Render(nil, "", "", n, Facts{})
	require.Contains(t, m.Text(), "RectifyOverdueRising")
	require.Contains(t, m.Text(), "逾期事项一小时内增加了 12 件")
}
