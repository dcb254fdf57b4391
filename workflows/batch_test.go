package workflows_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"rectify/workflows"
)

// TestBatchContinuesAsNewInsteadOfGrowing checks that a long import hands over to a
// fresh run after a bounded number of chunks, carrying where it stopped, so no single
// history grows with the file.
func TestBatchContinuesAsNewInsteadOfGrowing(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.BatchWorkflow, workflow.RegisterOptions{Name: workflows.BatchWorkflowName})
	var chunks []workflows.ImportChunkInput
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ImportChunkInput) (workflows.ImportChunkResult, error) {
		chunks = append(chunks, in)
		return workflows.ImportChunkResult{Started: in.To - in.From}, nil
	}, activity.RegisterOptions{Name: workflows.ImportChunkActivityName})
	finished := false
	env.RegisterActivityWithOptions(func(context.Context, workflows.FinishBatchInput) error {
		finished = true
		return nil
	}, activity.RegisterOptions{Name: workflows.FinishBatchActivityName})

	env.ExecuteWorkflow(workflows.BatchWorkflowName, workflows.BatchInput{BatchID: "b1", Accepted: 998, ChunkSize: 5})

	var can *workflow.ContinueAsNewError
	require.True(t, errors.As(env.GetWorkflowError(), &can), "a 200-chunk import continues as new")
	require.Len(t, chunks, 100)
	require.Equal(t, workflows.ImportChunkInput{BatchID: "b1", From: 495, To: 500}, chunks[99])
	require.False(t, finished)
	var next workflows.BatchInput
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	require.Equal(t, workflows.BatchInput{BatchID: "b1", Accepted: 998, Next: 500, ChunkSize: 5}, next)

	env = s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.BatchWorkflow, workflow.RegisterOptions{Name: workflows.BatchWorkflowName})
	chunks = nil
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ImportChunkInput) (workflows.ImportChunkResult, error) {
		chunks = append(chunks, in)
		return workflows.ImportChunkResult{}, nil
	}, activity.RegisterOptions{Name: workflows.ImportChunkActivityName})
	env.RegisterActivityWithOptions(func(context.Context, workflows.FinishBatchInput) error {
		finished = true
		return nil
	}, activity.RegisterOptions{Name: workflows.FinishBatchActivityName})
	env.ExecuteWorkflow(workflows.BatchWorkflowName, next)
	require.NoError(t, env.GetWorkflowError())
	require.Len(t, chunks, 100, "the rest: 99 full chunks and one of 3 rows")
	require.Equal(t, workflows.ImportChunkInput{BatchID: "b1", From: 995, To: 998}, chunks[99])
	require.True(t, finished, "the batch is marked done once, at the end")
}

// TestABatchIsFinishedOnlyAfterItsFinishSucceeds checks that an import whose
// opinions do not show in the store yet is not given up: FinishBatch fails while the
// store is behind and the batch retries it until it succeeds.
func TestABatchIsFinishedOnlyAfterItsFinishSucceeds(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.BatchWorkflow, workflow.RegisterOptions{Name: workflows.BatchWorkflowName})
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.ImportChunkInput) (workflows.ImportChunkResult, error) {
		return workflows.ImportChunkResult{Started: in.To - in.From}, nil
	}, activity.RegisterOptions{Name: workflows.ImportChunkActivityName})
	attempts := 0
	env.RegisterActivityWithOptions(func(context.Context, workflows.FinishBatchInput) error {
		attempts++
		if attempts < 3 {
			return temporal.NewApplicationError("the reporting store does not show 2 of the opinions it started yet", "OpinionsNotInStore")
		}
		return nil
	}, activity.RegisterOptions{Name: workflows.FinishBatchActivityName})

	env.ExecuteWorkflow(workflows.BatchWorkflowName, workflows.BatchInput{BatchID: "b1", Accepted: 7, ChunkSize: 5})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, 3, attempts, "finished on the attempt that found every opinion in the store")
}
