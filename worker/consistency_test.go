package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"rectify/activities"
	"rectify/internal/apitest"
	"rectify/internal/app"
	"rectify/internal/domain"
	"rectify/internal/payload"
	"rectify/internal/payload/payloadtest"
	"rectify/internal/store"
	"rectify/workflows"
)

// killAfterProjecting names the action whose projection kills the process: with
// it set, the test binary (doubling as the worker) wraps the store so that right
// after that action's write commits — before the workflow task that would record
// the action completes — the process dies by SIGKILL. killAfterProjections, when
// set, lets that many such writes commit first and kills at the last of them
// (one by default).
const (
	killAfterProjecting  = "RECTIFY_TEST_KILL_AFTER_PROJECTING"
	killAfterProjections = "RECTIFY_TEST_KILL_AFTER_PROJECTIONS"
)

// injectFaults sets the start options a fault in the environment asks for.
func injectFaults() {
	action := domain.Action(os.Getenv(killAfterProjecting))
	if action == "" {
		return
	}
	k := &killer{action: action, left: 1}
	if n, err := strconv.ParseInt(os.Getenv(killAfterProjections), 10, 64); err == nil && n > 0 {
		k.left = n
	}
	startOptions = append(startOptions, app.WithProjector(func(p activities.Projector) activities.Projector {
		k.Projector = p
		return k
	}))
}

type killer struct {
	activities.Projector
	action domain.Action
	// left counts down the writes of action still to commit before the kill.
	left int64
}

func (k *killer) ProjectTransition(ctx context.Context, in workflows.ProjectInput) error {
	if err := k.Projector.ProjectTransition(ctx, in); err != nil {
		return err
	}
	if tl := in.Opinion.Timeline; len(tl) > 0 && tl[len(tl)-1].Action == k.action && atomic.AddInt64(&k.left, -1) == 0 {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal arrives before anything else happens
	}
	return nil
}

// killedActing posts an action the process is set to die on (killAfterProjecting),
// checks that it died by SIGKILL, and answers the item as the store then holds it.
func (p *process) killedActing(t *testing.T, dir, id, action, token, body string) domain.Opinion {
	t.Helper()
	_, _, err := post(p.Base+"/api/v1/opinions/"+id+"/actions/"+action, token, body)
	require.Error(t, err, "the process dies before it answers")
	_ = p.cmd.Wait()
	status, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && status.Signal() == syscall.SIGKILL, "killed by the fault, not otherwise; log:\n%s", p.log)
	s, err := store.Open(filepath.Join(dir, "data", "rectify.db"))
	require.NoError(t, err)
	defer func() { require.NoError(t, s.Close()) }()
	held, err := s.Opinion(context.Background(), id)
	require.NoError(t, err)
	return held
}

// consistencyEnv is processEnv with a known Temporal frontend, so the test can ask
// the workflows themselves.
func consistencyEnv(t *testing.T, dir string) (httpAddr, frontend string, env []string) {
	httpAddr, env = processEnv(t, dir)
	frontend = apitest.FreeAddr(t)
	return httpAddr, frontend, append(env, "RECTIFY_EMBEDDED_ADDR="+frontend)
}

// TestAnActionKilledBeforeTemporalRecordedItNeverShows kills rectify between an
// action's projection and the workflow task that would have recorded it. Before,
// the store kept showing the action (in_progress, while the workflow was still
// assigned) and refused the actions the workflow allowed: the opinion was stuck.
func TestAnActionKilledBeforeTemporalRecordedItNeverShows(t *testing.T) {
	dir := t.TempDir()
	httpAddr, frontend, env := consistencyEnv(t, dir)
	p := start(t, append(env, killAfterProjecting+"="+string(domain.ActionSign)), httpAddr)
	p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "fault", "name": "整改"}, http.StatusCreated)
	op := p.Must("office", http.MethodPost, "/api/v1/campaigns/fault/opinions", map[string]any{
		"key": "F-1", "content": "路灯损坏", "channel": "hotline", "collected_at": "2026-11-02",
	}, http.StatusCreated)
	id := op["id"].(string)
	p.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	p.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)

	phantom := p.killedActing(t, dir, id, "sign", "tok-official", "{}")
	require.Equal(t, domain.StateInProgress, phantom.State, "the hazard is real: the store holds the sign Temporal never recorded")

	p = start(t, env, httpAddr)
	require.Eventually(t, func() bool { return p.opinion(id)["state"] == "assigned" }, time.Minute, 50*time.Millisecond,
		"the store goes back to what the workflow recorded, by itself")
	shown := p.opinion(id)
	require.EqualValues(t, 3, shown["revision"])
	require.Len(t, shown["timeline"], 3, "no trace of the sign that never happened")

	p.Act("official", id, "sign", nil, http.StatusOK)
	p.Act("official", id, "submit", map[string]any{"measures": "已更换路灯", "evidence": "照片"}, http.StatusOK)
	p.Act("verifier", id, "verify", map[string]any{"pass": true}, http.StatusOK)
	closed := p.Act("office", id, "callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	requireStoreMatchesWorkflows(t, p, frontend, []string{id})
}

// TestKillDashNineInALoopUnderLoadLosesNothing kills rectify again and again while
// officials and the office act on many opinions at once, then drives every opinion
// to closed by following the state the API shows, and compares every opinion the
// store shows with its workflow's own state.
func TestKillDashNineInALoopUnderLoadLosesNothing(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	dir := t.TempDir()
	httpAddr, frontend, env := consistencyEnv(t, dir)
	p := start(t, env, httpAddr)
	p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "chaos", "name": "整改"}, http.StatusCreated)
	const n = 36
	ids := make([]string, n)
	for i := range n {
		op := p.Must("office", http.MethodPost, "/api/v1/campaigns/chaos/opinions", map[string]any{
			"key": fmt.Sprintf("C-%d", i), "content": fmt.Sprintf("第%d件：道路积水", i), "channel": "hotline",
			"collected_at": "2026-11-02",
		}, http.StatusCreated)
		ids[i] = op["id"].(string)
	}

	const kills, workers = 8, 12
	for round := range kills {
		ctx, stop := context.WithCancel(context.Background())
		var load sync.WaitGroup
		for w := range workers {
			load.Go(func() {
				for i := w; ctx.Err() == nil; i = (i + workers) % n {
					step(p.Base, ids[i], round)
				}
			})
		}
		// The kill lands wherever the load happens to be.
		time.Sleep(time.Duration(300+rng.IntN(2200)) * time.Millisecond)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
		_ = p.cmd.Wait()
		stop()
		load.Wait()
		p = start(t, env, httpAddr)
	}

	// Every opinion can still be driven to closed, whatever the kills left behind.
	var drive sync.WaitGroup
	for _, id := range ids {
		drive.Go(func() {
			deadline := time.Now().Add(3 * time.Minute)
			for opinionState(p.Base, id) != "closed" {
				if time.Now().After(deadline) {
					t.Errorf("opinion %s stuck in %q; log:\n%s", id, opinionState(p.Base, id), p.log)
					return
				}
				if !step(p.Base, id, kills) {
					time.Sleep(100 * time.Millisecond) // the store is catching up with the workflow
				}
			}
		})
	}
	drive.Wait()
	requireStoreMatchesWorkflows(t, p, frontend, ids)

	stats := p.Must("leader", http.MethodGet, "/api/v1/campaigns/chaos/stats", nil, http.StatusOK)
	list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign=chaos&state=closed&limit=100", nil, http.StatusOK)
	require.EqualValues(t, n, stats["collected"], "no opinion lost, none duplicated")
	require.EqualValues(t, n, stats["closed"])
	require.EqualValues(t, list["total"], stats["closed"], "the figures equal the per-opinion list")
}

// step moves an opinion one action on from the state the API shows, as the person
// whose turn it is; round varies the path (some fixes fail verification once). It
// reports whether the action was applied.
func step(base, id string, round int) bool {
	var o struct {
		State       string `json:"state"`
		ReworkCount int    `json:"rework_count"`
	}
	if !get(base, "/api/v1/opinions/"+id, &o) {
		return false
	}
	var as, action, body string
	switch o.State {
	case "received":
		as, action, body = "office", "categorize", `{"category":"群众需要解决的问题"}`
	case "categorized", "returned":
		as, action, body = "office", "assign", `{"department":"城管科","official":"official","leader":"leader"}`
	case "assigned":
		as, action, body = "official", "sign", `{}`
	case "in_progress":
		as, action, body = "official", "submit", `{"measures":"已清理","evidence":"照片"}`
	case "submitted":
		pass := o.ReworkCount > 0 || (len(id)+round)%3 != 0
		as, action, body = "verifier", "verify", fmt.Sprintf(`{"pass":%t,"reason":"复核"}`, pass)
	case "awaiting_callback":
		as, action, body = "office", "callback", `{"satisfaction":"satisfied"}`
	default:
		return false
	}
	status, _, err := post(base+"/api/v1/opinions/"+id+"/actions/"+action, "tok-"+as, body)
	return err == nil && status == http.StatusOK
}

func get(base, path string, out any) bool {
	req, err := http.NewRequest(http.MethodGet, base+path, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return err == nil && resp.StatusCode == http.StatusOK && json.Unmarshal(data, out) == nil
}

// requireStoreMatchesWorkflows compares each opinion as the API shows it (the
// reporting store) with its workflow's own state (a query).
func requireStoreMatchesWorkflows(t *testing.T, p *process, frontend string, ids []string) {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: frontend, Logger: quietLogger{},
		DataConverter: payload.DataConverter(payloadtest.Keyring(t))})
	require.NoError(t, err)
	defer c.Close()
	for _, id := range ids {
		res, err := c.QueryWorkflow(context.Background(), workflows.ItemWorkflowID(id), "", workflows.OpinionQueryName)
		require.NoError(t, err)
		var durable domain.Opinion
		require.NoError(t, res.Get(&durable))
		var shown struct {
			State        string         `json:"state"`
			Revision     int            `json:"revision"`
			OverdueLevel string         `json:"overdue_level"`
			ReworkCount  int            `json:"rework_count"`
			Timeline     []domain.Event `json:"timeline"`
		}
		require.True(t, get(p.Base, "/api/v1/opinions/"+id, &shown))
		require.Equal(t, string(durable.State), shown.State, "opinion %s", id)
		require.Equal(t, durable.Revision, shown.Revision, "opinion %s", id)
		require.Equal(t, string(durable.OverdueLevel), shown.OverdueLevel, "opinion %s", id)
		require.Equal(t, durable.ReworkCount, shown.ReworkCount, "opinion %s", id)
		require.Len(t, shown.Timeline, len(durable.Timeline), "opinion %s", id)
		for i, e := range durable.Timeline {
			got := shown.Timeline[i]
			require.Equal(t, []any{e.Seq, e.Action, e.To, e.At.UnixMilli()}, []any{got.Seq, got.Action, got.To, got.At.UnixMilli()},
				"opinion %s, timeline entry %d", id, i+1)
		}
	}
}

// quietLogger keeps the SDK client's log out of the test output.
type quietLogger struct{}

func (quietLogger) Debug(string, ...any) {}
func (quietLogger) Info(string, ...any)  {}
func (quietLogger) Warn(string, ...any)  {}
func (quietLogger) Error(string, ...any) {}
