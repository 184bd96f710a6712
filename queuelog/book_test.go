package queuelog

import (
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// The book's lines from lists of events alone: no app, no simulator. The
// app's own tests check the same lines for real call flows.

const (
	call1 = ccaas.CallID("c1-0000000000000001")
	alice = ccaas.AgentID(7)
	bob   = ccaas.AgentID(8)
	sales = ccaas.QueueID(3)
	help  = ccaas.QueueID(4)
)

// at is t0 plus s seconds.
func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

var configured = event.Configured{At: t0, Config: ccaas.TenantConfig{
	Tenant: ccaas.Tenant{ID: 1, Domain: "acme.example"},
	Agents: []ccaas.Agent{{ID: alice, Username: "alice"}, {ID: bob, Username: "bob"}},
	Queues: []ccaas.Queue{
		{ID: sales, Name: "Sales", Members: []ccaas.Member{{Agent: alice}, {Agent: bob}}},
		{ID: help, Name: "Help", Members: []ccaas.Member{{Agent: alice}}},
	},
}}

func changed(s int, agent ccaas.AgentID, name string, from, to wrapup.State, reason string) event.AgentChanged {
	return event.AgentChanged{Agent: agent, Username: name, Transition: wrapup.Transition{From: from, To: to, Reason: reason, At: at(s)}}
}

func enters(s int, q ccaas.QueueID, name string, pos int) event.CallQueued {
	return event.CallQueued{At: at(s), Call: call1, Queue: q, QueueName: name, Number: "+4930123", Name: "Jane", Position: pos, Entered: at(s)}
}

var (
	aliceByQueue = event.Agent{ID: alice, Username: "alice", Part: ccaas.PartAnswer, ByQueue: true}
	bobByQueue   = event.Agent{ID: bob, Username: "bob", Part: ccaas.PartAnswer, ByQueue: true}
	bobTransfer  = event.Agent{ID: bob, Username: "bob", Part: ccaas.PartTransfer}
	bobConsult   = event.Agent{ID: bob, Username: "bob", Part: ccaas.PartConsult}
)

func TestBook(t *testing.T) {
	loggedIn := []event.Event{configured,
		changed(0, alice, "alice", wrapup.LoggedOut, wrapup.NotReady, "login"),
		changed(1, alice, "alice", wrapup.NotReady, wrapup.Ready, "")}
	loginLines := []string{
		"1700000000|NONE|Sales@acme.example|alice@acme.example|ADDMEMBER|PAUSED",
		"1700000000|NONE|Help@acme.example|alice@acme.example|ADDMEMBER|PAUSED",
		"1700000001|NONE|NONE|alice@acme.example|UNPAUSEALL|",
		"1700000001|NONE|Sales@acme.example|alice@acme.example|UNPAUSE|",
		"1700000001|NONE|Help@acme.example|alice@acme.example|UNPAUSE|",
	}
	tests := []struct {
		name   string
		events []event.Event
		want   []string
	}{
		{
			name: "answered, the caller hangs up",
			events: []event.Event{
				enters(10, sales, "Sales", 1),
				event.CallOffered{At: at(11), Call: call1, Agent: aliceByQueue},
				event.CallConnected{At: at(14), Call: call1, Agent: aliceByQueue, Offered: at(11), Line: "ln1-0000000000000001"},
				event.AgentLeftCall{At: at(74), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndCallerHangup},
				event.CallEnded{At: at(74), Call: call1, Reason: ccaas.EndCallerHangup, Position: 1},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000014|c1-0000000000000001|Sales@acme.example|alice@acme.example|CONNECT|4|ln1-0000000000000001|3",
				"1700000074|c1-0000000000000001|Sales@acme.example|alice@acme.example|COMPLETECALLER|4|60|1",
			},
		},
		{
			name: "answered, the agent hangs up",
			events: []event.Event{
				enters(10, sales, "Sales", 2),
				event.CallOffered{At: at(12), Call: call1, Agent: aliceByQueue},
				event.CallConnected{At: at(13), Call: call1, Agent: aliceByQueue, Offered: at(12), Line: "ln"},
				event.AgentLeftCall{At: at(20), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndAgentHangup},
				event.CallEnded{At: at(20), Call: call1, Reason: ccaas.EndAgentHangup, Position: 1},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|2|Jane",
				"1700000013|c1-0000000000000001|Sales@acme.example|alice@acme.example|CONNECT|3|ln|1",
				"1700000020|c1-0000000000000001|Sales@acme.example|alice@acme.example|COMPLETEAGENT|3|7|2",
			},
		},
		{
			name: "ring no answer, back at the head, then another agent; the caller hangs up while rung",
			events: []event.Event{
				enters(10, sales, "Sales", 1),
				event.CallOffered{At: at(10), Call: call1, Agent: aliceByQueue},
				event.OfferMissed{At: at(25), Call: call1, Agent: aliceByQueue, Ring: 15 * time.Second},
				event.AgentLeftCall{At: at(25), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndWithdrawn},
				enters(25, sales, "Sales", 1), // the same queue: it never left it
				event.CallOffered{At: at(26), Call: call1, Agent: bobByQueue},
				event.CallAbandoned{At: at(29), Call: call1, Position: 1},
				event.AgentLeftCall{At: at(29), Call: call1, Agent: bobByQueue, Reason: ccaas.EndCallerHangup},
				event.CallEnded{At: at(29), Call: call1, Reason: ccaas.EndCallerHangup, Position: 1},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000025|c1-0000000000000001|Sales@acme.example|alice@acme.example|RINGNOANSWER|15000",
				"1700000029|c1-0000000000000001|Sales@acme.example|bob@acme.example|RINGCANCELED|3000",
				"1700000029|c1-0000000000000001|Sales@acme.example|NONE|ABANDON|1|1|19",
			},
		},
		{
			name: "blind transfer ends the queue's part; the transferred part is not the queue's",
			events: []event.Event{
				enters(10, sales, "Sales", 1),
				event.CallOffered{At: at(10), Call: call1, Agent: aliceByQueue},
				event.CallConnected{At: at(12), Call: call1, Agent: aliceByQueue, Offered: at(10), Line: "ln"},
				event.CallTransferred{At: at(40), Call: call1, From: alice, To: bob, Extension: "1002"},
				event.AgentLeftCall{At: at(40), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndTransferred},
				event.CallOffered{At: at(40), Call: call1, Agent: bobTransfer},
				event.CallConnected{At: at(42), Call: call1, Agent: bobTransfer, Offered: at(40), Line: "ln2"},
				event.AgentLeftCall{At: at(90), Call: call1, Agent: bobTransfer, Reason: ccaas.EndCallerHangup},
				event.CallEnded{At: at(90), Call: call1, Reason: ccaas.EndCallerHangup},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000012|c1-0000000000000001|Sales@acme.example|alice@acme.example|CONNECT|2|ln|2",
				"1700000040|c1-0000000000000001|Sales@acme.example|alice@acme.example|BLINDTRANSFER|1002|acme.example|2|28|1",
			},
		},
		{
			name: "a completed consultation ends the queue's part: ATTENDEDTRANSFER",
			events: []event.Event{
				enters(10, sales, "Sales", 1),
				event.CallOffered{At: at(10), Call: call1, Agent: aliceByQueue},
				event.CallConnected{At: at(12), Call: call1, Agent: aliceByQueue, Offered: at(10), Line: "ln"},
				event.CallHeld{At: at(30), Call: call1},
				event.ConsultStarted{At: at(30), Call: call1, From: alice, To: bob, Extension: "1002"},
				event.CallOffered{At: at(30), Call: call1, Agent: bobConsult},
				event.CallConnected{At: at(33), Call: call1, Agent: bobConsult, Offered: at(30), Line: "ln2"},
				event.ConsultEnded{At: at(50), Call: call1, From: alice, To: bob, Outcome: event.ConsultCompleted, Bridge: "cb1-00000000000000aa"},
				event.AgentLeftCall{At: at(50), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndTransferred},
				event.CallResumed{At: at(50), Call: call1},
				event.AgentLeftCall{At: at(90), Call: call1, Agent: bobConsult, Reason: ccaas.EndCallerHangup},
				event.CallEnded{At: at(90), Call: call1, Reason: ccaas.EndCallerHangup},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000012|c1-0000000000000001|Sales@acme.example|alice@acme.example|CONNECT|2|ln|2",
				"1700000050|c1-0000000000000001|Sales@acme.example|alice@acme.example|ATTENDEDTRANSFER|BRIDGE|cb1-00000000000000aa|2|38|1",
			},
		},
		{
			name: "a cancelled consultation writes nothing; the call completes as usual",
			events: []event.Event{
				enters(10, sales, "Sales", 1),
				event.CallOffered{At: at(10), Call: call1, Agent: aliceByQueue},
				event.CallConnected{At: at(12), Call: call1, Agent: aliceByQueue, Offered: at(10), Line: "ln"},
				event.ConsultStarted{At: at(30), Call: call1, From: alice, To: bob, Extension: "1002"},
				event.CallOffered{At: at(30), Call: call1, Agent: bobConsult},
				event.CallConnected{At: at(33), Call: call1, Agent: bobConsult, Offered: at(30), Line: "ln2"},
				event.ConsultEnded{At: at(40), Call: call1, From: alice, To: bob, Outcome: event.ConsultCancelled},
				event.AgentLeftCall{At: at(40), Call: call1, Agent: bobConsult, Reason: ccaas.EndConsultEnded},
				event.AgentLeftCall{At: at(60), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndAgentHangup},
				event.CallEnded{At: at(60), Call: call1, Reason: ccaas.EndAgentHangup},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000012|c1-0000000000000001|Sales@acme.example|alice@acme.example|CONNECT|2|ln|2",
				"1700000060|c1-0000000000000001|Sales@acme.example|alice@acme.example|COMPLETEAGENT|2|48|1",
			},
		},
		{
			name: "transfer to another queue: BLINDTRANSFER to the queue, then it enters that queue",
			events: []event.Event{
				enters(10, sales, "Sales", 1),
				event.CallOffered{At: at(10), Call: call1, Agent: aliceByQueue},
				event.CallConnected{At: at(12), Call: call1, Agent: aliceByQueue, Offered: at(10), Line: "ln"},
				event.CallTransferred{At: at(40), Call: call1, From: alice, Queue: help, QueueName: "Help"},
				event.AgentLeftCall{At: at(40), Call: call1, Agent: aliceByQueue, Reason: ccaas.EndTransferred},
				enters(40, help, "Help", 1),
				event.CallAbandoned{At: at(45), Call: call1, Position: 1},
				event.CallEnded{At: at(45), Call: call1, Reason: ccaas.EndCallerHangup, Position: 1},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000012|c1-0000000000000001|Sales@acme.example|alice@acme.example|CONNECT|2|ln|2",
				"1700000040|c1-0000000000000001|Sales@acme.example|alice@acme.example|BLINDTRANSFER|Help@acme.example|acme.example|2|28|1",
				"1700000040|c1-0000000000000001|Help@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000045|c1-0000000000000001|Help@acme.example|NONE|ABANDON|1|1|5",
			},
		},
		{
			name: "maximum wait, overflow to another queue, then the queue is deleted",
			events: []event.Event{
				enters(10, sales, "Sales", 3),
				event.CallTimedOut{At: at(70), Call: call1, Position: 2},
				enters(70, help, "Help", 1),
				event.CallEnded{At: at(75), Call: call1, Reason: ccaas.EndFailed, Position: 1},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|3|Jane",
				"1700000070|c1-0000000000000001|Sales@acme.example|NONE|EXITWITHTIMEOUT|2|3|60",
				"1700000070|c1-0000000000000001|Help@acme.example|NONE|ENTERQUEUE||+4930123|1|Jane",
				"1700000075|c1-0000000000000001|Help@acme.example|NONE|EXITEMPTY|1|1|5",
			},
		},
		{
			name: "a caller leaves with a key, for a callback or a message",
			events: []event.Event{
				enters(10, sales, "Sales", 2),
				event.CallLeftWithKey{At: at(55), Call: call1, Key: "1", Position: 1},
				event.CallEnded{At: at(70), Call: call1, Reason: ccaas.EndCallback},
			},
			want: []string{
				"1700000010|c1-0000000000000001|Sales@acme.example|NONE|ENTERQUEUE||+4930123|2|Jane",
				"1700000055|c1-0000000000000001|Sales@acme.example|NONE|EXITWITHKEY|1|1|2|45",
			},
		},
		{
			name: "a queue's tasks (a callback, a voicemail) and a call that met a closed queue write nothing",
			events: []event.Event{
				event.CallArrivedClosed{At: at(1), Call: call1, Queue: sales, QueueName: "Sales", Action: ccaas.OverflowHangup},
				event.CallEnded{At: at(2), Call: call1, Reason: ccaas.EndClosed},
				event.CallOffered{At: at(3), Call: "c1-00000000000000cb", Agent: aliceByQueue},
				event.CallConnected{At: at(5), Call: "c1-00000000000000cb", Agent: aliceByQueue},
				event.AgentLeftCall{At: at(9), Call: "c1-00000000000000cb", Agent: aliceByQueue, Reason: ccaas.EndAgentHangup},
				event.CallEnded{At: at(9), Call: "c1-00000000000000cb", Reason: ccaas.EndAgentHangup},
			},
		},
		{
			name: "calls that never saw a queue write nothing",
			events: []event.Event{
				event.CallDialled{At: at(1), Call: call1, Agent: alice, Number: "+4930999"},
				event.CallConnected{At: at(5), Call: call1, Agent: event.Agent{ID: alice, Username: "alice", Part: ccaas.PartDialer}},
				event.AgentLeftCall{At: at(9), Call: call1, Agent: event.Agent{ID: alice, Username: "alice", Part: ccaas.PartDialer}, Reason: ccaas.EndAgentHangup},
				event.CallEnded{At: at(9), Call: call1, Reason: ccaas.EndAgentHangup},
			},
		},
		{
			name: "login, Ready, Not Ready, reason changed, logout",
			events: append(append([]event.Event(nil), loggedIn...),
				changed(5, alice, "alice", wrapup.Ready, wrapup.NotReady, "lunch"),
				changed(6, alice, "alice", wrapup.NotReady, wrapup.NotReady, "break"),
				changed(7, alice, "alice", wrapup.NotReady, wrapup.NotReady, "break"), // no change: nothing
				changed(9, alice, "alice", wrapup.NotReady, wrapup.LoggedOut, "")),
			want: append(append([]string(nil), loginLines...),
				"1700000005|NONE|NONE|alice@acme.example|PAUSEALL|lunch",
				"1700000005|NONE|Sales@acme.example|alice@acme.example|PAUSE|lunch",
				"1700000005|NONE|Help@acme.example|alice@acme.example|PAUSE|lunch",
				"1700000006|NONE|NONE|alice@acme.example|PAUSEALL|break",
				"1700000006|NONE|Sales@acme.example|alice@acme.example|PAUSE|break",
				"1700000006|NONE|Help@acme.example|alice@acme.example|PAUSE|break",
				"1700000009|NONE|Sales@acme.example|alice@acme.example|REMOVEMEMBER|",
				"1700000009|NONE|Help@acme.example|alice@acme.example|REMOVEMEMBER|",
			),
		},
		{
			name: "an admin removes a logged-in agent from a queue and renames another",
			events: append(append([]event.Event(nil), loggedIn...), event.Configured{At: at(30), Config: ccaas.TenantConfig{
				Tenant: ccaas.Tenant{ID: 1, Domain: "acme.example"},
				Queues: []ccaas.Queue{{ID: sales, Name: "Sales"}, {ID: help, Name: "Helpdesk", Members: []ccaas.Member{{Agent: alice}}}},
			}}),
			want: append(append([]string(nil), loginLines...),
				"1700000030|NONE|Sales@acme.example|alice@acme.example|REMOVEMEMBER|",
				"1700000030|NONE|Help@acme.example|alice@acme.example|REMOVEMEMBER|",
				"1700000030|NONE|Helpdesk@acme.example|alice@acme.example|ADDMEMBER|",
			),
		},
		{
			name:   "an agent of no queue is no member: nothing",
			events: []event.Event{configured, changed(0, 99, "kim", wrapup.LoggedOut, wrapup.NotReady, "login"), changed(1, 99, "kim", wrapup.NotReady, wrapup.Ready, "")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			b := NewBook("acme.example", func(e Event) {
				got = append(got, strings.TrimSuffix(string(AppendLine(nil, e, nil)), "\n"))
			})
			b.Apply(append([]event.Event{configured}, tt.events...))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(b.calls) != 0 {
				t.Errorf("the book still holds %d calls after they ended", len(b.calls))
			}
		})
	}
}
