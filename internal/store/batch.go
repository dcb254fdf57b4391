package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rectify/internal/domain"
	"rectify/internal/web/i18n"
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
-- Where each accepted row came from (its place among all the file's rows, sheet, row
-- number, 序号, key column and cells) and its opinion's id: for the report's "already
-- there" list, a key conflict's entry in the rejected rows, and telling when every
-- opinion a batch started is in the store. existing_id is the opinion an "already
-- there" row was found to be.
CREATE TABLE IF NOT EXISTS batch_row_sources (
	batch_id    TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	ord         INTEGER NOT NULL,
	sheet       TEXT NOT NULL,
	line        INTEGER NOT NULL,
	serial      TEXT NOT NULL,
	key_column  TEXT NOT NULL,
	opinion_id  TEXT NOT NULL,
	existing_id TEXT NOT NULL DEFAULT '',
	cells       TEXT NOT NULL,
	PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS batch_warnings (
	batch_id    TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	n           INTEGER NOT NULL,
	column_name TEXT NOT NULL,
	code        TEXT NOT NULL,
	reason      TEXT NOT NULL,
	PRIMARY KEY (batch_id, seq, n)
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
	// OutcomeKeyConflict: the row's key belongs to an opinion that says something
	// else; the row is refused and joins the batch's rejected rows.
	OutcomeKeyConflict = "key_conflict"
)

// Batch is one imported file and its progress. Counts of started, already present
// and conflicting rows are derived from the rows' recorded outcomes, so they are
// exact whatever was retried.
type Batch struct {
	ID         string    `json:"id"`
	CampaignID string    `json:"campaign_id"`
	FileName   string    `json:"file_name"`
	State      string    `json:"state"`
	Strict     bool      `json:"strict"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Rows       int       `json:"rows"`
	// Accepted rows passed the file's checks and wait to be started; Rejected did not.
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// AcceptedWithWarnings counts accepted rows with a routing hint the campaign
	// does not know; WarningsTotal the warnings themselves (a row may have two).
	AcceptedWithWarnings int `json:"accepted_with_warnings"`
	WarningsTotal        int `json:"warnings_total"`
	// UnderWay counts accepted rows of items already under way (a ledger's state
	// column), which start where the ledger says they stand.
	UnderWay       int `json:"under_way"`
	Started        int `json:"started"`
	AlreadyPresent int `json:"already_present"`
	// KeyConflicts are accepted rows refused when their opinion was to be started.
	KeyConflicts int `json:"key_conflicts"`
	// Refused is every row not imported: Rejected and KeyConflicts.
	Refused       int                 `json:"refused"`
	SkippedSheets []string            `json:"skipped_sheets,omitempty"`
	Headers       map[string][]string `json:"headers,omitempty"`
}

// derived clears the counts that are read from the rows, before the batch is stored.
func (b Batch) derived() Batch {
	b.Started, b.AlreadyPresent, b.KeyConflicts, b.Refused = 0, 0, 0, 0
	return b
}

// Rejection is one refused row with its original cells. Code names the broken rule
// in a bounded vocabulary (for figures); Reason explains it to a person, kept as a
// message that i18n.Render words in the reader's language (in batches stored before,
// English text).
type Rejection struct {
	Sheet  string   `json:"sheet"`
	Line   int      `json:"row"`
	Column string   `json:"column"`
	Code   string   `json:"code"`
	Reason string   `json:"reason"`
	Cells  []string `json:"cells"`
}

// Warning is a routing hint of an accepted row that the campaign does not know: the
// row was imported, and triage confirms the value.
type Warning struct {
	Sheet  string `json:"sheet"`
	Line   int    `json:"row"`
	Serial string `json:"serial,omitempty"`
	Column string `json:"column"`
	Code   string `json:"code"`
	Reason string `json:"reason"`
}

// AcceptedRow is an accepted row of a file with where it came from.
type AcceptedRow struct {
	// Opinion is what the import starts (any JSON-encodable value).
	Opinion any
	// OpinionID is the id the opinion gets.
	OpinionID string
	Sheet     string
	Line      int
	// Serial is the row's 序号 as written, if any.
	Serial string
	// KeyColumn is the header of the column the key came from; "" for a key derived
	// from the content.
	KeyColumn string
	Cells     []string
	Warnings  []Warning
	// UnderWay marks the row of an item already under way.
	UnderWay bool
}

// BatchWriter writes a new batch's rows in short transactions, so a large import
// never holds the store's one writer for long; the batch itself is written last, and
// rows of a batch that is never committed are removed by Rollback.
type BatchWriter struct {
	s          *Store
	batch      Batch
	ord        int // rows written so far, accepted or not: a row's place in the file
	rows       [][]any
	sources    [][]any
	warnings   [][]any
	rejections [][]any
	committed  bool
}

// flushEvery is how many rows one write transaction carries.
const flushEvery = 1000

// NewBatch begins writing a batch.
func (s *Store) NewBatch(_ context.Context, b Batch) (*BatchWriter, error) {
	return &BatchWriter{s: s, batch: b}, nil
}

// Accept adds an accepted row (any JSON-encodable opinion) without its origin.
func (w *BatchWriter) Accept(ctx context.Context, opinion any) error {
	return w.AcceptRow(ctx, AcceptedRow{Opinion: opinion})
}

// AcceptRow adds an accepted row with where it came from and its warnings.
func (w *BatchWriter) AcceptRow(ctx context.Context, r AcceptedRow) error {
	doc, err := json.Marshal(r.Opinion)
	if err != nil {
		return err
	}
	seq := w.batch.Accepted
	w.rows = append(w.rows, []any{w.batch.ID, seq, string(doc)})
	if r.OpinionID != "" {
		cells, err := json.Marshal(nonNil(r.Cells))
		if err != nil {
			return err
		}
		w.sources = append(w.sources, []any{w.batch.ID, seq, w.ord, r.Sheet, r.Line, r.Serial, r.KeyColumn, r.OpinionID, string(cells)})
		for n, warn := range r.Warnings {
			w.warnings = append(w.warnings, []any{w.batch.ID, seq, n, warn.Column, warn.Code, warn.Reason})
		}
		if len(r.Warnings) > 0 {
			w.batch.AcceptedWithWarnings++
			w.batch.WarningsTotal += len(r.Warnings)
		}
	}
	if r.UnderWay {
		w.batch.UnderWay++
	}
	w.batch.Accepted++
	w.ord++
	return w.flushIfFull(ctx)
}

// Reject adds a refused row.
func (w *BatchWriter) Reject(ctx context.Context, r Rejection) error {
	cells, err := json.Marshal(r.Cells)
	if err != nil {
		return err
	}
	// Keyed by the row's place in the file, so rows refused later (key conflicts,
	// keyed by theirs) list in file order with these.
	w.rejections = append(w.rejections, []any{w.batch.ID, w.ord, r.Sheet, r.Line, r.Column, r.Code, r.Reason, string(cells)})
	w.batch.Rejected++
	w.ord++
	return w.flushIfFull(ctx)
}

func nonNil(cells []string) []string {
	if cells == nil {
		return []string{}
	}
	return cells
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
		{`INSERT INTO batch_row_sources (batch_id, seq, ord, sheet, line, serial, key_column, opinion_id, cells) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, w.sources},
		{`INSERT INTO batch_warnings (batch_id, seq, n, column_name, code, reason) VALUES ($1, $2, $3, $4, $5, $6)`, w.warnings},
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
	w.rows, w.sources, w.warnings, w.rejections = w.rows[:0], w.sources[:0], w.warnings[:0], w.rejections[:0]
	return nil
}

// Commit stores the batch with its final counts and state.
func (w *BatchWriter) Commit(ctx context.Context, rows int, state string, skipped []string, headers map[string][]string) (Batch, error) {
	w.batch.Rows, w.batch.State, w.batch.SkippedSheets, w.batch.Headers = rows, state, skipped, headers
	doc, err := json.Marshal(w.batch.derived())
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
	for _, table := range []string{"batch_rows", "batch_row_sources", "batch_warnings", "batch_rejections"} {
		_, _ = w.s.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE batch_id = $1`, w.batch.ID)
	}
}

// Batch returns a batch with its current counts.
func (s *Store) Batch(ctx context.Context, id string) (Batch, error) {
	var b Batch
	counts, err := readWithCounts(ctx, s.r, "batches", id, &b,
		`SELECT outcome, count(*) FROM batch_rows WHERE batch_id = $1 AND outcome != '' GROUP BY outcome`)
	if err != nil {
		return b, err
	}
	b.Started, b.AlreadyPresent, b.KeyConflicts = counts[OutcomeStarted], counts[OutcomeAlreadyPresent], counts[OutcomeKeyConflict]
	b.Refused = b.Rejected + b.KeyConflicts
	return b, nil
}

// reader is what readWithCounts reads through: the store's pool, or a transaction.
type reader interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readWithCounts reads the document of batch or bulk id (table) into doc, and
// the counts countQuery gives of its rows by outcome: a batch's or a bulk's
// progress is read from its rows, so it is exact whatever was retried. A missing
// one is ErrNotFound.
func readWithCounts(ctx context.Context, r reader, table, id string, doc any, countQuery string) (map[string]int, error) {
	var data string
	err := r.QueryRowContext(ctx, `SELECT doc FROM `+table+` WHERE id = $1`, id).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	if err := json.Unmarshal([]byte(data), doc); err != nil {
		return nil, err
	}
	rows, err := r.QueryContext(ctx, countQuery, id)
	if err != nil {
		return nil, fmt.Errorf("store: %s progress: %w", table, err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var outcome string
		var n int
		if err := rows.Scan(&outcome, &n); err != nil {
			return nil, err
		}
		counts[outcome] = n
	}
	return counts, rows.Err()
}

// BatchesIn returns the ids of batches in a state (to resume imports after a restart).
func (s *Store) BatchesIn(ctx context.Context, state string) ([]string, error) {
	return s.idsIn(ctx, "batches", state)
}

// idsIn returns the ids of the batches or bulks (table) in a state, oldest first.
func (s *Store) idsIn(ctx context.Context, table, state string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id FROM `+table+` WHERE state = $1 ORDER BY created_at, id`, state)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", table, err)
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
	if err != nil || b.State == BatchDone {
		return err
	}
	b.State, b.FinishedAt = BatchDone, at
	return s.saveState(ctx, "batches", id, b.State, b.derived())
}

// saveState writes the state of a batch or bulk (table) and its document.
func (s *Store) saveState(ctx context.Context, table, id, state string, doc any) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `UPDATE `+table+` SET doc = $1, state = $2 WHERE id = $3`, string(data), state, id)
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
	list := make([]RowOutcome, 0, len(outcomes))
	for seq, o := range outcomes {
		list = append(list, RowOutcome{Seq: seq, Outcome: o})
	}
	return s.RecordRowOutcomes(ctx, batchID, list)
}

// RowOutcome is what happened to one accepted row of a batch.
type RowOutcome struct {
	Seq     int
	Outcome string
	// Existing is the opinion an already present or conflicting row was found to be.
	Existing string
	// Reason explains a key conflict to the office.
	Reason string
}

// legacyConflictSeq places the refused entry of a conflicting row stored without its
// origin (before rows had one) after every rejection of its batch.
const legacyConflictSeq = 1 << 31

// RecordRowOutcomes writes what happened to rows of a batch, in one transaction; a
// row keeps its first outcome. A key conflict also becomes one of the batch's
// rejected rows, with the row's sheet, number, key column and cells.
func (s *Store) RecordRowOutcomes(ctx context.Context, batchID string, outcomes []RowOutcome) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: outcomes: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `UPDATE batch_rows SET outcome = $1 WHERE batch_id = $2 AND seq = $3 AND outcome = ''`)
	if err != nil {
		return err
	}
	for _, o := range outcomes {
		res, err := stmt.ExecContext(ctx, o.Outcome, batchID, o.Seq)
		if err != nil {
			return fmt.Errorf("store: outcome: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			continue // recorded before
		}
		if o.Existing != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE batch_row_sources SET existing_id = $1 WHERE batch_id = $2 AND seq = $3`,
				o.Existing, batchID, o.Seq); err != nil {
				return fmt.Errorf("store: outcome: %w", err)
			}
		}
		if o.Outcome != OutcomeKeyConflict {
			continue
		}
		res, err = tx.ExecContext(ctx, `
INSERT INTO batch_rejections (batch_id, seq, sheet, line, column_name, code, reason, cells)
SELECT batch_id, ord, sheet, line, CASE WHEN key_column = '' THEN 'key' ELSE key_column END, CAST($3 AS TEXT), CAST($4 AS TEXT), cells
FROM batch_row_sources WHERE batch_id = $1 AND seq = $2
ON CONFLICT DO NOTHING`, batchID, o.Seq, OutcomeKeyConflict, o.Reason)
		if err != nil {
			return fmt.Errorf("store: key conflict: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			if _, err := tx.ExecContext(ctx, `
INSERT INTO batch_rejections (batch_id, seq, sheet, line, column_name, code, reason, cells)
VALUES ($1, $2, '', 0, 'key', $3, $4, '[]') ON CONFLICT DO NOTHING`, batchID, legacyConflictSeq+o.Seq, OutcomeKeyConflict, o.Reason); err != nil {
				return fmt.Errorf("store: key conflict: %w", err)
			}
		}
	}
	return tx.Commit()
}

// Rejections returns a batch's refused rows in file order, at most limit (0: all).
func (s *Store) Rejections(ctx context.Context, batchID string, limit int) ([]Rejection, error) {
	q := `SELECT sheet, line, column_name, code, reason, cells FROM batch_rejections WHERE batch_id = $1 ORDER BY seq`
	args := []any{batchID}
	q, args = limited(q, args, limit)
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

// PresentRow is an accepted row whose opinion was already there: where it is in the
// file and the opinion it is.
type PresentRow struct {
	Sheet     string `json:"sheet"`
	Line      int    `json:"row"`
	Serial    string `json:"serial,omitempty"`
	OpinionID string `json:"opinion_id"`
}

// AlreadyPresentRows returns a batch's rows found already there, in file order, at
// most limit (0: all). Rows stored without their origin are not listed (they are
// counted in Batch.AlreadyPresent).
func (s *Store) AlreadyPresentRows(ctx context.Context, batchID string, limit int) ([]PresentRow, error) {
	q := `
SELECT s.sheet, s.line, s.serial, CASE WHEN s.existing_id = '' THEN s.opinion_id ELSE s.existing_id END
FROM batch_rows r JOIN batch_row_sources s ON s.batch_id = r.batch_id AND s.seq = r.seq
WHERE r.batch_id = $1 AND r.outcome = $2 ORDER BY s.ord`
	args := []any{batchID, OutcomeAlreadyPresent}
	q, args = limited(q, args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: rows already there: %w", err)
	}
	defer rows.Close()
	out := []PresentRow{}
	for rows.Next() {
		var p PresentRow
		if err := rows.Scan(&p.Sheet, &p.Line, &p.Serial, &p.OpinionID); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Warnings returns a batch's warnings in file order, at most limit (0: all).
func (s *Store) Warnings(ctx context.Context, batchID string, limit int) ([]Warning, error) {
	ws, _, err := s.warnings(ctx, batchID, limit)
	return ws, err
}

// warnings also returns each warning's row: its place in the file and its cells.
func (s *Store) warnings(ctx context.Context, batchID string, limit int) ([]Warning, []flaggedRow, error) {
	q := `
SELECT s.sheet, s.line, s.serial, w.column_name, w.code, w.reason, s.ord, s.cells
FROM batch_warnings w JOIN batch_row_sources s ON s.batch_id = w.batch_id AND s.seq = w.seq
WHERE w.batch_id = $1 ORDER BY s.ord, w.n`
	args := []any{batchID}
	q, args = limited(q, args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("store: warnings: %w", err)
	}
	defer rows.Close()
	out := []Warning{}
	var at []flaggedRow
	for rows.Next() {
		var w Warning
		var f flaggedRow
		var cells string
		if err := rows.Scan(&w.Sheet, &w.Line, &w.Serial, &w.Column, &w.Code, &w.Reason, &f.ord, &cells); err != nil {
			return nil, nil, err
		}
		if err := json.Unmarshal([]byte(cells), &f.cells); err != nil {
			return nil, nil, err
		}
		out = append(out, w)
		at = append(at, f)
	}
	return out, at, rows.Err()
}

type flaggedRow struct {
	ord   int
	cells []string
}

// Flagged is a row of the refused-rows-and-warnings file: a refused row, or an
// imported row with warnings (all of its warnings in one entry).
type Flagged struct {
	Rejection
	// Warning marks an imported row: Column and Reason name its warnings.
	Warning bool
}

// FlaggedRows returns a batch's refused rows (rejected by the file's checks or for a
// key conflict) and its imported rows with warnings, in file order.
func (s *Store) FlaggedRows(ctx context.Context, batchID string) ([]Flagged, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT seq, sheet, line, column_name, code, reason, cells FROM batch_rejections WHERE batch_id = $1 ORDER BY seq`, batchID)
	if err != nil {
		return nil, fmt.Errorf("store: rejections: %w", err)
	}
	type entry struct {
		ord int
		f   Flagged
	}
	var refused []entry
	for rows.Next() {
		var e entry
		var cells string
		if err := rows.Scan(&e.ord, &e.f.Sheet, &e.f.Line, &e.f.Column, &e.f.Code, &e.f.Reason, &cells); err != nil {
			rows.Close()
			return nil, err
		}
		if err := json.Unmarshal([]byte(cells), &e.f.Cells); err != nil {
			rows.Close()
			return nil, err
		}
		refused = append(refused, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	ws, at, err := s.warnings(ctx, batchID, 0)
	if err != nil {
		return nil, err
	}
	var warned []entry
	for i, w := range ws {
		if n := len(warned); n > 0 && warned[n-1].ord == at[i].ord {
			last := &warned[n-1].f
			last.Column += "; " + w.Column
			last.Reason = i18n.JoinStored(last.Reason, w.Reason)
			continue
		}
		warned = append(warned, entry{at[i].ord, Flagged{Rejection: Rejection{Sheet: w.Sheet, Line: w.Line, Column: w.Column,
			Code: w.Code, Reason: w.Reason, Cells: at[i].cells}, Warning: true}})
	}
	out := make([]Flagged, 0, len(refused)+len(warned))
	for len(refused) > 0 || len(warned) > 0 {
		if len(warned) == 0 || len(refused) > 0 && refused[0].ord <= warned[0].ord {
			out = append(out, refused[0].f)
			refused = refused[1:]
		} else {
			out = append(out, warned[0].f)
			warned = warned[1:]
		}
	}
	return out, nil
}

// StartedNotInStore counts the opinions a batch started that the reporting store
// does not have yet: an opinion is written there by its workflow's first task,
// shortly after its start, and a batch is done only once it shows every one.
func (s *Store) StartedNotInStore(ctx context.Context, batchID string) (int, error) {
	var missing int
	err := s.r.QueryRowContext(ctx, `
SELECT count(*) FROM batch_rows r JOIN batch_row_sources s ON s.batch_id = r.batch_id AND s.seq = r.seq
WHERE r.batch_id = $1 AND r.outcome = $2 AND NOT EXISTS (SELECT 1 FROM opinions o WHERE o.id = s.opinion_id)`,
		batchID, OutcomeStarted).Scan(&missing)
	if err != nil {
		return 0, fmt.Errorf("store: started opinions: %w", err)
	}
	// Rows stored without their origin: their opinion's id comes from their key.
	rows, err := s.r.QueryContext(ctx, `
SELECT b.campaign_id, `+s.d.jsonText("r.opinion", "key")+` FROM batch_rows r JOIN batches b ON b.id = r.batch_id
WHERE r.batch_id = $1 AND r.outcome = $2
AND NOT EXISTS (SELECT 1 FROM batch_row_sources s WHERE s.batch_id = r.batch_id AND s.seq = r.seq)`, batchID, OutcomeStarted)
	if err != nil {
		return 0, fmt.Errorf("store: started opinions: %w", err)
	}
	var ids []string
	for rows.Next() {
		var campaignID string
		var key sql.NullString
		if err := rows.Scan(&campaignID, &key); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, domain.OpinionID(campaignID, key.String))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, id := range ids {
		var one int
		err := s.r.QueryRowContext(ctx, `SELECT 1 FROM opinions WHERE id = $1`, id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			missing++
		} else if err != nil {
			return 0, fmt.Errorf("store: started opinions: %w", err)
		}
	}
	return missing, nil
}

// OpinionRecord returns an opinion as the store has it, without its timeline;
// found is false when the store does not have it (yet).
func (s *Store) OpinionRecord(ctx context.Context, id string) (o domain.Opinion, found bool, err error) {
	var doc string
	err = s.r.QueryRowContext(ctx, `SELECT doc FROM opinions WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return o, false, nil
	}
	if err != nil {
		return o, false, fmt.Errorf("store: opinion: %w", err)
	}
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return o, false, err
	}
	return o, true, nil
}
