package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"rectify/internal/attachment/attachmenttest"
	"rectify/internal/backup"
	"rectify/internal/domain"
	"rectify/internal/payload"
	"rectify/internal/payload/payloadtest"
	"rectify/internal/pgtest"
	"rectify/workflows"
)

// The backup tests run the commands docs/operations.md gives ("Backup and restore"):
// a running installation is backed up while people act on it, the backup is
// restored into a new place and started, and every opinion, its timeline, the
// figures and the timers Temporal holds are there, and the work goes on.

// backupScene is two campaigns. "bk" holds opinions in every kind of waiting — on a
// deadline's timers, on a verifier with evidence files, on the office, signed and in
// progress — left alone from then on (settled); "bk-live" holds the opinions acted
// on while the backup runs (busy). What settled holds is known at the backup's
// moment, what busy holds only once the backup has it.
type backupScene struct {
	settled, busy []string
	// before is each settled opinion as the API showed it before the backup.
	before map[string]map[string]any
	// stats is campaign bk's figures before the backup.
	stats map[string]any
	// evidence is the files uploaded with the fix awaiting verification.
	evidence []evidenceFile
	// Between the copies (inTheGap): born is the opinion submitted then, moved the
	// busy opinion acted on then, and movedTo the revision that action took it to.
	born, bornState, moved string
	movedTo                float64
}

// evidenceFile is an uploaded evidence file as its uploader knew it.
type evidenceFile struct {
	id, name string
	sha256   [32]byte
}

func makeBackupScene(t *testing.T, p *process) backupScene {
	t.Helper()
	workday := workdayFromToday
	var s backupScene
	for i := range 8 {
		campaign := "bk"
		if i >= 4 {
			campaign = "bk-live"
		}
		if i%4 == 0 {
			p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": campaign, "name": "备份"}, http.StatusCreated)
		}
		op := p.Must("office", http.MethodPost, "/api/v1/campaigns/"+campaign+"/opinions", map[string]any{
			"key": fmt.Sprintf("B-%d", i), "content": fmt.Sprintf("第%d件：井盖缺失", i), "channel": "hotline", "collected_at": workday(-3),
		}, http.StatusCreated)
		id := op["id"].(string)
		if i < 4 {
			s.settled = append(s.settled, id)
		} else {
			s.busy = append(s.busy, id)
		}
	}
	act := func(as, id, action string, body map[string]any) {
		p.Must(as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+action, body, http.StatusOK)
	}
	assign := map[string]any{"department": "城管科", "official": "official", "leader": "leader", "deadline": workday(15)}
	// settled[0]: categorized, waiting on the office. settled[1]: assigned, its
	// deadline's timers running. settled[2]: in progress. settled[3]: fixed with a
	// photo and a PDF report as evidence, awaiting verification.
	for i, id := range s.settled {
		act("office", id, "categorize", map[string]any{"category": "群众需要解决的问题"})
		if i >= 1 {
			act("office", id, "assign", assign)
		}
		if i >= 2 {
			act("official", id, "sign", map[string]any{})
		}
		if i >= 3 {
			s.evidence = []evidenceFile{
				upload(t, p, id, "整改后照片.png", attachmenttest.PNG(t, 64, 48)),
				upload(t, p, id, "整改报告.pdf", attachmenttest.PDF()),
			}
			act("official", id, "submit", map[string]any{"measures": "已补装井盖", "evidence": "照片及报告",
				"attachments": []string{s.evidence[0].id, s.evidence[1].id}})
		}
	}
	s.before = map[string]map[string]any{}
	for _, id := range s.settled {
		s.before[id] = p.opinion(id)
	}
	s.stats = p.Must("leader", http.MethodGet, "/api/v1/campaigns/bk/stats", nil, http.StatusOK)
	return s
}

// upload sends a file as the assigned official's evidence for the opinion, as the
// web app's form does, from a file of that name.
func upload(t *testing.T, p *process, opinion, name string, content []byte) evidenceFile {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, content, 0o600))
	status, ref := p.Upload("official", "/api/v1/opinions/"+opinion+"/attachments", path, nil)
	require.Equal(t, http.StatusCreated, status, "upload %s: %v", name, ref)
	require.Equal(t, name, ref["name"])
	return evidenceFile{id: ref["id"].(string), name: name, sha256: sha256.Sum256(content)}
}

// download fetches an evidence file as the verifier and says the name it is served
// under and the SHA-256 of its bytes.
func download(t *testing.T, p *process, id string) (name string, sum [32]byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.Base+"/api/v1/attachments/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer tok-verifier")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, "attachment %s: %s", id, body)
	_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	require.NoError(t, err)
	return params["filename"], sha256.Sum256(body)
}

// actWhile moves the busy opinions on, round after round, until stop is closed; it
// returns once at least one action has been applied, and how many were when done.
func actWhile(p *process, ids []string, stop <-chan struct{}) (started <-chan struct{}, done func() int64) {
	var applied atomic.Int64
	first := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	wg.Go(func() {
		for round := 0; ; round++ {
			for _, id := range ids {
				select {
				case <-stop:
					return
				default:
				}
				if step(p.Base, id, round) {
					applied.Add(1)
					once.Do(func() { close(first) })
				}
			}
		}
	})
	return first, func() int64 { wg.Wait(); return applied.Load() }
}

// backupGap, set to a folder, has rectify-worker backup stop between its copies:
// it writes "reached" in the folder and goes on once "resume" is there.
const backupGap = "RECTIFY_TEST_BACKUP_GAP"

// injectBackupGap sets the backup's stop between its copies, when backupGap asks.
func injectBackupGap() {
	dir := os.Getenv(backupGap)
	if dir == "" {
		return
	}
	backupOptions = append(backupOptions, backup.BetweenCopies(func(ctx context.Context) error {
		if err := os.WriteFile(filepath.Join(dir, "reached"), nil, 0o600); err != nil {
			return err
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "resume")); err == nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}))
}

// submitRetrying submits an opinion to campaign bk-live as the office, which may
// just have been told to slow down after the busy opinions' actions, and answers
// its id and state.
func submitRetrying(t *testing.T, p *process, key, content string) (id, state string) {
	t.Helper()
	var op map[string]any
	require.Eventually(t, func() bool {
		var status int
		status, op = p.Call("office", http.MethodPost, "/api/v1/campaigns/bk-live/opinions", map[string]any{
			"key": key, "content": content, "channel": "hotline", "collected_at": workdayFromToday(-1),
		})
		require.Contains(t, []int{http.StatusCreated, http.StatusTooManyRequests}, status, "%v", op)
		return status == http.StatusCreated
	}, time.Minute, 100*time.Millisecond, "opinion %s is submitted", key)
	return op["id"].(string), op["state"].(string)
}

// beforeTheGap submits the opinion inTheGap acts on, which nothing else touches.
func beforeTheGap(t *testing.T, p *process, s *backupScene) {
	t.Helper()
	s.moved, _ = submitRetrying(t, p, "B-moved", "复制之前：垃圾未清运")
}

// inTheGap works while the store's copy is made and Temporal's is not yet: an
// opinion is submitted to campaign bk-live, and the one beforeTheGap submitted is
// categorized. Both are in Temporal's copy alone.
func inTheGap(t *testing.T, p *process, s *backupScene) {
	t.Helper()
	s.born, s.bornState = submitRetrying(t, p, "B-gap", "复制之间：路灯不亮")
	require.Eventually(t, func() bool {
		status, o := p.Call("office", http.MethodPost, "/api/v1/opinions/"+s.moved+"/actions/categorize",
			map[string]any{"category": "群众需要解决的问题"})
		require.Contains(t, []int{http.StatusOK, http.StatusTooManyRequests}, status, "%v", o)
		if status == http.StatusOK {
			s.movedTo = o["revision"].(float64)
		}
		return status == http.StatusOK
	}, time.Minute, 100*time.Millisecond, "an opinion is acted on between the copies")
	s.busy = append(s.busy, s.moved, s.born)
}

// runCommandLine runs rectify-worker with args and env, as an operator would, and
// returns its output; a failure fails the test.
func runCommandLine(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), append(env, underTest+"=1")...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "rectify-worker %v:\n%s", args, out)
	return string(out)
}

// openTimers lists the timers a workflow has started and neither fired nor
// cancelled, from its history.
func openTimers(t *testing.T, frontend, workflowID string) []string {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: frontend, Logger: quietLogger{}})
	require.NoError(t, err)
	defer c.Close()
	open := map[string]bool{}
	it := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		switch {
		case e.GetTimerStartedEventAttributes() != nil:
			open[e.GetTimerStartedEventAttributes().GetTimerId()] = true
		case e.GetTimerFiredEventAttributes() != nil:
			delete(open, e.GetTimerFiredEventAttributes().GetTimerId())
		case e.GetTimerCanceledEventAttributes() != nil:
			delete(open, e.GetTimerCanceledEventAttributes().GetTimerId())
		}
	}
	ids := make([]string, 0, len(open))
	for id := range open {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// requireRestored checks the restored installation against the scene: every
// opinion; the settled ones exactly as they were, with their timers, their evidence
// files byte for byte and their campaign's figures; the busy ones as their workflows
// recorded them, with figures that count exactly those states; and the work goes on.
func requireRestored(t *testing.T, p *process, frontend string, s backupScene, timers map[string][]string) {
	t.Helper()
	// Temporal's copy, made after the store's, holds the opinion submitted and the
	// action taken between the copies: the reconciler brings them into the store.
	all := append(slices.Clone(s.settled), s.busy...)
	require.Eventually(t, func() bool { return storeMatchesWorkflows(t, p, frontend, all) }, time.Minute, 100*time.Millisecond,
		"the store converges to what the workflows recorded")
	requireStoreMatchesWorkflows(t, p, frontend, all)
	require.Equal(t, s.movedTo, p.opinion(s.moved)["revision"], "the action taken between the copies shows")
	require.Equal(t, s.bornState, p.opinion(s.born)["state"], "the opinion submitted between the copies is there")
	want := slices.Sorted(slices.Values(all))
	require.Eventually(t, func() bool {
		return slices.Equal(want, slices.Sorted(slices.Values(opinionWorkflows(t, frontend))))
	}, time.Minute, 100*time.Millisecond, "every opinion has its workflow, and every workflow its opinion")
	for campaign, ids := range map[string][]string{"bk": s.settled, "bk-live": s.busy} {
		list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign="+campaign+"&limit=100", nil, http.StatusOK)
		require.EqualValues(t, len(ids), list["total"], "every opinion of %s is back", campaign)
	}
	for _, id := range s.settled {
		after := p.opinion(id)
		for _, field := range []string{"state", "revision", "deadline", "official", "overdue_level", "timeline", "rounds"} {
			require.Equal(t, s.before[id][field], after[field], "opinion %s: %s", id, field)
		}
		require.Equal(t, timers[id], openTimers(t, frontend, workflows.ItemWorkflowID(id)), "opinion %s: the same timers wait", id)
	}
	for _, f := range s.evidence {
		name, sum := download(t, p, f.id)
		require.Equal(t, f.name, name, "evidence file %s keeps its name", f.id)
		require.Equal(t, f.sha256, sum, "evidence file %s (%s) is served byte for byte", f.id, f.name)
	}

	// Figures: bk's are what they were at the backup, every one of them. bk-live's
	// count its opinions by the states their workflows recorded (just required of the
	// opinions themselves): the reconciler moved the counts with each row it put back.
	require.Equal(t, s.stats, p.Must("leader", http.MethodGet, "/api/v1/campaigns/bk/stats", nil, http.StatusOK),
		"campaign bk's figures are those of the backup's moment")
	shown := map[string]float64{}
	for _, id := range s.busy {
		shown[p.opinion(id)["state"].(string)]++
	}
	live := p.Must("leader", http.MethodGet, "/api/v1/campaigns/bk-live/stats", nil, http.StatusOK)
	counted := map[string]float64{}
	for state, n := range live["by_state"].(map[string]any) {
		if n.(float64) > 0 {
			counted[state] = n.(float64)
		}
	}
	require.Equal(t, shown, counted, "campaign bk-live's figures by state")
	require.EqualValues(t, len(s.busy), live["collected"])

	// The work goes on: the fix waiting for verification is verified and closed,
	// and every busy opinion reaches closed.
	waiting := s.settled[3]
	p.Must("verifier", http.MethodPost, "/api/v1/opinions/"+waiting+"/actions/verify", map[string]any{"pass": true}, http.StatusOK)
	closed := p.Must("office", http.MethodPost, "/api/v1/opinions/"+waiting+"/actions/callback", map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
	require.Equal(t, "closed", closed["state"])
	for _, id := range s.busy {
		require.Eventually(t, func() bool {
			step(p.Base, id, 1)
			return opinionState(p.Base, id) == "closed"
		}, time.Minute, 50*time.Millisecond, "opinion %s closes after the restore", id)
	}
}

// opinionWorkflows lists the ids of the opinions whose workflows Temporal holds.
func opinionWorkflows(t *testing.T, frontend string) []string {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: frontend, Logger: quietLogger{}})
	require.NoError(t, err)
	defer c.Close()
	var ids []string
	var token []byte
	for {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s'", workflows.OpinionWorkflowName), NextPageToken: token, PageSize: 1000,
		})
		require.NoError(t, err)
		for _, e := range resp.GetExecutions() {
			ids = append(ids, strings.TrimPrefix(e.GetExecution().GetWorkflowId(), workflows.OpinionWorkflowPrefix))
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return ids
		}
	}
}

// storeMatchesWorkflows reports whether every opinion the API shows has its
// workflow's state and revision.
func storeMatchesWorkflows(t *testing.T, p *process, frontend string, ids []string) bool {
	t.Helper()
	c, err := client.Dial(client.Options{HostPort: frontend, Logger: quietLogger{},
		DataConverter: payload.DataConverter(payloadtest.Keyring(t))})
	require.NoError(t, err)
	defer c.Close()
	for _, id := range ids {
		res, err := c.QueryWorkflow(context.Background(), workflows.ItemWorkflowID(id), "", workflows.OpinionQueryName)
		if err != nil {
			return false
		}
		var durable domain.Opinion
		var shown struct {
			State    string `json:"state"`
			Revision int    `json:"revision"`
		}
		if res.Get(&durable) != nil || !get(p.Base, "/api/v1/opinions/"+id, &shown) ||
			shown.State != string(durable.State) || shown.Revision != durable.Revision {
			return false
		}
	}
	return true
}

// TestBackupOfARunningMachineRestoresEveryOpinionAndTimer backs up the one-machine
// run with rectify-worker backup while opinions are being acted on, restores the
// backup with rectify-worker restore into a new data folder, starts rectify there
// and finds everything.
func TestBackupOfARunningMachineRestoresEveryOpinionAndTimer(t *testing.T) {
	dir := t.TempDir()
	httpAddr, frontend, env := consistencyEnv(t, dir)
	p := start(t, env, httpAddr)
	scene := makeBackupScene(t, p)
	timers := map[string][]string{}
	for _, id := range scene.settled {
		timers[id] = openTimers(t, frontend, workflows.ItemWorkflowID(id))
	}
	require.NotEmpty(t, timers[scene.settled[1]], "an assigned opinion waits on its deadline's timers")

	// A data folder the demo seeded holds its users' file, which a restored demo
	// needs to let anybody sign in.
	demoUsers := []byte(`{"users": []}`)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "data", "demo-users.json"), demoUsers, 0o600))

	// The backup, while the busy opinions move on; between its copies an opinion
	// is submitted and another acted on.
	backupDir, gap := filepath.Join(dir, "backup"), t.TempDir()
	beforeTheGap(t, p, &scene)
	stop := make(chan struct{})
	started, done := actWhile(p, scene.busy, stop)
	<-started
	cmd := exec.Command(os.Args[0], "backup", backupDir)
	cmd.Env = append(os.Environ(), append(env, underTest+"=1", backupGap+"="+gap)...)
	var output strings.Builder
	cmd.Stdout, cmd.Stderr = &output, &output
	require.NoError(t, cmd.Start())
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(gap, "reached"))
		return err == nil
	}, time.Minute, 10*time.Millisecond, "the backup copies the store first")
	close(stop)
	require.Positive(t, done(), "actions ran while the backup did")
	inTheGap(t, p, &scene)
	require.NoError(t, os.WriteFile(filepath.Join(gap, "resume"), nil, 0o600))
	require.NoError(t, cmd.Wait(), "rectify-worker backup:\n%s", output.String())
	out := output.String()
	for _, f := range []string{"temporal.db", "rectify.db", "payload.keys"} {
		require.Contains(t, out, f)
		require.FileExists(t, filepath.Join(backupDir, f))
	}
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "log:\n%s", p.log)

	// A new machine: a new data folder, new ports, the key from the backup.
	newDir := t.TempDir()
	newHTTP, newFrontend, newEnv := consistencyEnv(t, newDir)
	newEnv = append(newEnv, "RECTIFY_PAYLOAD_KEY_FILE="+filepath.Join(newDir, "data", "payload.keys"))
	runCommandLine(t, newEnv, "restore", backupDir)
	refused := exec.Command(os.Args[0], "restore", backupDir)
	refused.Env = append(os.Environ(), append(newEnv, underTest+"=1")...)
	msg, err := refused.CombinedOutput()
	require.Error(t, err, "a second restore over the first is refused")
	require.Contains(t, string(msg), "exists")

	restoredUsers, err := os.ReadFile(filepath.Join(newDir, "data", "demo-users.json"))
	require.NoError(t, err, "the demo's users come back with the data folder")
	require.Equal(t, demoUsers, restoredUsers)

	p = start(t, newEnv, newHTTP)
	requireRestored(t, p, newFrontend, scene, timers)
}

// TestClusterBackupWithPgDumpRestoresEveryOpinionAndTimer backs up a running cluster
// on PostgreSQL as docs/operations.md says — one pg_dump per database while people
// act on opinions, the time the first began noted —, restores the dumps with
// pg_restore onto another PostgreSQL server, has the store's writes since that time
// rechecked, starts a server node, a worker and a web process there, and finds
// everything.
func TestClusterBackupWithPgDumpRestoresEveryOpinionAndTimer(t *testing.T) {
	dir := t.TempDir()
	pg := pgtest.Start(t)
	databases := []string{"rectify", "temporal", "temporal_visibility"}
	cluster := func(pg *pgtest.Server, dir string) (n node, httpAddr string, env []string) {
		n = newNode(t, dir, pg.URL("temporal"))
		n.env = append(n.env, "RECTIFY_TEMPORAL_VISIBILITY_DB="+pg.URL("temporal_visibility"))
		httpAddr, env = clientEnv(t, dir, n.frontend)
		return n, httpAddr, append(env, "RECTIFY_STORE_URL="+pg.URL("rectify"))
	}
	pg.CreateDatabase(t, "rectify")
	n, httpAddr, env := cluster(pg, dir)
	server := n.start(t)
	p := start(t, env, httpAddr)
	scene := makeBackupScene(t, p)
	timers := map[string][]string{}
	for _, id := range scene.settled {
		timers[id] = openTimers(t, n.frontend, workflows.ItemWorkflowID(id))
	}

	// The dumps: the store's first, while the busy opinions move on, then
	// Temporal's, so every opinion the store's dump holds has its workflow in
	// Temporal's. Between them an opinion is submitted and another acted on.
	backupDir := filepath.Join(dir, "backup")
	require.NoError(t, os.Mkdir(backupDir, 0o700))
	beforeTheGap(t, p, &scene)
	stop := make(chan struct{})
	started, done := actWhile(p, scene.busy, stop)
	<-started
	now, err := exec.Command("date", "-u", "+%Y-%m-%dT%H:%M:%SZ").Output()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(backupDir, "started"), now, 0o600))
	for _, db := range databases {
		if db == "temporal" {
			close(stop)
			require.Positive(t, done(), "actions ran while the store's dump did")
			inTheGap(t, p, &scene)
		}
		out, err := exec.Command(pg.Program("pg_dump"), "-Fc", "-d", pg.URL(db), "-f", filepath.Join(backupDir, db+".dump")).CombinedOutput()
		require.NoError(t, err, "pg_dump %s: %s", db, out)
	}
	p.stop(t)
	server.stop(t)

	// Another PostgreSQL: empty databases owned by the installation's role, each
	// dump restored into its own, the old nodes' membership records cleared, the
	// store's writes since the first dump began marked for the reconciler.
	pg2 := pgtest.Start(t)
	newDir := t.TempDir()
	for _, db := range databases {
		pg2.CreateDatabase(t, db)
		out, err := exec.Command(pg2.Program("pg_restore"), "--clean", "--if-exists", "--no-owner",
			"-d", pg2.URL(db), filepath.Join(backupDir, db+".dump")).CombinedOutput()
		require.NoError(t, err, "pg_restore %s: %s", db, out)
	}
	out, err := exec.Command(pg2.Program("psql"), "-d", pg2.URL("temporal"), "-c", "TRUNCATE cluster_membership").CombinedOutput()
	require.NoError(t, err, "psql: %s", out)
	n, httpAddr, env = cluster(pg2, newDir)
	since, err := os.ReadFile(filepath.Join(backupDir, "started"))
	require.NoError(t, err)
	require.Contains(t, runCommandLine(t, env, "recheck", strings.TrimSpace(string(since))), "marked")
	n.start(t)
	p = start(t, env, httpAddr)
	requireRestored(t, p, n.frontend, scene, timers)
}
