// Package deadline sets an opinion's deadline on the working-day calendar and the
// moments its escalation ladder steps up, records how the deadline was reached as
// facts (domain.DeadlineBasis), and explains those facts in each reader's
// language. The Schedule activity and the assignment preview share it, so a
// preview shows exactly what the workflow will record.
package deadline

import (
	"fmt"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/workflows"
)

// Compute sets the deadline that in asks for — counted in working days from
// in.Today, or given — and the ladder: due_soon N working days before, overdue
// when the deadline day ends, supervised and accountability k and 2k working
// days later, and (with in.WithSign) the moment signing in is overdue.
func Compute(cal *calendar.Calendar, in workflows.ScheduleInput) (domain.Schedule, error) {
	p := in.Policy
	loc := p.Location()
	today, err := time.ParseInLocation(domain.DateLayout, in.Today, loc)
	if err != nil {
		return domain.Schedule{}, fmt.Errorf("schedule: today %q: %w", in.Today, err)
	}
	var s domain.Schedule
	var deadline time.Time
	if in.Deadline != "" {
		deadline, err = time.ParseInLocation(domain.DateLayout, in.Deadline, loc)
		if err != nil {
			return domain.Schedule{}, fmt.Errorf("schedule: deadline %q: %w", in.Deadline, err)
		}
		moved := ""
		// Bounded: the longest run of days off (the Spring Festival's) is 9 days.
		for i := 0; in.OnWorkday && i < 31 && !cal.IsWorkday(deadline); i++ {
			if moved == "" {
				moved = in.Deadline
			}
			deadline = deadline.AddDate(0, 0, 1)
		}
		s.Basis = &domain.DeadlineBasis{From: in.Today, WorkingDays: cal.WorkdaysBetween(today, deadline), Given: true, MovedFrom: moved}
	} else {
		span := cal.AddWorkdays(today, in.WorkingDays)
		deadline = span.To
		s.Basis = basisOf(span)
	}
	s.Deadline = deadline.Format(domain.DateLayout)
	s.Explanation = Explain(s, "zh")
	endOf := func(d time.Time) time.Time { return d.AddDate(0, 0, 1) }
	s.DueSoonAt = cal.AddWorkdays(deadline, -p.DueSoonWorkingDays).To
	s.OverdueAt = endOf(deadline)
	s.SupervisedAt = endOf(cal.AddWorkdays(deadline, p.SupervisionWorkingDays).To)
	s.AccountabilityAt = endOf(cal.AddWorkdays(deadline, 2*p.SupervisionWorkingDays).To)
	if in.WithSign {
		s.SignBy = endOf(cal.AddWorkdays(today, p.SignWorkingDays).To)
	}
	return s, nil
}

// basisOf keeps the facts of a count.
func basisOf(span calendar.Span) *domain.DeadlineBasis {
	b := &domain.DeadlineBasis{
		From: span.From.Format(domain.DateLayout), WorkingDays: span.Days, Weekends: span.Weekends,
		ProvisionalYears: span.Provisional, UncoveredYears: span.Uncovered,
	}
	for _, h := range span.Holidays {
		b.Holidays = append(b.Holidays, domain.SkippedHoliday{Name: h.Name, Days: h.Days})
	}
	for _, m := range span.MakeUpWorkdays {
		b.MakeUpWorkdays = append(b.MakeUpWorkdays, domain.MakeUpWorkday{Date: m.Date.Format(domain.DateLayout), Name: m.Name})
	}
	return b
}
