package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc/credentials/insecure"

	"rectify/internal/apitest"
	"rectify/internal/domain"
	"rectify/internal/payload/payloadtest"
	"rectify/internal/pgtest"
	"rectify/workflows"
)

// clusterOpinions is how many opinions the cluster test takes through their lives.
const clusterOpinions = 200

// TestClusterClosesEveryOpinionThroughLosses is the installation of the deploy files
// on one machine: PostgreSQL, two server nodes, two workers and a web node sharing a
// reporting store on PostgreSQL. Opinions go through their whole lifecycle over the
// web node's API while one server node and the worker dialing it are killed with
// SIGKILL midway. Every opinion must close exactly once, both workers must have done
// work, and the stats and /metrics must count exactly.
func TestClusterClosesEveryOpinionThroughLosses(t *testing.T) {
	pg := pgtest.Start(t)
	temporalDB, storeDB := pg.CreateDatabase(t, "temporal"), pg.CreateDatabase(t, "rectify")
	dir := t.TempDir()
	a, b := newNode(t, filepath.Join(dir, "a"), temporalDB), newNode(t, filepath.Join(dir, "b"), temporalDB)
	procA, procB := launch(t, a.env), launch(t, b.env)
	procA.waitReady(t, a.probes)
	procB.waitReady(t, b.probes)
	plain := insecure.NewCredentials()
	require.Eventually(t, func() bool { return historyHosts(t, a.frontend, plain) == 2 && historyHosts(t, b.frontend, plain) == 2 },
		time.Minute, 100*time.Millisecond, "both nodes join one ring")

	users, keys := apitest.WriteUsers(t, dir), payloadtest.WriteKeyFile(t, dir)
	role := func(name, roles, frontend string) (*process, string) {
		probes := apitest.FreeAddr(t)
		p := launch(t, []string{
			"RECTIFY_ROLES=" + roles, "TEMPORAL_ADDRESS=" + frontend, "RECTIFY_STORE_URL=" + storeDB,
			"RECTIFY_DATA_DIR=" + filepath.Join(dir, name), "RECTIFY_USERS=" + users, "RECTIFY_PAYLOAD_KEY_FILE=" + keys,
			"RECTIFY_METRICS_ADDR=" + probes, "RECTIFY_LOG_LEVEL=error",
		})
		p.waitReady(t, probes)
		return p, probes
	}
	worker1, _ := role("worker-1", "worker", a.frontend)
	worker2, _ := role("worker-2", "worker", b.frontend)
	webAddr := apitest.FreeAddr(t)
	web := start(t, []string{
		"RECTIFY_ROLES=http", "TEMPORAL_ADDRESS=" + b.frontend, "RECTIFY_STORE_URL=" + storeDB,
		"RECTIFY_DATA_DIR=" + filepath.Join(dir, "web"), "RECTIFY_USERS=" + users, "RECTIFY_HTTP_ADDR=" + webAddr,
		"RECTIFY_PAYLOAD_KEY_FILE=" + keys,
		"RECTIFY_LOG_LEVEL=error",
	}, webAddr)

	web.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "cl", "name": "整改", "departments": []string{"城管科"}}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	steps := []struct {
		as, action, body string
		then             string
	}{
		{"office", "categorize", `{"category":"群众需要解决的问题"}`, "categorized"},
		{"office", "assign", `{"department":"城管科","official":"official","leader":"leader","measures":"修灯"}`, "assigned"},
		{"official", "sign", `{}`, "in_progress"},
		{"official", "submit", `{"measures":"已修复","evidence":"照片"}`, "submitted"},
		{"verifier", "verify", `{"pass":true,"reason":"属实"}`, "awaiting_callback"},
		{"office", "callback", `{"satisfaction":"satisfied"}`, "closed"},
	}
	var done atomic.Int64
	killed := make(chan struct{})
	var killOnce sync.Once
	ids := make([]string, clusterOpinions)
	var wg sync.WaitGroup
	errs := make(chan error, clusterOpinions+2)
	sem := make(chan struct{}, 8)
	for i := range clusterOpinions {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			body := fmt.Sprintf(`{"key":"CL-%d","content":"第%d件：路灯损坏","channel":"hotline","collected_at":"%s"}`, i, i, today)
			var op struct{ ID string }
			if err := retry(web.Base+"/api/v1/campaigns/cl/opinions", "tok-office", body, &op, nil); err != nil {
				errs <- err
				return
			}
			ids[i] = op.ID
			for _, s := range steps {
				applied := func() bool { return opinionState(web.Base, op.ID) == s.then }
				if err := retry(web.Base+"/api/v1/opinions/"+op.ID+"/actions/"+s.action, "tok-"+s.as, s.body, nil, applied); err != nil {
					errs <- fmt.Errorf("opinion %d %s: %w", i, s.action, err)
					return
				}
			}
			if done.Add(1) == clusterOpinions/2 {
				killOnce.Do(func() {
					for _, p := range []*process{procA, worker1} {
						if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
							errs <- err
						}
						_ = p.cmd.Wait()
					}
					close(killed)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	select {
	case <-killed:
	default:
		t.Fatal("the losses never happened")
	}

	stats := web.Must("leader", http.MethodGet, "/api/v1/campaigns/cl/stats", nil, http.StatusOK)
	require.EqualValues(t, clusterOpinions, stats["collected"], "no opinion lost")
	require.EqualValues(t, clusterOpinions, stats["closed"], "every opinion closed")
	samples := scrape(t, web.Base)
	require.EqualValues(t, clusterOpinions, samples.Sum("rectify_opinions", "campaign", "cl", "state", "closed"))
	require.EqualValues(t, clusterOpinions, samples.Sum("rectify_opinions", "campaign", "cl"))

	tc, err := client.Dial(client.Options{HostPort: b.frontend})
	require.NoError(t, err)
	defer tc.Close()
	workers := map[string]bool{}
	for i, id := range ids {
		// Two readers take turns: each user's requests are throttled (50/s).
		as := []string{"office", "leader"}[i%2]
		var op map[string]any
		require.Eventually(t, func() bool {
			var status int
			status, op = web.Call(as, http.MethodGet, "/api/v1/opinions/"+id, nil)
			return status == http.StatusOK
		}, 30*time.Second, 500*time.Millisecond)
		closes := 0
		for _, e := range op["timeline"].([]any) {
			if e.(map[string]any)["to"] == "closed" {
				closes++
			}
		}
		require.Equal(t, 1, closes, "opinion %s closed exactly once", id)
		it := tc.GetWorkflowHistory(context.Background(), workflows.OpinionWorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			require.NoError(t, err)
			if who := e.GetWorkflowTaskStartedEventAttributes().GetIdentity(); who != "" {
				workers[strings.SplitN(who, "@", 2)[0]] = true // the worker's process id
			}
		}
	}
	require.Len(t, workers, 2, "both workers ran workflow tasks: %v", workers)
	web.stop(t)
	worker2.stop(t)
	procB.stop(t)
}

// retry posts body until the API applies it: a 2xx answer, or — when applied is
// given — a refusal after which applied reports the change is there (an earlier
// attempt went through but its answer was lost with a killed process). Anything else
// is tried again for up to two minutes, as a client riding out a failover would.
func retry(url, token, body string, out any, applied func() bool) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, data, err := post(url, token, body)
		switch {
		case err == nil && status/100 == 2:
			if out != nil {
				return json.Unmarshal(data, out)
			}
			return nil
		case err == nil && status == http.StatusConflict && applied != nil && applied():
			return nil
		case err == nil && status/100 == 4 && status != http.StatusConflict && status != http.StatusTooManyRequests:
			return fmt.Errorf("%s: %d %s", url, status, data)
		case time.Now().After(deadline):
			return fmt.Errorf("%s: still failing after two minutes: %d %s %v", url, status, data, err)
		}
		time.Sleep(200 * time.Millisecond) // between retries of one request, not a wait for a condition
	}
}

func post(url, token, body string) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// opinionState reads an opinion's state through the API, "" when it cannot.
func opinionState(base, id string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/opinions/"+id, nil)
	req.Header.Set("Authorization", "Bearer tok-office")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var o struct{ State string }
	_ = json.NewDecoder(resp.Body).Decode(&o)
	return o.State
}
