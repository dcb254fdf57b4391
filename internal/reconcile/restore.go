package reconcile

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"rectify/internal/domain"
	"rectify/internal/store"
	"rectify/workflows"
)

// After a restore, the restored Temporal may hold more than the restored store:
// the store is copied first (internal/backup, docs/operations.md), so an opinion
// started, or acted on, while Temporal's copy was being taken is in Temporal's copy
// and missing from the store's, or shown there a step behind. The restore records
// when the store's copy began (store.RecheckSince); the restore check lists the
// workflows that may have moved since — every one still running or closed since
// then — and, for each whose last event is that late, asks it for its state and
// writes it: a missing opinion or task is added, a row behind is put to the
// workflow's state, a problem at an older revision is replaced. Each write moves
// the figures with the row, as a projection does.

// RestoreStore is what the restore check needs of the reporting store.
type RestoreStore interface {
	RestoreCheck(ctx context.Context) (since time.Time, pending bool, err error)
	RestoreChecked(ctx context.Context, since time.Time) error
	Written(ctx context.Context, id string) (w store.UnconfirmedWrite, found bool, err error)
	Adopt(ctx context.Context, durable domain.Opinion) (written bool, err error)
	Reconcile(ctx context.Context, w store.UnconfirmedWrite, durable domain.Opinion) (changed bool, err error)
	ProjectProblem(ctx context.Context, p domain.Problem) error
}

// restoreCheck is the state of the restore check in one process.
type restoreCheck struct {
	done     bool      // nothing (more) to check
	first    time.Time // when this process first walked the workflows
	lastWalk time.Time
	written  int // rows written by the walks so far
}

// checkRestore walks the workflows a restore may have left the store behind on,
// at most every Grace. The check is done once a walk that began Grace after the
// first completes: a workflow's visibility record is written a moment after the
// workflow, and a restored Temporal writes those its copy held pending only once
// it runs.
func (r *Reconciler) checkRestore(ctx context.Context) error {
	if r.Restore == nil || r.restore.done || time.Since(r.restore.lastWalk) < r.Grace {
		return nil
	}
	since, pending, err := r.Restore.RestoreCheck(ctx)
	if err != nil {
		return err
	}
	if !pending {
		r.restore.done = true
		return nil
	}
	began := time.Now()
	r.restore.lastWalk = began
	if r.restore.first.IsZero() {
		r.restore.first = began
	}
	n, err := r.walkRestored(ctx, since)
	r.restore.written += n
	if err != nil {
		return fmt.Errorf("checking the workflows a restore brought: %w", err)
	}
	if began.Sub(r.restore.first) < r.Grace {
		return nil
	}
	if err := r.Restore.RestoreChecked(ctx, since); err != nil {
		return err
	}
	r.restore.done = true
	r.Logger.Info("the workflows started or moved since the restored store's copy are in the store",
		"since", since, "written", r.restore.written)
	return nil
}

// walkRestored checks every opinion, task and problem workflow that ran since
// since, and says how many rows it wrote.
func (r *Reconciler) walkRestored(ctx context.Context, since time.Time) (int, error) {
	query := fmt.Sprintf("WorkflowType IN ('%s', '%s', '%s') AND (ExecutionStatus = 'Running' OR CloseTime >= '%s')",
		workflows.OpinionWorkflowName, workflows.TaskWorkflowName, workflows.ProblemWorkflowName, since.Format(time.RFC3339Nano))
	var written int
	var errs []error
	var token []byte
	for {
		resp, err := r.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: r.namespace(), Query: query, NextPageToken: token, PageSize: 1000,
		})
		if err != nil {
			return written, err
		}
		for _, e := range resp.GetExecutions() {
			wrote, err := r.checkRestored(ctx, e.GetExecution(), e.GetType().GetName(), since)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if wrote {
				written++
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return written, errors.Join(errs...)
		}
	}
}

// checkRestored brings one workflow's row to its state when the workflow has an
// event since since; a workflow whose history ended before then had every
// transition in the store's copy.
func (r *Reconciler) checkRestored(ctx context.Context, run *commonpb.WorkflowExecution, kind string, since time.Time) (bool, error) {
	qctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	last, err := r.Temporal.WorkflowService().GetWorkflowExecutionHistoryReverse(qctx, &workflowservice.GetWorkflowExecutionHistoryReverseRequest{
		Namespace: r.namespace(), Execution: run, MaximumPageSize: 1,
	})
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return false, nil // listed by a visibility copy later than the history's
	}
	if err != nil {
		return false, err
	}
	if events := last.GetHistory().GetEvents(); len(events) > 0 && events[0].GetEventTime().AsTime().Before(since) {
		return false, nil
	}
	id := run.GetWorkflowId()
	if kind == workflows.ProblemWorkflowName {
		var p domain.Problem
		if err := r.query(qctx, id, workflows.ProblemQueryName, &p); err != nil {
			return false, err
		}
		return false, r.Restore.ProjectProblem(ctx, p)
	}
	item := strings.TrimPrefix(id, workflows.OpinionWorkflowPrefix)
	if kind == workflows.TaskWorkflowName {
		item = strings.TrimPrefix(id, workflows.TaskWorkflowPrefix)
	}
	// The row is read before the workflow is asked, so a write of the workflow
	// landing in between stands (Reconcile's compare-and-set, Adopt's origin).
	w, found, err := r.Restore.Written(ctx, item)
	if err != nil {
		return false, err
	}
	var durable domain.Opinion
	if err := r.query(qctx, id, workflows.OpinionQueryName, &durable); err != nil {
		return false, err
	}
	if !found {
		wrote, err := r.Restore.Adopt(ctx, durable)
		if wrote {
			r.Logger.Warn("a workflow started after the restored store's copy had no row; it has its workflow's state now",
				"opinion", durable.ID, "state", durable.State)
		}
		return wrote, err
	}
	changed, err := r.Restore.Reconcile(ctx, w, durable)
	if errors.Is(err, store.ErrSuperseded) {
		return false, nil
	}
	return changed, err
}

// query asks workflow id's query name and decodes the answer into v.
func (r *Reconciler) query(ctx context.Context, id, name string, v any) error {
	res, err := r.Temporal.QueryWorkflow(ctx, id, "", name)
	if err != nil {
		return err
	}
	return res.Get(v)
}

func (r *Reconciler) namespace() string {
	if r.Namespace == "" {
		return "default"
	}
	return r.Namespace
}
