// Package calendar is the Chinese working-day calendar that rectification
// deadlines are counted in (限时办结: "N 个工作日"). Weekends are days off
// except the 调休 Saturdays and Sundays that the State Council makes workdays,
// and public holidays are days off whatever the weekday, so a deadline cannot
// be computed by skipping Saturdays and Sundays alone.
//
// The holiday data is embedded from holidays.json, one entry per year as
// published in the State Council notice; operators extend or correct it with
// Load. Every computation works on civil dates: only the year, month and day
// of a time.Time in its own location matter, and results are midnight in that
// same location.
package calendar

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sync"
	"time"
)

// Calendar answers working-day questions from one set of holiday data. It is
// immutable once built, so one value can be shared by every goroutine.
type Calendar struct {
	// years maps each year in the data to whether its entries are provisional.
	years map[int]bool
	// days holds every listed holiday and make-up workday, keyed by its civil
	// date as UTC midnight (one location, no monotonic reading, so == works).
	days map[time.Time]dayInfo
}

// dayKind says how a date is treated when counting working days.
type dayKind int

const (
	ordinaryWorkday dayKind = iota // Monday to Friday with nothing listed
	ordinaryWeekend                // Saturday or Sunday with nothing listed
	holiday                        // listed day off (放假)
	makeUpWorkday                  // listed weekend day that is worked (调休上班)
)

// dayInfo is what the calendar knows about one date.
type dayInfo struct {
	kind dayKind
	name string // holiday or make-up workday name; empty for ordinary days
	// where names the file entry that listed the day, for conflict errors.
	where string
}

var defaultCalendar = sync.OnceValue(func() *Calendar {
	c, err := load(nil)
	if err != nil {
		// Only a broken embedded file gets here, and TestEmbeddedData guards it.
		panic(err)
	}
	return c
})

// Default returns the calendar built from the embedded holidays.json. It is
// built once and shared; it panics only if the embedded file itself is
// invalid, which the package tests rule out before a release.
func Default() *Calendar {
	return defaultCalendar()
}

// Load returns the embedded calendar with the operator's file at path merged
// over it, so a site can add a newly published year or correct a provisional
// one without a new build. A year present in the file replaces that year of
// the embedded data entirely (holidays and workdays alike), because a State
// Council notice is always read as a whole. Errors name the file, year, entry
// and field at fault.
func Load(path string) (*Calendar, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	override, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	return load(override)
}

// load parses the embedded data, lays override over it year by year and
// builds the calendar.
func load(override map[int]yearSource) (*Calendar, error) {
	years, err := parse(embeddedName, embeddedData)
	if err != nil {
		return nil, err
	}
	maps.Copy(years, override)
	c := &Calendar{years: make(map[int]bool, len(years)), days: make(map[time.Time]dayInfo)}
	for _, y := range slices.Sorted(maps.Keys(years)) {
		if err := c.addYear(years[y]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// IsWorkday reports whether d is a working day: holidays are off whatever the
// weekday, weekends are off unless listed as 调休 make-up workdays, and every
// other day is worked.
func (c *Calendar) IsWorkday(d time.Time) bool {
	k := c.classify(civil(d)).kind
	return k == ordinaryWorkday || k == makeUpWorkday
}

// Covers reports whether d's year is in the holiday data. Outside the covered
// years only weekends count as days off, so callers should warn that a
// deadline there may be too early.
func (c *Calendar) Covers(d time.Time) bool {
	_, ok := c.years[d.Year()]
	return ok
}

// Holiday returns the name of the public holiday d falls in (for example
// "国庆节"), so the UI can say why a day is off; ok is false on any other day,
// including make-up workdays.
func (c *Calendar) Holiday(d time.Time) (name string, ok bool) {
	info := c.classify(civil(d))
	if info.kind != holiday {
		return "", false
	}
	return info.name, true
}

// AddWorkdays counts n working days from from and returns where it lands with
// everything it passed over, so a deadline can be shown together with its
// explanation. from itself is day 0 and never counted; n = 0 returns from's
// own date; a negative n counts backwards, for reminders "N working days
// before the deadline". The result is always a working day when n != 0.
func (c *Calendar) AddWorkdays(from time.Time, n int) Span {
	loc := from.Location()
	step, left := 1, n
	if n < 0 {
		step, left = -1, -n
	}
	s := Span{Days: n}
	d := civil(from)
	for left > 0 {
		d = d.AddDate(0, 0, step)
		c.noteYear(&s, d.Year())
		info := c.classify(d)
		switch info.kind {
		case ordinaryWorkday:
			left--
		case makeUpWorkday:
			left--
			s.MakeUpWorkdays = append(s.MakeUpWorkdays, MakeUpWorkday{Date: inLocation(d, loc), Name: info.name})
		case ordinaryWeekend:
			s.Weekends++
		case holiday:
			s.addHoliday(info.name)
		}
	}
	slices.Sort(s.Provisional)
	slices.Sort(s.Uncovered)
	s.From = inLocation(civil(from), loc)
	s.To = inLocation(d, loc)
	return s
}

// WorkdaysBetween counts the working days after from up to and including to,
// which is the "working days left" until a deadline. When to is before from
// the result is negative: minus the working days from to up to but excluding
// from, so that it is exactly the inverse of AddWorkdays
// (WorkdaysBetween(from, AddWorkdays(from, n).To) == n) and a deadline that
// passed yesterday reads -1 even if today is a weekend.
func (c *Calendar) WorkdaysBetween(from, to time.Time) int {
	a, b := civil(from), civil(to)
	if b.Before(a) {
		return -c.countWorkdays(b, a.AddDate(0, 0, -1))
	}
	return c.countWorkdays(a.AddDate(0, 0, 1), b)
}

// countWorkdays counts the working days in [first, last], both civil dates.
func (c *Calendar) countWorkdays(first, last time.Time) int {
	n := 0
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if k := c.classify(d).kind; k == ordinaryWorkday || k == makeUpWorkday {
			n++
		}
	}
	return n
}

// classify looks up a civil date: listed days first, then the weekday.
func (c *Calendar) classify(d time.Time) dayInfo {
	if info, ok := c.days[d]; ok {
		return info
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return dayInfo{kind: ordinaryWeekend}
	}
	return dayInfo{kind: ordinaryWorkday}
}

// noteYear records on s that the count walked through year y when that
// year's data is provisional or missing, so the explanation can say so.
func (c *Calendar) noteYear(s *Span, y int) {
	provisional, covered := c.years[y]
	switch {
	case !covered && !slices.Contains(s.Uncovered, y):
		s.Uncovered = append(s.Uncovered, y)
	case provisional && !slices.Contains(s.Provisional, y):
		s.Provisional = append(s.Provisional, y)
	}
}

// civil reduces t to its calendar date in its own location, as UTC midnight,
// so date arithmetic never meets a daylight-saving gap.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// inLocation turns a civil date back into midnight in the caller's location.
func inLocation(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}
