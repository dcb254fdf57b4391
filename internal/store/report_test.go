package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// TestReports runs the progress reports' store tests on every backend.
func TestReports(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t)
			t.Run("KeptOnceADayAndTheLeadersToldOnce", func(t *testing.T) { testReportsKeptOnce(t, b) })
			t.Run("LedgerIsOneSnapshotOfStatsAndOpinions", func(t *testing.T) { testLedgerSnapshot(t, b) })
		})
	}
}

func testReportsKeptOnce(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	s, other := openAt(t, dsn), openAt(t, dsn) // two processes on one store
	report := func(day, doc string) store.Report {
		return store.Report{ID: store.ReportID("c1", day), CampaignID: "c1", CutOff: day, MadeAt: base, MadeBy: "schedule", Doc: []byte(doc)}
	}
	note := func(r store.Report, who string) domain.Notification {
		return domain.Notification{Kind: domain.NotifyReportReady, CampaignID: "c1", Recipients: []string{who}, ReportID: r.ID, Key: r.ID + "/" + who}
	}
	first := report("2026-09-04", `{"n":1}`)
	kept, created, err := s.SaveReport(ctx, first, []domain.Notification{note(first, "leader"), note(first, "liu")})
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, first.ID, kept.ID)

	// The same day again — a retried activity, another process — keeps the first.
	again := report("2026-09-04", `{"n":2}`)
	kept, created, err = other.SaveReport(ctx, again, []domain.Notification{note(again, "leader")})
	require.NoError(t, err)
	require.False(t, created)
	require.JSONEq(t, `{"n":1}`, string(kept.Doc))

	due, err := s.ClaimNotifications(ctx, base.Add(time.Hour), 10, time.Minute)
	require.NoError(t, err)
	require.Len(t, due, 2, "each leader told once")
	for _, d := range due {
		require.Equal(t, domain.NotifyReportReady, d.Notification.Kind)
		require.Equal(t, first.ID, d.Notification.ReportID)
	}

	second := report("2026-09-11", `{"n":3}`)
	_, _, err = s.SaveReport(ctx, second, nil)
	require.NoError(t, err)
	other2 := store.Report{ID: store.ReportID("c2", "2026-09-11"), CampaignID: "c2", CutOff: "2026-09-11", MadeAt: base, MadeBy: "schedule", Doc: []byte(`{}`)}
	_, _, err = s.SaveReport(ctx, other2, nil)
	require.NoError(t, err)

	list, err := other.Reports(ctx, "c1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []string{"2026-09-11", "2026-09-04"}, []string{list[0].CutOff, list[1].CutOff}, "latest first")
	require.Nil(t, list[0].Doc, "a list without the content")
	require.True(t, list[0].MadeAt.Equal(base))

	before, err := s.ReportBefore(ctx, "c1", "2026-09-11")
	require.NoError(t, err)
	require.Equal(t, first.ID, before.ID)
	_, err = s.ReportBefore(ctx, "c1", "2026-09-04")
	require.ErrorIs(t, err, store.ErrNotFound)
	got, err := s.ReportOf(ctx, "c1", "2026-09-11")
	require.NoError(t, err)
	require.JSONEq(t, `{"n":3}`, string(got.Doc))
	_, err = s.Report(ctx, "nope")
	require.ErrorIs(t, err, store.ErrNotFound)
}

// Ledger reads the stats and the opinions of one snapshot, and a slice counted
// with the store's figure code (Slice) equals the store's own counts: every
// leader's figures are Stats.ByLeader's.
func testLedgerSnapshot(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	for _, o := range qualityCase() {
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}
	want, err := s.Stats(ctx, "c1")
	require.NoError(t, err)
	slices := map[string]*store.Slice{}
	var levels []domain.OverdueLevel
	st, err := s.Ledger(ctx, "c1", nil, func(o domain.Opinion) error {
		if slices[o.Leader] == nil {
			slices[o.Leader] = store.NewSlice(o.Leader)
		}
		slices[o.Leader].Add(o)
		if l := store.LevelNow(o); l.Rank() >= domain.LevelOverdue.Rank() {
			levels = append(levels, l)
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, want, st)
	require.Len(t, st.ByLeader, len(slices))
	for _, c := range st.ByLeader {
		require.Equal(t, c, slices[c.Name].Counts(), "leader %s", c.Name)
	}
	require.Len(t, levels, st.Overdue, "the overdue list has the overdue figure's items")
}
