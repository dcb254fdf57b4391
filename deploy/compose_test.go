package deploy

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
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

// compose.yaml is checked against the Compose file format by structure: the
// fields it uses decode strictly (a misspelt key fails), and every reference
// between services, volumes, secrets, networks and files resolves.

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	// A secret is an operator's file or a variable of .env.
	Secrets map[string]struct {
		File        string `yaml:"file"`
		Environment string `yaml:"environment"`
	} `yaml:"secrets"`
	Volumes  map[string]any `yaml:"volumes"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
	Extensions map[string]any `yaml:",inline"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Restart         string `yaml:"restart"`
	StopGracePeriod string `yaml:"stop_grace_period"`
	Hostname        string `yaml:"hostname"`
	DependsOn       map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	// depends_on is a list on services that only wait for a start.
	Deploy *struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
	Environment map[string]string `yaml:"environment"`
	Command     []string          `yaml:"command"`
	Healthcheck *struct {
		Test     []string `yaml:"test"`
		Interval string   `yaml:"interval"`
		Timeout  string   `yaml:"timeout"`
		Retries  int      `yaml:"retries"`
	} `yaml:"healthcheck"`
	Secrets  []string `yaml:"secrets"`
	Ports    []string `yaml:"ports"`
	Volumes  []string `yaml:"volumes"`
	Networks map[string]*struct {
		IPv4Address string   `yaml:"ipv4_address"`
		Aliases     []string `yaml:"aliases"`
	} `yaml:"networks"`
	Extensions map[string]any `yaml:",inline"`
}

// UnmarshalYAML takes depends_on and networks in their list form too.
func (s *composeService) UnmarshalYAML(n *yaml.Node) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if (k.Value == "depends_on" || k.Value == "networks") && v.Kind == yaml.SequenceNode {
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			for _, e := range v.Content {
				m.Content = append(m.Content, e, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
			}
			n.Content[i+1] = m
		}
	}
	type plain composeService
	var p plain
	if err := decodeStrict(n, &p); err != nil {
		return err
	}
	*s = composeService(p)
	return nil
}

// decodeStrict decodes a node with unknown fields as errors.
func decodeStrict(n *yaml.Node, v any) error {
	data, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

const composeDir = "compose"

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	// Decoding into plain values first resolves anchors and merge keys, as Compose does.
	var plain any
	require.NoError(t, yaml.Unmarshal(readFile(t, filepath.Join(composeDir, "compose.yaml")), &plain))
	resolved, err := yaml.Marshal(plain)
	require.NoError(t, err)
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal(resolved, &n))
	var c composeFile
	require.NoError(t, decodeStrict(&n, &c), "compose.yaml")
	for k := range c.Extensions {
		require.True(t, strings.HasPrefix(k, "x-"), "compose.yaml: unknown top-level key %q", k)
	}
	for name, s := range c.Services {
		for k := range s.Extensions {
			require.True(t, strings.HasPrefix(k, "x-"), "compose.yaml: service %s: unknown key %q", name, k)
		}
	}
	return c
}

// exampleEnv reads env.example: the variables an operator puts in .env.
func exampleEnv(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, l := range strings.Split(string(readFile(t, filepath.Join(composeDir, "env.example"))), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		require.True(t, ok, "env.example: %q", l)
		out[k] = v
	}
	return out
}

var interpolation = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?:(:[-?])([^}]*))?\}`)

// interpolate resolves ${VAR}, ${VAR:-default} and ${VAR:?message} as Compose does.
func interpolate(s string, vars map[string]string) (string, error) {
	var err error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		g := interpolation.FindStringSubmatch(m)
		if v := vars[g[1]]; v != "" {
			return v
		}
		switch g[2] {
		case ":-":
			return g[3]
		case ":?":
			err = fmt.Errorf("%s is required: %s", g[1], g[3])
		default:
			err = fmt.Errorf("%s has neither a value nor a default", g[1])
		}
		return ""
	})
	return out, err
}

func isRectifyImage(image string) bool { return strings.HasPrefix(image, "rectify:") }

// composeProcesses are compose.yaml's rectify services as processes, interpolated
// with env.example's values.
func composeProcesses(t *testing.T) []process {
	t.Helper()
	c, vars := loadCompose(t), exampleEnv(t)
	var out []process
	for _, name := range sortedKeys(c.Services) {
		s := c.Services[name]
		if !isRectifyImage(s.Image) {
			continue
		}
		p := process{where: "compose.yaml: " + name, env: map[string]envValue{}}
		for k, raw := range s.Environment {
			v, err := interpolate(raw, vars)
			require.NoError(t, err, "%s: %s", p.where, k)
			if v != "" { // an empty value is unset for rectify
				p.env[k] = envValue{value: v}
			}
		}
		out = append(out, p)
	}
	require.NotEmpty(t, out)
	return out
}

func serviceNamed(t *testing.T, c composeFile, name string) composeService {
	t.Helper()
	s, ok := c.Services[name]
	require.True(t, ok, "compose.yaml has no service %s", name)
	return s
}

func TestComposeReferencesResolve(t *testing.T) {
	c := loadCompose(t)
	require.NotEmpty(t, c.Name)
	usedVolumes := map[string]bool{}
	for _, name := range sortedKeys(c.Services) {
		s := c.Services[name]
		where := "compose.yaml: " + name

		// Images are pinned; rectify's is built from this repository.
		require.NotEmpty(t, s.Image, where)
		if isRectifyImage(s.Image) {
			require.NotNil(t, s.Build, "%s: the rectify image is built here", where)
			ctx := filepath.Join(composeDir, s.Build.Context)
			require.DirExists(t, ctx, where)
			require.FileExists(t, filepath.Join(ctx, s.Build.Dockerfile), where)
			require.Equal(t, filepath.Clean(repoPath()), filepath.Clean(ctx), "%s: the build context is the repository", where)
			require.Equal(t, "deploy/docker/Dockerfile", s.Build.Dockerfile, where)
		} else {
			_, tag, ok := strings.Cut(s.Image, ":")
			require.True(t, ok, "%s: pin %s to a version", where, s.Image)
			require.Regexp(t, `[0-9]`, tag, "%s: pin %s to a version", where, s.Image)
		}
		require.NotEmpty(t, s.Restart, "%s: restart policy", where)

		for dep, d := range s.DependsOn {
			target := serviceNamed(t, c, dep)
			switch d.Condition {
			case "", "service_started", "service_completed_successfully":
			case "service_healthy":
				require.NotNil(t, target.Healthcheck, "%s waits for %s to be healthy, which has no healthcheck", where, dep)
			default:
				t.Fatalf("%s: depends_on %s: unknown condition %q", where, dep, d.Condition)
			}
		}

		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			require.True(t, len(parts) == 2 || (len(parts) == 3 && parts[2] == "ro"), "%s: volume %q", where, v)
			src := parts[0]
			if strings.HasPrefix(src, ".") {
				_, err := os.Stat(filepath.Join(composeDir, src))
				require.NoError(t, err, "%s mounts %s", where, src)
			} else {
				require.Contains(t, c.Volumes, src, "%s: volume %s is not declared", where, src)
				usedVolumes[src] = true
			}
		}

		for _, sec := range s.Secrets {
			require.Contains(t, c.Secrets, sec, "%s: secret %s is not declared", where, sec)
		}
		for net := range s.Networks {
			require.Contains(t, c.Networks, net, "%s: network %s is not declared", where, net)
		}
		if s.Deploy != nil {
			require.Positive(t, s.Deploy.Replicas, where)
		}
	}
	for v := range c.Volumes {
		require.True(t, usedVolumes[v], "compose.yaml: volume %s is used by no service", v)
	}
	vars := exampleEnv(t)
	for name, sec := range c.Secrets {
		if sec.Environment != "" {
			require.Empty(t, sec.File, "secret %s: a file or a variable, not both", name)
			require.Contains(t, vars, sec.Environment, "secret %s: list %s in env.example", name, sec.Environment)
			continue
		}
		require.NotEmpty(t, sec.File, "secret %s", name)
		if strings.Contains(sec.File, "${") {
			require.Contains(t, sec.File, ":?", "secret %s: an operator's file, required", name)
		} else {
			require.FileExists(t, filepath.Join(composeDir, sec.File), "secret %s", name)
		}
	}
}

// Secrets never sit in compose.yaml: passwords come from .env, and Compose refuses
// to start without them.
func TestComposeHoldsNoSecrets(t *testing.T) {
	raw := string(readFile(t, filepath.Join(composeDir, "compose.yaml")))
	vars := exampleEnv(t)
	for _, m := range interpolation.FindAllStringSubmatch(raw, -1) {
		if m[2] != ":-" {
			require.Contains(t, vars, m[1], "compose.yaml needs %s: list it in env.example", m[1])
		}
	}
	c := loadCompose(t)
	userinfo := regexp.MustCompile(`://[^:/@]+:([^@]*)@`)
	for _, name := range sortedKeys(c.Services) {
		for k, v := range c.Services[name].Environment {
			if isSecretName(k) {
				require.Regexp(t, `^\$\{[A-Z0-9_]+:\?[^}]+\}$`, v, "compose.yaml: %s: %s comes from .env", name, k)
			}
			if m := userinfo.FindStringSubmatch(v); m != nil {
				require.Regexp(t, `^\$\{[A-Z0-9_]+:\?[^}]+\}$`, m[1], "compose.yaml: %s: %s's password comes from .env", name, k)
			}
		}
	}
	for k, v := range vars {
		if isSecretName(k) {
			require.Contains(t, v, "replace-me", "env.example: %s is a placeholder", k)
		}
	}
	require.Contains(t, string(readFile(t, filepath.Join(composeDir, ".gitignore"))), ".env")
}

// isSecretName tells the variables that hold a password or a token.
func isSecretName(k string) bool {
	return strings.Contains(k, "PASSWORD") || strings.HasSuffix(k, "_TOKEN")
}

func TestComposeProcesses(t *testing.T) {
	known := knownEnv(t)
	c := loadCompose(t)
	var servers []process
	var clients []process
	for _, p := range composeProcesses(t) {
		checkProcess(t, p, known)
		name := strings.TrimPrefix(p.where, "compose.yaml: ")
		s := c.Services[name]
		if p.roles(t)["server"] {
			servers = append(servers, p)
			// The broadcast address is this service's fixed IP on its network.
			b := p.env["RECTIFY_TEMPORAL_BROADCAST_ADDR"].value
			var ips []string
			for net, n := range s.Networks {
				if n != nil && n.IPv4Address != "" {
					ips = append(ips, n.IPv4Address)
					requireInSubnet(t, c, net, n.IPv4Address)
				}
			}
			require.Equal(t, []string{b}, ips, "%s: RECTIFY_TEMPORAL_BROADCAST_ADDR is the service's ipv4_address", p.where)
			require.Nil(t, s.Deploy, "%s: one container per server node, each with its own IP", p.where)
		} else {
			clients = append(clients, p)
		}
		if users, ok := p.env["RECTIFY_USERS"]; ok {
			sec, ok := strings.CutPrefix(users.value, "/run/secrets/")
			require.True(t, ok, "%s: the users file is a Compose secret", p.where)
			require.Contains(t, s.Secrets, sec, p.where)
		}
		// Published ports reach something the process listens on.
		ports := p.ports(t)
		for _, pub := range s.Ports {
			f := strings.Split(pub, ":")
			n, err := strconv.Atoi(f[len(f)-1])
			require.NoError(t, err, "%s: ports %q", p.where, pub)
			require.Contains(t, ports, n, "%s publishes %d, where it does not listen", p.where, n)
		}
	}
	require.GreaterOrEqual(t, len(servers), 2, "a cluster of server nodes")
	require.NotEmpty(t, clients)

	// The nodes share one store and shard count, with many more shards than nodes.
	for _, p := range servers[1:] {
		for _, k := range []string{"RECTIFY_TEMPORAL_DB", "RECTIFY_TEMPORAL_VISIBILITY_DB", "RECTIFY_TEMPORAL_SHARDS", "RECTIFY_EMBEDDED_ADDR", "RECTIFY_TEMPORAL_PORTS"} {
			require.Equal(t, servers[0].env[k], p.env[k], "%s and %s differ in %s", servers[0].where, p.where, k)
		}
	}
	shards, _ := strconv.Atoi(servers[0].env["RECTIFY_TEMPORAL_SHARDS"].value)
	require.GreaterOrEqual(t, shards, 8*len(servers), "many more shards than server nodes")

	// Workers and the web app dial a name every server node answers to, on the
	// frontend's port.
	_, frontend, _ := servers[0].addr(t, "RECTIFY_EMBEDDED_ADDR")
	for _, p := range clients {
		host, port, _ := p.addr(t, "TEMPORAL_ADDRESS")
		require.Equal(t, frontend, port, "%s: TEMPORAL_ADDRESS's port", p.where)
		for _, s := range servers {
			name := strings.TrimPrefix(s.where, "compose.yaml: ")
			require.True(t, answersTo(c.Services[name], name, host), "%s dials %s, which %s does not answer to", p.where, host, name)
		}
		require.Equal(t, clients[0].env["RECTIFY_STORE_URL"], p.env["RECTIFY_STORE_URL"], "one reporting store")
	}

	// PostgreSQL holds the reporting store (created by the image) and Temporal's two
	// databases (created by the server nodes), all distinct, at a service of the file.
	pg := serviceNamed(t, c, "postgres")
	require.NotNil(t, pg.Healthcheck)
	dbs := map[string]string{}
	for _, e := range []struct {
		p    process
		name string
	}{{servers[0], "RECTIFY_TEMPORAL_DB"}, {servers[0], "RECTIFY_TEMPORAL_VISIBILITY_DB"}, {clients[0], "RECTIFY_STORE_URL"}} {
		u, err := url.Parse(e.p.env[e.name].value)
		require.NoError(t, err, e.name)
		require.Equal(t, "postgres:5432", u.Host, e.name)
		require.Equal(t, pg.Environment["POSTGRES_USER"], u.User.Username(), e.name)
		db := strings.TrimPrefix(u.Path, "/")
		require.NotContains(t, dbs, db, "%s and %s share database %s", e.name, dbs[db], db)
		dbs[db] = e.name
	}
	require.Equal(t, "RECTIFY_STORE_URL", dbs[pg.Environment["POSTGRES_DB"]], "the image creates the reporting store's database")

	// The Temporal Web UI: the embedded one's version, on the same frontend.
	ui := serviceNamed(t, c, "temporal-ui")
	require.Equal(t, "temporalio/ui:"+strings.TrimPrefix(uiServerVersion(t), "v"), ui.Image)
	require.Equal(t, clients[0].env["TEMPORAL_ADDRESS"].value, ui.Environment["TEMPORAL_ADDRESS"])
	for _, pub := range ui.Ports {
		require.True(t, strings.HasPrefix(pub, "127.0.0.1:"), "the Temporal Web UI has no sign-in: publish it on loopback only")
	}
}

func answersTo(s composeService, name, host string) bool {
	if name == host || s.Hostname == host {
		return true
	}
	for _, n := range s.Networks {
		if n != nil && slices.Contains(n.Aliases, host) {
			return true
		}
	}
	return false
}

func requireInSubnet(t *testing.T, c composeFile, network, ip string) {
	t.Helper()
	n := c.Networks[network]
	require.NotEmpty(t, n.IPAM.Config, "network %s needs a subnet for fixed addresses", network)
	_, subnet, err := net.ParseCIDR(n.IPAM.Config[0].Subnet)
	require.NoError(t, err)
	require.True(t, subnet.Contains(net.ParseIP(ip)), "%s is outside network %s's %s", ip, network, subnet)
}

func uiServerVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`github.com/temporalio/ui-server/v2 (v\S+)`).FindSubmatch(readFile(t, repoPath("go.mod")))
	require.NotNil(t, m, "go.mod names the embedded ui-server")
	return string(m[1])
}

// promConfig is the part of a Prometheus configuration the tests read.
type promConfig struct {
	Alerting struct {
		Alertmanagers []struct {
			StaticConfigs []struct {
				Targets []string `yaml:"targets"`
			} `yaml:"static_configs"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
		DNSSDConfigs []struct {
			Names []string `yaml:"names"`
			Type  string   `yaml:"type"`
			Port  int      `yaml:"port"`
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

// Prometheus scrapes every rectify process where it serves /metrics, in the job the
// alerts read, and every server node's own Temporal metrics.
func TestComposePrometheusScrapesEveryProcess(t *testing.T) {
	c := loadCompose(t)
	var cfg promConfig
	require.NoError(t, yaml.Unmarshal(readFile(t, filepath.Join(composeDir, "prometheus.yml")), &cfg))
	want := map[string]map[string]int{"rectify": {}, "rectify-temporal-server": {}}
	for _, p := range composeProcesses(t) {
		name := strings.TrimPrefix(p.where, "compose.yaml: ")
		want["rectify"][name] = p.metricsPort(t)
		if p.roles(t)["server"] {
			_, port, ok := p.addr(t, "RECTIFY_TEMPORAL_METRICS_ADDR")
			require.True(t, ok, "%s: serve the server's own metrics", p.where)
			want["rectify-temporal-server"][name] = port
		}
	}
	got := map[string]map[string]int{}
	for _, sc := range cfg.ScrapeConfigs {
		require.Contains(t, want, sc.JobName)
		require.Contains(t, []string{"", "/metrics"}, sc.MetricsPath)
		got[sc.JobName] = map[string]int{}
		add := func(host string, port int) {
			require.Contains(t, c.Services, host, "job %s scrapes %s, not a service", sc.JobName, host)
			require.NotContains(t, got[sc.JobName], host, "job %s scrapes %s twice", sc.JobName, host)
			got[sc.JobName][host] = port
		}
		for _, s := range sc.StaticConfigs {
			for _, target := range s.Targets {
				host, port, err := net.SplitHostPort(target)
				require.NoError(t, err)
				n, _ := strconv.Atoi(port)
				add(host, n)
			}
		}
		for _, d := range sc.DNSSDConfigs {
			require.Equal(t, "A", d.Type)
			for _, host := range d.Names {
				add(host, d.Port)
			}
		}
	}
	require.Equal(t, want, got)

	// The alerts read job="rectify".
	require.Contains(t, string(readFile(t, filepath.Join("prometheus", "rules", "rectify-alerts.yml"))), `up{job="rectify"}`)
}

// prometheusRoot builds, in a temporary folder, /etc/prometheus as the prometheus
// service of compose.yaml sees it, and returns the config file's path there.
func prometheusRoot(t *testing.T) string {
	t.Helper()
	s := serviceNamed(t, loadCompose(t), "prometheus")
	const etc = "/etc/prometheus/"
	root := t.TempDir()
	for _, v := range s.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		dst, _, _ = strings.Cut(dst, ":")
		rel, ok := strings.CutPrefix(dst, etc)
		if !ok {
			continue
		}
		abs, err := filepath.Abs(filepath.Join(composeDir, src))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, rel)), 0o755))
		require.NoError(t, os.Symlink(abs, filepath.Join(root, rel)))
	}
	var config string
	for _, arg := range s.Command {
		if f, ok := strings.CutPrefix(arg, "--config.file="); ok {
			config = f
		}
	}
	rel, ok := strings.CutPrefix(config, etc)
	require.True(t, ok, "--config.file=%s is under %s", config, etc)
	require.FileExists(t, filepath.Join(root, rel), "compose.yaml mounts the config file that --config.file names")
	return filepath.Join(root, rel)
}

func TestComposePrometheusConfigIsValid(t *testing.T) {
	config := prometheusRoot(t)
	tool := promtool(t)
	out, err := exec.Command(tool, "check", "config", config).CombinedOutput()
	require.NoError(t, err, "promtool check config:\n%s", out)
	require.Contains(t, string(out), "SUCCESS")
	require.NotContains(t, string(out), "WARNING")
}

// Grafana gets the dashboards where deploy/grafana's provider looks for them and a
// data source at the prometheus service.
func TestComposeGrafanaIsProvisioned(t *testing.T) {
	c := loadCompose(t)
	s := serviceNamed(t, c, "grafana")
	mounts := map[string]string{}
	for _, v := range s.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		dst, _, _ = strings.Cut(dst, ":")
		mounts[dst] = src
	}

	var provider struct {
		Providers []struct {
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, filepath.Join("grafana", "provisioning", "dashboards", "rectify.yml")), &provider))
	require.Len(t, provider.Providers, 1)
	require.Equal(t, "../grafana/dashboards", mounts[provider.Providers[0].Options.Path], "the provider's path holds deploy/grafana/dashboards")
	require.Equal(t, "../grafana/provisioning/dashboards", mounts["/etc/grafana/provisioning/dashboards"])

	type datasource struct {
		Name, UID, Type, Access, URL string
		IsDefault                    bool `yaml:"isDefault"`
	}
	read := func(path string) datasource {
		var f struct {
			Datasources []datasource `yaml:"datasources"`
		}
		require.NoError(t, yaml.Unmarshal(readFile(t, path), &f), path)
		require.Len(t, f.Datasources, 1, path)
		return f.Datasources[0]
	}
	var src string
	for dst, s := range mounts {
		if strings.HasPrefix(dst, "/etc/grafana/provisioning/datasources/") {
			src = s
		}
	}
	require.NotEmpty(t, src, "a data source is provisioned")
	got := read(filepath.Join(composeDir, src))
	base := read(filepath.Join("grafana", "provisioning", "datasources", "rectify-prometheus.yml"))
	u, err := url.Parse(got.URL)
	require.NoError(t, err)
	require.Contains(t, c.Services, u.Hostname())
	var listens bool
	for _, pub := range serviceNamed(t, c, u.Hostname()).Ports {
		listens = listens || strings.HasSuffix(pub, ":"+u.Port())
	}
	require.True(t, listens, "the data source's port %s is the one %s serves", u.Port(), u.Hostname())
	got.URL, base.URL = "", ""
	require.Equal(t, base, got, "the same data source as deploy/grafana, at the prometheus service")
}

// isAlertmanagerImage tells Prometheus's Alertmanager image.
func isAlertmanagerImage(image string) bool {
	name, _, _ := strings.Cut(image, ":")
	return name == "prom/alertmanager" || strings.HasSuffix(name, "/prom/alertmanager")
}

// flagValue reads --name=value from a command line, and whether it is there.
func flagValue(args []string, name string) (string, bool) {
	for _, arg := range args {
		if v, ok := strings.CutPrefix(arg, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// alertmanagerPort is the port Alertmanager listens on: --web.listen-address, or 9093.
func alertmanagerPort(t *testing.T, args []string) int {
	t.Helper()
	addr, ok := flagValue(args, "web.listen-address")
	if !ok {
		return 9093
	}
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err, "--web.listen-address=%s", addr)
	n, err := strconv.Atoi(port)
	require.NoError(t, err)
	return n
}

// Prometheus's alerts reach people: Prometheus sends them to the alertmanager
// service (pinned like every image), whose configuration, mounted where
// --config.file names it, routes every alert to the web service's receiver with the
// token of a Compose secret; the web service is given the same token.
func TestComposeAlertmanagerReachesRectify(t *testing.T) {
	c := loadCompose(t)
	am := serviceNamed(t, c, "alertmanager")
	require.True(t, isAlertmanagerImage(am.Image), "compose.yaml: alertmanager runs %s", am.Image)
	_, tag, _ := strings.Cut(am.Image, ":")
	require.Regexp(t, `^v[0-9]+\.[0-9]+\.[0-9]+$`, tag, "compose.yaml: pin Alertmanager to a release")

	// Prometheus alerts the alertmanager service, at the port it listens on.
	var prom promConfig
	require.NoError(t, yaml.Unmarshal(readFile(t, filepath.Join(composeDir, "prometheus.yml")), &prom))
	var targets int
	for _, a := range prom.Alerting.Alertmanagers {
		for _, s := range a.StaticConfigs {
			for _, target := range s.Targets {
				host, port, err := net.SplitHostPort(target)
				require.NoError(t, err, "alerting target %q", target)
				svc := serviceNamed(t, c, host)
				require.True(t, isAlertmanagerImage(svc.Image), "Prometheus alerts %s, which is not an Alertmanager", host)
				require.Equal(t, strconv.Itoa(alertmanagerPort(t, svc.Command)), port, "Prometheus alerts %s at a port it does not listen on", host)
				targets++
			}
		}
	}
	require.Positive(t, targets, "prometheus.yml: alerting sends alerts to the alertmanager service")

	// The configuration is the file mounted where --config.file names it.
	config, ok := flagValue(am.Command, "config.file")
	require.True(t, ok, "compose.yaml: alertmanager names its --config.file")
	var src string
	for _, v := range am.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == config {
			src = parts[0]
		}
	}
	require.NotEmpty(t, src, "compose.yaml: alertmanager mounts nothing at %s", config)
	where := filepath.Join(composeDir, src)
	data := readFile(t, where)
	hook := rectifyHook(t, where, data)
	requireSameRouting(t, where, data)
	amtoolCheck(t, where, data)

	// It posts to an http process of the file, at the port its API listens on.
	u, err := url.Parse(hook.URL)
	require.NoError(t, err, where)
	var web *process
	for _, p := range composeProcesses(t) {
		if strings.TrimPrefix(p.where, "compose.yaml: ") == u.Hostname() {
			web = &p
		}
	}
	require.NotNil(t, web, "%s posts to %s, not a rectify service", where, u.Hostname())
	require.True(t, web.roles(t)["http"], "%s posts to %s, which serves no API", where, web.where)
	_, port, _ := web.addr(t, "RECTIFY_HTTP_ADDR")
	require.Equal(t, strconv.Itoa(port), u.Port(), "%s posts to %s's API port", where, web.where)

	// The token file is a secret of the service, read from a variable of .env ...
	sec, ok := strings.CutPrefix(hook.HTTPConfig.Authorization.CredentialsFile, "/run/secrets/")
	require.True(t, ok, "%s: the token file is a Compose secret", where)
	require.Contains(t, am.Secrets, sec, "compose.yaml: alertmanager is not given secret %s", sec)
	variable := c.Secrets[sec].Environment
	require.NotEmpty(t, variable, "compose.yaml: secret %s is the token's variable in .env", sec)

	// ... which every process serving the API is given as its token, so both ends
	// hold one value.
	var http int
	for _, p := range composeProcesses(t) {
		if !p.roles(t)["http"] {
			continue
		}
		http++
		name := strings.TrimPrefix(p.where, "compose.yaml: ")
		require.Regexp(t, `^\$\{`+regexp.QuoteMeta(variable)+`:\?[^}]+\}$`, c.Services[name].Environment["RECTIFY_ALERTMANAGER_TOKEN"],
			"compose.yaml: %s's RECTIFY_ALERTMANAGER_TOKEN is ${%s:?…}, the value of secret %s", name, variable, sec)
	}
	require.Positive(t, http)
}
