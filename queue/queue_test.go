package queue

import (
	"errors"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func skills(m ...Membership) []Membership { return m }

func TestNext(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(r *Router)
		wantCall  CallID
		wantAgent AgentID
		wantNone  bool
	}{
		{
			name:     "nothing waiting",
			setup:    func(r *Router) { r.SetReady(1, []ID{1}, at(0)) },
			wantNone: true,
		},
		{
			name:     "nobody ready",
			setup:    func(r *Router) { r.Enqueue("a", 1, at(0)) },
			wantNone: true,
		},
		{
			name: "agent of another queue",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{2}, at(0))
			},
			wantNone: true,
		},
		{
			name: "ready with no queues",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, nil, at(0))
			},
			wantNone: true,
		},
		{
			name: "one call one agent",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReady(7, []ID{1}, at(0))
			},
			wantCall: "a", wantAgent: 7,
		},
		{
			name: "oldest call first",
			setup: func(r *Router) {
				r.Enqueue("late", 1, at(5))
				r.Enqueue("early", 1, at(1))
				r.SetReady(7, []ID{1}, at(0))
			},
			wantCall: "early", wantAgent: 7,
		},
		{
			name: "same arrival: first enqueued first",
			setup: func(r *Router) {
				r.Enqueue("x", 1, at(1))
				r.Enqueue("y", 1, at(1))
				r.SetReady(7, []ID{1}, at(0))
			},
			wantCall: "x", wantAgent: 7,
		},
		{
			name: "requeue with original arrival goes to the head",
			setup: func(r *Router) {
				r.Enqueue("first", 1, at(1))
				r.Enqueue("second", 1, at(2))
				r.Remove("first") // offered, not answered
				r.Enqueue("third", 1, at(3))
				r.Enqueue("first", 1, at(1))
				r.SetReady(7, []ID{1}, at(0))
			},
			wantCall: "first", wantAgent: 7,
		},
		{
			name: "enqueuing a waiting call moves it to another queue",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 2, at(2))
				r.Enqueue("a", 3, at(1))
				r.SetReady(7, []ID{1, 2}, at(0))
			},
			wantCall: "b", wantAgent: 7,
		},
		{
			name: "oldest call across queues",
			setup: func(r *Router) {
				r.Enqueue("q1", 1, at(9))
				r.Enqueue("q2", 2, at(3))
				r.SetReady(1, []ID{1, 2}, at(0))
			},
			wantCall: "q2", wantAgent: 1,
		},
		{
			name: "older call with no ready member is skipped",
			setup: func(r *Router) {
				r.Enqueue("q1", 1, at(1))
				r.Enqueue("q2", 2, at(3))
				r.SetReady(1, []ID{2}, at(0))
			},
			wantCall: "q2", wantAgent: 1,
		},
		{
			name: "priority beats arrival",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 2, Priority: 5})
				r.Enqueue("old", 1, at(0))
				r.Enqueue("vip", 2, at(60))
				r.SetReady(1, []ID{1, 2}, at(0))
			},
			wantCall: "vip", wantAgent: 1,
		},
		{
			name: "negative priority comes after unconfigured",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Priority: -1})
				r.Enqueue("old", 1, at(0))
				r.Enqueue("new", 2, at(60))
				r.SetReady(1, []ID{1, 2}, at(0))
			},
			wantCall: "new", wantAgent: 1,
		},
		{
			name: "high priority queue without ready member is skipped",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 2, Priority: 5})
				r.Enqueue("old", 1, at(0))
				r.Enqueue("vip", 2, at(60))
				r.SetReady(1, []ID{1}, at(0))
			},
			wantCall: "old", wantAgent: 1,
		},
		{
			name: "equal priority: older head wins",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Priority: 3})
				r.SetQueue(QueueConfig{ID: 2, Priority: 3})
				r.Enqueue("b", 2, at(5))
				r.Enqueue("a", 1, at(4))
				r.SetReady(1, []ID{1, 2}, at(0))
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "longest idle agent",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{1}, at(30))
				r.SetReady(2, []ID{1}, at(10))
				r.SetReady(3, []ID{1}, at(20))
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "longest idle tie: made ready first",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReady(9, []ID{1}, at(10))
				r.SetReady(2, []ID{1}, at(10))
			},
			wantCall: "a", wantAgent: 9,
		},
		{
			name: "ready again counts as made ready later",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReady(9, []ID{1}, at(10))
				r.SetReady(2, []ID{1}, at(10))
				r.SetReady(9, []ID{1}, at(10))
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "skill beats idle time",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReadyWithSkills(1, skills(Membership{1, 10}), at(0))
				r.SetReadyWithSkills(2, skills(Membership{1, 80}), at(50))
				r.SetReadyWithSkills(3, skills(Membership{1, 80}), at(40))
			},
			wantCall: "a", wantAgent: 3,
		},
		{
			name: "skill is per queue",
			setup: func(r *Router) {
				r.Enqueue("a", 2, at(0))
				r.SetReadyWithSkills(1, skills(Membership{1, 90}, Membership{2, 10}), at(0))
				r.SetReadyWithSkills(2, skills(Membership{1, 10}, Membership{2, 20}), at(50))
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "queue named twice keeps the higher skill",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.SetReadyWithSkills(1, skills(Membership{1, 90}, Membership{1, 10}), at(50))
				r.SetReadyWithSkills(2, skills(Membership{1, 50}), at(0))
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "agent in two queues serves the better call",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 2, Priority: 1})
				r.Enqueue("sales", 1, at(0))
				r.Enqueue("support", 2, at(9))
				r.SetReadyWithSkills(4, skills(Membership{1, 100}, Membership{2, 1}), at(0))
			},
			wantCall: "support", wantAgent: 4,
		},
		{
			name: "set ready replaces memberships",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.Enqueue("b", 2, at(5))
				r.SetReady(1, []ID{1}, at(0))
				r.SetReady(1, []ID{2}, at(0))
			},
			wantCall: "b", wantAgent: 1,
		},
		{
			name: "unavailable leaves every queue",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.Enqueue("b", 2, at(5))
				r.SetReady(1, []ID{1, 2}, at(0))
				r.SetUnavailable(1)
			},
			wantNone: true,
		},
		{
			name: "fewest calls",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
				r.CallAnswered(1)
				r.CallAnswered(1)
				r.CallAnswered(2)
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{1}, at(0))
				r.SetReady(2, []ID{1}, at(10))
				r.SetReady(3, []ID{1}, at(20))
			},
			wantCall: "a", wantAgent: 3,
		},
		{
			name: "fewest calls tie: longest idle",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
				r.CallAnswered(1)
				r.CallAnswered(2)
				r.CallAnswered(3)
				r.CallAnswered(3)
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{1}, at(20))
				r.SetReady(2, []ID{1}, at(10))
				r.SetReady(3, []ID{1}, at(0))
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "fewest calls tie on idle: made ready first",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
				r.Enqueue("a", 1, at(0))
				r.SetReady(5, []ID{1}, at(10))
				r.SetReady(2, []ID{1}, at(10))
			},
			wantCall: "a", wantAgent: 5,
		},
		{
			name: "answered while ready moves the agent",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{1}, at(0))
				r.SetReady(2, []ID{1}, at(10))
				r.CallAnswered(1)
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "reset counts",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
				r.CallAnswered(1)
				r.ResetCounts(1)
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{1}, at(0))
				r.SetReady(2, []ID{1}, at(10))
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "skill beats fewest calls",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
				r.CallAnswered(1)
				r.Enqueue("a", 1, at(0))
				r.SetReadyWithSkills(1, skills(Membership{1, 2}), at(0))
				r.SetReadyWithSkills(2, skills(Membership{1, 1}), at(0))
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "round robin starts at the lowest id",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: RoundRobin})
				r.Enqueue("a", 1, at(0))
				r.SetReady(8, []ID{1}, at(0))
				r.SetReady(3, []ID{1}, at(10))
				r.SetReady(5, []ID{1}, at(20))
			},
			wantCall: "a", wantAgent: 3,
		},
		{
			name: "round robin: the next id after the last who answered",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: RoundRobin})
				r.Enqueue("a", 1, at(0))
				r.SetReady(5, []ID{1}, at(0))
				r.Next()
				r.Remove("a")
				r.SetUnavailable(5)
				r.CallAnswered(5)
				r.Enqueue("b", 1, at(1))
				r.SetReady(8, []ID{1}, at(0))
				r.SetReady(3, []ID{1}, at(0))
				r.SetReady(5, []ID{1}, at(0))
			},
			wantCall: "b", wantAgent: 8,
		},
		{
			name: "round robin wraps around",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: RoundRobin})
				r.Enqueue("a", 1, at(0))
				r.SetReady(9, []ID{1}, at(0))
				r.Next()
				r.Remove("a")
				r.SetUnavailable(9)
				r.CallAnswered(9)
				r.Enqueue("b", 1, at(1))
				r.SetReady(8, []ID{1}, at(0))
				r.SetReady(3, []ID{1}, at(0))
			},
			wantCall: "b", wantAgent: 3,
		},
		{
			name: "round robin within the highest skill",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: RoundRobin})
				r.Enqueue("a", 1, at(0))
				r.SetReady(5, []ID{1}, at(0))
				r.Next()
				r.Remove("a")
				r.SetUnavailable(5)
				r.CallAnswered(5)
				r.Enqueue("b", 1, at(1))
				r.SetReadyWithSkills(6, skills(Membership{1, 1}), at(0))
				r.SetReadyWithSkills(2, skills(Membership{1, 7}), at(0))
				r.SetReadyWithSkills(4, skills(Membership{1, 7}), at(0))
			},
			wantCall: "b", wantAgent: 2,
		},
		{
			name: "round robin turn is per queue",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: RoundRobin})
				r.SetQueue(QueueConfig{ID: 2, Strategy: RoundRobin})
				r.Enqueue("a", 2, at(0))
				r.SetReady(5, []ID{1, 2}, at(0))
				r.Next()
				r.Remove("a")
				r.SetUnavailable(5)
				r.CallAnswered(5) // a call of queue 2: queue 1's turn does not move
				r.Enqueue("b", 1, at(1))
				r.SetReady(8, []ID{1, 2}, at(0))
				r.SetReady(3, []ID{1, 2}, at(0))
				r.SetReady(5, []ID{1, 2}, at(0))
			},
			wantCall: "b", wantAgent: 3,
		},
		{
			name: "answered without an offer from Next leaves the turn",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: RoundRobin})
				r.CallAnswered(5)
				r.Enqueue("b", 1, at(1))
				r.SetReady(8, []ID{1}, at(0))
				r.SetReady(3, []ID{1}, at(0))
				r.SetReady(5, []ID{1}, at(0))
			},
			wantCall: "b", wantAgent: 3,
		},
		{
			name: "strategy change applies to ready members",
			setup: func(r *Router) {
				r.CallAnswered(1)
				r.Enqueue("a", 1, at(0))
				r.SetReady(1, []ID{1}, at(0))
				r.SetReady(2, []ID{1}, at(10))
				r.SetQueue(QueueConfig{ID: 1, Strategy: FewestCalls})
			},
			wantCall: "a", wantAgent: 2,
		},
		{
			name: "unknown strategy is longest idle",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Strategy: Strategy(42)})
				r.Enqueue("a", 1, at(0))
				r.SetReady(2, []ID{1}, at(10))
				r.SetReady(1, []ID{1}, at(5))
			},
			wantCall: "a", wantAgent: 1,
		},
		{
			name: "removed queue drops its memberships",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(0))
				r.Enqueue("b", 2, at(5))
				r.SetReady(1, []ID{1, 2}, at(0))
				r.RemoveQueue(1)
				r.Enqueue("a", 1, at(0)) // back in a fresh queue 1 with no members
			},
			wantCall: "b", wantAgent: 1,
		},
		{
			name: "monotonic reading is ignored",
			setup: func(r *Router) {
				now := time.Now()
				r.Enqueue("mono", 1, now)
				r.Enqueue("wall", 1, now.Round(0).Add(-time.Nanosecond))
				r.SetReady(1, []ID{1}, now)
			},
			wantCall: "wall", wantAgent: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			tt.setup(r)
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
				r.Remove(gc)
				r.SetUnavailable(ga)
				r.CallAnswered(ga)
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
		setup     func(r *Router)
		remove    ID
		want      []CallID
		wantReady map[ID]int
	}{
		{
			name:   "unknown queue",
			setup:  func(r *Router) { r.Enqueue("a", 1, at(0)) },
			remove: 2,
		},
		{
			name: "returns its calls oldest first",
			setup: func(r *Router) {
				r.SetQueue(QueueConfig{ID: 1, Priority: 9})
				r.Enqueue("c", 1, at(3))
				r.Enqueue("a", 1, at(1))
				r.Enqueue("x", 2, at(0))
				r.Enqueue("b", 1, at(2))
				r.Enqueue("b2", 1, at(2))
			},
			remove: 1,
			want:   []CallID{"a", "b", "b2", "c"},
		},
		{
			name: "members stay ready in their other queues",
			setup: func(r *Router) {
				r.SetReady(1, []ID{1, 2}, at(0))
				r.SetReady(2, []ID{1}, at(0))
				r.Enqueue("a", 1, at(1))
			},
			remove:    1,
			want:      []CallID{"a"},
			wantReady: map[ID]int{1: 0, 2: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			tt.setup(r)
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
		setup func(r *Router)
		want  map[CallID]int // 0: not waiting
	}{
		{
			name: "arrival order",
			setup: func(r *Router) {
				r.Enqueue("c", 1, at(3))
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 1, at(2))
				r.Enqueue("z", 2, at(0))
			},
			want: map[CallID]int{"a": 1, "b": 2, "c": 3, "z": 1},
		},
		{
			name: "after removals",
			setup: func(r *Router) {
				for i, c := range []CallID{"a", "b", "c", "d", "e"} {
					r.Enqueue(c, 1, at(i))
				}
				r.Remove("a")
				r.Remove("c")
			},
			want: map[CallID]int{"a": 0, "b": 1, "c": 0, "d": 2, "e": 3},
		},
		{
			name: "requeued call goes back to the head",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 1, at(2))
				r.Remove("a")
				r.Enqueue("c", 1, at(3))
				r.Enqueue("a", 1, at(1))
			},
			want: map[CallID]int{"a": 1, "b": 2, "c": 3},
		},
		{
			name: "moved to another queue",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 1, at(2))
				r.Enqueue("c", 2, at(0))
				r.Enqueue("a", 2, at(1))
			},
			want: map[CallID]int{"a": 2, "b": 1, "c": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			tt.setup(r)
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
		setup func(r *Router)
		want  []CallID // queue 1, in the order served
	}{
		{
			name: "first enqueued first",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 1, at(1))
			},
			want: []CallID{"a", "b"},
		},
		{
			name: "taken for an offer, then a caller of the same instant, then put back",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Take("a")
				r.Enqueue("b", 1, at(1))
				r.Enqueue("a", 1, at(1))
			},
			want: []CallID{"a", "b"},
		},
		{
			name: "taken and put back twice",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 1, at(1))
				for range 2 {
					r.Take("a")
					r.Enqueue("c", 1, at(1))
					r.Enqueue("a", 1, at(1))
				}
			},
			want: []CallID{"a", "b", "c"},
		},
		{
			name: "taken twice before it is put back",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Take("a")
				r.Take("a") // a transfer's offer of a call already with an agent
				r.Enqueue("b", 1, at(1))
				r.Enqueue("a", 1, at(1))
			},
			want: []CallID{"a", "b"},
		},
		{
			name: "put back into another queue",
			setup: func(r *Router) {
				r.Enqueue("a", 2, at(1))
				r.Take("a")
				r.Enqueue("b", 1, at(1))
				r.Enqueue("a", 1, at(1))
			},
			want: []CallID{"a", "b"},
		},
		{
			name: "moved while waiting",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Enqueue("b", 1, at(1))
				r.Enqueue("a", 1, at(1))
			},
			want: []CallID{"a", "b"},
		},
		{
			name: "removed, so a new call when enqueued again",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(1))
				r.Take("a")
				r.Remove("a") // the call ended; its id comes again
				r.Enqueue("b", 1, at(1))
				r.Enqueue("a", 1, at(1))
			},
			want: []CallID{"b", "a"},
		},
		{
			name: "an older arrival still goes first",
			setup: func(r *Router) {
				r.Enqueue("a", 1, at(2))
				r.Take("a")
				r.Enqueue("b", 1, at(1))
				r.Enqueue("a", 1, at(2))
			},
			want: []CallID{"b", "a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			tt.setup(r)
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
	tests := []struct {
		name    string
		text    string
		want    Strategy
		wantErr error
	}{
		{name: "longest idle", text: "longest_idle", want: LongestIdle},
		{name: "round robin", text: "round_robin", want: RoundRobin},
		{name: "fewest calls", text: "fewest_calls", want: FewestCalls},
		{name: "empty", text: "", wantErr: ErrUnknownStrategy},
		{name: "wrong case", text: "Round_Robin", wantErr: ErrUnknownStrategy},
		{name: "unknown", text: "random", wantErr: ErrUnknownStrategy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStrategy(tt.text)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseStrategy(%q) error = %v, want %v", tt.text, err, tt.wantErr)
			}
			if err != nil {
				var s Strategy
				if err := s.UnmarshalText([]byte(tt.text)); !errors.Is(err, ErrUnknownStrategy) {
					t.Fatalf("UnmarshalText error = %v", err)
				}
				return
			}
			if got != tt.want || got.String() != tt.text {
				t.Fatalf("ParseStrategy(%q) = %v (%s), want %v", tt.text, int(got), got, int(tt.want))
			}
			text, err := got.MarshalText()
			if err != nil || string(text) != tt.text {
				t.Fatalf("MarshalText = %q, %v", text, err)
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
