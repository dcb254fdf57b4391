package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"rectify/internal/domain"
	"rectify/workflows"
)

// The projection never runs ahead of the workflow for long (docs/consistency.md).
// Every opinion row carries the origin of the write that produced it — the
// workflow task, by its started event and its clock — and a write replaces the row
// only when it comes from a later task, or from the same task at a later revision.
// A write from an Update's handler is unconfirmed until the Update has returned:
// it gets an entry in unconfirmed, and its notifications are held. The caller
// confirms it (Confirm); when nobody does, the reconciler compares it with the
// workflow's own state (Reconcile).
const projectionSchema = `
CREATE TABLE IF NOT EXISTS unconfirmed (
	opinion_id TEXT PRIMARY KEY,
	task_event BIGINT NOT NULL,
	task_at    BIGINT NOT NULL,
	revision   INTEGER NOT NULL,
	written_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS unconfirmed_written ON unconfirmed (written_at);
CREATE INDEX IF NOT EXISTS notifications_held ON notifications (opinion_id) WHERE status = 'held';
`

// addedColumns are the columns added to tables after their first release; addColumns
// adds the missing ones when the store opens, each after its statement first (when
// it has one), and then runs the fills of the columns it added, each fill once. A
// row written before has the zero origin, which every later write supersedes.
var addedColumns = []struct {
	table, column, definition, first string
	fill                             *columnFill
}{
	{"opinions", "task_event", "BIGINT NOT NULL DEFAULT 0", "", nil},
	{"opinions", "task_at", "BIGINT NOT NULL DEFAULT 0", "", nil},
	// The transition a notification belongs to: its revision and the time of its
	// timeline entry, to tell a held notification of a transition that happened
	// from one of a transition that did not.
	{"notifications", "revision", "INTEGER NOT NULL DEFAULT 0", "", nil},
	{"notifications", "event_at", "BIGINT NOT NULL DEFAULT 0", "", nil},
	// The release that added last_seen keeps sessions under the digest of their
	// id (sessionSchema). The rows from before hold the ids themselves: no cookie
	// finds them any more, and they are secrets, so they go — everyone signs in
	// once more.
	{"sessions", "last_seen", "BIGINT NOT NULL DEFAULT 0", "DELETE FROM sessions", nil},
	// What the triage filters read (search.go), filled in from the documents.
	{"opinions", "content_folded", "TEXT NOT NULL DEFAULT ''", "", triageFill},
	{"opinions", "channel", "TEXT NOT NULL DEFAULT ''", "", triageFill},
	{"opinions", "collected_at", "TEXT NOT NULL DEFAULT ''", "", triageFill},
	{"opinions", "suggested_category", "TEXT NOT NULL DEFAULT ''", "", triageFill},
	{"opinions", "target", "TEXT NOT NULL DEFAULT ''", "", triageFill},
}

func (s *Store) addColumns(ctx context.Context, tx *sql.Tx) error {
	var fills []*columnFill
	for _, c := range addedColumns {
		var n int
		if err := tx.QueryRowContext(ctx, s.d.hasColumn, c.table, c.column).Scan(&n); err != nil {
			return fmt.Errorf("look for column %s.%s: %w", c.table, c.column, err)
		}
		if n > 0 {
			continue
		}
		if c.first != "" {
			if _, err := tx.ExecContext(ctx, c.first); err != nil {
				return fmt.Errorf("before adding column %s.%s: %w", c.table, c.column, err)
			}
		}
		// The definition is spelled as the schema is (a text column compares bytewise).
		definition := strings.TrimSpace(s.d.schema.Replace(" " + c.definition))
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`ALTER TABLE %s ADD COLUMN %s %s`, c.table, c.column, definition)); err != nil {
			return fmt.Errorf("add column %s.%s: %w", c.table, c.column, err)
		}
		if c.fill != nil && !slices.Contains(fills, c.fill) {
			fills = append(fills, c.fill)
		}
	}
	for _, f := range fills {
		if err := f.run(ctx, tx); err != nil {
			return fmt.Errorf("fill in %s: %w", f.name, err)
		}
	}
	return nil
}

// ProjectOpinion writes an opinion's state and timeline, confirmed and with no
// notifications. A write that is not newer than the stored one changes nothing, so
// replays and retries are harmless.
func (s *Store) ProjectOpinion(ctx context.Context, o domain.Opinion) error {
	return s.Project(ctx, o, nil)
}

// Project is ProjectOpinion that also puts the notifications the transition sets
// off into the outbox, in the same transaction (see outboxSchema).
func (s *Store) Project(ctx context.Context, o domain.Opinion, notes []domain.Notification) error {
	return s.ProjectTransition(ctx, workflows.ProjectInput{Opinion: o, Notifications: notes})
}

// ProjectTransition writes what a workflow projects: the opinion, the
// notifications, and — for an Update's write — the entry that keeps it unconfirmed.
func (s *Store) ProjectTransition(ctx context.Context, in workflows.ProjectInput) error {
	var wrote bool
	err := s.inProjection(ctx, in.Opinion.ID, func(tx *sql.Tx) error {
		written, err := s.writeItem(ctx, tx, in.Opinion, in.Origin, false)
		if err != nil || !written {
			return err
		}
		wrote = true
		if err := enqueueNotifications(ctx, tx, in.Notifications, in.Opinion, in.Unconfirmed); err != nil {
			return err
		}
		if !in.Unconfirmed {
			return nil
		}
		_, err = tx.ExecContext(ctx, `
INSERT INTO unconfirmed (opinion_id, task_event, task_at, revision, written_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (opinion_id) DO UPDATE SET task_event = excluded.task_event, task_at = excluded.task_at,
	revision = excluded.revision, written_at = excluded.written_at`,
			in.Opinion.ID, in.Origin.TaskEvent, originAt(in.Origin), in.Opinion.Revision, time.Now().UnixMilli())
		if err != nil {
			return fmt.Errorf("store: project: unconfirmed: %w", err)
		}
		return nil
	})
	if err == nil && wrote && in.Opinion.Task == nil {
		s.written.keep(in.Opinion)
	}
	return err
}

// inProjection runs f in a write transaction holding the opinion's projection lock.
func (s *Store) inProjection(ctx context.Context, id string, f func(*sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: project: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.d.lockProjection != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockProjection, id); err != nil {
			return fmt.Errorf("store: project: lock: %w", err)
		}
	}
	if err := f(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func originAt(o workflows.Origin) int64 {
	if o.At.IsZero() {
		return 0
	}
	return o.At.UnixNano()
}

// writeItem writes an opinion (writeOpinion) or a problem's task (writeTask).
func (s *Store) writeItem(ctx context.Context, tx *sql.Tx, o domain.Opinion, origin workflows.Origin, force bool) (bool, error) {
	if o.Task != nil {
		return s.writeTask(ctx, tx, o, origin, force)
	}
	return s.writeOpinion(ctx, tx, o, origin, force)
}

// writeOpinion writes the opinion row, its counts and its timeline. Unless force
// is set, it writes only over an older origin, or the same origin at a lower
// revision; written says whether it did.
func (s *Store) writeOpinion(ctx context.Context, tx *sql.Tx, o domain.Opinion, origin workflows.Origin, force bool) (written bool, err error) {
	timeline := o.Timeline
	o.Timeline = nil
	doc, err := json.Marshal(o)
	if err != nil {
		return false, err
	}
	levelRank := 0
	if urgency(o.State) == 2 {
		levelRank = o.OverdueLevel.Rank()
	}
	var closedAt int64
	if !o.ClosedAt.IsZero() {
		closedAt = o.ClosedAt.UnixMilli()
	}
	onTime := 0
	if o.OnTime {
		onTime = 1
	}
	old, stored, err := currentGroup(ctx, tx, o.ID)
	if err != nil {
		return false, err
	}
	newer := `WHERE (excluded.task_event, excluded.task_at, excluded.revision) > (opinions.task_event, opinions.task_at, opinions.revision)`
	if force {
		newer = ""
	}
	res, err := tx.ExecContext(ctx, `
INSERT INTO opinions (id, campaign_id, key, state, category, department, official, leader, deadline,
	overdue_level, urgency, level_rank, on_time, satisfaction, created_at, updated_at, closed_at, revision, doc,
	task_event, task_at, content_folded, channel, collected_at, suggested_category, target)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
	$22, $23, $24, $25, $26)
ON CONFLICT (id) DO UPDATE SET
	state = excluded.state, category = excluded.category, department = excluded.department,
	official = excluded.official, leader = excluded.leader, deadline = excluded.deadline,
	overdue_level = excluded.overdue_level, urgency = excluded.urgency, level_rank = excluded.level_rank,
	on_time = excluded.on_time, satisfaction = excluded.satisfaction, created_at = excluded.created_at,
	updated_at = excluded.updated_at, closed_at = excluded.closed_at, revision = excluded.revision, doc = excluded.doc,
	task_event = excluded.task_event, task_at = excluded.task_at, content_folded = excluded.content_folded,
	channel = excluded.channel, collected_at = excluded.collected_at,
	suggested_category = excluded.suggested_category, target = excluded.target
`+newer,
		append([]any{o.ID, o.CampaignID, o.Key, o.State, o.Category, o.Department, o.Official, o.Leader, o.Schedule.Deadline,
			o.OverdueLevel, urgency(o.State), levelRank, onTime, o.Satisfaction, o.CreatedAt.UnixMilli(),
			o.UpdatedAt.UnixMilli(), closedAt, o.Revision, string(doc), origin.TaskEvent, originAt(origin)},
			triageValues(o)...)...)
	if err != nil {
		return false, fmt.Errorf("store: project opinion: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	// Move the opinion between groups.
	var from *group
	if stored {
		from = &old
	}
	to := newGroup(o.CampaignID, o.Category, o.Department, string(o.State), levelRank, o.OnTime, o.Satisfaction,
		o.CreatedAt.UnixMilli(), closedAt)
	if err := moveCounts(ctx, tx, from, to, o); err != nil {
		return false, err
	}
	if err := markAttachments(ctx, tx, o, timeline); err != nil {
		return false, err
	}
	return true, writeTimeline(ctx, tx, o.ID, o.Revision, timeline)
}

// writeTimeline makes the stored timeline the given one: entries already stored as
// they are cost a lookup; an entry of a transition that never happened is replaced,
// and one past the opinion's revision removed.
func writeTimeline(ctx context.Context, tx *sql.Tx, id string, revision int, timeline []domain.Event) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE opinion_id = $1 AND seq > $2`, id, revision); err != nil {
		return fmt.Errorf("store: project events: %w", err)
	}
	if len(timeline) == 0 {
		return nil
	}
	// One statement for the whole timeline.
	var q strings.Builder
	q.WriteString(`INSERT INTO events (opinion_id, seq, at, actor, action, from_state, to_state, reason, detail) VALUES `)
	args := params{id}
	for i, e := range timeline {
		d, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		if i > 0 {
			q.WriteString(", ")
		}
		fmt.Fprintf(&q, "($1, %s)", args.add(e.Seq, e.At.UnixMilli(), e.Actor, e.Action, e.From, e.To, e.Reason, string(d)))
	}
	q.WriteString(` ON CONFLICT (opinion_id, seq) DO UPDATE SET at = excluded.at, actor = excluded.actor,
	action = excluded.action, from_state = excluded.from_state, to_state = excluded.to_state,
	reason = excluded.reason, detail = excluded.detail
WHERE events.at <> excluded.at OR events.actor <> excluded.actor OR events.action <> excluded.action
	OR events.from_state <> excluded.from_state OR events.to_state <> excluded.to_state
	OR events.reason <> excluded.reason OR events.detail <> excluded.detail`)
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("store: project events: %w", err)
	}
	return nil
}

// Confirm records that an Update has returned with the opinion at revision: the
// workflow holds it, so the writes up to it are no longer in doubt. Their held
// notifications go out — those of transitions the stored timeline holds; any
// other is of a transition that never happened, and is dropped.
func (s *Store) Confirm(ctx context.Context, id string, revision int) error {
	return s.inProjection(ctx, id, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM unconfirmed WHERE opinion_id = $1 AND revision <= $2`, id, revision); err != nil {
			return fmt.Errorf("store: confirm: %w", err)
		}
		happened := `EXISTS (SELECT 1 FROM events e WHERE e.opinion_id = notifications.opinion_id
	AND e.seq = notifications.revision AND e.at = notifications.event_at)`
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'pending'
WHERE opinion_id = $1 AND status = 'held' AND revision <= $2 AND `+happened, id, revision); err != nil {
			return fmt.Errorf("store: confirm: release notifications: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifications
WHERE opinion_id = $1 AND status = 'held' AND revision <= $2 AND NOT `+happened, id, revision); err != nil {
			return fmt.Errorf("store: confirm: drop notifications: %w", err)
		}
		return nil
	})
}

// UnconfirmedWrite is an Update's write nobody has confirmed yet.
type UnconfirmedWrite struct {
	OpinionID string
	Origin    workflows.Origin
	Revision  int
	WrittenAt time.Time
}

// Unconfirmed lists up to limit unconfirmed writes made before cutoff, oldest first.
func (s *Store) Unconfirmed(ctx context.Context, cutoff time.Time, limit int) ([]UnconfirmedWrite, error) {
	rows, err := s.r.QueryContext(ctx, `
SELECT opinion_id, task_event, task_at, revision, written_at FROM unconfirmed
WHERE written_at < $1 ORDER BY written_at LIMIT $2`, cutoff.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("store: unconfirmed: %w", err)
	}
	defer rows.Close()
	var out []UnconfirmedWrite
	for rows.Next() {
		var w UnconfirmedWrite
		var at, written int64
		if err := rows.Scan(&w.OpinionID, &w.Origin.TaskEvent, &at, &w.Revision, &written); err != nil {
			return nil, err
		}
		if at != 0 {
			w.Origin.At = time.Unix(0, at).UTC()
		}
		w.WrittenAt = time.UnixMilli(written).UTC()
		out = append(out, w)
	}
	return out, rows.Err()
}

// ErrSuperseded is Reconcile's answer when a later write replaced the unconfirmed
// one before the check: that write stands (and is checked in its own right if it
// is unconfirmed too).
var ErrSuperseded = errors.New("superseded by a later write")

// Reconcile settles an unconfirmed write against durable, the opinion as its
// workflow holds it. When the row is still the write's, it becomes durable — the
// same state when the Update was recorded, the state before it when it was not —
// and changed says whether it differed. Either way the held notifications of
// transitions durable holds go out and the others are dropped.
func (s *Store) Reconcile(ctx context.Context, w UnconfirmedWrite, durable domain.Opinion) (changed bool, err error) {
	var current bool
	err = s.inProjection(ctx, w.OpinionID, func(tx *sql.Tx) error {
		var event, at int64
		var revision int
		var doc string
		err := tx.QueryRowContext(ctx, `SELECT task_event, task_at, revision, doc FROM `+itemTable(w.OpinionID)+` WHERE id = $1`, w.OpinionID).
			Scan(&event, &at, &revision, &doc)
		if err != nil {
			return fmt.Errorf("store: reconcile: %w", err)
		}
		current = event == w.Origin.TaskEvent && at == originAt(w.Origin) && revision == w.Revision
		if current {
			durableDoc := durable
			durableDoc.Timeline = nil
			want, err := json.Marshal(durableDoc)
			if err != nil {
				return err
			}
			if changed = revision != durable.Revision || string(want) != doc; changed {
				if _, err := s.writeItem(ctx, tx, durable, w.Origin, true); err != nil {
					return err
				}
			}
		}
		if err := settleHeld(ctx, tx, durable, current); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM unconfirmed WHERE opinion_id = $1 AND task_event = $2 AND task_at = $3 AND revision = $4`,
			w.OpinionID, w.Origin.TaskEvent, originAt(w.Origin), w.Revision); err != nil {
			return fmt.Errorf("store: reconcile: %w", err)
		}
		return nil
	})
	if err == nil && !current {
		err = ErrSuperseded
	}
	return changed, err
}

// Forget drops an unconfirmed write whose workflow no longer exists: nothing can
// be checked against it any more, and its held notifications stay held.
func (s *Store) Forget(ctx context.Context, w UnconfirmedWrite) error {
	_, err := s.w.ExecContext(ctx, `DELETE FROM unconfirmed WHERE opinion_id = $1 AND task_event = $2 AND task_at = $3 AND revision = $4`,
		w.OpinionID, w.Origin.TaskEvent, originAt(w.Origin), w.Revision)
	return err
}

// settleHeld releases the held notifications of the transitions durable holds and
// drops those of transitions it does not. Past durable's revision, they belong to
// a later write: dropped when the row was the unconfirmed write (nothing later has
// landed), left for that write's own confirmation otherwise.
func settleHeld(ctx context.Context, tx *sql.Tx, durable domain.Opinion, rowWasWrite bool) error {
	rows, err := tx.QueryContext(ctx, `SELECT key, revision, event_at FROM notifications WHERE opinion_id = $1 AND status = 'held'`, durable.ID)
	if err != nil {
		return fmt.Errorf("store: held notifications: %w", err)
	}
	var release, drop []string
	for rows.Next() {
		var key string
		var revision int
		var at int64
		if err := rows.Scan(&key, &revision, &at); err != nil {
			rows.Close()
			return err
		}
		switch {
		case revision > durable.Revision:
			if rowWasWrite {
				drop = append(drop, key)
			}
		case revision >= 1 && revision <= len(durable.Timeline) && durable.Timeline[revision-1].At.UnixMilli() == at:
			release = append(release, key)
		default:
			drop = append(drop, key)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, key := range release {
		if _, err := tx.ExecContext(ctx, `UPDATE notifications SET status = 'pending' WHERE key = $1`, key); err != nil {
			return err
		}
	}
	for _, key := range drop {
		if _, err := tx.ExecContext(ctx, `DELETE FROM notifications WHERE key = $1`, key); err != nil {
			return err
		}
	}
	return nil
}
