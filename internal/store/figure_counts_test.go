package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// TestFigureCountsFollowEveryMove moves opinions between categories, departments,
// states, rungs, answers and records of what happened to them, stale revisions
// included, on every backend: the
// figures kept by the projections must equal the figures of each opinion's newest
// revision, counted here from their definitions, and a recount on reopening — with
// the quality figures by department too, when the request asks for them.
func TestFigureCountsFollowEveryMove(t *testing.T) {
	for _, bk := range backends {
		t.Run(bk.name, func(t *testing.T) {
			ctx := context.Background()
			dsn := bk.start(t).dsn(t)
			s, err := store.Open(dsn)
			require.NoError(t, err)
			const opinions = 40
			r := rand.New(rand.NewPCG(5, 9))
			newest := map[int]int{}
			for range 600 {
				id := r.IntN(opinions)
				rev := newest[id] + 1
				if newest[id] > 0 && r.IntN(5) == 0 {
					rev = 1 + r.IntN(newest[id]) // a replay changes nothing
				}
				require.NoError(t, s.ProjectOpinion(ctx, clusterVersion(id, rev)))
				newest[id] = max(newest[id], rev)
			}

			// want is what figure_counts keeps; deptQuality the quality figures by
			// department, which Figures also reads, from quality_counts, when asked.
			want, deptQuality := map[string]int{}, map[string]int{}
			addTo := func(m map[string]int, c, dimension, name, figure, value string, n int) {
				if n != 0 {
					m[strings.Join([]string{c, dimension, name, figure, value}, "|")] += n
				}
			}
			add := func(c, dimension, name, figure, value string, n int) {
				addTo(want, c, dimension, name, figure, value, n)
			}
			for id, rev := range newest {
				o := clusterVersion(id, rev)
				owed := o.State == domain.StateAssigned || o.State == domain.StateInProgress
				for _, d := range []struct{ dimension, name, figure, value string }{
					{store.DimensionCategory, o.Category, store.FigureState, string(o.State)},
					{store.DimensionDepartment, o.Department, store.FigureStage, store.Stage(o.State)},
				} {
					add(o.CampaignID, d.dimension, d.name, d.figure, d.value, 1)
					if owed && o.OverdueLevel.Rank() >= domain.LevelOverdue.Rank() {
						add(o.CampaignID, d.dimension, d.name, store.FigureLevel, string(o.OverdueLevel), 1)
					}
					if o.State == domain.StateClosed && o.OnTime {
						add(o.CampaignID, d.dimension, d.name, store.FigureClosedOnTime, "", 1)
					}
				}
				// The quality figures, as the stats' definitions count this one opinion.
				one := expectedCounts{}
				one.add("", o)
				q := one[""]
				kind := map[string]string{"": "", "team": "team"}[o.Target]
				if _, ok := map[string]bool{"": true, "team": true}[o.Target]; !ok {
					kind = "individual"
				}
				add(o.CampaignID, store.DimensionTargetKind, kind, store.FigureStage, store.Stage(o.State), 1)
				answers := map[string]int{}
				for _, c := range o.Callbacks {
					if c.First {
						answers[c.Satisfaction]++
					}
				}
				if len(o.Callbacks) == 0 && o.Satisfaction != "" {
					answers[o.Satisfaction]++
				}
				for answer, n := range answers {
					add(o.CampaignID, store.DimensionDepartment, o.Department, store.FigureSatisfaction, answer, n)
				}
				for _, d := range []struct {
					dimension, name string
					to              map[string]int
				}{
					{store.DimensionCategory, o.Category, want}, {store.DimensionTargetKind, kind, want},
					{store.DimensionDepartment, o.Department, deptQuality},
				} {
					add := func(c, dimension, name, figure, value string, n int) {
						addTo(d.to, c, dimension, name, figure, value, n)
					}
					if d.dimension != store.DimensionDepartment { // the department's calls are above
						for answer, n := range answers {
							add(o.CampaignID, d.dimension, d.name, store.FigureSatisfaction, answer, n)
						}
					}
					add(o.CampaignID, d.dimension, d.name, store.FigureEverLevel, "overdue", q.EverOverdue-q.EverSupervised)
					add(o.CampaignID, d.dimension, d.name, store.FigureEverLevel, "supervised", q.EverSupervised-q.EverAccountability)
					add(o.CampaignID, d.dimension, d.name, store.FigureEverLevel, "accountability", q.EverAccountability)
					add(o.CampaignID, d.dimension, d.name, store.FigureAssigned, "", q.Assigned)
					add(o.CampaignID, d.dimension, d.name, store.FigureExtended, "", q.Extended)
					add(o.CampaignID, d.dimension, d.name, store.FigureLateExtensions, "", q.LateExtensions)
					add(o.CampaignID, d.dimension, d.name, store.FigureVerified, "", q.Verified)
					add(o.CampaignID, d.dimension, d.name, store.FigureReworked, "", q.Reworked)
					add(o.CampaignID, d.dimension, d.name, store.FigureFirstPass, "", q.FirstPass)
					add(o.CampaignID, d.dimension, d.name, store.FigureAccepted, "", q.Accepted)
					add(o.CampaignID, d.dimension, d.name, store.FigureReopened, "", q.Reopened)
					if o.State == domain.StateClosed {
						add(o.CampaignID, d.dimension, d.name, store.FigureCloseWorkdays, fmt.Sprint(o.WorkingDaysToClose), 1)
					}
				}
			}
			got := func(s *store.Store, req store.FiguresRequest) map[string]int {
				f, err := s.Figures(ctx, req)
				require.NoError(t, err)
				out := map[string]int{}
				for _, g := range f.Groups {
					k := strings.Join([]string{g.CampaignID, g.Dimension, g.Name, g.Figure, g.Value}, "|")
					require.NotContains(t, out, k, "one row per figure")
					require.Positive(t, g.Count, "no row counts nothing: %s", k)
					out[k] = g.Count
				}
				return out
			}
			require.Equal(t, want, got(s, store.FiguresRequest{}), "kept by the projections")
			withDepartments := maps.Clone(want)
			maps.Copy(withDepartments, deptQuality)
			require.Greater(t, len(deptQuality), 20, "the opinions spread over many quality figures by department")
			require.Len(t, withDepartments, len(want)+len(deptQuality), "no department quality row is in figure_counts")
			require.Equal(t, withDepartments, got(s, store.FiguresRequest{DepartmentQuality: true}),
				"with the quality figures by department")
			require.Greater(t, len(want), 50, "the opinions spread over many figures")
			states := map[string]bool{}
			for k := range want {
				if strings.Contains(k, "|"+store.FigureState+"|") {
					states[k[strings.LastIndex(k, "|")+1:]] = true
				}
			}
			require.Len(t, states, len(domain.AllStates), "every state was counted: %v", slices.Sorted(maps.Keys(states)))
			require.NoError(t, s.Close())
			reopened := openAt(t, dsn)
			require.Equal(t, want, got(reopened, store.FiguresRequest{}), fmt.Sprintf("recounted by %s on reopening", bk.name))
			require.Equal(t, withDepartments, got(reopened, store.FiguresRequest{DepartmentQuality: true}),
				fmt.Sprintf("recounted by %s on reopening, with the quality figures by department", bk.name))
		})
	}
}
