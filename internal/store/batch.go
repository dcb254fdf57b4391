package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const batchSchema = `
CREATE TABLE IF NOT EXISTS batches (
	id              TEXT PRIMARY KEY,
	campaign_id     TEXT NOT NULL,
	doc             TEXT NOT NULL,
	state           TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_state ON batches (state);
CREATE TABLE IF NOT EXISTS batch_rows (
	batch_id TEXT NOT NULL,
	seq      INTEGER NOT NULL,
	opinion  TEXT NOT NULL,
	outcome  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_rejections (
	batch_id    TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	sheet       TEXT NOT NULL,
	line        INTEGER NOT NULL,
	column_name TEXT NOT NULL,
	code        TEXT NOT NULL,
	reason      TEXT NOT NULL,
	cells       TEXT NOT NULL,
	PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;
`

// Batch states.
const (
	BatchImporting = "importing"
	BatchDone      = "done"
	BatchRefused   = "refused"
)

// Outcomes of one accepted row of a batch.
const (
	OutcomeStarted        = "started"
	OutcomeAlreadyPresent = "already_present"
)

// Batch is one imported file and its progress. Counts of started and already present
// rows are derived from the rows' recorded outcomes, so they are exact whatever was
// retried.
type Batch struct {
	ID             string              `json:"id"`
	CampaignID     string              `json:"campaign_id"`
	FileName       string              `json:"file_name"`
	State          string              `json:"state"`
	Strict         bool                `json:"strict"`
	CreatedBy      string              `json:"created_by"`
	CreatedAt      time.Time           `json:"created_at"`
	FinishedAt     time.Time           `json:"finished_at,omitzero"`
	Rows           int                 `json:"rows"`
	Accepted       int                 `json:"accepted"`
	Rejected       int                 `json:"rejected"`
	Started        int                 `json:"started"`
	AlreadyPresent int                 `json:"already_present"`
	SkippedSheets  []string            `json:"skipped_sheets,omitempty"`
	Headers        map[string][]string `json:"headers,omitempty"`
}

// Rejection is one refused row with its original cells. Code names the broken rule
// in a bounded vocabulary (for figures); Reason explains it to a person.
type Rejection struct {
	Sheet  string   `json:"sheet"`
	Line   int      `json:"row"`
	Column string   `json:"column"`
	Code   string   `json:"code"`
	Reason string   `json:"reason"`
	Cells  []string `json:"cells"`
}

// BatchWriter writes a new batch's rows in short transactions, so a large import
// never holds the store's one writer for long; the batch itself is written last, and
// rows of a batch that is never committed are removed by Rollback.
type BatchWriter struct {
	s          *Store
	batch      Batch
	rows       [][]any
	rejections [][]any
	committed  bool
}

// flushEvery is how many rows one write transaction carries.
const flushEvery = 1000

// NewBatch begins writing a batch.
func (s *Store) NewBatch(_ context.Context, b Batch) (*BatchWriter, error) {
	return &BatchWriter{s: s, batch: b}, nil
}

// Accept adds an accepted row (any JSON-encodable opinion).
func (w *BatchWriter) Accept(ctx context.Context, opinion any) error {
	doc, err := json.Marshal(opinion)
	if err != nil {
		return err
	}
	w.rows = append(w.rows, []any{w.batch.ID, w.batch.Accepted, string(doc)})
	w.batch.Accepted++
	return w.flushIfFull(ctx)
}

// Reject adds a refused row.
func (w *BatchWriter) Reject(ctx context.Context, r Rejection) error {
	cells, err := json.Marshal(r.Cells)
	if err != nil {
		return err
	}
	w.rejections = append(w.rejections, []any{w.batch.ID, w.batch.Rejected, r.Sheet, r.Line, r.Column, r.Code, r.Reason, string(cells)})
	w.batch.Rejected++
	return w.flushIfFull(ctx)
}

func (w *BatchWriter) flushIfFull(ctx context.Context) error {
	if len(w.rows)+len(w.rejections) < flushEvery {
		return nil
	}
	return w.flush(ctx, nil)
}

// flush writes the buffered rows, and then runs last in the same transaction.
func (w *BatchWriter) flush(ctx context.Context, last func(*sql.Tx) error) error {
	tx, err := w.s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: batch rows: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, q := range []struct {
		sql  string
		args [][]any
	}{
		{`INSERT INTO batch_rows (batch_id, seq, opinion) VALUES ($1, $2, $3)`, w.rows},
		{`INSERT INTO batch_rejections (batch_id, seq, sheet, line, column_name, code, reason, cells) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, w.rejections},
	} {
		if len(q.args) == 0 {
			continue
		}
		stmt, err := tx.PrepareContext(ctx, q.sql)
		if err != nil {
			return err
		}
		for _, a := range q.args {
			if _, err := stmt.ExecContext(ctx, a...); err != nil {
				return fmt.Errorf("store: batch rows: %w", err)
			}
		}
	}
	if last != nil {
		if err := last(tx); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	w.rows, w.rejections = w.rows[:0], w.rejections[:0]
	return nil
}

// Commit stores the batch with its final counts and state.
func (w *BatchWriter) Commit(ctx context.Context, rows int, state string, skipped []string, headers map[string][]string) (Batch, error) {
	w.batch.Rows, w.batch.State, w.batch.SkippedSheets, w.batch.Headers = rows, state, skipped, headers
	doc, err := json.Marshal(w.batch)
	if err != nil {
		return w.batch, err
	}
	err = w.flush(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO batches (id, campaign_id, doc, state, created_at) VALUES ($1, $2, $3, $4, $5)`,
			w.batch.ID, w.batch.CampaignID, string(doc), state, w.batch.CreatedAt.UnixMilli())
		return err
	})
	if err != nil {
		return w.batch, fmt.Errorf("store: batch: %w", err)
	}
	w.committed = true
	return w.batch, nil
}

// Rollback removes what an uncommitted batch wrote; after Commit it does nothing.
func (w *BatchWriter) Rollback() {
	if w.committed {
		return
	}
	ctx := context.Background()
	_, _ = w.s.w.ExecContext(ctx, `DELETE FROM batch_rows WHERE batch_id = $1`, w.batch.ID)
	_, _ = w.s.w.ExecContext(ctx, `DELETE FROM batch_rejections WHERE batch_id = $1`, w.batch.ID)
}

// Batch returns a batch with its current counts.
func (s *Store) Batch(ctx context.Context, id string) (Batch, error) {
	var doc string
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM batches WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return Batch{}, ErrNotFound
	}
	if err != nil {
		return Batch{}, fmt.Errorf("store: batch: %w", err)
	}
	var b Batch
	if err := json.Unmarshal([]byte(doc), &b); err != nil {
		return b, err
	}
	rows, err := s.r.QueryContext(ctx, `SELECT outcome, count(*) FROM batch_rows WHERE batch_id = $1 AND outcome != '' GROUP BY outcome`, id)
	if err != nil {
		return b, fmt.Errorf("store: batch progress: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var outcome string
		var n int
		if err := rows.Scan(&outcome, &n); err != nil {
			return b, err
		}
		switch outcome {
		case OutcomeStarted:
			b.Started = n
		case OutcomeAlreadyPresent:
			b.AlreadyPresent = n
		}
	}
	return b, rows.Err()
}

// BatchesIn returns the ids of batches in a state (to resume imports after a restart).
func (s *Store) BatchesIn(ctx context.Context, state string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM batches WHERE state = $1 ORDER BY created_at`, state)
	if err != nil {
		return nil, fmt.Errorf("store: batches: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// FinishBatch marks a batch done (idempotent).
func (s *Store) FinishBatch(ctx context.Context, id string, at time.Time) error {
	b, err := s.Batch(ctx, id)
	if err != nil {
		return err
	}
	if b.State == BatchDone {
		return nil
	}
	b.State, b.FinishedAt = BatchDone, at
	b.Started, b.AlreadyPresent = 0, 0 // derived on read
	doc, err := json.Marshal(b)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `UPDATE batches SET doc = $1, state = $2 WHERE id = $3`, string(doc), BatchDone, id)
	return err
}

// PendingRow is an accepted row whose opinion has not been started yet.
type PendingRow struct {
	Seq     int
	Opinion json.RawMessage
}

// PendingRows returns the rows in [from, to) with no recorded outcome.
func (s *Store) PendingRows(ctx context.Context, batchID string, from, to int) ([]PendingRow, error) {
	rows, err := s.r.QueryContext(ctx, `
SELECT seq, opinion FROM batch_rows WHERE batch_id = $1 AND seq >= $2 AND seq < $3 AND outcome = '' ORDER BY seq`,
		batchID, from, to)
	if err != nil {
		return nil, fmt.Errorf("store: pending rows: %w", err)
	}
	defer rows.Close()
	var out []PendingRow
	for rows.Next() {
		var r PendingRow
		var doc string
		if err := rows.Scan(&r.Seq, &doc); err != nil {
			return nil, err
		}
		r.Opinion = json.RawMessage(doc)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordOutcomes writes what happened to rows of a batch; a row keeps its first outcome.
func (s *Store) RecordOutcomes(ctx context.Context, batchID string, outcomes map[int]string) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: outcomes: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `UPDATE batch_rows SET outcome = $1 WHERE batch_id = $2 AND seq = $3 AND outcome = ''`)
	if err != nil {
		return err
	}
	for seq, outcome := range outcomes {
		if _, err := stmt.ExecContext(ctx, outcome, batchID, seq); err != nil {
			return fmt.Errorf("store: outcome: %w", err)
		}
	}
	return tx.Commit()
}

// Rejections returns a batch's refused rows in file order, at most limit (0: all).
func (s *Store) Rejections(ctx context.Context, batchID string, limit int) ([]Rejection, error) {
	q := `SELECT sheet, line, column_name, code, reason, cells FROM batch_rejections WHERE batch_id = $1 ORDER BY seq`
	args := []any{batchID}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rejections: %w", err)
	}
	defer rows.Close()
	out := []Rejection{}
	for rows.Next() {
		var r Rejection
		var cells string
		if err := rows.Scan(&r.Sheet, &r.Line, &r.Column, &r.Code, &r.Reason, &cells); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(cells), &r.Cells); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// OpinionBatch reports whether an opinion is in the store and which batch started it.
func (s *Store) OpinionBatch(ctx context.Context, id string) (batchID string, found bool, err error) {
	var b sql.NullString
	err = s.r.QueryRowContext(ctx, `SELECT `+s.d.jsonText("doc", "batch_id")+` FROM opinions WHERE id = $1`, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: opinion batch: %w", err)
	}
	return b.String, true, nil
}
