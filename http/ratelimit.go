package http

import (
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// limiter allows each key (a user, an address) a burst of attempts that
// refills at a steady rate; it forgets keys that have been quiet for a while,
// so a flood of made-up usernames cannot grow it without bound.
type limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	entries map[string]*limiterEntry
	maxKeys int
	now     func() time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(every time.Duration, burst, maxKeys int) *limiter {
	return &limiter{every: every, burst: burst, entries: make(map[string]*limiterEntry), maxKeys: maxKeys, now: time.Now}
}

// allow takes one attempt for key; when refused it says how long to wait.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.entry(key, now)
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// wait says how long until key has an attempt left, without taking one.
func (l *limiter) wait(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	e := l.entries[key]
	if e == nil || e.lim.TokensAt(now) >= 1 {
		return 0
	}
	r := e.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	r.CancelAt(now)
	return d
}

func (l *limiter) entry(key string, now time.Time) *limiterEntry {
	e := l.entries[key]
	if e == nil {
		if len(l.entries) >= l.maxKeys {
			l.sweep(now)
		}
		e = &limiterEntry{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.entries[key] = e
	}
	e.seen = now
	return e
}

// sweep drops keys whose bucket is full again (quiet for burst*every); if
// that frees nothing, the oldest half goes.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst) * l.every
	for k, e := range l.entries {
		if now.Sub(e.seen) > full {
			delete(l.entries, k)
		}
	}
	if len(l.entries) < l.maxKeys {
		return
	}
	var cutoff time.Time
	n := 0
	for _, e := range l.entries {
		if n == 0 || e.seen.Before(cutoff) {
			cutoff = e.seen
		}
		n++
	}
	for k, e := range l.entries {
		if len(l.entries) <= l.maxKeys/2 {
			break
		}
		if !e.seen.After(cutoff.Add(full)) {
			delete(l.entries, k)
		}
	}
}

// loginLimits count failed logins: per user 5, then one every 20 s; per
// address 20, then one every 3 s. Successful logins do not count: an agent
// reloads the page (which ends the session) as often as they like, and a
// whole office behind one address logs in at the start of a shift.
type loginLimits struct {
	user, addr *limiter
}

func newLoginLimits() *loginLimits {
	return &loginLimits{
		user: newLimiter(20*time.Second, 5, 100_000),
		addr: newLimiter(3*time.Second, 20, 100_000),
	}
}

// check returns a message for the person when they must wait before trying.
func (l *loginLimits) check(user, addr string) (string, bool) {
	if d := l.addr.wait(addr); d > 0 {
		return fmt.Sprintf("too many failed logins from your address; try again in %d seconds", seconds(d)), false
	}
	if d := l.user.wait(user); d > 0 {
		return fmt.Sprintf("too many failed logins for this user; try again in %d seconds", seconds(d)), false
	}
	return "", true
}

// failed counts a failed login against the user and the address.
func (l *loginLimits) failed(user, addr string) {
	l.addr.allow(addr)
	l.user.allow(user)
}

func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
