package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"rectify/workflows"
)

// A daily digest is sent for the schedule's nominal day in the configured zone,
// not for when a catch-up after an outage happens to run it.
func TestADigestIsSentForTheSchedulesNominalDay(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	nominal := time.Date(2026, 11, 27, 0, 30, 0, 0, time.UTC) // 08:30 in Shanghai
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(workflows.ScheduledStartTimeKey.ValueSet(nominal))))
	var asked []workflows.SendDigestsInput
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.SendDigestsInput) (workflows.SendDigestsResult, error) {
		asked = append(asked, in)
		return workflows.SendDigestsResult{Day: "2026-11-27", Sent: 3}, nil
	}, activity.RegisterOptions{Name: workflows.SendDigestsActivityName})
	env.ExecuteWorkflow(workflows.DigestWorkflow, workflows.DigestInput{Zone: "Asia/Shanghai"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Len(t, asked, 1)
	require.True(t, asked[0].At.Equal(nominal))
	require.Equal(t, "Asia/Shanghai", asked[0].Zone)
	var res workflows.SendDigestsResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, 3, res.Sent)
}
