package api

import (
	"sync"

	"golang.org/x/time/rate"
)

// Per-user request rate: generous for people and scripts, but one runaway client
// cannot starve everyone else of the single Temporal frontend.
const (
	userRate  = 50
	userBurst = 100
)

// throttle keeps one token bucket per user.
type throttle struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// allow reports whether the user may make another request now.
func (t *throttle) allow(username string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.buckets == nil {
		t.buckets = map[string]*rate.Limiter{}
	}
	l, ok := t.buckets[username]
	if !ok {
		l = rate.NewLimiter(userRate, userBurst)
		t.buckets[username] = l
	}
	return l.Allow()
}
