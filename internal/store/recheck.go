package store

import (
	"context"
	"fmt"
	"time"
)

// RecheckSince puts every opinion and task written at or after since among the
// unconfirmed writes, as if nobody had confirmed them: the reconciler then checks
// each against its workflow and puts the workflow's state back, whichever of the
// two is ahead. A restore calls it for the writes its copy of the store may hold
// beyond its copy of Temporal's database (internal/backup). It says how many it
// marked.
//
// Those rows lose their task's event id first (their clock stays): it counts the
// events of a history the restored Temporal may never have reached, and its next
// tasks, starting at events the lost ones had passed, would lose to it — the
// store would keep the state the reconciler put back and miss every transition
// after. Only the restored workflows write to a restored store, so nothing earlier
// than them can come late.
func (s *Store) RecheckSince(ctx context.Context, since time.Time) (int64, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: recheck: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var marked int64
	for _, table := range []string{"opinions", "tasks"} {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET task_event = 0 WHERE task_at >= $1`, since.UnixNano()); err != nil {
			return 0, fmt.Errorf("store: recheck %s: %w", table, err)
		}
		res, err := tx.ExecContext(ctx, `
INSERT INTO unconfirmed (opinion_id, task_event, task_at, revision, written_at)
SELECT id, task_event, task_at, revision, 0 FROM `+table+` WHERE task_at >= $1
ON CONFLICT (opinion_id) DO UPDATE SET task_event = excluded.task_event, task_at = excluded.task_at,
	revision = excluded.revision, written_at = excluded.written_at`, since.UnixNano())
		if err != nil {
			return 0, fmt.Errorf("store: recheck %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		marked += n
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: recheck: %w", err)
	}
	return marked, nil
}
