package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/notify"
)

func testOutbox(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	s, other := openAt(t, dsn), openAt(t, dsn) // two processes on one store
	o := newOpinion("op-outbox", "c1", domain.StateAssigned, 3)
	var notes []domain.Notification
	for i := range 40 {
		notes = append(notes, domain.Notification{Kind: domain.ActionAssign, OpinionID: o.ID,
			Recipients: []string{"official"}, Key: fmt.Sprintf("%s/3/%d", o.ID, i)})
	}
	require.NoError(t, s.Project(ctx, o, notes))
	require.NoError(t, other.Project(ctx, o, notes), "a retried projection adds nothing")

	// Both processes claim at once: every notification goes to exactly one.
	now := base.Add(time.Hour)
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for _, st := range []interface {
		ClaimNotifications(context.Context, time.Time, int, time.Duration) ([]notify.Due, error)
	}{s, other, s, other} {
		wg.Go(func() {
			due, err := st.ClaimNotifications(ctx, now, 15, time.Minute)
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			for _, d := range due {
				require.Equal(t, 1, d.Attempts)
				require.Equal(t, []string{"official"}, d.Notification.Recipients)
				claimed[d.Notification.Key]++
			}
		})
	}
	wg.Wait()
	require.Len(t, claimed, len(notes), "every notification claimed")
	for k, n := range claimed {
		require.Equal(t, 1, n, "%s claimed once", k)
	}
	due, err := s.ClaimNotifications(ctx, now.Add(30*time.Second), 100, time.Minute)
	require.NoError(t, err)
	require.Empty(t, due, "claimed ones are leased")

	first, second, third := notes[0].Key, notes[1].Key, notes[2].Key
	require.NoError(t, s.NotificationDelivered(ctx, first, now))
	require.NoError(t, s.NotificationFailed(ctx, second, now.Add(2*time.Minute), "webhook answered 502"))
	require.NoError(t, s.NotificationFailed(ctx, third, time.Time{}, "webhook refused"))
	// The rest lapse with their lease at now+1m; the failed one is due at now+2m.
	due, err = s.ClaimNotifications(ctx, now.Add(90*time.Second), 100, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, len(notes)-3)
	due, err = s.ClaimNotifications(ctx, now.Add(2*time.Minute), 100, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, 1)
	require.Equal(t, second, due[0].Notification.Key)
	require.Equal(t, 2, due[0].Attempts)
	due, err = s.ClaimNotifications(ctx, now.Add(24*time.Hour), 100, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, len(notes)-2, "delivered and dropped ones never come back")
}
