package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/google/uuid"

	"rectify/internal/domain"
)

// scaleConcurrency is the number of simulated users of the scale scenario's
// lifecycle runs, and of the office staff opening opinions for it.
const scaleConcurrency = 32

// runScale opens more and more opinions (imported, categorized, assigned: waiting on
// their deadlines) and at each size measures the lifecycle throughput, the process's
// memory and the reads.
func runScale(ctx context.Context, t *Target, o Options, r *Report) error {
	campaign := "bench-scale-" + uuid.NewString()[:8]
	if err := t.createCampaign(ctx, campaign); err != nil {
		return err
	}
	open := 0
	for _, n := range o.Open {
		o.say("scale: opening opinions %d to %d", open+1, n)
		if _, err := t.importLedger(ctx, campaign, open, n-open); err != nil {
			return err
		}
		if err := t.assignRows(ctx, campaign, open, n); err != nil {
			return err
		}
		st, err := t.stats(ctx, campaign)
		if err != nil {
			return err
		}
		if st.InProgress != n {
			return fmt.Errorf("campaign %s holds %d opinions in progress, %d were opened", campaign, st.InProgress, n)
		}
		visible, err := t.settle(ctx, assigned(campaign), n)
		if err != nil {
			return err
		}
		o.say("scale: every opened opinion assigned in visibility %s after the last", visible.Round(time.Millisecond))
		open = n
		mem := readMemory()
		o.say("scale: %d open; lifecycle at %d users", n, scaleConcurrency)
		life := "bench-life-" + uuid.NewString()[:8]
		if err := t.createCampaign(ctx, life); err != nil {
			return err
		}
		stop, err := o.profileScale(n)
		if err != nil {
			return err
		}
		tp, err := lifecycle(ctx, t, life, o.Lifecycle, scaleConcurrency, &latencies{})
		if stopErr := stop(); err == nil {
			err = stopErr
		}
		if err != nil {
			return err
		}
		r.Scale = append(r.Scale, ScalePoint{Open: n, Throughput: tp, Memory: mem})
		reads, err := t.measureReads(ctx, campaign, n, o.Reads)
		if err != nil {
			return err
		}
		r.Reads = append(r.Reads, reads)
	}
	return nil
}

// profileScale starts the CPU profile of the scale point with n open, when asked
// for, and returns what ends it: stop writes the rest of the profile and closes the
// file, and says when the profile is not whole.
func (o Options) profileScale(n int) (stop func() error, err error) {
	if o.ScaleProfiles == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(filepath.Join(o.ScaleProfiles, fmt.Sprintf("scale-%d.pprof", n)))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("the CPU profile of the scale point with %d open: %w", n, err)
		}
		return nil
	}, nil
}

// assignRows categorizes and assigns the imported rows n0+1..n of campaign, as the
// office does after an import, from scaleConcurrency office users at once.
func (t *Target) assignRows(ctx context.Context, campaign string, n0, n int) error {
	_, err := drive(ctx, n-n0, scaleConcurrency, func(ctx context.Context, _, i int) error {
		row := n0 + i + 1
		// Row r's department is department(r); official r%callers is in it.
		caller := row % callers
		path := "/api/v1/opinions/" + domain.OpinionID(campaign, ledgerKey(row)) + "/actions/"
		if err := t.call(ctx, officeUser(caller), http.MethodPost, path+"categorize",
			map[string]any{"category": benchCategory}, http.StatusOK, nil); err != nil {
			return err
		}
		return t.call(ctx, officeUser(caller), http.MethodPost, path+"assign", map[string]any{
			"department": department(row), "official": officialUser(caller), "leader": leaderUser, "measures": "更换路灯",
		}, http.StatusOK, nil)
	})
	return err
}

// measureReads times, one request at a time, the reads people make most with n
// opinions open in campaign: an official's task list, the office's list, an
// opinion's page and the campaign's figures.
func (t *Target) measureReads(ctx context.Context, campaign string, n, times int) (ReadRow, error) {
	// Each request comes from another user of the role: one user's requests are
	// throttled (50/s) like anyone's.
	var next int
	office := func() string { next++; return officeUser(next % callers) }
	reads := []struct {
		name string
		as   func() string
		path func() string
	}{
		{"my tasks (official)", func() string { next++; return officialUser(next % callers) },
			func() string { return "/api/v1/opinions?campaign=" + campaign }},
		{"list (office)", office,
			func() string { return "/api/v1/opinions?campaign=" + campaign }},
		{"opinion detail", office,
			func() string {
				return "/api/v1/opinions/" + domain.OpinionID(campaign, ledgerKey(1+rand.IntN(n)))
			}},
		{"campaign stats", office,
			func() string { return "/api/v1/campaigns/" + campaign + "/stats" }},
	}
	row := ReadRow{Opinions: n, ByRead: map[string]Percentiles{}}
	for _, rd := range reads {
		var ds []time.Duration
		for range times {
			start := time.Now()
			if err := t.call(ctx, rd.as(), http.MethodGet, rd.path(), nil, http.StatusOK, nil); err != nil {
				return row, err
			}
			ds = append(ds, time.Since(start))
		}
		row.ByRead[rd.name] = percentilesOf(ds)
		row.Order = append(row.Order, rd.name)
	}
	return row, nil
}

// readMemory is this process's memory after a collection: the Go heap in use and
// the resident set.
func readMemory() Memory {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return Memory{HeapBytes: ms.HeapInuse, RSSBytes: procBytes("/proc/self/status", "VmRSS:")}
}
