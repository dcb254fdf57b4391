package store_test

import (
	"context"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to reach a PostgreSQL store directly
	"github.com/stretchr/testify/require"

	"rectify/internal/campaign"
	"rectify/internal/domain"
	"rectify/internal/store"
)

// qualityCase is a campaign of four opinions whose figures are worked out by hand
// in testQualityFiguresByHand — among them the two records once laundered.
func qualityCase() []domain.Opinion {
	yes, no := true, false
	round := func(passed *bool) domain.Round {
		return domain.Round{Measures: "整改", SubmittedBy: "official", SubmittedAt: base, Passed: passed}
	}
	call := func(answer string, first bool) domain.Callback {
		return domain.Callback{At: base, By: "office", Satisfaction: answer, First: first}
	}
	// A: dissatisfied at the first follow-up, reopened, fixed again, then
	// "basically satisfied" — both answers count (seen: 满意 1 / 已回访 1).
	a := newOpinion("a", "c1", domain.StateClosed, 12)
	a.Category, a.Department, a.Leader, a.Target = "形式主义", "城管科", "liu", "team"
	a.Rounds = []domain.Round{round(&yes), round(&yes)}
	a.Callbacks = []domain.Callback{call(domain.SatisfactionDissatisfied, true), call(domain.SatisfactionBasically, true)}
	a.Satisfaction, a.Reopens, a.OnTime, a.WorkingDaysToClose = domain.SatisfactionBasically, 1, true, 12
	a.Schedule.Deadline = "2026-10-10"
	// B: reached 问责, then a late extension put it back on time on paper: it
	// closed at rung none, and still counts as ever at 问责 (seen: 0 问责).
	b := newOpinion("b", "c1", domain.StateClosed, 9)
	b.Category, b.Department, b.Leader, b.Target = "群众需要解决的问题", "民政科", "liu", "张局长"
	b.HighestLevel, b.HighestLevelAt = domain.LevelAccountability, base.Add(time.Hour)
	b.Extensions, b.LateExtensions = 1, 1
	b.Rounds = []domain.Round{round(&yes)}
	b.Callbacks = []domain.Callback{call(domain.SatisfactionSatisfied, true)}
	b.Satisfaction, b.WorkingDaysToClose = domain.SatisfactionSatisfied, 20
	// C: sent back once, still being fixed, was overdue and is due soon again.
	c := newOpinion("c", "c1", domain.StateInProgress, 7)
	c.Category, c.Department, c.Leader, c.Target = "制度漏洞", "城管科", "chen", "individual"
	c.HighestLevel, c.OverdueLevel, c.ReworkCount = domain.LevelOverdue, domain.LevelDueSoon, 1
	c.Rounds = []domain.Round{round(&no)}
	// D: passed at its second round; a second call after the same closure is kept
	// but not counted.
	d := newOpinion("d", "c1", domain.StateClosed, 10)
	d.Category, d.Department, d.Leader, d.Target = "形式主义", "民政科", "chen", "team"
	d.Rounds = []domain.Round{round(&no), round(&yes)}
	d.ReworkCount = 1
	d.Callbacks = []domain.Callback{call(domain.SatisfactionSatisfied, true), call(domain.SatisfactionDissatisfied, false)}
	d.Satisfaction, d.WorkingDaysToClose = domain.SatisfactionDissatisfied, 5
	return []domain.Opinion{a, b, c, d}
}

func testQualityFiguresByHand(t *testing.T, bk backend) {
	ctx := context.Background()
	dsn := bk.dsn(t)
	s, err := store.Open(dsn)
	require.NoError(t, err)
	require.NoError(t, s.CreateCampaign(ctx, campaign.Campaign{ID: "c1", Name: "主题教育", Policy: campaign.DefaultPolicy(), CreatedAt: base}))
	ops := qualityCase()

	// B on its way: at 问责 now, then extended late back to no rung.
	b := ops[1]
	atAccountability := newOpinion("b", "c1", domain.StateInProgress, 5)
	atAccountability.Category, atAccountability.Leader, atAccountability.Target = b.Category, b.Leader, b.Target
	atAccountability.OverdueLevel, atAccountability.HighestLevel = domain.LevelAccountability, domain.LevelAccountability
	require.NoError(t, s.ProjectOpinion(ctx, atAccountability))
	st, err := s.Stats(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, 1, st.Accountability)
	require.Equal(t, 1, st.EverAccountability)
	extended := atAccountability
	extended.Revision, extended.Timeline = 6, timeline(6, domain.StateInProgress)
	extended.OverdueLevel, extended.Extensions, extended.LateExtensions = domain.LevelNone, 1, 1
	require.NoError(t, s.ProjectOpinion(ctx, extended))
	st, err = s.Stats(ctx, "c1")
	require.NoError(t, err)
	require.Equal(t, 0, st.Accountability, "no longer at 问责")
	require.Equal(t, 1, st.EverAccountability, "but it was, for good")
	require.Equal(t, 1, st.LateExtensions)

	for _, o := range ops {
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}
	check := func(s *store.Store, label string) {
		t.Helper()
		st, err := s.Stats(ctx, "c1")
		require.NoError(t, err)
		c := st.Counts
		require.Equal(t, 4, c.Callbacks, "%s: every first call after a closure: A's two, B's, D's first", label)
		require.Equal(t, 3, c.Satisfied, label)
		require.Equal(t, 1, c.Dissatisfied, "%s: A's dissatisfied answer stays", label)
		require.Equal(t, 0.75, c.SatisfactionRate, label)
		require.Equal(t, [3]int{2, 1, 1}, [3]int{c.EverOverdue, c.EverSupervised, c.EverAccountability}, label)
		require.Equal(t, [3]int{0, 0, 0}, [3]int{c.Overdue, c.Supervised, c.Accountability}, label)
		require.Equal(t, [3]int{4, 1, 1}, [3]int{c.Assigned, c.Extended, c.LateExtensions}, label)
		require.Equal(t, 0.25, c.ExtensionRate, label)
		require.Equal(t, [3]int{4, 2, 2}, [3]int{c.Verified, c.Reworked, c.FirstPass}, "%s: verified, reworked, first pass", label)
		require.Equal(t, 0.5, c.ReworkRate, label)
		require.InDelta(t, 2.0/3, c.FirstPassRate, 1e-12, label)
		require.Equal(t, [2]int{3, 1}, [2]int{c.Accepted, c.Reopened}, label)
		require.InDelta(t, 1.0/3, c.ReopenRate, 1e-12, label)
		require.Equal(t, 12.0, c.MedianWorkingDaysToClose, "%s: 5, 12, 20", label)

		slice := func(cs []store.Counts, name string) store.Counts {
			for _, c := range cs {
				if c.Name == name {
					return c
				}
			}
			t.Fatalf("%s: no slice %q", label, name)
			return store.Counts{}
		}
		liu, chen := slice(st.ByLeader, "liu"), slice(st.ByLeader, "chen")
		require.Len(t, st.ByLeader, 2, label)
		require.Equal(t, [4]int{2, 2, 1, 0}, [4]int{liu.Collected, liu.Closed, liu.EverAccountability, liu.Reworked}, label)
		require.Equal(t, 16.0, liu.MedianWorkingDaysToClose, "%s: 12 and 20", label)
		require.Equal(t, [4]int{2, 1, 1, 2}, [4]int{chen.Collected, chen.Closed, chen.EverOverdue, chen.Reworked}, label)
		require.Equal(t, 5.0, chen.MedianWorkingDaysToClose, label)

		deadline, immediate, longTerm := slice(st.BySpeed, "deadline"), slice(st.BySpeed, "immediate"), slice(st.BySpeed, "long_term")
		require.Len(t, st.BySpeed, 3, label)
		require.Equal(t, 8.5, deadline.MedianWorkingDaysToClose, "%s: A's 12 and D's 5", label)
		require.Equal(t, 20.0, immediate.MedianWorkingDaysToClose, label)
		require.Equal(t, 0.0, longTerm.MedianWorkingDaysToClose, "%s: nothing closed", label)
		require.Equal(t, 1, immediate.LateExtensions, label)

		team := slice(st.ByTarget, "team")
		require.Equal(t, []string{"individual", "team", "张局长"}, []string{st.ByTarget[0].Name, st.ByTarget[1].Name, st.ByTarget[2].Name}, label)
		require.Equal(t, [3]int{2, 3, 1}, [3]int{team.Closed, team.Callbacks, team.Dissatisfied}, label)
		require.Equal(t, 1, slice(st.ByTarget, "张局长").EverAccountability, label)
	}
	check(s, "kept")

	// The leader's own list: the items they answer for, most urgent first.
	page, err := s.Opinions(ctx, store.Filter{Leader: "chen"})
	require.NoError(t, err)
	require.Equal(t, []string{"c", "d"}, ids(page))
	require.Equal(t, 2, page.Total)

	// A store kept by an earlier version has no facts: opening it computes them
	// from the opinions, and the figures are the same.
	require.NoError(t, s.Close())
	rawExec(t, bk, dsn, `DELETE FROM opinion_facts`, `DELETE FROM quality_counts`)
	check(openAt(t, dsn), "recounted from the opinions")
}

// testOpinionsFixedOnTheSpotCountAsImmediate: an opinion fixed on the spot
// (立行立改) counts in every slice it belongs to, and with the immediate speed
// whatever its category's speed — kept through a reopening of the store, which
// recounts everything.
func testOpinionsFixedOnTheSpotCountAsImmediate(t *testing.T, bk backend) {
	ctx := context.Background()
	dsn := bk.dsn(t)
	s, err := store.Open(dsn)
	require.NoError(t, err)
	require.NoError(t, s.CreateCampaign(ctx, campaign.Campaign{ID: "c1", Name: "主题教育", Policy: campaign.DefaultPolicy(), CreatedAt: base}))
	yes := true
	// Both of 形式主义 (限期整改) in 城管科: one assigned and closed, one fixed on the spot.
	assigned := newOpinion("a", "c1", domain.StateClosed, 7)
	assigned.Category, assigned.Department, assigned.OnTime, assigned.WorkingDaysToClose = "形式主义", "城管科", true, 9
	spot := newOpinion("s", "c1", domain.StateClosed, 4)
	spot.Category, spot.Department, spot.OnTime, spot.WorkingDaysToClose = "形式主义", "城管科", true, 0
	spot.OnTheSpot, spot.FixedOn, spot.SubmittedBy = true, "2026-09-01", "office"
	spot.Rounds = []domain.Round{{Measures: "当场整改", SubmittedBy: "office", SubmittedAt: base, Passed: &yes}}
	// One of 制度漏洞 (长期坚持) fixed on the spot and still awaiting verification.
	waiting := newOpinion("w", "c1", domain.StateSubmitted, 2)
	waiting.Category, waiting.Department, waiting.OnTheSpot, waiting.FixedOn = "制度漏洞", "民政科", true, "2026-09-01"
	for _, o := range []domain.Opinion{assigned, spot, waiting} {
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}
	check := func(s *store.Store, label string) {
		t.Helper()
		st, err := s.Stats(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, 2, st.OnTheSpot, label)
		require.Equal(t, 3, st.Collected, label)
		by := func(cs []store.Counts) map[string]store.Counts {
			m := map[string]store.Counts{}
			for _, c := range cs {
				m[c.Name] = c
			}
			return m
		}
		categories, speeds, departments := by(st.ByCategory), by(st.BySpeed), by(st.ByDepartment)
		require.Equal(t, [2]int{2, 1}, [2]int{categories["形式主义"].Collected, categories["形式主义"].OnTheSpot}, label)
		require.Equal(t, 1, departments["民政科"].OnTheSpot, label)
		require.Len(t, st.BySpeed, 2, "%s: 限期整改 and 立行立改; the long-term one was fixed on the spot", label)
		deadline, immediate := speeds["deadline"], speeds["immediate"]
		require.Equal(t, [3]int{1, 1, 0}, [3]int{deadline.Collected, deadline.Closed, deadline.OnTheSpot}, label)
		require.Equal(t, 9.0, deadline.MedianWorkingDaysToClose, label)
		require.Equal(t, [4]int{2, 1, 1, 2}, [4]int{immediate.Collected, immediate.Closed, immediate.InProgress, immediate.OnTheSpot}, label)
		require.Equal(t, 1.0, immediate.OnTimeRate, "%s: on time by definition", label)
		require.Equal(t, 0.0, immediate.MedianWorkingDaysToClose, label)
	}
	check(s, "kept")
	require.NoError(t, s.Close())
	s, err = store.Open(dsn)
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	check(s, "recounted")
}

// testLongTermItemsAreCountedAsSuch: the opinions on the long-term track
// (长期坚持) are a figure of their own, by campaign and by each slice, whether
// they still report progress or were concluded; one of a long-term category not
// yet on the track is not among them. A store whose facts were written before the
// figure existed counts them once migrated.
func testLongTermItemsAreCountedAsSuch(t *testing.T, bk backend) {
	ctx := context.Background()
	dsn := bk.dsn(t)
	s, err := store.Open(dsn)
	require.NoError(t, err)
	require.NoError(t, s.CreateCampaign(ctx, campaign.Campaign{ID: "c1", Name: "主题教育", Policy: campaign.DefaultPolicy(), CreatedAt: base}))
	reporting := newOpinion("r", "c1", domain.StateInProgress, 5)
	reporting.Category, reporting.Department, reporting.LongTerm, reporting.ReportEveryMonths = "制度漏洞", "城管科", true, 1
	reporting.Reports = []domain.ProgressReport{{Done: "建立台账", Next: "完善制度", Percent: 40}}
	concluded := newOpinion("c", "c1", domain.StateSubmitted, 8)
	concluded.Category, concluded.Department, concluded.LongTerm = "制度漏洞", "民政科", true
	notYet := newOpinion("n", "c1", domain.StateCategorized, 2)
	notYet.Category = "制度漏洞"
	for _, o := range []domain.Opinion{reporting, concluded, notYet} {
		require.NoError(t, s.ProjectOpinion(ctx, o))
	}
	check := func(s *store.Store, label string) {
		t.Helper()
		st, err := s.Stats(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, [3]int{3, 2, 0}, [3]int{st.Collected, st.LongTerm, st.Overdue}, label)
		for _, c := range st.ByDepartment {
			if c.Name == "城管科" || c.Name == "民政科" {
				require.Equal(t, 1, c.LongTerm, "%s: %s", label, c.Name)
			}
		}
		for _, c := range st.BySpeed {
			if c.Name == "long_term" {
				require.Equal(t, [2]int{3, 2}, [2]int{c.Collected, c.LongTerm}, label)
			}
		}
	}
	check(s, "kept")
	require.NoError(t, s.Close())

	// As a store written before the figure: the facts without the track's flag,
	// and the migration that counts it not yet applied.
	rawExec(t, bk, dsn, `UPDATE opinion_facts SET flags = flags & 127`, `DELETE FROM schema_migrations WHERE version >= 3`)
	s, err = store.Open(dsn)
	require.NoError(t, err)
	defer func() { _ = s.Close() }()
	check(s, "migrated")
}
