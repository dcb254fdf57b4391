package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/workflows"
)

// Filter narrows an opinion list. Empty fields do not filter.
type Filter struct {
	CampaignID string
	State      workflows.State
	// States keeps opinions in any of these states (with State, both apply).
	States []workflows.State
	// PendingExtension keeps opinions with an extension request awaiting a decision.
	PendingExtension bool
	Category         string
	Department       string
	Official         string
	// Leader keeps opinions whose responsible leader is this username.
	Leader string
	// Overdue keeps opinions an official owes that are past their deadline.
	Overdue bool
	// VisibleTo, when set, keeps what that official may see: their own items and
	// their department's.
	VisibleTo *Viewer
	Limit     int
	Offset    int
}

// Viewer is an official whose view of the ledger is limited.
type Viewer struct {
	Username   string
	Department string
}

// Page is one page of a list, most urgent first.
type Page struct {
	Opinions []workflows.Opinion
	Total    int
}

// arms are what the filter selects from table (opinions, or opinion_counts for a
// total), as FROM clauses with their WHERE: disjoint, and together the whole list.
// One, or two when an official sees their own items and their department's — an OR
// no index serves in list order, split into two halves that each have one.
func (f Filter) arms(d dialect, p *params, table string) []string {
	var conds []string
	if f.CampaignID != "" {
		conds = append(conds, "campaign_id = "+p.add(f.CampaignID))
	}
	if f.State != "" {
		conds = append(conds, "state = "+p.add(f.State))
	}
	if len(f.States) > 0 {
		states := make([]any, len(f.States))
		for i, st := range f.States {
			states[i] = st
		}
		conds = append(conds, "state IN ("+p.add(states...)+")")
	}
	if f.PendingExtension {
		conds = append(conds, d.jsonText("doc", "pending_extension")+" IS NOT NULL")
	}
	if f.Category != "" {
		conds = append(conds, "category = "+p.add(f.Category))
	}
	if f.Department != "" {
		conds = append(conds, "department = "+p.add(f.Department))
	}
	if f.Official != "" {
		conds = append(conds, "official = "+p.add(f.Official))
	}
	if f.Leader != "" {
		conds = append(conds, "leader = "+p.add(f.Leader))
	}
	if f.Overdue {
		conds = append(conds, "level_rank >= "+p.add(workflows.LevelOverdue.Rank()))
	}
	// from reads table through index (if named) where conds and more hold.
	from := func(index string, more ...string) string {
		all := append(slices.Clip(conds), more...)
		if len(all) == 0 {
			return d.from(table, index)
		}
		return d.from(table, index) + " WHERE " + strings.Join(all, " AND ")
	}
	v := f.VisibleTo
	switch {
	case v == nil, f.Official == v.Username: // the viewer's own items are all visible
		return []string{from("")}
	case v.Department == "":
		return []string{from("", "official = "+p.add(v.Username))}
	case f.Official != "": // someone else's items: only those of the viewer's department
		return []string{from("", "department = "+p.add(v.Department))}
	}
	dept, own := p.add(v.Department), p.add(v.Username)
	return []string{
		from("opinions_department_list", "department = "+dept),
		from("opinions_official_list", "official = "+own, "department != "+dept),
	}
}

// counted reports whether the filter uses only columns opinion_counts has, so that
// its total can be summed from the few rows there instead of counted over every
// matching opinion.
func (f Filter) counted() bool {
	return f.VisibleTo == nil && f.Official == "" && f.Leader == "" && !f.PendingExtension
}

// listOrder is the list order, as the indexes have it.
const listOrder = `urgency DESC, level_rank DESC, deadline = '', deadline, created_at, id`

// Opinions lists opinions, most urgent first: what an official owes now (highest
// rung of the ladder, then earliest deadline), then what waits on others, then what
// is finished. Timelines are left out.
func (s *Store) Opinions(ctx context.Context, f Filter) (Page, error) {
	var p params
	arms := f.arms(s.d, &p, "opinions")
	var total string
	var totalArgs params
	if f.counted() {
		total = `SELECT coalesce(sum(count), 0) FROM ` + f.arms(s.d, &totalArgs, "opinion_counts")[0]
	} else {
		counts := make([]string, len(arms))
		for i, arm := range arms {
			counts[i] = `(SELECT count(*) FROM ` + arm + `)`
		}
		total, totalArgs = `SELECT `+strings.Join(counts, ` + `), p
	}
	var page Page
	// One read transaction: Total counts the same snapshot the page is cut from.
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return page, fmt.Errorf("store: list opinions: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := tx.QueryRowContext(ctx, total, totalArgs...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count opinions: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := tx.QueryContext(ctx, listQuery(arms, &p, limit, f.Offset), p...)
	if err != nil {
		return page, fmt.Errorf("store: list opinions: %w", err)
	}
	defer rows.Close()
	page.Opinions = []workflows.Opinion{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return page, err
		}
		var o workflows.Opinion
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return page, err
		}
		page.Opinions = append(page.Opinions, o)
	}
	return page, rows.Err()
}

// listQuery selects one page of the opinions that match arms. Each arm reads its
// first offset+limit rows in order from an index; with two, the page is cut from
// their union, a few rows to sort, rather than from every match.
func listQuery(arms []string, p *params, limit, offset int) string {
	if len(arms) == 1 {
		return `SELECT doc FROM ` + arms[0] + ` ORDER BY ` + listOrder + ` LIMIT ` + p.add(limit) + ` OFFSET ` + p.add(offset)
	}
	top := p.add(offset + limit)
	firsts := make([]string, len(arms))
	for i, arm := range arms {
		firsts[i] = fmt.Sprintf(`SELECT * FROM (SELECT doc, urgency, level_rank, deadline, created_at, id FROM %s
ORDER BY %s LIMIT %s) AS arm%d`, arm, listOrder, top, i)
	}
	return `SELECT doc FROM (` + strings.Join(firsts, ` UNION ALL `) + `) AS firsts ORDER BY ` + listOrder +
		` LIMIT ` + p.add(limit) + ` OFFSET ` + p.add(offset)
}

// Counts are the figures of one slice of a campaign (all of it, a category or a
// department). Rates are 0–1 and 0 when there is nothing to divide by.
type Counts struct {
	Name             string  `json:"name,omitempty"`
	Collected        int     `json:"collected"`
	Pending          int     `json:"pending"`
	InProgress       int     `json:"in_progress"`
	Closed           int     `json:"closed"`
	Excluded         int     `json:"excluded"`
	Overdue          int     `json:"overdue"`
	Supervised       int     `json:"supervised"`
	Accountability   int     `json:"accountability"`
	ClosedOnTime     int     `json:"closed_on_time"`
	Callbacks        int     `json:"callbacks"`
	Satisfied        int     `json:"satisfied"`
	CompletionRate   float64 `json:"completion_rate"`
	OnTimeRate       float64 `json:"on_time_rate"`
	SatisfactionRate float64 `json:"satisfaction_rate"`
}

// Stats are a campaign's figures: totals, by state, by category and by department.
type Stats struct {
	CampaignID string `json:"campaign_id"`
	Counts
	ByState      map[workflows.State]int `json:"by_state"`
	ByCategory   []Counts                `json:"by_category"`
	ByDepartment []Counts                `json:"by_department"`
}

// countColumns computes Counts in SQL from the opinions' current states (summed over
// opinion_counts). Pending is not yet with an official; excluded (rejected, merged,
// cancelled) leaves the completion rate's denominator. Satisfaction counts the
// latest follow-up.
var countColumns = strings.Join([]string{
	"sum(count)",
	countIf("state IN ('received', 'categorized', 'returned')"),
	countIf("state IN ('assigned', 'in_progress', 'submitted', 'awaiting_callback')"),
	countIf("state = 'closed'"),
	countIf("state IN ('rejected', 'merged', 'cancelled')"),
	countIf("level_rank >= 2"),
	countIf("level_rank >= 3"),
	countIf("level_rank >= 4"),
	countIf("closed_on_time = 1"),
	countIf("satisfaction != ''"),
	countIf("satisfaction IN ('satisfied', 'basically')"),
}, ",\n")

func countIf(cond string) string { return "sum(CASE WHEN " + cond + " THEN count ELSE 0 END)" }

// scanCounts scans the names then the numbers of countColumns.
func scanCounts(scan func(...any) error, names ...any) (Counts, error) {
	var c Counts
	err := scan(append(names, &c.Collected, &c.Pending, &c.InProgress, &c.Closed, &c.Excluded, &c.Overdue,
		&c.Supervised, &c.Accountability, &c.ClosedOnTime, &c.Callbacks, &c.Satisfied)...)
	return c, err
}

// add adds o's numbers to c's.
func (c *Counts) add(o Counts) {
	c.Collected += o.Collected
	c.Pending += o.Pending
	c.InProgress += o.InProgress
	c.Closed += o.Closed
	c.Excluded += o.Excluded
	c.Overdue += o.Overdue
	c.Supervised += o.Supervised
	c.Accountability += o.Accountability
	c.ClosedOnTime += o.ClosedOnTime
	c.Callbacks += o.Callbacks
	c.Satisfied += o.Satisfied
}

// withRates is c with the rates of its numbers.
func (c Counts) withRates() Counts {
	c.CompletionRate = ratio(c.Closed, c.Collected-c.Excluded)
	c.OnTimeRate = ratio(c.ClosedOnTime, c.Closed)
	c.SatisfactionRate = ratio(c.Satisfied, c.Callbacks)
	return c
}

func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Stats computes a campaign's figures from the opinions' current states.
func (s *Store) Stats(ctx context.Context, campaignID string) (Stats, error) {
	st := Stats{CampaignID: campaignID, ByState: map[workflows.State]int{}}
	for _, state := range workflows.AllStates {
		st.ByState[state] = 0
	}
	// One read transaction, so totals, states, categories and departments all
	// describe the same snapshot even while projections keep arriving.
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, `SELECT state, sum(count) FROM opinion_counts WHERE campaign_id = $1 GROUP BY state`, campaignID)
	if err != nil {
		return st, fmt.Errorf("store: stats by state: %w", err)
	}
	for rows.Next() {
		var state workflows.State
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.ByState[state] = n
	}
	rows.Close()
	// The figures of each category in each department, added up three ways: one
	// pass over the counts instead of one per slice.
	rows, err = tx.QueryContext(ctx, `SELECT category, department, `+countColumns+`
FROM opinion_counts WHERE campaign_id = $1 GROUP BY category, department`, campaignID)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	byCategory, byDepartment := map[string]*Counts{}, map[string]*Counts{}
	slice := func(m map[string]*Counts, name string) *Counts {
		if m[name] == nil {
			m[name] = &Counts{Name: name}
		}
		return m[name]
	}
	for rows.Next() {
		var category, department string
		c, err := scanCounts(rows.Scan, &category, &department)
		if err != nil {
			return st, fmt.Errorf("store: stats: %w", err)
		}
		st.Counts.add(c)
		slice(byCategory, category).add(c)
		slice(byDepartment, department).add(c)
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	st.Counts = st.Counts.withRates()
	st.ByCategory, st.ByDepartment = byName(byCategory), byName(byDepartment)
	return st, nil
}

// byName lists slices' figures, with their rates, in name order; the empty name
// (not yet categorized or assigned) is a slice of its own.
func byName(m map[string]*Counts) []Counts {
	out := make([]Counts, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[name].withRates())
	}
	return out
}

// DayCount is how many opinions something happened to on one campaign-local day.
type DayCount struct {
	Day   string `json:"day"`
	Count int    `json:"count"`
}

// ClosuresByDay counts a campaign's closed opinions by the day they closed, for the
// leader's closures-over-time chart. offsetSeconds is the campaign's UTC offset.
func (s *Store) ClosuresByDay(ctx context.Context, campaignID string, offsetSeconds int) ([]DayCount, error) {
	const day = 24 * 60 * 60
	rows, err := s.r.QueryContext(ctx, `
SELECT (closed_at / 1000 + $1) / `+strconv.Itoa(day)+` AS day, count(*) FROM opinions
WHERE campaign_id = $2 AND state = 'closed' GROUP BY day ORDER BY day`, offsetSeconds, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: closures by day: %w", err)
	}
	defer rows.Close()
	out := []DayCount{}
	for rows.Next() {
		var d DayCount
		var n int64
		if err := rows.Scan(&n, &d.Count); err != nil {
			return nil, err
		}
		d.Day = time.Unix(n*day, 0).UTC().Format(workflows.DateLayout)
		out = append(out, d)
	}
	return out, rows.Err()
}
