package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"rectify/internal/domain"
)

// opinion_counts keeps, for every combination of the dimensions the figures use, how
// many opinions have it now; close_times keeps each campaign's time-to-close
// distribution. ProjectOpinion moves an opinion between rows in the same transaction
// as the opinion itself, so stats and metrics read small tables instead of every
// opinion — and are exactly as current. Open rebuilds both from the opinions, so
// they can never drift. (They replace opinion_groups, whose time-to-close column
// split the counts almost opinion by opinion.)
const countSchema = `
DROP TABLE IF EXISTS opinion_groups;
CREATE TABLE IF NOT EXISTS opinion_counts (
	campaign_id    TEXT NOT NULL,
	category       TEXT NOT NULL,
	department     TEXT NOT NULL,
	state          TEXT NOT NULL,
	level_rank     INTEGER NOT NULL,
	closed_on_time INTEGER NOT NULL,
	satisfaction   TEXT NOT NULL,
	count          INTEGER NOT NULL,
	PRIMARY KEY (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS close_times (
	campaign_id  TEXT NOT NULL,
	close_bucket INTEGER NOT NULL,
	count        INTEGER NOT NULL,
	close_millis BIGINT NOT NULL,
	PRIMARY KEY (campaign_id, close_bucket)
) WITHOUT ROWID;
` + figureSchema + qualitySchema

// CloseBounds are the upper bounds of the time-to-close buckets the store keeps
// (and the metrics' histogram reports): from an hour to the 60-working-day long-term
// deadline and well past it.
var CloseBounds = []time.Duration{
	time.Hour, 6 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 3 * 24 * time.Hour, 5 * 24 * time.Hour,
	7 * 24 * time.Hour, 10 * 24 * time.Hour, 14 * 24 * time.Hour, 21 * 24 * time.Hour, 28 * 24 * time.Hour,
	42 * 24 * time.Hour, 60 * 24 * time.Hour, 90 * 24 * time.Hour, 120 * 24 * time.Hour,
}

// group is where an opinion counts: its opinion_counts row and, once closed, its
// close_times row.
type group struct {
	campaign, category, department, state string
	levelRank                             int
	closedOnTime                          int // 0 or 1
	satisfaction                          string
	closeBucket                           int // -1 unless closed
	closeMillis                           int64
}

// closeBucket is the index of the first bound that took fits under (len(bounds) past
// the last); it matches closeBucketSQL.
func closeBucket(tookMillis int64) int {
	for i, b := range CloseBounds {
		if tookMillis <= b.Milliseconds() {
			return i
		}
	}
	return len(CloseBounds)
}

// closeBucketSQL computes closeBucket in SQL for the rebuild.
func closeBucketSQL() string {
	var b strings.Builder
	b.WriteString("CASE")
	for i, bound := range CloseBounds {
		fmt.Fprintf(&b, " WHEN closed_at - created_at <= %d THEN %d", bound.Milliseconds(), i)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(CloseBounds))
	return b.String()
}

func newGroup(campaign, category, department, state string, levelRank int, onTime bool, satisfaction string, createdAt, closedAt int64) group {
	g := group{campaign: campaign, category: category, department: department, state: state, levelRank: levelRank,
		satisfaction: satisfaction, closeBucket: -1}
	if state == "closed" {
		if onTime {
			g.closedOnTime = 1
		}
		g.closeMillis = closedAt - createdAt
		g.closeBucket = closeBucket(g.closeMillis)
	}
	return g
}

// currentGroup reads the group an opinion is in now, if it is stored.
func currentGroup(ctx context.Context, tx *sql.Tx, id string) (group, bool, error) {
	var campaign, category, department, state, satisfaction string
	var levelRank int
	var onTime bool
	var createdAt, closedAt int64
	err := tx.QueryRowContext(ctx, `
SELECT campaign_id, category, department, state, level_rank, on_time, satisfaction, created_at, closed_at
FROM opinions WHERE id = $1`, id).Scan(&campaign, &category, &department, &state, &levelRank, &onTime, &satisfaction, &createdAt, &closedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return group{}, false, nil
	}
	if err != nil {
		return group{}, false, fmt.Errorf("store: current group: %w", err)
	}
	return newGroup(campaign, category, department, state, levelRank, onTime, satisfaction, createdAt, closedAt), true, nil
}

// countChange is one opinion entering (+1) or leaving (-1) a group.
type countChange struct {
	g     group
	delta int
}

// moveCounts moves an opinion from one group (nil: newly stored) to another, and
// its quality facts to o's. Every writer updates rows in the same order —
// opinion_counts by key, then close_times by key, then opinion_facts (the
// opinion's own row), then figure_counts by key, then quality_counts by key — so
// two projections moving opinions in opposite directions never wait for each
// other in a circle.
func moveCounts(ctx context.Context, tx *sql.Tx, from *group, to group, o domain.Opinion) error {
	var changes []countChange
	if from == nil || *from != to {
		changes = append(changes, countChange{to, +1})
		if from != nil {
			changes = append(changes, countChange{*from, -1})
		}
	}
	slices.SortFunc(changes, func(a, b countChange) int {
		return cmp.Or(strings.Compare(a.g.campaign, b.g.campaign), strings.Compare(a.g.category, b.g.category),
			strings.Compare(a.g.department, b.g.department), strings.Compare(a.g.state, b.g.state),
			cmp.Compare(a.g.levelRank, b.g.levelRank), cmp.Compare(a.g.closedOnTime, b.g.closedOnTime),
			strings.Compare(a.g.satisfaction, b.g.satisfaction))
	})
	for _, c := range changes {
		if err := addCount(ctx, tx, c); err != nil {
			return err
		}
	}
	slices.SortFunc(changes, func(a, b countChange) int {
		return cmp.Or(strings.Compare(a.g.campaign, b.g.campaign), cmp.Compare(a.g.closeBucket, b.g.closeBucket))
	})
	for _, c := range changes {
		if c.g.closeBucket < 0 {
			continue
		}
		if err := addCloseTime(ctx, tx, c); err != nil {
			return err
		}
	}
	figures, quality, err := moveFacts(ctx, tx, o)
	if err != nil {
		return err
	}
	for _, c := range changes {
		c.g.figures(figures, c.delta)
	}
	if err := applyCounts(ctx, tx, "figure_counts", figures); err != nil {
		return err
	}
	return applyCounts(ctx, tx, "quality_counts", quality)
}

// addCount applies a change to opinion_counts, dropping rows that empty.
func addCount(ctx context.Context, tx *sql.Tx, c countChange) error {
	g := c.g
	_, err := tx.ExecContext(ctx, `
INSERT INTO opinion_counts (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction, count)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction)
DO UPDATE SET count = opinion_counts.count + excluded.count`,
		g.campaign, g.category, g.department, g.state, g.levelRank, g.closedOnTime, g.satisfaction, c.delta)
	if err == nil && c.delta < 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM opinion_counts WHERE count <= 0 AND campaign_id = $1 AND category = $2
	AND department = $3 AND state = $4 AND level_rank = $5 AND closed_on_time = $6 AND satisfaction = $7`,
			g.campaign, g.category, g.department, g.state, g.levelRank, g.closedOnTime, g.satisfaction)
	}
	if err != nil {
		return fmt.Errorf("store: move count: %w", err)
	}
	return nil
}

// addCloseTime applies a change to close_times, dropping rows that empty.
func addCloseTime(ctx context.Context, tx *sql.Tx, c countChange) error {
	g := c.g
	_, err := tx.ExecContext(ctx, `
INSERT INTO close_times (campaign_id, close_bucket, count, close_millis) VALUES ($1, $2, $3, $4)
ON CONFLICT (campaign_id, close_bucket) DO UPDATE SET
	count = close_times.count + excluded.count, close_millis = close_times.close_millis + excluded.close_millis`,
		g.campaign, g.closeBucket, c.delta, int64(c.delta)*g.closeMillis)
	if err == nil && c.delta < 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM close_times WHERE count <= 0 AND campaign_id = $1 AND close_bucket = $2`,
			g.campaign, g.closeBucket)
	}
	if err != nil {
		return fmt.Errorf("store: move close time: %w", err)
	}
	return nil
}

// rebuildCounts recomputes opinion_counts and close_times from the opinions, then
// the facts and the counts made of them, in the caller's transaction (which holds
// the rebuild lock).
func rebuildCounts(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{
		`DELETE FROM opinion_counts`,
		`INSERT INTO opinion_counts (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction, count)
SELECT campaign_id, category, department, state, level_rank, CASE WHEN state = 'closed' THEN on_time ELSE 0 END,
	satisfaction, count(*)
FROM opinions GROUP BY 1, 2, 3, 4, 5, 6, 7`,
		`DELETE FROM close_times`,
		`INSERT INTO close_times (campaign_id, close_bucket, count, close_millis)
SELECT campaign_id, ` + closeBucketSQL() + `, count(*), sum(closed_at - created_at)
FROM opinions WHERE state = 'closed' GROUP BY 1, 2`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild counts: %w", err)
		}
	}
	figures, quality, err := rebuildFacts(ctx, tx)
	if err != nil {
		return err
	}
	if err := rebuildFigureCounts(ctx, tx, figures); err != nil {
		return err
	}
	return rebuildQualityCounts(ctx, tx, quality)
}
