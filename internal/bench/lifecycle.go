package bench

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"rectify/internal/domain"
)

// happyPath are the HTTP calls of one opinion's happy path, in order; the first
// submits it.
var happyPath = []string{"submit-opinion", "categorize", "assign", "sign", "submit", "verify", "callback"}

// benchCategory is one of the default categories every campaign has.
const benchCategory = "群众需要解决的问题"

// latencies collects how long each kind of call took.
type latencies struct {
	mu  sync.Mutex
	got map[string][]time.Duration
}

func (l *latencies) add(action string, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.got == nil {
		l.got = map[string][]time.Duration{}
	}
	l.got[action] = append(l.got[action], d)
}

// percentiles of every action, and of all of them together under "all".
func (l *latencies) percentiles() map[string]Percentiles {
	out := map[string]Percentiles{}
	var all []time.Duration
	for action, ds := range l.got {
		out[action] = percentilesOf(ds)
		all = append(all, ds...)
	}
	out["all"] = percentilesOf(all)
	return out
}

func percentilesOf(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Percentiles{N: len(ds), P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

// runLifecycle drives opinions through the happy path over HTTP at each concurrency:
// throughput against the ceiling, and the latency of every action.
func runLifecycle(ctx context.Context, t *Target, o Options, r *Report) error {
	for _, c := range concurrencies {
		campaign := "bench-life-" + uuid.NewString()[:8]
		if err := t.createCampaign(ctx, campaign); err != nil {
			return err
		}
		lat := &latencies{}
		tp, err := lifecycle(ctx, t, campaign, o.Lifecycle, c, lat)
		if err != nil {
			return err
		}
		r.Lifecycle = append(r.Lifecycle, tp)
		r.Latency = append(r.Latency, LatencyRow{Concurrency: c, ByAction: lat.percentiles()})
	}
	return nil
}

// lifecycle drives n new opinions of campaign to closure from c simulated users
// and checks on the server that exactly n more are closed.
func lifecycle(ctx context.Context, t *Target, campaign string, n, c int, lat *latencies) (Throughput, error) {
	before, err := t.stats(ctx, campaign)
	if err != nil {
		return Throughput{}, err
	}
	run := uuid.NewString()[:8]
	cpu := processCPU()
	elapsed, err := drive(ctx, n, c, func(ctx context.Context, caller, i int) error {
		return happyPathOnce(ctx, t, campaign, fmt.Sprintf("%s-%d", run, i), caller, lat)
	})
	if err != nil {
		return Throughput{}, err
	}
	cpuPerAction := cpuPer(cpu, n*len(happyPath))
	after, err := t.stats(ctx, campaign)
	if err != nil {
		return Throughput{}, err
	}
	if got := after.Closed - before.Closed; got != n {
		return Throughput{}, fmt.Errorf("campaign %s: %d opinions closed, %d driven", campaign, got, n)
	}
	visible, err := t.settle(ctx, assigned(campaign), after.Closed)
	if err != nil {
		return Throughput{}, err
	}
	return Throughput{
		Concurrency: c, Iterations: n, Elapsed: elapsed,
		ActionsPerSec: perSecond(n*len(happyPath), elapsed), ClosedPerSec: perSecond(n, elapsed),
		CPUPerAction: cpuPerAction, VisibleAfter: visible,
	}, nil
}

// happyPathOnce takes one new opinion from submission to closure as simulated user
// number caller: its office, official and verifier.
func happyPathOnce(ctx context.Context, t *Target, campaign, key string, caller int, lat *latencies) error {
	office, official, verifier := officeUser(caller), officialUser(caller), verifierUser(caller)
	var op struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	timed := func(action, as, method, path string, body any, want int) error {
		start := time.Now()
		err := t.call(ctx, as, method, path, body, want, &op)
		lat.add(action, time.Since(start))
		return err
	}
	err := timed("submit-opinion", office, http.MethodPost, "/api/v1/campaigns/"+campaign+"/opinions", map[string]any{
		"key": key, "content": "幸福路路灯损坏，夜间出行不便。", "channel": "热线", "collected_at": today(),
	}, http.StatusCreated)
	if err != nil {
		return err
	}
	act := func(action, as string, body any) error {
		return timed(action, as, http.MethodPost, "/api/v1/opinions/"+op.ID+"/actions/"+action, body, http.StatusOK)
	}
	steps := []struct {
		action, as string
		body       any
	}{
		{"categorize", office, map[string]any{"category": benchCategory}},
		{"assign", office, map[string]any{"department": department(caller), "official": official, "leader": leaderUser, "measures": "更换路灯"}},
		{"sign", official, map[string]any{}},
		{"submit", official, map[string]any{"measures": "已更换路灯", "evidence": "现场照片"}},
		{"verify", verifier, map[string]any{"pass": true, "reason": "现场核查属实"}},
		{"callback", office, map[string]any{"satisfaction": "satisfied", "note": "电话回访"}},
	}
	for _, s := range steps {
		if err := act(s.action, s.as, s.body); err != nil {
			return err
		}
	}
	if op.State != "closed" {
		return fmt.Errorf("opinion %s ended the happy path %s, not closed", op.ID, op.State)
	}
	return nil
}

// today is the collection date of submitted opinions: today in China.
func today() string { return time.Now().In(chinaTime).Format(domain.DateLayout) }

var chinaTime = time.FixedZone("CST", 8*3600)
