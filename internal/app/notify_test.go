package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/workflows"
)

// webhook is an office's messaging gateway: it refuses the first delivery it sees
// (503) and records every notification it accepts.
type webhook struct {
	mu       sync.Mutex
	refused  bool
	accepted map[string][]domain.Notification // by Idempotency-Key
}

func (w *webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var n domain.Notification
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.refused {
		w.refused = true
		http.Error(rw, "busy", http.StatusServiceUnavailable)
		return
	}
	w.accepted[r.Header.Get("Idempotency-Key")] = append(w.accepted[r.Header.Get("Idempotency-Key")], n)
}

func (w *webhook) snapshot() map[string][]domain.Notification {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[string][]domain.Notification{}
	for k, v := range w.accepted {
		out[k] = append([]domain.Notification(nil), v...)
	}
	return out
}

// TestNotificationsReachTheWebhookOnceEach follows the notifications of an opinion
// from its transitions through the outbox to the office's webhook, a refused
// delivery retried, and none of them in the workflow's history.
func TestNotificationsReachTheWebhookOnceEach(t *testing.T) {
	hook := &webhook{accepted: map[string][]domain.Notification{}}
	srv := httptest.NewServer(hook)
	defer srv.Close()
	dir := t.TempDir()
	apitest.WriteUsers(t, dir)
	a := startApp(t, dir, map[string]string{"RECTIFY_WEBHOOK_URL": srv.URL})
	defer a.Stop()
	h := apitest.Client{T: t, Base: "http://" + a.HTTPAddr}

	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "c1", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "N-1", "content": "幸福路路灯不亮", "channel": "热线", "collected_at": time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout),
	}, http.StatusCreated)
	id := op["id"].(string)
	act := func(as, action string, body map[string]any) {
		h.Must(as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+action, body, http.StatusOK)
	}
	act("office", "categorize", map[string]any{"category": "群众需要解决的问题"})
	act("office", "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader", "measures": "修灯"})
	act("official", "sign", map[string]any{})
	act("official", "submit", map[string]any{"measures": "已修复", "evidence": "照片"})

	var got map[string][]domain.Notification
	require.Eventually(t, func() bool {
		got = hook.snapshot()
		return len(got) == 2
	}, 30*time.Second, 50*time.Millisecond, "the assignment and the submission are both delivered, the refused one retried")
	kinds := map[domain.Action][]string{}
	for key, ns := range got {
		require.Len(t, ns, 1, "%s delivered once", key)
		kinds[ns[0].Kind] = ns[0].Recipients
	}
	require.Equal(t, []string{"official"}, kinds[domain.ActionAssign])
	require.Contains(t, kinds, domain.ActionSubmit)

	it := a.Temporal().GetWorkflowHistory(context.Background(), workflows.OpinionWorkflowID(id), "", false, 0)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		require.NotEqual(t, enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, e.GetEventType(), "notifications leave through the outbox, not activities")
	}
}
