package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"rectify/internal/campaign"
)

// campaignChangeSchema records every change to a campaign's settings, one row per
// field: who, when, and the value before and after as JSON. revision is the
// campaign's revision the change made; seq orders the fields of one change.
const campaignChangeSchema = `
CREATE TABLE IF NOT EXISTS campaign_changes (
	campaign_id TEXT NOT NULL,
	revision    INTEGER NOT NULL,
	seq         INTEGER NOT NULL,
	at          BIGINT NOT NULL,
	actor       TEXT NOT NULL,
	field       TEXT NOT NULL,
	old_value   TEXT NOT NULL,
	new_value   TEXT NOT NULL,
	PRIMARY KEY (campaign_id, revision, seq)
) WITHOUT ROWID;
`

// updateAttempts bounds how often UpdateCampaign starts over when another process
// changed the campaign between its read and its write.
const updateAttempts = 10

// UpdateCampaign changes the campaign id: edit gets the campaign as stored, changes
// it in place and returns the changes it made, which are stored with the campaign
// in one transaction. When edit returns no changes nothing is written; when it
// returns an error, that error. Two writers never overwrite each other's change:
// the write only lands on the document edit read (on PostgreSQL another process may
// have written since, and edit then runs again on what it wrote).
func (s *Store) UpdateCampaign(ctx context.Context, id string, edit func(*campaign.Campaign) ([]campaign.Change, error)) (campaign.Campaign, error) {
	for range updateAttempts {
		c, done, err := s.updateCampaign(ctx, id, edit)
		if done || err != nil {
			return c, err
		}
	}
	return campaign.Campaign{}, fmt.Errorf("store: update campaign %s: changed by others %d times in a row", id, updateAttempts)
}

func (s *Store) updateCampaign(ctx context.Context, id string, edit func(*campaign.Campaign) ([]campaign.Change, error)) (campaign.Campaign, bool, error) {
	var c campaign.Campaign
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return c, false, fmt.Errorf("store: update campaign: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var doc string
	err = tx.QueryRowContext(ctx, `SELECT doc FROM campaigns WHERE id = $1`, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, ErrNotFound
	}
	if err != nil {
		return c, false, fmt.Errorf("store: update campaign: %w", err)
	}
	if err := json.Unmarshal([]byte(doc), &c); err != nil {
		return c, false, err
	}
	changes, err := edit(&c)
	if err != nil || len(changes) == 0 {
		return c, true, err
	}
	next, err := json.Marshal(c)
	if err != nil {
		return c, false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE campaigns SET name = $1, doc = $2 WHERE id = $3 AND doc = $4`, c.Name, string(next), id, doc)
	if err != nil {
		return c, false, fmt.Errorf("store: update campaign: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return c, false, err // changed since it was read: start over
	}
	for i, ch := range changes {
		before, err := json.Marshal(ch.Before)
		if err != nil {
			return c, false, err
		}
		after, err := json.Marshal(ch.After)
		if err != nil {
			return c, false, err
		}
		if _, err := tx.ExecContext(ctx, `
INSERT INTO campaign_changes (campaign_id, revision, seq, at, actor, field, old_value, new_value)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, ch.Revision, i+1, ch.At.UnixMilli(), ch.Actor, ch.Field, string(before), string(after)); err != nil {
			return c, false, fmt.Errorf("store: record campaign change: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return c, false, fmt.Errorf("store: update campaign: %w", err)
	}
	return c, true, nil
}

// CampaignChanges returns the recorded changes to a campaign's settings, the most
// recent change first and its fields in the order they were recorded; at most limit
// fields (0: all).
func (s *Store) CampaignChanges(ctx context.Context, id string, limit int) ([]campaign.Change, error) {
	q := `SELECT revision, at, actor, field, old_value, new_value FROM campaign_changes
WHERE campaign_id = $1 ORDER BY revision DESC, seq`
	args := []any{id}
	q, args = limited(q, args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: campaign changes: %w", err)
	}
	defer rows.Close()
	out := []campaign.Change{}
	for rows.Next() {
		var ch campaign.Change
		var at int64
		var before, after string
		if err := rows.Scan(&ch.Revision, &at, &ch.Actor, &ch.Field, &before, &after); err != nil {
			return nil, err
		}
		ch.At = time.UnixMilli(at).UTC()
		if err := json.Unmarshal([]byte(before), &ch.Before); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(after), &ch.After); err != nil {
			return nil, err
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}
