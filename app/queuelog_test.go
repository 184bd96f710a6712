package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/queuelog"
	"github.com/ccaas/ccaas/sqlite"
)

// The queue_log tests run call flows over the simulator with the app's
// clock in the test's hand, so that every line, times and durations
// included, is known exactly. The clock moves only when the test says.

const qlT0 = 1_700_000_000

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// qlogWorld is a world whose app writes its queue_log to a file through
// the real writer.
type qlogWorld struct {
	*world
	t      *testing.T
	clock  *fakeClock
	qw     *queuelog.Writer
	path   string
	seen   int               // lines already matched
	values map[string]string // placeholders bound so far ({c1} → a call id)
}

func newQlogWorld(t *testing.T, opts worldOpts) *qlogWorld {
	t.Helper()
	path := filepath.Join(t.TempDir(), "queue_log")
	qw, err := queuelog.Open(path, queuelog.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qw.Close() }) // after the world's cleanup has stopped the app
	clock := &fakeClock{now: time.Unix(qlT0, 0)}
	opts.now = clock.Now
	opts.queueLog = qw.Log
	return &qlogWorld{world: newWorld(t, opts), t: t, clock: clock, qw: qw, path: path, values: map[string]string{}}
}

func (q *qlogWorld) advance(seconds int) { q.clock.Advance(time.Duration(seconds) * time.Second) }

// expect waits for the next lines of the file and compares them with want,
// exactly. A want line starts with the second (after qlT0) it is stamped
// with; {name} stands for a value (a call id, a channel) that is bound where
// it first appears and must then be the same everywhere.
func (q *qlogWorld) expect(want ...string) {
	q.t.Helper()
	var lines []string
	waitUntil(q.t, fmt.Sprintf("%d more queue_log lines", len(want)), func() bool {
		b, err := os.ReadFile(q.path)
		if err != nil {
			q.t.Fatal(err)
		}
		lines = strings.SplitAfter(string(b), "\n")
		lines = lines[:len(lines)-1] // complete lines only
		return len(lines) >= q.seen+len(want)
	})
	for i, w := range want {
		got := strings.TrimSuffix(lines[q.seen+i], "\n")
		sec, rest, _ := strings.Cut(w, "|")
		var n int
		fmt.Sscan(sec, &n)
		if w = fmt.Sprintf("%d|%s", qlT0+n, rest); !q.match(w, got) {
			q.t.Fatalf("queue_log line %d\n got %s\nwant %s\nfile:\n%s", q.seen+i+1, got, w, strings.Join(lines, ""))
		}
	}
	q.seen += len(want)
}

var placeholderRE = regexp.MustCompile(`\{[a-z0-9_]+\}`)

func (q *qlogWorld) match(want, got string) bool {
	var names []string
	pattern := "^"
	last := 0
	for _, loc := range placeholderRE.FindAllStringIndex(want, -1) {
		pattern += regexp.QuoteMeta(want[last:loc[0]])
		name := want[loc[0]:loc[1]]
		if v, ok := q.values[name]; ok {
			pattern += regexp.QuoteMeta(v)
		} else {
			pattern += `([^|]+)`
			names = append(names, name)
		}
		last = loc[1]
	}
	pattern += regexp.QuoteMeta(want[last:]) + "$"
	m := regexp.MustCompile(pattern).FindStringSubmatch(got)
	if m == nil {
		return false
	}
	for i, name := range names {
		if prev, ok := q.values[name]; ok && prev != m[i+1] {
			return false // the same new placeholder twice in one line
		}
		q.values[name] = m[i+1]
	}
	return true
}

// done proves that nothing else was written: a mark logged now must be the
// very next line.
func (q *qlogWorld) done() {
	q.t.Helper()
	q.qw.Log(queuelog.Event{Time: q.clock.Now(), Event: "TESTMARK"})
	sec := int(q.clock.Now().Unix() - qlT0)
	q.expect(fmt.Sprintf("%d|NONE|NONE|NONE|TESTMARK|", sec))
}

const (
	qlSupport = "Support@acme.example"
	qlAlice   = "alice@acme.example"
	qlBob     = "bob@acme.example"
)

func TestQueueLogAnsweredCall(t *testing.T) {
	tests := []struct {
		name   string
		hangup func(w *qlogWorld, s *app.Session, k *sink, id ccaas.CallID, cust string)
		event  string
	}{
		{name: "agent hangs up", event: "COMPLETEAGENT", hangup: func(w *qlogWorld, s *app.Session, k *sink, id ccaas.CallID, _ string) {
			ok(w.t, w.world, s, k, cti.Command{Cmd: cti.CmdHangup, Call: id})
		}},
		{name: "caller hangs up", event: "COMPLETECALLER", hangup: func(w *qlogWorld, _ *app.Session, _ *sink, _ ccaas.CallID, cust string) {
			w.sim.Hangup(cust)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newQlogWorld(t, worldOpts{})
				s, k := w.login("alice")
				w.advance(1)
				w.ready(s, k)
				w.advance(1)
				cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930123456", Name: "Jane Doe", DID: testDID})
				if err != nil {
					t.Fatal(err)
				}
				offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
				w.advance(3) // it rings 3 s
				w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
				k.call(t, "connected")
				line := w.lineOf().ID
				w.advance(10) // they talk 10 s
				tt.hangup(w, s, k, offer.Call.ID, cust)
				k.call(t, "ended")
				k.state(t, "ready")
				w.expect(
					"0|NONE|NONE|NONE|QUEUESTART|",
					"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
					"1|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
					"1|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
					"2|"+string(offer.Call.ID)+"|"+qlSupport+"|NONE|ENTERQUEUE||+4930123456|1|Jane Doe",
					"5|"+string(offer.Call.ID)+"|"+qlSupport+"|"+qlAlice+"|CONNECT|3|"+line+"|3",
					"15|"+string(offer.Call.ID)+"|"+qlSupport+"|"+qlAlice+"|"+tt.event+"|3|10|1",
				)
				w.done()
			})
		})
	}
}

func TestQueueLogAbandonedWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{}) // nobody logged in: the callers wait
		w.advance(1)
		first, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "100", DID: testDID})
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"1|{c1}|"+qlSupport+"|NONE|ENTERQUEUE||100|1|",
		)
		w.advance(1)
		second, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "200", Name: "Mal|lory\n1|x|y|z|CONNECT", DID: testDID})
		w.expect("2|{c2}|" + qlSupport + "|NONE|ENTERQUEUE||200|2|Mal_lory 1_x_y_z_CONNECT")
		w.advance(3)
		w.sim.Hangup(first) // at position 1 after waiting 4 s
		w.expect("5|{c1}|" + qlSupport + "|NONE|ABANDON|1|1|4")
		w.advance(2)
		w.sim.Hangup(second) // moved up to position 1 from 2, after 5 s
		w.expect("7|{c2}|" + qlSupport + "|NONE|ABANDON|1|2|5")
		w.done()
	})
}

func TestQueueLogAbandonedWhileRinging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "300", DID: testDID})
		offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(2)
		w.sim.Hangup(cust)
		k.call(t, "ended")
		k.state(t, "ready")
		id := string(offer.Call.ID)
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"0|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
			"0|"+id+"|"+qlSupport+"|NONE|ENTERQUEUE||300|1|",
			"2|"+id+"|"+qlSupport+"|"+qlAlice+"|RINGCANCELED|2000",
			"2|"+id+"|"+qlSupport+"|NONE|ABANDON|1|1|2",
		)
		w.done()
	})
}

func TestQueueLogRingNoAnswerThenAnotherAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{ringSeconds: 1})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		sb, kb := w.login("bob") // Not Ready: the call goes to alice first
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "400", DID: testDID})
		first := ka.next(t, "offer to alice", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(1) // the ring time is over
		// the ring timer (real time) or this command, whichever comes first, finds it over
		w.app.Command(sa, cti.Command{ID: "poke", Cmd: cti.CmdCancelPending})
		if m := ka.state(t, "not_ready"); m.State.Reason != "missed_call" {
			t.Fatalf("alice after the ring time: %+v", m.State)
		}
		w.ready(sb, kb)
		second := kb.next(t, "offer to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if second.Call.ID != first.Call.ID {
			t.Fatalf("bob got %s, want %s", second.Call.ID, first.Call.ID)
		}
		w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: second.Call.ID})
		kb.call(t, "connected")
		w.advance(4)
		w.sim.Hangup(cust)
		kb.state(t, "ready")
		id := string(first.Call.ID)
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"0|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
			"0|NONE|"+qlSupport+"|"+qlBob+"|ADDMEMBER|PAUSED",
			"0|"+id+"|"+qlSupport+"|NONE|ENTERQUEUE||400|1|",
			"1|"+id+"|"+qlSupport+"|"+qlAlice+"|RINGNOANSWER|1000",
			"1|NONE|NONE|"+qlAlice+"|PAUSEALL|missed_call",
			"1|NONE|"+qlSupport+"|"+qlAlice+"|PAUSE|missed_call",
			"1|NONE|NONE|"+qlBob+"|UNPAUSEALL|",
			"1|NONE|"+qlSupport+"|"+qlBob+"|UNPAUSE|",
			// the caller never left the queue: no second ENTERQUEUE; held 1 s, rang bob 0 s
			"1|"+id+"|"+qlSupport+"|"+qlBob+"|CONNECT|1|{bob_line}|0",
			"5|"+id+"|"+qlSupport+"|"+qlBob+"|COMPLETECALLER|1|4|1",
		)
		w.done()
		if got := w.values["{bob_line}"]; !w.sim.InStasis(got) || !strings.HasPrefix(got, "ln") || strings.Contains(got, "|") {
			t.Fatalf("CONNECT names %q, not bob's line", got)
		}
	})
}

func TestQueueLogBlindTransfer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "500", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(2)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		w.ready(sb, kb)
		w.advance(5)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: offer.Call.ID, Target: "1002"})
		got := kb.next(t, "transferred offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(1)
		ok(t, w.world, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: got.Call.ID})
		kb.call(t, "connected")
		w.advance(3)
		w.sim.Hangup(cust)
		kb.state(t, "ready")
		id := string(offer.Call.ID)
		// the queue's part ends with the transfer, as in app_queue: bob's part is no queue call
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"0|NONE|"+qlSupport+"|"+qlBob+"|ADDMEMBER|PAUSED",
			"0|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
			"0|"+id+"|"+qlSupport+"|NONE|ENTERQUEUE||500|1|",
			"2|"+id+"|"+qlSupport+"|"+qlAlice+"|CONNECT|2|{alice_line}|2",
			"2|NONE|NONE|"+qlBob+"|UNPAUSEALL|",
			"2|NONE|"+qlSupport+"|"+qlBob+"|UNPAUSE|",
			"7|"+id+"|"+qlSupport+"|"+qlAlice+"|BLINDTRANSFER|1002|acme.example|2|5|1",
		)
		w.done()
	})
}

func TestQueueLogAgentStates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var billingAdded func() error
		var salesID ccaas.QueueID
		w := newQlogWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			// alice is in two queues, bob in none
			if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID}, Members: []ccaas.Member{member(ag["alice"], 1)}}); err != nil {
				return err
			}
			sales, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Sales", RingSeconds: 30, DIDs: []string{"5550002"}, Members: []ccaas.Member{member(ag["alice"], 1)}})
			salesID = sales.ID
			billingAdded = func() error {
				_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Billing", RingSeconds: 30, Members: []ccaas.Member{member(ag["alice"], 1)}})
				return err
			}
			return err
		}})
		ctx := context.Background()
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.advance(1)
		w.ready(sa, ka)
		w.ready(sb, kb)
		w.advance(1)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		ok(t, w.world, sb, kb, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		w.advance(1)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdNotReady, Reason: "training"}) // another reason: paused anew
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdNotReady, Reason: "training"}) // the same: nothing new
		w.advance(1)
		// an admin moves alice from Sales to Billing while she is logged in
		if err := billingAdded(); err != nil {
			t.Fatal(err)
		}
		if err := w.db.DeleteQueue(ctx, w.tenant.ID, salesID); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		w.advance(1)
		if err := w.app.Logout(ctx, sa); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Logout(ctx, sb); err != nil {
			t.Fatal(err)
		}
		const sales, billing = "Sales@acme.example", "Billing@acme.example"
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"0|NONE|"+sales+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"1|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
			"1|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
			"1|NONE|"+sales+"|"+qlAlice+"|UNPAUSE|",
			"2|NONE|NONE|"+qlAlice+"|PAUSEALL|lunch",
			"2|NONE|"+qlSupport+"|"+qlAlice+"|PAUSE|lunch",
			"2|NONE|"+sales+"|"+qlAlice+"|PAUSE|lunch",
			"3|NONE|NONE|"+qlAlice+"|PAUSEALL|training",
			"3|NONE|"+qlSupport+"|"+qlAlice+"|PAUSE|training",
			"3|NONE|"+sales+"|"+qlAlice+"|PAUSE|training",
			"4|NONE|"+sales+"|"+qlAlice+"|REMOVEMEMBER|",
			"4|NONE|"+billing+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"5|NONE|"+qlSupport+"|"+qlAlice+"|REMOVEMEMBER|",
			"5|NONE|"+billing+"|"+qlAlice+"|REMOVEMEMBER|",
		)
		w.done() // bob, a member of no queue, is no queue member: nothing about him
	})
}

func TestQueueLogOverflowToAnotherQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			sales, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Sales", RingSeconds: 30, DIDs: []string{"5550002"}, Members: []ccaas.Member{member(ag["bob"], 1)}})
			if err != nil {
				return err
			}
			_, err = db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				MaxWaitSeconds: 2, Overflow: ccaas.OverflowQueue, OverflowTarget: fmt.Sprint(sales.ID)})
			return err
		}})
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "800", DID: testDID})
		const sales = "Sales@acme.example"
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+sales+"|"+qlBob+"|ADDMEMBER|PAUSED",
			"0|NONE|NONE|"+qlBob+"|UNPAUSEALL|",
			"0|NONE|"+sales+"|"+qlBob+"|UNPAUSE|",
			"0|{c}|"+qlSupport+"|NONE|ENTERQUEUE||800|1|",
		)
		w.advance(2) // before the maximum wait's timer (2 s of real time) fires
		offer := kb.next(t, "the overflowed call offered in Sales", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(1)
		ok(t, w.world, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		kb.call(t, "connected")
		w.sim.Hangup(cust)
		kb.state(t, "ready")
		w.expect(
			"2|{c}|"+qlSupport+"|NONE|EXITWITHTIMEOUT|1|1|2",
			"2|{c}|"+sales+"|NONE|ENTERQUEUE||800|1|",
			"3|{c}|"+sales+"|"+qlBob+"|CONNECT|1|{bob_line}|1",
			"3|{c}|"+sales+"|"+qlBob+"|COMPLETECALLER|1|0|1",
		)
		w.done()
		if w.values["{c}"] != string(offer.Call.ID) {
			t.Fatalf("queue_log call %s, offered %s", w.values["{c}"], offer.Call.ID)
		}
	})
}

func TestQueueLogAgentLostRequeues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "600", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(1)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		w.advance(6)
		w.app.Detach(sa, ka) // alice's tab closes mid-call: the caller goes back to the head of the queue
		waitUntil(t, "customer back on music", func() bool { _, on := w.sim.MOH(cust); return on })
		w.advance(2)
		w.sim.Hangup(cust)
		id := string(offer.Call.ID)
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"0|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
			"0|"+id+"|"+qlSupport+"|NONE|ENTERQUEUE||600|1|",
			"1|"+id+"|"+qlSupport+"|"+qlAlice+"|CONNECT|1|{alice_line}|1",
			"7|"+id+"|"+qlSupport+"|"+qlAlice+"|COMPLETEAGENT|1|6|1",
			"7|"+id+"|"+qlSupport+"|NONE|ENTERQUEUE||600|1|",
			"7|NONE|"+qlSupport+"|"+qlAlice+"|REMOVEMEMBER|",
			"9|"+id+"|"+qlSupport+"|NONE|ABANDON|1|1|2",
		)
		w.done()
	})
}

// qlogChecker collects the queue_log events of a run and checks that they
// read as app_queue's would: every call goes ENTERQUEUE, rings, then CONNECT
// and one completion or one way out, in order; only queue members are
// paused, unpaused, rung or connected, and only the unpaused are rung or
// connected; durations are whole non-negative seconds and times never go back.
type qlogChecker struct {
	mu     sync.Mutex
	events []queuelog.Event
}

func (c *qlogChecker) log(e queuelog.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

// check checks the events so far; with closed, every call must have left
// its queue and every agent must be out of every queue.
func (c *qlogChecker) check(t *testing.T, closed bool) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	type member struct{ paused bool }
	calls := map[string]string{}          // call → "queued" or "connected"
	members := map[[2]string]*member{}    // (queue, agent)
	connectedIn := map[string][2]string{} // call → (queue, agent) it is connected to
	counts := map[string]int{}
	var last time.Time
	bad := func(i int, e queuelog.Event, why string) {
		t.Fatalf("queue_log event %d %+v: %s", i, e, why)
	}
	for i, e := range c.events {
		counts[e.Event]++
		if e.Time.Before(last) {
			bad(i, e, "time goes back")
		}
		last = e.Time
		for _, d := range e.Data {
			if strings.ContainsAny(d, "|\n") {
				bad(i, e, "unsafe data")
			}
		}
		durations := func(idx ...int) {
			for _, j := range idx {
				var n int
				if _, err := fmt.Sscanf(e.Data[j], "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != e.Data[j] {
					bad(i, e, fmt.Sprintf("data %d is no whole non-negative number", j+1))
				}
			}
		}
		key := [2]string{e.Queue, e.Agent}
		switch e.Event {
		case "QUEUESTART":
		case "ENTERQUEUE":
			if calls[e.CallID] != "" {
				bad(i, e, "entered while "+calls[e.CallID])
			}
			calls[e.CallID] = "queued"
			durations(2)
		case "RINGNOANSWER", "RINGCANCELED", "CONNECT":
			if calls[e.CallID] != "queued" {
				bad(i, e, "call is "+calls[e.CallID])
			}
			if m := members[key]; m == nil || m.paused {
				bad(i, e, "agent is no unpaused member of the queue")
			}
			if e.Event == "CONNECT" {
				calls[e.CallID], connectedIn[e.CallID] = "connected", key
				durations(0, 2)
			} else {
				durations(0)
			}
		case "COMPLETEAGENT", "COMPLETECALLER", "BLINDTRANSFER", "ATTENDEDTRANSFER":
			if calls[e.CallID] != "connected" || connectedIn[e.CallID] != key {
				bad(i, e, "not connected to this agent in this queue")
			}
			delete(calls, e.CallID)
			n := len(e.Data)
			durations(n-3, n-2, n-1)
		case "ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY":
			if calls[e.CallID] != "queued" {
				bad(i, e, "call is "+calls[e.CallID])
			}
			delete(calls, e.CallID)
			durations(0, 1, 2)
		case "ADDMEMBER":
			if members[key] != nil {
				bad(i, e, "already a member")
			}
			members[key] = &member{paused: e.Data[0] == "PAUSED"}
		case "REMOVEMEMBER":
			if members[key] == nil {
				bad(i, e, "no member")
			}
			delete(members, key)
		case "PAUSE", "UNPAUSE":
			m := members[key]
			if m == nil || (e.Event == "UNPAUSE" && !m.paused) {
				bad(i, e, "no member, or not paused")
			}
			m.paused = e.Event == "PAUSE"
		case "PAUSEALL", "UNPAUSEALL":
		default:
			bad(i, e, "unknown event")
		}
	}
	t.Logf("queue_log events: %v", counts)
	if closed && (len(calls) > 0 || len(members) > 0) {
		t.Fatalf("at the end, calls still in a queue %v, members %v", calls, members)
	}
}
