package lockout

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// clock is a time the test moves by hand: no test here sleeps.
type clock struct{ t time.Time }

func (c *clock) now() time.Time                  { return c.t }
func (c *clock) advance(d time.Duration)         { c.t = c.t.Add(d) }
func newClock() *clock                           { return &clock{t: time.Date(2025, 6, 10, 2, 0, 0, 0, time.UTC)} }
func fresh(c *clock, p ...netip.Prefix) *Lockout { return New(DefaultPolicy, c.now, p) }

func TestAUsernameIsLockedAfterFiveFailuresForAGrowingTime(t *testing.T) {
	c := newClock()
	l := fresh(c)
	for i := range 4 {
		v := l.Fail("office", "192.0.2.1")
		require.Zero(t, v.Wait, "failure %d", i+1)
		require.False(t, v.UserLocked)
		require.Zero(t, l.Wait("office", "192.0.2.1"))
	}
	v := l.Fail("office", "192.0.2.1")
	require.Equal(t, Verdict{Wait: time.Minute, UserLocked: true}, v, "the fifth failure locks the username")
	require.Equal(t, time.Minute, l.Wait("office", ""))
	require.Equal(t, time.Minute, l.Wait("office", "198.51.100.9"), "from any address")
	require.Zero(t, l.Wait("leader", "198.51.100.9"), "another username from another address tries at once")

	c.advance(45 * time.Second)
	require.Equal(t, 15*time.Second, l.Wait("office", ""))
	c.advance(15 * time.Second)
	require.Zero(t, l.Wait("office", ""), "the lock has expired")

	// Each failure after it doubles the lock, up to 15 minutes.
	for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 15 * time.Minute, 15 * time.Minute} {
		v := l.Fail("office", "")
		require.Equal(t, Verdict{Wait: want, UserLocked: true}, v)
		c.advance(want)
		require.Zero(t, l.Wait("office", ""))
	}
}

func TestASuccessForgetsTheUsernamesFailuresNotTheAddresss(t *testing.T) {
	c := newClock()
	l := fresh(c)
	for range 4 {
		l.Fail("office", "192.0.2.1")
	}
	l.Succeed("office")
	for range 4 {
		require.Zero(t, l.Fail("office", "192.0.2.1").Wait, "counting from zero again")
	}
	// The address has 8 failures: 12 more lock it, whatever the usernames.
	for i := range 11 {
		require.Zero(t, l.Fail(fmt.Sprintf("guess%d", i), "192.0.2.1").Wait)
	}
	v := l.Fail("guess-last", "192.0.2.1")
	require.Equal(t, Verdict{Wait: time.Minute, AddrLocked: true}, v)
	require.Equal(t, time.Minute, l.Wait("leader", "192.0.2.1"), "no username may try from there")
	require.Zero(t, l.Wait("leader", "192.0.2.2"))
}

func TestCountsAreForgottenAfterAQuietWindow(t *testing.T) {
	c := newClock()
	l := fresh(c)
	for range 4 {
		l.Fail("office", "")
	}
	c.advance(15 * time.Minute)
	require.Zero(t, l.Fail("office", "").Wait, "four old failures are forgotten")

	// After a lock, the window runs from the lock's end: waiting out a lock does
	// not buy a fresh set of tries.
	for range 4 {
		l.Fail("office", "")
	}
	require.Equal(t, time.Minute, l.Wait("office", ""))
	c.advance(time.Minute + 14*time.Minute)
	require.Equal(t, 2*time.Minute, l.Fail("office", "").Wait, "still counted")
	c.advance(2*time.Minute + 15*time.Minute)
	require.Zero(t, l.Fail("office", "").Wait, "forgotten at last")
}

func TestIPv6ClientsAreCountedByTheirSlash64(t *testing.T) {
	c := newClock()
	l := fresh(c)
	for i := range 20 {
		l.Fail("", fmt.Sprintf("2001:db8:1:2::%x", i+1))
	}
	require.Equal(t, time.Minute, l.Wait("", "2001:db8:1:2:ffff::1"))
	require.Zero(t, l.Wait("", "2001:db8:1:3::1"))
}

func TestForgottenCountsAreSwept(t *testing.T) {
	c := newClock()
	l := fresh(c)
	for i := range 1000 {
		l.Fail(fmt.Sprintf("user%d", i), "")
	}
	c.advance(time.Hour)
	for i := range 100 {
		l.Fail(fmt.Sprintf("late%d", i), "")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	require.Len(t, l.counts, 100, "only the new counts are left")
}

func TestClientIsThePeerUnlessItIsATrustedProxy(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/64")}
	for _, tt := range []struct {
		name, remote, xff string
		trusted           []netip.Prefix
		want              string
	}{
		{"no proxy trusted: the header is ignored", "192.0.2.7:5123", "203.0.113.1", nil, "192.0.2.7"},
		{"an untrusted peer's header is ignored", "192.0.2.7:5123", "203.0.113.1", proxies, "192.0.2.7"},
		{"behind a trusted proxy", "10.1.2.3:443", "203.0.113.1", proxies, "203.0.113.1"},
		{"a forged entry left of the real one", "10.1.2.3:443", "198.51.100.66, 203.0.113.1", proxies, "203.0.113.1"},
		{"through two trusted proxies", "10.1.2.3:443", "203.0.113.1, 10.9.9.9", proxies, "203.0.113.1"},
		{"every hop trusted", "10.1.2.3:443", "10.7.7.7", proxies, "10.7.7.7"},
		{"a trusted proxy without the header", "10.1.2.3:443", "", proxies, "10.1.2.3"},
		{"junk in the header", "10.1.2.3:443", "203.0.113.1, not-an-ip", proxies, "10.1.2.3"},
		{"IPv6 proxy", "[fd00::5]:443", "2001:db8::1", proxies, "2001:db8::1"},
		{"IPv4 mapped in IPv6", "[::ffff:192.0.2.7]:80", "", nil, "192.0.2.7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			if tt.xff != "" {
				r.Header.Set("X-Forwarded-For", tt.xff)
			}
			require.Equal(t, tt.want, New(DefaultPolicy, time.Now, tt.trusted).Client(r))
		})
	}
}
