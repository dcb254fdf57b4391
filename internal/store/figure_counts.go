package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"rectify/internal/domain"
)

// figure_counts keeps every count the Prometheus figures are made of, about one row
// per series: per category and per department of a campaign, how many opinions are
// in each state (stage, for departments), at each overdue rung, closed on time, and
// the follow-up calls by answer; per category and per kind of target, the quality
// figures (quality.go; the figures by speed add up the categories'), and the
// working days to close by number of days. opinion_counts splits the same opinions
// by every dimension at once, which at the scale of a large ledger is nearly a row
// per opinion; reading these rows instead keeps a scrape's cost to the series it
// exports. moveCounts keeps them in the projection's transaction and rebuildCounts
// recounts them from opinion_counts and opinion_facts, so they are exactly as
// current and as durable as the opinions.
const figureSchema = `
CREATE TABLE IF NOT EXISTS figure_counts (
	campaign_id TEXT NOT NULL,
	dimension   TEXT NOT NULL,
	name        TEXT NOT NULL,
	figure      TEXT NOT NULL,
	value       TEXT NOT NULL,
	count       INTEGER NOT NULL,
	PRIMARY KEY (campaign_id, dimension, name, figure, value)
) WITHOUT ROWID;
`

// The slices of a campaign the figures count in (FigureGroup.Dimension).
const (
	DimensionCategory   = "category"
	DimensionDepartment = "department"
)

// What a FigureGroup counts (FigureGroup.Figure).
const (
	// FigureState counts a category's opinions in the state Value.
	FigureState = "state"
	// FigureStage counts a department's opinions in the stage Value.
	FigureStage = "stage"
	// FigureLevel counts the opinions an official owes at the rung Value, from
	// overdue up: each at the highest rung it has reached.
	FigureLevel = "level"
	// FigureClosedOnTime counts the closed opinions closed by their deadline (no Value).
	FigureClosedOnTime = "closed_on_time"
	// FigureSatisfaction counts the follow-up calls (not opinions) the satisfaction
	// rate counts — the first after each closure — that answered Value.
	FigureSatisfaction = "satisfaction"
)

// Stages group states as Stats does: pending is not yet with an official,
// in_progress is with one, excluded (rejected, merged, cancelled) leaves the
// completion rate's denominator.
const (
	StagePending    = "pending"
	StageInProgress = "in_progress"
	StageClosed     = "closed"
	StageExcluded   = "excluded"
)

// Stage returns the stage a state belongs to.
func Stage(s domain.State) string {
	switch s {
	case domain.StateReceived, domain.StateCategorized, domain.StateReturned:
		return StagePending
	case domain.StateClosed:
		return StageClosed
	case domain.StateRejected, domain.StateMerged, domain.StateCancelled:
		return StageExcluded
	}
	return StageInProgress
}

// overdueLevels are the rungs FigureLevel counts.
var overdueLevels = []domain.OverdueLevel{domain.LevelOverdue, domain.LevelSupervised, domain.LevelAccountability}

// figureKey is one figure_counts row's key.
type figureKey struct{ campaign, dimension, name, figure, value string }

func compareFigureKeys(a, b figureKey) int {
	return cmp.Or(strings.Compare(a.campaign, b.campaign), strings.Compare(a.dimension, b.dimension),
		strings.Compare(a.name, b.name), strings.Compare(a.figure, b.figure), strings.Compare(a.value, b.value))
}

// figures adds delta to every figure_counts row an opinion in g counts in, but for
// those of its facts (facts.figureCounts).
func (g group) figures(counts map[figureKey]int, delta int) {
	for _, s := range [...]struct{ dimension, name, figure, value string }{
		{DimensionCategory, g.category, FigureState, g.state},
		{DimensionDepartment, g.department, FigureStage, Stage(domain.State(g.state))},
	} {
		counts[figureKey{g.campaign, s.dimension, s.name, s.figure, s.value}] += delta
		for _, l := range overdueLevels {
			if g.levelRank == l.Rank() {
				counts[figureKey{g.campaign, s.dimension, s.name, FigureLevel, string(l)}] += delta
			}
		}
		if g.closedOnTime == 1 {
			counts[figureKey{g.campaign, s.dimension, s.name, FigureClosedOnTime, ""}] += delta
		}
	}
}

// rebuildFigureCounts recomputes figure_counts from opinion_counts (already
// rebuilt) and the facts' figures (rebuildFacts), in the caller's transaction,
// with the same figures moveCounts keeps.
func rebuildFigureCounts(ctx context.Context, tx *sql.Tx, counts map[figureKey]int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM figure_counts`); err != nil {
		return fmt.Errorf("rebuild figure counts: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `
SELECT campaign_id, category, department, state, level_rank, closed_on_time, satisfaction, count FROM opinion_counts`)
	if err != nil {
		return fmt.Errorf("rebuild figure counts: %w", err)
	}
	for rows.Next() {
		var g group
		var n int
		if err := rows.Scan(&g.campaign, &g.category, &g.department, &g.state, &g.levelRank, &g.closedOnTime, &g.satisfaction, &n); err != nil {
			rows.Close()
			return fmt.Errorf("rebuild figure counts: %w", err)
		}
		g.figures(counts, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rebuild figure counts: %w", err)
	}
	// Twenty rows a statement: the SQLite driver's time to bind a statement's
	// parameters grows with their number squared (500 rows took seconds at 51,000
	// opinions), and one row a statement costs a round trip each.
	return insertCounts(ctx, tx, "figure_counts", counts)
}
