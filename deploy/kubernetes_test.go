package deploy

import (
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
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	sigsyaml "sigs.k8s.io/yaml"
)

// The manifests decode strictly into the Kubernetes API's own Go types (an unknown
// or misplaced field fails), then every reference between them is followed: the
// Deployments' env to the binary's configuration, probes and Services to the ports
// that env configures, the HPA, PDB and ServiceMonitor to what they select.
// The ServiceMonitor and the kustomization are checked by structure: their Go types
// (prometheus-operator, kustomize) would raise the Kubernetes modules the Temporal
// server is built with.

const kubeDir = "kubernetes"

type kustomization struct {
	APIVersion string   `yaml:"apiVersion"`
	Kind       string   `yaml:"kind"`
	Namespace  string   `yaml:"namespace"`
	Resources  []string `yaml:"resources"`
	Images     []struct {
		Name    string `yaml:"name"`
		NewName string `yaml:"newName"`
		NewTag  string `yaml:"newTag"`
	} `yaml:"images"`
}

func loadKustomization(t *testing.T) kustomization {
	t.Helper()
	var n yaml.Node
	require.NoError(t, yaml.Unmarshal(readFile(t, filepath.Join(kubeDir, "kustomization.yaml")), &n))
	var k kustomization
	require.NoError(t, decodeStrict(&n, &k), "kustomization.yaml")
	require.Equal(t, "kustomize.config.k8s.io/v1beta1", k.APIVersion)
	require.Equal(t, "Kustomization", k.Kind)
	return k
}

// manifests are the decoded objects of the kustomization's resources.
type manifests struct {
	namespace   string
	configMaps  map[string]*corev1.ConfigMap
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	monitors    []serviceMonitor
	namespaces  []*corev1.Namespace
	// Only the Helm chart has these.
	ingresses       []*networkingv1.Ingress
	networkPolicies []*networkingv1.NetworkPolicy
	rules           []prometheusRule
}

// prometheusRule is monitoring.coreos.com/v1 PrometheusRule: its groups are a rules
// file's (checked against deploy/prometheus/rules by the Helm tests).
type prometheusRule struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Groups []map[string]any `json:"groups"`
	} `json:"spec"`
}

// serviceMonitor is the part of monitoring.coreos.com/v1 ServiceMonitor used here,
// decoded strictly: a field outside it is a mistake or needs a check here.
type serviceMonitor struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels"`
	} `json:"metadata"`
	Spec struct {
		JobLabel  string               `json:"jobLabel"`
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path"`
			Interval      string `json:"interval"`
			ScrapeTimeout string `json:"scrapeTimeout"`
			HonorLabels   bool   `json:"honorLabels"`
			Relabelings   []struct {
				SourceLabels []string `json:"sourceLabels"`
				TargetLabel  string   `json:"targetLabel"`
				Replacement  *string  `json:"replacement"`
				Action       string   `json:"action"`
				Regex        string   `json:"regex"`
			} `json:"relabelings"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// manifestDoc is one object of a YAML stream, with where it came from for messages.
type manifestDoc struct {
	where string
	node  *yaml.Node
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	k := loadKustomization(t)
	var docs []manifestDoc
	listed := map[string]bool{}
	for _, res := range k.Resources {
		path := filepath.Join(kubeDir, res)
		require.FileExists(t, path, "kustomization.yaml lists %s", res)
		listed[filepath.Clean(res)] = true
		docs = append(docs, streamDocs(t, path, readFile(t, path))...)
	}
	m := decodeManifests(t, k.Namespace, docs)
	// Every manifest in the folder is applied.
	files, err := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	require.NoError(t, err)
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" {
			require.True(t, listed[base], "kustomization.yaml does not list %s", base)
		}
	}
	return m
}

// streamDocs splits a YAML stream into its objects, named after where and their
// place in it.
func streamDocs(t *testing.T, where string, data []byte) []manifestDoc {
	t.Helper()
	nodes, err := yamlDocs(data)
	require.NoError(t, err, where)
	var out []manifestDoc
	for i, n := range nodes {
		w := where
		if len(nodes) > 1 {
			w += ", document " + strconv.Itoa(i+1)
		}
		if n.Kind == 0 {
			continue // an empty document, as a template that renders nothing leaves
		}
		out = append(out, manifestDoc{where: w, node: n})
	}
	return out
}

// decodeManifests decodes every object strictly into its API type; a kind without a
// check here, or a Secret, fails.
func decodeManifests(t *testing.T, namespace string, docs []manifestDoc) manifests {
	t.Helper()
	m := manifests{
		namespace:   namespace,
		configMaps:  map[string]*corev1.ConfigMap{},
		deployments: map[string]*appsv1.Deployment{},
		services:    map[string]*corev1.Service{},
	}
	for _, d := range docs {
		where := d.where
		data, err := yaml.Marshal(d.node)
		require.NoError(t, err)
		var meta metav1.TypeMeta
		require.NoError(t, sigsyaml.Unmarshal(data, &meta), where)
		strict := func(obj any) {
			require.NoError(t, sigsyaml.UnmarshalStrict(data, obj), "%s: %s", where, meta.Kind)
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "v1 Namespace":
			o := &corev1.Namespace{}
			strict(o)
			m.namespaces = append(m.namespaces, o)
		case "v1 ConfigMap":
			o := &corev1.ConfigMap{}
			strict(o)
			m.configMaps[o.Name] = o
		case "v1 Service":
			o := &corev1.Service{}
			strict(o)
			m.services[o.Name] = o
		case "apps/v1 Deployment":
			o := &appsv1.Deployment{}
			strict(o)
			m.deployments[o.Name] = o
		case "autoscaling/v2 HorizontalPodAutoscaler":
			o := &autoscalingv2.HorizontalPodAutoscaler{}
			strict(o)
			m.hpas = append(m.hpas, o)
		case "policy/v1 PodDisruptionBudget":
			o := &policyv1.PodDisruptionBudget{}
			strict(o)
			m.pdbs = append(m.pdbs, o)
		case "networking.k8s.io/v1 Ingress":
			o := &networkingv1.Ingress{}
			strict(o)
			m.ingresses = append(m.ingresses, o)
		case "networking.k8s.io/v1 NetworkPolicy":
			o := &networkingv1.NetworkPolicy{}
			strict(o)
			m.networkPolicies = append(m.networkPolicies, o)
		case "monitoring.coreos.com/v1 ServiceMonitor":
			var o serviceMonitor
			strict(&o)
			m.monitors = append(m.monitors, o)
		case "monitoring.coreos.com/v1 PrometheusRule":
			var o prometheusRule
			strict(&o)
			m.rules = append(m.rules, o)
		case "v1 Secret":
			t.Fatalf("%s: secret values stay out of the repository; docs/operations.md creates them", where)
		default:
			t.Fatalf("%s: %s %s has no check here", where, meta.APIVersion, meta.Kind)
		}
	}
	return m
}

func (m manifests) configMapValue(t *testing.T, name, key string) string {
	t.Helper()
	cm, ok := m.configMaps[name]
	require.True(t, ok, "no ConfigMap %s", name)
	v, ok := cm.Data[key]
	require.True(t, ok, "ConfigMap %s has no %s", name, key)
	return v
}

func isRectifyContainer(c corev1.Container) bool {
	name, _, _ := strings.Cut(c.Image, ":")
	return name == "rectify"
}

// kubeProcess reads a rectify container's environment as Kubernetes builds it:
// envFrom first, env over it.
func (m manifests) kubeProcess(t *testing.T, d *appsv1.Deployment, c corev1.Container) process {
	t.Helper()
	p := process{where: "Deployment " + d.Name, env: map[string]envValue{}}
	for _, from := range c.EnvFrom {
		require.NotNil(t, from.ConfigMapRef, "%s: envFrom a ConfigMap", p.where)
		cm, ok := m.configMaps[from.ConfigMapRef.Name]
		require.True(t, ok, "%s: no ConfigMap %s", p.where, from.ConfigMapRef.Name)
		for k, v := range cm.Data {
			p.env[k] = envValue{value: v}
		}
	}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			p.env[e.Name] = envValue{value: e.Value}
		case e.ValueFrom.SecretKeyRef != nil:
			p.env[e.Name] = envValue{from: "secret"}
		case e.ValueFrom.FieldRef != nil:
			p.env[e.Name] = envValue{from: "field:" + e.ValueFrom.FieldRef.FieldPath}
		case e.ValueFrom.ConfigMapKeyRef != nil:
			ref := e.ValueFrom.ConfigMapKeyRef
			p.env[e.Name] = envValue{value: m.configMapValue(t, ref.Name, ref.Key)}
		default:
			t.Fatalf("%s: %s comes from an unexpected source", p.where, e.Name)
		}
	}
	return p
}

// kubeProcesses are the manifests' rectify containers as processes.
func kubeProcesses(t *testing.T) []process {
	t.Helper()
	m := loadManifests(t)
	var out []process
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		for _, c := range d.Spec.Template.Spec.Containers {
			if isRectifyContainer(c) {
				out = append(out, m.kubeProcess(t, d, c))
			}
		}
	}
	require.NotEmpty(t, out)
	return out
}

func TestKubernetesManifestsAreValid(t *testing.T) {
	m := loadManifests(t)
	require.Len(t, m.namespaces, 1)
	require.Equal(t, m.namespace, m.namespaces[0].Name, "kustomization.yaml's namespace is created")
	require.NotEmpty(t, m.hpas)
	requireValidManifests(t, m)
}

// requireValidManifests holds the objects to what Kubernetes and rectify need:
// selectors that select, resources the autoscaler can read, restricted pods, PDBs
// that leave room for a drain.
func requireValidManifests(t *testing.T, m manifests) {
	t.Helper()
	requireName := func(kind, name string) {
		require.Empty(t, validation.IsDNS1123Label(name), "%s %q", kind, name)
	}
	for name, d := range m.deployments {
		requireName("Deployment", name)
		sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
		require.NoError(t, err, name)
		require.False(t, sel.Empty(), "Deployment %s selects something", name)
		require.True(t, sel.Matches(labels.Set(d.Spec.Template.Labels)), "Deployment %s's selector matches its pods", name)
		for _, c := range d.Spec.Template.Spec.Containers {
			where := "Deployment " + name + ", container " + c.Name
			for _, p := range c.Ports {
				require.Empty(t, validation.IsValidPortName(p.Name), "%s: port name %q", where, p.Name)
				require.Empty(t, validation.IsValidPortNum(int(p.ContainerPort)), where)
			}
			// Requests and limits for the scheduler and the autoscaler.
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, ok := c.Resources.Requests[r]
				require.True(t, ok, "%s requests %s", where, r)
				lim, ok := c.Resources.Limits[r]
				require.True(t, ok, "%s limits %s", where, r)
				require.LessOrEqual(t, req.Cmp(lim), 0, "%s: %s request above its limit", where, r)
			}
			sc := c.SecurityContext
			require.NotNil(t, sc, where)
			require.Equal(t, new(false), sc.AllowPrivilegeEscalation, where)
			require.NotNil(t, sc.Capabilities, where)
			require.Equal(t, []corev1.Capability{"ALL"}, sc.Capabilities.Drop, where)
			mounted := map[string]bool{}
			for _, vm := range c.VolumeMounts {
				require.True(t, slices.ContainsFunc(d.Spec.Template.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == vm.Name }),
					"%s mounts volume %s, which the pod lacks", where, vm.Name)
				mounted[vm.MountPath] = true
			}
			if isRectifyContainer(c) {
				requireRestricted(t, where, d.Spec.Template.Spec.SecurityContext, sc)
				require.True(t, mounted["/tmp"], "%s: a read-only root needs /tmp mounted", where)
				require.True(t, mounted["/data"], "%s: a read-only root needs the data folder mounted", where)
			}
		}
	}
	for name, s := range m.services {
		requireName("Service", name)
		require.NotEmpty(t, s.Spec.Selector, "Service %s selects its pods", name)
		for _, p := range s.Spec.Ports {
			require.Empty(t, validation.IsValidPortName(p.Name), "Service %s: port name %q", name, p.Name)
		}
	}
	for _, h := range m.hpas {
		d, ok := m.deployments[h.Spec.ScaleTargetRef.Name]
		require.True(t, ok, "HPA %s scales Deployment %s, which is not here", h.Name, h.Spec.ScaleTargetRef.Name)
		require.Equal(t, "Deployment", h.Spec.ScaleTargetRef.Kind)
		require.Equal(t, "apps/v1", h.Spec.ScaleTargetRef.APIVersion)
		require.NotNil(t, h.Spec.MinReplicas)
		require.GreaterOrEqual(t, *h.Spec.MinReplicas, int32(1))
		require.Greater(t, h.Spec.MaxReplicas, *h.Spec.MinReplicas)
		for _, metric := range h.Spec.Metrics {
			if metric.Type == autoscalingv2.ResourceMetricSourceType {
				// Utilization is a share of the request: every container needs one.
				for _, c := range d.Spec.Template.Spec.Containers {
					_, ok := c.Resources.Requests[metric.Resource.Name]
					require.True(t, ok, "HPA %s scales on %s, which %s does not request", h.Name, metric.Resource.Name, c.Name)
				}
			}
		}
		// The workers are what scales.
		for _, c := range d.Spec.Template.Spec.Containers {
			if isRectifyContainer(c) {
				roles := m.kubeProcess(t, d, c).roles(t)
				require.False(t, roles["server"], "HPA %s: server nodes do not scale on load", h.Name)
			}
		}
	}
	for _, p := range m.pdbs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		require.NoError(t, err)
		var total int32
		for _, d := range m.deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				total += replicas(d)
			}
		}
		require.NotNil(t, p.Spec.MinAvailable)
		require.Less(t, p.Spec.MinAvailable.IntValue(), int(total), "PDB %s leaves room for a drain", p.Name)
	}
}

// requireRestricted holds a rectify pod to the restricted Pod Security Standard
// and to the image's user.
func requireRestricted(t *testing.T, where string, pod *corev1.PodSecurityContext, c *corev1.SecurityContext) {
	t.Helper()
	uid, gid := dockerUser(t)
	require.NotNil(t, pod, where)
	require.Equal(t, new(true), pod.RunAsNonRoot, where)
	require.Equal(t, &uid, pod.RunAsUser, "%s runs as the image's user", where)
	require.Equal(t, &gid, pod.RunAsGroup, where)
	require.NotNil(t, pod.SeccompProfile, where)
	require.Equal(t, corev1.SeccompProfileTypeRuntimeDefault, pod.SeccompProfile.Type, where)
	require.Equal(t, new(true), c.ReadOnlyRootFilesystem, where)
}

// containerPort resolves a probe's or Service's port on a container.
func containerPort(c corev1.Container, port intstr.IntOrString) (int, bool) {
	for _, p := range c.Ports {
		if (port.Type == intstr.String && p.Name == port.StrVal) || (port.Type == intstr.Int && int(p.ContainerPort) == port.IntValue()) {
			return int(p.ContainerPort), true
		}
	}
	return 0, false
}

func TestKubernetesProcesses(t *testing.T) {
	k := loadKustomization(t)
	requireProcesses(t, loadManifests(t), func(image string) bool {
		return slices.ContainsFunc(k.Images, func(i struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
		}) bool {
			return i.Name == image && i.NewTag != ""
		})
	})
}

// requireProcesses holds every rectify container to the binary's configuration:
// known variables, secrets from Secrets, declared ports, probes where the role
// serves them, and an image that pinned accepts.
func requireProcesses(t *testing.T, m manifests, pinned func(image string) bool) {
	t.Helper()
	known := knownEnv(t)
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		for _, c := range d.Spec.Template.Spec.Containers {
			if !isRectifyContainer(c) {
				continue
			}
			p := m.kubeProcess(t, d, c)
			checkProcess(t, p, known)
			roles := p.roles(t)
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.FieldRef != nil {
					require.Equal(t, "RECTIFY_TEMPORAL_BROADCAST_ADDR", e.Name, p.where)
				}
			}
			if roles["server"] {
				require.Equal(t, "field:status.podIP", p.env["RECTIFY_TEMPORAL_BROADCAST_ADDR"].from, "%s: a node broadcasts its pod IP", p.where)
				require.Equal(t, "secret", p.env["RECTIFY_TEMPORAL_DB"].from, "%s: the database URL holds a password", p.where)
				require.GreaterOrEqual(t, atoi(t, p.env["RECTIFY_TEMPORAL_SHARDS"].value), 8*int(replicas(d)), "%s: many more shards than nodes", p.where)
			} else {
				require.Equal(t, "secret", p.env["RECTIFY_STORE_URL"].from, "%s: the database URL holds a password", p.where)
			}
			for _, s := range []string{"TEMPORAL_API_KEY", "RECTIFY_TEMPORAL_VISIBILITY_DB"} {
				if v, ok := p.env[s]; ok {
					require.Equal(t, "secret", v.from, "%s: %s", p.where, s)
				}
			}

			// Every port the process listens on is declared, and nothing else.
			ports := p.ports(t)
			declared := map[int]bool{}
			for _, cp := range c.Ports {
				require.Contains(t, ports, int(cp.ContainerPort), "%s declares port %d, which its env does not configure", p.where, cp.ContainerPort)
				declared[int(cp.ContainerPort)] = true
			}
			for port, by := range ports {
				require.True(t, declared[port], "%s listens on %d (%s): declare it", p.where, port, by)
			}

			// Probes: /healthz says the process lives, /readyz that it serves; both
			// where this role serves them.
			health := p.healthPort(t)
			require.NotNil(t, c.LivenessProbe, p.where)
			require.NotNil(t, c.ReadinessProbe, p.where)
			for _, probe := range []struct {
				kind  string
				probe *corev1.Probe
				path  string
			}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}, {"startup", c.StartupProbe, "/healthz"}} {
				if probe.probe == nil {
					continue
				}
				get := probe.probe.HTTPGet
				require.NotNil(t, get, "%s: %s probe over HTTP", p.where, probe.kind)
				require.Equal(t, probe.path, get.Path, "%s: %s probe", p.where, probe.kind)
				port, ok := containerPort(c, get.Port)
				require.True(t, ok, "%s: %s probe's port %s is not a container port", p.where, probe.kind, get.Port.String())
				require.Equal(t, health, port, "%s: %s probe's port", p.where, probe.kind)
			}

			require.True(t, pinned(c.Image), "%s: the image %s is pinned", p.where, c.Image)
		}
	}
}

// replicas is a Deployment's replica count, 1 when unset.
func replicas(d *appsv1.Deployment) int32 {
	if d.Spec.Replicas == nil {
		return 1
	}
	return *d.Spec.Replicas
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	for _, r := range s {
		require.True(t, r >= '0' && r <= '9', "%q is not a number", s)
		n = n*10 + int(r-'0')
	}
	return n
}

// selected lists the Deployments whose pods a selector picks.
func (m manifests) selected(sel labels.Selector) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, name := range sortedKeys(m.deployments) {
		if d := m.deployments[name]; sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

// serviceTargets resolves a Service port on the pods it selects: the rectify
// processes behind it and the port number each listens on.
func (m manifests) serviceTargets(t *testing.T, s *corev1.Service, port corev1.ServicePort) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, d := range m.selected(labels.SelectorFromSet(s.Spec.Selector)) {
		for _, c := range d.Spec.Template.Spec.Containers {
			if n, ok := containerPort(c, port.TargetPort); ok {
				out[d.Name] = n
			}
		}
	}
	return out
}

func TestKubernetesServicesReachConfiguredPorts(t *testing.T) {
	requireServicesReachConfiguredPorts(t, loadManifests(t))
}

// requireServicesReachConfiguredPorts follows every Service to the ports the
// processes behind it listen on, and every TEMPORAL_ADDRESS to the frontends.
func requireServicesReachConfiguredPorts(t *testing.T, m manifests) {
	t.Helper()
	processes := map[string]process{}
	for _, d := range m.deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if isRectifyContainer(c) {
				processes[d.Name] = m.kubeProcess(t, d, c)
			}
		}
	}
	for _, name := range sortedKeys(m.services) {
		s := m.services[name]
		require.NotEmpty(t, m.selected(labels.SelectorFromSet(s.Spec.Selector)), "Service %s selects no pods", name)
		for _, port := range s.Spec.Ports {
			require.Equal(t, intstr.String, port.TargetPort.Type, "Service %s: target ports by name, so they follow the containers", name)
			targets := m.serviceTargets(t, s, port)
			require.NotEmpty(t, targets, "Service %s: port %s reaches no container", name, port.Name)
			for d, n := range targets {
				if p, ok := processes[d]; ok {
					require.Contains(t, p.ports(t), n, "Service %s: port %s reaches %d on %s, where its env configures nothing", name, port.Name, n, d)
				}
			}
		}
	}

	// Workers, the web app and the Temporal Web UI dial a Service that reaches the
	// server nodes' frontends, and only them.
	var dialers []struct{ where, addr string }
	for d, p := range processes {
		if a, ok := p.env["TEMPORAL_ADDRESS"]; ok {
			dialers = append(dialers, struct{ where, addr string }{d, a.value})
		}
	}
	for _, d := range m.deployments {
		for _, c := range d.Spec.Template.Spec.Containers {
			if !isRectifyContainer(c) {
				for _, e := range c.Env {
					if e.Name == "TEMPORAL_ADDRESS" {
						dialers = append(dialers, struct{ where, addr string }{d.Name, e.Value})
					}
				}
			}
		}
	}
	require.NotEmpty(t, dialers)
	for _, dl := range dialers {
		host, portText, ok := strings.Cut(dl.addr, ":")
		require.True(t, ok, "%s: TEMPORAL_ADDRESS=%q", dl.where, dl.addr)
		host = strings.TrimSuffix(host, "."+m.namespace+".svc.cluster.local")
		host = strings.TrimSuffix(host, "."+m.namespace+".svc")
		host = strings.TrimSuffix(host, "."+m.namespace)
		s, ok := m.services[host]
		require.True(t, ok, "%s dials %s: no such Service", dl.where, dl.addr)
		var found bool
		for _, port := range s.Spec.Ports {
			if int(port.Port) != atoi(t, portText) {
				continue
			}
			found = true
			targets := m.serviceTargets(t, s, port)
			require.NotEmpty(t, targets)
			for d, n := range targets {
				p := processes[d]
				require.True(t, p.roles(t)["server"], "%s reaches %s, not a server node", dl.addr, d)
				_, frontend, _ := p.addr(t, "RECTIFY_EMBEDDED_ADDR")
				require.Equal(t, frontend, n, "%s reaches %s's port %d, not its frontend", dl.addr, d, n)
			}
		}
		require.True(t, found, "%s dials %s: the Service has no such port", dl.where, dl.addr)
	}
}

// The ServiceMonitor scrapes every rectify process where it serves /metrics, in the
// job the alerts read, and the server nodes' own Temporal metrics in a job of their
// own; every pod keeps one instance label and nothing else per pod, so the recording
// rules' max without (instance) counts the web pods' figures once.
func TestKubernetesServiceMonitorScrapesEveryProcess(t *testing.T) {
	requireServiceMonitorScrapesEveryProcess(t, loadManifests(t))
}

func requireServiceMonitorScrapesEveryProcess(t *testing.T, m manifests) {
	t.Helper()
	require.Len(t, m.monitors, 1)
	sm := m.monitors[0]
	require.Equal(t, "monitoring.coreos.com/v1", sm.APIVersion)
	sel, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	require.NoError(t, err)
	require.False(t, sel.Empty())

	type target struct {
		deployment string
		port       int
	}
	jobs := map[string]map[target]bool{}
	for _, ep := range sm.Spec.Endpoints {
		require.Equal(t, "/metrics", ep.Path, "endpoint %s", ep.Port)
		require.True(t, ep.HonorLabels, "endpoint %s: the SDK's namespace label is Temporal's", ep.Port)
		job := ""
		var instance, dropsPod bool
		for _, r := range ep.Relabelings {
			switch strings.ToLower(r.Action) {
			case "", "replace":
				if r.TargetLabel == "job" {
					require.NotNil(t, r.Replacement)
					job = *r.Replacement
				}
				if r.TargetLabel == "instance" && slices.Equal(r.SourceLabels, []string{"__meta_kubernetes_pod_name"}) {
					instance = true
				}
			case "labeldrop":
				dropsPod = regexp.MustCompile("^(?:" + r.Regex + ")$").MatchString("pod")
			default:
				t.Fatalf("endpoint %s: relabeling action %q has no check here", ep.Port, r.Action)
			}
		}
		require.True(t, instance, "endpoint %s: instance is the pod's name", ep.Port)
		var reached bool
		for _, name := range sortedKeys(m.services) {
			s := m.services[name]
			if !sel.Matches(labels.Set(s.Labels)) {
				continue
			}
			if job == "" {
				require.Contains(t, s.Labels, sm.Spec.JobLabel, "Service %s: the job comes from label %s", name, sm.Spec.JobLabel)
				job = s.Labels[sm.Spec.JobLabel]
			}
			for _, port := range s.Spec.Ports {
				if port.Name != ep.Port {
					continue
				}
				for d, n := range m.serviceTargets(t, s, port) {
					if jobs[job] == nil {
						jobs[job] = map[target]bool{}
					}
					jobs[job][target{d, n}] = true
					reached = true
				}
			}
		}
		require.True(t, reached, "endpoint %s scrapes nothing", ep.Port)
		if job == "rectify" {
			require.True(t, dropsPod, "endpoint %s: drop the pod label, or the figures of two web pods count twice", ep.Port)
		}
	}

	want := map[string]map[target]bool{"rectify": {}, "rectify-temporal-server": {}}
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		for _, c := range d.Spec.Template.Spec.Containers {
			if !isRectifyContainer(c) {
				continue
			}
			p := m.kubeProcess(t, d, c)
			want["rectify"][target{name, p.metricsPort(t)}] = true
			if _, port, ok := p.addr(t, "RECTIFY_TEMPORAL_METRICS_ADDR"); ok {
				want["rectify-temporal-server"][target{name, port}] = true
			}
		}
	}
	require.Equal(t, want, jobs)
}

// The Secrets the manifests read are created by the operator as docs/operations.md
// says, with the same names and keys.
func TestKubernetesSecretsAreDocumented(t *testing.T) {
	requireSecretsDocumented(t, loadManifests(t))
}

func requireSecretsDocumented(t *testing.T, m manifests) {
	t.Helper()
	docs := string(readFile(t, repoPath("docs", "operations.md")))
	refs := map[string]map[string]bool{}
	add := func(name, key string) {
		if refs[name] == nil {
			refs[name] = map[string]bool{}
		}
		refs[name][key] = true
	}
	for _, d := range m.deployments {
		spec := d.Spec.Template.Spec
		for _, c := range spec.Containers {
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					add(e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
				}
			}
		}
		for _, v := range spec.Volumes {
			if v.Secret != nil {
				require.NotEmpty(t, v.Secret.Items, "Deployment %s: name the keys of Secret %s", d.Name, v.Secret.SecretName)
				for _, item := range v.Secret.Items {
					add(v.Secret.SecretName, item.Key)
				}
			}
		}
	}
	require.NotEmpty(t, refs)
	for name, keys := range refs {
		create := shellCommand(docs, "create secret generic "+name+" ")
		require.NotEmpty(t, create, "docs/operations.md creates Secret %s", name)
		for key := range keys {
			require.Regexp(t, `--from-(literal|file)=`+regexp.QuoteMeta(key)+`=`, create, "docs/operations.md: Secret %s has key %s", name, key)
		}
	}
}

// shellCommand returns the command of a text that contains start, with its
// continuation lines.
func shellCommand(text, start string) string {
	i := strings.Index(text, start)
	if i < 0 {
		return ""
	}
	var out []string
	for _, line := range strings.Split(text[i:], "\n") {
		out = append(out, line)
		if !strings.HasSuffix(line, "\\") {
			break
		}
	}
	return strings.Join(out, "\n")
}

func TestKubernetesManifestsLeaveTheNamespaceToKustomize(t *testing.T) {
	for _, res := range loadKustomization(t).Resources {
		data, err := os.ReadFile(filepath.Join(kubeDir, res))
		require.NoError(t, err)
		require.NotRegexp(t, `(?m)^\s+namespace:`, string(data), "%s: kustomization.yaml sets the namespace", res)
	}
}

// Where kubectl is installed (scripts/deps does not install it), its kustomize
// renders the manifests as kubectl apply -k does: every object, in the namespace,
// with the image of kustomization.yaml.
func TestKubectlKustomizeRenders(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed; skipping its kustomize build")
	}
	out, err := exec.Command(kubectl, "kustomize", kubeDir).CombinedOutput()
	require.NoError(t, err, "kubectl kustomize:\n%s", out)
	docs, err := yamlDocs(out)
	require.NoError(t, err)
	k := loadKustomization(t)
	want := 0
	for _, res := range k.Resources {
		d, err := yamlDocs(readFile(t, filepath.Join(kubeDir, res)))
		require.NoError(t, err)
		want += len(d)
	}
	require.Len(t, docs, want)
	images := map[string]string{}
	for _, i := range k.Images {
		images[i.Name] = i.NewName + ":" + i.NewTag
	}
	for _, d := range docs {
		var obj struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
			Spec struct {
				Template struct {
					Spec struct {
						Containers []struct {
							Image string `yaml:"image"`
						} `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		require.NoError(t, d.Decode(&obj))
		if obj.Kind != "Namespace" {
			require.Equal(t, k.Namespace, obj.Metadata.Namespace, "%s %s", obj.Kind, obj.Metadata.Name)
		}
		for _, c := range obj.Spec.Template.Spec.Containers {
			if strings.HasPrefix(c.Image, "rectify") {
				require.Equal(t, images["rectify"], c.Image, "%s %s", obj.Kind, obj.Metadata.Name)
			}
		}
	}
}

// trimNamespace turns a host name of the namespace into the Service's name.
func (m manifests) trimNamespace(host string) string {
	for _, suffix := range []string{".svc.cluster.local", ".svc", ""} {
		if s, ok := strings.CutSuffix(host, "."+m.namespace+suffix); ok {
			return s
		}
	}
	return host
}

// prometheusAlerting is the Prometheus Operator's alerting section of a Prometheus
// object, as docs/operations.md gives it.
type prometheusAlerting struct {
	Alerting struct {
		Alertmanagers []struct {
			Namespace  string `yaml:"namespace"`
			Name       string `yaml:"name"`
			Port       string `yaml:"port"`
			APIVersion string `yaml:"apiVersion"`
		} `yaml:"alertmanagers"`
	} `yaml:"alerting"`
}

// yamlBlockWith returns the first ```yaml block of a Markdown text that contains s.
func yamlBlockWith(text, s string) string {
	for _, part := range strings.Split(text, "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, s) {
			return block
		}
	}
	return ""
}

// Prometheus's alerts reach people: Alertmanager (pinned) is configured by a
// ConfigMap that routes every alert to rectify-web's receiver with the token file of
// a Secret, every web pod reads RECTIFY_ALERTMANAGER_TOKEN from that Secret's key,
// and docs/operations.md points the Prometheus Operator's Prometheus at its Service.
func TestKubernetesAlertmanagerReachesRectify(t *testing.T) {
	m := loadManifests(t)
	am, amc := requireAlertmanagerReachesRectify(t, m)

	// Prometheus alerts it: docs/operations.md's alerting section names a Service
	// of the namespace and its port to Alertmanager's listen port.
	block := yamlBlockWith(string(readFile(t, repoPath("docs", "operations.md"))), "alertmanagers:")
	require.NotEmpty(t, block, "docs/operations.md gives the Prometheus object's alerting section")
	var pa prometheusAlerting
	require.NoError(t, yaml.Unmarshal([]byte(block), &pa), "docs/operations.md: alerting")
	require.NotEmpty(t, pa.Alerting.Alertmanagers, "docs/operations.md: alerting")
	listen := alertmanagerPort(t, amc.Args)
	for _, a := range pa.Alerting.Alertmanagers {
		require.Equal(t, m.namespace, a.Namespace, "docs/operations.md: alerting")
		require.Contains(t, []string{"", "v2"}, a.APIVersion, "docs/operations.md: alerting")
		svc, ok := m.services[a.Name]
		require.True(t, ok, "docs/operations.md: alerting names Service %s, which is not here", a.Name)
		var reached bool
		for _, port := range svc.Spec.Ports {
			if port.Name != a.Port {
				continue
			}
			for d, n := range m.serviceTargets(t, svc, port) {
				require.Equal(t, am.Name, d, "docs/operations.md: Service %s reaches %s, not Alertmanager", a.Name, d)
				require.Equal(t, listen, n, "docs/operations.md: Service %s's port %s is not Alertmanager's", a.Name, a.Port)
				reached = true
			}
		}
		require.True(t, reached, "docs/operations.md: alerting's Service %s port %s reaches no Alertmanager", a.Name, a.Port)
	}
}

// requireAlertmanagerReachesRectify holds the one Alertmanager to rectify: its
// configuration from a ConfigMap routes every alert to a Service that reaches the
// web pods' API, with the token of the Secret the web pods read theirs from.
func requireAlertmanagerReachesRectify(t *testing.T, m manifests) (*appsv1.Deployment, corev1.Container) {
	t.Helper()
	var am *appsv1.Deployment
	var amc corev1.Container
	for _, name := range sortedKeys(m.deployments) {
		for _, c := range m.deployments[name].Spec.Template.Spec.Containers {
			if isAlertmanagerImage(c.Image) {
				require.Nil(t, am, "one Alertmanager")
				am, amc = m.deployments[name], c
			}
		}
	}
	require.NotNil(t, am, "a Deployment runs Alertmanager")
	where := "Deployment " + am.Name
	_, tag, _ := strings.Cut(amc.Image, ":")
	require.Regexp(t, `^v[0-9]+\.[0-9]+\.[0-9]+$`, tag, "%s: pin Alertmanager to a release", where)
	require.Equal(t, int32(1), replicas(am), "%s: one Alertmanager, its clustering off", where)

	// mounted finds the pod volume a container file is read from, and the key that
	// volume projects there.
	mounted := func(path string) (corev1.Volume, string) {
		t.Helper()
		for _, vm := range amc.VolumeMounts {
			if filepath.Dir(path) != vm.MountPath {
				continue
			}
			for _, v := range am.Spec.Template.Spec.Volumes {
				if v.Name != vm.Name {
					continue
				}
				var items []corev1.KeyToPath
				switch {
				case v.ConfigMap != nil:
					items = v.ConfigMap.Items
				case v.Secret != nil:
					items = v.Secret.Items
				}
				for _, it := range items {
					if it.Path == filepath.Base(path) {
						return v, it.Key
					}
				}
			}
		}
		t.Fatalf("%s: nothing is mounted at %s", where, path)
		return corev1.Volume{}, ""
	}

	// The configuration is a ConfigMap's key mounted where --config.file names it.
	config, ok := flagValue(amc.Args, "config.file")
	require.True(t, ok, "%s names its --config.file", where)
	v, key := mounted(config)
	require.NotNil(t, v.ConfigMap, "%s: %s comes from a ConfigMap", where, config)
	data := []byte(m.configMapValue(t, v.ConfigMap.Name, key))
	cmWhere := "ConfigMap " + v.ConfigMap.Name + ", " + key
	hook := rectifyHook(t, cmWhere, data)
	requireSameRouting(t, cmWhere, data)
	amtoolCheck(t, cmWhere, data)

	// It posts to a Service that reaches the web pods' API port, and only it.
	u, err := url.Parse(hook.URL)
	require.NoError(t, err, cmWhere)
	s, ok := m.services[m.trimNamespace(u.Hostname())]
	require.True(t, ok, "%s posts to %s: no such Service", cmWhere, u.Host)
	var web []string
	for _, port := range s.Spec.Ports {
		if strconv.Itoa(int(port.Port)) != u.Port() {
			continue
		}
		for d, n := range m.serviceTargets(t, s, port) {
			var p process
			for _, c := range m.deployments[d].Spec.Template.Spec.Containers {
				if isRectifyContainer(c) {
					p = m.kubeProcess(t, m.deployments[d], c)
				}
			}
			require.NotNil(t, p.env, "%s posts to %s, not a rectify pod", cmWhere, d)
			require.True(t, p.roles(t)["http"], "%s posts to %s, which serves no API", cmWhere, d)
			_, api, _ := p.addr(t, "RECTIFY_HTTP_ADDR")
			require.Equal(t, api, n, "%s posts to %s's port %d, not its API", cmWhere, d, n)
			web = append(web, d)
		}
	}
	require.NotEmpty(t, web, "%s: Service %s has no port %s to the API", cmWhere, s.Name, u.Port())

	// The token file is a Secret's key, the one every web pod reads its token from.
	tv, tokenKey := mounted(hook.HTTPConfig.Authorization.CredentialsFile)
	require.NotNil(t, tv.Secret, "%s: the token file is a Secret", where)
	for _, name := range sortedKeys(m.deployments) {
		d := m.deployments[name]
		for _, c := range d.Spec.Template.Spec.Containers {
			if !isRectifyContainer(c) || !m.kubeProcess(t, d, c).roles(t)["http"] {
				continue
			}
			var ref *corev1.SecretKeySelector
			for _, e := range c.Env {
				if e.Name == "RECTIFY_ALERTMANAGER_TOKEN" && e.ValueFrom != nil {
					ref = e.ValueFrom.SecretKeyRef
				}
			}
			require.NotNil(t, ref, "Deployment %s: RECTIFY_ALERTMANAGER_TOKEN from Secret %s", name, tv.Secret.SecretName)
			require.Equal(t, tv.Secret.SecretName, ref.Name, "Deployment %s: the token Alertmanager posts with", name)
			require.Equal(t, tokenKey, ref.Key, "Deployment %s: the token Alertmanager posts with", name)
		}
	}

	return am, amc
}
