package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"rectify/internal/store"
	"rectify/workflows"
)

// ReportMaker makes and keeps a campaign's progress report for the campaign-local
// day of at, once a day (service.MakeScheduledReport).
type ReportMaker interface {
	MakeScheduledReport(ctx context.Context, campaignID string, at time.Time) (store.Report, bool, error)
}

// MakeProgressReport makes the scheduled report. A campaign that is gone is a
// permanent failure; anything else is retried.
func (a *Activities) MakeProgressReport(ctx context.Context, in workflows.MakeProgressReportInput) (workflows.MakeProgressReportResult, error) {
	if a.Reports == nil {
		return workflows.MakeProgressReportResult{}, temporal.NewNonRetryableApplicationError("this worker makes no reports", "NoReports", nil)
	}
	r, created, err := a.Reports.MakeScheduledReport(ctx, in.CampaignID, in.At)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.MakeProgressReportResult{}, temporal.NewNonRetryableApplicationError("no campaign "+in.CampaignID, "CampaignNotFound", err)
	}
	if err != nil {
		return workflows.MakeProgressReportResult{}, err
	}
	return workflows.MakeProgressReportResult{ReportID: r.ID, CutOff: r.CutOff, Created: created}, nil
}
