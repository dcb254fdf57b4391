package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// chunksPerRun bounds one Batch run's history: each chunk costs a handful of events,
// so a 200k-row import continues as new every 100 chunks instead of growing one
// history with the file.
const chunksPerRun = 100

// DefaultChunkSize is how many rows one ImportChunk activity starts.
const DefaultChunkSize = 500

// BatchWorkflow starts the opinions of an imported file's accepted rows, chunk by
// chunk. Each chunk records every row's outcome in the store, so a chunk retried after
// a crash starts nothing twice and the counts stay exact.
func BatchWorkflow(ctx workflow.Context, in BatchInput) error {
	if in.ChunkSize <= 0 {
		in.ChunkSize = DefaultChunkSize
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	for chunks := 0; in.Next < in.Accepted; chunks++ {
		if chunks == chunksPerRun {
			return workflow.NewContinueAsNewError(ctx, BatchWorkflowName, in)
		}
		to := min(in.Next+in.ChunkSize, in.Accepted)
		var res ImportChunkResult
		if err := workflow.ExecuteActivity(actx, ImportChunkActivityName, ImportChunkInput{
			BatchID: in.BatchID, From: in.Next, To: to,
		}).Get(ctx, &res); err != nil {
			return err
		}
		in.Next = to
	}
	return workflow.ExecuteActivity(actx, FinishBatchActivityName, FinishBatchInput{BatchID: in.BatchID}).Get(ctx, nil)
}
