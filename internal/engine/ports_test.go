package engine

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReservePortsComeBackAfterARestart(t *testing.T) {
	dir := t.TempDir()
	first, err := reservePorts(dir, "127.0.0.1", 0)
	require.NoError(t, err)
	pool := newPortPool()
	for _, p := range []int{first.Frontend, first.History, first.Matching, first.Worker} {
		require.True(t, p >= pool.low && p < pool.high, "port %d lies outside the pool %v", p, pool)
	}
	again, err := reservePorts(dir, "127.0.0.1", 0)
	require.NoError(t, err)
	require.Equal(t, first, again)

	// Something else now holds the history port: only that one changes.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(first.History)))
	require.NoError(t, err)
	defer ln.Close()
	moved, err := reservePorts(dir, "127.0.0.1", 0)
	require.NoError(t, err)
	require.NotEqual(t, first.History, moved.History)
	require.Equal(t, first.Frontend, moved.Frontend)
	require.Equal(t, first.Matching, moved.Matching)
}

func TestReservePortsRefusesABusyChosenFrontend(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	busy := ln.Addr().(*net.TCPAddr).Port
	if busy > 65535-membershipOffset {
		t.Skip("the kernel gave a port too high to carry a membership port")
	}
	_, err = reservePorts(t.TempDir(), "127.0.0.1", busy)
	require.ErrorContains(t, err, "frontend port "+strconv.Itoa(busy))
}
