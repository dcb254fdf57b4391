package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
)

// Filter narrows an opinion list. Empty fields do not filter.
type Filter struct {
	CampaignID string
	State      domain.State
	// States keeps opinions in any of these states (with State, both apply).
	States []domain.State
	// PendingExtension keeps opinions with an extension request awaiting a decision.
	PendingExtension bool
	Category         string
	Department       string
	Official         string
	// Leader keeps opinions whose responsible leader is this username.
	Leader string
	// Overdue keeps opinions an official owes that are past their deadline.
	Overdue bool

	// The triage filters, on what an opinion was collected with. The projection
	// keeps what they read in columns of their own (search.go), so they cost no
	// parse of the opinion's document; a keyword is still a substring test of every
	// opinion the other filters leave.

	// Query is a keyword, cleaned as free text is (text.Clean: blank ends trimmed;
	// blank is no filter). It keeps the opinions whose content holds it as a
	// substring — Chinese needs no spaces between words, so 停车 finds 小区停车位不足 —
	// upper and lower case alike and full-width forms of ASCII (ＷｉＦｉ, ，, the
	// ideographic space) read as ASCII, on both sides; every other character, % _
	// and \ included, stands for itself. It also keeps the opinion whose key is the
	// keyword exactly (full-width letters and digits read as ASCII, as intake stores
	// keys), so an opinion is found by its key too.
	Query string
	// Channel keeps opinions that came through this channel, as stored (a
	// campaign's channel name).
	Channel string
	// SuggestedCategory keeps opinions suggested this category at intake (the one
	// written with the opinion, or the one the campaign's keywords found in its
	// content), exactly.
	SuggestedCategory string
	// CollectedFrom and CollectedTo keep opinions collected on or after, and on or
	// before, these dates (YYYY-MM-DD; either may be empty). An opinion without a
	// collection date is in no range. Another form of date is ErrInvalidFilter.
	CollectedFrom, CollectedTo string
	// Target keeps opinions whose target is exactly this, as written: TargetTeam,
	// TargetIndividual, or a person's name.
	Target string
	// TargetKind keeps opinions whose target is of this kind, as TargetKind reads a
	// target: TargetTeam, or TargetIndividual (any other target that is not empty).
	// Another value is ErrInvalidFilter.
	TargetKind string

	// VisibleTo, when set, keeps what that official may see: their own items and
	// their department's.
	VisibleTo *Viewer
	// Scope, when set, keeps only the campaigns and departments a scoped user's
	// roles hold in (an empty list is no limit).
	Scope  *Scope
	Limit  int
	Offset int
}

// Viewer is an official whose view of the ledger is limited.
type Viewer struct {
	Username   string
	Department string
}

// Page is one page of a list, most urgent first.
type Page struct {
	Opinions []domain.Opinion
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
		conds = append(conds, "level_rank >= "+p.add(domain.LevelOverdue.Rank()))
	}
	conds = append(conds, f.triageConds(p)...)
	conds = append(conds, f.Scope.conds(p)...)
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
	case v == nil && f.triaged():
		// SQLite's triage index answers the filters without reading a row the page
		// does not show; left to itself, SQLite would walk a list-order index and
		// read every opinion it passed (PostgreSQL's planner chooses by itself).
		return []string{from("opinions_triage")}
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
	return f.VisibleTo == nil && f.Scope == nil && f.Official == "" && f.Leader == "" && !f.PendingExtension && !f.triaged()
}

// listOrder is the list order, as the indexes have it.
const listOrder = `urgency DESC, level_rank DESC, deadline = '', deadline, created_at, id`

// Opinions lists opinions, most urgent first: what an official owes now (highest
// rung of the ladder, then earliest deadline), then what waits on others, then what
// is finished. Timelines are left out. A filter value it cannot read is
// ErrInvalidFilter.
func (s *Store) Opinions(ctx context.Context, f Filter) (Page, error) {
	if err := f.check(); err != nil {
		return Page{}, fmt.Errorf("store: list opinions: %w", err)
	}
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
	page.Opinions = []domain.Opinion{}
	if page.Total <= f.Offset {
		// Nothing to show, on this snapshot: spare the page its query, which for a
		// keyword nothing matches reads every opinion once more.
		return page, nil
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
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return page, err
		}
		var o domain.Opinion
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

// Counts are the figures of one slice of a campaign (all of it, a category, a
// department, a responsible leader, a target or a speed). Rates are 0–1 and 0 when
// there is nothing to divide by; docs/metrics.md defines each figure.
type Counts struct {
	Name           string `json:"name,omitempty"`
	Collected      int    `json:"collected"`
	Pending        int    `json:"pending"`
	InProgress     int    `json:"in_progress"`
	Closed         int    `json:"closed"`
	Excluded       int    `json:"excluded"`
	Overdue        int    `json:"overdue"`
	Supervised     int    `json:"supervised"`
	Accountability int    `json:"accountability"`
	ClosedOnTime   int    `json:"closed_on_time"`
	// Callbacks counts the follow-up calls the satisfaction rate counts: the first
	// after each closure, whatever the answer; Satisfied those answered satisfied
	// or basically satisfied, Dissatisfied the rest.
	Callbacks    int `json:"callbacks"`
	Satisfied    int `json:"satisfied"`
	Dissatisfied int `json:"dissatisfied"`
	// EverOverdue, EverSupervised and EverAccountability count the opinions that
	// ever reached the rung (or a higher one), whatever their state and rung now.
	EverOverdue        int `json:"ever_overdue"`
	EverSupervised     int `json:"ever_supervised"`
	EverAccountability int `json:"ever_accountability"`
	// Assigned counts the opinions ever given to an official; Extended those with
	// an approved extension; LateExtensions the extensions (not opinions) approved
	// after the deadline they replaced had passed.
	Assigned       int `json:"assigned"`
	Extended       int `json:"extended"`
	LateExtensions int `json:"late_extensions"`
	// Verified counts the opinions whose fix was verified at least once, Reworked
	// those a verification failed at least once; FirstPass the closed opinions no
	// verification ever failed; Accepted those a fix of which passed verification,
	// Reopened those reopened at least once.
	Verified  int `json:"verified"`
	Reworked  int `json:"reworked"`
	FirstPass int `json:"first_pass"`
	Accepted  int `json:"accepted"`
	Reopened  int `json:"reopened"`
	// OnTheSpot counts the opinions fixed on the spot (立行立改): the office recorded
	// the fix, which went to verification as one submitted on time.
	OnTheSpot int `json:"on_the_spot"`
	// LongTerm counts the opinions on the long-term track (长期坚持): their deadline
	// is the next progress report's, so only a missed report makes one overdue.
	LongTerm int `json:"long_term"`

	CompletionRate   float64 `json:"completion_rate"`
	OnTimeRate       float64 `json:"on_time_rate"`
	SatisfactionRate float64 `json:"satisfaction_rate"`
	// FirstPassRate is FirstPass ÷ Closed, ReworkRate Reworked ÷ Verified,
	// ReopenRate Reopened ÷ Accepted, ExtensionRate Extended ÷ Assigned.
	FirstPassRate float64 `json:"first_pass_rate"`
	ReworkRate    float64 `json:"rework_rate"`
	ReopenRate    float64 `json:"reopen_rate"`
	ExtensionRate float64 `json:"extension_rate"`
	// MedianWorkingDaysToClose is the median of the working days the closed
	// opinions took from receipt to closure (the mean of the middle two when their
	// number is even); 0 when none is closed.
	MedianWorkingDaysToClose float64 `json:"median_working_days_to_close"`
}

// Stats are a campaign's figures: totals, by state, and by category, department,
// responsible leader (领导包案), target (as written: team, individual or a named
// person) and speed (immediate, deadline, long_term; "" for opinions not yet
// categorized).
type Stats struct {
	CampaignID string `json:"campaign_id"`
	Counts
	ByState      map[domain.State]int `json:"by_state"`
	ByCategory   []Counts             `json:"by_category"`
	ByDepartment []Counts             `json:"by_department"`
	ByLeader     []Counts             `json:"by_leader"`
	ByTarget     []Counts             `json:"by_target"`
	BySpeed      []Counts             `json:"by_speed"`
}

// tally is a slice's figures being added up from count rows: its Counts, and the
// working days its closed opinions took (days → opinions) for the median.
type tally struct {
	Counts
	workdays map[int]int
}

func newTally(name string) *tally { return &tally{Counts: Counts{Name: name}, workdays: map[int]int{}} }

// add counts n opinions (or, for late extensions and calls, n of those) in a
// figure of quality_counts.
func (t *tally) add(figure, value string, n int) {
	c := &t.Counts
	rank := domain.OverdueLevel(value).Rank()
	switch figure {
	case FigureStage:
		c.Collected += n
		switch value {
		case StagePending:
			c.Pending += n
		case StageInProgress:
			c.InProgress += n
		case StageClosed:
			c.Closed += n
		case StageExcluded:
			c.Excluded += n
		}
	case FigureLevel:
		c.Overdue += n
		if rank >= domain.LevelSupervised.Rank() {
			c.Supervised += n
		}
		if rank >= domain.LevelAccountability.Rank() {
			c.Accountability += n
		}
	case FigureEverLevel:
		c.EverOverdue += n
		if rank >= domain.LevelSupervised.Rank() {
			c.EverSupervised += n
		}
		if rank >= domain.LevelAccountability.Rank() {
			c.EverAccountability += n
		}
	case FigureClosedOnTime:
		c.ClosedOnTime += n
	case FigureSatisfaction:
		c.Callbacks += n
		if value == domain.SatisfactionDissatisfied {
			c.Dissatisfied += n
		} else {
			c.Satisfied += n
		}
	case FigureAssigned:
		c.Assigned += n
	case FigureExtended:
		c.Extended += n
	case FigureLateExtensions:
		c.LateExtensions += n
	case FigureVerified:
		c.Verified += n
	case FigureReworked:
		c.Reworked += n
	case FigureFirstPass:
		c.FirstPass += n
	case FigureAccepted:
		c.Accepted += n
	case FigureReopened:
		c.Reopened += n
	case FigureOnTheSpot:
		c.OnTheSpot += n
	case FigureLongTerm:
		c.LongTerm += n
	case FigureCloseWorkdays:
		if d, err := strconv.Atoi(value); err == nil {
			t.workdays[d] += n
		}
	}
}

// counts is the slice's Counts with its rates and median.
func (t *tally) counts() Counts {
	c := t.Counts
	c.CompletionRate = ratio(c.Closed, c.Collected-c.Excluded)
	c.OnTimeRate = ratio(c.ClosedOnTime, c.Closed)
	c.SatisfactionRate = ratio(c.Satisfied, c.Callbacks)
	c.FirstPassRate = ratio(c.FirstPass, c.Closed)
	c.ReworkRate = ratio(c.Reworked, c.Verified)
	c.ReopenRate = ratio(c.Reopened, c.Accepted)
	c.ExtensionRate = ratio(c.Extended, c.Assigned)
	c.MedianWorkingDaysToClose = median(t.workdays)
	return c
}

func ratio(a, b int) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Stats computes a campaign's figures from the opinions' current states and
// records, in one read transaction, so totals, states and every breakdown all
// describe the same snapshot even while projections keep arriving.
func (s *Store) Stats(ctx context.Context, campaignID string) (Stats, error) {
	st := Stats{CampaignID: campaignID, ByState: map[domain.State]int{}}
	for _, state := range domain.AllStates {
		st.ByState[state] = 0
	}
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return stats(ctx, tx, campaignID)
}

// stats is Stats read in tx, so a caller can read more of the same snapshot.
func stats(ctx context.Context, tx *sql.Tx, campaignID string) (Stats, error) {
	st := Stats{CampaignID: campaignID, ByState: map[domain.State]int{}}
	for _, state := range domain.AllStates {
		st.ByState[state] = 0
	}
	// The speeds are the campaign's categories' as its settings are now.
	var policy domain.Policy
	var doc string
	switch err := tx.QueryRowContext(ctx, `SELECT doc FROM campaigns WHERE id = $1`, campaignID).Scan(&doc); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return st, fmt.Errorf("store: stats: campaign: %w", err)
	default:
		var c campaign.Campaign
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return st, fmt.Errorf("store: stats: campaign: %w", err)
		}
		policy = c.Policy
	}
	rows, err := tx.QueryContext(ctx, `SELECT state, sum(count) FROM opinion_counts WHERE campaign_id = $1 GROUP BY state`, campaignID)
	if err != nil {
		return st, fmt.Errorf("store: stats by state: %w", err)
	}
	for rows.Next() {
		var state domain.State
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return st, err
		}
		st.ByState[state] = n
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT dimension, name, figure, value, count FROM quality_counts WHERE campaign_id = $1`, campaignID)
	if err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	defer rows.Close()
	// The rows of each slice, by figure and value, as quality_counts has them.
	type figureValue struct{ figure, value string }
	bySlice := map[string]map[string]map[figureValue]int{
		DimensionCategory: {}, DimensionDepartment: {}, DimensionLeader: {}, DimensionTarget: {}, DimensionOnTheSpot: {},
	}
	for rows.Next() {
		var dimension, name, figure, value string
		var n int
		if err := rows.Scan(&dimension, &name, &figure, &value, &n); err != nil {
			return st, fmt.Errorf("store: stats: %w", err)
		}
		m := bySlice[dimension]
		if m == nil {
			continue
		}
		if m[name] == nil {
			m[name] = map[figureValue]int{}
		}
		m[name][figureValue{figure, value}] += n
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("store: stats: %w", err)
	}
	tallies := func(dimension string) map[string]*tally {
		out := map[string]*tally{}
		for name, figures := range bySlice[dimension] {
			t := newTally(name)
			for k, n := range figures {
				t.add(k.figure, k.value, n)
			}
			out[name] = t
		}
		return out
	}
	// Every opinion has one category (or none): the categories add up to the
	// campaign, and to its speeds — but an opinion fixed on the spot counts as
	// 立行立改 (immediate), whatever its category's speed.
	total, speeds := newTally(""), map[string]*tally{}
	speed := func(name string) *tally {
		if speeds[name] == nil {
			speeds[name] = newTally(name)
		}
		return speeds[name]
	}
	for name, figures := range bySlice[DimensionCategory] {
		spot := bySlice[DimensionOnTheSpot][name]
		for k, n := range figures {
			total.add(k.figure, k.value, n)
			speed(SpeedOf(policy, name)).add(k.figure, k.value, n-spot[k])
		}
		for k, n := range spot {
			speed(string(domain.SpeedImmediate)).add(k.figure, k.value, n)
		}
	}
	for name, t := range speeds {
		if t.Collected == 0 {
			delete(speeds, name) // every opinion of its categories was fixed on the spot
		}
	}
	byCategory := tallies(DimensionCategory)
	st.Counts = total.counts()
	st.ByCategory = byName(byCategory)
	st.ByDepartment = byName(tallies(DimensionDepartment))
	st.ByLeader = byName(tallies(DimensionLeader))
	st.ByTarget = byName(tallies(DimensionTarget))
	st.BySpeed = byName(speeds)
	return st, nil
}

// byName lists slices' figures, with their rates, in name order; the empty name
// (not yet categorized, assigned, or said) is a slice of its own.
func byName(m map[string]*tally) []Counts {
	out := make([]Counts, 0, len(m))
	for _, name := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[name].counts())
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
	return s.countByDay(ctx, campaignID, offsetSeconds, "closed_at", "state = 'closed'")
}

// DueByDay counts a campaign's opinions that are to be rectified — all but those
// rejected, merged or cancelled, the completion rate's denominator — by the day
// they were received, for the leader's cumulative chart (collected against closed).
func (s *Store) DueByDay(ctx context.Context, campaignID string, offsetSeconds int) ([]DayCount, error) {
	return s.countByDay(ctx, campaignID, offsetSeconds, "created_at", "state NOT IN ('rejected', 'merged', 'cancelled')")
}

// countByDay counts a campaign's opinions that meet where by the campaign-local day
// of column, a time in milliseconds.
func (s *Store) countByDay(ctx context.Context, campaignID string, offsetSeconds int, column, where string) ([]DayCount, error) {
	const day = 24 * 60 * 60
	rows, err := s.r.QueryContext(ctx, `
SELECT (`+column+` / 1000 + $1) / `+strconv.Itoa(day)+` AS day, count(*) FROM opinions
WHERE campaign_id = $2 AND `+where+` GROUP BY day ORDER BY day`, offsetSeconds, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: %s by day: %w", column, err)
	}
	defer rows.Close()
	out := []DayCount{}
	for rows.Next() {
		var d DayCount
		var n int64
		if err := rows.Scan(&n, &d.Count); err != nil {
			return nil, err
		}
		d.Day = time.Unix(n*day, 0).UTC().Format(domain.DateLayout)
		out = append(out, d)
	}
	return out, rows.Err()
}
