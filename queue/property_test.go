package queue

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// reference is the routing rules written plainly: every decision scans
// everything. The Router must agree with it after every step.
type reference struct {
	seq    uint64
	calls  map[CallID]*refCall
	taken  map[CallID]uint64 // Take, until Enqueue or Remove
	agents map[AgentID]*refAgent
	queues map[ID]QueueConfig // SetQueue, until RemoveQueue
	turn   map[ID]AgentID     // the agent who last answered a call of the queue
}

type refCall struct {
	id      CallID
	q       ID
	arrived time.Time
	seq     uint64
}

type refAgent struct {
	ready     bool
	mem       map[ID]int // queue → skill
	idle      time.Time
	seq       uint64
	answered  int
	offered   ID
	isOffered bool
}

func newReference() *reference {
	return &reference{
		calls:  map[CallID]*refCall{},
		taken:  map[CallID]uint64{},
		agents: map[AgentID]*refAgent{},
		queues: map[ID]QueueConfig{},
		turn:   map[ID]AgentID{},
	}
}

func (f *reference) agent(a AgentID) *refAgent {
	if f.agents[a] == nil {
		f.agents[a] = &refAgent{}
	}
	return f.agents[a]
}

// enqueue: a call keeps the turn (seq) of its first Enqueue until Remove.
func (f *reference) enqueue(c CallID, q ID, arrived time.Time) {
	seq, ok := f.taken[c]
	delete(f.taken, c)
	if old := f.calls[c]; old != nil {
		seq, ok = old.seq, true
	}
	if !ok {
		f.seq++
		seq = f.seq
	}
	f.calls[c] = &refCall{id: c, q: q, arrived: arrived, seq: seq}
}

func (f *reference) take(c CallID) bool {
	rc, ok := f.calls[c]
	if ok {
		f.taken[c] = rc.seq
		delete(f.calls, c)
	}
	return ok
}

func (f *reference) remove(c CallID) bool {
	_, ok := f.calls[c]
	delete(f.calls, c)
	delete(f.taken, c)
	return ok
}

func (f *reference) setReady(a AgentID, m []Membership, idle time.Time) {
	ag := f.agent(a)
	f.seq++
	ag.ready, ag.idle, ag.seq, ag.isOffered = true, idle, f.seq, false
	ag.mem = map[ID]int{}
	for _, x := range m {
		if s, ok := ag.mem[x.Queue]; !ok || x.Skill > s {
			ag.mem[x.Queue] = x.Skill
		}
	}
}

func (f *reference) setUnavailable(a AgentID) {
	if ag := f.agents[a]; ag != nil {
		ag.ready, ag.mem = false, nil
	}
}

func (f *reference) answered(a AgentID) {
	ag := f.agent(a)
	ag.answered++
	if ag.isOffered {
		f.turn[ag.offered] = a
		ag.isOffered = false
	}
}

func (f *reference) resetCounts(a AgentID) {
	if ag := f.agents[a]; ag != nil {
		ag.answered, ag.isOffered = 0, false
	}
}

func (f *reference) setQueue(cfg QueueConfig) {
	if cfg.Strategy < LongestIdle || cfg.Strategy > FewestCalls {
		cfg.Strategy = LongestIdle
	}
	f.queues[cfg.ID] = cfg
}

func (f *reference) removeQueue(q ID) []CallID {
	var out []CallID
	for _, c := range f.queue(q) {
		out = append(out, c.id)
		delete(f.calls, c.id)
	}
	delete(f.queues, q)
	delete(f.turn, q)
	for _, ag := range f.agents {
		delete(ag.mem, q)
		if ag.isOffered && ag.offered == q {
			ag.isOffered = false
		}
	}
	return out
}

func before(a, b *refCall) bool {
	if !a.arrived.Equal(b.arrived) {
		return a.arrived.Before(b.arrived)
	}
	return a.seq < b.seq
}

// queue returns the calls of q in the order they are served.
func (f *reference) queue(q ID) []*refCall {
	var out []*refCall
	for _, c := range f.calls {
		if c.q == q {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *refCall) int {
		if before(a, b) {
			return -1
		}
		return 1
	})
	return out
}

func (f *reference) members(q ID) []AgentID {
	var out []AgentID
	for id, ag := range f.agents {
		if _, ok := ag.mem[q]; ag.ready && ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// next is Next by the rules, including the note for CallAnswered.
func (f *reference) next() (CallID, AgentID, bool) {
	var best *refCall
	for _, c := range f.calls {
		if len(f.members(c.q)) == 0 {
			continue
		}
		if best == nil {
			best = c
			continue
		}
		pc, pb := f.queues[c.q].Priority, f.queues[best.q].Priority
		if pc > pb || pc == pb && before(c, best) {
			best = c
		}
	}
	if best == nil {
		return "", 0, false
	}
	q := best.q
	members := f.members(q)
	top := 0
	for i, a := range members {
		if s := f.agents[a].mem[q]; i == 0 || s > top {
			top = s
		}
	}
	var cands []AgentID // in id order
	for _, a := range members {
		if f.agents[a].mem[q] == top {
			cands = append(cands, a)
		}
	}
	var chosen AgentID
	switch f.queues[q].Strategy {
	case RoundRobin:
		chosen = cands[0]
		if last, ok := f.turn[q]; ok {
			for _, a := range cands {
				if a > last {
					chosen = a
					break
				}
			}
		}
	case FewestCalls:
		chosen = cands[0]
		for _, a := range cands[1:] {
			x, y := f.agents[a], f.agents[chosen]
			if x.answered < y.answered || x.answered == y.answered && idler(x, y) {
				chosen = a
			}
		}
	default:
		chosen = cands[0]
		for _, a := range cands[1:] {
			if idler(f.agents[a], f.agents[chosen]) {
				chosen = a
			}
		}
	}
	ag := f.agents[chosen]
	ag.offered, ag.isOffered = q, true
	return best.id, chosen, true
}

func idler(x, y *refAgent) bool {
	if !x.idle.Equal(y.idle) {
		return x.idle.Before(y.idle)
	}
	return x.seq < y.seq
}

// The id spaces are small so that ops collide: the same calls, agents and
// queues come back again and again, and times tie.
const (
	nCalls  = 24
	nAgents = 12
	nQueues = 5
)

// ops reads operations from bytes; running out of bytes reads zeros.
type ops struct {
	data []byte
}

func (o *ops) byte() byte {
	if len(o.data) == 0 {
		return 0
	}
	b := o.data[0]
	o.data = o.data[1:]
	return b
}

func (o *ops) n(n int) int { return int(o.byte()) % n }

func (o *ops) time() time.Time { return at(o.n(8)) }

func (o *ops) memberships() []Membership {
	m := make([]Membership, o.n(4))
	for i := range m {
		m[i] = Membership{Queue: ID(o.n(nQueues)), Skill: 1 + o.n(3)}
	}
	return m
}

// runOps applies the operations encoded in data to a Router and to the
// reference, and checks after every step that they agree.
func runOps(t *testing.T, data []byte) {
	t.Helper()
	r, f := NewRouter(), newReference()
	applied := map[CallID]bool{} // taken by "apply Next" and not enqueued since
	o := &ops{data: data}
	var log []string
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("after %d ops %v:\n"+format, append([]any{len(log), log}, args...)...)
	}
	for step := 0; len(o.data) > 0; step++ {
		switch op := o.n(10); op {
		case 0, 1:
			c, q, when := CallID(fmt.Sprint("c", o.n(nCalls))), ID(o.n(nQueues)), o.time()
			log = append(log, fmt.Sprintf("Enqueue(%s,%d,%d)", c, q, when.Sub(t0)/time.Second))
			r.Enqueue(c, q, when)
			f.enqueue(c, q, when)
			delete(applied, c)
		case 2:
			c := CallID(fmt.Sprint("c", o.n(nCalls)))
			if o.n(2) == 0 {
				log = append(log, fmt.Sprintf("Remove(%s)", c))
				if got, want := r.Remove(c), f.remove(c); got != want {
					fail("Remove(%s) = %v, want %v", c, got, want)
				}
			} else {
				log = append(log, fmt.Sprintf("Take(%s)", c))
				if got, want := r.Take(c), f.take(c); got != want {
					fail("Take(%s) = %v, want %v", c, got, want)
				}
			}
		case 3:
			a, m, when := AgentID(o.n(nAgents)), o.memberships(), o.time()
			log = append(log, fmt.Sprintf("SetReadyWithSkills(%d,%v,%d)", a, m, when.Sub(t0)/time.Second))
			r.SetReadyWithSkills(a, m, when)
			f.setReady(a, m, when)
		case 4:
			a, when := AgentID(o.n(nAgents)), o.time()
			qs := make([]ID, o.n(3))
			m := make([]Membership, len(qs))
			for i := range qs {
				qs[i] = ID(o.n(nQueues))
				m[i] = Membership{qs[i], 1}
			}
			log = append(log, fmt.Sprintf("SetReady(%d,%v,%d)", a, qs, when.Sub(t0)/time.Second))
			r.SetReady(a, qs, when)
			f.setReady(a, m, when)
		case 5:
			a := AgentID(o.n(nAgents))
			log = append(log, fmt.Sprintf("SetUnavailable(%d)", a))
			r.SetUnavailable(a)
			f.setUnavailable(a)
		case 6:
			a := AgentID(o.n(nAgents))
			if o.n(4) == 0 {
				log = append(log, fmt.Sprintf("ResetCounts(%d)", a))
				r.ResetCounts(a)
				f.resetCounts(a)
			} else {
				log = append(log, fmt.Sprintf("CallAnswered(%d)", a))
				r.CallAnswered(a)
				f.answered(a)
			}
		case 7:
			if o.n(8) == 0 {
				q := ID(o.n(nQueues))
				log = append(log, fmt.Sprintf("RemoveQueue(%d)", q))
				if got, want := r.RemoveQueue(q), f.removeQueue(q); !slices.Equal(got, want) {
					fail("RemoveQueue(%d) = %v, want %v", q, got, want)
				}
			} else {
				cfg := QueueConfig{ID: ID(o.n(nQueues)), Priority: o.n(3) - 1, Strategy: Strategy(o.n(4))}
				log = append(log, fmt.Sprintf("SetQueue(%+v)", cfg))
				r.SetQueue(cfg)
				f.setQueue(cfg)
			}
		default: // apply Next, the way the app does; an answer may follow
			c, a, ok := r.Next()
			f.next()
			log = append(log, "apply Next")
			if ok {
				r.Take(c)
				r.SetUnavailable(a)
				f.take(c)
				f.setUnavailable(a)
				applied[c] = true
				if o.n(2) == 0 {
					log = append(log, fmt.Sprintf("CallAnswered(%d)", a))
					r.CallAnswered(a)
					f.answered(a)
				}
			}
		}
		check(t, r, f, applied, fail)
	}
}

func check(t *testing.T, r *Router, f *reference, applied map[CallID]bool, fail func(string, ...any)) {
	t.Helper()
	c, a, ok := r.Next()
	wc, wa, wok := f.next()
	if c != wc || a != wa || ok != wok {
		fail("Next = %q, %d, %v; reference %q, %d, %v", c, a, ok, wc, wa, wok)
	}
	anyMatch := false
	for _, rc := range f.calls {
		anyMatch = anyMatch || len(f.members(rc.q)) > 0
	}
	if ok != anyMatch {
		fail("Next ok = %v, but a waiting call with a Ready member: %v", ok, anyMatch)
	}
	if ok {
		rc := f.calls[c]
		if rc == nil || !r.IsWaiting(c) {
			fail("Next chose %s, which is not waiting", c)
		}
		if applied[c] {
			fail("Next chose %s again after it was applied", c)
		}
		ag := f.agents[a]
		if _, member := ag.mem[rc.q]; !ag.ready || !member {
			fail("Next chose agent %d, not a Ready member of queue %d", a, rc.q)
		}
	}
	for q := range ID(nQueues) {
		want := f.queue(q)
		if got := r.Waiting(q); got != len(want) {
			fail("Waiting(%d) = %d, want %d", q, got, len(want))
		}
		if got := r.ReadyCount(q); got != len(f.members(q)) {
			fail("ReadyCount(%d) = %d, want %d", q, got, len(f.members(q)))
		}
		oc, ot, ook := r.Oldest(q)
		if ook != (len(want) > 0) || ook && (oc != want[0].id || !ot.Equal(want[0].arrived)) {
			fail("Oldest(%d) = %s, %v, %v", q, oc, ot, ook)
		}
		for i, w := range want {
			if pos, ok := r.Position(w.id); !ok || pos != i+1 {
				fail("Position(%s) = %d, %v; want %d", w.id, pos, ok, i+1)
			}
		}
	}
	for i := range nCalls {
		c := CallID(fmt.Sprint("c", i))
		_, want := f.calls[c]
		if r.IsWaiting(c) != want {
			fail("IsWaiting(%s) = %v, want %v", c, !want, want)
		}
		if _, ok := r.Position(c); ok != want {
			fail("Position(%s) ok = %v, want %v", c, ok, want)
		}
	}
}

func TestRouterMatchesReference(t *testing.T) {
	tests := []struct {
		name  string
		seed  uint64
		steps int
	}{
		{name: "seed 1", seed: 1, steps: 5000},
		{name: "seed 2", seed: 2, steps: 5000},
		{name: "seed 3", seed: 3, steps: 5000},
		{name: "seed 4", seed: 4, steps: 5000},
		{name: "seed 5", seed: 5, steps: 5000},
		{name: "seed 6", seed: 6, steps: 5000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(tt.seed, 0x5eed))
			data := make([]byte, tt.steps*6) // an op reads at most 9 bytes, most fewer
			for i := range data {
				data[i] = byte(rng.UintN(256))
			}
			runOps(t, data)
		})
	}
}

func FuzzRouter(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 0, 3, 1, 1, 1, 9, 0})
	f.Add([]byte{7, 1, 1, 1, 2, 3, 3, 2, 1, 1, 1, 0, 3, 1, 1, 1, 2, 9, 0, 6, 1, 1})
	rng := rand.New(rand.NewPCG(7, 7))
	for range 4 {
		b := make([]byte, 300)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4000 {
			data = data[:4000] // the reference is slow; long inputs add little
		}
		runOps(t, data)
	})
}
