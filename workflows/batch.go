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
	actx := chunkContext(ctx)
	err := chunked(ctx, in.Next, in.Accepted, in.ChunkSize,
		func(next int) error {
			in.Next = next
			return workflow.NewContinueAsNewError(ctx, BatchWorkflowName, in)
		},
		func(from, to int) error {
			return workflow.ExecuteActivity(actx, ImportChunkActivityName, ImportChunkInput{
				BatchID: in.BatchID, From: from, To: to,
			}).Get(ctx, nil)
		})
	if err != nil {
		return err
	}
	return workflow.ExecuteActivity(actx, FinishBatchActivityName, FinishBatchInput{BatchID: in.BatchID}).Get(ctx, nil)
}

// chunkContext is how a chunk's activity runs: long enough for a chunk, with a
// heartbeat so a dead worker's chunk is retried soon, and retried without end. A
// chunk beats after every row or item (milliseconds apart) and every poll of the
// store (at most 2 s apart), so 20 s of silence means its worker is gone: a bulk
// or an import cut off by a crash resumes that soon after a worker is back.
func chunkContext(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    20 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
}

// chunked works through items [next, total) size at a time (chunk), and after
// chunksPerRun chunks hands over to a fresh run (cont, told where it stopped), so
// no history grows with the work.
func chunked(ctx workflow.Context, next, total, size int, cont func(next int) error, chunk func(from, to int) error) error {
	for chunks := 0; next < total; chunks++ {
		if chunks == chunksPerRun {
			return cont(next)
		}
		to := min(next+size, total)
		if err := chunk(next, to); err != nil {
			return err
		}
		next = to
	}
	return nil
}
