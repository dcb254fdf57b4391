package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"rectify/internal/domain"
)

// EachOpinion calls fn with every opinion of a campaign (only those in states,
// when any are given) in the order they were collected, all read from one
// snapshot: an export taken while people work is still one consistent ledger.
// An opinion's timeline holds, in order, only its approved extensions (who
// approved them, when, and the deadlines before and after — a late one is named
// in the ledger) and the event that brought it to its state (with the reason it
// was rejected, cancelled or returned), not its whole history.
// It stops at fn's first error and returns it.
func (s *Store) EachOpinion(ctx context.Context, campaignID string, states []domain.State, fn func(domain.Opinion) error) error {
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return fmt.Errorf("store: read ledger: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return eachOpinion(ctx, tx, campaignID, states, fn)
}

// eachOpinion is EachOpinion read in tx, so a caller can read more of the same
// snapshot.
func eachOpinion(ctx context.Context, tx *sql.Tx, campaignID string, states []domain.State, fn func(domain.Opinion) error) error {
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
	extensions, err := approvedExtensions(ctx, tx, campaignID)
	if err != nil {
		return err
	}
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
		var o domain.Opinion
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return fmt.Errorf("store: read ledger: opinion document: %w", err)
		}
		o.Timeline = nil
		for _, e := range extensions[o.ID] {
			if e.Seq <= o.Revision && (!seq.Valid || e.Seq != int(seq.Int64)) {
				o.Timeline = append(o.Timeline, e)
			}
		}
		if seq.Valid {
			o.Timeline = append(o.Timeline, domain.Event{Seq: int(seq.Int64), At: time.UnixMilli(at.Int64).UTC(), Actor: actor.String,
				Action: domain.Action(action.String), From: domain.State(from.String), To: o.State, Reason: reason.String})
			slices.SortFunc(o.Timeline, func(a, b domain.Event) int { return cmp.Compare(a.Seq, b.Seq) })
		}
		if err := fn(o); err != nil {
			return err
		}
	}
	return rows.Err()
}

// approvedExtensions reads the approved extension decisions of a campaign's
// opinions, by opinion, in order.
func approvedExtensions(ctx context.Context, tx *sql.Tx, campaignID string) (map[string][]domain.Event, error) {
	rows, err := tx.QueryContext(ctx, `
SELECT e.opinion_id, e.seq, e.at, e.actor, e.action, e.from_state, e.to_state, e.reason, e.detail FROM events e
JOIN opinions o ON o.id = e.opinion_id
WHERE o.campaign_id = $1 AND e.action = $2 ORDER BY e.opinion_id, e.seq`, campaignID, domain.ActionDecideExtension)
	if err != nil {
		return nil, fmt.Errorf("store: read ledger: extensions: %w", err)
	}
	defer rows.Close()
	out := map[string][]domain.Event{}
	for rows.Next() {
		var id, detail string
		var at int64
		var e domain.Event
		if err := rows.Scan(&id, &e.Seq, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Reason, &detail); err != nil {
			return nil, fmt.Errorf("store: read ledger: extensions: %w", err)
		}
		if err := json.Unmarshal([]byte(detail), &e.Detail); err != nil {
			return nil, fmt.Errorf("store: read ledger: extensions: %w", err)
		}
		if e.Detail["approved"] != "true" {
			continue
		}
		e.At = time.UnixMilli(at).UTC()
		out[id] = append(out[id], e)
	}
	return out, rows.Err()
}
