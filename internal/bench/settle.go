package bench

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"rectify/workflows"
)

// settle waits until the engine's visibility store counts want workflows matching
// query, and returns how long that took. The engine writes search attributes, start
// and close records on its own queue, behind the actions that caused them: a run
// measured while that queue still worked through the previous run's records would
// pay for both, and its figures would depend on what ran before it. So every
// measured run starts on a settled engine, and reports how far visibility lagged
// behind its last action.
func (t *Target) settle(ctx context.Context, query string, want int) (time.Duration, error) {
	start := time.Now()
	err := waitCount(ctx, "workflows where "+query+" in visibility", want, func(ctx context.Context) (int, error) {
		res, err := t.Temporal.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
		return int(res.GetCount()), err
	})
	return time.Since(start), err
}

// received is the visibility query of campaign's opinions: each shows its campaign
// from its first workflow task.
func received(campaign string) string {
	return fmt.Sprintf("%s = '%s'", workflows.SACampaign.GetName(), campaign)
}

// assigned is the visibility query of campaign's opinions given a deadline: the
// deadline, set on assignment, is the last search attribute the happy path sets, as
// the later transitions change nothing an operator filters on and upsert nothing.
func assigned(campaign string) string {
	return fmt.Sprintf("%s AND %s > '2000-01-01T00:00:00Z'", received(campaign), workflows.SADeadline.GetName())
}

// waitCount polls count until it reaches want. What is counted comes at the
// engine's own pace, so the wait gives up only when a minute passes without progress.
func waitCount(ctx context.Context, what string, want int, count func(context.Context) (int, error)) error {
	last, deadline := -1, time.Time{}
	for {
		n, err := count(ctx)
		if err != nil {
			return fmt.Errorf("count %s: %w", what, err)
		}
		switch {
		case n == want:
			return nil
		case n > want:
			return fmt.Errorf("%d %s, %d expected", n, what, want)
		case n != last:
			last, deadline = n, time.Now().Add(time.Minute)
		case time.Now().After(deadline):
			return fmt.Errorf("%d %s, %d expected, and none came for a minute", n, what, want)
		}
		if err := pause(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}
