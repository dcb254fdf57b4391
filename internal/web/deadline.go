package web

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/domain"
)

// The workflow records a deadline's explanation in Chinese (activities.ComputeSchedule),
// in one of these forms: counted on the calendar, or a date given by hand.
var (
	countedRE    = regexp.MustCompile(`^从 (\d{4}-\d{2}-\d{2}) (起|往前) (\d+) 个工作日 → (\d{4}-\d{2}-\d{2})`)
	fixedRE      = regexp.MustCompile(`^指定期限 (\d{4}-\d{2}-\d{2})（自 (\d{4}-\d{2}-\d{2}) 起 (\d+) 个工作日）$`)
	fixedLateRE  = regexp.MustCompile(`^指定期限 (\d{4}-\d{2}-\d{2})（截至 (\d{4}-\d{2}-\d{2}) 已超期 (\d+) 个工作日）$`)
	makeUpSuffix = "调休上班"
)

// englishHolidays names the holidays of the built-in calendar (holidays.json) in
// English; a name it does not know (from an operator's own file) is shown as it is.
var englishHolidays = map[string]string{
	"元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Qingming Festival", "劳动节": "Labour Day",
	"端午节": "Dragon Boat Festival", "中秋节": "Mid-Autumn Festival", "国庆节": "National Day",
}

// deadlineText is a deadline's calendar explanation in the visitor's language. The
// stored text is Chinese; for English the count is read back from it (start, working
// days, date reached) and explained again on the same calendar. When the calendar
// now reaches another date (its holiday file changed since), the recorded count is
// given without the days it skipped; text in no known form is left out rather than
// shown in Chinese.
func (s *Server) deadlineText(v *visit, p domain.Policy, stored string) string {
	if v.Lang != "en" || stored == "" {
		return stored
	}
	loc := p.Location()
	date := func(text string) (time.Time, bool) {
		d, err := time.ParseInLocation(domain.DateLayout, text, loc)
		return d, err == nil
	}
	if m := countedRE.FindStringSubmatch(stored); m != nil {
		from, ok1 := date(m[1])
		to, ok2 := date(m[4])
		n, err := strconv.Atoi(m[3])
		if !ok1 || !ok2 || err != nil {
			return ""
		}
		if m[2] == "往前" {
			n = -n
		}
		span := s.svc.Calendar().AddWorkdays(from, n)
		if !span.To.Equal(to) {
			span = calendar.Span{From: from, To: to, Days: n}
		}
		return englishSpan(span)
	}
	for _, f := range []struct {
		re  *regexp.Regexp
		key string
	}{{fixedRE, "explain.fixed"}, {fixedLateRE, "explain.fixed_late"}} {
		if m := f.re.FindStringSubmatch(stored); m != nil {
			n, _ := strconv.Atoi(m[3])
			return v.T(f.key, m[1], n, m[2])
		}
	}
	return ""
}

// englishSpan is the calendar's English explanation with the holidays named in English.
func englishSpan(span calendar.Span) string {
	span.Holidays = append([]calendar.SkippedHoliday(nil), span.Holidays...)
	for i := range span.Holidays {
		span.Holidays[i].Name = englishHoliday(span.Holidays[i].Name)
	}
	span.MakeUpWorkdays = append([]calendar.MakeUpWorkday(nil), span.MakeUpWorkdays...)
	for i := range span.MakeUpWorkdays {
		span.MakeUpWorkdays[i].Name = englishHoliday(strings.TrimSuffix(span.MakeUpWorkdays[i].Name, makeUpSuffix))
	}
	return span.English()
}

// englishHoliday translates a holiday's name, "国庆节、中秋节" as two.
func englishHoliday(name string) string {
	parts := strings.Split(name, "、")
	for i, p := range parts {
		if en, ok := englishHolidays[p]; ok {
			parts[i] = en
		}
	}
	return strings.Join(parts, " and ")
}
