// Package pgtest starts a real, throwaway PostgreSQL server for tests: its own data
// folder and socket under the test's temporary folder, on a loopback port, stopped
// when the test ends. Debian's postgresql package provides the binaries (scripts/deps
// installs it).
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Server is a running PostgreSQL server with a superuser "rectify" (password
// "rectify") reachable over TCP on loopback.
type Server struct {
	Host string
	Port int
	dir  string
	bin  string
}

const password = "rectify"

// Start initializes and starts a server; it is stopped when the test ends. Without
// PostgreSQL installed the test is skipped, except under CI where that is a failure.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir(t)
	dir, err := os.MkdirTemp("", "rectify-pg-") // short: the socket path has a length limit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	s := &Server{Host: "127.0.0.1", dir: dir, bin: bin}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.run("initdb", "-D", s.data(), "-U", "rectify", "--pwfile", pwfile, "-A", "scram-sha-256", "-E", "UTF8", "--no-locale"); err != nil {
		t.Fatalf("pgtest: initdb: %v", err)
	}
	// A port the server fails to bind is simply tried again with another.
	for attempt := 0; ; attempt++ {
		s.Port = 20000 + rand.IntN(12000)
		err := s.run("pg_ctl", "-D", s.data(), "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start",
			"-o", fmt.Sprintf("-h %s -p %d -k %s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
				s.Host, s.Port, dir))
		if err == nil {
			break
		}
		if attempt == 5 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			t.Fatalf("pgtest: start postgres: %v\n%s", err, log)
		}
	}
	t.Cleanup(func() { _ = s.run("pg_ctl", "-D", s.data(), "-m", "immediate", "-w", "stop") })
	return s
}

// URL is the connection URL of database db (created with CreateDatabase).
func (s *Server) URL(db string) string {
	return fmt.Sprintf("postgres://rectify:%s@%s/%s?sslmode=disable", password, net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), db)
}

// CreateDatabase creates an empty database and returns its URL.
func (s *Server) CreateDatabase(t testing.TB, db string) string {
	t.Helper()
	conn, err := sql.Open("pgx", s.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+quoteIdent(db)); err != nil {
		t.Fatalf("pgtest: create database %s: %v", db, err)
	}
	return s.URL(db)
}

func quoteIdent(s string) string {
	return `"` + string(bytes.ReplaceAll([]byte(s), []byte(`"`), []byte(`""`))) + `"`
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// Program is the path of one of the server's own PostgreSQL programs (pg_dump,
// pg_restore, psql): the client of the server's major version.
func (s *Server) Program(name string) string { return filepath.Join(s.bin, name) }

// run runs a PostgreSQL program; as root it runs as the postgres user, since the
// server refuses to run as root.
func (s *Server) run(name string, args ...string) error {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		if err := chownTree(s.dir, "postgres"); err != nil {
			return err
		}
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out.String())
	}
	return nil
}

func chownTree(dir, username string) error {
	u, err := user.Lookup(username)
	if err != nil {
		return fmt.Errorf("pgtest: running as root needs the %s user (Debian's postgresql package creates it): %w", username, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
}

// binDir finds PostgreSQL's programs: on PATH, or in Debian's versioned folder.
func binDir(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real)
		}
	}
	if dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin"); len(dirs) > 0 {
		return dirs[len(dirs)-1]
	}
	if os.Getenv("CI") != "" {
		t.Fatal("PostgreSQL is not installed; scripts/deps installs Debian's postgresql package")
	}
	t.Skip("PostgreSQL is not installed (run scripts/deps, or apt-get install postgresql); skipping")
	return ""
}
