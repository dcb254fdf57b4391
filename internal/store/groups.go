package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// opinion_groups keeps, for every combination of the dimensions the figures use, how
// many opinions have it now. ProjectOpinion moves an opinion from its old group to
// its new one in the same transaction as the opinion itself, so stats and metrics
// read a table of at most a few thousand rows instead of every opinion — and are
// exactly as current. Open rebuilds it from the opinions, so it can never drift.
const groupSchema = `
CREATE TABLE IF NOT EXISTS opinion_groups (
	campaign_id    TEXT NOT NULL,
	category       TEXT NOT NULL,
	department     TEXT NOT NULL,
	state          TEXT NOT NULL,
	level_rank     INTEGER NOT NULL,
	closed_on_time INTEGER NOT NULL,
	satisfaction   TEXT NOT NULL,
	close_bucket   INTEGER NOT NULL,
	count          INTEGER NOT NULL,
	close_millis   INTEGER NOT NULL,
	PRIMARY KEY (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction, close_bucket)
) WITHOUT ROWID;
`

// CloseBounds are the upper bounds of the time-to-close buckets the store keeps
// (and the metrics' histogram reports): from an hour to the 60-working-day long-term
// deadline and well past it.
var CloseBounds = []time.Duration{
	time.Hour, 6 * time.Hour, 24 * time.Hour, 2 * 24 * time.Hour, 3 * 24 * time.Hour, 5 * 24 * time.Hour,
	7 * 24 * time.Hour, 10 * 24 * time.Hour, 14 * 24 * time.Hour, 21 * 24 * time.Hour, 28 * 24 * time.Hour,
	42 * 24 * time.Hour, 60 * 24 * time.Hour, 90 * 24 * time.Hour, 120 * 24 * time.Hour,
}

// group is an opinion's place in opinion_groups.
type group struct {
	campaign, category, department, state string
	levelRank                             int
	closedOnTime                          bool
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
	b.WriteString("CASE WHEN state != 'closed' THEN -1")
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
		g.closedOnTime = onTime
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
FROM opinions WHERE id = ?`, id).Scan(&campaign, &category, &department, &state, &levelRank, &onTime, &satisfaction, &createdAt, &closedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return group{}, false, nil
	}
	if err != nil {
		return group{}, false, fmt.Errorf("store: current group: %w", err)
	}
	return newGroup(campaign, category, department, state, levelRank, onTime, satisfaction, createdAt, closedAt), true, nil
}

// moveGroup adds delta (+1 or -1) opinions to a group, dropping groups that empty.
func moveGroup(ctx context.Context, tx *sql.Tx, g group, delta int) error {
	_, err := tx.ExecContext(ctx, `
INSERT INTO opinion_groups (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction,
	close_bucket, count, close_millis)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT DO UPDATE SET count = count + excluded.count, close_millis = close_millis + excluded.close_millis`,
		g.campaign, g.category, g.department, g.state, g.levelRank, g.closedOnTime, g.satisfaction, g.closeBucket,
		delta, int64(delta)*g.closeMillis)
	if err != nil {
		return fmt.Errorf("store: move group: %w", err)
	}
	if delta < 0 {
		_, err = tx.ExecContext(ctx, `DELETE FROM opinion_groups WHERE count <= 0 AND campaign_id = ? AND category = ?
	AND department = ? AND state = ? AND level_rank = ? AND closed_on_time = ? AND satisfaction = ? AND close_bucket = ?`,
			g.campaign, g.category, g.department, g.state, g.levelRank, g.closedOnTime, g.satisfaction, g.closeBucket)
	}
	return err
}

// rebuildGroups recomputes opinion_groups from the opinions.
func rebuildGroups(db *sql.DB) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec(`DELETE FROM opinion_groups`); err != nil {
		return err
	}
	bucket := closeBucketSQL()
	if _, err := tx.Exec(`
INSERT INTO opinion_groups (campaign_id, category, department, state, level_rank, closed_on_time, satisfaction,
	close_bucket, count, close_millis)
SELECT campaign_id, category, department, state, level_rank, (state = 'closed' AND on_time), satisfaction,
	` + bucket + `, count(*), sum(CASE WHEN state = 'closed' THEN closed_at - created_at ELSE 0 END)
FROM opinions GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`); err != nil {
		return fmt.Errorf("store: rebuild groups: %w", err)
	}
	return tx.Commit()
}
