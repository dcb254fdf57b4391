package deadline

import (
	"time"

	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/web/i18n"
)

// Explain says how the schedule's deadline was reached, in lang ("en" for
// English, anything else Chinese), worded from the catalogue, e.g. "从
// 2026-09-28 起 5 个工作日 → 2026-10-10（跳过国庆节 7 天；10-10 为国庆节调休上班日）". A
// deadline set before its facts were kept has only its Chinese sentence: English
// readers get "" rather than Chinese.
func Explain(s domain.Schedule, lang string) string {
	b := s.Basis
	if b == nil {
		if lang == i18n.English {
			return ""
		}
		return s.Explanation
	}
	if b.Given {
		return explainGiven(s.Deadline, *b, lang) + explainMoved(*b, lang)
	}
	span, ok := spanOf(s.Deadline, *b)
	if !ok {
		return ""
	}
	return span.In(lang)
}

// explainGiven explains a date given by hand: how far it lay from the day it was set.
func explainGiven(deadline string, b domain.DeadlineBasis, lang string) string {
	key, n := "deadline.given", b.WorkingDays
	if n < 0 {
		key, n = "deadline.given_late", -n
	}
	return i18n.Text(lang, key, deadline, b.From, i18n.Plural(lang, "calendar.working_days", n, n))
}

// explainMoved says that a date fell on a day off and moved to the next working day.
func explainMoved(b domain.DeadlineBasis, lang string) string {
	if b.MovedFrom == "" {
		return ""
	}
	return i18n.Text(lang, "deadline.moved", b.MovedFrom)
}

// spanOf rebuilds the calendar's account of a count from its facts.
func spanOf(deadline string, b domain.DeadlineBasis) (calendar.Span, bool) {
	from, err1 := time.Parse(domain.DateLayout, b.From)
	to, err2 := time.Parse(domain.DateLayout, deadline)
	if err1 != nil || err2 != nil {
		return calendar.Span{}, false
	}
	span := calendar.Span{From: from, To: to, Days: b.WorkingDays, Weekends: b.Weekends,
		Provisional: b.ProvisionalYears, Uncovered: b.UncoveredYears}
	for _, h := range b.Holidays {
		span.Holidays = append(span.Holidays, calendar.SkippedHoliday{Name: h.Name, Days: h.Days})
	}
	for _, m := range b.MakeUpWorkdays {
		d, err := time.Parse(domain.DateLayout, m.Date)
		if err != nil {
			return calendar.Span{}, false
		}
		span.MakeUpWorkdays = append(span.MakeUpWorkdays, calendar.MakeUpWorkday{Date: d, Name: m.Name})
	}
	return span, true
}
