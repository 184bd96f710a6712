package queue

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// benchTenant is one tenant's load: agents each in 1-3 of 10 queues with
// skills 1..100, calls spread over the queues, the three strategies, and one
// VIP queue of higher priority.
type benchTenant struct {
	r       *Router
	mem     [][]Membership // per agent id
	calls   []CallID
	arrival int // seconds, grows with every enqueue
	idle    int
}

var benchSizes = []struct{ agents, calls int }{{200, 50}, {2000, 500}, {20000, 5000}}

const benchQueues = 10

func newBenchTenant(agents, calls int) *benchTenant {
	rng := rand.New(rand.NewPCG(1, 2))
	bt := &benchTenant{r: NewRouter(), mem: make([][]Membership, agents)}
	for q := range ID(benchQueues) {
		cfg := QueueConfig{ID: q, Strategy: Strategy(q % 3)}
		if q == 0 {
			cfg.Priority = 1 // VIP
		}
		bt.r.SetQueue(cfg)
	}
	for a := range agents {
		n := 1 + rng.IntN(3)
		for _, q := range rng.Perm(benchQueues)[:n] {
			bt.mem[a] = append(bt.mem[a], Membership{Queue: ID(q), Skill: 1 + rng.IntN(100)})
		}
		bt.r.SetReadyWithSkills(AgentID(a), bt.mem[a], bt.at(rng.IntN(3600)))
	}
	for i := range calls {
		c := CallID(fmt.Sprintf("call-%08d", i))
		bt.calls = append(bt.calls, c)
		bt.arrival++
		bt.r.Enqueue(c, ID(rng.IntN(benchQueues)), bt.at(bt.arrival))
	}
	bt.idle = 3600
	for range calls { // warm up: round-robin turns and answered counts
		bt.apply()
	}
	return bt
}

// apply takes the next decision; the agent answers, the call comes back as a
// new arrival (in the queues in turn) and the agent as Ready again, so that
// the sizes stay the same.
func (bt *benchTenant) apply() {
	r := bt.r
	c, a, ok := r.Next()
	if !ok {
		panic("no decision")
	}
	r.Take(c)
	r.SetUnavailable(a)
	r.CallAnswered(a)
	bt.arrival++
	bt.idle++
	r.Enqueue(c, ID(bt.arrival%benchQueues), bt.at(bt.arrival))
	r.SetReadyWithSkills(a, bt.mem[a], bt.at(bt.idle))
}

func (bt *benchTenant) at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// eachSize runs the benchmark body at each of benchSizes, on a tenant of
// that size built before the clock starts.
func eachSize(b *testing.B, body func(b *testing.B, bt *benchTenant)) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("agents=%d/calls=%d", size.agents, size.calls), func(b *testing.B) {
			bt := newBenchTenant(size.agents, size.calls)
			b.ReportAllocs()
			body(b, bt)
		})
	}
}

func BenchmarkNext(b *testing.B) {
	eachSize(b, func(b *testing.B, bt *benchTenant) {
		for b.Loop() {
			if _, _, ok := bt.r.Next(); !ok {
				b.Fatal("no decision")
			}
		}
	})
}

// BenchmarkApplyNext is Next, Take, SetUnavailable, CallAnswered, Enqueue
// and SetReadyWithSkills: one decision applied at a steady size.
func BenchmarkApplyNext(b *testing.B) {
	eachSize(b, func(b *testing.B, bt *benchTenant) {
		for b.Loop() {
			bt.apply()
		}
	})
}

// BenchmarkPosition asks every waiting call's position, as a round of
// position announcements would.
func BenchmarkPosition(b *testing.B) {
	eachSize(b, func(b *testing.B, bt *benchTenant) {
		i := 0
		for b.Loop() {
			if _, ok := bt.r.Position(bt.calls[i]); !ok {
				b.Fatal("not waiting")
			}
			i = (i + 1) % len(bt.calls)
		}
	})
}
