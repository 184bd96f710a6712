package http

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// limiter gives each key (a user, an address, a user at an address) a
// bucket of attempts that refills at one per every, up to burst. An attempt
// takes a token before the work it guards and may give it back afterwards
// (a successful login costs nothing), so that requests in flight at once
// cannot all see a full bucket. It forgets keys whose bucket is full again,
// so a flood of made-up usernames cannot grow it without bound.
type limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	entries map[string]*bucket
	maxKeys int
	now     func() time.Time
}

type bucket struct {
	tokens  float64
	at      time.Time // when tokens was counted
	refused bool      // the last take was refused (the next refusal is not news)
}

func newLimiter(every time.Duration, burst, maxKeys int) *limiter {
	return &limiter{every: every, burst: burst, entries: make(map[string]*bucket), maxKeys: maxKeys, now: time.Now}
}

// refill brings b's tokens up to now.
func (l *limiter) refill(b *bucket, now time.Time) {
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(float64(l.burst), b.tokens+float64(d)/float64(l.every))
	}
	b.at = now
}

// take takes one token for key. Refused, it says how long until one is
// there, and whether this is the first refusal since the key last had one.
func (l *limiter) take(key string) (ok bool, wait time.Duration, first bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.entries[key]
	if b == nil {
		if len(l.entries) >= l.maxKeys {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.burst), at: now}
		l.entries[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		b.refused = false
		return true, 0, false
	}
	first = !b.refused
	b.refused = true
	return false, time.Duration((1 - b.tokens) * float64(l.every)), first
}

// give returns a token taken for key.
func (l *limiter) give(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.entries[key]; b != nil {
		l.refill(b, l.now())
		b.tokens = min(float64(l.burst), b.tokens+1)
	}
}

// sweep drops keys whose bucket is full again; if that frees nothing, the
// half that was used longest ago goes.
func (l *limiter) sweep(now time.Time) {
	for k, b := range l.entries {
		l.refill(b, now)
		if b.tokens >= float64(l.burst) {
			delete(l.entries, k)
		}
	}
	if len(l.entries) <= l.maxKeys/2 {
		return
	}
	keys := slices.Collect(maps.Keys(l.entries))
	slices.SortFunc(keys, func(a, b string) int { return l.entries[a].at.Compare(l.entries[b].at) })
	for _, k := range keys[:len(keys)-l.maxKeys/2] {
		delete(l.entries, k)
	}
}

// The login limits (docs/security.md lists them). Every attempt takes a
// token from its address, from its user at that address, and from its user
// everywhere, before the password is checked; a successful login gives them
// back. The pair's limit comes first, so an attacker's wrong passwords lock
// the user out at the attacker's address only; the user's own, higher limit
// bounds a guess spread over many addresses, and an address the user logged
// in from before (in the last 30 days) is not held to it, so even then the
// user gets in from where they work.
const (
	pairBurst, pairEvery = 5, 20 * time.Second // a user at one address
	userBurst, userEvery = 20, time.Minute     // a user, from any address
	addrBurst, addrEvery = 20, 3 * time.Second // an address, whatever users it tries
	knownFor             = 30 * 24 * time.Hour // a successful login's address stays known this long
	limitKeys            = 100_000             // keys each limiter keeps at most
	knownKeys            = 100_000             // user-and-address pairs remembered at most
	passwordCheckWait    = 10 * time.Second    // how long a login waits for a free password check
)

type loginLimits struct {
	pair, user, addr *limiter

	mu    sync.Mutex
	known map[string]time.Time // user+"\x00"+addr → the last successful login from there
	now   func() time.Time
}

func newLoginLimits() *loginLimits {
	return &loginLimits{
		pair:  newLimiter(pairEvery, pairBurst, limitKeys),
		user:  newLimiter(userEvery, userBurst, limitKeys),
		addr:  newLimiter(addrEvery, addrBurst, limitKeys),
		known: make(map[string]time.Time),
		now:   time.Now,
	}
}

// setClock sets the clock of the limits (tests).
func (l *loginLimits) setClock(now func() time.Time) {
	l.now, l.pair.now, l.user.now, l.addr.now = now, now, now, now
}

// loginAttempt is an attempt that got past the limits; end says how it went.
type loginAttempt struct {
	l                *loginLimits
	user, addr, pair string
	tookUser         bool
}

// refusal says why an attempt may not be made now: a message for the
// person, and whether it is the first refusal of its kind for the key (worth
// one audit line; the rest of a flood is not).
type refusal struct {
	msg   string
	first bool
}

// begin takes an attempt for user (as typed, lower case) from addr.
func (l *loginLimits) begin(user, addr string) (*loginAttempt, *refusal) {
	at := &loginAttempt{l: l, user: user, addr: addr, pair: user + "\x00" + addr}
	if ok, d, first := l.addr.take(addr); !ok {
		return nil, &refusal{fmt.Sprintf("too many failed logins from your address; try again in %d seconds", seconds(d)), first}
	}
	if ok, d, first := l.pair.take(at.pair); !ok {
		l.addr.give(addr)
		return nil, &refusal{fmt.Sprintf("too many failed logins for this user; try again in %d seconds", seconds(d)), first}
	}
	if !l.knownAddress(at.pair) {
		ok, d, first := l.user.take(user)
		if !ok {
			l.addr.give(addr)
			l.pair.give(at.pair)
			return nil, &refusal{fmt.Sprintf("too many failed logins for this user; try again in %d seconds", seconds(d)), first}
		}
		at.tookUser = true
	}
	return at, nil
}

// end closes the attempt: a wrong password keeps its tokens spent; anything
// else (a success, or a check that never ran) gives them back, and a success
// makes the address known for the user.
func (at *loginAttempt) end(wrongPassword, succeeded bool) {
	if wrongPassword {
		return
	}
	l := at.l
	l.addr.give(at.addr)
	l.pair.give(at.pair)
	if at.tookUser {
		l.user.give(at.user)
	}
	if succeeded {
		l.remember(at.pair)
	}
}

func (l *loginLimits) knownAddress(pair string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.known[pair]
	return ok && l.now().Sub(t) < knownFor
}

func (l *loginLimits) remember(pair string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if _, ok := l.known[pair]; !ok && len(l.known) >= knownKeys {
		for k, t := range l.known {
			if now.Sub(t) >= knownFor {
				delete(l.known, k)
			}
		}
		for k := range l.known { // still full: any half goes (a map's order is random)
			if len(l.known) < knownKeys/2 {
				break
			}
			delete(l.known, k)
		}
	}
	l.known[pair] = now
}

func seconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }

// errBusy: no password check was free within passwordCheckWait.
var errBusy = errors.New("the server is busy; try again")

// passwordChecks bounds the password checks (bcrypt: tens of milliseconds of
// a core each) that run at once, agents' and admins' together, to half the
// cores: a burst of logins, honest or not, waits its turn and leaves the
// calls their share of the machine.
type passwordChecks struct {
	slots   chan struct{}
	wait    time.Duration
	waiting atomic.Int64 // checks waiting for a slot (tests)
	ran     atomic.Int64 // checks run since start (tests)
}

func newPasswordChecks() *passwordChecks {
	return &passwordChecks{slots: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)), wait: passwordCheckWait}
}

// run runs check when a slot is free: errBusy if none is within the wait,
// the context's error if the request goes away first.
func (p *passwordChecks) run(ctx context.Context, check func()) error {
	t := time.NewTimer(p.wait)
	defer t.Stop()
	p.waiting.Add(1)
	select {
	case p.slots <- struct{}{}:
		p.waiting.Add(-1)
	case <-t.C:
		p.waiting.Add(-1)
		return errBusy
	case <-ctx.Done():
		p.waiting.Add(-1)
		return ctx.Err()
	}
	defer func() { <-p.slots }()
	p.ran.Add(1)
	check()
	return nil
}
