package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rectify/internal/domain"
)

// reportSchema keeps the progress reports (整改进展情况) made for the supervising
// group: one per campaign and cut-off day, whoever asks twice. doc is the
// report's content as the service assembled it (its figures, changes and lists:
// facts, rendered per language when read), so a report reads the same forever.
const reportSchema = `
CREATE TABLE IF NOT EXISTS reports (
	id          TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL,
	cut_off     TEXT NOT NULL,
	made_at     BIGINT NOT NULL,
	made_by     TEXT NOT NULL,
	doc         TEXT NOT NULL,
	UNIQUE (campaign_id, cut_off)
);
`

// Report is one kept progress report: which campaign, its cut-off day (campaign-
// local YYYY-MM-DD), when and by whom it was made ("schedule" for the campaign's
// schedule), and its content (Doc, JSON).
type Report struct {
	ID         string    `json:"id"`
	CampaignID string    `json:"campaign_id"`
	CutOff     string    `json:"cut_off"`
	MadeAt     time.Time `json:"made_at"`
	MadeBy     string    `json:"made_by"`
	Doc        []byte    `json:"-"`
}

// ReportID is the id of campaign's report of cutOff: one per day, so the same
// report asked for twice is one.
func ReportID(campaignID, cutOff string) string { return "r-" + campaignID + "-" + cutOff }

// SaveReport keeps r unless the campaign has a report of its cut-off already, and
// in the same transaction puts notes in the notification outbox — only when it
// kept r, so a retried save tells nobody twice. It returns the report kept (r, or
// the one there before) and whether it was r.
func (s *Store) SaveReport(ctx context.Context, r Report, notes []domain.Notification) (Report, bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return r, false, fmt.Errorf("store: save report: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `
INSERT INTO reports (id, campaign_id, cut_off, made_at, made_by, doc) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING`, r.ID, r.CampaignID, r.CutOff, r.MadeAt.UnixMilli(), r.MadeBy, string(r.Doc))
	if err != nil {
		return r, false, fmt.Errorf("store: save report: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return r, false, fmt.Errorf("store: save report: %w", err)
	}
	if n == 0 {
		kept, err := readReport(ctx, tx, `campaign_id = $1 AND cut_off = $2`, r.CampaignID, r.CutOff)
		return kept, false, err
	}
	for _, note := range notes {
		body, err := json.Marshal(note)
		if err != nil {
			return r, false, err
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO notifications (key, opinion_id, body, status, attempts, created_at, due_at, settled_at, last_error, revision, event_at)
VALUES ($1, '', $2, 'pending', 0, $3, $3, 0, '', 0, 0) ON CONFLICT (key) DO NOTHING`,
			note.Key, string(body), r.MadeAt.UnixMilli()); err != nil {
			return r, false, fmt.Errorf("store: save report: notification: %w", err)
		}
	}
	return r, true, tx.Commit()
}

const reportColumns = `id, campaign_id, cut_off, made_at, made_by, doc`

type rowScanner interface{ Scan(...any) error }

func scanReport(row rowScanner) (Report, error) {
	var r Report
	var at int64
	var doc string
	if err := row.Scan(&r.ID, &r.CampaignID, &r.CutOff, &at, &r.MadeBy, &doc); err != nil {
		return r, err
	}
	r.MadeAt, r.Doc = time.UnixMilli(at).UTC(), []byte(doc)
	return r, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// readReport reads the one report where says, or ErrNotFound.
func readReport(ctx context.Context, q querier, where string, args ...any) (Report, error) {
	r, err := scanReport(q.QueryRowContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: report: %w", err)
	}
	return r, nil
}

// Report is the kept report id, or ErrNotFound.
func (s *Store) Report(ctx context.Context, id string) (Report, error) {
	return readReport(ctx, s.r, `id = $1`, id)
}

// ReportOf is campaign's kept report of cutOff, or ErrNotFound.
func (s *Store) ReportOf(ctx context.Context, campaignID, cutOff string) (Report, error) {
	return readReport(ctx, s.r, `campaign_id = $1 AND cut_off = $2`, campaignID, cutOff)
}

// ReportBefore is campaign's latest kept report with a cut-off before cutOff —
// the one a new report says what changed since — or ErrNotFound.
func (s *Store) ReportBefore(ctx context.Context, campaignID, cutOff string) (Report, error) {
	return readReport(ctx, s.r, `campaign_id = $1 AND cut_off < $2 ORDER BY cut_off DESC LIMIT 1`, campaignID, cutOff)
}

// Reports lists campaign's kept reports, latest cut-off first, without their
// content.
func (s *Store) Reports(ctx context.Context, campaignID string) ([]Report, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, campaign_id, cut_off, made_at, made_by, '' FROM reports
WHERE campaign_id = $1 ORDER BY cut_off DESC`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: reports: %w", err)
	}
	defer rows.Close()
	out := []Report{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("store: reports: %w", err)
		}
		r.Doc = nil
		out = append(out, r)
	}
	return out, rows.Err()
}

// Ledger reads a campaign's figures (Stats) and calls fn with its opinions in
// states (EachOpinion) from one snapshot, so a document that holds both — the
// 整改台账's sheets and summary, a progress report's figures and lists — agrees
// with itself even while people work.
func (s *Store) Ledger(ctx context.Context, campaignID string, states []domain.State, fn func(domain.Opinion) error) (Stats, error) {
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return Stats{}, fmt.Errorf("store: read ledger: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	st, err := stats(ctx, tx, campaignID)
	if err != nil {
		return st, err
	}
	return st, eachOpinion(ctx, tx, campaignID, states, fn)
}

// Slice adds up opinions' figures with the code Stats counts them with (the
// facts of each opinion, as the projection keeps them, tallied the same way): a
// slice the store keeps no counts for — an official's items, a problem's — gets
// figures that mean exactly what the dashboard's mean.
type Slice struct{ t *tally }

// NewSlice starts an empty slice named name.
func NewSlice(name string) *Slice { return &Slice{t: newTally(name)} }

// Add counts o in the slice.
func (f *Slice) Add(o domain.Opinion) {
	for _, r := range factsOf(o).rows(true) {
		f.t.add(r.figure, r.value, r.n)
	}
}

// Counts are the slice's figures, with its rates and median.
func (f *Slice) Counts() Counts { return f.t.counts() }

// LevelNow is the rung an opinion is counted at in the overdue figures (Counts'
// Overdue, Supervised, Accountability): its rung while an official owes the fix
// (assigned, in progress), none otherwise — so a list of them has the figures'
// number of items.
func LevelNow(o domain.Opinion) domain.OverdueLevel {
	if urgency(o.State) == 2 && o.OverdueLevel.Rank() > 0 {
		return o.OverdueLevel
	}
	return domain.LevelNone
}
