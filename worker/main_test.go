package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"rectify/internal/apitest"
	"rectify/internal/calendar"
	"rectify/internal/domain"
	"rectify/internal/logtest"
	"rectify/internal/metrics/metricstest"
	"rectify/internal/payload/payloadtest"
)

// The test binary doubles as the worker: with this variable set it runs main, so
// the crash test kills and restarts a real rectify process without a second build.
const underTest = "RECTIFY_WORKER_UNDER_TEST"

func TestMain(m *testing.M) {
	if os.Getenv(underTest) == "1" {
		injectFaults()
		injectBackupGap()
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type process struct {
	apitest.Client
	cmd *exec.Cmd
	log *logtest.Buffer
}

// start runs rectify and waits until its API's /readyz answers 200.
func start(t *testing.T, env []string, httpAddr string) *process {
	t.Helper()
	p := launch(t, env)
	p.Client = apitest.Client{T: t, Base: "http://" + httpAddr}
	p.waitReady(t, httpAddr)
	return p
}

// launch runs rectify with env added to the test's environment; the process is
// killed when the test ends.
func launch(t *testing.T, env []string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append(env, underTest+"=1")...)
	log := &logtest.Buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		// A failure in one process often starts in another: show them all.
		if t.Failed() {
			t.Logf("log of the process with %v:\n%s", env, log.Tail(8<<10))
		}
	})
	return &process{cmd: cmd, log: log}
}

// waitReady waits until GET /readyz on addr answers 200.
func (p *process) waitReady(t *testing.T, addr string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 50*time.Millisecond, "rectify did not become ready; log:\n%s", p.log)
}

func (p *process) opinion(id string) map[string]any {
	return p.Must("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
}

// processEnv is the environment of a rectify process of the tests: its own data
// folder under dir, free ports, the test users, no Web UI.
func processEnv(t *testing.T, dir string) (httpAddr string, env []string) {
	t.Helper()
	httpAddr = apitest.FreeAddr(t)
	return httpAddr, []string{
		"RECTIFY_DATA_DIR=" + filepath.Join(dir, "data"),
		"RECTIFY_HTTP_ADDR=" + httpAddr,
		"RECTIFY_EMBEDDED_ADDR=127.0.0.1:0",
		"RECTIFY_EMBEDDED_UI_ADDR=off",
		"RECTIFY_USERS=" + apitest.WriteUsers(t, dir),
		"RECTIFY_LOG_LEVEL=error",
		// The tests' key, so a test's own client reads the histories too.
		"RECTIFY_PAYLOAD_KEY_FILE=" + payloadtest.WriteKeyFile(t, dir),
	}
}

// workdayFromToday is the date days from today in China, moved forward to a working
// day: deadlines fall on working days (docs/rules.md), and moving every date forward
// to one keeps them in order.
func workdayFromToday(days int) string {
	d := time.Now().In(time.FixedZone("", 8*3600)).AddDate(0, 0, days)
	for !calendar.Default().IsWorkday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format(domain.DateLayout)
}

// TestSurvivesKillDashNine kills rectify mid-lifecycle, with opinions waiting on
// deadlines and escalations due, restarts it on the same data folder, and checks
// that nothing was lost or duplicated, the timers carry on, and the lifecycle
// continues to closure with exact figures.
// scrape reads the /metrics of the rectify at base, as Prometheus would.
func scrape(t *testing.T, base string) metricstest.Samples {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	samples, err := metricstest.Parse(resp.Body)
	require.NoError(t, err)
	return samples
}

func TestSurvivesKillDashNine(t *testing.T) {
	dir := t.TempDir()
	httpAddr, env := processEnv(t, dir)
	p := start(t, env, httpAddr)
	p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "crash", "name": "整改"}, http.StatusCreated)
	date := workdayFromToday

	const n = 6
	ids := make([]string, n)
	for i := range n {
		op := p.Must("office", http.MethodPost, "/api/v1/campaigns/crash/opinions", map[string]any{
			"key": fmt.Sprintf("K-%d", i), "content": fmt.Sprintf("第%d件：路灯损坏", i), "channel": "hotline",
			"collected_at": date(-30),
		}, http.StatusCreated)
		ids[i] = op["id"].(string)
		p.Must("office", http.MethodPost, "/api/v1/opinions/"+ids[i]+"/actions/categorize",
			map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	}
	// 0, 1: waiting on a future deadline; 2, 3: deadline long past, so the whole ladder
	// is due at once; 4, 5: not yet assigned.
	for i, deadline := range []string{date(10), date(12), date(-20), date(-25)} {
		p.Must("office", http.MethodPost, "/api/v1/opinions/"+ids[i]+"/actions/assign", map[string]any{
			"department": "城管科", "official": "official", "leader": "leader", "deadline": deadline,
		}, http.StatusOK)
	}
	p.Must("official", http.MethodPost, "/api/v1/opinions/"+ids[0]+"/actions/sign", map[string]any{}, http.StatusOK)
	before := make([]map[string]any, n)
	for i, id := range ids {
		before[i] = p.opinion(id)
	}

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()

	p = start(t, env, httpAddr)
	list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign=crash&limit=100", nil, http.StatusOK)
	require.EqualValues(t, n, list["total"], "no opinion lost, none duplicated")
	for i, id := range ids {
		after := p.opinion(id)
		require.Equal(t, before[i]["deadline"], after["deadline"], "opinion %d keeps its deadline", i)
		require.Equal(t, before[i]["official"], after["official"])
	}
	for _, i := range []int{0, 1} {
		o := p.opinion(ids[i])
		require.Equal(t, "none", o["overdue_level"])
		require.Equal(t, before[i]["state"], o["state"])
	}
	for _, i := range []int{2, 3} {
		require.Eventually(t, func() bool { return p.opinion(ids[i])["overdue_level"] == "accountability" }, time.Minute,
			50*time.Millisecond, "escalations due while the process was down fire after the restart")
	}
	for _, i := range []int{4, 5} {
		require.Equal(t, "categorized", p.opinion(ids[i])["state"])
		p.Must("office", http.MethodPost, "/api/v1/opinions/"+ids[i]+"/actions/assign", map[string]any{
			"department": "城管科", "official": "official", "leader": "leader",
		}, http.StatusOK)
	}
	for i, id := range ids {
		act := func(as, action string, body map[string]any) {
			p.Must(as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+action, body, http.StatusOK)
		}
		if i != 0 {
			act("official", "sign", map[string]any{})
		}
		act("official", "submit", map[string]any{"measures": "已更换路灯", "evidence": "照片"})
		act("verifier", "verify", map[string]any{"pass": true})
		closed := p.Must("office", http.MethodPost, "/api/v1/opinions/"+id+"/actions/callback",
			map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
		require.Equal(t, "closed", closed["state"])
		require.Equal(t, i != 2 && i != 3, closed["on_time"], "opinion %d: late fixes are not on time", i)
	}
	stats := p.Must("leader", http.MethodGet, "/api/v1/campaigns/crash/stats", nil, http.StatusOK)
	require.EqualValues(t, n, stats["collected"])
	require.EqualValues(t, n, stats["closed"])
	require.EqualValues(t, n-2, stats["closed_on_time"])
	require.EqualValues(t, 1, stats["completion_rate"])
	// Prometheus reads the same figures after the kill: from the store, not from memory.
	samples := scrape(t, p.Base)
	require.EqualValues(t, n, samples.Sum("rectify_opinions", "campaign", "crash", "state", "closed"))
	require.EqualValues(t, n, samples.Sum("rectify_opinions", "campaign", "crash"))
	require.EqualValues(t, n-2, samples.Sum("rectify_closed_on_time_opinions", "campaign", "crash"))
	require.EqualValues(t, 1, samples.Sum("rectify_completion_ratio", "campaign", "crash"))

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "graceful shutdown on SIGTERM exits 0; log:\n%s", p.log.String())
}

// writeLedger writes an office's ledger: a title row, a 填报单位 line, the header and
// n opinions.
func writeLedger(t *testing.T, path string, n int) {
	t.Helper()
	f := excelize.NewFile()
	defer func() { require.NoError(t, f.Close()) }()
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(t, err)
	require.NoError(t, sw.SetRow("A1", []any{"群众路线教育实践活动征求意见汇总表"}))
	require.NoError(t, sw.SetRow("A2", []any{"填报单位：某街道办事处", "", "填报时间：2026年11月"}))
	require.NoError(t, sw.SetRow("A3", []any{"序号", "意见内容", "来源", "收集时间", "涉及单位"}))
	for i := range n {
		cell, err := excelize.CoordinatesToCellName(1, i+4)
		require.NoError(t, err)
		require.NoError(t, sw.SetRow(cell, []any{i + 1, fmt.Sprintf("第%d条意见：小区路灯损坏需维修", i+1), "走访", "2026-11-01", ""}))
	}
	require.NoError(t, sw.Flush())
	require.NoError(t, f.SaveAs(path))
}

// TestImportSurvivesKillDashNine imports a 10k-row workbook, kills rectify in the
// middle of starting its opinions, restarts it, and shows that the import finishes
// with every opinion exactly once; importing the file again starts nothing.
func TestImportSurvivesKillDashNine(t *testing.T) {
	dir := t.TempDir()
	httpAddr, env := processEnv(t, dir)
	const n = 10_000
	ledger := filepath.Join(dir, "意见汇总.xlsx")
	writeLedger(t, ledger, n)

	p := start(t, env, httpAddr)
	p.Must("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "imp", "name": "整改"}, http.StatusCreated)
	status, batch := p.Upload("office", "/api/v1/campaigns/imp/batches", ledger, nil)
	require.Equal(t, http.StatusCreated, status, "%v", batch)
	require.EqualValues(t, n, batch["accepted"])
	require.EqualValues(t, 0, batch["rejected"])
	id := batch["id"].(string)
	progress := func() (started, present float64, state string) {
		b := p.Must("office", http.MethodGet, "/api/v1/batches/"+id, nil, http.StatusOK)
		return b["started"].(float64), b["already_present"].(float64), b["state"].(string)
	}
	require.Eventually(t, func() bool { s, _, _ := progress(); return s >= n/5 }, 5*time.Minute, 100*time.Millisecond)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()

	p = start(t, env, httpAddr)
	require.Eventually(t, func() bool { _, _, state := progress(); return state == "done" }, 10*time.Minute, 200*time.Millisecond)
	started, present, _ := progress()
	require.EqualValues(t, n, started, "every row started its opinion exactly once")
	require.EqualValues(t, 0, present)
	require.Eventually(t, func() bool {
		list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign=imp&limit=1", nil, http.StatusOK)
		return list["total"].(float64) == n
	}, 5*time.Minute, 200*time.Millisecond, "every opinion reaches the store, none twice")

	status, again := p.Upload("office", "/api/v1/campaigns/imp/batches", ledger, nil)
	require.Equal(t, http.StatusCreated, status)
	id = again["id"].(string)
	require.Eventually(t, func() bool { _, _, state := progress(); return state == "done" }, 5*time.Minute, 200*time.Millisecond)
	started, present, _ = progress()
	require.EqualValues(t, 0, started, "re-importing the same file starts nothing new")
	require.EqualValues(t, n, present)
	list := p.Must("office", http.MethodGet, "/api/v1/opinions?campaign=imp&limit=1", nil, http.StatusOK)
	require.EqualValues(t, n, list["total"])
}
