// Package reconcile brings the reporting store back to what the workflows durably
// recorded. An action's projection is written inside the workflow task that runs
// the action's Update, before Temporal records the task; if the process dies in
// between, the store shows a transition that never happened. Such writes stay
// unconfirmed until the action's caller confirms them; the Reconciler checks every
// write nobody confirmed against the workflow's own state (a query, which Temporal
// answers from the recorded history only) and puts that state back.
package reconcile

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// Store is what the reconciler needs of the reporting store.
type Store interface {
	Unconfirmed(ctx context.Context, cutoff time.Time, limit int) ([]store.UnconfirmedWrite, error)
	Reconcile(ctx context.Context, w store.UnconfirmedWrite, durable domain.Opinion) (changed bool, err error)
	Forget(ctx context.Context, w store.UnconfirmedWrite) error
}

// Defaults: an action's caller confirms its write within milliseconds of the
// Update returning; a write still unconfirmed after Grace lost its caller (the
// process died) or its workflow task.
const (
	DefaultEvery = time.Second
	DefaultGrace = 5 * time.Second
	batch        = 50
)

// Reconciler checks unconfirmed writes against their workflows.
type Reconciler struct {
	Store    Store
	Temporal client.Client
	Logger   *slog.Logger
	// Every is how often it looks; Grace how old an unconfirmed write must be.
	Every, Grace time.Duration
	// Restore, when set, is the store the restore check (restore.go) reads and
	// writes, in the Temporal namespace Namespace ("default" when empty).
	Restore   RestoreStore
	Namespace string

	restore restoreCheck
}

// failureLogEvery spaces the warnings of a check that keeps failing (a workflow
// that cannot answer a query for a long time), so they do not flood the log.
const failureLogEvery = time.Minute

// Run checks every Every until ctx ends.
func (r *Reconciler) Run(ctx context.Context) {
	t := time.NewTicker(r.Every)
	defer t.Stop()
	var logged time.Time
	for {
		if _, err := r.Pass(ctx); err != nil && ctx.Err() == nil && time.Since(logged) >= failureLogEvery {
			r.Logger.Warn("checking unconfirmed writes failed; trying again every second", "err", err)
			logged = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Pass checks the unconfirmed writes older than Grace, a batch at a time, and
// says how many it settled; after a restore, it also checks the workflows the
// restored store may lack (restore.go). A write whose workflow does not answer now
// is left for the next pass.
func (r *Reconciler) Pass(ctx context.Context) (settled int, err error) {
	writes, err := r.Store.Unconfirmed(ctx, time.Now().Add(-r.Grace), batch)
	if err != nil {
		return 0, err
	}
	errs := []error{r.checkRestore(ctx)}
	for _, w := range writes {
		if err := r.settle(ctx, w); err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}
	return settled, errors.Join(errs...)
}

func (r *Reconciler) settle(ctx context.Context, w store.UnconfirmedWrite) error {
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var durable domain.Opinion
	res, err := r.Temporal.QueryWorkflow(qctx, workflows.ItemWorkflowID(w.OpinionID), "", workflows.OpinionQueryName)
	if err == nil {
		err = res.Get(&durable)
	}
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		r.Logger.Warn("an unconfirmed write's workflow no longer exists; it stays as written", "opinion", w.OpinionID, "revision", w.Revision)
		return r.Store.Forget(ctx, w)
	}
	if err != nil {
		return err
	}
	changed, err := r.Store.Reconcile(ctx, w, durable)
	switch {
	case errors.Is(err, store.ErrSuperseded):
		return nil
	case err != nil:
		return err
	case changed:
		r.Logger.Warn("the store showed an action Temporal never recorded; it shows the workflow's state again",
			"opinion", w.OpinionID, "written_revision", w.Revision, "recorded_revision", durable.Revision, "state", durable.State)
	}
	return nil
}
