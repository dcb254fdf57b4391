package calendar

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is the result of counting working days together with everything that
// was passed over, so that a deadline shown to an official (or disputed by
// one) can be checked by hand against the holiday notice.
type Span struct {
	// From is the starting date (day 0, never counted), midnight in the
	// caller's location.
	From time.Time
	// To is the date reached, midnight in the same location.
	To time.Time
	// Days is the number of working days counted, negative when counted
	// backwards from From.
	Days int
	// Holidays lists the public holidays passed over, in the order met; the
	// weekend days inside a holiday count towards the holiday.
	Holidays []SkippedHoliday
	// Weekends is the number of ordinary Saturdays and Sundays passed over.
	Weekends int
	// MakeUpWorkdays lists the weekend days that were counted because they
	// are 调休 workdays, in the order met.
	MakeUpWorkdays []MakeUpWorkday
	// Provisional lists the years walked through whose holiday data is not
	// yet confirmed by a State Council notice.
	Provisional []int
	// Uncovered lists the years walked through with no holiday data at all,
	// where only weekends were skipped.
	Uncovered []int
}

// SkippedHoliday is one public holiday a count passed over.
type SkippedHoliday struct {
	Name string // as in the notice, e.g. "国庆节"
	Days int    // days of it passed over
}

// MakeUpWorkday is one 调休 weekend day a count treated as a working day.
type MakeUpWorkday struct {
	Date time.Time // midnight in the caller's location
	Name string    // e.g. "国庆节调休上班"
}

// addHoliday counts one more day of the named holiday.
func (s *Span) addHoliday(name string) {
	for i := range s.Holidays {
		if s.Holidays[i].Name == name {
			s.Holidays[i].Days++
			return
		}
	}
	s.Holidays = append(s.Holidays, SkippedHoliday{Name: name, Days: 1})
}

// String explains the count in Chinese for officials, e.g.
// "从 2026-09-28 起 5 个工作日 → 2026-10-10（跳过国庆节 7 天；10-10 为国庆节调休上班日）".
func (s Span) String() string {
	var b strings.Builder
	if s.Days < 0 {
		fmt.Fprintf(&b, "从 %s 往前 %d 个工作日 → %s", s.From.Format(time.DateOnly), -s.Days, s.To.Format(time.DateOnly))
	} else {
		fmt.Fprintf(&b, "从 %s 起 %d 个工作日 → %s", s.From.Format(time.DateOnly), s.Days, s.To.Format(time.DateOnly))
	}
	var skipped []string
	for _, h := range s.Holidays {
		skipped = append(skipped, fmt.Sprintf("%s %d 天", h.Name, h.Days))
	}
	if s.Weekends > 0 {
		skipped = append(skipped, fmt.Sprintf("周末 %d 天", s.Weekends))
	}
	var notes []string
	if len(skipped) > 0 {
		notes = append(notes, "跳过"+strings.Join(skipped, "、"))
	}
	// Within one year the month and day are enough, as officials write them.
	layout := "01-02"
	if s.From.Year() != s.To.Year() {
		layout = time.DateOnly
	}
	for _, g := range groupMakeUps(s.MakeUpWorkdays, layout) {
		notes = append(notes, fmt.Sprintf("%s 为%s日", strings.Join(g.dates, "、"), g.name))
	}
	if len(s.Provisional) > 0 {
		notes = append(notes, joinYears(s.Provisional, "、")+" 年节假日为暂定安排，须以国务院通知核实")
	}
	if len(s.Uncovered) > 0 {
		notes = append(notes, joinYears(s.Uncovered, "、")+" 年无节假日数据，仅扣除周末")
	}
	if len(notes) > 0 {
		b.WriteString("（" + strings.Join(notes, "；") + "）")
	}
	return b.String()
}

// English explains the count in English for logs and non-Chinese readers,
// e.g. "5 working days from 2026-09-28 → 2026-10-10, skipping 国庆节 (7 days);
// 2026-10-10 is a make-up workday (国庆节调休上班)".
func (s Span) English() string {
	var b strings.Builder
	if s.Days < 0 {
		fmt.Fprintf(&b, "%s before %s → %s", plural(-s.Days, "working day"), s.From.Format(time.DateOnly), s.To.Format(time.DateOnly))
	} else {
		fmt.Fprintf(&b, "%s from %s → %s", plural(s.Days, "working day"), s.From.Format(time.DateOnly), s.To.Format(time.DateOnly))
	}
	var skipped []string
	for _, h := range s.Holidays {
		skipped = append(skipped, fmt.Sprintf("%s (%s)", h.Name, plural(h.Days, "day")))
	}
	if s.Weekends > 0 {
		skipped = append(skipped, fmt.Sprintf("weekends (%s)", plural(s.Weekends, "day")))
	}
	if len(skipped) > 0 {
		b.WriteString(", skipping " + strings.Join(skipped, ", "))
	}
	for _, g := range groupMakeUps(s.MakeUpWorkdays, time.DateOnly) {
		if len(g.dates) == 1 {
			fmt.Fprintf(&b, "; %s is a make-up workday (%s)", g.dates[0], g.name)
		} else {
			fmt.Fprintf(&b, "; %s are make-up workdays (%s)", strings.Join(g.dates, ", "), g.name)
		}
	}
	if len(s.Provisional) > 0 {
		fmt.Fprintf(&b, "; holidays for %s are provisional (check the State Council notice)", joinYears(s.Provisional, ", "))
	}
	if len(s.Uncovered) > 0 {
		fmt.Fprintf(&b, "; no holiday data for %s, only weekends skipped", joinYears(s.Uncovered, ", "))
	}
	return b.String()
}

// makeUpGroup is the make-up workdays of one name, dates already formatted.
type makeUpGroup struct {
	name  string
	dates []string
}

// groupMakeUps gathers make-up workdays by name, in the order first met, so
// that "02-14、02-28 为春节调休上班日" reads as one note.
func groupMakeUps(days []MakeUpWorkday, layout string) []makeUpGroup {
	var groups []makeUpGroup
next:
	for _, d := range days {
		date := d.Date.Format(layout)
		for i := range groups {
			if groups[i].name == d.Name {
				groups[i].dates = append(groups[i].dates, date)
				continue next
			}
		}
		groups = append(groups, makeUpGroup{name: d.Name, dates: []string{date}})
	}
	return groups
}

// joinYears writes years as a list.
func joinYears(years []int, sep string) string {
	parts := make([]string, len(years))
	for i, y := range years {
		parts[i] = strconv.Itoa(y)
	}
	return strings.Join(parts, sep)
}

// plural writes a count with its noun, adding "s" unless the count is one.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
