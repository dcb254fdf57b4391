package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// task is a workflow task's origin: its started event and the clock in it.
func task(event int64, minute int) workflows.Origin {
	return workflows.Origin{TaskEvent: event, At: base.Add(time.Duration(minute) * time.Minute)}
}

// transition is op-p at revision rev reached by action, as computed in task origin:
// its last timeline entry carries the task's clock, as the workflow records it.
func transition(rev int, state domain.State, action domain.Action, origin workflows.Origin) domain.Opinion {
	o := newOpinion("op-p", "c1", state, rev)
	last := &o.Timeline[rev-1]
	last.Action, last.At, last.To = action, origin.At, state
	o.UpdatedAt = origin.At
	return o
}

func note(o domain.Opinion, kind domain.Action) []domain.Notification {
	return []domain.Notification{{Kind: kind, OpinionID: o.ID, Recipients: []string{"official"}, State: o.State,
		Key: fmt.Sprintf("%s/%d", o.ID, o.Revision)}}
}

func project(t *testing.T, s *store.Store, o domain.Opinion, origin workflows.Origin, unconfirmed bool, notes []domain.Notification) {
	t.Helper()
	require.NoError(t, s.ProjectTransition(context.Background(), workflows.ProjectInput{
		Opinion: o, Origin: origin, Unconfirmed: unconfirmed, Notifications: notes}))
}

func requireShows(t *testing.T, s *store.Store, want domain.Opinion, label string) {
	t.Helper()
	ctx := context.Background()
	got, err := s.Opinion(ctx, want.ID)
	require.NoError(t, err, label)
	requireSameOpinion(t, want, got, label)
	st, err := s.Stats(ctx, "c1")
	require.NoError(t, err, label)
	require.Equal(t, 1, st.ByState[want.State], "%s: counted in %s", label, want.State)
	require.Equal(t, 1, st.Collected, label)
}

// pendingKeys are the notifications the dispatcher would send now.
func pendingKeys(t *testing.T, s *store.Store) []string {
	t.Helper()
	due, err := s.ClaimNotifications(context.Background(), base.Add(24*time.Hour), 100, time.Millisecond)
	require.NoError(t, err)
	var keys []string
	for _, d := range due {
		keys = append(keys, string(d.Notification.Kind))
	}
	return keys
}

func testProjectionFollowsTheWorkflowTask(t *testing.T, b backend) {
	ctx := context.Background()

	t.Run("a write from a later task replaces one at the same revision", func(t *testing.T) {
		s := b.open(t)
		assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
		project(t, s, assigned, task(10, 1), true, nil)
		require.NoError(t, s.Confirm(ctx, assigned.ID, 3))
		// sign is written, then its task dies: Temporal never records it.
		phantom := transition(4, domain.StateInProgress, domain.ActionSign, task(14, 2))
		project(t, s, phantom, task(14, 2), true, nil)
		// After the restart the official returns it instead: same revision, later task.
		returned := transition(4, domain.StateReturned, domain.ActionReturn, task(14, 5))
		project(t, s, returned, task(14, 5), true, note(returned, domain.ActionReturn))
		requireShows(t, s, returned, "the return, not the sign that never happened")
		// A late copy of the dead task's write changes nothing.
		project(t, s, phantom, task(14, 2), true, nil)
		requireShows(t, s, returned, "the dead task's write arrives late")
	})

	t.Run("a write from a later task replaces one that ran ahead", func(t *testing.T) {
		s := b.open(t)
		assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
		project(t, s, assigned, task(10, 1), false, nil)
		ahead := transition(5, domain.StateSubmitted, domain.ActionSubmit, task(20, 2))
		project(t, s, ahead, task(20, 2), true, nil)
		signed := transition(4, domain.StateInProgress, domain.ActionSign, task(20, 6))
		project(t, s, signed, task(20, 6), true, nil)
		requireShows(t, s, signed, "revision 4 of the later task over revision 5 of the dead one")
		got, err := s.Opinion(ctx, signed.ID)
		require.NoError(t, err)
		require.Len(t, got.Timeline, 4)
	})

	t.Run("writes of one task are ordered by revision", func(t *testing.T) {
		s := b.open(t)
		r5 := transition(5, domain.StateSubmitted, domain.ActionSubmit, task(20, 2))
		r4 := transition(4, domain.StateInProgress, domain.ActionSign, task(20, 2))
		project(t, s, r5, task(20, 2), false, nil)
		project(t, s, r4, task(20, 2), false, nil)
		requireShows(t, s, r5, "the lower revision of the same task arrived last")
	})
}

func testUnconfirmedWritesSettle(t *testing.T, b backend) {
	ctx := context.Background()
	assigned := transition(3, domain.StateAssigned, domain.ActionAssign, task(10, 1))
	submitted := transition(4, domain.StateSubmitted, domain.ActionSubmit, task(14, 2))

	t.Run("confirmed by the caller, its notifications go out", func(t *testing.T) {
		s := b.open(t)
		project(t, s, assigned, task(10, 1), false, nil)
		project(t, s, submitted, task(14, 2), true, note(submitted, domain.ActionSubmit))
		require.Empty(t, pendingKeys(t, s), "held until the action is confirmed")
		writes, err := s.Unconfirmed(ctx, base.Add(time.Hour*24*365*10), 10)
		require.NoError(t, err)
		require.Len(t, writes, 1)
		require.Equal(t, store.UnconfirmedWrite{OpinionID: "op-p", Origin: task(14, 2), Revision: 4, WrittenAt: writes[0].WrittenAt}, writes[0])
		require.NoError(t, s.Confirm(ctx, "op-p", 4))
		require.Equal(t, []string{"submit"}, pendingKeys(t, s))
		writes, err = s.Unconfirmed(ctx, base.Add(time.Hour*24*365*10), 10)
		require.NoError(t, err)
		require.Empty(t, writes)
	})

	t.Run("a write Temporal never recorded is put back to the workflow's state", func(t *testing.T) {
		s := b.open(t)
		project(t, s, assigned, task(10, 1), false, nil)
		project(t, s, submitted, task(14, 2), true, note(submitted, domain.ActionSubmit))
		writes, err := s.Unconfirmed(ctx, time.Now().Add(time.Minute), 10)
		require.NoError(t, err)
		require.Len(t, writes, 1)
		changed, err := s.Reconcile(ctx, writes[0], assigned)
		require.NoError(t, err)
		require.True(t, changed)
		requireShows(t, s, assigned, "the submit never happened")
		got, err := s.Opinion(ctx, "op-p")
		require.NoError(t, err)
		require.Len(t, got.Timeline, 3)
		require.Empty(t, pendingKeys(t, s), "nobody hears of a submit that never happened")
		// The next real action goes through at the revision the phantom had.
		signed := transition(4, domain.StateInProgress, domain.ActionSign, task(14, 9))
		project(t, s, signed, task(14, 9), true, nil)
		requireShows(t, s, signed, "the next action after the reconciliation")
	})

	t.Run("a write Temporal did record is kept, its notifications sent", func(t *testing.T) {
		s := b.open(t)
		project(t, s, assigned, task(10, 1), false, nil)
		project(t, s, submitted, task(14, 2), true, note(submitted, domain.ActionSubmit))
		writes, err := s.Unconfirmed(ctx, time.Now().Add(time.Minute), 10)
		require.NoError(t, err)
		changed, err := s.Reconcile(ctx, writes[0], roundTrip(t, submitted))
		require.NoError(t, err)
		require.False(t, changed)
		requireShows(t, s, submitted, "the submit happened")
		require.Equal(t, []string{"submit"}, pendingKeys(t, s))
	})

	t.Run("a write superseded before the check stands", func(t *testing.T) {
		s := b.open(t)
		project(t, s, assigned, task(10, 1), false, nil)
		project(t, s, submitted, task(14, 2), true, note(submitted, domain.ActionSubmit))
		writes, err := s.Unconfirmed(ctx, time.Now().Add(time.Minute), 10)
		require.NoError(t, err)
		// The submit was recorded; a timer's escalation landed after it.
		escalated := transition(5, domain.StateSubmitted, domain.EventEscalated, task(18, 3))
		escalated.Timeline[3] = submitted.Timeline[3]
		project(t, s, escalated, task(18, 3), false, nil)
		_, err = s.Reconcile(ctx, writes[0], escalated)
		require.True(t, errors.Is(err, store.ErrSuperseded), "%v", err)
		requireShows(t, s, escalated, "the later write stands")
		require.Equal(t, []string{"submit"}, pendingKeys(t, s), "the recorded submit's notification goes out")
	})
}

// roundTrip is o as a workflow query answers it: through JSON.
func roundTrip(t *testing.T, o domain.Opinion) domain.Opinion {
	t.Helper()
	var out domain.Opinion
	b, err := json.Marshal(o)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
