package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

const payloadKeySchema = `
CREATE TABLE IF NOT EXISTS payload_keys (
	id            TEXT PRIMARY KEY,
	first_used_at BIGINT NOT NULL
);
`

// CheckPayloadKeys makes sure this process's payload key file is the installation's:
// it refuses a key ring that holds none of the keys recorded as having encrypted
// this installation's histories (a lost key file replaced by a new one would leave
// every running opinion unreadable), then records the ring's newest key.
func (s *Store) CheckPayloadKeys(ctx context.Context, ids []string, newest string, now time.Time) error {
	rows, err := s.w.QueryContext(ctx, `SELECT id FROM payload_keys ORDER BY first_used_at`)
	if err != nil {
		return fmt.Errorf("store: payload keys: %w", err)
	}
	var used []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: payload keys: %w", err)
		}
		used = append(used, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: payload keys: %w", err)
	}
	if len(used) > 0 && !slices.ContainsFunc(used, func(id string) bool { return slices.Contains(ids, id) }) {
		return fmt.Errorf("the payload key file holds none of the keys this installation's histories were encrypted with (%s): restore the key file from your backup", strings.Join(used, ", "))
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO payload_keys (id, first_used_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		newest, now.UnixMilli()); err != nil {
		return fmt.Errorf("store: payload keys: %w", err)
	}
	return nil
}
