package notify

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/notify/notifytest"
)

// memDeliveries is a delivery record in memory.
type memDeliveries struct {
	mu       sync.Mutex
	ds       map[string]*Delivery
	due      map[string]time.Time
	attempts map[string][]string // failures, "" for a success
}

func newMemDeliveries() *memDeliveries {
	return &memDeliveries{ds: map[string]*Delivery{}, due: map[string]time.Time{}, attempts: map[string][]string{}}
}

func (m *memDeliveries) EnqueueDeliveries(_ context.Context, ds []Delivery) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range ds {
		if _, ok := m.ds[d.ID]; !ok {
			d := d
			m.ds[d.ID], m.due[d.ID] = &d, d.CreatedAt
		}
	}
	return nil
}

func (m *memDeliveries) ClaimDeliveries(_ context.Context, now time.Time, limit int, lease time.Duration) ([]Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Delivery
	for id, d := range m.ds {
		if d.Status == StatusPending && !m.due[id].After(now) && len(out) < limit {
			d.Attempts++
			m.due[id] = now.Add(lease)
			out = append(out, *d)
		}
	}
	return out, nil
}

func (m *memDeliveries) DeliveryAttempted(_ context.Context, d Delivery, at time.Time, failure string, retryAt time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempts[d.ID] = append(m.attempts[d.ID], failure)
	kept := m.ds[d.ID]
	kept.LastError = failure
	switch {
	case failure == "":
		kept.Status = StatusDelivered
	case retryAt.IsZero():
		kept.Status = StatusFailed
	default:
		m.due[d.ID] = retryAt
	}
	return nil
}

type book map[string]UserAddresses

func (b book) NotifyAddresses(_ context.Context, u string) (UserAddresses, error) { return b[u], nil }

type facts Facts

func (f facts) NotificationFacts(context.Context, domain.Notification) (Facts, error) {
	return Facts(f), nil
}

// TestARobotAnsweringErrcodeIsRetriedThenReportedFailed: a DingTalk robot that
// answers every message HTTP 200 with errcode 310000 (its secret was changed) is
// tried RECTIFY_NOTIFY_ATTEMPTS times with a growing wait, then the delivery is
// reported failed with the robot's answer; once the robot takes messages again a
// resend (a new budget) delivers it. The person's other channel is not held up.
func TestARobotAnsweringErrcodeIsRetriedThenReportedFailed(t *testing.T) {
	ding := notifytest.NewRobot(t, "dingtalk", "the-robots-secret")
	ding.Refuse(-1)
	wecom := notifytest.NewRobot(t, "wecom", "")
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	users := book{"official": {DingTalk: ding.URL(), DingTalkSecret: "the-robots-secret", WeCom: wecom.URL()}}
	store := newMemDeliveries()
	fan := &Fanout{Users: users, Facts: facts{Key: "TJ-001", Summary: "幸福路路灯不亮", Department: "城管科", Official: "王科长（official）"},
		PublicURL: "https://rectify.example.gov.cn", Queue: store, MaxAttempts: 4, Now: clock,
		Fallback: Log{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	require.NoError(t, fan.Notify(context.Background(), domain.Notification{Kind: domain.ActionAssign, OpinionID: "op-1",
		Recipients: []string{"official"}, State: domain.StateAssigned, Deadline: "2026-12-04", Key: "op-1/3"}))
	require.Len(t, store.ds, 2, "one delivery per channel of the official's")

	d := &Deliverer{Store: store, Sender: &Sender{Robots: NewRobots()}, Users: users, Now: clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	var waits []time.Duration
	dingID := DeliveryID("op-1/3", "user:official", ChannelDingTalk)
	for range 10 {
		_, err := d.DeliverDue(context.Background())
		require.NoError(t, err)
		if store.ds[dingID].Status != StatusPending {
			break
		}
		waits = append(waits, store.due[dingID].Sub(now))
		now = store.due[dingID]
	}
	got := store.ds[dingID]
	require.Equal(t, StatusFailed, got.Status, "reported failed, never delivered")
	require.Equal(t, 4, got.Attempts)
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, waits, "retried with backoff")
	require.Len(t, store.attempts[dingID], 4, "every attempt kept")
	require.Contains(t, got.LastError, "errcode 45009")
	require.NotContains(t, got.LastError, ding.Key, "no secret in the record")
	require.Equal(t, 4, ding.Refusals())

	wecomID := DeliveryID("op-1/3", "user:official", ChannelWeCom)
	require.Equal(t, StatusDelivered, store.ds[wecomID].Status, "the other channel went through at once")
	require.Len(t, wecom.Messages(), 1)
	require.Contains(t, string(wecom.Messages()[0]), "王科长（official）")
	require.Contains(t, string(wecom.Messages()[0]), "2026-12-04")
	require.Contains(t, string(wecom.Messages()[0]), "https://rectify.example.gov.cn/opinions/op-1")

	ding.Refuse(0)
	got.Status, got.MaxAttempts = StatusPending, got.Attempts+4
	store.due[dingID] = now
	_, err := d.DeliverDue(context.Background())
	require.NoError(t, err)
	require.Equal(t, StatusDelivered, store.ds[dingID].Status, "resent once the robot takes messages again")
	require.Len(t, ding.Messages(), 1)
}
