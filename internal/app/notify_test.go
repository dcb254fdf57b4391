package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/notify/notifytest"
	"rectify/internal/user"
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

// TestAnAssignmentReachesTheOfficialsDingTalkRobotInWords follows an assignment
// through the real embedded Temporal server, the worker and the outbox to the
// DingTalk robot the official set up for themselves (PUT /api/v1/me/notifications):
// a signed DingTalk markdown message naming the item, its official, its deadline
// and a link to it — never the citizen's phone or name. The office's delivery
// record shows it delivered.
func TestAnAssignmentReachesTheOfficialsDingTalkRobotInWords(t *testing.T) {
	robot := notifytest.NewRobot(t, "dingtalk", "SECofficial0123456789")
	dir := t.TempDir()
	apitest.WriteUsers(t, dir, user.User{Username: "wang", Name: "王建国", Roles: []domain.Role{domain.RoleOfficial}, Department: "城管科"})
	a := startApp(t, dir, map[string]string{"RECTIFY_PUBLIC_URL": "https://rectify.example.gov.cn/"})
	defer a.Stop()
	h := apitest.Client{T: t, Base: "http://" + a.HTTPAddr}

	h.Must("wang", http.MethodPut, "/api/v1/me/notifications", map[string]any{
		"dingtalk_webhook": robot.URL(), "dingtalk_secret": robot.Secret}, http.StatusOK)
	h.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "c1", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	op := h.Must("office", http.MethodPost, "/api/v1/campaigns/c1/opinions", map[string]any{
		"key": "N-1", "content": "幸福路路灯不亮，张三反映，电话13912345678", "channel": "热线", "submitter": "张三", "phone": "13912345678",
		"collected_at": time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout),
	}, http.StatusCreated)
	id := op["id"].(string)
	h.Must("office", http.MethodPost, "/api/v1/opinions/"+id+"/actions/categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	got := h.Must("office", http.MethodPost, "/api/v1/opinions/"+id+"/actions/assign", map[string]any{
		"department": "城管科", "official": "wang", "leader": "leader", "measures": "修灯"}, http.StatusOK)
	deadline := got["deadline"].(string)
	require.NotEmpty(t, deadline)

	require.Eventually(t, func() bool { return len(robot.Messages()) == 1 }, 30*time.Second, 50*time.Millisecond,
		"the signed message reached the official's robot")
	var msg struct {
		MsgType  string `json:"msgtype"`
		Markdown struct{ Title, Text string }
	}
	require.NoError(t, json.Unmarshal(robot.Messages()[0], &msg))
	require.Equal(t, "markdown", msg.MsgType)
	for _, want := range []string{"交办", "N-1", "幸福路路灯不亮", "王建国", "城管科", "整改时限：" + deadline,
		"(https://rectify.example.gov.cn/opinions/" + id + ")"} {
		require.Contains(t, msg.Markdown.Text, want)
	}
	for _, never := range []string{"13912345678", "张三"} {
		require.NotContains(t, msg.Markdown.Text, never, "no citizen's phone or name")
	}
	require.Zero(t, robot.Refusals(), "signed as DingTalk checks")

	var rec map[string]any
	require.Eventually(t, func() bool {
		rec = h.Must("office", http.MethodGet, "/api/v1/notifications?recipient=user:wang&status=delivered", nil, http.StatusOK)
		return len(rec["notifications"].([]any)) == 1
	}, 10*time.Second, 50*time.Millisecond)
	d := rec["notifications"].([]any)[0].(map[string]any)
	require.Equal(t, "dingtalk", d["channel"])
	require.NotContains(t, d["target"], "access_token", "the record keeps no secret")
}

// A person's robot webhook (its token is in the URL) and signing secret are kept
// sealed with the payload key: the reporting store's files never hold them in
// clear, and the messages still reach the robot after a restart.
func TestNotificationAddressesAreSealedAtRest(t *testing.T) {
	robot := notifytest.NewRobot(t, "dingtalk", "SECsealed0123456789")
	dir := t.TempDir()
	apitest.WriteUsers(t, dir)
	a := startApp(t, dir, nil)
	h := apitest.Client{T: t, Base: "http://" + a.HTTPAddr}
	h.Must("official", http.MethodPut, "/api/v1/me/notifications", map[string]any{
		"dingtalk_webhook": robot.URL(), "dingtalk_secret": robot.Secret}, http.StatusOK)
	a.Stop()

	files, err := filepath.Glob(filepath.Join(dir, "data", "rectify.db*"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		requireAbsent(t, data, filepath.Base(f), robot.Secret, robot.URL())
	}

	a = startApp(t, dir, nil)
	defer a.Stop()
	h.Base = "http://" + a.HTTPAddr
	got := h.Must("official", http.MethodGet, "/api/v1/me/notifications", nil, http.StatusOK)
	require.Equal(t, robot.URL(), got["dingtalk_webhook"])
	require.Equal(t, true, got["dingtalk_secret_set"])
}
