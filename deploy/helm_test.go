package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// The Helm chart is rendered by helm itself (pinned in scripts/helm/go.mod, built by
// scripts/helm/install into .tools/bin) and every object is decoded strictly and
// held to the same checks as the Kustomize manifests: the same processes, ports,
// probes, Services, ServiceMonitor and Secrets, and the same topology.

const chartDir = "helm/rectify"

// isHelmTemplate says whether a file of deploy/ is a chart template: YAML only once
// rendered.
func isHelmTemplate(path string) bool {
	return strings.HasPrefix(filepath.ToSlash(path), chartDir+"/templates/")
}

// helm finds the pinned helm: a skip where it is not built, a failure in CI, where
// scripts/test builds it.
func helm(t *testing.T) string {
	t.Helper()
	path, err := filepath.Abs(repoPath(".tools", "bin", "helm"))
	require.NoError(t, err)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatal("helm is not built; scripts/test runs scripts/helm/install")
	}
	t.Skip("helm is not built (run scripts/helm/install); skipping")
	return ""
}

// renderChart renders the chart as release rectify in namespace rectify with the
// given --set values, and decodes what it renders.
func renderChart(t *testing.T, set ...string) manifests {
	t.Helper()
	return renderRelease(t, "rectify", set...)
}

// renderRelease is renderChart for a release of another name.
func renderRelease(t *testing.T, release string, set ...string) manifests {
	t.Helper()
	out, err := runHelm(t, append([]string{"template", release, chartDir, "--namespace", "rectify"}, setFlags(set)...)...)
	require.NoError(t, err, "helm template: %s", out)
	return decodeManifests(t, "rectify", streamDocs(t, "helm template "+strings.Join(set, " "), out))
}

func setFlags(set []string) []string {
	var args []string
	for _, s := range set {
		args = append(args, "--set", s)
	}
	return args
}

func runHelm(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helm(t), args...)
	// No repositories, plugins or caches of the machine's user.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	if err != nil {
		return stderr.Bytes(), err
	}
	return out.Bytes(), nil
}

// chartAppVersion is the version the chart's image tag defaults to.
func chartAppVersion(t *testing.T) string {
	var chart struct {
		AppVersion string `yaml:"appVersion"`
		Version    string `yaml:"version"`
	}
	require.NoError(t, yaml.Unmarshal(readFile(t, filepath.Join(chartDir, "Chart.yaml")), &chart))
	require.NotEmpty(t, chart.AppVersion)
	require.Equal(t, chart.Version, chart.AppVersion, "the chart is released with rectify: one version")
	return chart.AppVersion
}

// Each way of installing the chart a values file may choose passes every check of
// the Kustomize manifests.
func TestHelmChartPassesTheManifestChecks(t *testing.T) {
	tag := "rectify:" + chartAppVersion(t)
	for name, set := range map[string][]string{
		"defaults": nil,
		"everything on": {"ingress.enabled=true", "ingress.tlsSecret=rectify-tls", "networkPolicy.enabled=true",
			"temporal.dynamicConfig.limit\\.blobSize\\.error[0].value=4194304"},
		"fixed workers, one web pod": {"worker.autoscaling.enabled=false", "worker.replicas=3", "web.replicas=1", "temporalUI.enabled=false",
			"alertmanager.enabled=false"},
	} {
		t.Run(name, func(t *testing.T) {
			release := "rectify"
			if name == "fixed workers, one web pod" {
				release = "prod" // its objects are named prod-rectify-…
			}
			m := renderRelease(t, release, set...)
			requireValidManifests(t, m)
			requireProcesses(t, m, func(image string) bool { return image == tag })
			requireServicesReachConfiguredPorts(t, m)
			requireServiceMonitorScrapesEveryProcess(t, m)
			requireSecretsDocumented(t, m)
			if !slices.Contains(set, "alertmanager.enabled=false") {
				requireAlertmanagerReachesRectify(t, m)
			} else {
				require.NotContains(t, m.deployments, release+"-rectify-alertmanager")
			}
		})
	}
}

// The chart deploys what deploy/kubernetes does, under the same names for a release
// named rectify: every Deployment and Service, each rectify container with at least
// the same variables, the same ports and the same roles.
func TestHelmChartHasTheKustomizeTopology(t *testing.T) {
	kube := loadManifests(t)
	chart := renderChart(t)
	// The two objects the Kustomize files do not prefix with rectify-.
	chartName := func(name string) string {
		if name == "temporal-ui" || name == "alertmanager" {
			return "rectify-" + name
		}
		return name
	}
	for _, name := range sortedKeys(kube.deployments) {
		want := kube.deployments[name]
		have, ok := chart.deployments[chartName(name)]
		require.True(t, ok, "the chart has no Deployment %s", name)
		require.Equal(t, replicas(want), replicas(have), "Deployment %s: replicas", name)
		for _, wc := range want.Spec.Template.Spec.Containers {
			i := slices.IndexFunc(have.Spec.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == wc.Name })
			require.GreaterOrEqual(t, i, 0, "Deployment %s: container %s", name, wc.Name)
			hc := have.Spec.Template.Spec.Containers[i]
			require.Equal(t, wc.Ports, hc.Ports, "Deployment %s: ports", name)
			if !isRectifyContainer(wc) {
				continue
			}
			wp, hp := kube.kubeProcess(t, want, wc), chart.kubeProcess(t, have, hc)
			require.Equal(t, wp.roles(t), hp.roles(t), "Deployment %s: roles", name)
			for _, v := range sortedKeys(wp.env) {
				require.Contains(t, hp.env, v, "Deployment %s: the chart sets %s too", name, v)
				require.Equal(t, wp.env[v].from, hp.env[v].from, "Deployment %s: %s comes from the same kind of source", name, v)
			}
		}
	}
	for _, name := range sortedKeys(kube.services) {
		require.Contains(t, chart.services, chartName(name))
	}
	require.Len(t, chart.pdbs, 2, "server nodes and web pods keep one pod through a drain")
	require.Len(t, chart.hpas, 1)
}

// With NetworkPolicies on, every pod of the release is behind a default deny, the web
// port is the only one anyone may reach, a server node's frontend takes only the
// release's own pods, the cluster ports only the other nodes, and metrics only the
// monitoring peers.
func TestHelmNetworkPolicyOpensOnlyTheWebPort(t *testing.T) {
	m := renderChart(t, "networkPolicy.enabled=true")
	require.NotEmpty(t, m.networkPolicies)
	release := labels.SelectorFromSet(labels.Set{"app.kubernetes.io/name": "rectify", "app.kubernetes.io/instance": "rectify"})
	type portOf struct{ deployment, port string }
	open := map[portOf][]networkingv1.NetworkPolicyPeer{} // nil peers: anyone
	anyone := map[portOf]bool{}
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		podLabels := labels.Set(d.Spec.Template.Labels)
		require.True(t, release.Matches(podLabels), "Deployment %s belongs to the release", name)
		var covered bool
		for _, np := range m.networkPolicies {
			sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
			require.NoError(t, err)
			if sel.Empty() || !sel.Matches(podLabels) {
				continue
			}
			covered = true
			require.Equal(t, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}, np.Spec.PolicyTypes, "NetworkPolicy %s", np.Name)
			for _, rule := range np.Spec.Ingress {
				require.NotEmpty(t, rule.Ports, "NetworkPolicy %s: a rule without ports opens every port", np.Name)
				for _, p := range rule.Ports {
					require.NotNil(t, p.Port, "NetworkPolicy %s", np.Name)
					var declared bool
					for _, c := range d.Spec.Template.Spec.Containers {
						_, ok := containerPort(c, *p.Port)
						declared = declared || ok
					}
					if !declared {
						continue // a port of another component's pods
					}
					k := portOf{name, p.Port.String()}
					if len(rule.From) == 0 {
						anyone[k] = true
					}
					open[k] = append(open[k], rule.From...)
				}
			}
		}
		require.True(t, covered, "Deployment %s's pods are under a NetworkPolicy", name)
	}
	require.Equal(t, map[portOf]bool{{"rectify-web", "http"}: true}, anyone, "only the web port is open to everyone")

	// The frontend: only pods of this release, found by label in its own namespace.
	frontend := open[portOf{"rectify-server", "grpc-frontend"}]
	require.NotEmpty(t, frontend)
	for _, peer := range frontend {
		require.Nil(t, peer.NamespaceSelector, "the frontend is not opened to other namespaces")
		require.Nil(t, peer.IPBlock, "the frontend is not opened to addresses")
		require.NotNil(t, peer.PodSelector)
		sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
		require.NoError(t, err)
		require.False(t, sel.Empty())
		for _, name := range sortedKeys(m.deployments) {
			require.True(t, sel.Matches(labels.Set(m.deployments[name].Spec.Template.Labels)), "%s may dial the frontend", name)
		}
		require.False(t, sel.Matches(labels.Set{"app.kubernetes.io/name": "something-else"}))
	}
	// The nodes' other ports: only server nodes.
	server := labels.Set(m.deployments["rectify-server"].Spec.Template.Labels)
	for _, port := range []string{"grpc-history", "grpc-matching", "grpc-worker", "memb-frontend", "memb-history", "memb-matching", "memb-worker"} {
		peers := open[portOf{"rectify-server", port}]
		require.NotEmpty(t, peers, "the nodes reach each other's %s", port)
		for _, peer := range peers {
			require.NotNil(t, peer.PodSelector, port)
			sel, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
			require.NoError(t, err)
			require.True(t, sel.Matches(server), port)
			for _, other := range []string{"rectify-web", "rectify-worker"} {
				require.False(t, sel.Matches(labels.Set(m.deployments[other].Spec.Template.Labels)), "%s reaches only the nodes, not %s", port, other)
			}
		}
	}
	// Metrics, and Alertmanager's port: the monitoring namespace of values.yaml.
	for _, p := range []portOf{{"rectify-server", "metrics"}, {"rectify-worker", "metrics"}, {"rectify-web", "metrics"}, {"rectify-alertmanager", "web"}} {
		peers := open[p]
		require.NotEmpty(t, peers, "%s's %s is reached from monitoring", p.deployment, p.port)
		for _, peer := range peers {
			require.NotNil(t, peer.NamespaceSelector, "%s's %s: the monitoring namespace only", p.deployment, p.port)
		}
	}

	// With the web port opened to given peers only, Alertmanager still posts to it.
	m = renderChart(t, "networkPolicy.enabled=true", "networkPolicy.ingressFrom[0].ipBlock.cidr=10.0.0.0/8")
	am := labels.Set(m.deployments["rectify-alertmanager"].Spec.Template.Labels)
	var fromAlertmanager bool
	for _, np := range m.networkPolicies {
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		require.NoError(t, err)
		if !sel.Matches(labels.Set(m.deployments["rectify-web"].Spec.Template.Labels)) {
			continue
		}
		for _, rule := range np.Spec.Ingress {
			require.NotEmpty(t, rule.From, "NetworkPolicy %s: the web port is open to the given peers only", np.Name)
			for _, peer := range rule.From {
				if peer.PodSelector == nil {
					continue
				}
				ps, err := metav1.LabelSelectorAsSelector(peer.PodSelector)
				require.NoError(t, err)
				fromAlertmanager = fromAlertmanager || ps.Matches(am)
			}
		}
	}
	require.True(t, fromAlertmanager, "Alertmanager reaches the web port")
}

// The optional Ingress publishes the web Service's http port, with TLS when given a
// certificate's Secret.
func TestHelmIngressPublishesTheWebApp(t *testing.T) {
	require.Empty(t, renderChart(t).ingresses, "no Ingress unless asked")
	m := renderChart(t, "ingress.enabled=true", "ingress.host=rectify.example.gov.cn", "ingress.tlsSecret=rectify-tls", "ingress.className=nginx")
	require.Len(t, m.ingresses, 1)
	in := m.ingresses[0]
	require.Equal(t, "nginx", *in.Spec.IngressClassName)
	require.Equal(t, []networkingv1.IngressTLS{{Hosts: []string{"rectify.example.gov.cn"}, SecretName: "rectify-tls"}}, in.Spec.TLS)
	require.Len(t, in.Spec.Rules, 1)
	paths := in.Spec.Rules[0].HTTP.Paths
	require.Len(t, paths, 1)
	backend := paths[0].Backend.Service
	s, ok := m.services[backend.Name]
	require.True(t, ok, "the Ingress's backend %s is a Service", backend.Name)
	require.True(t, slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == backend.Port.Name }))
	for d := range m.serviceTargets(t, s, s.Spec.Ports[0]) {
		require.Equal(t, "rectify-web", d, "only the web app is published")
	}
}

// The PrometheusRules are deploy/prometheus/rules, file for file, group for group:
// rectify's alerts and the Temporal server's.
func TestHelmPrometheusRulesAreTheRulesFiles(t *testing.T) {
	m := renderChart(t)
	files, err := filepath.Glob(repoPath("deploy", "prometheus", "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	require.Len(t, m.rules, len(files))
	var want, have []map[string]any
	for _, f := range files {
		var file struct {
			Groups []map[string]any `yaml:"groups"`
		}
		require.NoError(t, yaml.Unmarshal(readFile(t, f), &file), f)
		want = append(want, file.Groups...)
	}
	for _, r := range m.rules {
		have = append(have, r.Spec.Groups...)
	}
	// Compared as YAML: the same groups, rules, expressions and labels.
	wantText, err := yaml.Marshal(want)
	require.NoError(t, err)
	haveText, err := yaml.Marshal(have)
	require.NoError(t, err)
	require.YAMLEq(t, string(wantText), string(haveText))
}

// values.schema.json refuses what would render a broken installation, naming the
// value; helm lint passes the defaults.
func TestHelmValuesSchemaRefusesBadValues(t *testing.T) {
	out, err := runHelm(t, "lint", "--strict", chartDir)
	require.NoError(t, err, "helm lint: %s", out)
	for set, names := range map[string]string{
		"server.replicas=0":                        "/server/replicas",
		"secrets.database=":                        "/secrets/database",
		"temporal.retentionDays=0":                 "/temporal/retentionDays",
		"temporal.shards=many":                     "/temporal/shards",
		"worker.autoscalng.enabled=true":           "autoscalng",
		"metrics.serviceMonitor.interval=often":    "/metrics/serviceMonitor/interval",
		"temporal.dynamicConfig.someSetting=plain": "someSetting",
	} {
		out, err := runHelm(t, "template", "rectify", chartDir, "--set", set)
		require.Error(t, err, "--set %s renders", set)
		require.Contains(t, string(out), names, "--set %s: the error names the value", set)
	}
}
