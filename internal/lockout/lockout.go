// Package lockout slows down the guessing of passwords and API tokens. It counts
// failed sign-ins per username and per client address, and once a count reaches
// its limit refuses further tries for a while: a minute at first, twice as long
// after each further failure, up to a ceiling. A success forgets the username's
// failures; a quiet spell forgets everything.
//
// The counts live in the memory of one process, so a restart forgets them, and
// in a cluster each node counts on its own (an attacker spreading guesses over N
// nodes gets N times the tries, still at a few an hour once locked).
package lockout

import (
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Policy says when to lock, and for how long.
type Policy struct {
	// UserLimit and AddrLimit are how many failures a username, and a client
	// address, may have before it is locked.
	UserLimit, AddrLimit int
	// Window is how long after its last failure, or the end of its lock, a count
	// is forgotten.
	Window time.Duration
	// FirstLock is how long the first lock lasts; each failure after it doubles
	// the lock, up to MaxLock.
	FirstLock, MaxLock time.Duration
}

// DefaultPolicy locks a username after 5 failures and an address after 20: a
// person who forgot their password notices long before, and a guesser is held
// to a few tries an hour.
var DefaultPolicy = Policy{UserLimit: 5, AddrLimit: 20, Window: 15 * time.Minute, FirstLock: time.Minute, MaxLock: 15 * time.Minute}

// Lockout keeps the counts. Its methods are safe for concurrent use.
type Lockout struct {
	policy  Policy
	now     func() time.Time
	trusted []netip.Prefix

	mu     sync.Mutex
	counts map[string]*count
	// sweepAt is the number of counts at which the next Fail drops the forgotten ones.
	sweepAt int
}

// count is one username's or address's failures.
type count struct {
	failures int
	last     time.Time // the last failure
	until    time.Time // locked until then
}

const minSweep = 1024

// New makes a Lockout with the policy and a clock. trustedProxies are the
// reverse proxies whose X-Forwarded-For Client believes.
func New(p Policy, now func() time.Time, trustedProxies []netip.Prefix) *Lockout {
	return &Lockout{policy: p, now: now, trusted: trustedProxies, counts: map[string]*count{}, sweepAt: minSweep}
}

// Verdict is what a failure leads to.
type Verdict struct {
	// Wait is how long until the next try may be made; zero: now.
	Wait time.Duration
	// UserLocked and AddrLocked say that this failure locked the username, the
	// address: the moment to tell an operator, once per lock.
	UserLocked, AddrLocked bool
}

// Wait is how long the username or the address (either may be empty) must wait
// before the next try; zero when both may try now.
func (l *Lockout) Wait(username, addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range l.keys(username, addr) {
		if c, ok := l.counts[k.key]; ok && c.until.After(now) {
			wait = max(wait, c.until.Sub(now))
		}
	}
	return wait
}

// Fail records a failed sign-in of the username from the address (either may be
// empty).
func (l *Lockout) Fail(username, addr string) Verdict {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.counts) >= l.sweepAt {
		l.sweep(now)
	}
	var v Verdict
	for _, k := range l.keys(username, addr) {
		c, ok := l.counts[k.key]
		if !ok || l.forgotten(c, now) {
			c = &count{}
			l.counts[k.key] = c
		}
		c.failures++
		c.last = now
		if over := c.failures - k.limit; over >= 0 {
			c.until = now.Add(l.lockFor(over))
			if k.user {
				v.UserLocked = true
			} else {
				v.AddrLocked = true
			}
		}
		if c.until.After(now) {
			v.Wait = max(v.Wait, c.until.Sub(now))
		}
	}
	return v
}

// Succeed forgets the username's failures: its owner knows the password. The
// address keeps its count, so a guesser who also holds one account gains nothing.
func (l *Lockout) Succeed(username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.counts, userKey(username))
}

// lockFor is the length of the lock after the limit's failure and over more.
func (l *Lockout) lockFor(over int) time.Duration {
	d := l.policy.FirstLock
	for range over {
		if d >= l.policy.MaxLock {
			break
		}
		d *= 2
	}
	return min(d, l.policy.MaxLock)
}

// forgotten reports whether the count has been quiet for the window, after its
// last failure and after its lock.
func (l *Lockout) forgotten(c *count, now time.Time) bool {
	quiet := c.last
	if c.until.After(quiet) {
		quiet = c.until
	}
	return !now.Before(quiet.Add(l.policy.Window))
}

// sweep drops the forgotten counts, so guesses at ever new usernames or from ever
// new addresses do not grow the map without end.
func (l *Lockout) sweep(now time.Time) {
	for k, c := range l.counts {
		if l.forgotten(c, now) {
			delete(l.counts, k)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.counts))
}

type key struct {
	key   string
	limit int
	user  bool
}

func (l *Lockout) keys(username, addr string) []key {
	var out []key
	if username != "" {
		out = append(out, key{userKey(username), l.policy.UserLimit, true})
	}
	if addr != "" {
		out = append(out, key{addrKey(addr), l.policy.AddrLimit, false})
	}
	return out
}

func userKey(username string) string { return "user " + username }

// addrKey counts an IPv6 client by its /64: one host usually holds a whole one.
func addrKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "addr " + addr
	}
	if a.Is6() {
		return "addr " + netip.PrefixFrom(a, 64).Masked().String()
	}
	return "addr " + a.String()
}

// Client is the address of the client that sent r: the connection's own peer,
// unless that peer is a trusted proxy. Then it is the right-most address in
// X-Forwarded-For that is not a trusted proxy (each proxy appends the address it
// was reached from; what lies left of the first untrusted one, the client could
// have written itself).
func (l *Lockout) Client(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !l.isTrusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // not an address: the proxy that wrote it is the last one known
		}
		addr = hop.Unmap()
		if !l.isTrusted(addr) {
			break
		}
	}
	return addr.String()
}

func (l *Lockout) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
