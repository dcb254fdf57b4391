// Package activities holds the side effects of rectify's workflows: deadlines on
// the working-day calendar (internal/deadline), the reporting-store projection,
// notifications and the import of accepted rows. Each is idempotent, keyed by
// what the workflow supplies.
package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"rectify/internal/calendar"
	"rectify/internal/deadline"
	"rectify/internal/domain"
	"rectify/internal/notify"
	"rectify/workflows"
)

// Projector writes an opinion's state to the reporting store, and in the same
// transaction the notifications it sets off, for the dispatcher to deliver.
// Implementations must ignore a state from an earlier workflow task, or from the
// same task at an earlier revision, and a notification whose key is already there;
// and keep an unconfirmed state's notifications until it is confirmed.
type Projector interface {
	ProjectTransition(ctx context.Context, in workflows.ProjectInput) error
}

// ProblemProjector writes a problem's state to the reporting store, ignoring a
// state at a revision no later than the stored one.
type ProblemProjector interface {
	ProjectProblem(ctx context.Context, p domain.Problem) error
}

// Activities bundles the dependencies the activities need.
type Activities struct {
	Calendar *calendar.Calendar
	Store    Projector
	Problems ProblemProjector
	Notifier notify.Notifier
	// Batches, Temporal and Namespace serve the import activities; Converter is
	// the Temporal client's data converter (which encrypts), nil for the SDK's
	// default.
	Batches BatchStore
	// Bulks and BulkActor serve the bulk activities.
	Bulks     BulkStore
	BulkActor BulkActor
	Temporal  client.Client
	Namespace string
	Converter converter.DataConverter
	// Reports serves the scheduled progress report's activity.
	Reports ReportMaker
	// Digests serves the daily digest's activity.
	Digests DigestSender
}

// converter is the data converter the import reads start inputs with: the
// client's, which wrote them.
func (a *Activities) converter() converter.DataConverter {
	if a.Converter == nil {
		return converter.GetDefaultDataConverter()
	}
	return a.Converter
}

// Register puts the activities on a worker under their explicit names.
func (a *Activities) Register(w worker.Registry) {
	w.RegisterActivityWithOptions(a.Schedule, activity.RegisterOptions{Name: workflows.ScheduleActivityName})
	w.RegisterActivityWithOptions(a.WorkingDays, activity.RegisterOptions{Name: workflows.WorkingDaysActivityName})
	w.RegisterActivityWithOptions(a.Project, activity.RegisterOptions{Name: workflows.ProjectActivityName})
	w.RegisterActivityWithOptions(a.ProjectProblem, activity.RegisterOptions{Name: workflows.ProjectProblemActivityName})
	w.RegisterActivityWithOptions(a.Notify, activity.RegisterOptions{Name: workflows.NotifyActivityName})
	w.RegisterActivityWithOptions(a.ImportChunk, activity.RegisterOptions{Name: workflows.ImportChunkActivityName})
	w.RegisterActivityWithOptions(a.FinishBatch, activity.RegisterOptions{Name: workflows.FinishBatchActivityName})
	w.RegisterActivityWithOptions(a.BulkChunk, activity.RegisterOptions{Name: workflows.BulkChunkActivityName})
	w.RegisterActivityWithOptions(a.FinishBulk, activity.RegisterOptions{Name: workflows.FinishBulkActivityName})
	w.RegisterActivityWithOptions(a.MakeProgressReport, activity.RegisterOptions{Name: workflows.MakeProgressReportActivityName})
	w.RegisterActivityWithOptions(a.SendDigests, activity.RegisterOptions{Name: workflows.SendDigestsActivityName})
}

// Schedule sets a deadline on the working-day calendar and the moments its
// escalation ladder steps up (deadline.Compute).
func (a *Activities) Schedule(_ context.Context, in workflows.ScheduleInput) (domain.Schedule, error) {
	return deadline.Compute(a.Calendar, in)
}

// WorkingDays counts the working days after From up to and including To on the
// calendar: the working days an opinion took from receipt to closure.
func (a *Activities) WorkingDays(_ context.Context, in workflows.WorkingDaysInput) (workflows.WorkingDaysResult, error) {
	return CountWorkingDays(a.Calendar, in)
}

// CountWorkingDays is WorkingDays without the activity wrapper. Dates that are not
// YYYY-MM-DD are a permanent failure: the workflow computed them.
func CountWorkingDays(cal *calendar.Calendar, in workflows.WorkingDaysInput) (workflows.WorkingDaysResult, error) {
	from, err := time.Parse(domain.DateLayout, in.From)
	if err != nil {
		return workflows.WorkingDaysResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("working days: from %q is not a date", in.From), "BadDate", err)
	}
	to, err := time.Parse(domain.DateLayout, in.To)
	if err != nil {
		return workflows.WorkingDaysResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("working days: to %q is not a date", in.To), "BadDate", err)
	}
	return workflows.WorkingDaysResult{Days: cal.WorkdaysBetween(from, to)}, nil
}

// Project writes the opinion to the reporting store. Its log line (debug) names
// ids and states only, and carries the request_id of the action it follows
// (internal/requestid).
func (a *Activities) Project(ctx context.Context, in workflows.ProjectInput) error {
	if err := a.Store.ProjectTransition(ctx, in); err != nil {
		return err
	}
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Debug("opinion projected", "opinion", in.Opinion.ID, "state", string(in.Opinion.State),
			"unconfirmed", in.Unconfirmed, "notifications", len(in.Notifications))
	}
	return nil
}

// ProjectProblem writes the problem to the reporting store.
func (a *Activities) ProjectProblem(ctx context.Context, p domain.Problem) error {
	return a.Problems.ProjectProblem(ctx, p)
}

// Notify delivers a notification through the configured notifier, for executions
// begun before notifications went with the projection.
func (a *Activities) Notify(ctx context.Context, n domain.Notification) error {
	return a.Notifier.Notify(ctx, n)
}
