package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
)

// mailbox is an unbounded FIFO of inputs to a tenant loop. Posting never
// blocks, so the ARI events reader and HTTP handlers are never held up by a
// busy tenant.
type mailbox struct {
	mu     sync.Mutex
	items  []any
	signal chan struct{}
}

func newMailbox() *mailbox { return &mailbox{signal: make(chan struct{}, 1)} }

func (m *mailbox) post(x any) {
	m.mu.Lock()
	m.items = append(m.items, x)
	m.mu.Unlock()
	select {
	case m.signal <- struct{}{}:
	default:
	}
}

func (m *mailbox) drain() []any {
	m.mu.Lock()
	items := m.items
	m.items = nil
	m.mu.Unlock()
	return items
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// Ids we give Asterisk resources carry the tenant, so an event can be routed
// to its tenant without a shared map: "<kind><tenant>-<16 hex>". The random
// part has a fixed width, so no id is a prefix of another one (Asterisk 22
// refuses such channel ids).
const (
	kindLine          = "ln"
	kindHomeBridge    = "hb" // where lines waited before ccaas let them wait in no bridge: only cleaned up
	kindCallBridge    = "cb"
	kindCall          = "c"
	kindEndpoint      = "ag"
	kindPlayback      = "pb"
	kindCustomer      = "cu" // a customer channel we originate (outbound calls)
	kindSnoop         = "sn" // a supervisor's snoop on an agent's line
	kindMonitorBridge = "mb" // a supervisor's line with a snoop
	kindRecording     = "rc" // a recording (its name in Asterisk): a call's, a voicemail
)

func newID(kind string, t ccaas.TenantID) string {
	return kind + strconv.FormatInt(int64(t), 10) + "-" + randomHex(8)
}

// tenantOfID returns the tenant encoded in an id made by newID.
func tenantOfID(id string) (ccaas.TenantID, bool) {
	i := strings.IndexFunc(id, func(r rune) bool { return r >= '0' && r <= '9' })
	if i <= 0 || i > 2 {
		return 0, false
	}
	kind := id[:i]
	if kind != kindLine && kind != kindHomeBridge && kind != kindCallBridge && kind != kindCall && kind != kindEndpoint && kind != kindPlayback && kind != kindCustomer &&
		kind != kindSnoop && kind != kindMonitorBridge && kind != kindRecording {
		return 0, false
	}
	num, rest, ok := strings.Cut(id[i:], "-")
	if !ok || len(rest) != 16 {
		return 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return ccaas.TenantID(n), true
}

// serial runs functions one after another, each in its own goroutine after
// the previous one finished, so that the ARI requests of one call (or one
// line) reach Asterisk in the order the loop decided them.
type serial struct {
	last chan struct{}
}

// runAfter runs fn after the earlier functions of every serial given, and
// before their later ones: a step that moves an agent's line in or out of a
// call is ordered both with the call's other steps and with the line's moves
// for other calls.
func runAfter(fn func(), ss ...*serial) {
	prevs := make([]chan struct{}, 0, len(ss))
	done := make(chan struct{})
	for _, s := range ss {
		if s.last != nil {
			prevs = append(prevs, s.last)
		}
		s.last = done
	}
	go func() {
		defer close(done)
		for _, prev := range prevs {
			<-prev
		}
		fn()
	}()
}

// together runs the requests at once and returns their errors joined.
func together(ctx context.Context, ops ...func(context.Context) error) error {
	errs := make([]error, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops[1:] {
		wg.Go(func() { errs[i+1] = op(ctx) })
	}
	errs[0] = ops[0](ctx)
	wg.Wait()
	return errors.Join(errs...)
}

// ignoreGone treats a channel, bridge, playback or object that is already
// gone as done: hanging up or removing it again is not a failure.
func ignoreGone(err error) error {
	if errors.Is(err, ari.ErrNotFound) {
		return nil
	}
	return err
}

// ignoreNotInBridge treats removing a channel that already left the bridge
// as done.
func ignoreNotInBridge(err error) error {
	if errors.Is(err, ari.ErrUnprocessable) {
		return nil
	}
	return err
}
