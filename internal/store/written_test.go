package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// An action's answer comes from what its projection wrote, without reading it back:
// it is what a read returns, and once taken, or when the opinion has moved on since,
// the answer is read.
func TestProjectedOpinionIsWhatAReadReturns(t *testing.T) {
	ctx := context.Background()
	s := sqliteFiles.open(t)
	o := transition(3, domain.StateAssigned, domain.ActionAssign, task(12, 5))
	// The workflow's clock has nanoseconds and a zone; the store keeps milliseconds.
	cst := time.FixedZone("CST", 8*3600)
	o.Timeline[2].At = o.Timeline[2].At.Add(123456789 * time.Nanosecond).In(cst)
	project(t, s, o, task(12, 5), true, nil)

	read, err := s.Opinion(ctx, o.ID)
	require.NoError(t, err)
	got, err := s.ProjectedOpinion(ctx, o.ID, 3)
	require.NoError(t, err)
	requireSameOpinion(t, read, got, "as written")
	again, err := s.ProjectedOpinion(ctx, o.ID, 3)
	require.NoError(t, err)
	requireSameOpinion(t, read, again, "taken once, then read")

	next := transition(4, domain.StateInProgress, domain.ActionSign, task(15, 6))
	project(t, s, next, task(15, 6), true, nil)
	moved, err := s.ProjectedOpinion(ctx, o.ID, 3)
	require.NoError(t, err)
	require.Equal(t, 4, moved.Revision, "an answer for revision 3 after 4 was written reads what is stored")
	require.Equal(t, domain.StateInProgress, moved.State)
}
