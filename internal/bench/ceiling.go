package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"rectify/activities"
)

// happyPathUpdates is how many Updates an opinion's happy path takes: receipt, then
// categorize, assign, sign, submit, verify and callback.
const happyPathUpdates = 7

const (
	ceilingQueue    = "rectify-bench-ceiling"
	ceilingWorkflow = "BenchCeiling"
	ceilingUpdate   = "step"
)

// CeilingWorkflow is the engine's ceiling: no side effects, no activities, just
// `updates` Updates taken in order, then done. It answers how many it took.
func CeilingWorkflow(ctx workflow.Context, updates int) (int, error) {
	taken := 0
	err := workflow.SetUpdateHandlerWithOptions(ctx, ceilingUpdate,
		func(ctx workflow.Context, step int) (int, error) {
			taken++
			return taken, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, step int) error {
			if step != taken+1 {
				return fmt.Errorf("step %d out of order after %d", step, taken)
			}
			return nil
		}})
	if err != nil {
		return 0, err
	}
	err = workflow.Await(ctx, func() bool { return taken >= updates })
	return taken, err
}

// runCeiling measures the minimal workflow at 8 and 32 callers (Updates/s and
// workflows/s), then starts of a workflow that ends at once, as many in flight as an
// import keeps (the start ceiling).
func runCeiling(ctx context.Context, t *Target, o Options, r *Report) error {
	run := uuid.NewString()[:8]
	err := t.withCeilingWorker(func() error {
		for _, c := range concurrencies[:2] {
			n := o.Ceiling
			ids := make([]string, n)
			cpu := processCPU()
			elapsed, err := drive(ctx, n, c, func(ctx context.Context, _, i int) error {
				ids[i] = fmt.Sprintf("bench-ceiling-%s-%d-%d", run, c, i)
				return ceilingLifecycle(ctx, t.Temporal, ids[i])
			})
			if err != nil {
				return err
			}
			cpuPerUpdate := cpuPer(cpu, n*happyPathUpdates)
			if err := verifyCeiling(ctx, t.Temporal, ids, happyPathUpdates); err != nil {
				return err
			}
			visible, err := t.settle(ctx, completed(fmt.Sprintf("bench-ceiling-%s-%d-", run, c)), n)
			if err != nil {
				return err
			}
			r.Ceiling = append(r.Ceiling, Throughput{
				Concurrency: c, Iterations: n, Elapsed: elapsed,
				ActionsPerSec: perSecond(n*happyPathUpdates, elapsed), ClosedPerSec: perSecond(n, elapsed),
				CPUPerAction: cpuPerUpdate, VisibleAfter: visible,
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.StartCeiling, err = t.startCeiling(ctx, o.Ceiling*2, "bench-start-"+run+"-")
	return err
}

// withCeilingWorker runs fn with a worker of the ceiling workflow polling.
func (t *Target) withCeilingWorker(fn func() error) error {
	w := worker.New(t.Temporal, ceilingQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(CeilingWorkflow, workflow.RegisterOptions{Name: ceilingWorkflow})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	return fn()
}

// startCeiling starts n workflows that end at once, as many in flight as an import
// keeps, their ids beginning with prefix: starts/s.
func (t *Target) startCeiling(ctx context.Context, n int, prefix string) (Rate, error) {
	var rate Rate
	err := t.withCeilingWorker(func() error {
		ids := make([]string, n)
		cpu := processCPU()
		elapsed, err := drive(ctx, n, activities.StartsInFlight, func(ctx context.Context, _, i int) error {
			ids[i] = fmt.Sprintf("%s%d", prefix, i)
			_, err := t.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: ids[i], TaskQueue: ceilingQueue}, ceilingWorkflow, 0)
			return err
		})
		if err != nil {
			return err
		}
		if err := verifyCeiling(ctx, t.Temporal, ids, 0); err != nil {
			return err
		}
		if _, err := t.settle(ctx, completed(prefix), n); err != nil {
			return err
		}
		rate = Rate{Count: n, Elapsed: elapsed, PerSec: perSecond(n, elapsed), CPUPer: cpuPer(cpu, n)}
		return nil
	})
	return rate, err
}

// completed is the visibility query of the completed workflows whose IDs start with prefix.
func completed(prefix string) string {
	return fmt.Sprintf("WorkflowId STARTS_WITH '%s' AND ExecutionStatus = 'Completed'", prefix)
}

// ceilingLifecycle starts one minimal workflow and sends it its Updates one by one,
// each waited for, as the HTTP API does with an opinion's actions.
func ceilingLifecycle(ctx context.Context, c client.Client, id string) error {
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: ceilingQueue}, ceilingWorkflow, happyPathUpdates); err != nil {
		return err
	}
	for step := 1; step <= happyPathUpdates; step++ {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: id, UpdateName: ceilingUpdate, Args: []any{step}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err != nil {
			return fmt.Errorf("update %d of %s: %w", step, id, err)
		}
		var taken int
		if err := h.Get(ctx, &taken); err != nil {
			return fmt.Errorf("update %d of %s: %w", step, id, err)
		}
	}
	return nil
}

// verifyCeiling checks on the server that every workflow completed having taken
// exactly the Updates sent.
func verifyCeiling(ctx context.Context, c client.Client, ids []string, updates int) error {
	_, err := drive(ctx, len(ids), 16, func(ctx context.Context, _, i int) error {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var taken int
		if err := c.GetWorkflow(ctx, ids[i], "").Get(ctx, &taken); err != nil {
			return fmt.Errorf("ceiling workflow %s: %w", ids[i], err)
		}
		if taken != updates {
			return fmt.Errorf("ceiling workflow %s took %d Updates, not %d", ids[i], taken, updates)
		}
		return nil
	})
	return err
}
