package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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

// arms are the filter's WHERE clauses: disjoint, and together the whole list. One,
// or two when an official sees their own items and their department's — an OR no
// index serves in list order, split into two halves that each have one.
func (f Filter) arms(d dialect, p *params) []string {
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
	where := func(more ...string) string {
		all := append(slices.Clip(conds), more...)
		if len(all) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(all, " AND ")
	}
	switch {
	case f.VisibleTo == nil:
		return []string{where()}
	case f.VisibleTo.Department == "":
		return []string{where("official = " + p.add(f.VisibleTo.Username))}
	}
	dept, own := p.add(f.VisibleTo.Department), p.add(f.VisibleTo.Username)
	return []string{where("department = " + dept), where("official = "+own, "department != "+dept)}
}

// listOrder is the list order on the columns a list query selects (see Opinions).
const listOrder = `urgency DESC, level_rank DESC, undated, deadline, created_at, id`

// Opinions lists opinions, most urgent first: what an official owes now (highest
// rung of the ladder, then earliest deadline), then what waits on others, then what
// is finished. Timelines are left out.
func (s *Store) Opinions(ctx context.Context, f Filter) (Page, error) {
	var p params
	arms := f.arms(s.d, &p)
	var count, list []string
	for _, where := range arms {
		count = append(count, `SELECT 1 FROM opinions`+where)
		list = append(list, `SELECT doc, urgency, level_rank, deadline = '' AS undated, deadline, created_at, id FROM opinions`+where)
	}
	var page Page
	// One read transaction: Total counts the same snapshot the page is cut from.
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return page, fmt.Errorf("store: list opinions: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (`+strings.Join(count, ` UNION ALL `)+`) AS matches`,
		p...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("store: count opinions: %w", err)
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	// Each arm is read in order from its index and the two merged; the outer ORDER BY
	// only keeps the page itself in order.
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM (`+strings.Join(list, ` UNION ALL `)+`
ORDER BY `+listOrder+` LIMIT `+p.add(limit)+` OFFSET `+p.add(f.Offset)+`) AS page ORDER BY `+listOrder, p...)
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

func scanCounts(scan func(...any) error, name *string) (Counts, error) {
	var c Counts
	dest := []any{}
	if name != nil {
		dest = append(dest, name)
	}
	var sums [11]*int64
	for i := range sums {
		sums[i] = new(int64)
		dest = append(dest, &nullInt{sums[i]})
	}
	if err := scan(dest...); err != nil {
		return c, err
	}
	c.Collected = int(*sums[0])
	c.Pending, c.InProgress, c.Closed, c.Excluded = int(*sums[1]), int(*sums[2]), int(*sums[3]), int(*sums[4])
	c.Overdue, c.Supervised, c.Accountability = int(*sums[5]), int(*sums[6]), int(*sums[7])
	c.ClosedOnTime, c.Callbacks, c.Satisfied = int(*sums[8]), int(*sums[9]), int(*sums[10])
	c.CompletionRate = ratio(c.Closed, c.Collected-c.Excluded)
	c.OnTimeRate = ratio(c.ClosedOnTime, c.Closed)
	c.SatisfactionRate = ratio(c.Satisfied, c.Callbacks)
	if name != nil {
		c.Name = *name
	}
	return c, nil
}

func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// nullInt scans a SUM that is NULL over no rows as 0.
type nullInt struct{ v *int64 }

func (n *nullInt) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*n.v = 0
	case int64:
		*n.v = x
	default:
		return fmt.Errorf("store: unexpected sum type %T", src)
	}
	return nil
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
	row := tx.QueryRowContext(ctx, `SELECT `+countColumns+` FROM opinion_counts WHERE campaign_id = $1`, campaignID)
	if st.Counts, err = scanCounts(row.Scan, nil); err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
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
	if st.ByCategory, err = groupCounts(ctx, tx, "category", campaignID); err != nil {
		return st, err
	}
	if st.ByDepartment, err = groupCounts(ctx, tx, "department", campaignID); err != nil {
		return st, err
	}
	return st, nil
}

// groupCounts computes Counts per value of column (category or department); the
// empty value (not yet categorized or assigned) is its own group.
func groupCounts(ctx context.Context, tx *sql.Tx, column, campaignID string) ([]Counts, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+column+`, `+countColumns+`
FROM opinion_counts WHERE campaign_id = $1 GROUP BY `+column+` ORDER BY `+column, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: stats by %s: %w", column, err)
	}
	defer rows.Close()
	out := []Counts{}
	for rows.Next() {
		var name string
		c, err := scanCounts(rows.Scan, &name)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
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
