package calendar

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

//go:embed holidays.json
var embeddedData []byte

// embeddedName is how errors refer to the embedded file.
const embeddedName = "holidays.json (embedded)"

// maxHolidayDays bounds one holiday run. The longest national one so far is
// ten days; a longer run is almost always a mistyped month.
const maxHolidayDays = 31

// fileSpec is the JSON layout of holidays.json. Dates stay strings here so
// that an operator's mistake is reported with the entry it sits in rather
// than as a bare decoding error. Note explains the layout to whoever edits
// the file.
type fileSpec struct {
	Note  string              `json:"note,omitempty"`
	Years map[string]yearSpec `json:"years"`
}

// yearSpec is one year's State Council notice. Note and Source are for the
// people maintaining the file (which notice, what is uncertain); they are
// accepted so that the strict decoder does not reject them, and not used.
type yearSpec struct {
	// Provisional marks a year derived before its notice was published.
	Provisional bool          `json:"provisional"`
	Note        string        `json:"note,omitempty"`
	Source      string        `json:"source,omitempty"`
	Holidays    []holidaySpec `json:"holidays"`
	Workdays    []workdaySpec `json:"workdays"`
}

// holidaySpec is one run of days off, from and to inclusive.
type holidaySpec struct {
	Name string `json:"name"`
	From string `json:"from"`
	To   string `json:"to"`
}

// workdaySpec is one weekend day that is worked (调休上班).
type workdaySpec struct {
	Name string `json:"name"`
	Date string `json:"date"`
}

// yearSource is a year's notice together with the file it came from, so that
// errors found after merging still point at the right file.
type yearSource struct {
	file string
	year int
	spec yearSpec
}

// parse decodes one holidays file. Unknown fields are rejected because a
// misspelt "workday" would otherwise silently drop make-up days.
func parse(name string, data []byte) (map[int]yearSource, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileSpec
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("calendar: %s: %s", name, describeJSONError(data, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("calendar: %s: unexpected content after the top-level JSON object", name)
	}
	if len(f.Years) == 0 {
		return nil, fmt.Errorf(`calendar: %s: no years listed (want {"years": {"2026": {...}}})`, name)
	}
	years := make(map[int]yearSource, len(f.Years))
	for key, spec := range f.Years {
		y, err := strconv.Atoi(key)
		if err != nil || strconv.Itoa(y) != key || y < 1000 || y > 9999 {
			return nil, fmt.Errorf("calendar: %s: years: key %q is not a four-digit year", name, key)
		}
		years[y] = yearSource{file: name, year: y, spec: spec}
	}
	return years, nil
}

// describeJSONError turns a decoding error into a message with a line number
// where encoding/json only gives a byte offset.
func describeJSONError(data []byte, err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return "file is empty"
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at line %d: %v", lineAt(data, syntax.Offset), syntax)
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: field %q: want a JSON %s, not %s", lineAt(data, typ.Offset), typ.Field, typ.Type, typ.Value)
	default:
		return err.Error()
	}
}

// lineAt is the 1-based line holding byte offset in data.
func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// addYear checks one year's entries and adds them to the calendar. Overlaps
// are caught here too, within the year and against years already added.
func (c *Calendar) addYear(ys yearSource) error {
	where := fmt.Sprintf("%s: year %d", ys.file, ys.year)
	if len(ys.spec.Holidays) == 0 {
		return fmt.Errorf("calendar: %s: no holidays listed", where)
	}
	for i, h := range ys.spec.Holidays {
		entry := fmt.Sprintf("%s: holidays[%d]%s", where, i, nameSuffix(h.Name))
		if h.Name == "" {
			return fmt.Errorf("calendar: %s: name: missing", entry)
		}
		from, err := parseDate(ys.year, h.From)
		if err != nil {
			return fmt.Errorf("calendar: %s: from: %w", entry, err)
		}
		to, err := parseDate(ys.year, h.To)
		if err != nil {
			return fmt.Errorf("calendar: %s: to: %w", entry, err)
		}
		if to.Before(from) {
			return fmt.Errorf("calendar: %s: from %s is after to %s", entry, h.From, h.To)
		}
		if days := int(to.Sub(from).Hours()/24) + 1; days > maxHolidayDays {
			return fmt.Errorf("calendar: %s: %s to %s is %d days, more than %d; check the month", entry, h.From, h.To, days, maxHolidayDays)
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			if err := c.mark(d, dayInfo{kind: holiday, name: h.Name, where: entry}); err != nil {
				return err
			}
		}
	}
	for i, w := range ys.spec.Workdays {
		entry := fmt.Sprintf("%s: workdays[%d]%s", where, i, nameSuffix(w.Name))
		if w.Name == "" {
			return fmt.Errorf("calendar: %s: name: missing", entry)
		}
		d, err := parseDate(ys.year, w.Date)
		if err != nil {
			return fmt.Errorf("calendar: %s: date: %w", entry, err)
		}
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			return fmt.Errorf("calendar: %s: date: %s is a %s; a make-up workday must be a Saturday or Sunday", entry, w.Date, wd)
		}
		if err := c.mark(d, dayInfo{kind: makeUpWorkday, name: w.Name, where: entry}); err != nil {
			return err
		}
	}
	c.years[ys.year] = ys.spec.Provisional
	return nil
}

// mark lists one date, refusing a date that an earlier entry already lists:
// a day cannot be two holidays, or both a holiday and a workday.
func (c *Calendar) mark(d time.Time, info dayInfo) error {
	prev, ok := c.days[d]
	if !ok {
		c.days[d] = info
		return nil
	}
	date := d.Format(time.DateOnly)
	switch {
	case prev.kind == holiday && info.kind == holiday:
		return fmt.Errorf("calendar: %s: %s overlaps %s", info.where, date, prev.where)
	case prev.kind == makeUpWorkday && info.kind == makeUpWorkday:
		return fmt.Errorf("calendar: %s: %s is already a make-up workday in %s", info.where, date, prev.where)
	default:
		return fmt.Errorf("calendar: %s: %s is both a holiday and a make-up workday (see %s)", info.where, date, prev.where)
	}
}

// parseDate reads a YYYY-MM-DD date belonging to year's notice. A notice may
// reach into the December before its year, when 元旦 starts on Dec 30 or 31
// or a make-up Saturday falls there.
func parseDate(year int, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
	}
	if d.Year() != year && (d.Year() != year-1 || d.Month() != time.December) {
		return time.Time{}, fmt.Errorf("%s is outside %d (entries must fall in that year, or in the December before it)", s, year)
	}
	return d, nil
}

// nameSuffix shows an entry's name after its index when it has one.
func nameSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " (" + name + ")"
}
