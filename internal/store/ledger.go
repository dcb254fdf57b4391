package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"rectify/workflows"
)

// EachOpinion calls fn with every opinion of a campaign (only those in states,
// when any are given) in the order they were collected, all read from one
// snapshot: an export taken while people work is still one consistent ledger.
// An opinion's timeline holds only the event that brought it to its state (with
// the reason it was rejected, cancelled or returned), not its whole history.
// It stops at fn's first error and returns it.
func (s *Store) EachOpinion(ctx context.Context, campaignID string, states []workflows.State, fn func(workflows.Opinion) error) error {
	var p params
	query := `SELECT o.doc, e.seq, e.at, e.actor, e.action, e.from_state, e.reason FROM opinions o
LEFT JOIN events e ON e.opinion_id = o.id
	AND e.seq = (SELECT max(seq) FROM events WHERE opinion_id = o.id AND to_state = o.state)
WHERE o.campaign_id = ` + p.add(campaignID)
	if len(states) > 0 {
		in := make([]any, len(states))
		for i, st := range states {
			in[i] = st
		}
		query += ` AND o.state IN (` + p.add(in...) + `)`
	}
	query += ` ORDER BY o.created_at, o.id`
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return fmt.Errorf("store: read ledger: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	rows, err := tx.QueryContext(ctx, query, p...)
	if err != nil {
		return fmt.Errorf("store: read ledger: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var doc string
		var seq, at sql.NullInt64
		var actor, action, from, reason sql.NullString
		if err := rows.Scan(&doc, &seq, &at, &actor, &action, &from, &reason); err != nil {
			return fmt.Errorf("store: read ledger: %w", err)
		}
		var o workflows.Opinion
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return fmt.Errorf("store: read ledger: opinion document: %w", err)
		}
		o.Timeline = nil
		if seq.Valid {
			o.Timeline = []workflows.Event{{Seq: int(seq.Int64), At: time.UnixMilli(at.Int64).UTC(), Actor: actor.String,
				Action: workflows.Action(action.String), From: workflows.State(from.String), To: o.State, Reason: reason.String}}
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}
