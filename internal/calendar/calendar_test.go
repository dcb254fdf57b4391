package calendar

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"rectify/internal/web/i18n"
)

// mustDate parses a constant YYYY-MM-DD from a test table.
func mustDate(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// makeUpDates lists a span's make-up workdays as YYYY-MM-DD strings.
func makeUpDates(s Span) []string {
	var out []string
	for _, m := range s.MakeUpWorkdays {
		out = append(out, m.Date.Format(time.DateOnly))
	}
	return out
}

// TestEmbeddedData guards Default's panic: the embedded file must parse, and
// each year must agree with the law, not just with itself.
func TestEmbeddedData(t *testing.T) {
	years, err := parse(embeddedName, embeddedData)
	if err != nil {
		t.Fatalf("parse embedded: %v", err)
	}
	if _, err := load(nil); err != nil {
		t.Fatalf("build embedded: %v", err)
	}
	c := Default()

	wantProvisional := map[int]bool{2025: false, 2026: false, 2027: true}
	for y, want := range wantProvisional {
		ys, ok := years[y]
		if !ok {
			t.Errorf("year %d missing from holidays.json", y)
			continue
		}
		if ys.spec.Provisional != want {
			t.Errorf("year %d: provisional = %v, want %v", y, ys.spec.Provisional, want)
		}
		if want && !strings.Contains(ys.spec.Note, "State Council") {
			t.Errorf("year %d is provisional but its note does not tell operators to check the State Council notice", y)
		}
		if !c.Covers(time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Covers(%d) = false", y)
		}
	}

	for y, ys := range years {
		// Since 2025 the law grants 13 days; each one falling on a weekend is
		// made up on a weekday, so in every notice the weekdays off minus the
		// weekend days worked come to exactly 13.
		weekdaysOff := 0
		names := map[string]bool{}
		for _, h := range ys.spec.Holidays {
			names[h.Name] = true
			for d := mustDate(h.From); !d.After(mustDate(h.To)); d = d.AddDate(0, 0, 1) {
				if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
					weekdaysOff++
				}
			}
		}
		if got := weekdaysOff - len(ys.spec.Workdays); got != 13 {
			t.Errorf("year %d: %d weekdays off - %d make-up workdays = %d, want the 13 statutory days", y, weekdaysOff, len(ys.spec.Workdays), got)
		}
		for _, w := range ys.spec.Workdays {
			holidayName, ok := strings.CutSuffix(w.Name, "调休上班")
			if !ok || !names[holidayName] {
				t.Errorf("year %d: workday %s is named %q, want \"<a holiday of that year>调休上班\"", y, w.Date, w.Name)
			}
			if wd := mustDate(w.Date).Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("year %d: make-up workday %s is a %s", y, w.Date, wd)
			}
		}
	}

	// Each festival's own day must lie inside the holiday named after it.
	festivals := []struct {
		date, name string
	}{
		{"2025-01-01", "元旦"}, {"2025-01-28", "春节"}, {"2025-01-29", "春节"}, {"2025-04-04", "清明节"},
		{"2025-05-01", "劳动节"}, {"2025-05-31", "端午节"}, {"2025-10-06", "中秋节"}, {"2025-10-01", "国庆节"},
		{"2026-01-01", "元旦"}, {"2026-02-16", "春节"}, {"2026-02-17", "春节"}, {"2026-04-05", "清明节"},
		{"2026-05-01", "劳动节"}, {"2026-06-19", "端午节"}, {"2026-09-25", "中秋节"}, {"2026-10-01", "国庆节"},
		{"2027-01-01", "元旦"}, {"2027-02-05", "春节"}, {"2027-02-06", "春节"}, {"2027-04-05", "清明节"},
		{"2027-05-01", "劳动节"}, {"2027-06-09", "端午节"}, {"2027-09-15", "中秋节"}, {"2027-10-01", "国庆节"},
	}
	for _, f := range festivals {
		if got, ok := c.Holiday(mustDate(f.date)); !ok || !strings.Contains(got, f.name) {
			t.Errorf("Holiday(%s) = %q, %v; want a holiday named for %s", f.date, got, ok, f.name)
		}
	}
}

func TestIsWorkdayAndHoliday(t *testing.T) {
	c := Default()
	tests := []struct {
		date        string
		wantWorkday bool
		wantHoliday string
	}{
		{"2026-03-04", true, ""},  // ordinary Wednesday
		{"2026-03-07", false, ""}, // ordinary Saturday
		{"2026-03-08", false, ""}, // ordinary Sunday
		{"2026-01-03", false, "元旦"},
		{"2026-01-04", true, ""}, // 调休 Sunday
		{"2026-02-14", true, ""}, // 调休 Saturday before 春节
		{"2026-02-16", false, "春节"},
		{"2026-02-23", false, "春节"},
		{"2026-02-24", true, ""},
		{"2026-02-28", true, ""}, // 调休 Saturday after 春节
		{"2026-05-09", true, ""},
		{"2026-09-20", true, ""}, // 调休 Sunday before 国庆
		{"2026-09-28", true, ""},
		{"2026-10-03", false, "国庆节"}, // a Saturday inside the holiday is the holiday
		{"2026-10-07", false, "国庆节"},
		{"2026-10-08", true, ""},
		{"2026-10-10", true, ""}, // 调休 Saturday after 国庆
		{"2026-10-11", false, ""},
		{"2025-10-06", false, "国庆节、中秋节"},
		{"2025-10-11", true, ""},
		{"2025-01-26", true, ""},
		{"2027-06-09", false, "端午节"}, // a Wednesday festival is one day only
		{"2027-06-10", true, ""},
		{"2028-10-02", true, ""}, // no data for 2028: only weekends are off
	}
	for _, tt := range tests {
		d := mustDate(tt.date)
		if got := c.IsWorkday(d); got != tt.wantWorkday {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date, got, tt.wantWorkday)
		}
		name, ok := c.Holiday(d)
		if name != tt.wantHoliday || ok != (tt.wantHoliday != "") {
			t.Errorf("Holiday(%s) = %q, %v; want %q", tt.date, name, ok, tt.wantHoliday)
		}
	}
}

func TestCovers(t *testing.T) {
	c := Default()
	for y, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: true, 2028: false} {
		if got := c.Covers(time.Date(y, 3, 1, 12, 0, 0, 0, time.UTC)); got != want {
			t.Errorf("Covers(%d) = %v, want %v", y, got, want)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := Default()
	tests := []struct {
		name         string
		from         string
		n            int
		wantTo       string
		wantHolidays []SkippedHoliday
		wantWeekends int
		wantMakeUps  []string
		wantProv     []int
		wantUncov    []int
	}{
		{name: "ordinary week", from: "2026-03-02", n: 5, wantTo: "2026-03-09", wantWeekends: 2},
		{name: "Friday plus one", from: "2026-03-06", n: 1, wantTo: "2026-03-09", wantWeekends: 2},
		{name: "starting on a Saturday", from: "2026-03-07", n: 1, wantTo: "2026-03-09", wantWeekends: 1},
		{name: "zero keeps the date, even a Saturday", from: "2026-03-07", n: 0, wantTo: "2026-03-07"},
		{
			name: "国庆 2026 lands on the make-up Saturday", from: "2026-09-28", n: 5, wantTo: "2026-10-10",
			wantHolidays: []SkippedHoliday{{"国庆节", 7}}, wantMakeUps: []string{"2026-10-10"},
		},
		{
			name: "中秋 and 国庆 2026 with the make-up Sunday", from: "2026-09-18", n: 10, wantTo: "2026-10-09",
			wantHolidays: []SkippedHoliday{{"中秋节", 3}, {"国庆节", 7}}, wantWeekends: 1, wantMakeUps: []string{"2026-09-20"},
		},
		{name: "调休 Sunday 2026-09-20 is the next workday", from: "2026-09-19", n: 1, wantTo: "2026-09-20", wantMakeUps: []string{"2026-09-20"}},
		{
			name: "调休 Sunday 2026-01-04 after 元旦", from: "2026-01-02", n: 1, wantTo: "2026-01-04",
			wantHolidays: []SkippedHoliday{{"元旦", 1}}, wantMakeUps: []string{"2026-01-04"},
		},
		{name: "春节 2026 eve make-up Saturday", from: "2026-02-13", n: 1, wantTo: "2026-02-14", wantMakeUps: []string{"2026-02-14"}},
		{
			name: "春节 2026 with both make-up Saturdays", from: "2026-02-13", n: 7, wantTo: "2026-03-02",
			wantHolidays: []SkippedHoliday{{"春节", 9}}, wantWeekends: 1, wantMakeUps: []string{"2026-02-14", "2026-02-28"},
		},
		{
			name: "year boundary", from: "2025-12-29", n: 5, wantTo: "2026-01-06",
			wantHolidays: []SkippedHoliday{{"元旦", 3}}, wantMakeUps: []string{"2026-01-04"},
		},
		{
			name: "国庆 and 中秋 merged in 2025", from: "2025-09-26", n: 5, wantTo: "2025-10-10",
			wantHolidays: []SkippedHoliday{{"国庆节、中秋节", 8}}, wantWeekends: 1, wantMakeUps: []string{"2025-09-28"},
		},
		{
			name: "backwards across 国庆", from: "2026-10-09", n: -3, wantTo: "2026-09-29",
			wantHolidays: []SkippedHoliday{{"国庆节", 7}},
		},
		{
			name: "backwards across 劳动节 and its make-up Saturday", from: "2026-05-11", n: -5, wantTo: "2026-04-30",
			wantHolidays: []SkippedHoliday{{"劳动节", 5}}, wantWeekends: 1, wantMakeUps: []string{"2026-05-09"},
		},
		{name: "backwards over a weekend", from: "2026-03-09", n: -1, wantTo: "2026-03-06", wantWeekends: 2},
		{
			name: "provisional 2027", from: "2027-09-30", n: 1, wantTo: "2027-10-08",
			wantHolidays: []SkippedHoliday{{"国庆节", 7}}, wantProv: []int{2027},
		},
		{name: "into a year with no data", from: "2027-12-31", n: 1, wantTo: "2028-01-03", wantWeekends: 2, wantUncov: []int{2028}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := c.AddWorkdays(mustDate(tt.from), tt.n)
			if got := s.From.Format(time.DateOnly); got != tt.from {
				t.Errorf("From = %s, want %s", got, tt.from)
			}
			if got := s.To.Format(time.DateOnly); got != tt.wantTo {
				t.Errorf("To = %s, want %s", got, tt.wantTo)
			}
			if s.Days != tt.n {
				t.Errorf("Days = %d, want %d", s.Days, tt.n)
			}
			if !slices.Equal(s.Holidays, tt.wantHolidays) {
				t.Errorf("Holidays = %v, want %v", s.Holidays, tt.wantHolidays)
			}
			if s.Weekends != tt.wantWeekends {
				t.Errorf("Weekends = %d, want %d", s.Weekends, tt.wantWeekends)
			}
			if got := makeUpDates(s); !slices.Equal(got, tt.wantMakeUps) {
				t.Errorf("MakeUpWorkdays = %v, want %v", got, tt.wantMakeUps)
			}
			if !slices.Equal(s.Provisional, tt.wantProv) || !slices.Equal(s.Uncovered, tt.wantUncov) {
				t.Errorf("Provisional, Uncovered = %v, %v; want %v, %v", s.Provisional, s.Uncovered, tt.wantProv, tt.wantUncov)
			}
			if tt.n != 0 && !c.IsWorkday(s.To) {
				t.Errorf("To %s is not a workday", tt.wantTo)
			}
			// The explanation must add up: every day walked is either
			// counted or accounted for as skipped.
			skipped := s.Weekends
			for _, h := range s.Holidays {
				skipped += h.Days
			}
			days := int(s.To.Sub(s.From).Hours() / 24)
			if abs(days) != abs(s.Days)+skipped {
				t.Errorf("walked %d days but counted %d and skipped %d", abs(days), abs(s.Days), skipped)
			}
		})
	}
}

func TestSpanText(t *testing.T) {
	c := Default()
	tests := []struct {
		from        string
		n           int
		wantChinese string
		wantEnglish string
	}{
		{
			"2026-09-28", 5,
			"从 2026-09-28 起 5 个工作日 → 2026-10-10（跳过国庆节 7 天；10-10 为国庆节调休上班日）",
			"5 working days from 2026-09-28 → 2026-10-10, skipping National Day (7 days); 2026-10-10 is a make-up workday (National Day)",
		},
		{
			"2026-09-18", 10,
			"从 2026-09-18 起 10 个工作日 → 2026-10-09（跳过中秋节 3 天、国庆节 7 天、周末 1 天；09-20 为国庆节调休上班日）",
			"10 working days from 2026-09-18 → 2026-10-09, skipping Mid-Autumn Festival (3 days), National Day (7 days), weekends (1 day); 2026-09-20 is a make-up workday (National Day)",
		},
		{
			"2026-02-13", 7,
			"从 2026-02-13 起 7 个工作日 → 2026-03-02（跳过春节 9 天、周末 1 天；02-14、02-28 为春节调休上班日）",
			"7 working days from 2026-02-13 → 2026-03-02, skipping Spring Festival (9 days), weekends (1 day); 2026-02-14, 2026-02-28 are make-up workdays (Spring Festival)",
		},
		{
			"2025-12-29", 5,
			"从 2025-12-29 起 5 个工作日 → 2026-01-06（跳过元旦 3 天；2026-01-04 为元旦调休上班日）",
			"5 working days from 2025-12-29 → 2026-01-06, skipping New Year's Day (3 days); 2026-01-04 is a make-up workday (New Year's Day)",
		},
		{
			"2026-10-09", -3,
			"从 2026-10-09 往前 3 个工作日 → 2026-09-29（跳过国庆节 7 天）",
			"3 working days before 2026-10-09 → 2026-09-29, skipping National Day (7 days)",
		},
		{
			"2026-03-03", 1,
			"从 2026-03-03 起 1 个工作日 → 2026-03-04",
			"1 working day from 2026-03-03 → 2026-03-04",
		},
		{
			"2027-09-30", 1,
			"从 2027-09-30 起 1 个工作日 → 2027-10-08（跳过国庆节 7 天；2027 年节假日为暂定安排，须以国务院通知核实）",
			"1 working day from 2027-09-30 → 2027-10-08, skipping National Day (7 days); holidays for 2027 are provisional (check the State Council notice)",
		},
		{
			"2027-12-31", 1,
			"从 2027-12-31 起 1 个工作日 → 2028-01-03（跳过周末 2 天；2028 年无节假日数据，仅扣除周末）",
			"1 working day from 2027-12-31 → 2028-01-03, skipping weekends (2 days); no holiday data for 2028, only weekends skipped",
		},
	}
	for _, tt := range tests {
		s := c.AddWorkdays(mustDate(tt.from), tt.n)
		if got := s.String(); got != tt.wantChinese {
			t.Errorf("String()\n got %s\nwant %s", got, tt.wantChinese)
		}
		if got := s.In(i18n.English); got != tt.wantEnglish {
			t.Errorf("In(English)\n got %s\nwant %s", got, tt.wantEnglish)
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := Default()
	tests := []struct {
		name     string
		from, to string
		want     int
	}{
		{"same day", "2026-10-10", "2026-10-10", 0},
		{"ordinary week forwards", "2026-03-02", "2026-03-07", 4},
		{"ordinary week backwards", "2026-03-07", "2026-03-02", -5},
		{"国庆 forwards", "2026-09-28", "2026-10-10", 5},
		{"国庆 backwards", "2026-10-10", "2026-09-28", -5},
		{"春节", "2026-02-13", "2026-03-02", 7},
		{"year boundary", "2025-12-29", "2026-01-06", 5},
		{"deadline yesterday, today a Saturday", "2026-03-07", "2026-03-06", -1},
		{"overdue across a make-up Saturday", "2026-10-11", "2026-10-09", -2},
		{"whole holiday in between", "2026-09-30", "2026-10-07", 0},
	}
	for _, tt := range tests {
		if got := c.WorkdaysBetween(mustDate(tt.from), mustDate(tt.to)); got != tt.want {
			t.Errorf("%s: WorkdaysBetween(%s, %s) = %d, want %d", tt.name, tt.from, tt.to, got, tt.want)
		}
	}
}

// TestWorkdaysBetweenInvertsAddWorkdays checks the promise WorkdaysBetween
// documents, across every day of the covered years and both directions.
func TestWorkdaysBetweenInvertsAddWorkdays(t *testing.T) {
	c := Default()
	for from := mustDate("2024-12-20"); from.Before(mustDate("2028-01-10")); from = from.AddDate(0, 0, 1) {
		for n := -12; n <= 12; n++ {
			s := c.AddWorkdays(from, n)
			if got := c.WorkdaysBetween(from, s.To); got != n {
				t.Fatalf("WorkdaysBetween(%s, AddWorkdays(%s, %d).To = %s) = %d", from.Format(time.DateOnly), from.Format(time.DateOnly), n, s.To.Format(time.DateOnly), got)
			}
		}
	}
}

func TestLocations(t *testing.T) {
	c := Default()
	beijing := time.FixedZone("UTC+8", 8*3600)
	newYork := time.FixedZone("UTC-5", -5*3600)

	// 07:00 on 1 October in Beijing is still 30 September in UTC: the
	// Beijing date is what counts.
	morning := time.Date(2026, 10, 1, 7, 0, 0, 0, beijing)
	if c.IsWorkday(morning) {
		t.Errorf("IsWorkday(%v) = true, want the 国庆 holiday", morning)
	}
	if c.IsWorkday(morning.UTC()) != true {
		t.Errorf("IsWorkday(%v) = false, want 30 September, a workday", morning.UTC())
	}
	if name, _ := c.Holiday(morning); name != "国庆节" {
		t.Errorf("Holiday(%v) = %q, want 国庆节", morning, name)
	}

	s := c.AddWorkdays(morning, 1)
	if want := time.Date(2026, 10, 1, 0, 0, 0, 0, beijing); !s.From.Equal(want) || s.From.Location() != beijing {
		t.Errorf("From = %v, want %v", s.From, want)
	}
	if want := time.Date(2026, 10, 8, 0, 0, 0, 0, beijing); !s.To.Equal(want) || s.To.Location() != beijing {
		t.Errorf("To = %v, want %v", s.To, want)
	}

	evening := time.Date(2026, 9, 30, 22, 0, 0, 0, newYork) // 1 October in UTC
	if !c.IsWorkday(evening) {
		t.Errorf("IsWorkday(%v) = false, want 30 September, a workday", evening)
	}
	if got := c.AddWorkdays(evening, 1).MakeUpWorkdays; len(got) != 0 {
		t.Errorf("AddWorkdays(%v, 1) counted make-up days %v, want none", evening, got)
	}
	if got, want := c.AddWorkdays(evening, 1).To, time.Date(2026, 10, 8, 0, 0, 0, 0, newYork); !got.Equal(want) {
		t.Errorf("AddWorkdays(%v, 1).To = %v, want %v", evening, got, want)
	}
}

// writeFile puts content in a fresh file and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadOverride(t *testing.T) {
	path := writeFile(t, "holidays.json", `{
  "years": {
    "2026": {
      "provisional": false,
      "holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-08"}],
      "workdays": [{"name": "国庆节调休上班", "date": "2026-10-10"}]
    },
    "2028": {
      "provisional": true,
      "holidays": [{"name": "元旦", "from": "2027-12-31", "to": "2028-01-03"}]
    }
  }
}`)
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	checks := []struct {
		date        string
		wantWorkday bool
		why         string
	}{
		{"2026-10-08", false, "the override extends 国庆 2026 by a day"},
		{"2026-10-10", true, "the override keeps this make-up day"},
		{"2026-02-16", true, "2026 is replaced entirely, so the embedded 春节 is gone"},
		{"2026-09-20", false, "2026 is replaced entirely, so the embedded make-up Sunday is gone"},
		{"2025-10-01", false, "2025 is not overridden and keeps its holidays"},
		{"2027-12-31", false, "a notice may start 元旦 in the December before its year"},
		{"2028-01-03", false, "the override adds 2028"},
	}
	for _, ch := range checks {
		if got := c.IsWorkday(mustDate(ch.date)); got != ch.wantWorkday {
			t.Errorf("IsWorkday(%s) = %v, want %v: %s", ch.date, got, ch.wantWorkday, ch.why)
		}
	}
	if !c.Covers(mustDate("2028-06-01")) {
		t.Error("Covers(2028) = false after the override added it")
	}
	if got := c.AddWorkdays(mustDate("2028-01-03"), 1).Provisional; !slices.Equal(got, []int{2028}) {
		t.Errorf("Provisional = %v, want [2028] from the override", got)
	}
	if Default().IsWorkday(mustDate("2026-02-16")) {
		t.Error("Load changed the Default calendar")
	}
}

func TestLoadErrors(t *testing.T) {
	// year wraps a 2026 entry list in a complete file.
	year := func(body string) string {
		return `{"years": {"2026": {"provisional": false, ` + body + `}}}`
	}
	tests := []struct {
		name    string
		content string
		want    []string
	}{
		{"empty file", "", []string{"file is empty"}},
		{"broken JSON", "{\n  \"years\": {\n    \"2026\": [,\n", []string{"invalid JSON at line 3"}},
		{"wrong type", `{"years": {"2026": {"provisional": "yes"}}}`, []string{"line 1", `"years.provisional"`, "bool"}},
		{"misspelt field", `{"years": {"2026": {"holiday": []}}}`, []string{`unknown field "holiday"`}},
		{"trailing content", `{"years": {}} {}`, []string{"unexpected content after the top-level JSON object"}},
		{"no years", `{"years": {}}`, []string{"no years listed"}},
		{"bad year key", `{"years": {"26": {}}}`, []string{`key "26" is not a four-digit year`}},
		{"no holidays", year(`"holidays": []`), []string{"year 2026: no holidays listed"}},
		{
			"bad date", year(`"holidays": [{"name": "国庆节", "from": "2026-10-32", "to": "2026-10-07"}]`),
			[]string{`year 2026: holidays[0] (国庆节): from: "2026-10-32" is not a date (want YYYY-MM-DD)`},
		},
		{
			"missing to", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01"}]`),
			[]string{"year 2026: holidays[0] (国庆节): to: missing"},
		},
		{
			"missing name", year(`"holidays": [{"from": "2026-10-01", "to": "2026-10-07"}]`),
			[]string{"year 2026: holidays[0]: name: missing"},
		},
		{
			"from after to", year(`"holidays": [{"name": "国庆节", "from": "2026-10-07", "to": "2026-10-01"}]`),
			[]string{"year 2026: holidays[0] (国庆节): from 2026-10-07 is after to 2026-10-01"},
		},
		{
			"date in another year", year(`"holidays": [{"name": "国庆节", "from": "2025-10-01", "to": "2025-10-07"}]`),
			[]string{"year 2026: holidays[0] (国庆节): from: 2025-10-01 is outside 2026"},
		},
		{
			"mistyped month", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-11-07"}]`),
			[]string{"year 2026: holidays[0] (国庆节): 2026-10-01 to 2026-11-07 is 38 days, more than 31"},
		},
		{
			"workday on a weekday", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}],
				"workdays": [{"name": "国庆节调休上班", "date": "2026-10-09"}]`),
			[]string{"year 2026: workdays[0] (国庆节调休上班): date: 2026-10-09 is a Friday; a make-up workday must be a Saturday or Sunday"},
		},
		{
			"bad workday date", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}],
				"workdays": [{"name": "国庆节调休上班", "date": "10/10/2026"}]`),
			[]string{`year 2026: workdays[0] (国庆节调休上班): date: "10/10/2026" is not a date`},
		},
		{
			"holiday overlapping a workday", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}],
				"workdays": [{"name": "国庆节调休上班", "date": "2026-10-03"}]`),
			[]string{"year 2026: workdays[0] (国庆节调休上班): 2026-10-03 is both a holiday and a make-up workday", "year 2026: holidays[0] (国庆节)"},
		},
		{
			"overlapping holidays", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"},
				{"name": "中秋节", "from": "2026-09-30", "to": "2026-10-01"}]`),
			[]string{"year 2026: holidays[1] (中秋节): 2026-10-01 overlaps", "year 2026: holidays[0] (国庆节)"},
		},
		{
			"workday listed twice", year(`"holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}],
				"workdays": [{"name": "国庆节调休上班", "date": "2026-10-10"}, {"name": "国庆节调休上班", "date": "2026-10-10"}]`),
			[]string{"year 2026: workdays[1] (国庆节调休上班): 2026-10-10 is already a make-up workday in", "workdays[0]"},
		},
		{
			"overlap across years", `{"years": {
				"2027": {"holidays": [{"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"}, {"name": "年末", "from": "2027-12-30", "to": "2027-12-31"}]},
				"2028": {"holidays": [{"name": "元旦", "from": "2027-12-31", "to": "2028-01-03"}]}}}`,
			[]string{"year 2028: holidays[0] (元旦): 2027-12-31 overlaps", "year 2027: holidays[1] (年末)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, "override.json", tt.content)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load succeeded (%v), want an error", c)
			}
			for _, want := range append([]string{path}, tt.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\ndoes not mention %q", err, want)
				}
			}
		})
	}

	missing := filepath.Join(t.TempDir(), "absent.json")
	if _, err := Load(missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Load(%s) error = %v, want one naming the file", missing, err)
	}
}

func TestAHolidayIsNamedInTheReadersLanguage(t *testing.T) {
	if got := HolidayName("国庆节、中秋节", i18n.English); got != "National Day and Mid-Autumn Festival" {
		t.Errorf("in English: %s", got)
	}
	if got := HolidayName("国庆节、中秋节", i18n.Chinese); got != "国庆节、中秋节" {
		t.Errorf("in Chinese: %s", got)
	}
	if got := HolidayName("本地节日", i18n.English); got != "本地节日" {
		t.Errorf("a name from an operator's own file stays as it is: %s", got)
	}
}
