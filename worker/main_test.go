package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"rectify/internal/user"
	"rectify/workflows"
)

// The test binary doubles as the worker: with this variable set it runs main, so
// the crash test kills and restarts a real rectify process without a second build.
const underTest = "RECTIFY_WORKER_UNDER_TEST"

func TestMain(m *testing.M) {
	if os.Getenv(underTest) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type process struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// start runs rectify on dataDir and waits until /readyz answers 200.
func start(t *testing.T, env []string, httpAddr string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), append(env, underTest+"=1")...)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	p := &process{t: t, cmd: cmd, base: "http://" + httpAddr, log: &log}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, time.Minute, 50*time.Millisecond, "rectify did not become ready")
	return p
}

func (p *process) call(as, method, path string, body any, want int) map[string]any {
	p.t.Helper()
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(p.t, err)
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, p.base+path, r)
	require.NoError(p.t, err)
	req.Header.Set("Authorization", "Bearer tok-"+as)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(p.t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(p.t, want, resp.StatusCode, "%s %s as %s: %v", method, path, as, out)
	return out
}

func (p *process) opinion(id string) map[string]any {
	return p.call("office", http.MethodGet, "/api/v1/opinions/"+id, nil, http.StatusOK)
}

func writeUsers(t *testing.T, dir string) string {
	t.Helper()
	var f user.File
	for name, role := range map[string]workflows.Role{
		"office": workflows.RoleOffice, "official": workflows.RoleOfficial,
		"verifier": workflows.RoleVerifier, "leader": workflows.RoleLeader,
	} {
		f.Users = append(f.Users, user.User{Username: name, Roles: []workflows.Role{role},
			TokenHashes: []string{user.HashToken("tok-" + name)}})
	}
	data, err := json.Marshal(f)
	require.NoError(t, err)
	path := filepath.Join(dir, "users.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// TestSurvivesKillDashNine kills rectify mid-lifecycle, with opinions waiting on
// deadlines and escalations due, restarts it on the same data folder, and checks
// that nothing was lost or duplicated, the timers carry on, and the lifecycle
// continues to closure with exact figures.
func TestSurvivesKillDashNine(t *testing.T) {
	dir := t.TempDir()
	httpAddr := freeAddr(t)
	env := []string{
		"RECTIFY_DATA_DIR=" + filepath.Join(dir, "data"),
		"RECTIFY_HTTP_ADDR=" + httpAddr,
		"RECTIFY_EMBEDDED_ADDR=" + freeAddr(t),
		"RECTIFY_EMBEDDED_UI_ADDR=off",
		"RECTIFY_USERS=" + writeUsers(t, dir),
		"RECTIFY_LOG_LEVEL=warn",
	}
	p := start(t, env, httpAddr)
	p.call("office", http.MethodPost, "/api/v1/campaigns", map[string]any{"id": "crash", "name": "整改"}, http.StatusCreated)
	today := time.Now().In(time.FixedZone("", 8*3600))
	date := func(days int) string { return today.AddDate(0, 0, days).Format(workflows.DateLayout) }

	const n = 6
	ids := make([]string, n)
	for i := range n {
		op := p.call("office", http.MethodPost, "/api/v1/campaigns/crash/opinions", map[string]any{
			"key": fmt.Sprintf("K-%d", i), "content": fmt.Sprintf("第%d件：路灯损坏", i), "channel": "hotline",
			"collected_at": date(-30),
		}, http.StatusCreated)
		ids[i] = op["id"].(string)
		p.call("office", http.MethodPost, "/api/v1/opinions/"+ids[i]+"/actions/categorize",
			map[string]any{"category": "群众需要解决的问题"}, http.StatusOK)
	}
	// 0, 1: waiting on a future deadline; 2, 3: deadline long past, so the whole ladder
	// is due at once; 4, 5: not yet assigned.
	for i, deadline := range []string{date(10), date(12), date(-20), date(-25)} {
		p.call("office", http.MethodPost, "/api/v1/opinions/"+ids[i]+"/actions/assign", map[string]any{
			"department": "城管科", "official": "official", "leader": "leader", "deadline": deadline,
		}, http.StatusOK)
	}
	p.call("official", http.MethodPost, "/api/v1/opinions/"+ids[0]+"/actions/sign", map[string]any{}, http.StatusOK)
	before := make([]map[string]any, n)
	for i, id := range ids {
		before[i] = p.opinion(id)
	}

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGKILL))
	_ = p.cmd.Wait()

	p = start(t, env, httpAddr)
	list := p.call("office", http.MethodGet, "/api/v1/opinions?campaign=crash&limit=100", nil, http.StatusOK)
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
		p.call("office", http.MethodPost, "/api/v1/opinions/"+ids[i]+"/actions/assign", map[string]any{
			"department": "城管科", "official": "official", "leader": "leader",
		}, http.StatusOK)
	}
	for i, id := range ids {
		act := func(as, action string, body map[string]any) {
			p.call(as, http.MethodPost, "/api/v1/opinions/"+id+"/actions/"+action, body, http.StatusOK)
		}
		if i != 0 {
			act("official", "sign", map[string]any{})
		}
		act("official", "submit", map[string]any{"measures": "已更换路灯", "evidence": "照片"})
		act("verifier", "verify", map[string]any{"pass": true})
		closed := p.call("office", http.MethodPost, "/api/v1/opinions/"+id+"/actions/callback",
			map[string]any{"satisfaction": "satisfied"}, http.StatusOK)
		require.Equal(t, "closed", closed["state"])
		require.Equal(t, i != 2 && i != 3, closed["on_time"], "opinion %d: late fixes are not on time", i)
	}
	stats := p.call("leader", http.MethodGet, "/api/v1/campaigns/crash/stats", nil, http.StatusOK)
	require.EqualValues(t, n, stats["collected"])
	require.EqualValues(t, n, stats["closed"])
	require.EqualValues(t, n-2, stats["closed_on_time"])
	require.EqualValues(t, 1, stats["completion_rate"])

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, p.cmd.Wait(), "graceful shutdown on SIGTERM exits 0; log:\n%s", p.log.String())
}
