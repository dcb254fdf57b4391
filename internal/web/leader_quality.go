package web

import (
	"cmp"
	"slices"
	"strconv"

	"rectify/internal/domain"
	"rectify/internal/service"
)

// The dashboard's quality section: what happened to the items, not only where they
// stand — the highest rung they ever reached, extensions approved late, first-pass
// verification, rework, reopening, every follow-up call, working days to close.
// Every number is service.Stats' (docs/metrics.md defines each), overall and by
// speed, responsible leader (领导包案), target, category and department.

// qualityFigures are the quality headline numbers, each marked data-quality with
// its Stats field.
func qualityFigures(v *visit, st service.Stats) []figure {
	count := func(key string, n int, alert bool) figure {
		return figure{Key: key, Label: v.T("q." + key), Value: strconv.Itoa(n), Sub: v.T("q." + key + "_sub"), Alert: alert && n > 0}
	}
	rate := func(key string, r float64, num, den int) figure {
		return figure{Key: key, Label: v.T("q." + key), Value: percent(r, den), Sub: v.T("q."+key+"_sub", num, den)}
	}
	return []figure{
		rate("first_pass_rate", st.FirstPassRate, st.FirstPass, st.Closed),
		rate("rework_rate", st.ReworkRate, st.Reworked, st.Verified),
		rate("reopen_rate", st.ReopenRate, st.Reopened, st.Accepted),
		rate("extension_rate", st.ExtensionRate, st.Extended, st.Assigned),
		count("on_the_spot", st.OnTheSpot, false),
		count("long_term", st.LongTerm, false),
		count("late_extensions", st.LateExtensions, true),
		count("ever_overdue", st.EverOverdue, true),
		count("ever_supervised", st.EverSupervised, true),
		count("ever_accountability", st.EverAccountability, true),
		{Key: "median_working_days_to_close", Label: v.T("q.median_working_days_to_close"),
			Value: workdays(v, st.MedianWorkingDaysToClose, st.Closed), Sub: v.T("q.median_working_days_to_close_sub", st.Closed)},
		{Key: "dissatisfied", Label: v.T("q.dissatisfied"), Value: strconv.Itoa(st.Dissatisfied),
			Sub: v.T("q.dissatisfied_sub", st.Callbacks, st.Satisfied), Alert: st.Dissatisfied > 0},
	}
}

// workdays shows a median number of working days, or a dash when nothing is
// closed to take it from.
func workdays(v *visit, median float64, closed int) string {
	if closed <= 0 {
		return "—"
	}
	return v.T("q.workdays", strconv.FormatFloat(median, 'f', -1, 64))
}

// medianDays is a median number of working days as a table shows it, or a dash
// when nothing is closed to take it from.
func medianDays(median float64, closed int) string {
	if closed <= 0 {
		return "—"
	}
	return strconv.FormatFloat(median, 'f', -1, 64)
}

// qualityRow is one slice of a quality table, its name as a reader says it.
type qualityRow struct {
	Key  string // the slice's name as the stats give it, as data-slice for tests
	Name string
	service.Counts
	// Median is in working days, the unit in its column's head.
	FirstPass, Rework, Reopen, Extension, Satisfaction, Median string
}

// qualityTable is one breakdown of the quality figures.
type qualityTable struct {
	ID, Title, Column string
	Rows              []qualityRow
}

func qualityRows(v *visit, counts []service.Counts, name func(string) string) []qualityRow {
	rows := make([]qualityRow, len(counts))
	for i, c := range counts {
		rows[i] = qualityRow{Key: c.Name, Name: name(c.Name), Counts: c,
			FirstPass:    percent(c.FirstPassRate, c.Closed),
			Rework:       percent(c.ReworkRate, c.Verified),
			Reopen:       percent(c.ReopenRate, c.Accepted),
			Extension:    percent(c.ExtensionRate, c.Assigned),
			Satisfaction: percent(c.SatisfactionRate, c.Callbacks),
			Median:       medianDays(c.MedianWorkingDaysToClose, c.Closed),
		}
	}
	return rows
}

// qualityTables are the breakdowns, in the order a leader asks about them: by
// speed, by the leader who answers for the items (领导包案, by display name), by
// target, by category and by department.
func (s *Server) qualityTables(v *visit, st service.Stats) []qualityTable {
	or := func(unnamed string) func(string) string {
		return func(n string) string {
			if n == "" {
				return v.T(unnamed)
			}
			return n
		}
	}
	speed := func(n string) string {
		if n == "" {
			return v.T("chart.uncategorized")
		}
		return v.T("speed." + n)
	}
	leader := func(n string) string {
		if n == "" {
			return v.T("q.no_leader")
		}
		if u, ok := s.svc.User(n); ok && u.Name != "" {
			return u.Name
		}
		return n
	}
	target := func(n string) string {
		switch n {
		case "":
			return v.T("q.no_target")
		case service.TargetTeam, service.TargetIndividual:
			return v.T("q.target." + n)
		}
		return n
	}
	// The speeds as docs/domain.md lists them, the uncategorized last.
	bySpeed := slices.Clone(st.BySpeed)
	rank := func(name string) int {
		if i := slices.Index(domainSpeeds, domain.Speed(name)); i >= 0 {
			return i
		}
		return len(domainSpeeds)
	}
	slices.SortStableFunc(bySpeed, func(a, b service.Counts) int { return cmp.Compare(rank(a.Name), rank(b.Name)) })
	return []qualityTable{
		{ID: "quality-speed", Title: v.T("q.by_speed"), Column: v.T("q.col.speed"), Rows: qualityRows(v, bySpeed, speed)},
		{ID: "quality-leader", Title: v.T("q.by_leader"), Column: v.T("q.col.leader"), Rows: qualityRows(v, st.ByLeader, leader)},
		{ID: "quality-target", Title: v.T("q.by_target"), Column: v.T("q.col.target"), Rows: qualityRows(v, st.ByTarget, target)},
		{ID: "quality-category", Title: v.T("chart.by_category"), Column: v.T("col.category"),
			Rows: qualityRows(v, st.ByCategory, or("chart.uncategorized"))},
		{ID: "quality-department", Title: v.T("chart.by_department"), Column: v.T("col.department"),
			Rows: qualityRows(v, st.ByDepartment, or("chart.unassigned"))},
	}
}

// domainSpeeds are the three speeds in the order of docs/domain.md.
var domainSpeeds = []domain.Speed{domain.SpeedImmediate, domain.SpeedDeadline, domain.SpeedLongTerm}
