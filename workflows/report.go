package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Names of the scheduled progress report (整改进展情况): a Temporal Schedule per
// campaign starts a ProgressReport workflow at each of the times the campaign's
// settings say, and its one activity makes and keeps the report for that day.
const (
	ProgressReportWorkflowName     = "rectify.ProgressReport"
	MakeProgressReportActivityName = "rectify.MakeProgressReport"
	ReportSchedulePrefix           = "report-schedule-"
	ReportWorkflowPrefix           = "report-"
)

// ReportScheduleID is the id of campaign's report schedule.
func ReportScheduleID(campaignID string) string { return ReportSchedulePrefix + campaignID }

// ReportWorkflowID is the id the schedule gives its workflows (Temporal appends
// the nominal time).
func ReportWorkflowID(campaignID string) string { return ReportWorkflowPrefix + campaignID }

// ScheduledStartTimeKey is the search attribute a Schedule sets on the workflows
// it starts: the nominal time of the action.
var ScheduledStartTimeKey = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ProgressReportInput starts a ProgressReport workflow for a campaign.
type ProgressReportInput struct {
	CampaignID string `json:"campaign_id"`
}

// MakeProgressReportInput asks for campaign's report of the campaign-local day of At.
type MakeProgressReportInput struct {
	CampaignID string    `json:"campaign_id"`
	At         time.Time `json:"at"`
}

// MakeProgressReportResult names the report kept, and whether this call kept it
// (false: it was there already).
type MakeProgressReportResult struct {
	ReportID string `json:"report_id"`
	CutOff   string `json:"cut_off"`
	Created  bool   `json:"created"`
}

// ProgressReportWorkflow makes the report of its schedule's nominal time (or,
// started otherwise, of its own start). The activity keeps one report a day, so a
// retry, a second run or a trigger on the same day keeps nothing twice and tells
// the leaders once.
func ProgressReportWorkflow(ctx workflow.Context, in ProgressReportInput) (MakeProgressReportResult, error) {
	var res MakeProgressReportResult
	err := workflow.ExecuteActivity(scheduledWork(ctx), MakeProgressReportActivityName,
		MakeProgressReportInput{CampaignID: in.CampaignID, At: scheduledAt(ctx)}).Get(ctx, &res)
	return res, err
}

// scheduledAt is the moment a scheduled workflow stands for: its schedule's
// nominal time, or its own start when it was started otherwise.
func scheduledAt(ctx workflow.Context) time.Time {
	if nominal, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(ScheduledStartTimeKey); ok && !nominal.IsZero() {
		return nominal
	}
	return workflow.Now(ctx)
}

// scheduledWork is the context of a scheduled workflow's one activity: a few
// minutes a try, retried for a while, so a store that is briefly away does not
// cost the day's work.
func scheduledWork(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 20},
	})
}
