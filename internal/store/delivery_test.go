package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/notify"
	"rectify/internal/store"
)

func testDeliveryRecord(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	now := base.Add(time.Hour)
	var ds []notify.Delivery
	for i := range 3 {
		ds = append(ds, notify.Delivery{
			ID: notify.DeliveryID("op/3", fmt.Sprintf("user:u%d", i), notify.ChannelDingTalk), NotificationKey: "op/3",
			Kind: domain.ActionAssign, OpinionID: "op", CampaignID: "c1", Recipient: fmt.Sprintf("user:u%d", i),
			Channel: notify.ChannelDingTalk, Target: "oapi.dingtalk.com", MaxAttempts: 2,
			Message:   notify.Message{Title: "【交办】TJ-1", Lines: []string{"整改时限：2026-11-30"}},
			CreatedAt: now.Add(time.Duration(i) * time.Millisecond),
		})
	}
	require.NoError(t, s.EnqueueDeliveries(ctx, ds))
	require.NoError(t, s.EnqueueDeliveries(ctx, ds), "a repeated fan-out adds nothing")

	due, err := s.ClaimDeliveries(ctx, now.Add(10*time.Millisecond), 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, 3)
	again, err := s.ClaimDeliveries(ctx, now.Add(time.Second), 10, time.Minute)
	require.NoError(t, err)
	require.Empty(t, again, "claimed ones are leased")

	slices.SortFunc(due, func(a, b notify.Delivery) int { return a.CreatedAt.Compare(b.CreatedAt) })
	ok, retried, failed := due[0], due[1], due[2]
	require.Equal(t, 1, ok.Attempts)
	require.Equal(t, []string{"整改时限：2026-11-30"}, ok.Message.Lines)
	require.NoError(t, s.DeliveryAttempted(ctx, ok, now, "", time.Time{}))
	require.NoError(t, s.DeliveryAttempted(ctx, retried, now, "dingtalk answered 200 OK with errcode 45009: api freq out of limit", now.Add(time.Second)))
	require.NoError(t, s.DeliveryAttempted(ctx, failed, now, "dingtalk refused", time.Time{}))

	page, err := s.Deliveries(ctx, store.DeliveryFilter{Status: notify.StatusFailed})
	require.NoError(t, err)
	require.Len(t, page.Deliveries, 1)
	require.Equal(t, failed.ID, page.Deliveries[0].ID)
	require.Equal(t, "dingtalk refused", page.Deliveries[0].LastError)
	require.NotNil(t, page.Deliveries[0].SettledAt)

	due, err = s.ClaimDeliveries(ctx, now.Add(2*time.Second), 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.Equal(t, 2, due[0].Attempts)
	require.NoError(t, s.DeliveryAttempted(ctx, due[0], now.Add(2*time.Second), "", time.Time{}))
	attempts, err := s.DeliveryAttempts(ctx, retried.ID)
	require.NoError(t, err)
	require.Len(t, attempts, 2, "every attempt kept")
	require.False(t, attempts[0].OK)
	require.Contains(t, attempts[0].Error, "errcode 45009")
	require.True(t, attempts[1].OK)

	_, err = s.ResendDelivery(ctx, ok.ID, now)
	require.ErrorIs(t, err, store.ErrNotFailed, "only a failed one is resent")
	_, err = s.ResendDelivery(ctx, "nope", now)
	require.ErrorIs(t, err, store.ErrNotFound)
	d, err := s.ResendDelivery(ctx, failed.ID, now.Add(time.Minute))
	require.NoError(t, err)
	require.Equal(t, notify.StatusPending, d.Status)
	due, err = s.ClaimDeliveries(ctx, now.Add(time.Minute), 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.Equal(t, failed.ID, due[0].ID)
	require.Equal(t, 3, due[0].MaxAttempts, "as many tries again")

	all, err := s.Deliveries(ctx, store.DeliveryFilter{Limit: 2})
	require.NoError(t, err)
	require.Len(t, all.Deliveries, 2)
	require.Equal(t, failed.ID, all.Deliveries[0].ID, "newest first")
	rest, err := s.Deliveries(ctx, store.DeliveryFilter{Limit: 2, Before: all.Next})
	require.NoError(t, err)
	require.Len(t, rest.Deliveries, 1)
	require.Empty(t, rest.Next)

	none, err := s.NotifyAddresses(ctx, "official")
	require.NoError(t, err)
	require.True(t, none.Empty())
	set := notify.UserAddresses{DingTalk: "https://oapi.dingtalk.com/robot/send?access_token=a", DingTalkSecret: "SEC", Email: "w@example.gov.cn", Lang: "en"}
	require.NoError(t, s.SetNotifyAddresses(ctx, "official", set, now))
	got, err := s.NotifyAddresses(ctx, "official")
	require.NoError(t, err)
	require.Equal(t, set, got)
	set.Email = ""
	require.NoError(t, s.SetNotifyAddresses(ctx, "official", set, now))
	got, err = s.NotifyAddresses(ctx, "official")
	require.NoError(t, err)
	require.Equal(t, set, got)

	notice := domain.Notification{Kind: domain.NotifyDigest, Recipients: []string{"official"}, Key: "digest/2026-11-30/official"}
	require.NoError(t, s.EnqueueNotices(ctx, now, notice, notice))
	claimed, err := s.ClaimNotifications(ctx, now, 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
}
