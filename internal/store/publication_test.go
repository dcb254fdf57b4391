package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// TestPublications runs on every backend: a publication is stored whole with its
// access-log entry, read back exactly as it was published whatever becomes of its
// opinions, listed newest first per campaign, and the database refuses to change
// or remove one.
func TestPublications(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			b := bk.start(t)
			dsn := b.dsn(t)
			s := openAt(t, dsn)
			ctx := context.Background()

			closedOn := time.Date(2026, 9, 3, 1, 0, 0, 0, time.UTC)
			mk := func(id string, state domain.State, category string, closed time.Time) domain.Opinion {
				o := newOpinion(id, "c1", state, 3)
				o.Category, o.Department, o.Measures, o.ClosedAt = category, "城管科", "更换灯具 "+id, closed
				return o
			}
			for _, o := range []domain.Opinion{
				mk("op-b", domain.StateClosed, "形式主义", closedOn.Add(time.Hour)),
				mk("op-a", domain.StateClosed, "形式主义", closedOn),
				mk("op-c", domain.StateClosed, "官僚主义", closedOn),
				mk("op-open", domain.StateInProgress, "形式主义", time.Time{}),
				mk("op-elsewhere", domain.StateClosed, "形式主义", closedOn),
			} {
				if o.ID == "op-elsewhere" {
					o.CampaignID = "c2"
				}
				require.NoError(t, s.ProjectOpinion(ctx, o))
			}

			ids := func(os []domain.Opinion) []string {
				var out []string
				for _, o := range os {
					out = append(out, o.ID)
				}
				return out
			}
			src, err := s.PublicationSources(ctx, "c1", []string{"官僚主义", "形式主义"}, nil)
			require.NoError(t, err)
			require.Equal(t, []string{"op-c", "op-a", "op-b"}, ids(src), "closed only, of this campaign, by category as asked, then by closing")
			src, err = s.PublicationSources(ctx, "c1", nil, []string{"op-open", "op-elsewhere", "op-a", "nope"})
			require.NoError(t, err)
			require.Equal(t, []string{"op-open", "op-a"}, ids(src), "picked ones of this campaign, in the order picked")

			at := time.Date(2026, 9, 10, 2, 0, 0, 0, time.UTC)
			p := store.Publication{ID: "pub-1", CampaignID: "c1", Title: "第一批整改公示", From: "2026-09-10", To: "2026-09-16",
				CreatedAt: at, CreatedBy: "office", Categories: []string{"形式主义"},
				Items: []store.PublicationItem{
					{Seq: 1, OpinionID: "op-a", Category: "形式主义", Content: "五保户邓某某家中漏雨", Measures: "已修缮", Department: "城管科", State: domain.StateClosed, ClosedOn: "2026-09-03"},
					{Seq: 2, OpinionID: "op-b", Category: "形式主义", Content: "路灯不亮", Measures: "已更换", Department: "城管科", State: domain.StateClosed, ClosedOn: "2026-09-03"},
				}}
			entry := store.AuditEntry{At: at, User: "office", Action: store.AuditPublish, Object: "pub-1",
				Detail: "POST /api/v1/campaigns/c1/publications", Count: 2, Client: "192.0.2.7"}
			require.NoError(t, s.CreatePublication(ctx, p, entry))
			require.ErrorIs(t, s.CreatePublication(ctx, p, entry), store.ErrExists)

			// The opinions change later; the publication does not.
			changed := mk("op-a", domain.StateInProgress, "形式主义", time.Time{})
			changed.Revision, changed.Timeline = 4, nil
			changed.Content = "改过的内容"
			require.NoError(t, s.ProjectOpinion(ctx, changed))

			got, err := s.Publication(ctx, "pub-1")
			require.NoError(t, err)
			p.Count = 2
			require.Equal(t, p, got)
			_, err = s.Publication(ctx, "pub-none")
			require.ErrorIs(t, err, store.ErrNotFound)

			second := store.Publication{ID: "pub-2", CampaignID: "c1", Title: "第二批", From: "2026-10-01", To: "2026-10-07",
				CreatedAt: at.Add(time.Hour), CreatedBy: "office", Opinions: []string{"op-c"},
				Items: []store.PublicationItem{{Seq: 1, OpinionID: "op-c", Category: "官僚主义", Content: "x", State: domain.StateClosed}}}
			require.NoError(t, s.CreatePublication(ctx, second, entry))
			list, err := s.Publications(ctx, "c1")
			require.NoError(t, err)
			require.Len(t, list, 2)
			require.Equal(t, "pub-2", list[0].ID, "newest first")
			require.Equal(t, []string{"op-c"}, list[0].Opinions)
			require.Equal(t, 2, list[1].Count)
			require.Nil(t, list[1].Items, "a list leaves the items out")
			none, err := s.Publications(ctx, "c2")
			require.NoError(t, err)
			require.Empty(t, none)

			page, err := s.AuditLog(ctx, store.AuditFilter{Action: store.AuditPublish})
			require.NoError(t, err)
			require.Len(t, page.Entries, 2, "each publication is in the access log")

			// A secret for the feedback form's challenges: one, shared by every process.
			k1, err := s.FeedbackSecret(ctx)
			require.NoError(t, err)
			k2, err := openAt(t, dsn).FeedbackSecret(ctx)
			require.NoError(t, err)
			require.Len(t, k1, 32)
			require.True(t, bytes.Equal(k1, k2))

			// Immutable, in the database itself.
			driver := map[string]string{"sqlite": "sqlite", "postgres": "pgx"}[b.name]
			db, err := sql.Open(driver, dsn)
			require.NoError(t, err)
			defer db.Close()
			for _, q := range []string{`UPDATE publications SET title = 'changed'`, `DELETE FROM publications WHERE id = 'pub-1'`} {
				_, err := db.ExecContext(ctx, q)
				require.ErrorContains(t, err, "append-only", q)
			}
			again, err := openAt(t, dsn).Publication(ctx, "pub-1")
			require.NoError(t, err)
			require.Equal(t, p, again)
		})
	}
}
