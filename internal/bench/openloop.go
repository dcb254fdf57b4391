package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
)

// openLoopLoad is the share of the lifecycle's capacity the open-loop run offers.
const openLoopLoad = 0.5

// OpenLoop is the lifecycle under arrivals that do not wait for the answers before
// them: opinions arrive as a Poisson process, each then taken through its happy path.
type OpenLoop struct {
	// Capacity is the best lifecycle actions/s of the closed-loop runs; Offered the
	// actions/s the arrivals asked for, Achieved what was done.
	Capacity, Offered, Achieved float64
	Opinions                    int
	Elapsed                     time.Duration
	// MostInFlight is the largest number of opinions under way at once.
	MostInFlight int
	Latency      map[string]Percentiles
}

// capacity is the best actions/s of the closed-loop lifecycle at 8 and 32 users: what
// the product sustains when callers wait for their answers.
func (r *Report) capacity() float64 { return r.capacityRun().ActionsPerSec }

// capacityRun is the lifecycle run capacity comes from (zero when none ran).
func (r *Report) capacityRun() Throughput {
	var best Throughput
	for _, l := range r.Lifecycle {
		if l.Concurrency <= 32 && l.ActionsPerSec > best.ActionsPerSec {
			best = l
		}
	}
	return best
}

// runOpenLoop offers half the measured capacity as Poisson arrivals of opinions, each
// driven through its happy path by the next simulated user, and measures every
// action's latency. A closed loop measures capacity; this measures what a person
// waits when the product is half busy, as it is most of a working day.
func runOpenLoop(ctx context.Context, t *Target, o Options, r *Report) error {
	capacity := r.capacity()
	if capacity <= 0 {
		return fmt.Errorf("no lifecycle capacity measured to load half of")
	}
	campaign := "bench-open-" + uuid.NewString()[:8]
	if err := t.createCampaign(ctx, campaign); err != nil {
		return err
	}
	before, err := t.stats(ctx, campaign)
	if err != nil {
		return err
	}
	offered := openLoopLoad * capacity
	perOpinion := time.Duration(float64(time.Second) * float64(len(happyPath)) / offered)
	n, run := o.Lifecycle, uuid.NewString()[:8]
	lat := &latencies{}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	inFlight, most := 0, 0
	start := time.Now()
	next := start
	for i := range n {
		if err := pause(ctx, time.Until(next)); err != nil {
			break
		}
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		wg.Go(func() {
			defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
			if err := happyPathOnce(ctx, t, campaign, fmt.Sprintf("%s-%d", run, i), i%callers, lat); err != nil {
				cancel(err)
			}
		})
		next = next.Add(time.Duration(rand.ExpFloat64() * float64(perOpinion)))
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return err
	}
	after, err := t.stats(ctx, campaign)
	if err != nil {
		return err
	}
	if got := after.Closed - before.Closed; got != n {
		return fmt.Errorf("campaign %s: %d opinions closed, %d arrived", campaign, got, n)
	}
	if _, err := t.settle(ctx, assigned(campaign), after.Closed); err != nil {
		return err
	}
	r.OpenLoop = OpenLoop{
		Capacity: capacity, Offered: offered, Achieved: perSecond(n*len(happyPath), elapsed),
		Opinions: n, Elapsed: elapsed, MostInFlight: most, Latency: lat.percentiles(),
	}
	return nil
}
