package workflows

import (
	"go.temporal.io/sdk/workflow"
)

// Names of the bulk process: one action taken on many opinions at once.
const (
	BulkWorkflowName       = "rectify.Bulk"
	BulkChunkActivityName  = "rectify.BulkChunk"
	FinishBulkActivityName = "rectify.FinishBulk"
	BulkWorkflowPrefix     = "bulk-"
)

// BulkWorkflowID is the workflow id of a bulk's process.
func BulkWorkflowID(bulkID string) string { return BulkWorkflowPrefix + bulkID }

// BulkUpdateID is the update id a bulk's action carries to each opinion's
// workflow: sent twice (the process resumed after a crash), it is taken once.
func BulkUpdateID(bulkID string) string { return BulkWorkflowPrefix + bulkID }

// DefaultBulkChunkSize is how many opinions one BulkChunk activity acts on.
const DefaultBulkChunkSize = 100

// BulkInput starts (or continues) a Bulk workflow over items [Next, Total).
type BulkInput struct {
	BulkID    string `json:"bulk_id"`
	Total     int    `json:"total"`
	Next      int    `json:"next"`
	ChunkSize int    `json:"chunk_size"`
}

// BulkChunkInput asks for the action on items [From, To) of a bulk.
type BulkChunkInput struct {
	BulkID string `json:"bulk_id"`
	From   int    `json:"from"`
	To     int    `json:"to"`
}

// BulkChunkResult counts what a chunk did (its items' outcomes are in the store).
type BulkChunkResult struct {
	Done    int `json:"done"`
	Refused int `json:"refused"`
}

// FinishBulkInput marks a bulk done.
type FinishBulkInput struct {
	BulkID string `json:"bulk_id"`
}

// BulkWorkflow takes a bulk's action on its opinions, chunk by chunk. Each item
// records its outcome in the store, and each action carries the bulk's update id,
// so a chunk retried after a crash acts on no opinion twice.
func BulkWorkflow(ctx workflow.Context, in BulkInput) error {
	if in.ChunkSize <= 0 {
		in.ChunkSize = DefaultBulkChunkSize
	}
	actx := chunkContext(ctx)
	err := chunked(ctx, in.Next, in.Total, in.ChunkSize,
		func(next int) error {
			in.Next = next
			return workflow.NewContinueAsNewError(ctx, BulkWorkflowName, in)
		},
		func(from, to int) error {
			return workflow.ExecuteActivity(actx, BulkChunkActivityName, BulkChunkInput{
				BulkID: in.BulkID, From: from, To: to,
			}).Get(ctx, nil)
		})
	if err != nil {
		return err
	}
	return workflow.ExecuteActivity(actx, FinishBulkActivityName, FinishBulkInput{BulkID: in.BulkID}).Get(ctx, nil)
}
