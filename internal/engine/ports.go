package engine

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// membershipOffset is the distance from a service's gRPC port to its membership port.
const membershipOffset = 100

// servicePorts are the gRPC ports of the server's four services; each one's
// membership port is membershipOffset above it.
type servicePorts struct {
	Frontend, History, Matching, Worker int
}

// Ports are the gRPC ports of the history, matching and worker services; the
// frontend's is in the frontend address.
type Ports struct {
	History, Matching, Worker int
}

// settlePorts returns the operator's ports when given, checked free, and otherwise
// the ones reservePorts settles.
func settlePorts(dataDir, host string, frontend int, fixed Ports) (servicePorts, error) {
	if fixed == (Ports{}) {
		return reservePorts(dataDir, host, frontend)
	}
	ports := servicePorts{Frontend: frontend, History: fixed.History, Matching: fixed.Matching, Worker: fixed.Worker}
	pool, taken := newPortPool(), map[int]bool{}
	for _, p := range []struct {
		name string
		port int
	}{{"frontend", ports.Frontend}, {"history", ports.History}, {"matching", ports.Matching}, {"worker", ports.Worker}} {
		if taken[p.port] || taken[p.port+membershipOffset] || p.port > 65535-membershipOffset {
			return servicePorts{}, fmt.Errorf("engine: %s port %d: it or its membership port %d collides with another service's port, or is too high",
				p.name, p.port, p.port+membershipOffset)
		}
		if !pool.usable(host, p.port, taken) {
			return servicePorts{}, fmt.Errorf("engine: %s port %d (or its membership port %d) on %s is in use", p.name, p.port, p.port+membershipOffset, host)
		}
		taken[p.port], taken[p.port+membershipOffset] = true, true
	}
	return ports, nil
}

// portsFile keeps the ports a data folder's server chose, so that a restart comes
// back as the same cluster members: with new addresses the server would wait for
// its previous, dead, members before serving.
const portsFile = "engine-ports.json"

// reservePorts settles the ports of the server of dataDir: the frontend port asked
// for (0 = choose), and for the rest the ones of the previous start when still free,
// or new ones. The caller holds the machine-wide port lock until the server has bound
// them, so two servers starting at once never pick the same ones.
func reservePorts(dataDir, host string, frontend int) (servicePorts, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return servicePorts{}, fmt.Errorf("engine: create data dir: %w", err)
	}
	var saved servicePorts
	if b, err := os.ReadFile(filepath.Join(dataDir, portsFile)); err == nil {
		_ = json.Unmarshal(b, &saved) // a damaged file only costs new ports
	}
	pool := newPortPool()
	taken := map[int]bool{}
	// settle keeps a saved port when it is still usable and chooses another otherwise.
	settle := func(saved int) (int, error) {
		if pool.usable(host, saved, taken) {
			taken[saved], taken[saved+membershipOffset] = true, true
			return saved, nil
		}
		return pool.choose(host, taken)
	}
	var ports servicePorts
	var err error
	if frontend != 0 {
		// An address the operator chose is never swapped for another.
		if !pool.usable(host, frontend, taken) {
			return servicePorts{}, fmt.Errorf("engine: frontend port %d (or its membership port %d) on %s is in use", frontend, frontend+membershipOffset, host)
		}
		ports.Frontend = frontend
		taken[frontend], taken[frontend+membershipOffset] = true, true
	} else {
		ports.Frontend, err = settle(saved.Frontend)
	}
	for _, p := range []struct {
		dst   *int
		saved int
	}{
		{&ports.History, saved.History}, {&ports.Matching, saved.Matching}, {&ports.Worker, saved.Worker},
	} {
		if err != nil {
			break
		}
		*p.dst, err = settle(p.saved)
	}
	if err != nil {
		return servicePorts{}, err
	}
	if ports != saved {
		b, _ := json.Marshal(ports)
		if err := os.WriteFile(filepath.Join(dataDir, portsFile), b, 0o600); err != nil {
			return servicePorts{}, fmt.Errorf("engine: save ports: %w", err)
		}
	}
	return ports, nil
}

// portPool is where the ports the server chooses for itself come from: below the
// kernel's ephemeral range, so an outgoing connection can never take one between
// the moment it is chosen and the moment the server binds it (the server exits the
// process when it cannot bind).
type portPool struct{ low, high int }

func newPortPool() portPool {
	high := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				high = n
			}
		}
	}
	return portPool{low: 10000, high: high - membershipOffset}
}

// choose returns a usable port of the pool and marks it taken.
func (p portPool) choose(host string, taken map[int]bool) (int, error) {
	for range 1000 {
		if port := p.low + rand.IntN(p.high-p.low); p.usable(host, port, taken) {
			taken[port], taken[port+membershipOffset] = true, true
			return port, nil
		}
	}
	return 0, fmt.Errorf("engine: no free ports on %s between %d and %d", host, p.low, p.high)
}

// usable reports whether port and its membership port are free and not yet taken.
func (p portPool) usable(host string, port int, taken map[int]bool) bool {
	return port > 0 && port <= 65535-membershipOffset && !taken[port] && !taken[port+membershipOffset] &&
		free(host, port) && free(host, port+membershipOffset)
}

func free(host string, port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = ln.Close()
	return true
}

// portLockPath is the file whose lock serializes port choice among the embedded
// servers starting on this machine.
func portLockPath() string { return filepath.Join(os.TempDir(), "rectify-engine-ports.lock") }
