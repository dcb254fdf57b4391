package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"rectify/internal/domain"
	"rectify/internal/payload"
	"rectify/internal/payload/payloadtest"
	"rectify/internal/store"
	"rectify/workflows"
)

// TestBulkSurvivesKillDashNine categorizes 2,000 opinions in one bulk and kills
// rectify by SIGKILL in the middle of it: right after the 1,037th categorize is
// written to the store, before Temporal has recorded it, in the middle of a chunk
// whose answers are not recorded yet and whose other actions are in flight. Restarted, rectify finishes
// the bulk by itself, and every opinion was categorized exactly once: the
// actions in doubt were sent again under the bulk's update id and taken once.
func TestBulkSurvivesKillDashNine(t *testing.T) {
	dir := t.TempDir()
	httpAddr, frontend, env := consistencyEnv(t, dir)
	const n, killAt = 2000, 1037
	p := start(t, append(env, killAfterProjecting+"="+string(domain.ActionCategorize), killAfterProjections+"="+strconv.Itoa(killAt)), httpAddr)
	p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "many", "name": "整改"}, http.StatusCreated)
	rows := make([]string, n)
	ids := make([]string, n)
	for i := range n {
		key := fmt.Sprintf("M-%04d", i)
		rows[i] = fmt.Sprintf("%s,第%d条意见：路灯不亮,走访,2026-11-02", key, i)
		ids[i] = domain.OpinionID("many", key)
	}
	ledger := filepath.Join(dir, "意见.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("编号,意见内容,来源,收集时间\n"+strings.Join(rows, "\n")+"\n"), 0o600))
	status, batch := p.Upload("office", "/api/v1/campaigns/many/batches", ledger, nil)
	require.Equal(t, http.StatusCreated, status, "%v", batch)
	require.Eventually(t, func() bool {
		return p.Must("office", http.MethodGet, "/api/v1/batches/"+batch["id"].(string), nil, http.StatusOK)["state"] == "done"
	}, 5*time.Minute, 200*time.Millisecond)

	// The bulk: the process dies while the request waits for it, or just after it
	// answered 202.
	body := fmt.Sprintf(`{"action": "categorize", "opinions": ["%s"], "body": {"category": "群众需要解决的问题"}}`, strings.Join(ids, `", "`))
	posted := time.Now()
	if status, answer, err := post(p.Base+"/api/v1/campaigns/many/bulk", "tok-office", body); err == nil {
		require.Equal(t, http.StatusAccepted, status, "the bulk cannot have finished: %s", answer)
	}
	_ = p.cmd.Wait()
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signal() == syscall.SIGKILL, "killed by the fault, not otherwise; log:\n%s", p.log)
	t.Logf("killed %s after the bulk was posted, at the %dth categorize written", time.Since(posted).Round(time.Millisecond), killAt)

	// What the bulk's items said at the kill.
	s, err := store.Open(filepath.Join(dir, "data", "rectify.db"))
	require.NoError(t, err)
	running, err := s.BulksIn(context.Background(), store.BulkRunning)
	require.NoError(t, err)
	require.Len(t, running, 1, "the bulk was stored before the kill")
	id := running[0]
	items, err := s.BulkItems(context.Background(), id, 0, -1)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.Len(t, items, n)
	at := map[string]int{}
	var inDoubt []string
	for _, it := range items {
		at[it.Status]++
		if it.Status == store.BulkItemSent {
			inDoubt = append(inDoubt, it.OpinionID)
		}
	}
	t.Logf("at the kill: %d done, %d sent with no answer recorded, %d waiting", at[store.BulkItemDone], at[store.BulkItemSent], at[store.BulkItemWaiting])
	require.NotEmpty(t, inDoubt, "the kill left actions in doubt")
	require.Less(t, at[store.BulkItemDone], n, "the kill came mid-bulk")

	restarted := time.Now()
	p = start(t, env, httpAddr)
	var b map[string]any
	require.Eventually(t, func() bool {
		b = p.Must("office", http.MethodGet, "/api/v1/bulks/"+id+"?limit=10000", nil, http.StatusOK)
		return b["state"] == "done"
	}, 5*time.Minute, 500*time.Millisecond, "the bulk finishes after the restart; log:\n%s", p.log)
	t.Logf("finished %s after the restart", time.Since(restarted).Round(time.Second))
	require.Equal(t, []any{float64(n), float64(n), float64(0), float64(0)}, []any{b["total"], b["done"], b["refused"], b["waiting"]})
	results := b["results"].([]any)
	require.Len(t, results, n, "a result for every opinion")
	for i, r := range results {
		res := r.(map[string]any)
		require.Equal(t, []any{ids[i], "done"}, []any{res["id"], res["status"]}, "result %d", i)
	}

	// Every opinion, as its workflow recorded it: categorized, exactly once.
	c, err := client.Dial(client.Options{HostPort: frontend, Logger: quietLogger{},
		DataConverter: payload.DataConverter(payloadtest.Keyring(t))})
	require.NoError(t, err)
	defer c.Close()
	var mu sync.Mutex
	wrong := map[string]string{}
	var wg sync.WaitGroup
	work := make(chan string)
	for range 8 {
		wg.Go(func() {
			for id := range work {
				got := categorizations(c, id)
				if got != "categorized 1" {
					mu.Lock()
					wrong[id] = got
					mu.Unlock()
				}
			}
		})
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	require.Empty(t, wrong, "opinions not categorized exactly once")

	// The store shows what the workflows recorded, the opinions in doubt above all.
	sample := slices.Concat(inDoubt[:min(len(inDoubt), 40)], []string{ids[0], ids[n-1]})
	requireStoreMatchesWorkflows(t, p, frontend, sample)
	list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign=many&state=categorized&limit=1", nil, http.StatusOK)
	require.EqualValues(t, n, list["total"])
}

// categorizations is opinion id's state as its workflow holds it and how many
// times it was categorized.
func categorizations(c client.Client, id string) string {
	v, err := c.QueryWorkflow(context.Background(), workflows.OpinionWorkflowID(id), "", workflows.OpinionQueryName)
	if err != nil {
		return err.Error()
	}
	var o domain.Opinion
	if err := v.Get(&o); err != nil {
		return err.Error()
	}
	n := 0
	for _, e := range o.Timeline {
		if e.Action == domain.ActionCategorize {
			n++
		}
	}
	return fmt.Sprintf("%s %d", o.State, n)
}
