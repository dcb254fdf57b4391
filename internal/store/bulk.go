package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"rectify/internal/domain"
)

// A bulk is one action taken on many opinions at once (categorize, assign, merge,
// reject, cancel in triage). Its items are written with it, in one transaction,
// and each records what became of its opinion, so the process that works through
// them can be killed at any point and resumed without acting on an opinion twice
// or losing an answer.
const bulkSchema = `
CREATE TABLE IF NOT EXISTS bulks (
	id          TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL,
	doc         TEXT NOT NULL,
	state       TEXT NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS bulks_state ON bulks (state);
CREATE TABLE IF NOT EXISTS bulk_items (
	bulk_id    TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	opinion_id TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT '',
	code       TEXT NOT NULL DEFAULT '',
	message    TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (bulk_id, seq)
) WITHOUT ROWID;
`

// Bulk states.
const (
	BulkRunning = "running"
	BulkDone    = "done"
)

// What became of one opinion of a bulk (BulkItem.Status).
const (
	// BulkItemWaiting: not acted on yet.
	BulkItemWaiting = ""
	// BulkItemSent: its action passed the checks and was sent to the opinion's
	// workflow; whether the workflow took it is not recorded yet. A resumed bulk
	// sends it again under the same update id, which the workflow answers once.
	BulkItemSent = "sent"
	// BulkItemDone: the action was taken.
	BulkItemDone = "done"
	// BulkItemRefused: the action was refused, for Code and Message.
	BulkItemRefused = "refused"
)

// Bulk is one action taken on many opinions, and its progress. The counts are
// read from the items, so they are exact whatever was retried.
type Bulk struct {
	ID         string            `json:"id"`
	CampaignID string            `json:"campaign_id"`
	Action     domain.Action     `json:"action"`
	Body       domain.ActionBody `json:"body"`
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
	FinishedAt time.Time         `json:"finished_at,omitzero"`
	State      string            `json:"state"`
	// Total is the number of opinions; Done those acted on, Refused those whose
	// action was refused; the rest are waiting.
	Total   int `json:"total"`
	Done    int `json:"done"`
	Refused int `json:"refused"`
}

// BulkItem is one opinion of a bulk and what became of it.
type BulkItem struct {
	Seq       int    `json:"seq"`
	OpinionID string `json:"id"`
	Status    string `json:"status"`
	Code      string `json:"code,omitempty"`
	Message   string `json:"message,omitempty"`
}

// stored is the bulk as its document keeps it: without the counts.
func (b Bulk) stored() Bulk {
	b.Done, b.Refused = 0, 0
	return b
}

// CreateBulk stores a bulk and its opinions, in order, in one transaction; Total
// is the number of opinions.
func (s *Store) CreateBulk(ctx context.Context, b Bulk, opinionIDs []string) (Bulk, error) {
	b.Total, b.State = len(opinionIDs), BulkRunning
	doc, err := json.Marshal(b.stored())
	if err != nil {
		return b, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return b, fmt.Errorf("store: bulk: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `INSERT INTO bulks (id, campaign_id, doc, state, created_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO NOTHING`, b.ID, b.CampaignID, string(doc), b.State, b.CreatedAt.UnixMilli())
	if err != nil {
		return b, fmt.Errorf("store: bulk: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return b, ErrExists
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bulk_items (bulk_id, seq, opinion_id) VALUES ($1, $2, $3)`)
	if err != nil {
		return b, fmt.Errorf("store: bulk items: %w", err)
	}
	for seq, id := range opinionIDs {
		if _, err := stmt.ExecContext(ctx, b.ID, seq, id); err != nil {
			return b, fmt.Errorf("store: bulk items: %w", err)
		}
	}
	return b, tx.Commit()
}

// Bulk returns a bulk with its current counts, read together.
func (s *Store) Bulk(ctx context.Context, id string) (Bulk, error) {
	var b Bulk
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return b, fmt.Errorf("store: bulk: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	counts, err := readWithCounts(ctx, tx, "bulks", id, &b, `SELECT status, count(*) FROM bulk_items WHERE bulk_id = $1 GROUP BY status`)
	if err != nil {
		return b, err
	}
	b.Done, b.Refused = counts[BulkItemDone], counts[BulkItemRefused]
	return b, nil
}

// BulksIn returns the ids of the bulks in a state, oldest first (to resume the
// running ones after a restart).
func (s *Store) BulksIn(ctx context.Context, state string) ([]string, error) {
	return s.idsIn(ctx, "bulks", state)
}

// BulkItems returns the bulk's items from seq from up to (not including) to, in
// order; to < 0 reads to the end.
func (s *Store) BulkItems(ctx context.Context, bulkID string, from, to int) ([]BulkItem, error) {
	q := `SELECT seq, opinion_id, status, code, message FROM bulk_items WHERE bulk_id = $1 AND seq >= $2`
	args := []any{bulkID, from}
	if to >= 0 {
		q += ` AND seq < $3`
		args = append(args, to)
	}
	return s.bulkItems(ctx, q+` ORDER BY seq`, args...)
}

// RefusedBulkItems returns the first limit items of a bulk whose action was
// refused, in order: the ones a person has to look at again.
func (s *Store) RefusedBulkItems(ctx context.Context, bulkID string, limit int) ([]BulkItem, error) {
	return s.bulkItems(ctx, `SELECT seq, opinion_id, status, code, message FROM bulk_items
WHERE bulk_id = $1 AND status = $2 ORDER BY seq LIMIT $3`, bulkID, BulkItemRefused, limit)
}

func (s *Store) bulkItems(ctx context.Context, q string, args ...any) ([]BulkItem, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: bulk items: %w", err)
	}
	defer rows.Close()
	out := []BulkItem{}
	for rows.Next() {
		var it BulkItem
		if err := rows.Scan(&it.Seq, &it.OpinionID, &it.Status, &it.Code, &it.Message); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// MarkBulkItemSent records that an item's action is being sent to its workflow;
// an item with an outcome keeps it.
func (s *Store) MarkBulkItemSent(ctx context.Context, bulkID string, seq int) error {
	_, err := s.w.ExecContext(ctx, `UPDATE bulk_items SET status = $1 WHERE bulk_id = $2 AND seq = $3 AND status IN ($4, $5)`,
		BulkItemSent, bulkID, seq, BulkItemWaiting, BulkItemSent)
	if err != nil {
		return fmt.Errorf("store: bulk item sent: %w", err)
	}
	return nil
}

// RecordBulkOutcomes writes what became of items (BulkItemDone or
// BulkItemRefused); an item keeps its first outcome.
func (s *Store) RecordBulkOutcomes(ctx context.Context, bulkID string, items []BulkItem) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: bulk outcomes: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, it := range items {
		if it.Status != BulkItemDone && it.Status != BulkItemRefused {
			return fmt.Errorf("store: bulk outcomes: item %d has no outcome (%q)", it.Seq, it.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE bulk_items SET status = $1, code = $2, message = $3
WHERE bulk_id = $4 AND seq = $5 AND status IN ($6, $7)`, it.Status, it.Code, it.Message, bulkID, it.Seq, BulkItemWaiting, BulkItemSent); err != nil {
			return fmt.Errorf("store: bulk outcomes: %w", err)
		}
	}
	return tx.Commit()
}

// FinishBulk marks a bulk done (idempotent).
func (s *Store) FinishBulk(ctx context.Context, id string, at time.Time) error {
	b, err := s.Bulk(ctx, id)
	if err != nil || b.State == BulkDone {
		return err
	}
	b.State, b.FinishedAt = BulkDone, at
	return s.saveState(ctx, "bulks", id, b.State, b.stored())
}
