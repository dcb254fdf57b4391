package campaign

import (
	"fmt"
	"time"

	"rectify/internal/web/i18n"
)

// How often a campaign's progress reports (整改进展情况) to the supervising group
// (督导组) are made on a schedule (ReportSchedule.Every).
const (
	ReportsNone    = "none"
	ReportsWeekly  = "weekly"
	ReportsMonthly = "monthly"
)

// MaxReportDay is the last day of the month a monthly report may be made on: every
// month has it, so no month goes without its report.
const MaxReportDay = 28

// ReportHour is the campaign-local hour a scheduled report is made at, on its day:
// the end of the working day, so the day's work is in it.
const ReportHour = 18

// ReportSchedule is when a campaign's progress reports are made by themselves:
// never (none), weekly on Weekday (1 Monday … 7 Sunday) or monthly on Day (1–28),
// at ReportHour campaign-local time, for that day as the cut-off.
type ReportSchedule struct {
	Every   string `json:"every"`
	Weekday int    `json:"weekday,omitempty"`
	Day     int    `json:"day,omitempty"`
}

// MaxFilingUnitRunes bounds the filing unit (填报单位) a campaign's documents name.
const MaxFilingUnitRunes = 100

// Scheduled reports whether s makes reports at all.
func (s *ReportSchedule) Scheduled() bool {
	return s != nil && (s.Every == ReportsWeekly || s.Every == ReportsMonthly)
}

// String is the schedule as a change records it: none, weekly:5, monthly:1.
func (s *ReportSchedule) String() string {
	switch {
	case !s.Scheduled():
		return ReportsNone
	case s.Every == ReportsWeekly:
		return fmt.Sprintf("%s:%d", ReportsWeekly, s.Weekday)
	}
	return fmt.Sprintf("%s:%d", ReportsMonthly, s.Day)
}

// checkReports checks and tidies a report schedule: none keeps no day, weekly a
// weekday, monthly a day of the month. It names the field it refuses.
func checkReports(s *ReportSchedule) error {
	switch s.Every {
	case "", ReportsNone:
		*s = ReportSchedule{Every: ReportsNone}
	case ReportsWeekly:
		if s.Weekday < 1 || s.Weekday > 7 {
			return fieldError("reports.weekday", i18n.M("campaign.rule.report_weekday"))
		}
		s.Day = 0
	case ReportsMonthly:
		if s.Day < 1 || s.Day > MaxReportDay {
			return fieldError("reports.day", i18n.M("campaign.rule.report_day", MaxReportDay))
		}
		s.Weekday = 0
	default:
		return fieldError("reports.every", i18n.M("campaign.rule.report_every"))
	}
	return nil
}

// checkFilingUnit tidies and checks the filing unit: optional, on one line, bounded.
func checkFilingUnit(s *string) error {
	*s = trimName(*s)
	if *s == "" {
		return nil
	}
	return checkName("filing_unit", i18n.Message{}, *s, MaxFilingUnitRunes)
}

// GoWeekday is the schedule's weekday as Go counts them (Sunday 0).
func (s *ReportSchedule) GoWeekday() time.Weekday { return time.Weekday(s.Weekday % 7) }
