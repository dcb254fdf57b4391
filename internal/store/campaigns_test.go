package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/store"
)

// TestCampaignSettingsChanges runs on every backend: a change to a campaign's
// settings is stored with the record of what changed, one that changes nothing or
// is refused writes nothing, and concurrent changes all land, one revision each.
func TestCampaignSettingsChanges(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			s := bk.start(t).open(t)
			ctx := context.Background()
			c := campaign.Campaign{ID: "qz", Name: "群众路线", Policy: campaign.DefaultPolicy(), CreatedAt: time.Now().UTC()}
			c.Policy.Departments = []string{"城管科", "民政科"}
			require.NoError(t, campaign.Normalize(&c))
			require.NoError(t, s.CreateCampaign(ctx, c))

			at := time.Date(2026, 11, 20, 2, 30, 0, 0, time.UTC)
			patch := func(p campaign.Patch) func(*campaign.Campaign) ([]campaign.Change, error) {
				return func(c *campaign.Campaign) ([]campaign.Change, error) { return p.Apply(c, "office", at) }
			}
			name := "党的群众路线教育实践活动"
			got, err := s.UpdateCampaign(ctx, "qz", patch(campaign.Patch{
				Name:        &name,
				Departments: []campaign.ValueEdit{{Name: "城管科", Aliases: []string{"城市管理科"}}},
			}))
			require.NoError(t, err)
			require.Equal(t, 1, got.Revision)

			stored, err := s.Campaign(ctx, "qz")
			require.NoError(t, err)
			require.Equal(t, got, stored)
			require.Equal(t, name, stored.Name)
			require.Equal(t, []string{"城市管理科"}, stored.Policy.DepartmentAliases["城管科"])
			list, err := s.Campaigns(ctx)
			require.NoError(t, err)
			require.Equal(t, name, list[0].Name)

			changes, err := s.CampaignChanges(ctx, "qz", 0)
			require.NoError(t, err)
			require.Equal(t, []campaign.Change{
				{Revision: 1, At: at, Actor: "office", Field: "name", Before: "群众路线", After: name},
				{Revision: 1, At: at, Actor: "office", Field: "departments[城管科].aliases", Before: []any{}, After: []any{"城市管理科"}},
			}, changes)

			// Nothing to change, or a refused change: nothing written.
			_, err = s.UpdateCampaign(ctx, "qz", patch(campaign.Patch{Name: &name}))
			require.NoError(t, err)
			days := 0
			_, err = s.UpdateCampaign(ctx, "qz", patch(campaign.Patch{Policy: &campaign.PolicyEdit{SignWorkingDays: &days}}))
			var fe *campaign.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			again, err := s.Campaign(ctx, "qz")
			require.NoError(t, err)
			require.Equal(t, stored, again)
			changes, err = s.CampaignChanges(ctx, "qz", 0)
			require.NoError(t, err)
			require.Len(t, changes, 2)

			_, err = s.UpdateCampaign(ctx, "nope", patch(campaign.Patch{Name: &name}))
			require.ErrorIs(t, err, store.ErrNotFound)

			// Eight offices change the sign-in days at once: every change lands on the
			// one before it.
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					v := i + 2
					_, err := s.UpdateCampaign(ctx, "qz", patch(campaign.Patch{Policy: &campaign.PolicyEdit{SignWorkingDays: &v}}))
					require.NoError(t, err)
				})
			}
			wg.Wait()
			final, err := s.Campaign(ctx, "qz")
			require.NoError(t, err)
			require.Equal(t, 9, final.Revision)
			changes, err = s.CampaignChanges(ctx, "qz", 0)
			require.NoError(t, err)
			require.Len(t, changes, 10)
			require.Equal(t, 9, changes[0].Revision, "the most recent first")
			require.Equal(t, float64(final.Policy.SignWorkingDays), changes[0].After)
			for i := 0; i < 7; i++ {
				require.Equal(t, changes[i].Before, changes[i+1].After, "each change starts from the one before it")
			}
			latest, err := s.CampaignChanges(ctx, "qz", 3)
			require.NoError(t, err)
			require.Equal(t, changes[:3], latest)
		})
	}
}
