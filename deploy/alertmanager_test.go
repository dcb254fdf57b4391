package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// alertmanagerConfig is the part of Alertmanager's configuration held here.
type alertmanagerConfig struct {
	Route struct {
		Receiver string   `yaml:"receiver"`
		GroupBy  []string `yaml:"group_by"`
		Routes   []any    `yaml:"routes"`
	} `yaml:"route"`
	Receivers []struct {
		Name           string             `yaml:"name"`
		WebhookConfigs []alertmanagerHook `yaml:"webhook_configs"`
	} `yaml:"receivers"`
}

type alertmanagerHook struct {
	URL          string `yaml:"url"`
	SendResolved bool   `yaml:"send_resolved"`
	HTTPConfig   struct {
		Authorization struct {
			Type            string `yaml:"type"`
			Credentials     string `yaml:"credentials"`
			CredentialsFile string `yaml:"credentials_file"`
		} `yaml:"authorization"`
	} `yaml:"http_config"`
}

// referenceAlertmanager is the standalone configuration the deployments' copies follow.
const referenceAlertmanager = "prometheus/alertmanager.yml"

// rectifyHook holds an Alertmanager configuration to the receiver rectify serves:
// every alert (the root route, no sub-route dropping any) goes, resolved ones too,
// to POST /api/v1/alerts with the bearer token from a file (never written in the
// config). It returns that webhook.
func rectifyHook(t *testing.T, where string, data []byte) alertmanagerHook {
	t.Helper()
	var c alertmanagerConfig
	require.NoError(t, yaml.Unmarshal(data, &c), where)
	require.Equal(t, "rectify", c.Route.Receiver, where)
	require.Empty(t, c.Route.Routes, "%s: every alert takes the root route to rectify", where)
	require.Contains(t, c.Route.GroupBy, "alertname", where)
	require.Len(t, c.Receivers, 1, where)
	r := c.Receivers[0]
	require.Equal(t, "rectify", r.Name, where)
	require.Len(t, r.WebhookConfigs, 1, where)
	w := r.WebhookConfigs[0]
	require.True(t, strings.HasSuffix(w.URL, "/api/v1/alerts"), "%s: %s", where, w.URL)
	require.True(t, w.SendResolved, "%s: people hear when an alert is over", where)
	require.Equal(t, "Bearer", w.HTTPConfig.Authorization.Type, where)
	require.NotEmpty(t, w.HTTPConfig.Authorization.CredentialsFile, "%s: the token comes from a mounted secret", where)
	require.Empty(t, w.HTTPConfig.Authorization.Credentials, "%s: no token written in the config", where)
	return w
}

// requireSameRouting holds a deployment's Alertmanager configuration to the
// standalone one: the same routes, grouping and receiver, only rectify's address
// and the token file's path as that deployment has them.
func requireSameRouting(t *testing.T, where string, data []byte) {
	t.Helper()
	plain := func(where string, data []byte) any {
		var v map[string]any
		require.NoError(t, yaml.Unmarshal(data, &v), where)
		for _, r := range v["receivers"].([]any) {
			for _, w := range r.(map[string]any)["webhook_configs"].([]any) {
				w := w.(map[string]any)
				w["url"] = "(rectify's address)"
				w["http_config"].(map[string]any)["authorization"].(map[string]any)["credentials_file"] = "(the token file)"
			}
		}
		return v
	}
	require.Equal(t, plain(referenceAlertmanager, readFile(t, referenceAlertmanager)), plain(where, data),
		"%s routes alerts as %s does", where, referenceAlertmanager)
}

// amtoolCheck validates a configuration with amtool where it is installed.
func amtoolCheck(t *testing.T, where string, data []byte) {
	t.Helper()
	amtool, err := exec.LookPath("amtool")
	if err != nil {
		return
	}
	path := filepath.Join(t.TempDir(), "alertmanager.yml")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	out, err := exec.Command(amtool, "check-config", path).CombinedOutput()
	require.NoError(t, err, "%s: amtool check-config:\n%s", where, out)
}

// TestAlertmanagerSendsEveryAlertToRectifysReceiver holds
// deploy/prometheus/alertmanager.yml to the receiver rectify serves.
func TestAlertmanagerSendsEveryAlertToRectifysReceiver(t *testing.T) {
	data := readFile(t, referenceAlertmanager)
	rectifyHook(t, referenceAlertmanager, data)
	require.Contains(t, string(readFile(t, "../internal/config/vars.go")), "RECTIFY_ALERTMANAGER_TOKEN")
	amtoolCheck(t, referenceAlertmanager, data)
}
