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

// A scheduled report is made for the schedule's nominal time, not for when its
// workflow happens to run (a catch-up after an outage runs late).
func TestAProgressReportIsMadeForTheSchedulesNominalTime(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	nominal := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(workflows.ScheduledStartTimeKey.ValueSet(nominal))))
	var asked []workflows.MakeProgressReportInput
	env.RegisterActivityWithOptions(func(_ context.Context, in workflows.MakeProgressReportInput) (workflows.MakeProgressReportResult, error) {
		asked = append(asked, in)
		return workflows.MakeProgressReportResult{ReportID: "r-c1-2026-12-04", CutOff: "2026-12-04", Created: true}, nil
	}, activity.RegisterOptions{Name: workflows.MakeProgressReportActivityName})
	env.ExecuteWorkflow(workflows.ProgressReportWorkflow, workflows.ProgressReportInput{CampaignID: "c1"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	require.Len(t, asked, 1)
	require.Equal(t, "c1", asked[0].CampaignID)
	require.True(t, asked[0].At.Equal(nominal), "made for %s, asked for %s", nominal, asked[0].At)
	var res workflows.MakeProgressReportResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, "r-c1-2026-12-04", res.ReportID)
}
