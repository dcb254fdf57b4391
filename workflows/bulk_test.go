package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"rectify/workflows"
)

// TestABulkWorksInChunksAndHandsOverToAFreshRun checks that a bulk of thousands
// acts chunk by chunk, hands over to a fresh run after a bounded number of chunks
// (carrying where it stopped), and is marked done once, at the end.
func TestABulkWorksInChunksAndHandsOverToAFreshRun(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	run := func(in workflows.BulkInput) (chunks []workflows.BulkChunkInput, finished bool, err error) {
		env := s.NewTestWorkflowEnvironment()
		env.RegisterWorkflowWithOptions(workflows.BulkWorkflow, workflow.RegisterOptions{Name: workflows.BulkWorkflowName})
		env.RegisterActivityWithOptions(func(_ context.Context, in workflows.BulkChunkInput) (workflows.BulkChunkResult, error) {
			chunks = append(chunks, in)
			return workflows.BulkChunkResult{Done: in.To - in.From}, nil
		}, activity.RegisterOptions{Name: workflows.BulkChunkActivityName})
		env.RegisterActivityWithOptions(func(_ context.Context, in workflows.FinishBulkInput) error {
			require.Equal(t, "k1", in.BulkID)
			finished = true
			return nil
		}, activity.RegisterOptions{Name: workflows.FinishBulkActivityName})
		env.ExecuteWorkflow(workflows.BulkWorkflowName, in)
		return chunks, finished, env.GetWorkflowError()
	}

	chunks, finished, err := run(workflows.BulkInput{BulkID: "k1", Total: 250, ChunkSize: 2})
	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(err, &can), "125 chunks continue as new after 100")
	require.Len(t, chunks, 100)
	require.Equal(t, workflows.BulkChunkInput{BulkID: "k1", From: 198, To: 200}, chunks[99])
	require.False(t, finished)
	var next workflows.BulkInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, workflows.BulkInput{BulkID: "k1", Total: 250, Next: 200, ChunkSize: 2}, next)

	chunks, finished, err = run(next)
	require.NoError(t, err)
	require.Len(t, chunks, 25)
	require.Equal(t, workflows.BulkChunkInput{BulkID: "k1", From: 248, To: 250}, chunks[24])
	require.True(t, finished)

	chunks, finished, err = run(workflows.BulkInput{BulkID: "k1", Total: 7})
	require.NoError(t, err)
	require.Equal(t, []workflows.BulkChunkInput{{BulkID: "k1", From: 0, To: 7}}, chunks, "the default chunk takes them all")
	require.True(t, finished)
}
