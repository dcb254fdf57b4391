package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

func testEachOpinion(t *testing.T, b backend) {
	ctx := context.Background()
	s := b.open(t)
	put := func(id, campaign string, state domain.State, rev, createdMinutes int) domain.Opinion {
		o := newOpinion(id, campaign, state, rev)
		o.CreatedAt = base.Add(time.Duration(createdMinutes) * time.Minute)
		require.NoError(t, s.ProjectOpinion(ctx, o))
		return o
	}
	rejected := put("b", "c1", domain.StateRejected, 3, 2)
	put("a", "c1", domain.StateInProgress, 4, 3)
	put("c", "c1", domain.StateClosed, 7, 1)
	put("x", "c2", domain.StateInProgress, 4, 0)

	var got []domain.Opinion
	collect := func(o domain.Opinion) error { got = append(got, o); return nil }
	require.NoError(t, s.EachOpinion(ctx, "c1", nil, collect))
	require.Len(t, got, 3, "the campaign's opinions, no other's")
	require.Equal(t, []string{"c", "b", "a"}, []string{got[0].ID, got[1].ID, got[2].ID}, "in the order collected")
	require.Equal(t, rejected.Timeline[2].Reason, got[1].Timeline[0].Reason,
		"the event that led to the state comes along, with its reason")
	require.Len(t, got[1].Timeline, 1)
	require.Equal(t, domain.StateRejected, got[1].Timeline[0].To)
	require.Equal(t, rejected.Timeline[2].At, got[1].Timeline[0].At)

	got = nil
	require.NoError(t, s.EachOpinion(ctx, "c1", []domain.State{domain.StateInProgress, domain.StateClosed}, collect))
	require.Equal(t, []string{"c", "a"}, []string{got[0].ID, got[1].ID})

	// Approved extensions come along, in order, with who approved them and the
	// deadlines; refused ones do not.
	ext := newOpinion("e", "c3", domain.StateInProgress, 6)
	ext.Timeline[2] = domain.Event{Seq: 3, At: base.Add(3 * time.Minute), Actor: "liu", Action: domain.ActionDecideExtension,
		From: domain.StateInProgress, To: domain.StateInProgress, Reason: "同意",
		Detail: map[string]string{"approved": "true", "previous_deadline": "2026-09-01", "deadline": "2026-10-09"}}
	ext.Timeline[3] = domain.Event{Seq: 4, At: base.Add(4 * time.Minute), Actor: "office", Action: domain.ActionDecideExtension,
		From: domain.StateInProgress, To: domain.StateInProgress, Reason: "理由不充分",
		Detail: map[string]string{"approved": "false", "until": "2026-12-01"}}
	ext.Timeline[5].To, ext.Timeline[4].To = domain.StateInProgress, domain.StateInProgress
	ext.LateExtensions, ext.Extensions = 1, 1
	require.NoError(t, s.ProjectOpinion(ctx, ext))
	got = nil
	require.NoError(t, s.EachOpinion(ctx, "c3", nil, collect))
	require.Len(t, got, 1)
	require.Len(t, got[0].Timeline, 2, "the approved extension and the event that led to the state")
	require.Equal(t, ext.Timeline[2], got[0].Timeline[0])
	require.Equal(t, 6, got[0].Timeline[1].Seq)
	require.Equal(t, 1, got[0].LateExtensions)

	stop := errors.New("enough")
	calls := 0
	err := s.EachOpinion(ctx, "c1", nil, func(domain.Opinion) error { calls++; return stop })
	require.ErrorIs(t, err, stop, "fn's error ends the walk and comes back")
	require.Equal(t, 1, calls)
}
