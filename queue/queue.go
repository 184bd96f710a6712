// Package queue is the ACD: waiting calls per queue and the choice of which
// Ready agent gets which call. It is pure logic: no goroutines, no I/O, no
// clock of its own (every time is given by the caller). A Router belongs to
// the one goroutine that owns a tenant and is not safe for concurrent use.
//
// # Which call
//
// Next looks only at queues that have at least one Ready member. Among their
// waiting calls it chooses by
//
//  1. queue Priority, higher first (a queue never given to SetQueue has
//     Priority 0 and strategy LongestIdle);
//  2. arrival time, oldest first;
//  3. on equal arrival times, the call first enqueued first: a call keeps
//     its turn while it waits, when it is enqueued again (moved) and when it
//     is taken out with Take and put back; Remove forgets it.
//
// So the chosen call is the head of the best such queue. A call keeps its
// place: put back (a ring-no-answer, an agent's line lost) with its original
// arrival time, it goes before every call that arrived after it and every
// call of the same arrival time enqueued after it first was, that is to the
// head of its queue if it was the oldest. Times are compared by their
// wall-clock reading; a monotonic reading is ignored.
//
// # Which agent
//
// Among the Ready members of the chosen call's queue, the highest Skill in
// that queue comes first. Among those with that skill, the queue's Strategy
// decides:
//
//   - LongestIdle: the earliest idleSince; on equal times the agent made
//     Ready first (by the order of the SetReady calls).
//   - FewestCalls: the fewest CallAnswered since the agent's last
//     ResetCounts (counted over all queues); on equal counts, as LongestIdle.
//   - RoundRobin: the agents in the circular order of their AgentID: the
//     first one with an id greater than that of the agent who last answered
//     a call of this queue, else the lowest id. Before any call of the queue
//     has been answered, the lowest id.
//
// An agent may be a member of several queues with a different Skill in each.
// SetReady and SetReadyWithSkills replace all of an agent's memberships (and
// its idleSince); SetUnavailable takes the agent out of every queue.
//
// # Applying a decision
//
// Next changes nothing that routing depends on: the caller applies its
// decision with Take(call) and SetUnavailable(agent), and calls Next again
// for the next pair. Take, not Remove: the call may come back (the agent
// does not answer), and then it must keep its turn. Once a call is over,
// Remove forgets it. Next does note, for the agent it chose, the queue of the
// call; when that agent answers, CallAnswered moves that queue's round-robin
// turn to the agent. The note lasts until CallAnswered, ResetCounts or the
// agent's next SetReady, so call CallAnswered only when an agent answers a
// queue call that Next chose for them.
//
// # Cost
//
// Each queue keeps its waiting calls and its Ready members in ordered trees
// (treaps with subtree sizes, nodes in a reused arena) and an index map finds
// a call's or an agent's nodes. Next scans the queues (a tenant has few) and
// does O(log n) work in the one it picks; Enqueue, Take, Remove, Position
// and SetUnavailable are O(log n), SetReady is O(k log n) for k
// memberships. In a steady state none of them allocates.
package queue

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ID names a queue within a tenant.
type ID int64

// CallID names a waiting call.
type CallID string

// AgentID names an agent.
type AgentID int64

// Strategy chooses among the Ready members of a queue that share the highest
// skill. The zero value is LongestIdle.
type Strategy int

const (
	LongestIdle Strategy = iota // the earliest idleSince
	RoundRobin                  // the next agent id after the last one who answered
	FewestCalls                 // the fewest calls answered since ResetCounts
)

// ErrUnknownStrategy is returned by ParseStrategy for a name it does not know.
var ErrUnknownStrategy = errors.New("unknown queue strategy")

var strategyNames = [...]string{
	LongestIdle: "longest_idle",
	RoundRobin:  "round_robin",
	FewestCalls: "fewest_calls",
}

func (s Strategy) valid() bool { return s >= 0 && int(s) < len(strategyNames) }

// String returns the name that ParseStrategy accepts, e.g. "longest_idle".
func (s Strategy) String() string {
	if !s.valid() {
		return fmt.Sprintf("Strategy(%d)", int(s))
	}
	return strategyNames[s]
}

// ParseStrategy returns the strategy named "longest_idle", "round_robin" or
// "fewest_calls".
func ParseStrategy(name string) (Strategy, error) {
	if i := slices.Index(strategyNames[:], name); i >= 0 {
		return Strategy(i), nil
	}
	return 0, fmt.Errorf("parse strategy %q: %w", name, ErrUnknownStrategy)
}

// MarshalText implements encoding.TextMarshaler with the names of String.
func (s Strategy) MarshalText() ([]byte, error) {
	if !s.valid() {
		return nil, fmt.Errorf("marshal strategy %d: %w", int(s), ErrUnknownStrategy)
	}
	return []byte(strategyNames[s]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseStrategy.
func (s *Strategy) UnmarshalText(text []byte) error {
	v, err := ParseStrategy(string(text))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// QueueConfig holds the routing settings of a queue.
type QueueConfig struct {
	ID       ID
	Priority int      // calls of higher-priority queues are served first
	Strategy Strategy // how to choose among equally skilled Ready members
}

// Membership makes an agent a member of a queue with a skill in it.
type Membership struct {
	Queue ID
	Skill int // 1..100, higher is better; compared as given
}

// wall is a time's wall-clock reading, a total order unlike time.Time.Compare
// on a mixture of times with and without monotonic readings.
type wall struct {
	sec  int64
	nsec int32
}

func wallOf(t time.Time) wall { return wall{t.Unix(), int32(t.Nanosecond())} }

func (w wall) compare(o wall) int {
	switch {
	case w.sec < o.sec:
		return -1
	case w.sec > o.sec:
		return 1
	case w.nsec < o.nsec:
		return -1
	case w.nsec > o.nsec:
		return 1
	}
	return 0
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// callKey orders the calls of a queue: oldest arrival, then first enqueued.
type callKey struct {
	arrived wall
	seq     uint64 // unique per call: given by its first Enqueue, kept by Take
	id      CallID
}

func (k callKey) compare(o callKey) int {
	if c := k.arrived.compare(o.arrived); c != 0 {
		return c
	}
	return compareUint(k.seq, o.seq)
}

// agentKey orders the Ready members of a queue, best first: highest skill,
// then by the queue's strategy through primary (0, calls answered, or the
// agent id), idle and seq (the SetReady order; 0 for RoundRobin, where the
// agent id alone decides).
type agentKey struct {
	skill   int
	primary int64
	idle    wall
	seq     uint64
	agent   *agentState // not compared
}

func (k agentKey) compare(o agentKey) int {
	switch {
	case k.skill > o.skill:
		return -1
	case k.skill < o.skill:
		return 1
	case k.primary < o.primary:
		return -1
	case k.primary > o.primary:
		return 1
	}
	if c := k.idle.compare(o.idle); c != 0 {
		return c
	}
	return compareUint(k.seq, o.seq)
}

type queueState struct {
	cfg      QueueConfig
	calls    tree // of callKey
	agents   tree // of agentKey: the Ready members
	last     AgentID
	answered bool // whether last names the agent who last answered a call of this queue
}

type waitingCall struct {
	queue   *queueState
	key     callKey
	arrived time.Time // as given, for Oldest
}

type membership struct {
	queue *queueState
	skill int
	key   agentKey // as inserted in queue.agents
}

type agentState struct {
	id       AgentID
	ready    bool
	mem      []membership // while ready
	idle     wall
	seq      uint64 // of the last SetReady
	answered int64  // CallAnswered since ResetCounts
	offered  *queueState
}

// Router holds the waiting calls and the Ready agents of one tenant.
type Router struct {
	queues map[ID]*queueState
	order  []*queueState // the queues, for Next to scan
	calls  map[CallID]waitingCall
	taken  map[CallID]uint64 // the seq of each call taken out with Take, until it is enqueued again or removed
	agents map[AgentID]*agentState

	callNodes  arena[callKey]
	agentNodes arena[agentKey]
	seq        uint64

	scratch []Membership // SetReady's memberships, reused
}

// NewRouter returns an empty router.
func NewRouter() *Router {
	return &Router{
		queues: make(map[ID]*queueState),
		calls:  make(map[CallID]waitingCall),
		taken:  make(map[CallID]uint64),
		agents: make(map[AgentID]*agentState),

		callNodes:  newArena[callKey](),
		agentNodes: newArena[agentKey](),
	}
}

func (r *Router) queue(id ID) *queueState {
	q := r.queues[id]
	if q == nil {
		q = &queueState{cfg: QueueConfig{ID: id}}
		r.queues[id] = q
		r.order = append(r.order, q)
	}
	return q
}

// SetQueue adds a queue or changes its settings. A Strategy that is not one
// of the constants counts as LongestIdle.
func (r *Router) SetQueue(cfg QueueConfig) {
	if !cfg.Strategy.valid() {
		cfg.Strategy = LongestIdle
	}
	q := r.queue(cfg.ID)
	old := q.cfg.Strategy
	q.cfg = cfg
	if old == cfg.Strategy {
		return
	}
	// The members' keys depend on the strategy: insert them anew.
	keys := r.agentNodes.keys(&q.agents, nil)
	r.agentNodes.clear(&q.agents)
	for _, k := range keys {
		ag := k.agent
		for i := range ag.mem {
			if m := &ag.mem[i]; m.queue == q {
				m.key = ag.key(m.skill, cfg.Strategy)
				r.agentNodes.insert(&q.agents, m.key)
			}
		}
	}
}

// RemoveQueue forgets a queue: its settings, its round-robin turn and the
// memberships of its Ready members. It returns the calls that were waiting in
// it, oldest first, for the caller to move elsewhere; they are no longer
// waiting.
func (r *Router) RemoveQueue(id ID) []CallID {
	q := r.queues[id]
	if q == nil {
		return nil
	}
	var out []CallID
	for _, k := range r.callNodes.keys(&q.calls, nil) {
		out = append(out, k.id)
		delete(r.calls, k.id)
	}
	r.callNodes.clear(&q.calls)
	for _, k := range r.agentNodes.keys(&q.agents, nil) {
		ag := k.agent
		ag.mem = slices.DeleteFunc(ag.mem, func(m membership) bool { return m.queue == q })
	}
	r.agentNodes.clear(&q.agents)
	delete(r.queues, id)
	r.order = slices.DeleteFunc(r.order, func(x *queueState) bool { return x == q })
	return out
}

// Enqueue adds a call to queue q. A call keeps its place by arrival time, so
// a call put back with its original arrival time goes before every call that
// arrived after it; among calls of the same arrival time it keeps the turn
// of its first Enqueue. Enqueuing a call that is already waiting moves it
// (to another queue, or to a new arrival time), and a call taken out with
// Take comes back with its turn.
func (r *Router) Enqueue(c CallID, q ID, arrived time.Time) {
	seq, ok := r.taken[c]
	delete(r.taken, c)
	if w, waiting := r.calls[c]; waiting {
		seq, ok = w.key.seq, true
		r.takeOut(c, w)
	}
	if !ok {
		r.seq++
		seq = r.seq
	}
	qs := r.queue(q)
	k := callKey{arrived: wallOf(arrived), seq: seq, id: c}
	r.callNodes.insert(&qs.calls, k)
	r.calls[c] = waitingCall{queue: qs, key: k, arrived: arrived}
}

// Take takes a waiting call out of its queue to offer it to an agent (the
// decision of Next), remembering its turn: enqueued again (the agent did not
// answer), it goes before the calls of its arrival time that it went before.
// It reports whether the call was waiting; a call that was not is left as it
// is. Once the call is over, Remove forgets its turn.
func (r *Router) Take(c CallID) bool {
	w, ok := r.calls[c]
	if !ok {
		return false
	}
	r.takeOut(c, w)
	r.taken[c] = w.key.seq
	return true
}

// Remove takes a call out of its queue and forgets it, also a call taken
// out with Take; it reports whether the call was waiting.
func (r *Router) Remove(c CallID) bool {
	delete(r.taken, c)
	w, ok := r.calls[c]
	if !ok {
		return false
	}
	r.takeOut(c, w)
	return true
}

func (r *Router) takeOut(c CallID, w waitingCall) {
	delete(r.calls, c)
	r.callNodes.delete(&w.queue.calls, w.key)
}

// Waiting returns the number of calls waiting in queue q.
func (r *Router) Waiting(q ID) int {
	if qs := r.queues[q]; qs != nil {
		return r.callNodes.size(&qs.calls)
	}
	return 0
}

// IsWaiting reports whether a call is waiting.
func (r *Router) IsWaiting(c CallID) bool {
	_, ok := r.calls[c]
	return ok
}

// Position returns a waiting call's place in its queue, 1 for the head, in
// the order in which the queue's calls are served.
func (r *Router) Position(c CallID) (pos int, ok bool) {
	w, ok := r.calls[c]
	if !ok {
		return 0, false
	}
	return r.callNodes.below(&w.queue.calls, w.key) + 1, true
}

// Oldest returns the head of queue q: the call it serves next, and the
// arrival time it was enqueued with.
func (r *Router) Oldest(q ID) (CallID, time.Time, bool) {
	qs := r.queues[q]
	if qs == nil || qs.calls.min == 0 {
		return "", time.Time{}, false
	}
	c := r.callNodes.nodes[qs.calls.min].key.id
	return c, r.calls[c].arrived, true
}

// ReadyCount returns the number of Ready members of queue q.
func (r *Router) ReadyCount(q ID) int {
	if qs := r.queues[q]; qs != nil {
		return r.agentNodes.size(&qs.agents)
	}
	return 0
}

// SetReady makes an agent available for calls of the given queues, with
// skill 1 in each; see SetReadyWithSkills.
func (r *Router) SetReady(a AgentID, queues []ID, idleSince time.Time) {
	r.scratch = r.scratch[:0]
	for _, q := range queues {
		r.scratch = append(r.scratch, Membership{Queue: q, Skill: 1})
	}
	r.SetReadyWithSkills(a, r.scratch, idleSince)
}

// SetReadyWithSkills makes an agent available for calls of the queues it is
// a member of, replacing its memberships and idle time if it was Ready
// already. idleSince orders agents for LongestIdle (earliest first) and
// breaks ties for FewestCalls. A queue named twice counts once, with the
// higher skill.
func (r *Router) SetReadyWithSkills(a AgentID, m []Membership, idleSince time.Time) {
	ag := r.agent(a)
	r.detach(ag)
	for _, x := range m {
		q := r.queue(x.Queue)
		if i := slices.IndexFunc(ag.mem, func(m membership) bool { return m.queue == q }); i >= 0 {
			ag.mem[i].skill = max(ag.mem[i].skill, x.Skill)
			continue
		}
		ag.mem = append(ag.mem, membership{queue: q, skill: x.Skill})
	}
	r.seq++
	ag.ready, ag.idle, ag.seq, ag.offered = true, wallOf(idleSince), r.seq, nil
	for i := range ag.mem {
		m := &ag.mem[i]
		m.key = ag.key(m.skill, m.queue.cfg.Strategy)
		r.agentNodes.insert(&m.queue.agents, m.key)
	}
}

// SetUnavailable takes an agent out of every queue.
func (r *Router) SetUnavailable(a AgentID) {
	if ag := r.agents[a]; ag != nil {
		r.detach(ag)
	}
}

// CallAnswered records that an agent answered a call Next chose for them: it
// counts for FewestCalls and, in the queue of that call, makes the agent the
// one the round-robin turn moves on from.
func (r *Router) CallAnswered(a AgentID) {
	ag := r.agent(a)
	r.rekey(ag, func() { ag.answered++ })
	if q := ag.offered; q != nil { // a queue removed since is no longer in r.queues: harmless
		ag.offered = nil
		q.last, q.answered = a, true
	}
}

// ResetCounts sets an agent's count of answered calls back to zero, for a
// new session.
func (r *Router) ResetCounts(a AgentID) {
	ag := r.agents[a]
	if ag == nil {
		return
	}
	r.rekey(ag, func() { ag.answered = 0 })
	ag.offered = nil
	if !ag.ready {
		delete(r.agents, a)
	}
}

// Next returns the call to offer and the agent to offer it to, by the rules
// of the package comment, or false if no waiting call has a Ready member. It
// changes nothing that routing depends on: the caller applies the decision
// with Take and SetUnavailable.
func (r *Router) Next() (CallID, AgentID, bool) {
	var (
		best *queueState
		head *callKey
	)
	for _, q := range r.order {
		if q.calls.min == 0 || q.agents.root == 0 {
			continue
		}
		h := &r.callNodes.nodes[q.calls.min].key
		if best == nil || q.cfg.Priority > best.cfg.Priority ||
			q.cfg.Priority == best.cfg.Priority && h.compare(*head) < 0 {
			best, head = q, h
		}
	}
	if best == nil {
		return "", 0, false
	}
	ag := r.member(best)
	ag.offered = best
	return head.id, ag.id, true
}

// member returns the Ready member of q who gets its next call.
func (r *Router) member(q *queueState) *agentState {
	top := &r.agentNodes.nodes[q.agents.min].key
	if q.cfg.Strategy == RoundRobin && q.answered {
		probe := agentKey{skill: top.skill, primary: int64(q.last)}
		if n := r.agentNodes.after(&q.agents, probe); n != 0 && r.agentNodes.nodes[n].key.skill == top.skill {
			return r.agentNodes.nodes[n].key.agent
		}
	}
	return top.agent
}

func (r *Router) agent(a AgentID) *agentState {
	ag := r.agents[a]
	if ag == nil {
		ag = &agentState{id: a}
		r.agents[a] = ag
	}
	return ag
}

// detach takes a Ready agent out of all its queues.
func (r *Router) detach(ag *agentState) {
	if !ag.ready {
		return
	}
	for _, m := range ag.mem {
		r.agentNodes.delete(&m.queue.agents, m.key)
	}
	clear(ag.mem)
	ag.mem = ag.mem[:0]
	ag.ready = false
}

// rekey applies change to the agent and moves it in the FewestCalls queues
// it is a Ready member of.
func (r *Router) rekey(ag *agentState, change func()) {
	for _, m := range ag.mem {
		if m.queue.cfg.Strategy == FewestCalls {
			r.agentNodes.delete(&m.queue.agents, m.key)
		}
	}
	change()
	for i := range ag.mem {
		if m := &ag.mem[i]; m.queue.cfg.Strategy == FewestCalls {
			m.key = ag.key(m.skill, FewestCalls)
			r.agentNodes.insert(&m.queue.agents, m.key)
		}
	}
}

// key is the agent's place among the members of a queue.
func (ag *agentState) key(skill int, s Strategy) agentKey {
	switch s {
	case RoundRobin:
		return agentKey{skill: skill, primary: int64(ag.id), agent: ag}
	case FewestCalls:
		return agentKey{skill: skill, primary: ag.answered, idle: ag.idle, seq: ag.seq, agent: ag}
	default:
		return agentKey{skill: skill, idle: ag.idle, seq: ag.seq, agent: ag}
	}
}
