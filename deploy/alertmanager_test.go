package deploy

import (
	"os/exec"
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
	} `yaml:"route"`
	Receivers []struct {
		Name           string `yaml:"name"`
		WebhookConfigs []struct {
			URL          string `yaml:"url"`
			SendResolved bool   `yaml:"send_resolved"`
			HTTPConfig   struct {
				Authorization struct {
					Type            string `yaml:"type"`
					Credentials     string `yaml:"credentials"`
					CredentialsFile string `yaml:"credentials_file"`
				} `yaml:"authorization"`
			} `yaml:"http_config"`
		} `yaml:"webhook_configs"`
	} `yaml:"receivers"`
}

// TestAlertmanagerSendsEveryAlertToRectifysReceiver holds
// deploy/prometheus/alertmanager.yml to the receiver rectify serves: every alert
// (the root route, no sub-route dropping any) goes, resolved ones too, to POST
// /api/v1/alerts with the bearer token from a file (never written in the config).
func TestAlertmanagerSendsEveryAlertToRectifysReceiver(t *testing.T) {
	data := readFile(t, "prometheus/alertmanager.yml")
	var c alertmanagerConfig
	require.NoError(t, yaml.Unmarshal(data, &c))
	require.Equal(t, "rectify", c.Route.Receiver)
	require.Contains(t, c.Route.GroupBy, "alertname")
	require.Len(t, c.Receivers, 1)
	r := c.Receivers[0]
	require.Equal(t, "rectify", r.Name)
	require.Len(t, r.WebhookConfigs, 1)
	w := r.WebhookConfigs[0]
	require.True(t, strings.HasSuffix(w.URL, "/api/v1/alerts"), w.URL)
	require.True(t, w.SendResolved, "people hear when an alert is over")
	require.Equal(t, "Bearer", w.HTTPConfig.Authorization.Type)
	require.NotEmpty(t, w.HTTPConfig.Authorization.CredentialsFile, "the token comes from a mounted secret")
	require.Empty(t, w.HTTPConfig.Authorization.Credentials, "no token written in the config")
	require.Contains(t, string(readFile(t, "../internal/config/vars.go")), "RECTIFY_ALERTMANAGER_TOKEN")

	if amtool, err := exec.LookPath("amtool"); err == nil {
		out, err := exec.Command(amtool, "check-config", "prometheus/alertmanager.yml").CombinedOutput()
		require.NoError(t, err, "amtool check-config:\n%s", out)
	}
}
