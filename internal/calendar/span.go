package calendar

import (
	"strconv"
	"strings"
	"time"

	"rectify/internal/web/i18n"
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

// In explains the count in lang from the catalogue, so that an official can
// check a deadline by hand against the holiday notice, e.g. in Chinese
// "从 2026-09-28 起 5 个工作日 → 2026-10-10（跳过国庆节 7 天；10-10 为国庆节调休上班日）",
// in English "5 working days from 2026-09-28 → 2026-10-10, skipping National Day
// (7 days); 2026-10-10 is a make-up workday (National Day)".
func (s Span) In(lang string) string {
	t := func(key string, args ...any) string { return i18n.Text(lang, key, args...) }
	head := "calendar.forward"
	if s.Days < 0 {
		head = "calendar.backward"
	}
	text := t(head, s.From.Format(time.DateOnly), i18n.Plural(lang, "calendar.working_days", abs(s.Days), abs(s.Days)), s.To.Format(time.DateOnly))
	list := t("i18n.list_separator")
	var skipped []string
	for _, h := range s.Holidays {
		skipped = append(skipped, t("calendar.holiday_days", HolidayName(h.Name, lang), i18n.Plural(lang, "calendar.days", h.Days, h.Days)))
	}
	if s.Weekends > 0 {
		skipped = append(skipped, t("calendar.weekends", i18n.Plural(lang, "calendar.days", s.Weekends, s.Weekends)))
	}
	var notes []string
	if len(skipped) > 0 {
		notes = append(notes, t("calendar.skipping", strings.Join(skipped, list)))
	}
	// Within one year the month and day are enough, as Chinese officials write them.
	layout := time.DateOnly
	if lang != i18n.English && s.From.Year() == s.To.Year() {
		layout = "01-02"
	}
	for _, g := range groupMakeUps(s.MakeUpWorkdays, layout) {
		notes = append(notes, i18n.Plural(lang, "calendar.make_up", len(g.dates), strings.Join(g.dates, list), makeUpName(g.name, lang)))
	}
	if len(s.Provisional) > 0 {
		notes = append(notes, t("calendar.provisional", joinYears(s.Provisional, list)))
	}
	if len(s.Uncovered) > 0 {
		notes = append(notes, t("calendar.uncovered", joinYears(s.Uncovered, list)))
	}
	if len(notes) > 0 {
		text = t("calendar.notes", text, strings.Join(notes, t("calendar.note_separator")))
	}
	return text
}

// String is the count explained in Chinese, the language of the notice.
func (s Span) String() string { return s.In(i18n.Chinese) }

// HolidayName is a holiday's name in lang: the notice's own (Chinese) name, or the
// catalogue's for it (holiday.<name>), "国庆节、中秋节" as two. A name the catalogue
// does not know (from an operator's own holiday file) is shown as it is.
func HolidayName(name, lang string) string {
	if lang != i18n.English {
		return name
	}
	parts := strings.Split(name, "、")
	for i, p := range parts {
		if text, ok := i18n.Lookup(lang, "holiday."+p); ok {
			parts[i] = text
		}
	}
	return strings.Join(parts, i18n.Text(lang, "calendar.holiday_and"))
}

// makeUpSuffix ends the notice's name of a make-up workday ("国庆节调休上班").
const makeUpSuffix = "调休上班"

// makeUpName names the make-up workdays of a holiday: in Chinese as the notice
// does, in English by the holiday they make up for.
func makeUpName(name, lang string) string {
	if lang != i18n.English {
		return name
	}
	return HolidayName(strings.TrimSuffix(name, makeUpSuffix), lang)
}

func abs(n int) int { return max(n, -n) }

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
