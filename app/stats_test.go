package app_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"testing/synctest"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

// figures is what TestStats compares: the tenant's and each queue's counts.
type figures struct {
	loggedIn, talking int
	agents            map[string]int // non-zero states only
	waiting           map[string]int // queue → waiting
	queueTalking      map[string]int
	members           map[string]map[string]int // queue → non-zero states
}

func statsOf(t *testing.T, w *world) figures {
	t.Helper()
	stats, err := w.app.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(stats) != 1 || stats[0].Domain != testDomain || stats[0].Tenant != w.tenant.ID {
		t.Fatalf("stats = %+v, want the one tenant", stats)
	}
	s := stats[0]
	f := figures{loggedIn: s.LoggedIn, talking: s.Talking, agents: nonZero(t, s.Agents),
		waiting: map[string]int{}, queueTalking: map[string]int{}, members: map[string]map[string]int{}}
	for _, q := range s.Queues {
		f.waiting[q.Name] = q.Waiting
		f.queueTalking[q.Name] = q.Talking
		f.members[q.Name] = nonZero(t, q.Members)
	}
	return f
}

// nonZero drops the zero counts after checking every state is present.
func nonZero(t *testing.T, m map[string]int) map[string]int {
	t.Helper()
	if len(m) != len(app.AgentStates) {
		t.Fatalf("states %v, want all of %v", m, app.AgentStates)
	}
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func (f figures) String() string {
	return fmt.Sprintf("logged in %d, talking %d, agents %v, waiting %v, queue talking %v, members %v",
		f.loggedIn, f.talking, f.agents, f.waiting, f.queueTalking, f.members)
}

func (f figures) equal(g figures) bool {
	if f.loggedIn != g.loggedIn || f.talking != g.talking || !maps.Equal(f.agents, g.agents) ||
		!maps.Equal(f.waiting, g.waiting) || !maps.Equal(f.queueTalking, g.queueTalking) || len(f.members) != len(g.members) {
		return false
	}
	for q, m := range f.members {
		if !maps.Equal(m, g.members[q]) {
			return false
		}
	}
	return true
}

// TestStats follows a queue call from waiting to talking to a transfer and
// its end, through the real ARI client and the simulator, and checks the
// figures the tenant loop reports at each step.
func TestStats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["alice"], 1), member(ag["bob"], 1)}}); err != nil {
				return err
			}
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Sales", RingSeconds: 30, DIDs: []string{"5550002"},
				Members: []ccaas.Member{member(ag["bob"], 1)}})
			return err
		}})
		expect := func(what string, want figures) {
			t.Helper()
			var got figures
			if !eventually(func() bool { got = statsOf(t, w); return got.equal(want) }) {
				t.Fatalf("%s:\n got  %v\n want %v", what, got, want)
			}
		}
		zero := map[string]int{"Sales": 0, "Support": 0}
		with := func(support int) map[string]int { return map[string]int{"Sales": 0, "Support": support} }

		expect("nobody logged in", figures{agents: map[string]int{"logged_out": 2}, waiting: zero, queueTalking: zero,
			members: map[string]map[string]int{"Support": {"logged_out": 2}, "Sales": {"logged_out": 1}}})

		sa, ka := w.login("alice")
		cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930123456", DID: testDID})
		if err != nil {
			t.Fatal(err)
		}
		expect("one caller waiting, nobody Ready", figures{loggedIn: 1, agents: map[string]int{"logged_out": 1, "not_ready": 1},
			waiting: with(1), queueTalking: zero,
			members: map[string]map[string]int{"Support": {"logged_out": 1, "not_ready": 1}, "Sales": {"logged_out": 1}}})

		w.ready(sa, ka)
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		expect("the queue offers it: still waiting", figures{loggedIn: 1, agents: map[string]int{"logged_out": 1, "offered": 1},
			waiting: with(1), queueTalking: zero,
			members: map[string]map[string]int{"Support": {"logged_out": 1, "offered": 1}, "Sales": {"logged_out": 1}}})

		w.app.Command(sa, cti.Command{ID: "a", Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		expect("answered", figures{loggedIn: 2, talking: 1, agents: map[string]int{"talking": 1, "ready": 1},
			waiting: zero, queueTalking: with(1),
			members: map[string]map[string]int{"Support": {"talking": 1, "ready": 1}, "Sales": {"ready": 1}}})

		// a blind transfer rings bob: the call is neither in the queue nor talking
		w.app.Command(sa, cti.Command{ID: "t", Cmd: cti.CmdTransfer, Call: offer.Call.ID, Target: "1002"})
		transferred := kb.next(t, "transfer offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		expect("being transferred", figures{loggedIn: 2, agents: map[string]int{"ready": 1, "offered": 1},
			waiting: zero, queueTalking: zero,
			members: map[string]map[string]int{"Support": {"ready": 1, "offered": 1}, "Sales": {"offered": 1}}})

		w.app.Command(sb, cti.Command{ID: "b", Cmd: cti.CmdAnswer, Call: transferred.Call.ID})
		kb.call(t, "connected")
		expect("bob talks", figures{loggedIn: 2, talking: 1, agents: map[string]int{"ready": 1, "talking": 1},
			waiting: zero, queueTalking: with(1),
			members: map[string]map[string]int{"Support": {"ready": 1, "talking": 1}, "Sales": {"talking": 1}}})

		if err := w.sim.Hangup(cust); err != nil {
			t.Fatal(err)
		}
		expect("the caller hung up", figures{loggedIn: 2, agents: map[string]int{"ready": 2},
			waiting: zero, queueTalking: zero,
			members: map[string]map[string]int{"Support": {"ready": 2}, "Sales": {"ready": 1}}})
	})
}

// BenchmarkStats asks the tenant loop for its figures with 100 callers
// waiting: the cost a scrape puts on a tenant loop.
func BenchmarkStats(b *testing.B) {
	w := newWorld(b, worldOpts{loopback: true})
	for range 100 {
		if _, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: testDID}); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	pollUntil(b, "100 callers waiting", func() bool {
		s, err := w.app.Stats(ctx)
		return err == nil && s[0].Queues[0].Waiting == 100
	})
	for b.Loop() {
		if _, err := w.app.Stats(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
