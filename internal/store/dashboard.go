package store

import (
	"context"
	"fmt"
	"time"

	"rectify/internal/domain"
)

// PublicItem is one line of a campaign's published results (公示): the issue and
// what was done about it. It has no field for a person — no submitter, phone,
// official or leader — so a page built from it cannot leak one.
type PublicItem struct {
	Content    string
	Category   string
	Measures   string
	Department string
	Deadline   string
	State      domain.State
	// ClosedAt is zero until the item is closed (销号).
	ClosedAt time.Time
}

// PublicResults lists a campaign's rectification items for publication: every
// opinion the office has categorized, except those rejected, merged or cancelled.
// Ordered by category, then closed items by the day they closed, then the rest by
// deadline. Only the published columns are read, never the whole document.
func (s *Store) PublicResults(ctx context.Context, campaignID string) ([]PublicItem, error) {
	rows, err := s.r.QueryContext(ctx, `
SELECT coalesce(`+s.d.jsonText("doc", "content")+`, ''), category, coalesce(`+s.d.jsonText("doc", "measures")+`, ''),
	department, deadline, state, closed_at
FROM opinions
WHERE campaign_id = $1 AND category != '' AND state NOT IN ('rejected', 'merged', 'cancelled')
ORDER BY category, state != 'closed', CASE WHEN state = 'closed' THEN closed_at ELSE 0 END,
	deadline = '', deadline, created_at, id`, campaignID)
	if err != nil {
		return nil, fmt.Errorf("store: public results: %w", err)
	}
	defer rows.Close()
	out := []PublicItem{}
	for rows.Next() {
		var it PublicItem
		var closedAt int64
		if err := rows.Scan(&it.Content, &it.Category, &it.Measures, &it.Department, &it.Deadline, &it.State, &closedAt); err != nil {
			return nil, fmt.Errorf("store: public results: %w", err)
		}
		if closedAt > 0 && it.State == domain.StateClosed {
			it.ClosedAt = time.UnixMilli(closedAt).UTC()
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
