package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
)

// A restored store may hold confirmed transitions that the restored Temporal lacks:
// RecheckSince puts the rows written since a time among the unconfirmed writes, and
// the reconciler's check then puts the workflow's state back; rows written before
// are left alone.
func TestRecheckSinceHandsRecentWritesToTheReconciler(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s := b.start(t).open(t)
			assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
			submitted := transition(4, domain.StateSubmitted, domain.ActionSubmit, task(14, 2))
			project(t, s, assigned, task(10, 1), false, nil)
			project(t, s, submitted, task(14, 2), true, nil)
			require.NoError(t, s.Confirm(ctx, "op-p", 4))
			far := time.Now().Add(time.Hour)
			writes, err := s.Unconfirmed(ctx, far, 10)
			require.NoError(t, err)
			require.Empty(t, writes, "confirmed: nothing to check")

			n, err := s.RecheckSince(ctx, task(14, 3).At)
			require.NoError(t, err)
			require.Zero(t, n, "written before the time: left alone")
			n, err = s.RecheckSince(ctx, task(14, 2).At)
			require.NoError(t, err)
			require.EqualValues(t, 1, n)
			writes, err = s.Unconfirmed(ctx, far, 10)
			require.NoError(t, err)
			require.Len(t, writes, 1)
			require.Equal(t, 4, writes[0].Revision)

			// The restored workflow only got as far as assigned.
			changed, err := s.Reconcile(ctx, writes[0], assigned)
			require.NoError(t, err)
			require.True(t, changed)
			requireShows(t, s, assigned, "the store is back to what the workflow recorded")

			// Its history is shorter than the one the store's write came from: its next
			// task starts at an event the lost one had passed, and its write shows.
			signed := transition(4, domain.StateInProgress, domain.ActionSign, task(12, 30))
			project(t, s, signed, task(12, 30), true, nil)
			requireShows(t, s, signed, "the restored workflow's next transition shows")
		})
	}
}
