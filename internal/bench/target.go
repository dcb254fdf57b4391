package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"

	"rectify/internal/app"
	"rectify/internal/config"
	"rectify/internal/domain"
	"rectify/internal/payload"
	"rectify/internal/user"
)

// Target is the product under measurement: its HTTP API, the Temporal frontend it
// runs on, and the simulated users the scenarios act as.
type Target struct {
	API       string
	Temporal  client.Client
	Namespace string
	// External is set when the product runs against an external cluster.
	External bool
	http     *http.Client
	app      *app.App
}

// callers is how many simulated users of each role exist: the highest concurrency.
const callers = 128

// departments the simulated officials belong to.
const departments = 16

func officeUser(i int) string   { return fmt.Sprintf("bench-office-%03d", i) }
func officialUser(i int) string { return fmt.Sprintf("bench-official-%03d", i) }
func verifierUser(i int) string { return fmt.Sprintf("bench-verifier-%03d", i) }
func department(i int) string   { return fmt.Sprintf("%s%02d", departmentPrefix, i%departments) }

// departmentPrefix starts the name of every simulated department.
const departmentPrefix = "部门"

const leaderUser = "bench-leader"

// token is a simulated user's API token.
func token(username string) string { return "tok-" + username }

// Start starts rectify in this process on a fresh data folder under dir, with the
// simulated users: the embedded server, or, when getenv gives TEMPORAL_ADDRESS, the
// worker and HTTP API against that cluster (its TEMPORAL_* settings apply).
func Start(ctx context.Context, dir string, getenv func(string) string) (*Target, error) {
	users, err := writeUsers(dir)
	if err != nil {
		return nil, err
	}
	env := map[string]string{
		"RECTIFY_DATA_DIR":         filepath.Join(dir, "data"),
		"RECTIFY_HTTP_ADDR":        "127.0.0.1:0",
		"RECTIFY_EMBEDDED_ADDR":    "127.0.0.1:0",
		"RECTIFY_EMBEDDED_UI_ADDR": "off",
		"RECTIFY_USERS":            users,
		"RECTIFY_DEMO":             "off",
		"RECTIFY_LOG_LEVEL":        "error",
	}
	external := getenv("TEMPORAL_ADDRESS") != ""
	if external {
		// The cluster's server nodes never read a payload: this process's own
		// key encrypts everything the benchmark writes.
		env["RECTIFY_ROLES"] = "worker,http"
		env["RECTIFY_PAYLOAD_KEY_FILE"] = filepath.Join(dir, "payload.keys")
		if _, _, err := payload.LoadOrCreateKeyring(env["RECTIFY_PAYLOAD_KEY_FILE"]); err != nil {
			return nil, err
		}
	}
	cfg, err := config.FromEnv(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if strings.HasPrefix(k, "TEMPORAL_") {
			return getenv(k)
		}
		return ""
	})
	if err != nil {
		return nil, err
	}
	a, err := app.Start(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	return &Target{
		API: "http://" + a.HTTPAddr, Temporal: a.Temporal(), Namespace: cfg.Namespace, External: external,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * callers}, Timeout: time.Minute},
		app:  a,
	}, nil
}

// Stop shuts the product down.
func (t *Target) Stop() { t.app.Stop() }

func writeUsers(dir string) (string, error) {
	f := user.File{Users: []user.User{{Username: leaderUser, Roles: []domain.Role{domain.RoleLeader}}}}
	for i := range callers {
		f.Users = append(f.Users,
			user.User{Username: officeUser(i), Roles: []domain.Role{domain.RoleOffice}},
			user.User{Username: officialUser(i), Roles: []domain.Role{domain.RoleOfficial}, Department: department(i)},
			user.User{Username: verifierUser(i), Roles: []domain.Role{domain.RoleVerifier}})
	}
	for i := range f.Users {
		f.Users[i].TokenHashes = []string{user.HashToken(token(f.Users[i].Username))}
	}
	data, err := json.Marshal(f)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "bench-users.json")
	return path, os.WriteFile(path, data, 0o600)
}

// call sends one API request as username and decodes the JSON answer into out (when
// not nil). An answer other than want is an error that names the request.
func (t *Target) call(ctx context.Context, username, method, path string, body any, want int, out any) error {
	return t.callOneOf(ctx, username, method, path, body, []int{want}, out)
}

// callOneOf is call for a request that may be answered with any of several statuses.
func (t *Target) callOneOf(ctx context.Context, username, method, path string, body any, want []int, out any) error {
	var r io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.API+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token(username))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return t.send(req, out, want...)
}

func (t *Target) send(req *http.Request, out any, want ...int) error {
	resp, err := t.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !slices.Contains(want, resp.StatusCode) {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(data))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// createCampaign makes a campaign with the simulated departments.
func (t *Target) createCampaign(ctx context.Context, id string) error {
	depts := make([]string, departments)
	for i := range depts {
		depts[i] = department(i)
	}
	return t.call(ctx, officeUser(0), http.MethodPost, "/api/v1/campaigns",
		map[string]any{"id": id, "name": "基准测试 " + id, "departments": depts}, http.StatusCreated, nil)
}

// stats is the part of a campaign's figures the scenarios check.
type stats struct {
	Collected  int                  `json:"collected"`
	InProgress int                  `json:"in_progress"`
	Closed     int                  `json:"closed"`
	ByState    map[domain.State]int `json:"by_state"`
}

func (t *Target) stats(ctx context.Context, campaign string) (stats, error) {
	var s stats
	err := t.call(ctx, leaderUser, http.MethodGet, "/api/v1/campaigns/"+campaign+"/stats", nil, http.StatusOK, &s)
	return s, err
}
