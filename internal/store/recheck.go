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
func (s *Store) RecheckSince(ctx context.Context, since time.Time) (int64, error) {
	var marked int64
	for _, table := range []string{"opinions", "tasks"} {
		res, err := s.w.ExecContext(ctx, `
INSERT INTO unconfirmed (opinion_id, task_event, task_at, revision, written_at)
SELECT id, task_event, task_at, revision, 0 FROM `+table+` WHERE task_at >= $1
ON CONFLICT (opinion_id) DO UPDATE SET task_event = excluded.task_event, task_at = excluded.task_at,
	revision = excluded.revision, written_at = excluded.written_at`, since.UnixNano())
		if err != nil {
			return marked, fmt.Errorf("store: recheck %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		marked += n
	}
	return marked, nil
}
