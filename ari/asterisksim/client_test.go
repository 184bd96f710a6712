package asterisksim

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// These tests drive the simulator through our own ARI client, the way the
// app and the demo do.

type clientHandler struct {
	events       chan ari.Event
	connected    chan struct{}
	disconnected chan error
}

func (h *clientHandler) Connected()             { h.connected <- struct{}{} }
func (h *clientHandler) Disconnected(err error) { h.disconnected <- err }
func (h *clientHandler) Event(ev ari.Event)     { h.events <- ev }

type clientRig struct {
	*rig
	c *ari.Client
	h *clientHandler
	e *events
}

// newClientRig is a client rig on a loopback socket.
func newClientRig(t *testing.T, cfg Config) *clientRig {
	t.Helper()
	return clientRigOn(t, newRig(t, cfg))
}

// newMemClientRig is a client rig in memory, for a test in a synctest
// bubble.
func newMemClientRig(t *testing.T, cfg Config) *clientRig {
	t.Helper()
	return clientRigOn(t, newMemRig(t, cfg))
}

func clientRigOn(t *testing.T, r *rig) *clientRig {
	t.Helper()
	c, err := r.ariClient(ari.Config{Application: "ccaas"})
	if err != nil {
		t.Fatal(err)
	}
	h := &clientHandler{
		events:       make(chan ari.Event, 4096),
		connected:    make(chan struct{}, 16),
		disconnected: make(chan error, 16),
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.RunEvents(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	cr := &clientRig{rig: r, c: c, h: h, e: &events{t: t, ch: h.events, done: make(chan error, 1)}}
	cr.waitConnected()
	return cr
}

func (cr *clientRig) waitConnected() {
	cr.t.Helper()
	select {
	case <-cr.h.connected:
	case <-time.After(waitFor):
		cr.t.Fatal("client did not connect")
	}
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func tuples(kv ...string) []ari.ConfigTuple {
	var out []ari.ConfigTuple
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, ari.ConfigTuple{Attribute: kv[i], Value: kv[i+1]})
	}
	return out
}

// A full agent session through the client: push the agent's configuration,
// watch the endpoint, originate the persistent line, park it, take a
// customer call by moving the line, and log out.
func TestClientAgentSession(t *testing.T) {
	cr := newClientRig(t, Config{AutoAnswerPushed: true, ChannelVars: []string{"CCAAS_Account"}})
	ctx := context.Background()
	c, e := cr.c, cr.e

	_, err := c.PutConfig(ctx, "res_pjsip", "auth", "agent1", tuples("auth_type", "userpass", "username", "agent1", "password", "secret"))
	check(t, "put auth", err)
	_, err = c.PutConfig(ctx, "res_pjsip", "aor", "agent1", tuples("max_contacts", "1", "remove_existing", "yes"))
	check(t, "put aor", err)
	fields, err := c.PutConfig(ctx, "res_pjsip", "endpoint", "agent1", tuples("context", "agents", "webrtc", "yes", "aors", "agent1", "auth", "agent1", "callerid", `"Agent One" <agent1>`))
	check(t, "put endpoint", err)
	if len(fields) < 100 {
		t.Errorf("endpoint has %d fields, want Asterisk's full list", len(fields))
	}
	_, err = c.PutConfig(ctx, "res_pjsip", "endpoint", "agent1", tuples("no_such_attribute", "1"))
	if !errors.Is(err, ari.ErrBadRequest) {
		t.Errorf("unknown attribute: %v, want ErrBadRequest", err)
	}
	app, err := c.Subscribe(ctx, "endpoint:PJSIP/agent1")
	check(t, "subscribe", err)
	if len(app.EndpointIDs) != 1 || app.EndpointIDs[0] != "PJSIP/agent1" {
		t.Errorf("application %+v", app)
	}

	line, err := c.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/agent1", AppArgs: "agentline", ChannelID: "line-agent1", CallerID: "CCaaS line <agent1>", Timeout: 30})
	check(t, "originate line", err)
	if line.State != ari.StateDown || line.Caller.Name != "CCaaS line" {
		t.Errorf("line %+v", line)
	}
	e.expect(
		"EndpointStateChange PJSIP/agent1 online [line-agent1]",
		"ChannelCreated line-agent1",
		"ChannelDialplan line-agent1 AppDial2",
		`Dial line-agent1 ""`, `Dial line-agent1 ""`,
		"ChannelStateChange line-agent1 Ringing", "ChannelStateChange line-agent1 Ringing",
		`Dial line-agent1 "RINGING"`, `Dial line-agent1 "RINGING"`,
		"ChannelStateChange line-agent1 Up", "ChannelStateChange line-agent1 Up",
		`Dial line-agent1 "ANSWER"`, `Dial line-agent1 "ANSWER"`,
		"ChannelVarset line-agent1 STASISSTATUS=", "ChannelVarset line-agent1 STASISSTATUS=",
		"StasisStart line-agent1 [agentline]",
	)
	_, err = c.CreateBridge(ctx, ari.BridgeRequest{ID: "home-agent1", Type: ari.BridgeHolding, Name: "home-agent1"})
	check(t, "create home", err)
	check(t, "park line", c.AddChannel(ctx, "home-agent1", "line-agent1"))
	e.expect("ChannelEnteredBridge home-agent1 line-agent1 [line-agent1]")

	// A customer call.
	cust, err := cr.sim.PlaceCall(CallSpec{From: "+15550100", Name: "Customer", DID: "5550001", Vars: map[string]string{"CCAAS_Account": "ACC-1"}})
	check(t, "place call", err)
	start := e.expect("StasisStart " + cust + " [inbound,5550001]")[0].(*ari.StasisStart)
	if start.Channel.ChannelVars["CCAAS_Account"] != "ACC-1" {
		t.Errorf("attached data %v", start.Channel.ChannelVars)
	}
	check(t, "answer", c.Answer(ctx, cust))
	e.expect("ChannelStateChange " + cust + " Up")
	check(t, "moh", c.StartMOH(ctx, cust, "default"))
	if _, on := cr.sim.MOH(cust); !on {
		t.Error("customer hears no MOH")
	}
	v, err := c.GetVariable(ctx, cust, "CCAAS_Account")
	check(t, "get variable", err)
	if v != "ACC-1" {
		t.Errorf("variable %q", v)
	}
	if _, err := c.GetVariable(ctx, cust, "CCAAS_Missing"); !errors.Is(err, ari.ErrNotFound) {
		t.Errorf("missing variable: %v, want ErrNotFound", err)
	}

	_, err = c.CreateBridge(ctx, ari.BridgeRequest{ID: "call-1", Type: ari.BridgeMixing})
	check(t, "create call bridge", err)
	check(t, "stop moh", c.StopMOH(ctx, cust))
	check(t, "connect", c.AddChannel(ctx, "call-1", cust, "line-agent1"))
	e.expect(
		"ChannelEnteredBridge call-1 "+cust+" ["+cust+"]",
		"ChannelLeftBridge home-agent1 line-agent1 []",
		"ChannelEnteredBridge call-1 line-agent1 ["+cust+" line-agent1]",
	)
	if err := c.RemoveChannel(ctx, "home-agent1", cust); !errors.Is(err, ari.ErrUnprocessable) {
		t.Errorf("removeChannel of a channel not in the bridge: %v, want ErrUnprocessable", err)
	}

	// The customer hangs up; the line goes home by a bare move; the call
	// bridge is deleted and its BridgeDestroyed waits for the line's next move.
	check(t, "customer BYE", cr.sim.Hangup(cust))
	e.expect("ChannelHangupRequest "+cust, "ChannelLeftBridge call-1 "+cust+" [line-agent1]", "StasisEnd "+cust)
	check(t, "line home", c.AddChannel(ctx, "home-agent1", "line-agent1"))
	e.expect("ChannelLeftBridge call-1 line-agent1 []", "ChannelEnteredBridge home-agent1 line-agent1 [line-agent1]")
	check(t, "destroy call bridge", c.DestroyBridge(ctx, "call-1"))
	if _, err := c.GetBridge(ctx, "call-1"); !errors.Is(err, ari.ErrNotFound) {
		t.Errorf("deleted bridge: %v, want ErrNotFound", err)
	}

	// Logout.
	check(t, "hang up line", c.Hangup(ctx, "line-agent1", ""))
	e.expect(
		"ChannelHangupRequest line-agent1 cause=32 soft", "ChannelHangupRequest line-agent1 cause=32 soft",
		"ChannelLeftBridge home-agent1 line-agent1 []",
		"BridgeDestroyed call-1",
		"StasisEnd line-agent1",
		"ChannelVarset line-agent1 STASISSTATUS=SUCCESS", "ChannelVarset line-agent1 STASISSTATUS=SUCCESS",
		"ChannelDestroyed line-agent1 16 Normal Clearing", "ChannelDestroyed line-agent1 16 Normal Clearing",
		"EndpointStateChange PJSIP/agent1 online []",
	)
	if err := c.Hangup(ctx, "line-agent1", ""); !errors.Is(err, ari.ErrNotFound) {
		t.Errorf("second hangup: %v, want ErrNotFound", err)
	}
	check(t, "destroy home", c.DestroyBridge(ctx, "home-agent1"))
	e.expect("BridgeDestroyed home-agent1")
	check(t, "delete endpoint", c.DeleteConfig(ctx, "res_pjsip", "endpoint", "agent1"))
	if _, err := c.Unsubscribe(ctx, "endpoint:PJSIP/agent1"); !errors.Is(err, ari.ErrUnprocessable) {
		t.Errorf("unsubscribe after delete: %v, want ErrUnprocessable", err)
	}
}

// The client's error sentinels for the statuses the simulator answers.
func TestClientErrors(t *testing.T) {
	cr := newClientRig(t, Config{})
	cr.sim.AddEndpoint("PJSIP/1002", BehaviourUnreachable)
	cr.sim.AddEndpoint("PJSIP/ring", BehaviourNoAnswer)
	ctx := context.Background()
	c := cr.c
	_, err := c.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/ring", ChannelID: "ringing-1"})
	check(t, "originate", err)
	cr.e.expect(`Dial ringing-1 ""`, "ChannelStateChange ringing-1 Ringing", `Dial ringing-1 "RINGING"`)
	_, err = c.CreateBridge(ctx, ari.BridgeRequest{ID: "b1"})
	check(t, "create bridge", err)

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"answer unknown channel", func() error { return c.Answer(ctx, "nope") }, ari.ErrNotFound},
		{"answer ringing originate", func() error { return c.Answer(ctx, "ringing-1") }, ari.ErrConflict},
		{"add ringing originate", func() error { return c.AddChannel(ctx, "b1", "ringing-1") }, ari.ErrUnprocessable},
		{"add unknown channel", func() error { return c.AddChannel(ctx, "b1", "nope") }, ari.ErrBadRequest},
		{"unknown bridge", func() error { return c.AddChannel(ctx, "nope", "ringing-1") }, ari.ErrNotFound},
		{"duplicate bridge", func() error { _, err := c.CreateBridge(ctx, ari.BridgeRequest{ID: "b1"}); return err }, ari.ErrConflict},
		{"unregistered endpoint", func() error {
			_, err := c.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/1002"})
			return err
		}, ari.ErrServer},
		{"duplicate channel id", func() error {
			_, err := c.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/ring", ChannelID: "ringing-1"})
			return err
		}, ari.ErrConflict},
		{"channel id prefix", func() error {
			_, err := c.Originate(ctx, ari.OriginateRequest{Endpoint: "PJSIP/ring", ChannelID: "ringing-"})
			return err
		}, ari.ErrConflict},
		{"push config of a static endpoint", func() error {
			_, err := c.PutConfig(ctx, "res_pjsip", "endpoint", "1002", tuples("context", "x"))
			return err
		}, ari.ErrForbidden},
		{"unknown playback", func() error { _, err := c.GetPlayback(ctx, "nope"); return err }, ari.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var ae *ari.Error
			if !errors.As(err, &ae) || ae.Message == "" {
				t.Errorf("error %v carries no ARI message", err)
			}
		})
	}
}

// After an Asterisk restart the client notices at once, reconnects once the
// simulator has booted (the boot and the client's backoff on fake time), and
// finds nothing left.
func TestClientRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cr := newMemClientRig(t, Config{BootDelay: 40 * time.Millisecond})
		ctx := context.Background()
		cust, err := cr.sim.PlaceCall(CallSpec{DID: "5550010"})
		check(t, "place call", err)
		cr.e.expect("StasisStart " + cust + " [inbound,5550010]")

		restarted := time.Now()
		cr.sim.Restart()
		cr.e.expect("ChannelHangupRequest "+cust+" cause=4 soft", "StasisEnd "+cust)
		select {
		case err := <-cr.h.disconnected:
			if err == nil {
				t.Error("Disconnected(nil)")
			}
		case <-time.After(waitFor):
			t.Fatal("client did not notice the restart")
		}
		cr.waitConnected()
		if d := time.Since(restarted); d < 40*time.Millisecond {
			t.Errorf("reconnected %v after the restart, before the simulator booted", d)
		}
		_, err = cr.c.Ping(ctx)
		check(t, "ping", err)
		chans, err := cr.c.ListChannels(ctx)
		check(t, "list channels", err)
		if len(chans) != 0 {
			t.Errorf("channels after restart: %v", channelIDs(chans))
		}
		id, err := cr.sim.PlaceCall(CallSpec{DID: "5550011"})
		check(t, "place call after restart", err)
		cr.e.expect("StasisStart " + id + " [inbound,5550011]")
	})
}

// The client's FilterEvents sets only the lists it is given; the events held
// back never reach the handler.
func TestClientFilterEvents(t *testing.T) {
	cr := newClientRig(t, Config{})
	ctx := context.Background()
	app, err := cr.c.FilterEvents(ctx, ari.EventFilter{Disallowed: []string{"ChannelStateChange", "ChannelHangupRequest", "ChannelVarset"}})
	check(t, "filter", err)
	if len(app.EventsAllowed) != 0 || len(app.EventsDisallowed) != 3 || app.EventsDisallowed[1].Type != "ChannelHangupRequest" {
		t.Errorf("application %+v", app)
	}
	app, err = cr.c.FilterEvents(ctx, ari.EventFilter{Allowed: []string{"StasisStart", "StasisEnd", "ChannelHangupRequest"}})
	check(t, "filter allowed", err)
	if len(app.EventsAllowed) != 3 || len(app.EventsDisallowed) != 3 {
		t.Errorf("an allowed list alone changed the disallowed one: %+v", app)
	}
	cust, err := cr.sim.PlaceCall(CallSpec{DID: "5550001"})
	check(t, "place call", err)
	check(t, "answer", cr.c.Answer(ctx, cust))
	check(t, "hang up", cr.c.Hangup(ctx, cust, ""))
	cr.e.expectAll("StasisStart "+cust+" [inbound,5550001]", "StasisEnd "+cust)
	app, err = cr.c.FilterEvents(ctx, ari.EventFilter{Allowed: []string{}})
	check(t, "clear allowed", err)
	if len(app.EventsAllowed) != 0 || len(app.EventsDisallowed) != 3 {
		t.Errorf("application %+v", app)
	}
	other, err := cr.ariClient(ari.Config{Application: "nosuchapp"})
	check(t, "client", err)
	if _, err := other.FilterEvents(ctx, ari.EventFilter{}); !errors.Is(err, ari.ErrNotFound) {
		t.Errorf("filter of an application without a socket: %v, want ErrNotFound", err)
	}
}
