package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"rectify/internal/campaign"
	"rectify/internal/domain"
)

// Figures is one snapshot of everything rectify exports to Prometheus, read from the
// durable tables at scrape time: the counts of each category's and department's
// figures, the time-to-close distribution, and the imports. Nothing here is kept in
// memory between scrapes, so a restart, a replayed workflow or a retried activity
// cannot change a figure.
type Figures struct {
	Campaigns   []CampaignName
	Groups      []FigureGroup
	TimeToClose []CloseTimes
	Batches     []BatchFigures
}

// CampaignName is a campaign's id and display name, and its policy as it stands
// now: the speeds of its categories (SpeedOf).
type CampaignName struct {
	ID     string
	Name   string
	Policy domain.Policy
}

// FigureGroup counts the opinions of one category, department or kind of target
// of a campaign that have one figure: a state, a stage, a rung, closed on time, a
// quality figure — or the follow-up calls with an answer, the late extensions
// (figureSchema, quality.go). Summing FigureState over a campaign's categories
// counts every opinion of the campaign once; so does FigureStage over its
// departments, and over its kinds of target.
type FigureGroup struct {
	CampaignID string
	// Dimension is DimensionCategory, DimensionDepartment or DimensionTargetKind;
	// Name is the category, department or kind, empty for the opinions not yet
	// categorized or assigned, or whose target is not said.
	Dimension, Name string
	// Figure is one of the Figure… constants, Value which state, stage, rung,
	// answer or number of working days (empty for the others).
	Figure, Value string
	Count         int
}

// CloseTimes is the time-to-close distribution (created → closed) of one campaign's
// closed opinions.
type CloseTimes struct {
	CampaignID string
	// Buckets[i] counts the opinions that took at most CloseBounds[i]
	// and more than the bound before it (not cumulative); Buckets[len(bounds)]
	// counts the rest.
	Buckets []uint64
	Count   uint64
	// SumMillis is the total time taken, in milliseconds (what the store keeps).
	SumMillis int64
}

// BatchFigures are one stored import's row counts.
type BatchFigures struct {
	ID         string
	CampaignID string
	State      string
	Accepted   int
	Rejected   int
	// RejectedByCode counts refused rows by rule; nil when the request said the
	// batch is already known (a stored batch's rejections never change).
	RejectedByCode map[string]int
}

// FiguresRequest says how to cut the figures.
type FiguresRequest struct {
	// KnownBatch reports whether the caller already holds a batch's rejections
	// by code; those are not read again. Nil reads every batch's.
	KnownBatch func(id string) bool
	// DepartmentQuality also reads the quality figures of each department
	// (departmentQualityFigures) from quality_counts, which keeps them for the
	// API's stats; figure_counts has only a department's stages, rungs now,
	// closures on time and calls. That is a dozen rows or so more a department,
	// and one per number of working days its closed opinions took.
	DepartmentQuality bool
}

// departmentQualityFigures are the quality figures DepartmentQuality reads: those
// figure_counts keeps by category.
var departmentQualityFigures = []string{
	FigureEverLevel, FigureAssigned, FigureExtended, FigureLateExtensions, FigureVerified,
	FigureReworked, FigureFirstPass, FigureAccepted, FigureReopened, FigureOnTheSpot, FigureLongTerm, FigureCloseWorkdays,
}

// Figures reads the figures in one read-only transaction, so every number describes
// the same instant even while projections keep arriving.
func (s *Store) Figures(ctx context.Context, req FiguresRequest) (Figures, error) {
	var f Figures
	tx, err := s.r.BeginTx(ctx, readOnly)
	if err != nil {
		return f, fmt.Errorf("store: figures: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if f.Campaigns, err = campaignNames(ctx, tx); err != nil {
		return f, err
	}
	if f.Groups, f.TimeToClose, err = figureRows(ctx, tx); err != nil {
		return f, err
	}
	if req.DepartmentQuality {
		var p params
		where := `FROM quality_counts WHERE dimension = ` + p.add(DimensionDepartment) + ` AND figure IN (`
		for i, figure := range departmentQualityFigures {
			if i > 0 {
				where += ", "
			}
			where += p.add(figure)
		}
		dept, err := groupRows(ctx, tx, where+`)`, p...)
		if err != nil {
			return f, fmt.Errorf("store: figures, quality by department: %w", err)
		}
		f.Groups = append(f.Groups, dept...)
	}
	if f.Batches, err = batchFigures(ctx, tx, s.d, req.KnownBatch); err != nil {
		return f, err
	}
	return f, nil
}

func campaignNames(ctx context.Context, tx *sql.Tx) ([]CampaignName, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, doc FROM campaigns ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: figures, campaigns: %w", err)
	}
	defer rows.Close()
	var out []CampaignName
	for rows.Next() {
		var c CampaignName
		var doc string
		if err := rows.Scan(&c.ID, &c.Name, &doc); err != nil {
			return nil, err
		}
		var full campaign.Campaign
		if err := json.Unmarshal([]byte(doc), &full); err != nil {
			return nil, fmt.Errorf("store: figures, campaign %s: %w", c.ID, err)
		}
		c.Policy = full.Policy
		out = append(out, c)
	}
	return out, rows.Err()
}

// figureRows reads figure_counts and close_times, kept current by ProjectOpinion:
// about a row per series exported, however many opinions there are. The
// dimensions come joined in one text column, because the driver's cost is per
// column and per row.
func figureRows(ctx context.Context, tx *sql.Tx) ([]FigureGroup, []CloseTimes, error) {
	groups, err := groupRows(ctx, tx, `FROM figure_counts`)
	if err != nil {
		return nil, nil, fmt.Errorf("store: figures, opinions: %w", err)
	}
	times, err := closeTimes(ctx, tx)
	return groups, times, err
}

// groupRows reads the rows of a counts table (figure_counts, quality_counts) that
// from (FROM … WHERE …, with args) selects as FigureGroups.
func groupRows(ctx context.Context, tx *sql.Tx, from string, args ...any) ([]FigureGroup, error) {
	const sep = "\x1f"
	rows, err := tx.QueryContext(ctx, `
SELECT campaign_id || '`+sep+`' || dimension || '`+sep+`' || name || '`+sep+`' || figure || '`+sep+`' || value, count
`+from, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	groups := []FigureGroup{}
	var dims string
	var n int
	for rows.Next() {
		if err := rows.Scan(&dims, &n); err != nil {
			return nil, err
		}
		f := strings.Split(dims, sep)
		if len(f) != 5 {
			return nil, fmt.Errorf("unexpected row %q", dims)
		}
		groups = append(groups, FigureGroup{CampaignID: f[0], Dimension: f[1], Name: f[2], Figure: f[3], Value: f[4], Count: n})
	}
	return groups, rows.Err()
}

// closeTimes reads every campaign's time-to-close distribution.
func closeTimes(ctx context.Context, tx *sql.Tx) ([]CloseTimes, error) {
	rows, err := tx.QueryContext(ctx, `SELECT campaign_id, close_bucket, count, close_millis FROM close_times ORDER BY campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("store: figures, close times: %w", err)
	}
	defer rows.Close()
	out := []CloseTimes{}
	for rows.Next() {
		var id string
		var bucket, n int
		var millis int64
		if err := rows.Scan(&id, &bucket, &n, &millis); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].CampaignID != id {
			out = append(out, CloseTimes{CampaignID: id, Buckets: make([]uint64, len(CloseBounds)+1)})
		}
		c := &out[len(out)-1]
		c.Buckets[bucket] += uint64(n)
		c.Count += uint64(n)
		c.SumMillis += millis
	}
	return out, rows.Err()
}

// batchFigures reads the stored imports. Rows of a batch still being written have no
// batches row yet and are not counted, so counts only ever grow.
func batchFigures(ctx context.Context, tx *sql.Tx, d dialect, known func(string) bool) ([]BatchFigures, error) {
	rows, err := tx.QueryContext(ctx, `
SELECT id, campaign_id, state, CAST(`+d.jsonText("doc", "accepted")+` AS BIGINT), CAST(`+d.jsonText("doc", "rejected")+` AS BIGINT)
FROM batches ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("store: figures, batches: %w", err)
	}
	var out []BatchFigures
	for rows.Next() {
		var b BatchFigures
		var accepted, rejected int64
		if err := rows.Scan(&b.ID, &b.CampaignID, &b.State, &nullInt{&accepted}, &nullInt{&rejected}); err != nil {
			rows.Close()
			return nil, err
		}
		b.Accepted, b.Rejected = int(accepted), int(rejected)
		out = append(out, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		b := &out[i]
		if known != nil && known(b.ID) {
			continue
		}
		b.RejectedByCode = map[string]int{}
		if b.Rejected == 0 {
			continue
		}
		if err := rejectionCodes(ctx, tx, b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func rejectionCodes(ctx context.Context, tx *sql.Tx, b *BatchFigures) error {
	rows, err := tx.QueryContext(ctx, `SELECT code, count(*) FROM batch_rejections WHERE batch_id = $1 GROUP BY code`, b.ID)
	if err != nil {
		return fmt.Errorf("store: figures, rejections: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return err
		}
		b.RejectedByCode[code] = n
	}
	return rows.Err()
}

// nullInt scans a number that may be NULL (a field missing from a document) as 0.
type nullInt struct{ v *int64 }

func (n *nullInt) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*n.v = 0
	case int64:
		*n.v = x
	default:
		return fmt.Errorf("store: unexpected sum type %T", src)
	}
	return nil
}
