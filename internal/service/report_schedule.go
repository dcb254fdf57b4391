package service

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
	// The report schedules name a time zone; the binary carries the zone data, so
	// a machine without /usr/share/zoneinfo runs them too.
	_ "time/tzdata"

	"go.temporal.io/sdk/client"

	"rectify/internal/campaign"
	"rectify/workflows"
)

// SyncReportSchedule makes campaign c's Temporal Schedule of progress reports
// match its settings (c.Reports): created when reports are scheduled and there is
// none, changed when there is one, deleted when reports are none. It is
// idempotent: the settings are the truth, and the schedule is brought in line
// with them after every change and at every worker start.
func (s *Service) SyncReportSchedule(ctx context.Context, c campaign.Campaign) error {
	id := workflows.ReportScheduleID(c.ID)
	if !c.Reports.Scheduled() {
		return s.deleteSchedule(ctx, id)
	}
	spec, err := reportSpec(c)
	if err != nil {
		return err
	}
	action := &client.ScheduleWorkflowAction{
		ID: workflows.ReportWorkflowID(c.ID), Workflow: workflows.ProgressReportWorkflowName,
		Args: []any{workflows.ProgressReportInput{CampaignID: c.ID}}, TaskQueue: workflows.TaskQueue,
	}
	// A report missed while everything was down is made when it comes back, within
	// a day: a later one would come after the next day's work.
	return s.putSchedule(ctx, id, spec, action, 24*time.Hour)
}

// SyncReportSchedules brings every campaign's report schedule in line with its
// settings (SyncReportSchedule), at a worker's start.
func (s *Service) SyncReportSchedules(ctx context.Context) error {
	cs, err := s.store.Campaigns(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		if !c.Reports.Scheduled() && c.Reports == nil {
			continue // never scheduled: nothing to delete
		}
		if err := s.SyncReportSchedule(ctx, c); err != nil {
			errs = append(errs, fmt.Errorf("campaign %s: %w", c.ID, err))
		}
	}
	return errors.Join(errs...)
}

// syncAfterChange syncs c's schedule after its settings were saved; a failure is
// a 503 saying they were saved, so saving again (which syncs again) mends it.
func (s *Service) syncAfterChange(ctx context.Context, c campaign.Campaign) error {
	if err := s.SyncReportSchedule(ctx, c); err != nil {
		s.logger.Warn("report schedule not set", "campaign", c.ID, "err", err)
		return Refuse(http.StatusServiceUnavailable, "schedule_unavailable", "api.schedule_unavailable")
	}
	return nil
}

// reportSpec is when c's reports are made: on its weekday or day of the month at
// campaign.ReportHour campaign-local time. The campaign keeps a UTC offset, not a
// zone: the schedule runs in the fixed zone of its whole hours (Etc/GMT-8 is
// UTC+8), the minutes beyond them taken off the hour.
func reportSpec(c campaign.Campaign) (client.ScheduleSpec, error) {
	offset := c.Policy.UTCOffsetSeconds
	hours, rest := offset/3600, offset%3600
	zone := "UTC"
	if hours != 0 {
		zone = fmt.Sprintf("Etc/GMT%+d", -hours)
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return client.ScheduleSpec{}, fmt.Errorf("campaign %s: no time zone for UTC offset %ds: %w", c.ID, offset, err)
	}
	minutes := campaign.ReportHour*60 - rest/60
	cal := client.ScheduleCalendarSpec{
		Hour:   []client.ScheduleRange{{Start: minutes / 60}},
		Minute: []client.ScheduleRange{{Start: minutes % 60}},
	}
	if c.Reports.Every == campaign.ReportsWeekly {
		cal.DayOfWeek = []client.ScheduleRange{{Start: int(c.Reports.GoWeekday())}}
	} else {
		cal.DayOfMonth = []client.ScheduleRange{{Start: c.Reports.Day}}
	}
	return client.ScheduleSpec{Calendars: []client.ScheduleCalendarSpec{cal}, TimeZoneName: zone}, nil
}
