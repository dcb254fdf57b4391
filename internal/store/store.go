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
	"net/url"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver

	"rectify/internal/campaign"
	"rectify/workflows"
)

// ErrNotFound is returned for an unknown campaign or opinion.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating something whose id is taken.
var ErrExists = errors.New("already exists")

// Store is the reporting store on one SQLite file (WAL): one writer connection,
// several readers, so lists and stats never wait behind projections.
type Store struct {
	w *sql.DB
	r *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS campaigns (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	doc        TEXT NOT NULL,
	created_at INTEGER NOT NULL
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
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	closed_at     INTEGER NOT NULL,
	revision      INTEGER NOT NULL,
	doc           TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS opinions_campaign ON opinions (campaign_id, state);
DROP INDEX IF EXISTS opinions_urgent;
DROP INDEX IF EXISTS opinions_official;
-- The list order (query.go) as indexes, so a page of the most urgent is read in order
-- instead of sorting the whole campaign.
CREATE INDEX IF NOT EXISTS opinions_campaign_urgent ON opinions
	(campaign_id, urgency DESC, level_rank DESC, deadline = '', deadline, created_at, id);
CREATE INDEX IF NOT EXISTS opinions_official_urgent ON opinions
	(official, urgency DESC, level_rank DESC, deadline = '', deadline, created_at, id);
CREATE INDEX IF NOT EXISTS opinions_urgent ON opinions
	(urgency DESC, level_rank DESC, deadline = '', deadline, created_at, id);
CREATE TABLE IF NOT EXISTS events (
	opinion_id TEXT NOT NULL,
	seq        INTEGER NOT NULL,
	at         INTEGER NOT NULL,
	actor      TEXT NOT NULL,
	action     TEXT NOT NULL,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	reason     TEXT NOT NULL,
	detail     TEXT NOT NULL,
	PRIMARY KEY (opinion_id, seq)
) WITHOUT ROWID;
`

// Open opens (and creates or migrates) the store at path.
func Open(path string) (*Store, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(10000)&_txlock=immediate"
	w, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	if _, err := w.Exec(schema + batchSchema + sessionSchema + groupSchema); err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: create schema in %s: %w", path, err)
	}
	if err := rebuildGroups(w); err != nil {
		_ = w.Close()
		return nil, err
	}
	r, err := sql.Open("sqlite", dsn+"&mode=ro")
	if err != nil {
		_ = w.Close()
		return nil, fmt.Errorf("store: open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	return &Store{w: w, r: r}, nil
}

// Close closes the store.
func (s *Store) Close() error {
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
		`INSERT INTO campaigns (id, name, doc, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
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
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM campaigns WHERE id = ?`, id).Scan(&doc)
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

// urgency puts what an official owes now first, then what waits on someone else,
// then what is finished.
func urgency(s workflows.State) int {
	switch s {
	case workflows.StateAssigned, workflows.StateInProgress:
		return 2
	case workflows.StateClosed, workflows.StateRejected, workflows.StateMerged, workflows.StateCancelled:
		return 0
	}
	return 1
}

// ProjectOpinion writes an opinion's state and timeline. A write whose revision is
// not newer than the stored one changes nothing, so replays and retries are harmless.
func (s *Store) ProjectOpinion(ctx context.Context, o workflows.Opinion) error {
	timeline := o.Timeline
	o.Timeline = nil
	doc, err := json.Marshal(o)
	if err != nil {
		return err
	}
	levelRank := 0
	if urgency(o.State) == 2 {
		levelRank = o.OverdueLevel.Rank()
	}
	var closedAt int64
	if !o.ClosedAt.IsZero() {
		closedAt = o.ClosedAt.UnixMilli()
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: project: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	old, stored, err := currentGroup(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `
INSERT INTO opinions (id, campaign_id, key, state, category, department, official, leader, deadline,
	overdue_level, urgency, level_rank, on_time, satisfaction, created_at, updated_at, closed_at, revision, doc)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
	state = excluded.state, category = excluded.category, department = excluded.department,
	official = excluded.official, leader = excluded.leader, deadline = excluded.deadline,
	overdue_level = excluded.overdue_level, urgency = excluded.urgency, level_rank = excluded.level_rank,
	on_time = excluded.on_time, satisfaction = excluded.satisfaction, updated_at = excluded.updated_at,
	closed_at = excluded.closed_at, revision = excluded.revision, doc = excluded.doc
WHERE excluded.revision > opinions.revision`,
		o.ID, o.CampaignID, o.Key, o.State, o.Category, o.Department, o.Official, o.Leader, o.Schedule.Deadline,
		o.OverdueLevel, urgency(o.State), levelRank, o.OnTime, o.Satisfaction, o.CreatedAt.UnixMilli(),
		o.UpdatedAt.UnixMilli(), closedAt, o.Revision, string(doc))
	if err != nil {
		return fmt.Errorf("store: project opinion: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n > 0 {
		// The write was newer than what was stored: move the opinion between groups.
		if stored {
			if err := moveGroup(ctx, tx, old, -1); err != nil {
				return err
			}
		}
		g := newGroup(o.CampaignID, o.Category, o.Department, string(o.State), levelRank, o.OnTime, o.Satisfaction,
			o.CreatedAt.UnixMilli(), closedAt)
		if err := moveGroup(ctx, tx, g, +1); err != nil {
			return err
		}
	}
	for _, e := range timeline {
		d, err := json.Marshal(e.Detail)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO events (opinion_id, seq, at, actor, action, from_state, to_state, reason, detail)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			o.ID, e.Seq, e.At.UnixMilli(), e.Actor, e.Action, e.From, e.To, e.Reason, string(d)); err != nil {
			return fmt.Errorf("store: project event: %w", err)
		}
	}
	return tx.Commit()
}

// Opinion returns one opinion with its whole timeline.
func (s *Store) Opinion(ctx context.Context, id string) (workflows.Opinion, error) {
	var doc string
	err := s.r.QueryRowContext(ctx, `SELECT doc FROM opinions WHERE id = ?`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return workflows.Opinion{}, ErrNotFound
	}
	if err != nil {
		return workflows.Opinion{}, fmt.Errorf("store: opinion: %w", err)
	}
	var o workflows.Opinion
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return o, err
	}
	rows, err := s.r.QueryContext(ctx, `
SELECT seq, at, actor, action, from_state, to_state, reason, detail FROM events
WHERE opinion_id = ? AND seq <= ? ORDER BY seq`, id, o.Revision)
	if err != nil {
		return o, fmt.Errorf("store: timeline: %w", err)
	}
	defer rows.Close()
	o.Timeline = []workflows.Event{}
	for rows.Next() {
		var e workflows.Event
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
