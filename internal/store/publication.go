package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"rectify/internal/domain"
)

// publicationSchema holds the publications (公示): each a snapshot, taken when the
// office published it, of what the public reads — the items' text already masked.
// A publication is never changed or removed (dialect.appendOnly): what was
// published stays what the public saw, whatever becomes of the opinions later.
// doc is the selection and the items as JSON; items counts them.
//
// publication_secret is one random key, shared by every process on the store, that
// signs the challenges of the public's feedback form.
const publicationSchema = `
CREATE TABLE IF NOT EXISTS publications (
	id          TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL,
	title       TEXT NOT NULL,
	from_date   TEXT NOT NULL,
	to_date     TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	created_by  TEXT NOT NULL,
	items       INTEGER NOT NULL,
	doc         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS publications_campaign ON publications (campaign_id, created_at);
CREATE TABLE IF NOT EXISTS publication_secret (
	id     INTEGER PRIMARY KEY,
	secret TEXT NOT NULL
);
`

// Publication is one 公示: a title, its period (公示期, From and To inclusive,
// campaign-local dates) and the items as they were published.
type Publication struct {
	ID         string    `json:"id"`
	CampaignID string    `json:"campaign_id"`
	Title      string    `json:"title"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
	// Categories or Opinions is what the office chose: the closed items of those
	// categories, or those opinions.
	Categories []string `json:"categories,omitempty"`
	Opinions   []string `json:"opinions,omitempty"`
	Count      int      `json:"count"`
	// Items are the published items, in their published order; Publications
	// leaves them out.
	Items []PublicationItem `json:"items,omitempty"`
}

// PublicationItem is one published item: what was reported and what was done,
// its text masked when it was published. Seq numbers it within the publication;
// the public names an item by it, never by its opinion's id.
type PublicationItem struct {
	Seq        int          `json:"seq"`
	OpinionID  string       `json:"opinion_id"`
	Category   string       `json:"category"`
	Content    string       `json:"content"`
	Measures   string       `json:"measures"`
	Department string       `json:"department"`
	State      domain.State `json:"state"`
	Deadline   string       `json:"deadline,omitempty"`
	ClosedOn   string       `json:"closed_on,omitempty"`
}

// publicationDoc is what a publication's doc column holds.
type publicationDoc struct {
	Categories []string          `json:"categories,omitempty"`
	Opinions   []string          `json:"opinions,omitempty"`
	Items      []PublicationItem `json:"items"`
}

// CreatePublication stores a new publication and the access log's entry of it in
// one transaction: both, or neither and an error. ErrExists when its id is taken.
func (s *Store) CreatePublication(ctx context.Context, p Publication, entry AuditEntry) error {
	doc, err := json.Marshal(publicationDoc{Categories: p.Categories, Opinions: p.Opinions, Items: p.Items})
	if err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: create publication: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `
INSERT INTO publications (id, campaign_id, title, from_date, to_date, created_at, created_by, items, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
		p.ID, p.CampaignID, p.Title, p.From, p.To, p.CreatedAt.UnixMilli(), p.CreatedBy, len(p.Items), string(doc))
	if err != nil {
		return fmt.Errorf("store: create publication: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrExists
	}
	if err := appendAudit(ctx, tx, entry); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: create publication: %w", err)
	}
	return nil
}

const publicationColumns = `id, campaign_id, title, from_date, to_date, created_at, created_by, items, doc`

// scanPublication reads a row of publicationColumns; the items only when withItems.
func scanPublication(row interface{ Scan(...any) error }, withItems bool) (Publication, error) {
	var p Publication
	var at int64
	var doc string
	if err := row.Scan(&p.ID, &p.CampaignID, &p.Title, &p.From, &p.To, &at, &p.CreatedBy, &p.Count, &doc); err != nil {
		return p, err
	}
	p.CreatedAt = time.UnixMilli(at).UTC()
	var d publicationDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return p, fmt.Errorf("store: publication %s: %w", p.ID, err)
	}
	p.Categories, p.Opinions = d.Categories, d.Opinions
	if withItems {
		p.Items = d.Items
	}
	return p, nil
}

// Publication returns one publication with its items; ErrNotFound when there is none.
func (s *Store) Publication(ctx context.Context, id string) (Publication, error) {
	p, err := scanPublication(s.r.QueryRowContext(ctx, `SELECT `+publicationColumns+` FROM publications WHERE id = $1`, id), true)
	if errors.Is(err, sql.ErrNoRows) {
		return Publication{}, ErrNotFound
	}
	if err != nil {
		return Publication{}, fmt.Errorf("store: publication: %w", err)
	}
	return p, nil
}

// Publications lists a campaign's publications, newest first, without their items.
func (s *Store) Publications(ctx context.Context, campaignID string) ([]Publication, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+publicationColumns+` FROM publications
WHERE campaign_id = $1 ORDER BY created_at DESC, id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: publications: %w", err)
	}
	defer rows.Close()
	out := []Publication{}
	for rows.Next() {
		p, err := scanPublication(rows, false)
		if err != nil {
			return nil, fmt.Errorf("store: publications: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PublicationSources reads what a publication is made of: the campaign's closed
// opinions of the categories given, by category in the order given and then by
// the day they closed; or, with ids, those of the campaign's opinions in the
// order given (an id not among them is left out: the caller compares). Without
// their timelines.
func (s *Store) PublicationSources(ctx context.Context, campaignID string, categories, ids []string) ([]domain.Opinion, error) {
	var p params
	q := `SELECT doc FROM opinions WHERE campaign_id = ` + p.add(campaignID)
	switch {
	case len(ids) > 0:
		q += ` AND id IN (` + p.add(anySlice(ids)...) + `)`
	case len(categories) > 0:
		q += ` AND state = 'closed' AND category IN (` + p.add(anySlice(categories)...) + `) ORDER BY closed_at, id`
	default:
		return []domain.Opinion{}, nil
	}
	rows, err := s.r.QueryContext(ctx, q, p...)
	if err != nil {
		return nil, fmt.Errorf("store: publication sources: %w", err)
	}
	defer rows.Close()
	var found []domain.Opinion
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("store: publication sources: %w", err)
		}
		var o domain.Opinion
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return nil, fmt.Errorf("store: publication sources: %w", err)
		}
		found = append(found, o)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The order asked for: the ids', or the categories' (closing order within each).
	order := ids
	key := func(o domain.Opinion) string { return o.ID }
	if len(ids) == 0 {
		order = categories
		key = func(o domain.Opinion) string { return o.Category }
	}
	out := []domain.Opinion{}
	for _, want := range order {
		for _, o := range found {
			if key(o) == want {
				out = append(out, o)
			}
		}
	}
	return out, nil
}

// FeedbackSecret is the key that signs the challenges of the public's feedback
// form: made at random the first time any process asks, the same for all after.
func (s *Store) FeedbackSecret(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO publication_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`,
		base64.StdEncoding.EncodeToString(b)); err != nil {
		return nil, fmt.Errorf("store: feedback secret: %w", err)
	}
	var secret string
	if err := s.w.QueryRowContext(ctx, `SELECT secret FROM publication_secret WHERE id = 1`).Scan(&secret); err != nil {
		return nil, fmt.Errorf("store: feedback secret: %w", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(secret))
	if err != nil {
		return nil, fmt.Errorf("store: feedback secret: %w", err)
	}
	return key, nil
}
