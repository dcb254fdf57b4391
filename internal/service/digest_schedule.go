package service

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"rectify/workflows"
)

// SyncDigestSchedule makes the daily digest's Temporal Schedule match the
// settings: every day at "HH:MM" (at) in zone — the activity skips days off on the
// calendar, which knows 调休 make-up Saturdays a weekday list would miss — or no
// schedule when at is empty. Idempotent: run at every worker start.
func (s *Service) SyncDigestSchedule(ctx context.Context, at, zone string) error {
	if at == "" {
		return s.deleteSchedule(ctx, workflows.DigestScheduleID)
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return err
	}
	spec := client.ScheduleSpec{TimeZoneName: zone, Calendars: []client.ScheduleCalendarSpec{{
		Hour: []client.ScheduleRange{{Start: t.Hour()}}, Minute: []client.ScheduleRange{{Start: t.Minute()}},
		DayOfWeek: []client.ScheduleRange{{Start: 0, End: 6}},
	}}}
	action := &client.ScheduleWorkflowAction{
		ID: workflows.DigestWorkflowID, Workflow: workflows.DigestWorkflowName,
		Args: []any{workflows.DigestInput{Zone: zone}}, TaskQueue: workflows.TaskQueue,
	}
	// A digest missed while everything was down goes when it comes back, the same
	// morning; a later one would be stale.
	return s.putSchedule(ctx, workflows.DigestScheduleID, spec, action, 4*time.Hour)
}

// putSchedule creates schedule id with spec and action, or changes the one there
// to them. catchup is how late a run missed while everything was down still goes.
func (s *Service) putSchedule(ctx context.Context, id string, spec client.ScheduleSpec, action *client.ScheduleWorkflowAction, catchup time.Duration) error {
	schedules := s.temporal.ScheduleClient()
	_, err := schedules.Create(ctx, client.ScheduleOptions{ID: id, Spec: spec, Action: action, CatchupWindow: catchup})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return err
	}
	return schedules.GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			in.Description.Schedule.Spec = &spec
			in.Description.Schedule.Action = action
			return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
		},
	})
}

// deleteSchedule deletes schedule id; one that is not there is already deleted.
func (s *Service) deleteSchedule(ctx context.Context, id string) error {
	err := s.temporal.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		return nil
	}
	return err
}
