package reconcile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/mocks"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// fakeStore records what the reconciler settles, and answers Reconcile with err.
type fakeStore struct {
	writes     []store.UnconfirmedWrite
	cutoff     time.Time
	reconciled []domain.Opinion
	forgotten  []string
	err        error
}

func (f *fakeStore) Unconfirmed(_ context.Context, cutoff time.Time, _ int) ([]store.UnconfirmedWrite, error) {
	f.cutoff = cutoff
	return f.writes, nil
}

func (f *fakeStore) Reconcile(_ context.Context, _ store.UnconfirmedWrite, durable domain.Opinion) (bool, error) {
	f.reconciled = append(f.reconciled, durable)
	return true, f.err
}

func (f *fakeStore) Forget(_ context.Context, w store.UnconfirmedWrite) error {
	f.forgotten = append(f.forgotten, w.OpinionID)
	return nil
}

// answer is a query's answer carrying o, decoded as the client decodes it.
func answer(t *testing.T, o domain.Opinion) converter.EncodedValue {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(o)
	require.NoError(t, err)
	return encoded{p}
}

type encoded struct{ p *commonpb.Payload }

func (e encoded) HasValue() bool { return true }
func (e encoded) Get(v any) error {
	return converter.GetDefaultDataConverter().FromPayload(e.p, v)
}

func newReconciler(s Store, c *mocks.Client) *Reconciler {
	return &Reconciler{Store: s, Temporal: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Every: time.Second, Grace: 5 * time.Second}
}

func TestPassPutsBackWhatTheWorkflowHolds(t *testing.T) {
	s := &fakeStore{writes: []store.UnconfirmedWrite{{OpinionID: "a", Revision: 4}, {OpinionID: "b", Revision: 2}}}
	c := &mocks.Client{}
	durable := domain.Opinion{ID: "a", State: domain.StateAssigned, Revision: 3}
	c.On("QueryWorkflow", mock.Anything, workflows.OpinionWorkflowID("a"), "", workflows.OpinionQueryName).Return(answer(t, durable), nil)
	c.On("QueryWorkflow", mock.Anything, workflows.OpinionWorkflowID("b"), "", workflows.OpinionQueryName).
		Return(nil, serviceerror.NewNotFound("workflow not found"))
	before := time.Now()
	settled, err := newReconciler(s, c).Pass(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, settled)
	require.WithinDuration(t, before.Add(-5*time.Second), s.cutoff, time.Second, "only writes older than the grace period")
	require.Len(t, s.reconciled, 1)
	require.Equal(t, domain.StateAssigned, s.reconciled[0].State, "the workflow's own state goes to the store")
	require.Equal(t, []string{"b"}, s.forgotten, "a write whose workflow is gone is dropped")
}

func TestPassLeavesAWriteWhoseWorkflowDoesNotAnswerForTheNextPass(t *testing.T) {
	s := &fakeStore{writes: []store.UnconfirmedWrite{{OpinionID: "a", Revision: 4}}}
	c := &mocks.Client{}
	c.On("QueryWorkflow", mock.Anything, mock.Anything, "", workflows.OpinionQueryName).
		Return(nil, serviceerror.NewDeadlineExceeded("workflow task in flight"))
	settled, err := newReconciler(s, c).Pass(context.Background())
	require.Error(t, err)
	require.Zero(t, settled)
	require.Empty(t, s.reconciled)
	require.Empty(t, s.forgotten, "not answering is not being gone")
}

func TestPassAcceptsThatALaterWriteStands(t *testing.T) {
	s := &fakeStore{writes: []store.UnconfirmedWrite{{OpinionID: "a", Revision: 4}}, err: store.ErrSuperseded}
	c := &mocks.Client{}
	c.On("QueryWorkflow", mock.Anything, mock.Anything, "", workflows.OpinionQueryName).
		Return(answer(t, domain.Opinion{ID: "a", Revision: 5}), nil)
	settled, err := newReconciler(s, c).Pass(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, settled, "nothing is left to settle")
}

// failingStore cannot list unconfirmed writes; it ends the run after calls passes.
type failingStore struct {
	fakeStore
	calls  int
	cancel context.CancelFunc
}

func (f *failingStore) Unconfirmed(context.Context, time.Time, int) ([]store.UnconfirmedWrite, error) {
	f.calls++
	if f.calls == 5 {
		f.cancel()
	}
	return nil, errors.New("database is locked")
}

func TestRunWarnsOnceAMinuteWhileTheCheckKeepsFailing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &failingStore{cancel: cancel}
	var log bytes.Buffer
	r := &Reconciler{Store: s, Temporal: &mocks.Client{}, Logger: slog.New(slog.NewTextHandler(&log, nil)),
		Every: time.Millisecond, Grace: time.Second}
	r.Run(ctx)
	require.Equal(t, 5, s.calls, "it keeps trying")
	require.Equal(t, 1, strings.Count(log.String(), "checking unconfirmed writes failed"), "one warning, not one a pass:\n%s", log.String())
}
