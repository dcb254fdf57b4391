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

// A restored Temporal may hold an opinion the restored store, copied before it,
// never had: the restore check's since stays recorded until the reconciler has
// checked the workflows, and Adopt writes such an opinion with its figures, where
// any write of the workflow itself replaces it and a row already there stands.
func TestARestoreCheckAdoptsTheWorkflowsTheStoreLacks(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s := b.start(t).open(t)
			_, pending, err := s.RestoreCheck(ctx)
			require.NoError(t, err)
			require.False(t, pending, "a store never restored has nothing to check")
			since := task(10, 1).At
			_, err = s.RecheckSince(ctx, since)
			require.NoError(t, err)
			at, pending, err := s.RestoreCheck(ctx)
			require.NoError(t, err)
			require.True(t, pending)
			require.True(t, since.Equal(at), "the check runs from the store's copy: %v", at)

			_, found, err := s.Written(ctx, "op-p")
			require.NoError(t, err)
			require.False(t, found)
			assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
			wrote, err := s.Adopt(ctx, assigned)
			require.NoError(t, err)
			require.True(t, wrote)
			requireShows(t, s, assigned, "the workflow's opinion is in the store, counted")
			w, found, err := s.Written(ctx, "op-p")
			require.NoError(t, err)
			require.True(t, found)
			require.Equal(t, 3, w.Revision)

			wrote, err = s.Adopt(ctx, transition(2, domain.StateCategorized, domain.ActionCategorize, task(8, 1)))
			require.NoError(t, err)
			require.False(t, wrote, "a row there stands")
			signed := transition(4, domain.StateInProgress, domain.ActionSign, task(3, 20))
			project(t, s, signed, task(3, 20), false, nil)
			requireShows(t, s, signed, "the workflow's next transition replaces the adopted row")

			require.NoError(t, s.RestoreChecked(ctx, since))
			_, pending, err = s.RestoreCheck(ctx)
			require.NoError(t, err)
			require.False(t, pending, "checked once")
		})
	}
}
