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
	handle := s.temporal.ScheduleClient().GetHandle(ctx, workflows.DigestScheduleID)
	if at == "" {
		err := handle.Delete(ctx)
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil
		}
		return err
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
	_, err = s.temporal.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: workflows.DigestScheduleID, Spec: spec, Action: action,
		// A digest missed while everything was down goes when it comes back, the
		// same morning; a later one would be stale.
		CatchupWindow: 4 * time.Hour,
	})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return err
	}
	return handle.Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			in.Description.Schedule.Spec = &spec
			in.Description.Schedule.Action = action
			return &client.ScheduleUpdate{Schedule: &in.Description.Schedule}, nil
		},
	})
}
