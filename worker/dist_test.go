package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"rectify/internal/apitest"
	"rectify/internal/config"
	"rectify/internal/logtest"
)

// TestDistTarballInstallsAndRunsWithoutNetwork builds the release tarball with
// scripts/dist (make dist), checks its checksums, installs it with its install.sh
// into a staging root, holds every systemd unit to the binary and the settings file
// it names, and runs the installed binary with the one-machine settings, with no
// proxy, module cache or network to reach.
func TestDistTarballInstallsAndRunsWithoutNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binaries")
	}
	out := t.TempDir()
	cgo, err := exec.Command("go", "env", "CGO_ENABLED").Output()
	require.NoError(t, err)
	dist := exec.Command(filepath.Join("..", "scripts", "dist"), out)
	// The flags of the test's own build, so the compiled packages are reused.
	dist.Env = append(os.Environ(), "DIST_VERSION=v9.9.9-test", "DIST_BUILD_FLAGS=", "CGO_ENABLED="+strings.TrimSpace(string(cgo)))
	msg, err := dist.CombinedOutput()
	require.NoError(t, err, "scripts/dist:\n%s", msg)
	tarball := filepath.Join(out, "rectify-v9.9.9-test-linux-amd64.tar.gz")
	require.FileExists(t, tarball)
	sum := exec.Command("sha256sum", "-c", filepath.Base(tarball)+".sha256")
	sum.Dir = out
	msg, err = sum.CombinedOutput()
	require.NoError(t, err, "the tarball's checksum: %s", msg)

	unpacked := t.TempDir()
	msg, err = exec.Command("tar", "-C", unpacked, "-xzf", tarball).CombinedOutput()
	require.NoError(t, err, "%s", msg)
	release := filepath.Join(unpacked, "rectify-v9.9.9-test-linux-amd64")
	require.Equal(t, "v9.9.9-test\n", string(readBytes(t, filepath.Join(release, "VERSION"))))
	for _, f := range []string{"docs/operations.md", "README.md", "deploy/helm/rectify/values.schema.json",
		"deploy/helm/rectify/files/rules/rectify-alerts.yml", "deploy/compose/compose.yaml", "images.txt"} {
		require.FileExists(t, filepath.Join(release, f), "the release has %s", f)
	}
	images := strings.Fields(string(readBytes(t, filepath.Join(release, "images.txt"))))
	require.Contains(t, images, "temporalio/ui:2.55.0")
	for _, image := range images {
		require.Regexp(t, `^[a-z0-9./-]+:[A-Za-z0-9._-]+$`, image, "images.txt pins every image")
		require.NotContains(t, image, ":latest")
	}

	// A file changed after the build fails the install's check.
	root := t.TempDir()
	install := func() ([]byte, error) {
		cmd := exec.Command(filepath.Join(release, "install.sh"))
		cmd.Env = append(os.Environ(), "DESTDIR="+root, "PREFIX=/opt/rectify")
		return cmd.CombinedOutput()
	}
	readme := filepath.Join(release, "README.md")
	original := readBytes(t, readme)
	require.NoError(t, os.WriteFile(readme, append(bytes.Clone(original), '!'), 0o644))
	msg, err = install()
	require.Error(t, err, "a changed file is refused: %s", msg)
	require.NoError(t, os.WriteFile(readme, original, 0o644))
	msg, err = install()
	require.NoError(t, err, "install.sh: %s", msg)

	// Every unit starts an installed binary with a settings file it installed, whose
	// variables rectify reads, in the unit's role.
	known := map[string]bool{}
	for _, v := range config.Vars {
		known[v.Name] = true
	}
	roles := map[string]string{"rectify.service": "", "rectify-server.service": "server", "rectify-worker.service": "worker", "rectify-web.service": "http"}
	for unit, role := range roles {
		settings := unitSettings(t, filepath.Join(root, "etc", "systemd", "system", unit))
		require.FileExists(t, filepath.Join(root, settings["ExecStart"]), "%s: ExecStart", unit)
		envFile := filepath.Join(root, settings["EnvironmentFile"])
		require.FileExists(t, envFile, "%s: EnvironmentFile", unit)
		env := envFileVars(t, envFile)
		for name := range env {
			require.True(t, known[name], "%s sets %s, which rectify does not read", envFile, name)
		}
		require.Equal(t, role, env["RECTIFY_ROLES"], "%s runs in its role", unit)
		require.Equal(t, "/var/lib/"+strings.TrimSuffix(unit, ".service"), env["RECTIFY_DATA_DIR"], "%s: the data folder is the unit's StateDirectory", unit)
		require.Equal(t, strings.TrimSuffix(unit, ".service"), settings["StateDirectory"])
	}
	require.FileExists(t, filepath.Join(root, "etc", "rectify", "users.json"))

	// The installed binary runs one machine from the installed settings (its data
	// folder and address moved into the test's), with nothing to download.
	env := envFileVars(t, filepath.Join(root, "etc", "rectify", "rectify.env"))
	httpAddr := apitest.FreeAddr(t)
	env["RECTIFY_DATA_DIR"] = filepath.Join(t.TempDir(), "data")
	env["RECTIFY_HTTP_ADDR"] = httpAddr
	env["RECTIFY_EMBEDDED_ADDR"] = "127.0.0.1:0"
	env["RECTIFY_EMBEDDED_UI_ADDR"] = "off"
	delete(env, "RECTIFY_USERS") // the example's hashes are placeholders: the first admin instead
	binary := filepath.Join(root, "opt", "rectify", "bin", "rectify-worker")
	offline := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1"}
	for k, v := range env {
		offline = append(offline, k+"="+v)
	}
	admin := exec.Command(binary, "create-admin", "admin")
	admin.Env = offline
	msg, err = admin.CombinedOutput()
	require.NoError(t, err, "create-admin: %s", msg)
	require.Contains(t, string(msg), "first password")
	run := exec.Command(binary)
	run.Env = offline
	log := &logtest.Buffer{}
	run.Stdout, run.Stderr = log, log
	require.NoError(t, run.Start())
	t.Cleanup(func() { _ = run.Process.Kill(); _ = run.Wait() })
	(&process{cmd: run, log: log}).waitReady(t, httpAddr)
}

func readBytes(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// unitSettings reads the key=value lines of a systemd unit.
func unitSettings(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(string(readBytes(t, path)), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			out[k] = v
		}
	}
	return out
}

var envLine = regexp.MustCompile(`^([A-Z_][A-Z0-9_]*)=(.*)$`)

// envFileVars reads the variables an EnvironmentFile sets.
func envFileVars(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readBytes(t, path)))
	for sc.Scan() {
		if m := envLine.FindStringSubmatch(sc.Text()); m != nil {
			out[m[1]] = m[2]
		}
	}
	return out
}
