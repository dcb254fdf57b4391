package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
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
	"go.temporal.io/server/api/adminservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"rectify/internal/apitest"
	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/domain"
	"rectify/internal/pgtest"
)

// node is the environment of a RECTIFY_ROLES=server process of a cluster on db:
// fixed ports on loopback and its probes on their own address.
type node struct {
	frontend, probes string
	// history is the address of its history service, one of its internode ports.
	history string
	env     []string
}

func newNode(t *testing.T, dir, db string) node {
	t.Helper()
	p := freePorts(t, 4)
	n := node{frontend: "127.0.0.1:" + strconv.Itoa(p[0]), history: "127.0.0.1:" + strconv.Itoa(p[1]), probes: apitest.FreeAddr(t)}
	n.env = []string{
		"RECTIFY_ROLES=server",
		"RECTIFY_DATA_DIR=" + filepath.Join(dir, "node-data"),
		"RECTIFY_TEMPORAL_DB=" + db,
		"RECTIFY_EMBEDDED_ADDR=" + n.frontend,
		fmt.Sprintf("RECTIFY_TEMPORAL_PORTS=%d,%d,%d", p[1], p[2], p[3]),
		"RECTIFY_METRICS_ADDR=" + n.probes,
		"RECTIFY_EMBEDDED_UI_ADDR=off",
		"RECTIFY_LOG_LEVEL=info",
	}
	return n
}

// start runs the node and waits until its /readyz answers.
func (n node) start(t *testing.T, extra ...string) *process {
	t.Helper()
	p := launch(t, append(slices.Clone(n.env), extra...))
	p.waitReady(t, n.probes)
	return p
}

// clientEnv is a worker and API process of the cluster at frontend, with its
// reporting store (SQLite) in dir.
func clientEnv(t *testing.T, dir, frontend string) (httpAddr string, env []string) {
	t.Helper()
	httpAddr, env = processEnv(t, dir)
	return httpAddr, append(env, "TEMPORAL_ADDRESS="+frontend, "RECTIFY_ROLES=worker,http")
}

// handedOut are the ports freePorts has given in this test process: two nodes
// launched at once must not both be given one that is free now.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// freePorts returns n loopback ports, each free together with its membership port
// (100 above), below the ephemeral range, and none given before or overlapping one
// given before.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	free := func(p int) bool {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		_ = ln.Close()
		return true
	}
	handedOut.Lock()
	defer handedOut.Unlock()
	var ports []int
	for len(ports) < n {
		p := 12000 + rand.IntN(18000)
		if !handedOut.ports[p] && !handedOut.ports[p+100] && free(p) && free(p+100) {
			handedOut.ports[p], handedOut.ports[p+100] = true, true
			ports = append(ports, p)
		}
	}
	return ports
}

// stop ends a process with SIGTERM and requires a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "graceful shutdown on SIGTERM exits 0; log:\n%s", p.log)
}

// TestServerNodeOnPostgres runs a server node on a database it creates itself, as a
// role that is not a superuser, restarts it on the same database, has a worker and
// API process take an opinion through its lifecycle against it, and refuses a
// changed shard count with an error naming the variable. The password never shows.
func TestServerNodeOnPostgres(t *testing.T) {
	pg := pgtest.Start(t)
	const password = "n0de-Pa55word"
	admin, err := sql.Open("pgx", pg.URL("postgres"))
	require.NoError(t, err)
	defer admin.Close()
	_, err = admin.Exec(`CREATE ROLE temporal LOGIN CREATEDB PASSWORD '` + password + `'`)
	require.NoError(t, err)
	db := fmt.Sprintf("postgres://temporal:%s@%s/temporal_cluster?sslmode=disable", password, net.JoinHostPort(pg.Host, strconv.Itoa(pg.Port)))

	dir := t.TempDir()
	n := newNode(t, dir, db)
	first := n.start(t, "RECTIFY_TEMPORAL_LOG_LEVEL=debug") // the server's own log says the most
	first.stop(t)
	again := n.start(t) // the schema is there: setting it up again changes nothing

	httpAddr, env := clientEnv(t, dir, n.frontend)
	w := start(t, env, httpAddr)
	w.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "pg", "name": "整改"}, http.StatusCreated)
	op := w.Must("office", http.MethodPost, "/api/v1/campaigns/pg/opinions", map[string]any{
		"key": "PG-1", "content": "路灯损坏", "channel": "hotline",
		"collected_at": time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout),
	}, http.StatusCreated)
	id := op["id"].(string)
	w.Act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	w.Act("office", id, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	require.Equal(t, "in_progress", w.Act("official", id, "sign", nil, http.StatusOK)["state"])
	w.stop(t)
	again.stop(t)

	refused := launch(t, append(slices.Clone(n.env), "RECTIFY_TEMPORAL_SHARDS=4"))
	require.Error(t, refused.cmd.Wait(), "a changed shard count stops the start")
	require.Contains(t, refused.log.String(), "RECTIFY_TEMPORAL_SHARDS=4, but this Temporal database was created with 16 history shards")

	for _, p := range []*process{first, again, refused} {
		require.NotContains(t, p.log.String(), password)
	}
	require.Contains(t, again.log.String(), "temporal_cluster", "the log names the database")
	_, err = os.Stat(filepath.Join(dir, "node-data"))
	require.ErrorIs(t, err, os.ErrNotExist, "a server node on PostgreSQL with fixed ports keeps nothing on disk")
}

// TestClusterSurvivesLosingANode starts two server nodes on one database at the same
// moment, starts opinions through node A, kills node A with SIGKILL, and shows that
// every opinion is served through node B once A's shards have moved: none lost.
func TestClusterSurvivesLosingANode(t *testing.T) {
	pg := pgtest.Start(t)
	db := pg.CreateDatabase(t, "temporal")
	dir := t.TempDir()
	a, b := newNode(t, filepath.Join(dir, "a"), db), newNode(t, filepath.Join(dir, "b"), db)
	procA, procB := launch(t, a.env), launch(t, b.env) // both set up the schema at once
	procA.waitReady(t, a.probes)
	procB.waitReady(t, b.probes)
	plain := insecure.NewCredentials()
	require.Eventually(t, func() bool { return historyHosts(t, a.frontend, plain) == 2 && historyHosts(t, b.frontend, plain) == 2 },
		time.Minute, 100*time.Millisecond, "both nodes join one ring")

	// Two worker and API processes sharing one reporting store: one dials A, one B.
	httpA, envA := clientEnv(t, dir, a.frontend)
	wa := start(t, envA, httpA)
	httpB, envB := clientEnv(t, dir, b.frontend)
	wb := start(t, envB, httpB)

	wa.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "ha", "name": "整改"}, http.StatusCreated)
	const n = 24 // with 16 shards, both nodes own some of them
	today := time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout)
	ids := make([]string, n)
	for i := range n {
		op := wa.Must("office", http.MethodPost, "/api/v1/campaigns/ha/opinions", map[string]any{
			"key": fmt.Sprintf("HA-%d", i), "content": fmt.Sprintf("第%d件：路灯损坏", i), "channel": "hotline", "collected_at": today,
		}, http.StatusCreated)
		ids[i] = op["id"].(string)
	}

	require.NoError(t, procA.cmd.Process.Signal(syscall.SIGKILL))
	_ = procA.cmd.Wait()
	killed := time.Now()
	// Every opinion acts at once through B; each answers when its shard serves again.
	var wg sync.WaitGroup
	answered := make([]time.Duration, n)
	failures := make(chan error, n)
	for i, id := range ids {
		wg.Go(func() {
			for time.Since(killed) < 90*time.Second {
				status, _, err := post(wb.Base+"/api/v1/opinions/"+id+"/actions/categorize", "tok-office", `{"category":"群众需要解决的问题"}`)
				// 409: an earlier attempt was applied but its answer lost; the state is checked below.
				if err == nil && (status == http.StatusOK || status == http.StatusConflict) {
					answered[i] = time.Since(killed)
					return
				}
				time.Sleep(100 * time.Millisecond) // between retries of one request, not a wait for a condition
			}
			failures <- fmt.Errorf("opinion %s was not served through node B within 90 s", id)
		})
	}
	wg.Wait()
	close(failures)
	for err := range failures {
		require.NoError(t, err)
	}
	t.Logf("after SIGKILL of one of two server nodes (16 shards), all %d opinions answered through the other within %.1f s (the first after %.1f s)",
		n, slices.Max(answered).Seconds(), slices.Min(answered).Seconds())
	require.Equal(t, 1, historyHosts(t, b.frontend, plain), "node A has left the ring")

	list := wb.Must("office", http.MethodGet, "/api/v1/campaigns/ha/stats", nil, http.StatusOK)
	require.EqualValues(t, n, list["collected"], "no opinion lost")
	for _, id := range ids {
		require.Equal(t, "categorized", wb.opinion(id)["state"])
	}

	// Evidence files live with the opinions' data, not on the process that took
	// them: a photo sent through one web node (A's, whose server node is gone; an
	// upload needs only the store) is named in the fix and served by the other.
	fixed := ids[0]
	wb.Act("office", fixed, "assign", map[string]any{"department": "城管科", "official": "official", "leader": "leader"}, http.StatusOK)
	wb.Act("official", fixed, "sign", nil, http.StatusOK)
	photo := upload(t, wa, fixed, "整改后照片.png", attachmenttest.PNG(t, 64, 48))
	wb.Act("official", fixed, "submit", map[string]any{"measures": "更换路灯", "evidence": "整改后照片",
		"attachments": []string{photo.id}}, http.StatusOK)
	for _, node := range []*process{wb, wa} {
		name, sum := download(t, node, photo.id)
		require.Equal(t, [2]any{photo.name, photo.sha256}, [2]any{name, sum}, "each web node serves the same file")
	}
	wb.stop(t)
	wa.stop(t)
	procB.stop(t)
}

// historyHosts is the number of history hosts in the ring as the frontend at addr
// sees it, dialed with creds.
func historyHosts(t *testing.T, addr string, creds credentials.TransportCredentials) int {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	require.NoError(t, err)
	defer func() { _ = conn.Close() }() // a probe: its answer is DescribeCluster's
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := adminservice.NewAdminServiceClient(conn).DescribeCluster(ctx, &adminservice.DescribeClusterRequest{})
	if err != nil {
		return 0
	}
	for _, ring := range resp.GetMembershipInfo().GetRings() {
		if ring.GetRole() == "history" {
			return int(ring.GetMemberCount())
		}
	}
	return 0
}

// TestAWorkerStartedBeforeItsServerWaitsForIt starts a worker and API process of a
// cluster whose server node is not up yet, as a machine's services may start in any
// order: it says so in its log and keeps dialing, then serves once the node is up.
func TestAWorkerStartedBeforeItsServerWaitsForIt(t *testing.T) {
	dir := t.TempDir()
	n := newNode(t, filepath.Join(dir, "node"), "")
	httpAddr, env := clientEnv(t, dir, n.frontend)
	early := launch(t, append(env, "RECTIFY_LOG_LEVEL=warn"))
	early.Client = apitest.Client{T: t, Base: "http://" + httpAddr}
	require.Eventually(t, func() bool {
		return strings.Count(early.log.String(), "the Temporal frontend does not answer yet") >= 2
	}, time.Minute, 50*time.Millisecond, "the waiting worker says so; log:\n%s", early.log)
	require.NotContains(t, early.log.String(), "rectify stopped", "it waits rather than giving up")

	n.start(t)
	early.waitReady(t, httpAddr)
	early.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "late", "name": "整改"}, http.StatusCreated)
	op := early.Must("office", http.MethodPost, "/api/v1/campaigns/late/opinions", map[string]any{
		"key": "L-1", "content": "路灯损坏", "channel": "hotline", "collected_at": time.Now().In(time.FixedZone("", 8*3600)).Format(domain.DateLayout),
	}, http.StatusCreated)
	early.Must("office", http.MethodPost, "/api/v1/opinions/"+op["id"].(string)+"/actions/categorize",
		map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
}
