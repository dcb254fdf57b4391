package deadline

import (
	"fmt"
	"strings"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/domain"
)

// Explain says how the schedule's deadline was reached, in lang ("en" for
// English, anything else Chinese), e.g. "从 2026-09-28 起 5 个工作日 →
// 2026-10-10（跳过国庆节 7 天；10-10 为国庆节调休上班日）". A deadline set before its
// facts were kept has only its Chinese sentence: English readers get "" rather
// than Chinese.
func Explain(s domain.Schedule, lang string) string {
	b := s.Basis
	if b == nil {
		if lang == "en" {
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
	if lang != "en" {
		return span.String()
	}
	for i := range span.Holidays {
		span.Holidays[i].Name = HolidayName(span.Holidays[i].Name, lang)
	}
	for i := range span.MakeUpWorkdays {
		span.MakeUpWorkdays[i].Name = HolidayName(strings.TrimSuffix(span.MakeUpWorkdays[i].Name, makeUpSuffix), lang)
	}
	return span.English()
}

// makeUpSuffix ends the calendar's name of a make-up workday ("国庆节调休上班").
const makeUpSuffix = "调休上班"

// explainGiven explains a date given by hand: how far it lay from the day it was set.
func explainGiven(deadline string, b domain.DeadlineBasis, lang string) string {
	switch {
	case lang == "en" && b.WorkingDays >= 0:
		return fmt.Sprintf("deadline set by hand, %s (%s from %s)", deadline, plural(b.WorkingDays, "working day"), b.From)
	case lang == "en":
		return fmt.Sprintf("deadline set by hand, %s (already %s late on %s)", deadline, plural(-b.WorkingDays, "working day"), b.From)
	case b.WorkingDays >= 0:
		return fmt.Sprintf("指定期限 %s（自 %s 起 %d 个工作日）", deadline, b.From, b.WorkingDays)
	default:
		return fmt.Sprintf("指定期限 %s（截至 %s 已超期 %d 个工作日）", deadline, b.From, -b.WorkingDays)
	}
}

// explainMoved says that a date fell on a day off and moved to the next working day.
func explainMoved(b domain.DeadlineBasis, lang string) string {
	switch {
	case b.MovedFrom == "":
		return ""
	case lang == "en":
		return fmt.Sprintf("; %s is a day off, so the next working day", b.MovedFrom)
	}
	return fmt.Sprintf("；%s 为休息日，顺延至下一个工作日", b.MovedFrom)
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

// englishHolidays names the holidays of the built-in calendar in English; a name
// it does not know (from an operator's own holiday file) is shown as it is.
var englishHolidays = map[string]string{
	"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Qingming Festival", "劳动节": "Labour Day",
	"端午节": "Dragon Boat Festival", "中秋节": "Mid-Autumn Festival", "国庆节": "National Day",
}

// HolidayName is a holiday's name in lang: the calendar's own (Chinese) name, or
// for "en" its English one, "国庆节、中秋节" as two.
func HolidayName(name, lang string) string {
	if lang != "en" {
		return name
	}
	parts := strings.Split(name, "、")
	for i, p := range parts {
		if en, ok := englishHolidays[p]; ok {
			parts[i] = en
		}
	}
	return strings.Join(parts, " and ")
}

// plural writes a count with its noun, adding "s" unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
