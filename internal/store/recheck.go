package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"rectify/internal/domain"
	"rectify/workflows"
)

// restoreCheckSchema keeps the restores still to be checked against their
// workflows: since is when the copy of the store began, in Unix nanoseconds.
const restoreCheckSchema = `
CREATE TABLE IF NOT EXISTS restore_checks (
	since     BIGINT PRIMARY KEY,
	marked_at BIGINT NOT NULL
)`

// RecheckSince prepares a restored store for the workflows of the restored
// Temporal, whose copy was made after the store's began at since: it puts every
// opinion and task written at or after since among the unconfirmed writes, as if
// nobody had confirmed them, and records since for the reconciler's restore check
// (RestoreCheck), which asks every workflow started or moved since then for its
// state and writes the ones the store lacks or shows otherwise. The reconciler
// checks each unconfirmed write against its workflow and puts the workflow's state
// back, whichever of the two is ahead. It says how many rows it marked.
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
	if _, err := tx.ExecContext(ctx, `INSERT INTO restore_checks (since, marked_at) VALUES ($1, $2) ON CONFLICT (since) DO NOTHING`,
		since.UnixNano(), time.Now().UnixMilli()); err != nil {
		return 0, fmt.Errorf("store: recheck: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: recheck: %w", err)
	}
	return marked, nil
}

// RestoreCheck says since when the workflows are still to be checked after a
// restore (the earliest such time), and whether any are.
func (s *Store) RestoreCheck(ctx context.Context) (since time.Time, pending bool, err error) {
	var ns sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT min(since) FROM restore_checks`).Scan(&ns); err != nil {
		return time.Time{}, false, fmt.Errorf("store: restore check: %w", err)
	}
	if !ns.Valid {
		return time.Time{}, false, nil
	}
	return time.Unix(0, ns.Int64).UTC(), true, nil
}

// RestoreChecked records that every workflow started or moved since since has
// been checked: the restore checks up to since are done.
func (s *Store) RestoreChecked(ctx context.Context, since time.Time) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM restore_checks WHERE since <= $1`, since.UnixNano()); err != nil {
		return fmt.Errorf("store: restore checked: %w", err)
	}
	return nil
}

// Written says how the row of opinion or task id was last written — its origin
// and revision, as an UnconfirmedWrite to hand to Reconcile — and whether there
// is one.
func (s *Store) Written(ctx context.Context, id string) (w UnconfirmedWrite, found bool, err error) {
	var at int64
	err = s.r.QueryRowContext(ctx, `SELECT task_event, task_at, revision FROM `+itemTable(id)+` WHERE id = $1`, id).
		Scan(&w.Origin.TaskEvent, &at, &w.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return w, false, nil
	}
	if err != nil {
		return w, false, fmt.Errorf("store: written: %w", err)
	}
	w.OpinionID = id
	if at != 0 {
		w.Origin.At = time.Unix(0, at).UTC()
	}
	return w, true, nil
}

// Adopt writes durable, an opinion or task as its workflow holds it, when the
// store has no row for it — a workflow a restored Temporal has and the restored
// store, copied before it started, lacks — with its counts and timeline, as a
// projection does. It writes at the earliest origin, so any write of the workflow
// itself replaces it, and a row the workflow wrote meanwhile stands; written says
// whether it wrote.
func (s *Store) Adopt(ctx context.Context, durable domain.Opinion) (written bool, err error) {
	err = s.inProjection(ctx, durable.ID, func(tx *sql.Tx) error {
		written, err = s.writeItem(ctx, tx, durable, workflows.Origin{}, false)
		return err
	})
	return written, err
}
