package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"rectify/internal/domain"
	"rectify/workflows"
)

// Problems and their tasks (domain.Problem): a problem row is its document at its
// latest revision; a task row is written as an opinion's is — by the origin of
// the write, unconfirmed until its Update returned, its timeline in events — but
// in a table of its own, so no opinion figure ever counts a task.
const problemSchema = `
CREATE TABLE IF NOT EXISTS problems (
	id          TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL,
	state       TEXT NOT NULL,
	title       TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	revision    INTEGER NOT NULL,
	doc         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS problems_campaign ON problems (campaign_id, created_at, id);
CREATE TABLE IF NOT EXISTS tasks (
	id          TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL,
	problem_id  TEXT NOT NULL,
	state       TEXT NOT NULL,
	lead        TEXT NOT NULL,
	official    TEXT NOT NULL,
	leader      TEXT NOT NULL,
	deadline    TEXT NOT NULL,
	level_rank  INTEGER NOT NULL,
	created_at  BIGINT NOT NULL,
	revision    INTEGER NOT NULL,
	task_event  BIGINT NOT NULL,
	task_at     BIGINT NOT NULL,
	doc         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_problem ON tasks (problem_id, id);
CREATE INDEX IF NOT EXISTS tasks_campaign ON tasks (campaign_id, lead);
CREATE INDEX IF NOT EXISTS tasks_official ON tasks (official, state);
`

// ProjectProblem writes a problem unless the stored one is at its revision or later.
func (s *Store) ProjectProblem(ctx context.Context, p domain.Problem) error {
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `
INSERT INTO problems (id, campaign_id, state, title, created_at, revision, doc) VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (id) DO UPDATE SET state = excluded.state, title = excluded.title, revision = excluded.revision, doc = excluded.doc
WHERE excluded.revision > problems.revision`,
		p.ID, p.CampaignID, string(p.State), p.Title, p.CreatedAt.UnixMilli(), p.Revision, string(doc))
	if err != nil {
		return fmt.Errorf("store: project problem: %w", err)
	}
	return nil
}

// Problem returns one problem.
func (s *Store) Problem(ctx context.Context, id string) (domain.Problem, error) {
	var doc string
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM problems WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Problem{}, ErrNotFound
	}
	if err != nil {
		return domain.Problem{}, fmt.Errorf("store: problem: %w", err)
	}
	var p domain.Problem
	return p, json.Unmarshal([]byte(doc), &p)
}

// Problems lists a campaign's problems, oldest first.
func (s *Store) Problems(ctx context.Context, campaignID string) ([]domain.Problem, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT doc FROM problems WHERE campaign_id = $1 ORDER BY created_at, id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: problems: %w", err)
	}
	return scanDocs[domain.Problem](rows)
}

// itemTable is the table an opinion or a task (domain.IsTaskID) is kept in.
func itemTable(id string) string {
	if domain.IsTaskID(id) {
		return "tasks"
	}
	return "opinions"
}

// TaskFilter selects tasks: of a campaign, a problem, an official, a leader, a
// lead unit or in a state (each when set), open ones only when Open is set.
type TaskFilter struct {
	Campaign, Problem, Official, Leader, Lead string
	State                                     domain.State
	Open                                      bool
}

// Tasks lists the tasks a filter selects (without timelines), the most urgent
// first: the highest rung, then the earliest deadline.
func (s *Store) Tasks(ctx context.Context, f TaskFilter) ([]domain.Opinion, error) {
	q := `SELECT doc FROM tasks WHERE 1 = 1`
	var args params
	for _, c := range []struct{ column, value string }{
		{"campaign_id", f.Campaign}, {"problem_id", f.Problem}, {"official", f.Official}, {"leader", f.Leader}, {"lead", f.Lead}, {"state", string(f.State)},
	} {
		if c.value != "" {
			q += fmt.Sprintf(" AND %s = %s", c.column, args.add(c.value))
		}
	}
	if f.Open {
		q += ` AND state <> 'closed'`
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY level_rank DESC, (deadline = ''), deadline, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tasks: %w", err)
	}
	return scanDocs[domain.Opinion](rows)
}

// scanDocs decodes the single JSON document column of each row.
func scanDocs[T any](rows *sql.Rows) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var v T
		if err := json.Unmarshal([]byte(doc), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// writeTask is writeOpinion for a task: its row and its timeline, only over an
// older origin or the same origin at a lower revision unless force is set.
func (s *Store) writeTask(ctx context.Context, tx *sql.Tx, t domain.Opinion, origin workflows.Origin, force bool) (written bool, err error) {
	timeline := t.Timeline
	t.Timeline = nil
	doc, err := json.Marshal(t)
	if err != nil {
		return false, err
	}
	levelRank := 0
	if urgency(t.State) == 2 {
		levelRank = t.OverdueLevel.Rank()
	}
	newer := `WHERE (excluded.task_event, excluded.task_at, excluded.revision) > (tasks.task_event, tasks.task_at, tasks.revision)`
	if force {
		newer = ""
	}
	res, err := tx.ExecContext(ctx, `
INSERT INTO tasks (id, campaign_id, problem_id, state, lead, official, leader, deadline, level_rank, created_at,
	revision, task_event, task_at, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
ON CONFLICT (id) DO UPDATE SET state = excluded.state, lead = excluded.lead, official = excluded.official,
	leader = excluded.leader, deadline = excluded.deadline, level_rank = excluded.level_rank,
	revision = excluded.revision, task_event = excluded.task_event, task_at = excluded.task_at, doc = excluded.doc
`+newer,
		t.ID, t.CampaignID, t.Task.Problem, string(t.State), t.Department, t.Official, t.Leader, t.Schedule.Deadline,
		levelRank, t.CreatedAt.UnixMilli(), t.Revision, origin.TaskEvent, originAt(origin), string(doc))
	if err != nil {
		return false, fmt.Errorf("store: project task: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if err := markAttachments(ctx, tx, t, timeline); err != nil {
		return false, err
	}
	return true, writeTimeline(ctx, tx, t.ID, t.Revision, timeline)
}
