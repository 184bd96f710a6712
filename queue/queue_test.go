package queue

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// A step is one call on a router; the table tests list a case's calls in
// the order they are made.
type step func(r *Router)

func run(r *Router, steps []step) {
	for _, s := range steps {
		s(r)
	}
}

func enqueue(c CallID, q ID, s int) step { return func(r *Router) { r.Enqueue(c, q, at(s)) } }
func remove(c CallID) step               { return func(r *Router) { r.Remove(c) } }
func take(c CallID) step                 { return func(r *Router) { r.Take(c) } }
func setQueue(cfg QueueConfig) step      { return func(r *Router) { r.SetQueue(cfg) } }
func removeQueue(q ID) step              { return func(r *Router) { r.RemoveQueue(q) } }
func unavailable(a AgentID) step         { return func(r *Router) { r.SetUnavailable(a) } }
func answered(a AgentID) step            { return func(r *Router) { r.CallAnswered(a) } }
func resetCounts(a AgentID) step         { return func(r *Router) { r.ResetCounts(a) } }

// ready makes agent a Ready in queues qs (skill 0), idle since second s.
func ready(a AgentID, s int, qs ...ID) step {
	return func(r *Router) { r.SetReady(a, qs, at(s)) }
}

// readySkills makes agent a Ready with skills, idle since second s.
func readySkills(a AgentID, s int, m ...Membership) step {
	return func(r *Router) { r.SetReadyWithSkills(a, m, at(s)) }
}

// served: Next offers call c to agent a, who answers it.
func served(c CallID, a AgentID) step {
	return func(r *Router) {
		r.Next()
		answer(r, c, a)
	}
}

// turnTaken: queue 1 is round robin and agent a answered its call "a",
// offered by Next, so the turn moved past a; call "b" waits.
func turnTaken(a AgentID) step {
	return func(r *Router) {
		run(r, []step{
			setQueue(QueueConfig{ID: 1, Strategy: RoundRobin}),
			enqueue("a", 1, 0), ready(a, 0, 1), served("a", a), enqueue("b", 1, 1),
		})
	}
}

// answer is what the tenant does when agent a answers call c: the call
// leaves the queue, the agent is busy and has answered one more.
func answer(r *Router, c CallID, a AgentID) {
	r.Remove(c)
	r.SetUnavailable(a)
	r.CallAnswered(a)
}

func TestNext(t *testing.T) {
	tests := []struct {
		name      string
		steps     []step
		wantCall  CallID
		wantAgent AgentID
		wantNone  bool
	}{
		{
			name:     "nothing waiting",
			steps:    []step{ready(1, 0, 1)},
			wantNone: true,
		},
		{
			name:     "nobody ready",
			steps:    []step{enqueue("a", 1, 0)},
			wantNone: true,
		},
		{
			name:     "agent of another queue",
			steps:    []step{enqueue("a", 1, 0), ready(1, 0, 2)},
			wantNone: true,
		},
		{
			name:     "ready with no queues",
			steps:    []step{enqueue("a", 1, 0), ready(1, 0)},
			wantNone: true,
		},
		{
			name:     "one call one agent",
			steps:    []step{enqueue("a", 1, 0), ready(7, 0, 1)},
			wantCall: "a", wantAgent: 7,
		},
		{
			name:     "oldest call first",
			steps:    []step{enqueue("late", 1, 5), enqueue("early", 1, 1), ready(7, 0, 1)},
			wantCall: "early", wantAgent: 7,
		},
		{
			name:     "same arrival: first enqueued first",
			steps:    []step{enqueue("x", 1, 1), enqueue("y", 1, 1), ready(7, 0, 1)},
			wantCall: "x", wantAgent: 7,
		},
		{
			name: "requeue with original arrival goes to the head",
			steps: []step{
				enqueue("first", 1, 1), enqueue("second", 1, 2),
				remove("first"), // offered, not answered
				enqueue("third", 1, 3), enqueue("first", 1, 1),
				ready(7, 0, 1),
			},
			wantCall: "first", wantAgent: 7,
		},
		{
			name:     "enqueuing a waiting call moves it to another queue",
			steps:    []step{enqueue("a", 1, 1), enqueue("b", 2, 2), enqueue("a", 3, 1), ready(7, 0, 1, 2)},
			wantCall: "b", wantAgent: 7,
		},
		{
			name:     "oldest call across queues",
			steps:    []step{enqueue("q1", 1, 9), enqueue("q2", 2, 3), ready(1, 0, 1, 2)},
			wantCall: "q2", wantAgent: 1,
		},
		{
			name:     "older call with no ready member is skipped",
			steps:    []step{enqueue("q1", 1, 1), enqueue("q2", 2, 3), ready(1, 0, 2)},
			wantCall: "q2", wantAgent: 1,
		},
		{
			name: "priority beats arrival",
			steps: []step{
				setQueue(QueueConfig{ID: 2, Priority: 5}),
				enqueue("old", 1, 0), enqueue("vip", 2, 60),
				ready(1, 0, 1, 2),
			},
			wantCall: "vip", wantAgent: 1,
		},
		{
			name: "negative priority comes after unconfigured",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Priority: -1}),
				enqueue("old", 1, 0), enqueue("new", 2, 60),
				ready(1, 0, 1, 2),
			},
			wantCall: "new", wantAgent: 1,
		},
		{
			name: "high priority queue without ready member is skipped",
			steps: []step{
				setQueue(QueueConfig{ID: 2, Priority: 5}),
				enqueue("old", 1, 0), enqueue("vip", 2, 60),
				ready(1, 0, 1),
			},
			wantCall: "old", wantAgent: 1,
		},
		{
			name: "equal priority: older head wins",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Priority: 3}), setQueue(QueueConfig{ID: 2, Priority: 3}),
				enqueue("b", 2, 5), enqueue("a", 1, 4),
				ready(1, 0, 1, 2),
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name:     "longest idle agent",
			steps:    []step{enqueue("a", 1, 0), ready(1, 30, 1), ready(2, 10, 1), ready(3, 20, 1)},
			wantCall: "a", wantAgent: 2,
		},
		{
			name:     "longest idle tie: made ready first",
			steps:    []step{enqueue("a", 1, 0), ready(9, 10, 1), ready(2, 10, 1)},
			wantCall: "a", wantAgent: 9,
		},
		{
			name:     "ready again counts as made ready later",
			steps:    []step{enqueue("a", 1, 0), ready(9, 10, 1), ready(2, 10, 1), ready(9, 10, 1)},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "skill beats idle time",
			steps: []step{
				enqueue("a", 1, 0),
				readySkills(1, 0, Membership{1, 10}), readySkills(2, 50, Membership{1, 80}),
				readySkills(3, 40, Membership{1, 80}),
			},
			wantCall: "a", wantAgent: 3,
		},
		{
			name: "skill is per queue",
			steps: []step{
				enqueue("a", 2, 0),
				readySkills(1, 0, Membership{1, 90}, Membership{2, 10}),
				readySkills(2, 50, Membership{1, 10}, Membership{2, 20}),
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "queue named twice keeps the higher skill",
			steps: []step{
				enqueue("a", 1, 0),
				readySkills(1, 50, Membership{1, 90}, Membership{1, 10}), readySkills(2, 0, Membership{1, 50}),
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "agent in two queues serves the better call",
			steps: []step{
				setQueue(QueueConfig{ID: 2, Priority: 1}),
				enqueue("sales", 1, 0), enqueue("support", 2, 9),
				readySkills(4, 0, Membership{1, 100}, Membership{2, 1}),
			},
			wantCall: "support", wantAgent: 4,
		},
		{
			name:     "set ready replaces memberships",
			steps:    []step{enqueue("a", 1, 0), enqueue("b", 2, 5), ready(1, 0, 1), ready(1, 0, 2)},
			wantCall: "b", wantAgent: 1,
		},
		{
			name:     "unavailable leaves every queue",
			steps:    []step{enqueue("a", 1, 0), enqueue("b", 2, 5), ready(1, 0, 1, 2), unavailable(1)},
			wantNone: true,
		},
		{
			name: "fewest calls",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
				answered(1), answered(1), answered(2),
				enqueue("a", 1, 0),
				ready(1, 0, 1), ready(2, 10, 1), ready(3, 20, 1),
			},
			wantCall: "a", wantAgent: 3,
		},
		{
			name: "fewest calls tie: longest idle",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
				answered(1), answered(2), answered(3), answered(3),
				enqueue("a", 1, 0),
				ready(1, 20, 1), ready(2, 10, 1), ready(3, 0, 1),
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "fewest calls tie on idle: made ready first",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
				enqueue("a", 1, 0),
				ready(5, 10, 1), ready(2, 10, 1),
			},
			wantCall: "a", wantAgent: 5,
		},
		{
			name: "answered while ready moves the agent",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
				enqueue("a", 1, 0),
				ready(1, 0, 1), ready(2, 10, 1),
				answered(1),
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "reset counts",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
				answered(1),
				resetCounts(1),
				enqueue("a", 1, 0),
				ready(1, 0, 1), ready(2, 10, 1),
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "skill beats fewest calls",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
				answered(1),
				enqueue("a", 1, 0),
				readySkills(1, 0, Membership{1, 2}), readySkills(2, 0, Membership{1, 1}),
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "round robin starts at the lowest id",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: RoundRobin}),
				enqueue("a", 1, 0),
				ready(8, 0, 1), ready(3, 10, 1), ready(5, 20, 1),
			},
			wantCall: "a", wantAgent: 3,
		},
		{
			name:     "round robin: the next id after the last who answered",
			steps:    []step{turnTaken(5), ready(8, 0, 1), ready(3, 0, 1), ready(5, 0, 1)},
			wantCall: "b", wantAgent: 8,
		},
		{
			name:     "round robin wraps around",
			steps:    []step{turnTaken(9), ready(8, 0, 1), ready(3, 0, 1)},
			wantCall: "b", wantAgent: 3,
		},
		{
			name: "round robin within the highest skill",
			steps: []step{
				turnTaken(5),
				readySkills(6, 0, Membership{1, 1}), readySkills(2, 0, Membership{1, 7}),
				readySkills(4, 0, Membership{1, 7}),
			},
			wantCall: "b", wantAgent: 2,
		},
		{
			name: "round robin turn is per queue",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: RoundRobin}),
				setQueue(QueueConfig{ID: 2, Strategy: RoundRobin}),
				enqueue("a", 2, 0),
				ready(5, 0, 1, 2),
				served("a", 5), // a call of queue 2: queue 1's turn does not move
				enqueue("b", 1, 1),
				ready(8, 0, 1, 2), ready(3, 0, 1, 2), ready(5, 0, 1, 2),
			},
			wantCall: "b", wantAgent: 3,
		},
		{
			name: "answered without an offer from Next leaves the turn",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: RoundRobin}),
				answered(5),
				enqueue("b", 1, 1),
				ready(8, 0, 1), ready(3, 0, 1), ready(5, 0, 1),
			},
			wantCall: "b", wantAgent: 3,
		},
		{
			name: "strategy change applies to ready members",
			steps: []step{
				answered(1),
				enqueue("a", 1, 0),
				ready(1, 0, 1), ready(2, 10, 1),
				setQueue(QueueConfig{ID: 1, Strategy: FewestCalls}),
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "unknown strategy is longest idle",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Strategy: Strategy(42)}),
				enqueue("a", 1, 0),
				ready(2, 10, 1), ready(1, 5, 1),
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "removed queue drops its memberships",
			steps: []step{
				enqueue("a", 1, 0), enqueue("b", 2, 5),
				ready(1, 0, 1, 2),
				removeQueue(1),
				enqueue("a", 1, 0), // back in a fresh queue 1 with no members
			},
			wantCall: "b", wantAgent: 1,
		},
		{
			name: "monotonic reading is ignored",
			steps: []step{func(r *Router) {
				now := time.Now()
				r.Enqueue("mono", 1, now)
				r.Enqueue("wall", 1, now.Round(0).Add(-time.Nanosecond))
				r.SetReady(1, []ID{1}, now)
			}},
			wantCall: "wall", wantAgent: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			run(r, tt.steps)
			c, a, ok := r.Next()
			if tt.wantNone {
				if ok {
					t.Fatalf("Next = %s, %d; want nothing", c, a)
				}
				return
			}
			if !ok || c != tt.wantCall || a != tt.wantAgent {
				t.Fatalf("Next = %q, %d, %v; want %q, %d", c, a, ok, tt.wantCall, tt.wantAgent)
			}
			// Next changes nothing.
			if c2, a2, _ := r.Next(); c2 != c || a2 != a {
				t.Fatalf("second Next = %q, %d; want %q, %d", c2, a2, c, a)
			}
		})
	}
}

// TestTurns applies Next round after round: each chosen agent answers and
// is made Ready again at the given idle time.
func TestTurns(t *testing.T) {
	type agent struct {
		id  AgentID
		mem []Membership
	}
	tests := []struct {
		name     string
		queues   []QueueConfig
		agents   []agent
		calls    []ID // one call per round, of this queue
		readyAt  func(round int) time.Time
		want     []AgentID
		wantCall []CallID // optional
	}{
		{
			name:   "round robin cycles in id order",
			queues: []QueueConfig{{ID: 1, Strategy: RoundRobin}},
			agents: []agent{{30, []Membership{{1, 1}}}, {10, []Membership{{1, 1}}}, {20, []Membership{{1, 1}}}},
			calls:  []ID{1, 1, 1, 1, 1, 1, 1},
			want:   []AgentID{10, 20, 30, 10, 20, 30, 10},
		},
		{
			name:   "round robin ignores idle time",
			queues: []QueueConfig{{ID: 1, Strategy: RoundRobin}},
			agents: []agent{{1, []Membership{{1, 1}}}, {2, []Membership{{1, 1}}}},
			calls:  []ID{1, 1, 1, 1},
			readyAt: func(round int) time.Time {
				return at(-1000 * round) // each agent back "more idle" than the other
			},
			want: []AgentID{1, 2, 1, 2},
		},
		{
			name:   "longest idle alternates when agents come back later",
			queues: []QueueConfig{{ID: 1}},
			agents: []agent{{1, []Membership{{1, 1}}}, {2, []Membership{{1, 1}}}, {3, []Membership{{1, 1}}}},
			calls:  []ID{1, 1, 1, 1},
			want:   []AgentID{1, 2, 3, 1},
		},
		{
			name:    "longest idle keeps a never-ending agent first",
			queues:  []QueueConfig{{ID: 1}},
			agents:  []agent{{1, []Membership{{1, 1}}}, {2, []Membership{{1, 1}}}},
			calls:   []ID{1, 1, 1},
			readyAt: func(int) time.Time { return at(-5) },
			want:    []AgentID{1, 1, 1},
		},
		{
			name:    "fewest calls spreads the load",
			queues:  []QueueConfig{{ID: 1, Strategy: FewestCalls}},
			agents:  []agent{{1, []Membership{{1, 1}}}, {2, []Membership{{1, 1}}}, {3, []Membership{{1, 1}}}},
			calls:   []ID{1, 1, 1, 1, 1, 1},
			readyAt: func(int) time.Time { return at(-5) }, // idle time alone would keep choosing 1
			want:    []AgentID{1, 2, 3, 1, 2, 3},
		},
		{
			name: "round robin turns of two queues are apart",
			queues: []QueueConfig{
				{ID: 1, Strategy: RoundRobin},
				{ID: 2, Strategy: RoundRobin},
			},
			agents: []agent{
				{1, []Membership{{1, 1}, {2, 1}}},
				{2, []Membership{{1, 1}, {2, 1}}},
				{3, []Membership{{1, 1}, {2, 1}}},
			},
			calls: []ID{1, 2, 2, 1, 1, 2},
			want:  []AgentID{1, 1, 2, 2, 3, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			for _, q := range tt.queues {
				r.SetQueue(q)
			}
			mem := map[AgentID][]Membership{}
			for _, a := range tt.agents {
				mem[a.id] = a.mem
				r.SetReadyWithSkills(a.id, a.mem, at(0))
			}
			var got []AgentID
			for i, q := range tt.calls {
				c := CallID(rune('a' + i))
				r.Enqueue(c, q, at(i))
				gc, ga, ok := r.Next()
				if !ok || gc != c {
					t.Fatalf("round %d: Next = %q, %d, %v; want call %q", i, gc, ga, ok, c)
				}
				answer(r, gc, ga)
				idle := at(100 + i)
				if tt.readyAt != nil {
					idle = tt.readyAt(i + 1)
				}
				r.SetReadyWithSkills(ga, mem[ga], idle)
				got = append(got, ga)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("agents = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRemoveQueue(t *testing.T) {
	tests := []struct {
		name      string
		steps     []step
		remove    ID
		want      []CallID
		wantReady map[ID]int
	}{
		{
			name:   "unknown queue",
			steps:  []step{enqueue("a", 1, 0)},
			remove: 2,
		},
		{
			name: "returns its calls oldest first",
			steps: []step{
				setQueue(QueueConfig{ID: 1, Priority: 9}),
				enqueue("c", 1, 3), enqueue("a", 1, 1), enqueue("x", 2, 0), enqueue("b", 1, 2),
				enqueue("b2", 1, 2),
			},
			remove: 1,
			want:   []CallID{"a", "b", "b2", "c"},
		},
		{
			name:      "members stay ready in their other queues",
			steps:     []step{ready(1, 0, 1, 2), ready(2, 0, 1), enqueue("a", 1, 1)},
			remove:    1,
			want:      []CallID{"a"},
			wantReady: map[ID]int{1: 0, 2: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			run(r, tt.steps)
			got := r.RemoveQueue(tt.remove)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("RemoveQueue = %v, want %v", got, tt.want)
			}
			for _, c := range got {
				if r.IsWaiting(c) {
					t.Errorf("%s still waiting", c)
				}
			}
			if n := r.Waiting(tt.remove); n != 0 {
				t.Errorf("Waiting = %d after RemoveQueue", n)
			}
			for q, n := range tt.wantReady {
				if got := r.ReadyCount(q); got != n {
					t.Errorf("ReadyCount(%d) = %d, want %d", q, got, n)
				}
			}
		})
	}
}

func TestRemoveQueueForgetsSettings(t *testing.T) {
	r := NewRouter()
	r.SetQueue(QueueConfig{ID: 1, Priority: 9, Strategy: RoundRobin})
	r.RemoveQueue(1)
	r.Enqueue("a", 1, at(5))
	r.Enqueue("b", 2, at(1))
	r.SetReady(2, []ID{1, 2}, at(9))
	r.SetReady(1, []ID{1, 2}, at(10))
	if c, a, _ := r.Next(); c != "b" || a != 2 {
		t.Fatalf("Next = %s, %d; want b, 2 (priority 0, longest idle)", c, a)
	}
}

func TestPosition(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  map[CallID]int // 0: not waiting
	}{
		{
			name:  "arrival order",
			steps: []step{enqueue("c", 1, 3), enqueue("a", 1, 1), enqueue("b", 1, 2), enqueue("z", 2, 0)},
			want:  map[CallID]int{"a": 1, "b": 2, "c": 3, "z": 1},
		},
		{
			name: "after removals",
			steps: []step{
				enqueue("a", 1, 0), enqueue("b", 1, 1), enqueue("c", 1, 2), enqueue("d", 1, 3), enqueue("e", 1, 4),
				remove("a"), remove("c"),
			},
			want: map[CallID]int{"a": 0, "b": 1, "c": 0, "d": 2, "e": 3},
		},
		{
			name:  "requeued call goes back to the head",
			steps: []step{enqueue("a", 1, 1), enqueue("b", 1, 2), remove("a"), enqueue("c", 1, 3), enqueue("a", 1, 1)},
			want:  map[CallID]int{"a": 1, "b": 2, "c": 3},
		},
		{
			name:  "moved to another queue",
			steps: []step{enqueue("a", 1, 1), enqueue("b", 1, 2), enqueue("c", 2, 0), enqueue("a", 2, 1)},
			want:  map[CallID]int{"a": 2, "b": 1, "c": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			run(r, tt.steps)
			for c, want := range tt.want {
				pos, ok := r.Position(c)
				if ok != (want != 0) || pos != want {
					t.Errorf("Position(%s) = %d, %v; want %d", c, pos, ok, want)
				}
			}
		})
	}
}

// TestSameArrivalKeepsTurn: among calls of the same arrival time, a call
// keeps the turn of its first Enqueue while the router knows it, also when
// it was taken out for an offer and put back (ring no answer, an agent
// lost): it must not lose the head of its queue to a caller who came at the
// same instant after it.
func TestSameArrivalKeepsTurn(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
		want  []CallID // queue 1, in the order served
	}{
		{
			name:  "first enqueued first",
			steps: []step{enqueue("a", 1, 1), enqueue("b", 1, 1)},
			want:  []CallID{"a", "b"},
		},
		{
			name:  "taken for an offer, then a caller of the same instant, then put back",
			steps: []step{enqueue("a", 1, 1), take("a"), enqueue("b", 1, 1), enqueue("a", 1, 1)},
			want:  []CallID{"a", "b"},
		},
		{
			name: "taken and put back twice",
			steps: []step{
				enqueue("a", 1, 1), enqueue("b", 1, 1),
				take("a"), enqueue("c", 1, 1), enqueue("a", 1, 1),
				take("a"), enqueue("c", 1, 1), enqueue("a", 1, 1),
			},
			want: []CallID{"a", "b", "c"},
		},
		{
			name: "taken twice before it is put back",
			steps: []step{
				enqueue("a", 1, 1),
				take("a"), take("a"), // a transfer's offer of a call already with an agent
				enqueue("b", 1, 1), enqueue("a", 1, 1),
			},
			want: []CallID{"a", "b"},
		},
		{
			name:  "put back into another queue",
			steps: []step{enqueue("a", 2, 1), take("a"), enqueue("b", 1, 1), enqueue("a", 1, 1)},
			want:  []CallID{"a", "b"},
		},
		{
			name:  "moved while waiting",
			steps: []step{enqueue("a", 1, 1), enqueue("b", 1, 1), enqueue("a", 1, 1)},
			want:  []CallID{"a", "b"},
		},
		{
			name: "removed, so a new call when enqueued again",
			steps: []step{
				enqueue("a", 1, 1),
				take("a"),
				remove("a"), // the call ended; its id comes again
				enqueue("b", 1, 1), enqueue("a", 1, 1),
			},
			want: []CallID{"b", "a"},
		},
		{
			name:  "an older arrival still goes first",
			steps: []step{enqueue("a", 1, 2), take("a"), enqueue("b", 1, 1), enqueue("a", 1, 2)},
			want:  []CallID{"b", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			run(r, tt.steps)
			for i, c := range tt.want {
				if pos, ok := r.Position(c); !ok || pos != i+1 {
					t.Errorf("Position(%s) = %d, %v; want %d", c, pos, ok, i+1)
				}
			}
			r.SetReady(7, []ID{1}, at(0))
			if c, _, ok := r.Next(); !ok || c != tt.want[0] {
				t.Errorf("Next chose %q, %v; want %q", c, ok, tt.want[0])
			}
		})
	}
}

func TestTakeWhatIsNotWaiting(t *testing.T) {
	r := NewRouter()
	if r.Take("a") {
		t.Fatal("Take of an unknown call reported it waiting")
	}
	r.Enqueue("a", 1, at(1))
	if !r.Take("a") || r.Take("a") {
		t.Fatal("Take should report true once")
	}
	if r.IsWaiting("a") || r.Waiting(1) != 0 {
		t.Fatal("a taken call is still waiting")
	}
	if r.Remove("a") {
		t.Fatal("Remove of a taken call reported it waiting")
	}
}

func TestCounts(t *testing.T) {
	r := NewRouter()
	r.Enqueue("a", 1, at(2))
	r.Enqueue("b", 1, at(1))
	r.Enqueue("c", 2, at(0))
	r.SetReady(1, []ID{1, 2}, at(0))
	r.SetReady(2, []ID{2}, at(0))
	tests := []struct {
		name           string
		q              ID
		waiting, ready int
		oldest         CallID
		oldestAt       time.Time
		hasOldest      bool
	}{
		{name: "queue 1", q: 1, waiting: 2, ready: 1, oldest: "b", oldestAt: at(1), hasOldest: true},
		{name: "queue 2", q: 2, waiting: 1, ready: 2, oldest: "c", oldestAt: at(0), hasOldest: true},
		{name: "unknown queue", q: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.Waiting(tt.q); got != tt.waiting {
				t.Errorf("Waiting = %d, want %d", got, tt.waiting)
			}
			if got := r.ReadyCount(tt.q); got != tt.ready {
				t.Errorf("ReadyCount = %d, want %d", got, tt.ready)
			}
			c, when, ok := r.Oldest(tt.q)
			if c != tt.oldest || !when.Equal(tt.oldestAt) || ok != tt.hasOldest {
				t.Errorf("Oldest = %s, %v, %v; want %s, %v, %v", c, when, ok, tt.oldest, tt.oldestAt, tt.hasOldest)
			}
		})
	}
}

func TestRemoveAndUnavailable(t *testing.T) {
	r := NewRouter()
	r.Enqueue("a", 1, at(1))
	r.SetReady(1, []ID{1}, at(0))
	r.SetUnavailable(1)
	r.SetUnavailable(1)
	r.SetUnavailable(99)
	if _, _, ok := r.Next(); ok {
		t.Fatal("unavailable agent chosen")
	}
	r.SetReady(1, []ID{1}, at(0))
	if !r.Remove("a") || r.Remove("a") {
		t.Fatal("Remove should report true once")
	}
	if r.IsWaiting("a") {
		t.Fatal("removed call still waiting")
	}
	if _, _, ok := r.Next(); ok {
		t.Fatal("removed call chosen")
	}
}

func TestStrategyNames(t *testing.T) {
	for text, want := range map[string]Strategy{"longest_idle": LongestIdle, "round_robin": RoundRobin, "fewest_calls": FewestCalls} {
		t.Run(text, func(t *testing.T) {
			got, err := ParseStrategy(text)
			if err != nil || got != want || got.String() != text {
				t.Fatalf("ParseStrategy(%q) = %v (%s), %v; want %v", text, int(got), got, err, int(want))
			}
			marshalled, err := got.MarshalText()
			if err != nil || string(marshalled) != text {
				t.Fatalf("MarshalText = %q, %v", marshalled, err)
			}
		})
	}
	for name, text := range map[string]string{"empty": "", "wrong case": "Round_Robin", "unknown": "random"} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseStrategy(text); !errors.Is(err, ErrUnknownStrategy) {
				t.Fatalf("ParseStrategy(%q) error = %v, want %v", text, err, ErrUnknownStrategy)
			}
			var s Strategy
			if err := s.UnmarshalText([]byte(text)); !errors.Is(err, ErrUnknownStrategy) {
				t.Fatalf("UnmarshalText error = %v", err)
			}
		})
	}
	if s := Strategy(7).String(); s != "Strategy(7)" {
		t.Fatalf("String = %q", s)
	}
	if _, err := Strategy(-1).MarshalText(); !errors.Is(err, ErrUnknownStrategy) {
		t.Fatalf("MarshalText of an unknown strategy: %v", err)
	}
	var zero Strategy
	if zero != LongestIdle {
		t.Fatal("zero value is not LongestIdle")
	}
}
