package deploy

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The tests run in deploy/; the repository is its parent.
func repoPath(parts ...string) string {
	return filepath.Join(append([]string{".."}, parts...)...)
}

// deployFiles lists every file of deploy/ but this package's Go files (and the
// links in the Helm chart to files listed anyway).
func deployFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSymlink != 0 || strings.HasSuffix(path, ".go") {
			return err
		}
		out = append(out, path)
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, out)
	return out
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// yamlDocs decodes every document of a YAML stream.
func yamlDocs(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
}

func TestEveryFileParses(t *testing.T) {
	for _, path := range deployFiles(t) {
		if isHelmTemplate(path) {
			continue // YAML only once rendered: helm_test.go renders them
		}
		data := readFile(t, path)
		switch filepath.Ext(path) {
		case ".yml", ".yaml":
			docs, err := yamlDocs(data)
			require.NoError(t, err, path)
			require.NotEmpty(t, docs, path)
			for i, d := range docs {
				var v any
				require.NoError(t, d.Decode(&v), "%s, document %d", path, i+1)
				require.NotNil(t, v, "%s: document %d is empty", path, i+1)
			}
		case ".json":
			var v any
			require.NoError(t, json.Unmarshal(data, &v), path)
		}
	}
}

// envName is the shape of the variables rectify reads.
var envName = regexp.MustCompile(`^(RECTIFY|TEMPORAL)_[A-Z0-9_]+$`)

// knownEnv is every variable the binaries read: the string literals of that shape in
// internal/config (rectify-worker) and starter (the CLI the image also ships).
func knownEnv(t *testing.T) map[string]bool {
	t.Helper()
	known := map[string]bool{}
	for _, dir := range []string{repoPath("internal", "config"), repoPath("starter")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
			require.NoError(t, err)
			ast.Inspect(file, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
						known[s] = true
					}
				}
				return true
			})
		}
	}
	// A guard against a parse that finds nothing, which would pass everything.
	for _, v := range []string{"RECTIFY_ROLES", "RECTIFY_HTTP_ADDR", "TEMPORAL_ADDRESS"} {
		require.True(t, known[v], "%s not found in internal/config: has the configuration moved?", v)
	}
	return known
}

// Every RECTIFY_ name written anywhere in deploy/ is one the binaries read: the
// prefix is rectify's own, so a misspelt or retired variable shows up here.
// (TEMPORAL_ names are checked per process, since the Temporal Web UI reads its own.)
func TestEveryRectifyVariableIsRead(t *testing.T) {
	known := knownEnv(t)
	mention := regexp.MustCompile(`RECTIFY_[A-Z0-9_]*[A-Z0-9]`)
	for _, path := range deployFiles(t) {
		for _, name := range mention.FindAllString(string(readFile(t, path)), -1) {
			require.True(t, known[name], "%s names %s, which rectify does not read (internal/config)", path, name)
		}
	}
}

// process is one rectify process as a deploy file configures it.
type process struct {
	where string
	env   map[string]envValue
}

// envValue is a variable's value; from says where a value not written in the file
// comes from ("secret", "field:status.podIP", "configmap", "interpolated").
type envValue struct {
	value string
	from  string
}

var validRoles = []string{"server", "worker", "http", "all"}

// roles are the process's roles, with the binary's defaults.
func (p process) roles(t *testing.T) map[string]bool {
	t.Helper()
	raw := p.env["RECTIFY_ROLES"].value
	if raw == "" {
		raw = "server,worker,http"
		if _, ok := p.env["TEMPORAL_ADDRESS"]; ok {
			raw = "worker"
		}
	}
	out := map[string]bool{}
	for _, r := range strings.Split(raw, ",") {
		r = strings.TrimSpace(r)
		require.Contains(t, validRoles, r, "%s: RECTIFY_ROLES=%q", p.where, raw)
		if r == "all" {
			out["server"], out["worker"], out["http"] = true, true, true
		} else {
			out[r] = true
		}
	}
	return out
}

// addr reads a host:port variable; ok is false when it is unset.
func (p process) addr(t *testing.T, name string) (host string, port int, ok bool) {
	t.Helper()
	v, set := p.env[name]
	if !set {
		return "", 0, false
	}
	require.Empty(t, v.from, "%s: %s must be written in the file", p.where, name)
	h, ps, err := net.SplitHostPort(v.value)
	require.NoError(t, err, "%s: %s=%q", p.where, name, v.value)
	port, err = strconv.Atoi(ps)
	require.NoError(t, err, "%s: %s=%q", p.where, name, v.value)
	return h, port, true
}

// listenAddr reads an address the process listens on: every interface, so that other
// containers and Kubernetes' probes reach it.
func (p process) listenAddr(t *testing.T, name string) (int, bool) {
	t.Helper()
	host, port, ok := p.addr(t, name)
	if ok {
		require.Equal(t, "0.0.0.0", host, "%s: %s must listen on 0.0.0.0 in a container", p.where, name)
	}
	return port, ok
}

// healthPort is where the process serves /healthz, /readyz and /metrics.
func (p process) healthPort(t *testing.T) int {
	t.Helper()
	if p.roles(t)["http"] {
		port, ok := p.listenAddr(t, "RECTIFY_HTTP_ADDR")
		require.True(t, ok, "%s: the http role needs RECTIFY_HTTP_ADDR", p.where)
		return port
	}
	port, ok := p.listenAddr(t, "RECTIFY_METRICS_ADDR")
	require.True(t, ok, "%s: a process without the http role serves its probes on RECTIFY_METRICS_ADDR", p.where)
	return port
}

// metricsPort is where Prometheus scrapes the process's /metrics: the API's port,
// unless RECTIFY_METRICS_PUBLIC=off leaves it to RECTIFY_METRICS_ADDR alone.
func (p process) metricsPort(t *testing.T) int {
	t.Helper()
	if p.roles(t)["http"] && p.env["RECTIFY_METRICS_PUBLIC"].value != "off" {
		return p.healthPort(t)
	}
	port, ok := p.listenAddr(t, "RECTIFY_METRICS_ADDR")
	require.True(t, ok, "%s: without /metrics on the API's port, RECTIFY_METRICS_ADDR serves it", p.where)
	return port
}

// ports are the ports the process listens on, by what configures them.
func (p process) ports(t *testing.T) map[int]string {
	t.Helper()
	out := map[int]string{}
	roles := p.roles(t)
	if roles["http"] {
		port, _ := p.listenAddr(t, "RECTIFY_HTTP_ADDR")
		out[port] = "RECTIFY_HTTP_ADDR"
	}
	if port, ok := p.listenAddr(t, "RECTIFY_METRICS_ADDR"); ok {
		out[port] = "RECTIFY_METRICS_ADDR"
	}
	if roles["server"] {
		frontend, ok := p.listenAddr(t, "RECTIFY_EMBEDDED_ADDR")
		require.True(t, ok, "%s: a server node needs RECTIFY_EMBEDDED_ADDR", p.where)
		out[frontend] = "RECTIFY_EMBEDDED_ADDR"
		out[frontend+100] = "RECTIFY_EMBEDDED_ADDR (membership)"
		for _, port := range p.temporalPorts(t) {
			out[port] = "RECTIFY_TEMPORAL_PORTS"
			out[port+100] = "RECTIFY_TEMPORAL_PORTS (membership)"
		}
		if port, ok := p.listenAddr(t, "RECTIFY_TEMPORAL_METRICS_ADDR"); ok {
			out[port] = "RECTIFY_TEMPORAL_METRICS_ADDR"
		}
	}
	return out
}

func (p process) temporalPorts(t *testing.T) []int {
	t.Helper()
	v := p.env["RECTIFY_TEMPORAL_PORTS"]
	fields := strings.Split(v.value, ",")
	require.Len(t, fields, 3, "%s: RECTIFY_TEMPORAL_PORTS=%q is history,matching,worker", p.where, v.value)
	var out []int
	for _, f := range fields {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		require.NoError(t, err, "%s: RECTIFY_TEMPORAL_PORTS=%q", p.where, v.value)
		out = append(out, n)
	}
	return out
}

// checkProcess holds one process to the configuration contract of the binary.
func checkProcess(t *testing.T, p process, known map[string]bool) {
	t.Helper()
	for name := range p.env {
		require.True(t, known[name], "%s sets %s, which rectify does not read (internal/config)", p.where, name)
	}
	roles := p.roles(t)
	if roles["server"] {
		// A node of a cluster: PostgreSQL, fixed ports, an address the others reach.
		for _, name := range []string{"RECTIFY_TEMPORAL_DB", "RECTIFY_TEMPORAL_BROADCAST_ADDR", "RECTIFY_TEMPORAL_PORTS", "RECTIFY_TEMPORAL_SHARDS"} {
			require.Contains(t, p.env, name, "%s: a server node needs %s", p.where, name)
		}
		require.NotContains(t, p.env, "TEMPORAL_ADDRESS", "%s: a server node serves its own frontend", p.where)
		shards, err := strconv.Atoi(p.env["RECTIFY_TEMPORAL_SHARDS"].value)
		require.NoError(t, err, "%s: RECTIFY_TEMPORAL_SHARDS", p.where)
		require.Positive(t, shards)
		if b := p.env["RECTIFY_TEMPORAL_BROADCAST_ADDR"]; b.from == "" {
			require.NotNil(t, net.ParseIP(b.value), "%s: RECTIFY_TEMPORAL_BROADCAST_ADDR=%q must be an IP", p.where, b.value)
		} else {
			require.Equal(t, "field:status.podIP", b.from, "%s: RECTIFY_TEMPORAL_BROADCAST_ADDR", p.where)
		}
	} else {
		require.Contains(t, p.env, "TEMPORAL_ADDRESS", "%s: without the server role a process dials the cluster", p.where)
		// Every worker and web process shares one reporting store.
		require.Contains(t, p.env, "RECTIFY_STORE_URL", "%s: processes of a cluster share the reporting store", p.where)
	}
	if roles["http"] || roles["worker"] {
		require.Contains(t, p.env, "RECTIFY_USERS", "%s: the web app signs its users in, a worker acts as a bulk's creator: both need the users file", p.where)
	}
	if roles["http"] || roles["worker"] {
		require.Contains(t, p.env, "RECTIFY_PAYLOAD_KEY_FILE", "%s: processes of a cluster share the payload key file", p.where)
	}
	for _, name := range []string{"RECTIFY_TEMPORAL_DB", "RECTIFY_TEMPORAL_VISIBILITY_DB", "RECTIFY_STORE_URL"} {
		if v, ok := p.env[name]; ok && v.from == "" {
			require.Regexp(t, `^postgres(ql)?://`, v.value, "%s: %s", p.where, name)
		}
	}
	if v, ok := p.env["RECTIFY_METRICS_PUBLIC"]; ok {
		require.Empty(t, v.from, "%s: RECTIFY_METRICS_PUBLIC must be written in the file", p.where)
		require.Contains(t, []string{"on", "off"}, v.value, "%s: RECTIFY_METRICS_PUBLIC", p.where)
	}
	p.healthPort(t)
	p.metricsPort(t)
	p.ports(t)
}

// promtool finds a Prometheus tool as internal/metrics/metricstest.Binary does: a
// skip where it is not installed, a failure in CI, where scripts/deps installs it.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatal("promtool is not installed; scripts/deps installs Debian's prometheus package")
	}
	t.Skip("promtool is not installed (run scripts/deps, or apt-get install prometheus); skipping")
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
