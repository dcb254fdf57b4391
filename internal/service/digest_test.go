package service

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/notify"
	"rectify/internal/store"
	"rectify/internal/user"
)

// TestDigestsListEachPersonsUrgentItemsOnWorkingDaysOnly: an official and a
// leader each get one digest of their items due soon, overdue, supervised or on
// the accountability list; someone with none gets nothing; a day off of the
// calendar sends nothing; sending a day's digests twice tells no one twice.
func TestDigestsListEachPersonsUrgentItemsOnWorkingDaysOnly(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(t.TempDir(), "rectify.db"))
	require.NoError(t, err)
	defer func() { _ = st.Close() }()
	users, err := user.New([]user.User{{Username: "official", Roles: []domain.Role{domain.RoleOfficial}}})
	require.NoError(t, err)
	now := time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC)
	s := New(Config{Store: st, Users: users, Calendar: calendar.Default(), Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }})
	at := now.Add(-time.Hour)
	put := func(id, official, leader string, state domain.State, level domain.OverdueLevel) {
		o := domain.Opinion{ID: id, CampaignID: "c1", Key: id, Content: "路灯不亮", State: state, Official: official, Leader: leader,
			Department: "城管科", OverdueLevel: level, CreatedAt: at, UpdatedAt: at, Revision: 1,
			Schedule: domain.Schedule{Deadline: "2026-11-30"},
			Timeline: []domain.Event{{Seq: 1, At: at, Actor: "office", Action: domain.ActionAssign, To: state}}}
		require.NoError(t, st.Project(ctx, o, nil))
	}
	put("K-1", "official", "leader", domain.StateInProgress, domain.LevelSupervised)
	put("K-2", "official", "leader", domain.StateAssigned, domain.LevelDueSoon)
	put("K-3", "official2", "leader", domain.StateInProgress, domain.LevelNone)       // not urgent
	put("K-4", "official2", "leader", domain.StateClosed, domain.LevelAccountability) // closed

	notes, err := s.Digests(ctx, "2026-11-27")
	require.NoError(t, err)
	require.Len(t, notes, 2, "official and leader; official2 has nothing urgent")
	byUser := map[string]domain.Notification{}
	for _, n := range notes {
		byUser[n.Recipients[0]] = n
	}
	require.Equal(t, domain.NotifyDigest, byUser["official"].Kind)
	require.Len(t, byUser["official"].Digest.Items, 2)
	require.Equal(t, "K-1", byUser["official"].Digest.Items[0].Key, "most urgent first")
	require.Equal(t, domain.RoleLeader, byUser["leader"].Digest.Items[0].Role)
	require.NotContains(t, byUser, "official2")

	m := notify.Render(nil, "zh", "https://rectify.example.gov.cn", byUser["official"], notify.Facts{})
	require.Contains(t, m.Text(), "K-1")
	require.Contains(t, m.Text(), "https://rectify.example.gov.cn/tasks")

	require.True(t, calendar.Default().IsWorkday(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)))
	n, err := s.SendDigests(ctx, time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Zero(t, n, "Saturday is a day off: nothing sent")
	n, err = s.SendDigests(ctx, time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Zero(t, n, "National Day: nothing sent")
	for range 2 {
		n, err = s.SendDigests(ctx, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
		require.NoError(t, err)
		require.Equal(t, 2, n)
	}
	due, err := st.ClaimNotifications(ctx, now.Add(time.Minute), 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, 2, "sent twice, queued once")
}
