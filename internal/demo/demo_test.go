package demo

import (
	"testing"
	"time"

	"rectify/internal/calendar"
	"rectify/internal/domain"
)

// TestStoriesHoldOnEveryDayOfTheWeek: the demo is seeded on whatever day the
// product first starts, so its dates must satisfy the rules on each of them.
// Seen: started on a Tuesday (Shanghai), the fix on the spot was dated the Friday
// before an opinion collected on the Saturday, and the demo refused to seed.
func TestStoriesHoldOnEveryDayOfTheWeek(t *testing.T) {
	shanghai := time.FixedZone("CST", 8*3600)
	for d := 0; d < 14; d++ {
		today := time.Date(2026, 12, 1+d, 9, 0, 0, 0, shanghai)
		date, workday := dayCounters(today, calendar.Default())
		for i, st := range stories(date, workday) {
			collected := date(-st.daysAgo)
			for _, s := range st.steps {
				if s.action != domain.ActionResolve {
					continue
				}
				if s.body.FixedOn < collected || s.body.FixedOn > date(0) {
					t.Errorf("today %s, opinion %d: fixed_on %s is outside %s..%s", date(0), i+1, s.body.FixedOn, collected, date(0))
				}
			}
		}
	}
}
