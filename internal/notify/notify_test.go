package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"rectify/internal/domain"
)

func notification() domain.Notification {
	return domain.Notification{
		Kind:       domain.ActionAssign,
		OpinionID:  "qzlx-2026/TJ-001",
		CampaignID: "qzlx-2026",
		Recipients: []string{"official", "leader"},
		State:      domain.StateAssigned,
		Level:      domain.LevelDueSoon,
		Deadline:   "2026-11-30",
		Key:        "qzlx-2026/TJ-001/assign/3",
	}
}

// jsonKeys lists the top-level keys of one JSON object in order, duplicates included.
func jsonKeys(t *testing.T, line []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(line))
	tok, err := dec.Token()
	require.NoError(t, err)
	require.Equal(t, json.Delim('{'), tok)
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	return keys
}

func TestLogWritesIDsAndLevelsNeverContent(t *testing.T) {
	var buf bytes.Buffer
	l := Log{Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	require.NoError(t, l.Notify(context.Background(), notification()))

	line := bytes.TrimSpace(buf.Bytes())
	require.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), "one log line per notification")
	require.ElementsMatch(t,
		[]string{"time", "level", "msg", "kind", "opinion", "campaign", "recipients", "roles", "state", "overdue_level", "deadline"},
		jsonKeys(t, line), "only ids, states and levels are logged, and no key is written twice")

	var rec map[string]any
	require.NoError(t, json.Unmarshal(line, &rec), string(line))
	require.Equal(t, "INFO", rec["level"], "the record's own level is not overwritten by the overdue level")
	require.Equal(t, "notification", rec["msg"])
	require.Equal(t, "assign", rec["kind"])
	require.Equal(t, "qzlx-2026/TJ-001", rec["opinion"])
	require.Equal(t, "qzlx-2026", rec["campaign"])
	require.Equal(t, []any{"official", "leader"}, rec["recipients"])
	require.Equal(t, "assigned", rec["state"])
	require.Equal(t, "due_soon", rec["overdue_level"])
	require.Equal(t, "2026-11-30", rec["deadline"])
}

func TestLogTextOutput(t *testing.T) {
	var buf bytes.Buffer
	l := Log{Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	n := notification()
	n.Kind, n.Level, n.State = domain.ActionSubmit, domain.LevelSupervised, domain.StateInProgress
	require.NoError(t, l.Notify(context.Background(), n))
	out := buf.String()
	for _, s := range []string{"msg=notification", "kind=submit", "opinion=qzlx-2026/TJ-001", "campaign=qzlx-2026",
		"state=in_progress", "overdue_level=supervised", "deadline=2026-11-30", "official", "leader"} {
		require.Contains(t, out, s)
	}
}

type received struct {
	method, contentType, idempotencyKey string
	body                                []byte
}

func server(t *testing.T, status int) (*httptest.Server, func() []received) {
	t.Helper()
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, received{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Idempotency-Key"), body})
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ok": false}`))
	}))
	t.Cleanup(srv.Close)
	return srv, func() []received {
		mu.Lock()
		defer mu.Unlock()
		return append([]received(nil), got...)
	}
}

func TestWebhookPostsJSON(t *testing.T) {
	srv, got := server(t, http.StatusNoContent)
	require.NoError(t, NewWebhook(srv.URL+"/hook").Notify(context.Background(), notification()))

	reqs := got()
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.Equal(t, http.MethodPost, r.method)
	require.Equal(t, "application/json", r.contentType)
	require.Equal(t, "qzlx-2026/TJ-001/assign/3", r.idempotencyKey)

	var n domain.Notification
	require.NoError(t, json.Unmarshal(r.body, &n), string(r.body))
	require.Equal(t, notification(), n)

	var fields map[string]any
	require.NoError(t, json.Unmarshal(r.body, &fields))
	require.Equal(t, "assign", fields["kind"])
	require.Equal(t, "qzlx-2026/TJ-001", fields["opinion_id"])
	require.Equal(t, "due_soon", fields["level"])
}

func TestWebhookStatuses(t *testing.T) {
	tests := []struct {
		status       int
		wantErr      bool
		nonRetryable bool
	}{
		{http.StatusOK, false, false},
		{http.StatusCreated, false, false},
		{http.StatusAccepted, false, false},
		{http.StatusNoContent, false, false},
		{http.StatusBadRequest, true, true},
		{http.StatusUnauthorized, true, true},
		{http.StatusForbidden, true, true},
		{http.StatusNotFound, true, true},
		{http.StatusUnprocessableEntity, true, true},
		{http.StatusTooManyRequests, true, false},
		{http.StatusInternalServerError, true, false},
		{http.StatusBadGateway, true, false},
		{http.StatusServiceUnavailable, true, false},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			srv, got := server(t, tc.status)
			err := NewWebhook(srv.URL).Notify(context.Background(), notification())
			require.Len(t, got(), 1)
			if !tc.wantErr {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Contains(t, err.Error(), http.StatusText(tc.status), "the error names the answer")
			var appErr *temporal.ApplicationError
			if tc.nonRetryable {
				require.True(t, temporal.IsApplicationError(err))
				require.True(t, errors.As(err, &appErr))
				require.True(t, appErr.NonRetryable(), "a refused notification is not retried")
				require.Equal(t, "WebhookRefused", appErr.Type())
				return
			}
			if errors.As(err, &appErr) {
				require.False(t, appErr.NonRetryable(), "status %d is retried", tc.status)
			}
		})
	}
}

func TestWebhookUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()

	w := NewWebhook(url)
	w.Client.Timeout = 2 * time.Second
	err := w.Notify(context.Background(), notification())
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "webhook:"), err.Error())
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		require.False(t, appErr.NonRetryable(), "an unreachable receiver is retried")
	}
}

func TestWebhookCancelledContext(t *testing.T) {
	srv, got := server(t, http.StatusOK)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := NewWebhook(srv.URL).Notify(ctx, notification())
	require.Error(t, err)
	require.ErrorIs(t, err, context.Canceled)
	require.Empty(t, got())
}

func TestWebhookBadURLIsNotRetried(t *testing.T) {
	err := NewWebhook("http://bad host/\x7f").Notify(context.Background(), notification())
	require.Error(t, err)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.True(t, appErr.NonRetryable())
	require.Contains(t, err.Error(), "bad URL")
}

// TestWebhookAnsweringErrcodeIsNotDelivered: a DingTalk or WeCom robot answers a
// message it refuses (a bad signature, a keyword missing, too many messages) with
// HTTP 200 and a non-zero errcode, and Feishu's with a non-zero code. That is a
// failed delivery, to be tried again, never one recorded as delivered.
func TestWebhookAnsweringErrcodeIsNotDelivered(t *testing.T) {
	for _, answer := range []string{
		`{"errcode":310000,"errmsg":"sign not match"}`,
		`{"errcode":45009,"errmsg":"api freq out of limit"}`,
		`{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(answer))
		}))
		err := NewWebhook(srv.URL).Notify(context.Background(), notification())
		srv.Close()
		require.Error(t, err, "a 200 answer with %s is a failure", answer)
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			require.False(t, appErr.NonRetryable(), "it is tried again")
		}
	}
	for _, answer := range []string{`{"errcode":0,"errmsg":"ok"}`, `{"code":0,"msg":"success"}`, `{"StatusCode":0}`, ``, `accepted`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(answer))
		}))
		err := NewWebhook(srv.URL).Notify(context.Background(), notification())
		srv.Close()
		require.NoError(t, err, "%q is a success", answer)
	}
}
