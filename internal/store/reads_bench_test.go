package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// The shape of the 100k-opinion ledger the read benchmarks run on: a few campaigns of
// unequal size, every official in one department, most items finished.
const (
	readsOpinions    = 100_000
	readsCategories  = 8
	readsDepartments = 20
	readsOfficials   = 200 // official-i works in dept-(i % readsDepartments)
)

// choice is one value of a weighted pick.
type choice[T any] struct {
	v      T
	weight int
}

// pick picks a value with probability proportional to its weight.
func pick[T any](r *rand.Rand, cs []choice[T]) T {
	total := 0
	for _, c := range cs {
		total += c.weight
	}
	n := r.IntN(total)
	for _, c := range cs {
		if n -= c.weight; n < 0 {
			return c.v
		}
	}
	return cs[len(cs)-1].v
}

var (
	readsCampaigns = []choice[string]{{"c0", 40}, {"c1", 25}, {"c2", 15}, {"c3", 12}, {"c4", 8}}
	readsStates    = []choice[domain.State]{
		{domain.StateClosed, 45}, {domain.StateInProgress, 15}, {domain.StateAssigned, 8},
		{domain.StateSubmitted, 6}, {domain.StateAwaitingCallback, 5}, {domain.StateReceived, 5},
		{domain.StateCategorized, 4}, {domain.StateReturned, 2}, {domain.StateRejected, 4},
		{domain.StateMerged, 3}, {domain.StateCancelled, 3},
	}
	readsLevels = []choice[domain.OverdueLevel]{
		{domain.LevelNone, 60}, {domain.LevelDueSoon, 15}, {domain.LevelOverdue, 15},
		{domain.LevelSupervised, 7}, {domain.LevelAccountability, 3},
	}
	readsSatisfactions = []choice[string]{
		{domain.SatisfactionSatisfied, 60}, {domain.SatisfactionBasically, 25},
		{domain.SatisfactionDissatisfied, 10}, {"", 5},
	}
)

// readsOpinion is the i-th opinion of the benchmark ledger, with a timeline as long
// as the steps its state took.
func readsOpinion(r *rand.Rand, i int) domain.Opinion {
	campaign := pick(r, readsCampaigns)
	st := pick(r, readsStates)
	rev := 1 + slices.Index(domain.AllStates, st)
	o := newOpinion(fmt.Sprintf("op-%06d", i), campaign, st, min(rev, 8))
	o.CreatedAt = base.Add(time.Duration(r.IntN(120*24)) * time.Hour)
	if st != domain.StateReceived {
		o.Category = fmt.Sprintf("cat-%d", r.IntN(readsCategories))
	}
	switch st {
	case domain.StateReceived, domain.StateCategorized, domain.StateRejected, domain.StateMerged:
	default:
		official := r.IntN(readsOfficials)
		o.Official = fmt.Sprintf("official-%d", official)
		o.Department = fmt.Sprintf("dept-%d", official%readsDepartments)
		o.Leader = fmt.Sprintf("leader-%d", official%readsDepartments)
		o.Schedule.Deadline = o.CreatedAt.AddDate(0, 0, 5+r.IntN(60)).Format(domain.DateLayout)
	}
	if st == domain.StateAssigned || st == domain.StateInProgress {
		o.OverdueLevel = pick(r, readsLevels)
	}
	if st == domain.StateClosed {
		o.ClosedAt = o.CreatedAt.Add(time.Duration(1+r.IntN(90*24)) * time.Hour)
		o.OnTime = r.IntN(5) > 0
		o.Satisfaction = pick(r, readsSatisfactions)
	}
	return o
}

// seedReads projects the benchmark ledger through ProjectOpinion, from a few
// goroutines as workers would.
func seedReads(b *testing.B, s *store.Store) {
	b.Helper()
	const writers = 4
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			for i := w; i < readsOpinions; i += writers {
				if err := s.ProjectOpinion(context.Background(), readsOpinion(r, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkReads measures the reads people wait for, on a ledger of 100k opinions:
// an official's list (their items and their department's), a page of the office's
// campaign list, one opinion with its timeline, and a campaign's stats. Each reports
// its 95th percentile, which the product bounds at 50 ms.
func BenchmarkReads(b *testing.B) {
	for _, bk := range backends {
		b.Run(bk.name, func(b *testing.B) {
			s := bk.start(b).open(b)
			start := time.Now()
			seedReads(b, s)
			b.Logf("seeded %d opinions in %s", readsOpinions, time.Since(start).Round(time.Millisecond))
			for _, r := range reads(s) {
				b.Run(r.name, func(b *testing.B) {
					var took []time.Duration
					for i := 0; b.Loop(); i++ {
						t0 := time.Now()
						if err := r.read(i); err != nil {
							b.Fatal(err)
						}
						took = append(took, time.Since(t0))
					}
					slices.Sort(took)
					b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}

// ledgerRead is one read BenchmarkReads measures; read(i) varies who reads what with i.
type ledgerRead struct {
	name string
	read func(i int) error
}

// reads are the reads BenchmarkReads measures.
func reads(s *store.Store) []ledgerRead {
	ctx := context.Background()
	viewer := func(i int) *store.Viewer {
		k := i % readsOfficials
		return &store.Viewer{Username: fmt.Sprintf("official-%d", k), Department: fmt.Sprintf("dept-%d", k%readsDepartments)}
	}
	list := func(f func(i int) store.Filter) func(i int) error {
		return func(i int) error {
			page, err := s.Opinions(ctx, f(i))
			if err == nil && (len(page.Opinions) == 0 || page.Total < len(page.Opinions)) {
				err = fmt.Errorf("got %d of %d", len(page.Opinions), page.Total)
			}
			return err
		}
	}
	return []ledgerRead{
		{"official-list", list(func(i int) store.Filter {
			return store.Filter{VisibleTo: viewer(i), Limit: 50}
		})},
		{"official-list-campaign", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, VisibleTo: viewer(i), Limit: 50}
		})},
		{"official-tasks", list(func(i int) store.Filter {
			v := viewer(i)
			return store.Filter{Official: v.Username, VisibleTo: v, Limit: 50,
				States: []domain.State{domain.StateAssigned, domain.StateInProgress}}
		})},
		{"office-list", list(func(i int) store.Filter {
			return store.Filter{CampaignID: readsCampaigns[i%len(readsCampaigns)].v, Limit: 50, Offset: 50 * (i % 3)}
		})},
		{"opinion", func(i int) error {
			_, err := s.Opinion(ctx, fmt.Sprintf("op-%06d", (i*7919)%readsOpinions))
			return err
		}},
		{"stats", func(i int) error {
			st, err := s.Stats(ctx, readsCampaigns[i%len(readsCampaigns)].v)
			if err == nil && st.Collected == 0 {
				err = fmt.Errorf("empty stats")
			}
			return err
		}},
	}
}
