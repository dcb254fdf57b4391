// Package store is rectify's reporting store: campaigns, and a projection of every
// opinion's state and timeline written by the workflows on each transition. Lists,
// the "most urgent first" order and exact figures come from here, never from
// Temporal visibility (eventually consistent, no ORDER BY, no GROUP BY).
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rectify/internal/campaign"
	"rectify/internal/domain"
)

// ErrNotFound is returned for an unknown campaign or opinion.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating something whose id is taken.
var ErrExists = errors.New("already exists")

// Store is the reporting store, on one SQLite file or in a PostgreSQL database that
// every process of a cluster shares.
type Store struct {
	d dialect
	w *sql.DB // writes
	r *sql.DB // reads; the same pool as w on PostgreSQL
	// sealer, when set, seals people's notification addresses (SealWith).
	sealer Sealer
	// written are the opinions this process projected last (ProjectedOpinion).
	written writtenOpinions
}

// schema is shared by both databases (dialect.schema adapts it). Times are Unix
// milliseconds; flags are 0 or 1.
const schema = `
CREATE TABLE IF NOT EXISTS campaigns (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	doc        TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS opinions (
	id            TEXT PRIMARY KEY,
	campaign_id   TEXT NOT NULL,
	key           TEXT NOT NULL,
	state         TEXT NOT NULL,
	category      TEXT NOT NULL,
	department    TEXT NOT NULL,
	official      TEXT NOT NULL,
	leader        TEXT NOT NULL,
	deadline      TEXT NOT NULL,
	overdue_level TEXT NOT NULL,
	urgency       INTEGER NOT NULL,
	level_rank    INTEGER NOT NULL,
	on_time       INTEGER NOT NULL,
	satisfaction  TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	closed_at     BIGINT NOT NULL,
	revision      INTEGER NOT NULL,
	doc           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS opinions_campaign ON opinions (campaign_id, state);
DROP INDEX IF EXISTS opinions_urgent;
DROP INDEX IF EXISTS opinions_official;
DROP INDEX IF EXISTS opinions_official_urgent;
-- The list order (query.go) as indexes, so a page of the most urgent is read in order
-- instead of sorting every match: of a campaign, of everything, and of the two halves
-- of what an official sees (their own items, their department's). Those two also
-- carry the columns an official's list filters on, so counting it reads no rows.
CREATE INDEX IF NOT EXISTS opinions_campaign_urgent ON opinions
	(campaign_id, urgency DESC, level_rank DESC, (deadline = ''), deadline, created_at, id);
CREATE INDEX IF NOT EXISTS opinions_all_urgent ON opinions
	(urgency DESC, level_rank DESC, (deadline = ''), deadline, created_at, id);
CREATE INDEX IF NOT EXISTS opinions_official_list ON opinions
	(official, urgency DESC, level_rank DESC, (deadline = ''), deadline, created_at, id, department, campaign_id);
CREATE INDEX IF NOT EXISTS opinions_department_list ON opinions
	(department, urgency DESC, level_rank DESC, (deadline = ''), deadline, created_at, id, campaign_id);
CREATE TABLE IF NOT EXISTS events (
	opinion_id TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	at         BIGINT NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	reason     TEXT NOT NULL,
	detail     TEXT NOT NULL,
	PRIMARY KEY (opinion_id, seq)
) WITHOUT ROWID;
`

// Open opens (and creates or migrates) the store: dsn is a SQLite file's path, or a
// postgres:// (postgresql://) URL. Several processes may open one store at once.
func Open(dsn string) (*Store, error) {
	s := &Store{d: sqlite}
	var err error
	if isPostgres(dsn) {
		s.d = postgres
		s.w, err = openPostgres(dsn)
		s.r = s.w
	} else {
		s.w, s.r, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
	}
	if err := s.migrate(context.Background()); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("store: open %s: %w", redact(dsn), err)
	}
	return s, nil
}

// migrate applies the schema's migrations the store has not had (migrate.go) and
// rebuilds the counts from the opinions, in one transaction under the rebuild lock:
// processes opening the store at the same moment take turns, and no projection
// lands between the rebuild's delete and its insert.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.d.lockRebuild != "" {
		if _, err := tx.ExecContext(ctx, s.d.lockRebuild); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
	}
	if err := s.applyMigrations(ctx, tx); err != nil {
		return err
	}
	if err := rebuildCounts(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// readOnly is how reads that take several statements run: on one snapshot (SQLite's
// read transactions always are; PostgreSQL's need repeatable read).
var readOnly = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}

// Close closes the store.
func (s *Store) Close() error {
	if s.r == s.w {
		return s.w.Close()
	}
	return errors.Join(s.r.Close(), s.w.Close())
}

// Ping checks the store answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// CreateCampaign stores a new campaign.
func (s *Store) CreateCampaign(ctx context.Context, c campaign.Campaign) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx,
		`INSERT INTO campaigns (id, name, doc, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`,
		c.ID, c.Name, string(doc), c.CreatedAt.UnixMilli())
	if err != nil {
		return fmt.Errorf("store: create campaign: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrExists
	}
	return nil
}

// Campaign returns one campaign.
func (s *Store) Campaign(ctx context.Context, id string) (campaign.Campaign, error) {
	var doc string
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM campaigns WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return campaign.Campaign{}, ErrNotFound
	}
	if err != nil {
		return campaign.Campaign{}, fmt.Errorf("store: campaign: %w", err)
	}
	var c campaign.Campaign
	return c, json.Unmarshal([]byte(doc), &c)
}

// Campaigns returns every campaign, newest first.
func (s *Store) Campaigns(ctx context.Context) ([]campaign.Campaign, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT doc FROM campaigns ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("store: campaigns: %w", err)
	}
	defer rows.Close()
	out := []campaign.Campaign{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var c campaign.Campaign
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// limited adds a LIMIT of n rows to q when n > 0 (0: all rows).
func limited(q string, args []any, n int) (string, []any) {
	if n <= 0 {
		return q, args
	}
	return q + fmt.Sprintf(" LIMIT $%d", len(args)+1), append(args, n)
}

// params collects a query's arguments, naming each $n as it is added.
type params []any

// add adds arguments and returns their names: "$3, $4, $5".
func (p *params) add(vs ...any) string {
	marks := make([]string, len(vs))
	for i, v := range vs {
		*p = append(*p, v)
		marks[i] = "$" + strconv.Itoa(len(*p))
	}
	return strings.Join(marks, ", ")
}

// urgency puts what an official owes now first, then what waits on someone else,
// then what is finished.
func urgency(s domain.State) int {
	switch s {
	case domain.StateAssigned, domain.StateInProgress:
		return 2
	case domain.StateClosed, domain.StateRejected, domain.StateMerged, domain.StateCancelled:
		return 0
	}
	return 1
}

// Opinion returns one opinion, or a problem's task (domain.IsTaskID), with its
// whole timeline.
func (s *Store) Opinion(ctx context.Context, id string) (domain.Opinion, error) {
	var doc string
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM `+itemTable(id)+` WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Opinion{}, ErrNotFound
	}
	if err != nil {
		return domain.Opinion{}, fmt.Errorf("store: opinion: %w", err)
	}
	var o domain.Opinion
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return o, err
	}
	rows, err := s.r.QueryContext(ctx, `
SELECT seq, at, actor, action, from_state, to_state, reason, detail FROM events
WHERE opinion_id = $1 AND seq <= $2 ORDER BY seq`, id, o.Revision)
	if err != nil {
		return o, fmt.Errorf("store: timeline: %w", err)
	}
	defer rows.Close()
	o.Timeline = []domain.Event{}
	for rows.Next() {
		var e domain.Event
		var at int64
		var d string
		if err := rows.Scan(&e.Seq, &at, &e.Actor, &e.Action, &e.From, &e.To, &e.Reason, &d); err != nil {
			return o, err
		}
		e.At = time.UnixMilli(at).UTC()
		if err := json.Unmarshal([]byte(d), &e.Detail); err != nil {
			return o, err
		}
		o.Timeline = append(o.Timeline, e)
	}
	return o, rows.Err()
}
