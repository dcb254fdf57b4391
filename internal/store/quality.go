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

	"rectify/internal/domain"
)

// The quality figures count what happened to an opinion, not only where it stands:
// the highest rung it ever reached, its extensions (late ones apart), its rounds of
// verification, its reopenings, every follow-up call the satisfaction rate counts,
// and the working days it took to close (docs/metrics.md defines each).
//
// opinion_facts keeps, per opinion, the facts those figures count, as the opinion's
// newest stored revision gives them; quality_counts adds them up per category,
// department, responsible leader and target (班子 or a named person) of each
// campaign, for the API's stats. moveCounts keeps both in the projection's
// transaction, after opinion_counts, close_times and figure_counts (always in that
// order, and each table's rows in key order, so concurrent projections never wait
// for each other in a circle), and rebuildCounts recounts them on open.
const qualitySchema = `
CREATE TABLE IF NOT EXISTS opinion_facts (
	opinion_id         TEXT PRIMARY KEY,
	campaign_id        TEXT NOT NULL,
	category           TEXT NOT NULL,
	department         TEXT NOT NULL,
	leader             TEXT NOT NULL,
	target             TEXT NOT NULL,
	revision           INTEGER NOT NULL,
	updated_at         BIGINT NOT NULL,
	stage              TEXT NOT NULL,
	level_rank         INTEGER NOT NULL,
	closed_on_time     INTEGER NOT NULL,
	ever_rank          INTEGER NOT NULL,
	flags              INTEGER NOT NULL,
	late_extensions    INTEGER NOT NULL,
	calls_satisfied    INTEGER NOT NULL,
	calls_basically    INTEGER NOT NULL,
	calls_dissatisfied INTEGER NOT NULL,
	close_workdays     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quality_counts (
	campaign_id TEXT NOT NULL,
	dimension   TEXT NOT NULL,
	name        TEXT NOT NULL,
	figure      TEXT NOT NULL,
	value       TEXT NOT NULL,
	count       INTEGER NOT NULL,
	PRIMARY KEY (campaign_id, dimension, name, figure, value)
) WITHOUT ROWID;
`

// More slices of a campaign: the responsible leader (领导包案) and the target as
// written (team, individual or a named person) in the API's stats, and the kind of
// target (TargetKind) in the Prometheus figures, which never name a person.
const (
	DimensionLeader     = "leader"
	DimensionTarget     = "target"
	DimensionTargetKind = "target_kind"
	// DimensionOnTheSpot counts, by category, the opinions fixed on the spot
	// again: the figures by speed count them as 立行立改 (immediate) rather than by
	// their category's speed.
	DimensionOnTheSpot = "on_the_spot"
)

// What the quality figures count (FigureGroup.Figure); each counts opinions unless
// it says otherwise.
const (
	// FigureEverLevel counts opinions by the highest rung they ever reached, from
	// overdue up (Value), whatever their state now.
	FigureEverLevel = "ever_level"
	// FigureAssigned counts opinions that were given to an official (see
	// factsOf for what shows it).
	FigureAssigned = "assigned"
	// FigureExtended counts opinions with at least one approved extension.
	FigureExtended = "extended"
	// FigureLateExtensions counts approved extensions (not opinions) approved after
	// the deadline they replaced had passed.
	FigureLateExtensions = "late_extensions"
	// FigureVerified counts opinions whose fix was verified at least once.
	FigureVerified = "verified"
	// FigureReworked counts opinions sent back by a failed verification at least once.
	FigureReworked = "reworked"
	// FigureFirstPass counts closed opinions no verification ever failed.
	FigureFirstPass = "first_pass"
	// FigureAccepted counts opinions a fix of which passed verification at least once.
	FigureAccepted = "accepted"
	// FigureReopened counts opinions reopened at least once (a dissatisfied
	// follow-up call, or a reopening).
	FigureReopened = "reopened"
	// FigureOnTheSpot counts opinions fixed on the spot (立行立改, recorded by resolve).
	FigureOnTheSpot = "on_the_spot"
	// FigureLongTerm counts opinions on the long-term track (长期坚持): reporting
	// progress each cycle, or concluded from it.
	FigureLongTerm = "long_term"
	// FigureCloseWorkdays counts closed opinions by the working days they took,
	// from receipt to their latest closure (Value, a whole number).
	FigureCloseWorkdays = "close_workdays"
)

// The kinds of target an opinion has: the leadership team as a whole (班子意见),
// or one person (个人意见, named or not); unspecified is "".
const (
	TargetTeam       = "team"
	TargetIndividual = "individual"
)

// TargetKind is the kind of a target as written: team, individual (any other
// non-empty target — "individual" or a person's name), or "" when unspecified.
func TargetKind(target string) string {
	switch target {
	case "":
		return ""
	case TargetTeam:
		return TargetTeam
	}
	return TargetIndividual
}

// SpeedOf is the speed (立行立改 immediate, 限期整改 deadline, 长期坚持 long_term) of
// a category as the campaign's policy has it now — a renamed category by its old
// name too — or "" for none (not yet categorized, or unknown to the policy).
func SpeedOf(p domain.Policy, category string) string {
	if category == "" {
		return ""
	}
	if c, ok := p.CategoryOf(category); ok {
		return string(c.Speed)
	}
	return ""
}

// The flags of opinion_facts.flags.
const (
	flagAssigned = 1 << iota
	flagExtended
	flagVerified
	flagReworked
	flagFirstPass
	flagAccepted
	flagReopened
	flagOnTheSpot
	flagLongTerm
)

// flagFigures names each flag's figure.
var flagFigures = []struct {
	flag   int
	figure string
}{
	{flagAssigned, FigureAssigned}, {flagExtended, FigureExtended}, {flagVerified, FigureVerified},
	{flagReworked, FigureReworked}, {flagFirstPass, FigureFirstPass}, {flagAccepted, FigureAccepted},
	{flagReopened, FigureReopened}, {flagOnTheSpot, FigureOnTheSpot}, {flagLongTerm, FigureLongTerm},
}

// answers are the follow-up answers, in the order facts.calls counts them.
var answers = []string{domain.SatisfactionSatisfied, domain.SatisfactionBasically, domain.SatisfactionDissatisfied}

// facts are what one opinion counts for in the quality figures: an opinion_facts row.
type facts struct {
	campaign, category, department, leader, target string
	revision                                       int
	updatedAt                                      int64
	stage                                          string
	levelRank                                      int // the rung now, where an official owes a fix (as opinions.level_rank)
	closedOnTime                                   bool
	everRank                                       int // the highest rung ever reached
	flags                                          int
	lateExtensions                                 int
	calls                                          [3]int // first follow-up calls after each closure, by answers
	closeWorkdays                                  int    // -1 unless closed
}

// factsOf reads an opinion's facts. Opinions recorded before the workflow kept the
// highest rung, the rounds and the calls count by what they have: the rung they
// are at, their rework count, and their latest answer as their one call.
func factsOf(o domain.Opinion) facts {
	f := facts{
		campaign: o.CampaignID, category: o.Category, department: o.Department, leader: o.Leader, target: o.Target,
		revision: o.Revision, updatedAt: o.UpdatedAt.UnixMilli(), stage: Stage(o.State), closeWorkdays: -1,
		lateExtensions: o.LateExtensions,
	}
	closed := o.State == domain.StateClosed
	if urgency(o.State) == 2 {
		f.levelRank = o.OverdueLevel.Rank()
	}
	f.closedOnTime = closed && o.OnTime
	// The rung now never exceeds the highest ever; the max covers opinions
	// recorded before the highest was kept.
	f.everRank = max(o.HighestLevel.Rank(), o.OverdueLevel.Rank())
	var failed, passed, verified bool
	for _, r := range o.Rounds {
		if r.Passed != nil {
			verified = true
			if *r.Passed {
				passed = true
			} else {
				failed = true
			}
		}
	}
	set := func(flag int, on bool) {
		if on {
			f.flags |= flag
		}
	}
	reworked := failed || o.ReworkCount > 0
	verified = verified || reworked || o.VerifiedBy != ""
	accepted := passed || closed || o.State == domain.StateAwaitingCallback || o.Reopens > 0 ||
		len(o.Callbacks) > 0 || o.Satisfaction != ""
	set(flagReworked, reworked)
	set(flagVerified, verified)
	set(flagAccepted, accepted)
	set(flagReopened, o.Reopens > 0)
	set(flagFirstPass, closed && !reworked)
	set(flagExtended, o.Extensions > 0)
	set(flagOnTheSpot, o.OnTheSpot)
	set(flagLongTerm, o.LongTerm)
	// Given to an official: with one now or closed, or with anything on record
	// only an assigned opinion gets. One returned before any of it is not, nor
	// one grouped into a problem (its tasks are what is given) until answered.
	set(flagAssigned, (f.stage == StageInProgress && o.State != domain.StateInProblem) || closed || o.Schedule.Deadline != "" || o.Extensions > 0 ||
		o.LateExtensions > 0 || len(o.Rounds) > 0 || o.SubmittedBy != "" || f.everRank > 0 || verified || accepted)
	count := func(answer string) {
		if i := slices.Index(answers, answer); i >= 0 {
			f.calls[i]++
		}
	}
	if len(o.Callbacks) == 0 {
		count(o.Satisfaction)
	}
	for _, c := range o.Callbacks {
		if c.First {
			count(c.Satisfaction)
		}
	}
	if closed {
		f.closeWorkdays = max(o.WorkingDaysToClose, 0)
	}
	return f
}

// figureRow is one figure an opinion counts n times in, within one slice.
type figureRow struct {
	figure, value string
	n             int
}

// rows lists the figures of the facts (the same in every slice they count in);
// with all, also the figures opinion_counts and figure_counts already keep
// (stage, rung now, closed on time).
func (f facts) rows(all bool) []figureRow {
	var out []figureRow
	if all {
		out = append(out, figureRow{FigureStage, f.stage, 1})
		for _, l := range overdueLevels {
			if f.levelRank == l.Rank() {
				out = append(out, figureRow{FigureLevel, string(l), 1})
			}
		}
		if f.closedOnTime {
			out = append(out, figureRow{FigureClosedOnTime, "", 1})
		}
	}
	for _, l := range overdueLevels {
		if f.everRank == l.Rank() {
			out = append(out, figureRow{FigureEverLevel, string(l), 1})
		}
	}
	for _, ff := range flagFigures {
		if f.flags&ff.flag != 0 {
			out = append(out, figureRow{ff.figure, "", 1})
		}
	}
	if f.lateExtensions > 0 {
		out = append(out, figureRow{FigureLateExtensions, "", f.lateExtensions})
	}
	for i, n := range f.calls {
		if n > 0 {
			out = append(out, figureRow{FigureSatisfaction, answers[i], n})
		}
	}
	if f.closeWorkdays >= 0 {
		out = append(out, figureRow{FigureCloseWorkdays, strconv.Itoa(f.closeWorkdays), 1})
	}
	return out
}

// qualityCounts adds delta times the facts to quality_counts' rows: every figure
// in each of the four slices the opinion belongs to.
func (f facts) qualityCounts(counts map[figureKey]int, delta int) {
	rows := f.rows(true)
	slices := []struct{ dimension, name string }{
		{DimensionCategory, f.category}, {DimensionDepartment, f.department},
		{DimensionLeader, f.leader}, {DimensionTarget, f.target},
	}
	if f.flags&flagOnTheSpot != 0 {
		slices = append(slices, struct{ dimension, name string }{DimensionOnTheSpot, f.category})
	}
	for _, s := range slices {
		for _, r := range rows {
			counts[figureKey{f.campaign, s.dimension, s.name, r.figure, r.value}] += delta * r.n
		}
	}
}

// figureCounts adds delta times the facts to the figure_counts rows the scrape
// reads beyond those of group.figures: every quality figure by category (the
// speeds and the campaign add up from there) and by kind of target, with the
// stages by kind of target; the follow-up calls by department; and an opinion
// fixed on the spot once more by category (DimensionOnTheSpot).
func (f facts) figureCounts(counts map[figureKey]int, delta int) {
	for _, r := range f.rows(false) {
		counts[figureKey{f.campaign, DimensionCategory, f.category, r.figure, r.value}] += delta * r.n
		counts[figureKey{f.campaign, DimensionTargetKind, TargetKind(f.target), r.figure, r.value}] += delta * r.n
		if r.figure == FigureSatisfaction {
			counts[figureKey{f.campaign, DimensionDepartment, f.department, r.figure, r.value}] += delta * r.n
		}
	}
	counts[figureKey{f.campaign, DimensionTargetKind, TargetKind(f.target), FigureStage, f.stage}] += delta
	if f.flags&flagOnTheSpot != 0 {
		// Again by category, with the stage, for the figures by speed to count as
		// 立行立改 (immediate) rather than by the category's speed.
		for _, r := range f.rows(false) {
			counts[figureKey{f.campaign, DimensionOnTheSpot, f.category, r.figure, r.value}] += delta * r.n
		}
		counts[figureKey{f.campaign, DimensionOnTheSpot, f.category, FigureStage, f.stage}] += delta
	}
}

const factsColumns = `opinion_id, campaign_id, category, department, leader, target, revision, updated_at, stage,
	level_rank, closed_on_time, ever_rank, flags, late_extensions, calls_satisfied, calls_basically, calls_dissatisfied,
	close_workdays`

// args are the facts as factsColumns' values, for opinion id.
func (f facts) args(id string) []any {
	onTime := 0
	if f.closedOnTime {
		onTime = 1
	}
	return []any{id, f.campaign, f.category, f.department, f.leader, f.target, f.revision, f.updatedAt, f.stage,
		f.levelRank, onTime, f.everRank, f.flags, f.lateExtensions, f.calls[0], f.calls[1], f.calls[2], f.closeWorkdays}
}

// scan reads factsColumns less opinion_id.
func (f *facts) scan(scan func(...any) error) error {
	var onTime int
	err := scan(&f.campaign, &f.category, &f.department, &f.leader, &f.target, &f.revision, &f.updatedAt,
		&f.stage, &f.levelRank, &onTime, &f.everRank, &f.flags, &f.lateExtensions, &f.calls[0], &f.calls[1], &f.calls[2],
		&f.closeWorkdays)
	f.closedOnTime = onTime == 1
	return err
}

// currentFacts reads the facts an opinion counts for now, if it has any.
func currentFacts(ctx context.Context, tx *sql.Tx, id string) (facts, bool, error) {
	var f facts
	err := f.scan(tx.QueryRowContext(ctx, `SELECT `+strings.TrimPrefix(factsColumns, "opinion_id, ")+
		` FROM opinion_facts WHERE opinion_id = $1`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return facts{}, false, nil
	}
	if err != nil {
		return facts{}, false, fmt.Errorf("store: current facts: %w", err)
	}
	return f, true, nil
}

// upsertFacts is the statement that stores facts rows; values are the rows'
// placeholders.
func upsertFacts(values string) string {
	var set []string
	for _, c := range strings.Split(factsColumns, ",") {
		if c = strings.TrimSpace(c); c != "opinion_id" {
			set = append(set, c+" = excluded."+c)
		}
	}
	return `INSERT INTO opinion_facts (` + factsColumns + `) VALUES ` + values +
		` ON CONFLICT (opinion_id) DO UPDATE SET ` + strings.Join(set, ", ")
}

// moveFacts stores o's facts and returns the changes they make to figure_counts
// and to quality_counts, from the facts stored before (none for a new opinion).
func moveFacts(ctx context.Context, tx *sql.Tx, o domain.Opinion) (figures, quality map[figureKey]int, err error) {
	old, stored, err := currentFacts(ctx, tx, o.ID)
	if err != nil {
		return nil, nil, err
	}
	f := factsOf(o)
	var p params
	if _, err := tx.ExecContext(ctx, upsertFacts("("+p.add(f.args(o.ID)...)+")"), p...); err != nil {
		return nil, nil, fmt.Errorf("store: project facts: %w", err)
	}
	figures, quality = map[figureKey]int{}, map[figureKey]int{}
	f.figureCounts(figures, +1)
	f.qualityCounts(quality, +1)
	if stored {
		old.figureCounts(figures, -1)
		old.qualityCounts(quality, -1)
	}
	return figures, quality, nil
}

// applyCounts adds the changes to a counts table (figure_counts or quality_counts)
// where a count changes, twenty rows a statement in key order, and drops the rows
// that empty.
func applyCounts(ctx context.Context, tx *sql.Tx, table string, deltas map[figureKey]int) error {
	var emptied []figureKey
	for chunk := range slices.Chunk(nonZeroKeys(deltas), 20) {
		q, args := countsInsert(table, chunk, deltas)
		q += ` ON CONFLICT (campaign_id, dimension, name, figure, value) DO UPDATE SET count = ` + table +
			`.count + excluded.count RETURNING campaign_id, dimension, name, figure, value, count`
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: move %s: %w", table, err)
		}
		for rows.Next() {
			var k figureKey
			var n int
			if err := rows.Scan(&k.campaign, &k.dimension, &k.name, &k.figure, &k.value, &n); err != nil {
				rows.Close()
				return fmt.Errorf("store: move %s: %w", table, err)
			}
			if n <= 0 {
				emptied = append(emptied, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: move %s: %w", table, err)
		}
	}
	for _, k := range emptied {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE campaign_id = $1 AND dimension = $2 AND name = $3
	AND figure = $4 AND value = $5 AND count <= 0`, k.campaign, k.dimension, k.name, k.figure, k.value); err != nil {
			return fmt.Errorf("store: move %s: %w", table, err)
		}
	}
	return nil
}

// insertCounts fills an emptied counts table with counts, twenty rows a statement
// (see rebuildFigureCounts).
func insertCounts(ctx context.Context, tx *sql.Tx, table string, counts map[figureKey]int) error {
	for chunk := range slices.Chunk(nonZeroKeys(counts), 20) {
		q, args := countsInsert(table, chunk, counts)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	return nil
}

// nonZeroKeys are the keys of counts whose count is not zero, in key order: every
// writer touches rows in the same order, so two never wait for each other in a circle.
func nonZeroKeys(counts map[figureKey]int) []figureKey {
	return slices.DeleteFunc(slices.SortedFunc(maps.Keys(counts), compareFigureKeys), func(k figureKey) bool { return counts[k] == 0 })
}

// countsInsert is the INSERT of keys with their counts into a counts table.
func countsInsert(table string, keys []figureKey, counts map[figureKey]int) (string, params) {
	var q strings.Builder
	q.WriteString(`INSERT INTO ` + table + ` (campaign_id, dimension, name, figure, value, count) VALUES `)
	var args params
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "(%s)", args.add(k.campaign, k.dimension, k.name, k.figure, k.value, counts[k]))
	}
	return q.String(), args
}

// rebuildFacts brings opinion_facts up to date with the opinions — computing the
// facts of any opinion whose row is missing or was written from another revision
// (a store kept by an earlier version) — and returns what they add up to in
// figure_counts and in quality_counts, which the caller recounts.
func rebuildFacts(ctx context.Context, tx *sql.Tx) (figures, quality map[figureKey]int, err error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM opinion_facts WHERE NOT EXISTS
	(SELECT 1 FROM opinions WHERE opinions.id = opinion_facts.opinion_id)`); err != nil {
		return nil, nil, fmt.Errorf("rebuild facts: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.doc FROM opinions o
LEFT JOIN opinion_facts f ON f.opinion_id = o.id
WHERE f.opinion_id IS NULL OR f.revision <> o.revision OR f.updated_at <> o.updated_at`)
	if err != nil {
		return nil, nil, fmt.Errorf("rebuild facts: %w", err)
	}
	type stale struct {
		id string
		f  facts
	}
	var missing []stale
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("rebuild facts: %w", err)
		}
		var o domain.Opinion
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("rebuild facts: opinion %s: %w", id, err)
		}
		missing = append(missing, stale{id, factsOf(o)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("rebuild facts: %w", err)
	}
	// One prepared statement, a row at a time: binding many rows' parameters at
	// once costs the SQLite driver more than the round trips it saves.
	if len(missing) > 0 {
		var p params
		stmt, err := tx.PrepareContext(ctx, upsertFacts("("+p.add(missing[0].f.args(missing[0].id)...)+")"))
		if err != nil {
			return nil, nil, fmt.Errorf("rebuild facts: %w", err)
		}
		for _, m := range missing {
			if _, err := stmt.ExecContext(ctx, m.f.args(m.id)...); err != nil {
				stmt.Close()
				return nil, nil, fmt.Errorf("rebuild facts: %w", err)
			}
		}
		if err := stmt.Close(); err != nil {
			return nil, nil, fmt.Errorf("rebuild facts: %w", err)
		}
	}
	// Opinions with the same facts count together: one row each.
	cols := strings.TrimPrefix(factsColumns, "opinion_id, ")
	cols = strings.Replace(cols, "revision, updated_at, ", "", 1)
	rows, err = tx.QueryContext(ctx, `SELECT `+cols+`, count(*) FROM opinion_facts GROUP BY `+cols)
	if err != nil {
		return nil, nil, fmt.Errorf("rebuild facts: %w", err)
	}
	defer rows.Close()
	figures, quality = map[figureKey]int{}, map[figureKey]int{}
	for rows.Next() {
		var f facts
		var n, onTime int
		if err := rows.Scan(&f.campaign, &f.category, &f.department, &f.leader, &f.target, &f.stage, &f.levelRank,
			&onTime, &f.everRank, &f.flags, &f.lateExtensions, &f.calls[0], &f.calls[1], &f.calls[2], &f.closeWorkdays, &n); err != nil {
			return nil, nil, fmt.Errorf("rebuild facts: %w", err)
		}
		f.closedOnTime = onTime == 1
		f.figureCounts(figures, n)
		f.qualityCounts(quality, n)
	}
	return figures, quality, rows.Err()
}

// rebuildQualityCounts recounts quality_counts.
func rebuildQualityCounts(ctx context.Context, tx *sql.Tx, counts map[figureKey]int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM quality_counts`); err != nil {
		return fmt.Errorf("rebuild quality counts: %w", err)
	}
	return insertCounts(ctx, tx, "quality_counts", counts)
}

// median is the middle of a distribution of whole numbers (value → how many), the
// mean of the two middle values when their number is even; 0 for none.
func median(dist map[int]int) float64 {
	total := 0
	for _, n := range dist {
		total += n
	}
	if total == 0 {
		return 0
	}
	// nth finds the value at position i (0-based) of the sorted values.
	values := slices.Sorted(maps.Keys(dist))
	nth := func(i int) int {
		for _, v := range values {
			if i < dist[v] {
				return v
			}
			i -= dist[v]
		}
		return values[len(values)-1]
	}
	if total%2 == 1 {
		return float64(nth(total / 2))
	}
	return float64(nth(total/2-1)+nth(total/2)) / 2
}

// Median is median for callers outside the store: the median of a distribution of
// whole numbers, as the stats compute it.
func Median(dist map[int]int) float64 { return median(dist) }
