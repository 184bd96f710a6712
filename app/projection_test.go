package app

import (
	"log/slog"
	"maps"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// The projections read lists of events alone here: no simulator, no loop.
// (The app's call-flow tests check them for real calls, and the loop checks
// the figures against a count from scratch after every input.)

var (
	t0    = time.Date(2026, 3, 2, 10, 0, 0, 0, time.Local)
	alice = ccaas.Agent{ID: 1, TenantID: 1, Username: "alice", Name: "Alice", Extension: "1001", Team: "Support"}
	bob   = ccaas.Agent{ID: 2, TenantID: 1, Username: "bob", Name: "Bob", Extension: "1002", Team: "Support"}
	carol = ccaas.Agent{ID: 3, TenantID: 1, Username: "carol", Name: "Carol", Extension: "1050", Team: "Support", Role: ccaas.RoleSupervisor}
	sales = ccaas.Queue{ID: 10, TenantID: 1, Name: "Sales", ServiceLevelSeconds: 20,
		Members: []ccaas.Member{{Agent: alice.ID}, {Agent: bob.ID}}}
	config = ccaas.TenantConfig{Tenant: ccaas.Tenant{ID: 1, Domain: "acme.example"},
		Agents: []ccaas.Agent{alice, bob, carol}, Queues: []ccaas.Queue{sales}}
)

func sec(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func moved(s int, ag ccaas.Agent, from, to wrapup.State) event.AgentChanged {
	return event.AgentChanged{Agent: ag.ID, Username: ag.Username, Transition: wrapup.Transition{From: from, To: to, At: sec(s)}}
}

func byQueue(ag ccaas.Agent) event.Agent {
	return event.Agent{ID: ag.ID, Username: ag.Username, Part: ccaas.PartAnswer, ByQueue: true}
}

// counts is what TestFigures compares of TenantStats.
type counts struct {
	loggedIn, talking, waiting, queueTalking int
	oldest                                   time.Time
	agents, members                          map[string]int // non-zero only
}

func countsOf(s TenantStats) counts {
	c := counts{loggedIn: s.LoggedIn, talking: s.Talking, agents: nonZero(s.Agents)}
	if len(s.Queues) == 1 {
		q := s.Queues[0]
		c.waiting, c.queueTalking, c.oldest, c.members = q.Waiting, q.Talking, q.Oldest, nonZero(q.Members)
	}
	return c
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

func TestFigures(t *testing.T) {
	const call = ccaas.CallID("c1-0000000000000001")
	queued := event.CallQueued{At: sec(10), Call: call, Queue: sales.ID, QueueName: "Sales", Position: 1, Entered: sec(10)}
	three := map[string]int{"logged_out": 3}
	steps := []struct {
		name string
		ev   event.Event
		want counts
	}{
		{"configured: every agent logged out", event.Configured{At: t0, Config: config},
			counts{agents: three, members: map[string]int{"logged_out": 2}}},
		{"alice logs in", moved(1, alice, wrapup.LoggedOut, wrapup.NotReady),
			counts{loggedIn: 1, agents: map[string]int{"logged_out": 2, "not_ready": 1}, members: map[string]int{"logged_out": 1, "not_ready": 1}}},
		{"and is Ready", moved(2, alice, wrapup.NotReady, wrapup.Ready),
			counts{loggedIn: 1, agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"a call waits", queued,
			counts{loggedIn: 1, waiting: 1, oldest: sec(10), agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"the queue offers it: still in the queue", event.CallOffered{At: sec(11), Call: call, Agent: byQueue(alice)},
			counts{loggedIn: 1, waiting: 1, oldest: sec(10), agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"alice is connected", event.CallConnected{At: sec(13), Call: call, Agent: byQueue(alice), Offered: sec(11)},
			counts{loggedIn: 1, talking: 1, queueTalking: 1, agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"she transfers it: the caller waits for bob, counted nowhere", event.CallTransferred{At: sec(20), Call: call, From: alice.ID, To: bob.ID},
			counts{loggedIn: 1, agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"bob does not answer: back at the head of the queue", event.CallQueued{At: sec(40), Call: call, Queue: sales.ID, Position: 1, Entered: sec(10)},
			counts{loggedIn: 1, waiting: 1, oldest: sec(10), agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"its maximum wait ends", event.CallTimedOut{At: sec(70), Call: call, Position: 1},
			counts{loggedIn: 1, agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"it ends", event.CallEnded{At: sec(71), Call: call},
			counts{loggedIn: 1, agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"alice dials out: talking, in no queue", event.CallDialled{At: sec(80), Call: "c1-0000000000000002", Agent: alice.ID},
			counts{loggedIn: 1, talking: 1, agents: map[string]int{"logged_out": 2, "ready": 1}, members: map[string]int{"logged_out": 1, "ready": 1}}},
		{"an admin deletes bob and carol", event.Configured{At: sec(90), Config: ccaas.TenantConfig{Tenant: config.Tenant,
			Agents: []ccaas.Agent{alice}, Queues: []ccaas.Queue{{ID: sales.ID, Name: "Sales", Members: []ccaas.Member{{Agent: alice.ID}}}}}},
			counts{loggedIn: 1, talking: 1, agents: map[string]int{"ready": 1}, members: map[string]int{"ready": 1}}},
	}
	f := newFigures()
	for _, s := range steps {
		f.apply([]event.Event{s.ev})
		got := countsOf(f.stats())
		if got.loggedIn != s.want.loggedIn || got.talking != s.want.talking || got.waiting != s.want.waiting ||
			got.queueTalking != s.want.queueTalking || !got.oldest.Equal(s.want.oldest) ||
			!maps.Equal(got.agents, s.want.agents) || !maps.Equal(got.members, s.want.members) {
			t.Fatalf("after %s:\n got %+v\nwant %+v", s.name, got, s.want)
		}
	}
}

// teamSink collects what a supervisor's socket is sent.
type teamSink struct{ got []cti.Message }

func (s *teamSink) Send(m cti.Message) { s.got = append(s.got, m) }
func (s *teamSink) Close()             {}

func TestTeamViewFromEvents(t *testing.T) {
	now := sec(0)
	ten := &tenant{app: &App{now: func() time.Time { return now }}, cfg: config, log: slog.New(slog.DiscardHandler), router: queue.NewRouter(),
		agents: map[ccaas.AgentID]*agent{}, queues: map[ccaas.QueueID]*ccaas.Queue{sales.ID: &sales}, calls: map[ccaas.CallID]*call{}}
	ten.room = newWaitingRoom(ten, config)
	for _, ag := range config.Agents {
		ten.agents[ag.ID] = &agent{cfg: ag}
	}
	f := newFigures()
	v := newTeamView(ten, f)
	apply := func(evs ...event.Event) {
		f.apply(evs)
		v.apply(evs)
	}
	apply(event.Configured{At: now, Config: config})

	// nothing is computed or sent while no supervisor watches
	apply(moved(1, alice, wrapup.LoggedOut, wrapup.NotReady))
	if len(v.dirty) != 0 || v.queuesDirty {
		t.Fatalf("dirty %v, queues %v without a supervisor", v.dirty, v.queuesDirty)
	}

	sink := &teamSink{}
	sup := ten.agents[carol.ID]
	sup.sink = sink
	v.attach(sup)
	snap := v.snapshot(sup)
	if len(snap.Agents) != 2 || snap.Agents[0].Name != "Alice" || snap.Agents[1].Name != "Bob" || len(snap.Queues) != 1 {
		t.Fatalf("snapshot %+v", snap)
	}

	// one agent's change: her row, and the queue's counts
	ten.agents[bob.ID].fsm.Step(wrapup.InLogin, "", sec(2))
	apply(moved(2, bob, wrapup.LoggedOut, wrapup.NotReady))
	v.flush()
	if len(sink.got) != 1 || len(sink.got[0].Team.Agents) != 1 || sink.got[0].Team.Agents[0].Name != "Bob" ||
		len(sink.got[0].Team.Queues) != 1 || sink.got[0].Team.Queues[0].NotReady != 2 {
		t.Fatalf("after bob logged in: %+v", sink.got)
	}
	// nothing new: nothing sent
	sink.got = nil
	v.flush()
	if len(sink.got) != 0 {
		t.Fatalf("sent %+v with nothing changed", sink.got)
	}

	// today's figures: an answered call, 15 s wait, 60 s talk, 10 s hold,
	// then 30 s of wrapup; an abandoned one
	const c1, c2 = ccaas.CallID("c1-0000000000000001"), ccaas.CallID("c1-0000000000000002")
	apply(
		event.CallEnded{At: sec(100), Call: c1, Record: ccaas.CallRecord{ID: c1, Direction: ccaas.DirInbound, Queue: sales.ID,
			Arrived: sec(15), Answered: sec(30), Ended: sec(100), Wait: 15 * time.Second, Talk: 60 * time.Second, Hold: 10 * time.Second}},
		event.AgentChanged{Agent: alice.ID, Username: "alice", Queue: sales.ID, Call: c1,
			Transition: wrapup.Transition{From: wrapup.Talking, To: wrapup.Wrapup, At: sec(100)}},
		event.AgentChanged{Agent: alice.ID, Username: "alice", Queue: sales.ID, Call: c1,
			Transition: wrapup.Transition{From: wrapup.Wrapup, To: wrapup.Ready, At: sec(130)}},
		event.CallEnded{At: sec(140), Call: c2, Reason: ccaas.EndCallerHangup, Record: ccaas.CallRecord{ID: c2, Direction: ccaas.DirInbound,
			Queue: sales.ID, Arrived: sec(120), Ended: sec(140), Wait: 20 * time.Second, EndReason: ccaas.EndCallerHangup}},
	)
	v.flush()
	if len(sink.got) != 1 || len(sink.got[0].Team.Queues) != 1 {
		t.Fatalf("after two calls: %+v", sink.got)
	}
	day := sink.got[0].Team.Queues[0].Today
	if day.Offered != 2 || day.Answered != 1 || day.Abandoned != 1 || *day.ServiceLevel != 50 || *day.AHTSeconds != 100 {
		t.Fatalf("today %+v (service level %v, AHT %v)", day, *day.ServiceLevel, *day.AHTSeconds)
	}
}

func TestRecorderRows(t *testing.T) {
	r := &recorder{inbox: newMailbox()}
	rec := ccaas.CallRecord{ID: "c1-0000000000000001", Tenant: 1}
	r.apply(&tenant{cfg: ccaas.TenantConfig{Tenant: ccaas.Tenant{ID: 1}}}, []event.Event{
		event.AgentChanged{Agent: alice.ID, Call: rec.ID, By: "Carol", Transition: wrapup.Transition{
			From: wrapup.Wrapup, To: wrapup.NotReady, Reason: "lunch", Input: wrapup.InNotReady, At: sec(5)}},
		event.CallQueued{At: sec(6), Call: rec.ID}, // no row
		event.CallEnded{At: sec(7), Call: rec.ID, Record: rec},
	})
	rows := r.inbox.drain()
	want := ccaas.StateChange{Tenant: 1, Agent: alice.ID, At: sec(5), From: "wrapup", To: "not_ready", Reason: "lunch",
		Cause: "not ready", Call: rec.ID, By: "Carol"}
	if len(rows) != 2 || len(rows[0].(ccaas.Records).StateLog) != 1 || rows[0].(ccaas.Records).StateLog[0] != want ||
		rows[1].(ccaas.Records).Calls[0].ID != rec.ID {
		t.Fatalf("rows %+v", rows)
	}
}
