package deploy

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case
	args string
}

type stage struct {
	from, name string
	steps      []instruction
}

func dockerfile(t *testing.T) []stage {
	t.Helper()
	var stages []stage
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, filepath.Join("docker", "Dockerfile"))))
	var line string
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(text, "#") || (text == "" && line == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(text, "\\"); ok {
			line += cont + " "
			continue
		}
		line += text
		cmd, args, _ := strings.Cut(line, " ")
		line = ""
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			f := strings.Fields(in.args)
			s := stage{from: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
			continue
		}
		require.NotEmpty(t, stages, "%s before FROM", in.cmd)
		stages[len(stages)-1].steps = append(stages[len(stages)-1].steps, in)
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, len(stages), 2, "a build stage and a small final stage")
	return stages
}

func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.steps {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

func goModVersion(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(readFile(t, repoPath("go.mod")))
	require.NotNil(t, m, "go.mod names no go version")
	return string(m[1])
}

func TestDockerfileBuildsTheBinariesOfTheRepository(t *testing.T) {
	stages := dockerfile(t)
	build := stages[0]
	require.Equal(t, "golang:"+goModVersion(t)+"-bookworm", build.from, "the build image is go.mod's Go, pinned")

	var runs string
	for _, r := range build.all("RUN") {
		runs += r + "\n"
	}
	env := strings.Join(build.all("ENV"), " ")
	require.Contains(t, env, "CGO_ENABLED=0", "static binaries for a base image without libc")
	require.Contains(t, env, "GOTOOLCHAIN=local")

	// Each go build names a main package of the repository and is trimmed.
	builds := regexp.MustCompile(`go build ([^&\n]*?)-o (\S+) (\./\S+)`).FindAllStringSubmatch(runs, -1)
	outputs := map[string]string{}
	for _, b := range builds {
		require.Contains(t, b[1], "-trimpath", b[0])
		outputs[filepath.Base(b[2])] = b[3]
		requireMainPackage(t, b[3])
	}
	// The names of the Makefile's build.
	require.Equal(t, map[string]string{"rectify-worker": "./worker", "starter": "./starter"}, outputs)

	// COPY sources of the build context exist and .dockerignore keeps them.
	ignored := dockerignore(t)
	for _, c := range build.all("COPY") {
		f := strings.Fields(c)
		for _, src := range f[:len(f)-1] {
			if strings.HasPrefix(src, "--") || src == "." {
				continue
			}
			_, err := os.Stat(repoPath(src))
			require.NoError(t, err, "COPY %s", src)
			require.False(t, ignored(src), ".dockerignore drops %s, which the build copies", src)
		}
	}
	for _, dir := range []string{"go.mod", "go.sum", "worker", "starter", "internal", "workflows", "activities"} {
		require.False(t, ignored(dir), ".dockerignore drops %s, which the build needs", dir)
	}
}

func requireMainPackage(t *testing.T, dir string) {
	t.Helper()
	files, err := filepath.Glob(repoPath(dir, "*.go"))
	require.NoError(t, err)
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") && bytes.Contains(readFile(t, f), []byte("\npackage main\n")) {
			return
		}
	}
	t.Fatalf("%s is not a main package of the repository", dir)
}

// dockerignore reports whether the root .dockerignore excludes a top-level path.
func dockerignore(t *testing.T) func(string) bool {
	t.Helper()
	data, err := os.ReadFile(repoPath(".dockerignore"))
	if os.IsNotExist(err) {
		return func(string) bool { return false }
	}
	require.NoError(t, err)
	var patterns []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	return func(path string) bool {
		out := false
		for _, p := range patterns {
			neg := strings.HasPrefix(p, "!")
			p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
			if ok, _ := filepath.Match(p, path); ok {
				out = !neg
			}
		}
		return out
	}
}

// dockerUser is the final stage's USER as uid and gid.
func dockerUser(t *testing.T) (uid, gid int64) {
	t.Helper()
	stages := dockerfile(t)
	final := stages[len(stages)-1]
	users := final.all("USER")
	require.NotEmpty(t, users, "the final stage sets its USER")
	u, g, _ := strings.Cut(users[len(users)-1], ":")
	uid, err := strconv.ParseInt(u, 10, 64)
	require.NoError(t, err, "USER is numeric, so Kubernetes can check runAsNonRoot: %q", u)
	gid, err = strconv.ParseInt(g, 10, 64)
	require.NoError(t, err, "USER names a numeric group: %q", g)
	return uid, gid
}

func TestDockerImageRunsAsNonRoot(t *testing.T) {
	stages := dockerfile(t)
	final := stages[len(stages)-1]
	require.NotContains(t, final.from, "golang", "the final image holds no toolchain")
	uid, gid := dockerUser(t)
	require.NotZero(t, uid, "the final stage runs as a user other than root")
	require.NotZero(t, gid)

	entry := final.all("ENTRYPOINT")
	require.Equal(t, []string{`["/usr/local/bin/rectify-worker"]`}, entry)
	var copied bool
	for _, c := range final.all("COPY") {
		copied = copied || (strings.Contains(c, "/out/rectify-worker") && strings.HasSuffix(c, " /usr/local/bin/"))
	}
	require.True(t, copied, "the entrypoint is copied from the build stage")

	// The data folder is a volume, owned by the user.
	require.Contains(t, final.all("VOLUME"), `["/data"]`)
	require.Contains(t, strings.Join(final.all("ENV"), " "), "RECTIFY_DATA_DIR=/data")
	var owned bool
	for _, c := range final.all("COPY") {
		owned = owned || (strings.Contains(c, "--chown="+strconv.FormatInt(uid, 10)) && strings.HasSuffix(c, " /data"))
	}
	require.True(t, owned, "/data belongs to uid %d", uid)
}

func TestDockerfileEnvAndPorts(t *testing.T) {
	known := knownEnv(t)
	stages := dockerfile(t)
	final := stages[len(stages)-1]
	env := map[string]envValue{}
	for _, e := range final.all("ENV") {
		for _, kv := range strings.Fields(e) {
			k, v, ok := strings.Cut(kv, "=")
			require.True(t, ok, "ENV %s: use NAME=value", e)
			require.True(t, known[k], "the image sets %s, which rectify does not read", k)
			env[k] = envValue{value: v}
		}
	}
	// The image's defaults are the one-machine product listening on every interface.
	p := process{where: "Dockerfile", env: env}
	require.Equal(t, 8080, p.healthPort(t))

	var exposed []int
	for _, e := range final.all("EXPOSE") {
		for _, f := range strings.Fields(e) {
			n, err := strconv.Atoi(f)
			require.NoError(t, err, "EXPOSE %s", f)
			exposed = append(exposed, n)
		}
	}
	// Every port a process of compose.yaml or the Kubernetes manifests listens on.
	for _, p := range append(composeProcesses(t), kubeProcesses(t)...) {
		for port, by := range p.ports(t) {
			require.Contains(t, exposed, port, "%s listens on %d (%s): EXPOSE it", p.where, port, by)
		}
	}
}
