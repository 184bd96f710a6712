package queue

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func TestNext(t *testing.T) {
	type call struct {
		id      CallID
		q       ID
		arrived int
	}
	type agent struct {
		id     AgentID
		queues []ID
		idle   int
	}
	tests := []struct {
		name      string
		calls     []call
		agents    []agent
		wantCall  CallID
		wantAgent AgentID
		wantNone  bool
	}{
		{name: "nothing waiting", agents: []agent{{1, []ID{1}, 0}}, wantNone: true},
		{name: "nobody ready", calls: []call{{"a", 1, 0}}, wantNone: true},
		{name: "agent of another queue", calls: []call{{"a", 1, 0}}, agents: []agent{{1, []ID{2}, 0}}, wantNone: true},
		{name: "one call one agent", calls: []call{{"a", 1, 0}}, agents: []agent{{7, []ID{1}, 0}}, wantCall: "a", wantAgent: 7},
		{name: "oldest call first", calls: []call{{"late", 1, 5}, {"early", 1, 1}}, agents: []agent{{7, []ID{1}, 0}}, wantCall: "early", wantAgent: 7},
		{name: "longest idle agent", calls: []call{{"a", 1, 0}}, agents: []agent{{1, []ID{1}, 30}, {2, []ID{1}, 10}, {3, []ID{1}, 20}}, wantCall: "a", wantAgent: 2},
		{name: "oldest call across queues", calls: []call{{"q1", 1, 9}, {"q2", 2, 3}}, agents: []agent{{1, []ID{1, 2}, 0}}, wantCall: "q2", wantAgent: 1},
		{name: "older call with no agent is skipped", calls: []call{{"q1", 1, 1}, {"q2", 2, 3}}, agents: []agent{{1, []ID{2}, 0}}, wantCall: "q2", wantAgent: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRouter()
			for _, c := range tt.calls {
				r.Enqueue(c.id, c.q, at(c.arrived))
			}
			for _, a := range tt.agents {
				r.SetReady(a.id, a.queues, at(a.idle))
			}
			c, a, ok := r.Next()
			if tt.wantNone {
				if ok {
					t.Fatalf("Next = %s, %d; want nothing", c, a)
				}
				return
			}
			if !ok || c != tt.wantCall || a != tt.wantAgent {
				t.Fatalf("Next = %s, %d, %v; want %s, %d", c, a, ok, tt.wantCall, tt.wantAgent)
			}
		})
	}
}

func TestRequeueGoesToHead(t *testing.T) {
	r := NewRouter()
	r.Enqueue("first", 1, at(1))
	r.Enqueue("second", 1, at(2))
	if !r.Remove("first") {
		t.Fatal("first was not waiting")
	}
	// offered, not answered, put back with its original arrival time
	r.Enqueue("third", 1, at(3))
	r.Enqueue("first", 1, at(1))
	r.SetReady(1, []ID{1}, at(0))
	if c, _, _ := r.Next(); c != "first" {
		t.Fatalf("after requeue Next = %s, want first", c)
	}
	if r.Waiting(1) != 3 {
		t.Fatalf("Waiting = %d, want 3", r.Waiting(1))
	}
}

func TestRemoveAndUnavailable(t *testing.T) {
	r := NewRouter()
	r.Enqueue("a", 1, at(1))
	r.SetReady(1, []ID{1}, at(0))
	r.SetUnavailable(1)
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

func TestSameArrivalIsFirstComeFirstServed(t *testing.T) {
	r := NewRouter()
	r.Enqueue("x", 1, at(1))
	r.Enqueue("y", 1, at(1))
	r.SetReady(1, []ID{1}, at(0))
	if c, _, _ := r.Next(); c != "x" {
		t.Fatalf("Next = %s, want x", c)
	}
}
