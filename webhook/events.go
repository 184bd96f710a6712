package webhook

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
)

// Encode is v as a delivery's JSON: HTML characters as they are (the body is
// data for a program, not a page), no trailing newline.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Envelope is the JSON body of every delivery.
type Envelope struct {
	ID      string    `json:"id"` // the same on every attempt: a receiver drops one it has seen
	Type    string    `json:"type"`
	Created time.Time `json:"created"` // when it happened
	Tenant  string    `json:"tenant"`  // the tenant's domain
	Data    any       `json:"data"`
}

// Agent names an agent in an event.
type Agent struct {
	ID       ccaas.AgentID `json:"id"`
	Username string        `json:"username"`
}

// Queue names a queue.
type Queue struct {
	ID   ccaas.QueueID `json:"id"`
	Name string        `json:"name"`
}

// Caller is the customer's number and name.
type Caller struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// CallQueuedData is the data of call.queued.
type CallQueuedData struct {
	Call     ccaas.CallID `json:"call"`
	Queue    Queue        `json:"queue"`
	Caller   Caller       `json:"caller"`
	Position int          `json:"position"` // its place in the queue, 1 at the head
	Entered  time.Time    `json:"entered"`  // when it entered this queue (kept when it goes back to its head)
}

// CallAgentData is the data of call.offered and call.answered.
type CallAgentData struct {
	Call  ccaas.CallID `json:"call"`
	Agent Agent        `json:"agent"`
	Part  string       `json:"part"` // how the agent came to the call: answer, transfer, conference, dialer, callee
}

// CallRecord is the data of call.ended: the call's record, as the calls
// table keeps it. Durations are whole milliseconds.
type CallRecord struct {
	Call      ccaas.CallID      `json:"call"`
	Direction string            `json:"direction"`
	Queue     *Queue            `json:"queue"` // null for a call that came through none
	Caller    Caller            `json:"caller"`
	DID       string            `json:"did"`
	Arrived   time.Time         `json:"arrived"`
	Answered  *time.Time        `json:"answered"` // null if no agent talked
	Ended     time.Time         `json:"ended"`
	WaitMS    int64             `json:"waitMs"`
	TalkMS    int64             `json:"talkMs"`
	HoldMS    int64             `json:"holdMs"`
	Transfers int               `json:"transfers"`
	Joins     int               `json:"joins"`
	EndReason string            `json:"endReason"`
	Agents    []CallRecordAgent `json:"agents"`
}

// CallRecordAgent is one agent's part in a call record.
type CallRecordAgent struct {
	Agent
	Part    string     `json:"part"`
	Offered time.Time  `json:"offered"`
	Joined  *time.Time `json:"joined"` // null if they never joined
	Left    time.Time  `json:"left"`
	HoldMS  int64      `json:"holdMs"`
	Outcome string     `json:"outcome"`
}

// AgentStateData is the data of agent.state_changed.
type AgentStateData struct {
	Agent   Agent        `json:"agent"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	Reason  string       `json:"reason"`            // Not Ready reason
	Pending string       `json:"pending,omitempty"` // a Pending Not Ready reason after the change
	By      string       `json:"by,omitempty"`      // the supervisor who made the change
	Call    ccaas.CallID `json:"call,omitempty"`    // the call it belongs to (an offer, a call, its wrapup)
}

// CallbackData is the data of callback.queued and callback.ended: the
// callback as it stands.
type CallbackData struct {
	Callback  ccaas.CallbackID `json:"callback"`
	Call      ccaas.CallID     `json:"call"` // the call on which the caller asked
	Queue     Queue            `json:"queue"`
	Caller    Caller           `json:"caller"` // the number dialled back
	Requested time.Time        `json:"requested"`
	State     string           `json:"state"`    // waiting, reached, failed, cancelled
	Attempts  int              `json:"attempts"` // dials so far
	Retry     *time.Time       `json:"retry"`    // callback.ended of a failed attempt: when it is dialled again
}

// VoicemailData is the data of voicemail.left and voicemail.closed.
type VoicemailData struct {
	Voicemail ccaas.VoicemailID `json:"voicemail"`
	Call      ccaas.CallID      `json:"call"` // the call on which it was left
	Queue     Queue             `json:"queue"`
	Caller    Caller            `json:"caller"`
	Left      time.Time         `json:"left"`
	Seconds   int               `json:"seconds"`
	State     string            `json:"state"` // new, closed, called_back, expired
	Agent     *Agent            `json:"agent"` // who closed or called it back; null if nobody did
}

// TestData is the data of a test event.
type TestData struct {
	Message string `json:"message"`
}

// Happening is one event of a tenant as a webhook reports it: its type, the
// key deliveries are ordered by (a call's events in the order they
// happened, an agent's too), when, and its data.
type Happening struct {
	Type string
	Key  string
	At   time.Time
	Data any
}

// Names gives agents' usernames by id (the tenant's agents, deleted ones
// too), for events that carry only ids.
type Names func(ccaas.AgentID) string

// Of says what a tenant's event is as a webhook event, if it is one.
func Of(ev event.Event, names Names) (Happening, bool) {
	switch e := ev.(type) {
	case event.CallQueued:
		return Happening{Type: CallQueued, Key: callKey(e.Call), At: e.At, Data: CallQueuedData{
			Call: e.Call, Queue: Queue{ID: e.Queue, Name: e.QueueName}, Caller: Caller{Number: e.Number, Name: e.Name},
			Position: e.Position, Entered: e.Entered.UTC()}}, true
	case event.CallOffered:
		return Happening{Type: CallOffered, Key: callKey(e.Call), At: e.At, Data: CallAgentData{
			Call: e.Call, Agent: Agent{ID: e.Agent.ID, Username: e.Agent.Username}, Part: e.Agent.Part}}, true
	case event.CallConnected:
		return Happening{Type: CallAnswered, Key: callKey(e.Call), At: e.At, Data: CallAgentData{
			Call: e.Call, Agent: Agent{ID: e.Agent.ID, Username: e.Agent.Username}, Part: e.Agent.Part}}, true
	case event.CallEnded:
		return Happening{Type: CallEnded, Key: callKey(e.Call), At: e.At, Data: Record(e.Record, names)}, true
	case event.AgentChanged:
		return Happening{Type: AgentStateChanged, Key: "agent:" + strconv.FormatInt(int64(e.Agent), 10), At: e.At, Data: AgentStateData{
			Agent: Agent{ID: e.Agent, Username: e.Username}, From: e.From.String(), To: e.To.String(),
			Reason: e.Reason, Pending: e.Pending, By: e.By, Call: e.Call}}, true
	case event.CallbackQueued:
		return callbackHappening(CallbackQueued, e.At, e.Callback, time.Time{}), true
	case event.CallbackEnded:
		return callbackHappening(CallbackEnded, e.At, e.Callback, e.Retry), true
	case event.VoicemailLeft:
		return voicemailHappening(VoicemailLeft, e.At, e.Voicemail, names), true
	case event.VoicemailClosed:
		return voicemailHappening(VoicemailClosed, e.At, e.Voicemail, names), true
	}
	return Happening{}, false
}

func callKey(id ccaas.CallID) string { return "call:" + string(id) }

// callbackHappening: a callback's events are in order per callback.
func callbackHappening(typ string, at time.Time, cb ccaas.Callback, retry time.Time) Happening {
	d := CallbackData{Callback: cb.ID, Call: cb.Call, Queue: Queue{ID: cb.Queue, Name: cb.QueueName},
		Caller: Caller{Number: cb.Number, Name: cb.Name}, Requested: cb.Requested.UTC(), State: cb.State, Attempts: cb.Attempts}
	if typ == CallbackEnded && cb.State == ccaas.CallbackWaiting {
		d.Retry = when(retry)
	}
	return Happening{Type: typ, Key: "callback:" + string(cb.ID), At: at, Data: d}
}

// voicemailHappening: a voicemail's events are in order per voicemail.
func voicemailHappening(typ string, at time.Time, vm ccaas.Voicemail, names Names) Happening {
	d := VoicemailData{Voicemail: vm.ID, Call: vm.Call, Queue: Queue{ID: vm.Queue, Name: vm.QueueName},
		Caller: Caller{Number: vm.Number, Name: vm.Name}, Left: vm.Left.UTC(), Seconds: vm.Seconds, State: vm.State}
	if vm.Agent != 0 {
		d.Agent = &Agent{ID: vm.Agent}
		if names != nil {
			d.Agent.Username = names(vm.Agent)
		}
	}
	return Happening{Type: typ, Key: "voicemail:" + string(vm.ID), At: at, Data: d}
}

// Record is a call record as call.ended reports it.
func Record(r ccaas.CallRecord, names Names) CallRecord {
	out := CallRecord{
		Call: r.ID, Direction: r.Direction, Caller: Caller{Number: r.Number, Name: r.Name}, DID: r.DID,
		Arrived: r.Arrived.UTC(), Answered: when(r.Answered), Ended: r.Ended.UTC(),
		WaitMS: r.Wait.Milliseconds(), TalkMS: r.Talk.Milliseconds(), HoldMS: r.Hold.Milliseconds(),
		Transfers: r.Transfers, Joins: r.Joins, EndReason: r.EndReason, Agents: []CallRecordAgent{},
	}
	if r.Queue != 0 {
		out.Queue = &Queue{ID: r.Queue, Name: r.QueueName}
	}
	for _, a := range r.Agents {
		name := ""
		if names != nil {
			name = names(a.Agent)
		}
		out.Agents = append(out.Agents, CallRecordAgent{Agent: Agent{ID: a.Agent, Username: name}, Part: a.Role,
			Offered: a.Offered.UTC(), Joined: when(a.Joined), Left: a.Left.UTC(), HoldMS: a.Hold.Milliseconds(), Outcome: a.Outcome})
	}
	return out
}

func when(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// TestHappening is the event an admin sends from the admin page to see an
// endpoint work; its key is its own (it waits for nothing).
func TestHappening(at time.Time, id string) Happening {
	return Happening{Type: Test, Key: "test:" + id, At: at, Data: TestData{
		Message: "A test event from the ccaas admin page: this endpoint receives the tenant's webhooks."}}
}

// NewEventID is a fresh event id: "evt_" and 24 random hex digits.
func NewEventID() string {
	var b [12]byte
	rand.Read(b[:])
	return "evt_" + hex.EncodeToString(b[:])
}

// Outbox is the outbox row of h for the webhooks to, with a new event id.
func Outbox(tenant ccaas.Tenant, h Happening, to []ccaas.WebhookID) (ccaas.OutboxEvent, error) {
	id := NewEventID()
	body, err := Encode(Envelope{ID: id, Type: h.Type, Created: h.At.UTC(), Tenant: tenant.Domain, Data: h.Data})
	if err != nil {
		return ccaas.OutboxEvent{}, err
	}
	return ccaas.OutboxEvent{ID: id, Tenant: tenant.ID, Type: h.Type, Key: h.Key, At: h.At, Body: body, Webhooks: to}, nil
}
