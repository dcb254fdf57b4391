package workflows_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"rectify/internal/payload"
	"rectify/internal/payload/payloadtest"
	"rectify/workflows"
)

// TestReplayRecordedHistories replays every history recorded from a real run
// (internal/app's integration tests with RECTIFY_RECORD_HISTORIES=1). A change that
// breaks determinism for running opinions fails here; never delete a history. They
// replay through the worker's own data converter: the ones recorded before payloads
// were encrypted pass through it in clear, the later ones were encrypted with the
// tests' key.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4, "the happy, extension/rework and return paths and an import are recorded")
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			replayer, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: payload.DataConverter(payloadtest.Keyring(t)),
				Interceptors:  []interceptor.WorkerInterceptor{&payload.RequireSealed{}},
			})
			require.NoError(t, err)
			replayer.RegisterWorkflowWithOptions(workflows.OpinionWorkflow, workflow.RegisterOptions{Name: workflows.OpinionWorkflowName})
			replayer.RegisterWorkflowWithOptions(workflows.BatchWorkflow, workflow.RegisterOptions{Name: workflows.BatchWorkflowName})
			replayer.RegisterWorkflowWithOptions(workflows.ProblemWorkflow, workflow.RegisterOptions{Name: workflows.ProblemWorkflowName})
			replayer.RegisterWorkflowWithOptions(workflows.TaskWorkflow, workflow.RegisterOptions{Name: workflows.TaskWorkflowName})
			replayer.RegisterWorkflowWithOptions(workflows.ProgressReportWorkflow, workflow.RegisterOptions{Name: workflows.ProgressReportWorkflowName})
			require.NoError(t, replayer.ReplayWorkflowHistoryFromJSONFile(nil, file))
		})
	}
}
