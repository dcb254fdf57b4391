package store_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"

	"rectify/internal/domain"
	"rectify/internal/store"
)

// clusterVersion is opinion id at revision rev: every write of that revision carries
// the same content, so the newest revision written decides what the store must hold.
// Its timeline carries the last few events, as the older ones are already stored.
func clusterVersion(id, rev int) domain.Opinion {
	r := rand.New(rand.NewPCG(uint64(id), uint64(rev)))
	o := newOpinion(fmt.Sprintf("op-%02d", id), fmt.Sprintf("c%d", id%2), domain.AllStates[r.IntN(len(domain.AllStates))], rev)
	o.Category = fmt.Sprintf("cat-%d", r.IntN(3))
	o.Department = fmt.Sprintf("dept-%d", r.IntN(3))
	o.OverdueLevel = []domain.OverdueLevel{domain.LevelNone, domain.LevelOverdue, domain.LevelSupervised,
		domain.LevelAccountability}[r.IntN(4)]
	o.OnTime = r.IntN(2) == 0
	o.Satisfaction = []string{"", domain.SatisfactionSatisfied, domain.SatisfactionDissatisfied}[r.IntN(3)]
	if o.State == domain.StateClosed {
		o.ClosedAt = o.CreatedAt.Add(time.Duration(1+r.IntN(100*24)) * time.Hour)
	}
	if r.IntN(3) > 0 {
		randomRecord(r, &o)
	}
	o.Timeline = o.Timeline[max(0, rev-3):]
	return o
}

// testClusterWritersStayExact runs two Store instances on one database, as two
// processes of a cluster: both open it at the same moment, then project the same
// opinions at once — stale revisions and replays included — and one closes and
// reopens (rebuilding the counts) while the other keeps writing. The counts must
// then equal the ground truth and a recount from the opinions, exactly.
func testClusterWritersStayExact(t *testing.T, b backend) {
	ctx := context.Background()
	dsn := b.dsn(t)
	stores := make([]*store.Store, 2)
	var open errgroup.Group
	for i := range stores {
		open.Go(func() (err error) {
			stores[i], err = store.Open(dsn)
			return err
		})
	}
	require.NoError(t, open.Wait())
	defer func() {
		for _, s := range stores {
			require.NoError(t, s.Close())
		}
	}()

	const opinions, writers, writesPerPhase = 20, 4, 50
	var mu sync.Mutex
	newest := map[int]int{} // revision of each opinion's newest successful write
	var revisions [opinions]atomic.Int64
	// write projects an opinion's next revision, as its workflow moves on, or now and
	// then an older one again, as a replay or a retried activity does.
	write := func(s *store.Store, r *rand.Rand) error {
		id := r.IntN(opinions)
		rev := int(revisions[id].Load())
		if rev == 0 || r.IntN(4) > 0 {
			rev = int(revisions[id].Add(1))
		} else {
			rev = 1 + r.IntN(rev)
		}
		// SQLite's lock is not fair: a writer can wait past its busy timeout while
		// the other process writes. The workflow retries a projection that failed,
		// and so does this.
		err := s.ProjectOpinion(ctx, clusterVersion(id, rev))
		for attempt := 1; err != nil && strings.Contains(err.Error(), "SQLITE_BUSY") && attempt < 5; attempt++ {
			err = s.ProjectOpinion(ctx, clusterVersion(id, rev))
		}
		if err != nil {
			return err
		}
		mu.Lock()
		newest[id] = max(newest[id], rev)
		mu.Unlock()
		return nil
	}
	// phase runs writers on s, each for n writes.
	phase := func(s *store.Store, seed uint64, n int) error {
		var g errgroup.Group
		for w := range writers {
			g.Go(func() error {
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				for range n {
					if err := write(s, r); err != nil {
						return err
					}
				}
				return nil
			})
		}
		return g.Wait()
	}

	// Three rounds, the second process writing in each: while the first writes, while
	// it closes and reopens, and while it writes again. Each of the second's rounds is
	// bounded: SQLite's lock is not fair, and a process writing without pause could
	// keep the other out past its busy timeout.
	var opening atomic.Bool // the first process is inside Open
	var during atomic.Int64 // writes of the second process in flight while it was
	reopen := func() error {
		if err := stores[0].Close(); err != nil {
			return err
		}
		opening.Store(true)
		defer opening.Store(false)
		var err error
		stores[0], err = store.Open(dsn)
		return err
	}
	second := func(seed uint64) error {
		var g errgroup.Group
		for w := range writers {
			g.Go(func() error {
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				for range writesPerPhase / 2 {
					before := opening.Load()
					if err := write(stores[1], r); err != nil {
						return err
					}
					if before || opening.Load() {
						during.Add(1)
					}
				}
				return nil
			})
		}
		return g.Wait()
	}
	round := func(i int, first func() error) {
		var g errgroup.Group
		g.Go(first)
		g.Go(func() error { return second(uint64(10 + i)) })
		require.NoError(t, g.Wait(), "round %d", i)
	}
	round(0, func() error { return phase(stores[0], 1, writesPerPhase) })
	// A reopen can be quicker than the other process's next write on a busy machine:
	// reopen until some of its writes landed while the first was inside Open.
	for i := 1; during.Load() == 0; i++ {
		require.Less(t, i, 30, "the second process wrote while the first reopened")
		round(i, reopen)
	}
	round(30, func() error { return phase(stores[0], 2, writesPerPhase) })

	// Ground truth: each opinion as its newest revision left it.
	want := map[string]expectedCounts{}
	wantTimes := map[string]*store.CloseTimes{}
	for id, rev := range newest {
		o := clusterVersion(id, rev)
		if want[o.CampaignID] == nil {
			want[o.CampaignID] = expectedCounts{}
		}
		want[o.CampaignID].add("", o)
		if o.State == domain.StateClosed {
			c := wantTimes[o.CampaignID]
			if c == nil {
				c = &store.CloseTimes{CampaignID: o.CampaignID, Buckets: make([]uint64, len(store.CloseBounds)+1)}
				wantTimes[o.CampaignID] = c
			}
			took := o.ClosedAt.Sub(o.CreatedAt)
			bucket, _ := slices.BinarySearch(store.CloseBounds, took)
			c.Buckets[bucket]++
			c.Count++
			c.SumMillis += took.Milliseconds()
		}
	}
	require.Len(t, newest, opinions, "every opinion was written")

	figures := func(s *store.Store) store.Figures {
		f, err := s.Figures(ctx, store.FiguresRequest{})
		require.NoError(t, err)
		slices.SortFunc(f.Groups, func(a, b store.FigureGroup) int {
			return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
		})
		slices.SortFunc(f.TimeToClose, func(a, b store.CloseTimes) int { return cmp.Compare(a.CampaignID, b.CampaignID) })
		return f
	}
	check := func(s *store.Store, label string) {
		t.Helper()
		for id, rev := range newest {
			w := clusterVersion(id, rev)
			got, err := s.Opinion(ctx, w.ID)
			require.NoError(t, err, label)
			require.Len(t, got.Timeline, rev, "%s: %s", label, w.ID)
			w.Timeline, got.Timeline = nil, nil
			requireSameOpinion(t, w, got, "%s: %s holds its newest revision", label, w.ID)
		}
		for campaignID, counts := range want {
			st, err := s.Stats(ctx, campaignID)
			require.NoError(t, err, label)
			require.Equal(t, finish(*counts[""]), st.Counts, "%s: %s", label, campaignID)
		}
		times := []store.CloseTimes{}
		for _, c := range wantTimes {
			times = append(times, *c)
		}
		slices.SortFunc(times, func(a, b store.CloseTimes) int { return cmp.Compare(a.CampaignID, b.CampaignID) })
		require.Equal(t, times, figures(s).TimeToClose, label)
	}
	check(stores[0], "first process")
	check(stores[1], "second process")

	// A fresh Open recounts everything from the opinions: the kept counts must match.
	kept := figures(stores[1])
	recounted := openAt(t, dsn)
	require.Equal(t, kept, figures(recounted), "kept counts equal a recount from the opinions")
	for campaignID := range want {
		st, err := stores[1].Stats(ctx, campaignID)
		require.NoError(t, err)
		again, err := recounted.Stats(ctx, campaignID)
		require.NoError(t, err)
		require.Equal(t, st, again, "kept quality counts equal a recount: %s", campaignID)
	}
}

// testOpenHidesPasswords opens PostgreSQL URLs that fail, in every way a password
// can be written: the errors must never show it.
func testOpenHidesPasswords(t *testing.T, b backend) {
	if b.name != "postgres" {
		t.Skip("a SQLite path holds no password")
	}
	wrong, err := url.Parse(b.dsn(t))
	require.NoError(t, err)
	wrong.User = url.UserPassword("rectify", "secret-wrong-password")
	for _, dsn := range []string{
		wrong.String(),
		"postgres://rectify:secret-unreachable@127.0.0.1:1/rectify?sslmode=disable&connect_timeout=5",
		"postgresql://rectify@127.0.0.1:1/rectify?password=secret-in-query&sslmode=disable&connect_timeout=5",
		"postgres://rectify:secret-bad-port@127.0.0.1:port/rectify",
		"postgres://rectify:secret-bad-option@127.0.0.1:1/rectify?sslmode=sometimes",
	} {
		s, err := store.Open(dsn)
		if err == nil {
			_ = s.Close()
		}
		require.Error(t, err)
		require.NotContains(t, err.Error(), "secret-", "the password shows in %q", err)
	}
}
