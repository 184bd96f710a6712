package asterisksim

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// The scenarios below follow the traces recorded from a real Asterisk 22.11
// (testdata/traces): the same requests, the same statuses, the same events
// in the same order.

// inbound-queue-call: the customer enters Stasis, is answered and hears MOH;
// the agent leg is originated; both meet in a mixing bridge; the app hangs
// up the customer (no ChannelDestroyed), the agent (ChannelDestroyed 16) and
// deletes the bridge (prompt BridgeDestroyed).
func TestInboundQueueCall(t *testing.T) {
	r := newRig(t, Config{ChannelVars: []string{"CCAAS_FirstName", "CCAAS_Account"}})
	r.sim.AddEndpoint("PJSIP/sippagent", BehaviourAnswer)
	e := r.connect("ccaas")

	cust, err := r.sim.PlaceCall(CallSpec{
		From: "sipp", Name: "sipp", DID: "5550001",
		Vars: map[string]string{"CCAAS_FirstName": "José <b>Müller</b> ☎ 日本", "CCAAS_Note": `<b>VIP</b> & "quoted"`},
	})
	if err != nil {
		t.Fatal(err)
	}
	start := e.expect("StasisStart " + cust + " [inbound,5550001]")[0].(*ari.StasisStart).Channel
	if start.State != "Ring" || !strings.HasPrefix(start.Name, "PJSIP/pstn-") || start.Caller != (ari.CallerID{Name: "sipp", Number: "sipp"}) ||
		start.Dialplan.Context != "from-pstn" || start.Dialplan.Exten != "5550001" || start.Dialplan.AppName != "Stasis" ||
		start.Dialplan.AppData != "ccaas,inbound,5550001" {
		t.Errorf("customer channel %+v", start)
	}
	if want := map[string]string{"CCAAS_FirstName": "José <b>Müller</b> ☎ 日本", "CCAAS_Account": ""}; !equalMaps(start.ChannelVars, want) {
		t.Errorf("channelvars %v, want %v", start.ChannelVars, want)
	}
	if got := r.must(200, "GET", "/channels/"+cust+"/variable?variable=CCAAS_Note", ""); got != `{"value":"<b>VIP</b> & \"quoted\""}` {
		t.Errorf("variable %s", got)
	}

	r.must(204, "POST", "/channels/"+cust+"/answer", "")
	e.expect("ChannelStateChange " + cust + " Up")
	r.must(204, "POST", "/channels/"+cust+"/moh?mohClass=default", "")
	if class, on := r.sim.MOH(cust); !on || class != "default" {
		t.Errorf("MOH = %q %v, want default on", class, on)
	}

	body := r.must(200, "POST", "/channels", `{"app":"ccaas","appArgs":"agentleg","callerId":"Queue support <5550001>","channelId":"agent-leg-1","endpoint":"PJSIP/sippagent","timeout":30,"variables":{"CCAAS_Account":"ACC-1"}}`)
	var leg ari.Channel
	if err := json.Unmarshal([]byte(body), &leg); err != nil {
		t.Fatal(err)
	}
	if leg.State != "Down" || leg.Dialplan.AppName != "AppDial2" || leg.Dialplan.AppData != "(Outgoing Line)" ||
		leg.Caller != (ari.CallerID{Name: "Queue support", Number: "5550001"}) || leg.Connected != leg.Caller ||
		leg.ChannelVars["CCAAS_Account"] != "ACC-1" {
		t.Errorf("originate answer %s", body)
	}
	got := e.expect(
		`Dial agent-leg-1 ""`,
		"ChannelStateChange agent-leg-1 Ringing",
		`Dial agent-leg-1 "RINGING"`,
		"ChannelStateChange agent-leg-1 Up",
		`Dial agent-leg-1 "ANSWER"`,
		"ChannelVarset agent-leg-1 STASISSTATUS=",
		"StasisStart agent-leg-1 [agentleg]",
	)
	if dp := got[6].(*ari.StasisStart).Channel.Dialplan; dp.AppName != "Stasis" || dp.AppData != "ccaas,agentleg" {
		t.Errorf("agent leg dialplan in Stasis %+v", dp)
	}

	r.must(200, "POST", "/bridges?bridgeId=call-1&name=call-1&type=mixing", "")
	r.must(204, "DELETE", "/channels/"+cust+"/moh", "")
	if _, on := r.sim.MOH(cust); on {
		t.Error("MOH still on")
	}
	r.must(204, "POST", "/bridges/call-1/addChannel?channel="+cust+",agent-leg-1", "")
	e.expect(
		"ChannelEnteredBridge call-1 "+cust+" ["+cust+"]",
		"ChannelEnteredBridge call-1 agent-leg-1 ["+cust+" agent-leg-1]",
	)
	if b, _ := r.sim.Bridge("call-1"); b.Technology != "native_rtp" {
		t.Errorf("technology %q, want native_rtp", b.Technology)
	}
	if r.sim.BridgeOf("agent-leg-1") != "call-1" {
		t.Error("BridgeOf")
	}

	r.must(204, "DELETE", "/channels/"+cust, "")
	e.expect(
		"ChannelHangupRequest "+cust+" cause=32 soft",
		"ChannelLeftBridge call-1 "+cust+" [agent-leg-1]",
		"StasisEnd "+cust,
	)
	r.must(204, "DELETE", "/channels/agent-leg-1", "")
	e.expect(
		"ChannelHangupRequest agent-leg-1 cause=32 soft",
		"ChannelLeftBridge call-1 agent-leg-1 []",
		"StasisEnd agent-leg-1",
		"ChannelVarset agent-leg-1 STASISSTATUS=SUCCESS",
		"ChannelDestroyed agent-leg-1 16 Normal Clearing",
	)
	r.destroyBridge(e, "call-1")
}

// The noise a real Asterisk sends around a two-party bridge: BRIDGEPEER and
// BRIDGEPVTCALLID, ChannelConnectedLine, RTPAUDIOQOS* on hangup.
func TestBridgeNoise(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/sippagent", BehaviourAnswer)
	e := r.connect("ccaas")
	cust := r.answeredCall(e, "5550001")
	r.originateUp(e, "agent-leg-1", "PJSIP/sippagent", "agentleg")
	r.must(200, "POST", "/bridges/call-1?type=mixing", "")
	r.must(204, "POST", "/bridges/call-1/addChannel?channel="+cust+",agent-leg-1", "")
	agentName := mustChannel(t, r.sim, "agent-leg-1").Name
	custName := mustChannel(t, r.sim, cust).Name
	e.expectAll(
		"ChannelEnteredBridge call-1 "+cust+" ["+cust+"]",
		"ChannelEnteredBridge call-1 agent-leg-1 ["+cust+" agent-leg-1]",
		"ChannelVarset agent-leg-1 BRIDGEPEER="+custName,
		"ChannelVarset agent-leg-1 BRIDGEPVTCALLID="+mustChannel(t, r.sim, cust).ProtocolID,
		"ChannelVarset "+cust+" BRIDGEPEER="+agentName,
		"ChannelVarset "+cust+" BRIDGEPVTCALLID="+mustChannel(t, r.sim, "agent-leg-1").ProtocolID,
		"ChannelConnectedLine agent-leg-1",
		"ChannelConnectedLine "+cust,
	)
	if c := mustChannel(t, r.sim, cust).Connected; c != (ari.CallerID{Number: "sippagent"}) {
		t.Errorf("customer's connected line %+v", c)
	}
	if err := r.sim.Hangup(cust); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, q := range rtpQOS {
		want = append(want, "ChannelVarset "+cust+" "+q[0]+"="+q[1], "ChannelVarset agent-leg-1 "+q[0]+"BRIDGED="+q[1])
	}
	want = append(want,
		"ChannelHangupRequest "+cust,
		"ChannelVarset "+cust+" BRIDGEPEER=",
		"ChannelVarset "+cust+" BRIDGEPVTCALLID=",
		"ChannelLeftBridge call-1 "+cust+" [agent-leg-1]",
		"StasisEnd "+cust,
	)
	e.expectAll(want...)
}

func mustChannel(t *testing.T, s *Sim, id string) ari.Channel {
	t.Helper()
	ch, ok := s.Channel(id)
	if !ok {
		t.Fatalf("channel %s not found", id)
	}
	return ch
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// webrtc-agent-line + dynamic-config + agent-line-drop: an endpoint pushed
// through ARI registers at once (AutoAnswerPushed) and auto-answers the
// line; the endpoint subscription duplicates channel events; a dead browser
// leaves the line Up.
func TestPushedEndpointLine(t *testing.T) {
	r := newRig(t, Config{AutoAnswerPushed: true})
	e := r.connect("ccaas")
	r.must(200, "PUT", "/asterisk/config/dynamic/res_pjsip/auth/agentdyn1", `{"fields":[{"attribute":"auth_type","value":"userpass"},{"attribute":"username","value":"agentdyn1"},{"attribute":"password","value":"x"}]}`)
	r.must(200, "PUT", "/asterisk/config/dynamic/res_pjsip/aor/agentdyn1", `{"fields":[{"attribute":"max_contacts","value":"1"},{"attribute":"remove_existing","value":"yes"}]}`)
	r.must(200, "PUT", "/asterisk/config/dynamic/res_pjsip/endpoint/agentdyn1", `{"fields":[{"attribute":"transport","value":"transport-ws"},{"attribute":"context","value":"agents"},{"attribute":"webrtc","value":"yes"},{"attribute":"callerid","value":"\"Agent Dyn\" <agentdyn1>"}]}`)
	if got := r.must(200, "GET", "/endpoints/PJSIP/agentdyn1", ""); got != `{"technology":"PJSIP","resource":"agentdyn1","state":"online","channel_ids":[]}` {
		t.Errorf("endpoint %s", got)
	}
	app := r.must(200, "POST", "/applications/ccaas/subscription?eventSource=endpoint:PJSIP/agentdyn1", "")
	if app != `{"name":"ccaas","channel_ids":[],"bridge_ids":[],"endpoint_ids":["PJSIP/agentdyn1"],"device_names":[],"events_allowed":[],"events_disallowed":[]}` {
		t.Errorf("application %s", app)
	}

	body := r.must(200, "POST", "/channels", `{"app":"ccaas","appArgs":"agentline","channelId":"dynline-1","endpoint":"PJSIP/agentdyn1","timeout":30}`)
	if !strings.Contains(body, `"caller":{"name":"Agent Dyn","number":"agentdyn1"}`) || !strings.Contains(body, `"context":"agents"`) {
		t.Errorf("originate answer %s", body)
	}
	e.expect(
		"EndpointStateChange PJSIP/agentdyn1 online [dynline-1]",
		"ChannelCreated dynline-1",
		"ChannelDialplan dynline-1 AppDial2",
		`Dial dynline-1 ""`, `Dial dynline-1 ""`,
		"ChannelStateChange dynline-1 Ringing", "ChannelStateChange dynline-1 Ringing",
		`Dial dynline-1 "RINGING"`, `Dial dynline-1 "RINGING"`,
		"ChannelStateChange dynline-1 Up", "ChannelStateChange dynline-1 Up",
		`Dial dynline-1 "ANSWER"`, `Dial dynline-1 "ANSWER"`,
		"ChannelVarset dynline-1 STASISSTATUS=", "ChannelVarset dynline-1 STASISSTATUS=",
		"StasisStart dynline-1 [agentline]",
	)
	r.must(200, "POST", "/bridges?bridgeId=home-1&type=holding", "")
	r.must(204, "POST", "/bridges/home-1/addChannel?channel=dynline-1", "")
	e.expect("ChannelEnteredBridge home-1 dynline-1 [dynline-1]")

	// The browser dies: registration events, but the line stays Up.
	if err := r.sim.Unregister("PJSIP/agentdyn1"); err != nil {
		t.Fatal(err)
	}
	e.expect(
		"EndpointStateChange PJSIP/agentdyn1 offline [dynline-1]",
		"PeerStatusChange PJSIP/agentdyn1 Unreachable",
		"ContactStatusChange PJSIP/agentdyn1 Removed",
	)
	if ch := mustChannel(t, r.sim, "dynline-1"); ch.State != "Up" {
		t.Errorf("line state %s", ch.State)
	}
	r.must(500, "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP/agentdyn1"}`)

	r.must(204, "DELETE", "/channels/dynline-1", "")
	e.expect(
		"ChannelHangupRequest dynline-1 cause=32 soft", "ChannelHangupRequest dynline-1 cause=32 soft",
		"ChannelLeftBridge home-1 dynline-1 []",
		"StasisEnd dynline-1",
		"ChannelVarset dynline-1 STASISSTATUS=SUCCESS", "ChannelVarset dynline-1 STASISSTATUS=SUCCESS",
		"ChannelDestroyed dynline-1 16 Normal Clearing", "ChannelDestroyed dynline-1 16 Normal Clearing",
		"EndpointStateChange PJSIP/agentdyn1 offline []",
	)
	if err := r.sim.Register("PJSIP/agentdyn1"); err != nil {
		t.Fatal(err)
	}
	e.expect(
		"EndpointStateChange PJSIP/agentdyn1 online []",
		"PeerStatusChange PJSIP/agentdyn1 Reachable",
		"ContactStatusChange PJSIP/agentdyn1 NonQualified",
	)

	// Deleting the pushed endpoint removes it and the subscription.
	r.must(204, "DELETE", "/asterisk/config/dynamic/res_pjsip/endpoint/agentdyn1", "")
	r.must(404, "DELETE", "/asterisk/config/dynamic/res_pjsip/endpoint/agentdyn1", "")
	r.must(404, "GET", "/endpoints/PJSIP/agentdyn1", "")
	if got := r.must(500, "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP/agentdyn1"}`); got != `{"error":"Allocation failed"}` {
		t.Errorf("originate %s", got)
	}
	r.must(422, "DELETE", "/applications/ccaas/subscription?eventSource=endpoint:PJSIP/agentdyn1", "")
	r.destroyBridge(e, "home-1")
}

// agent-line-bridge-moves: bare addChannel moves, the delayed
// BridgeDestroyed, removeChannel + addChannel, re-adding to the same bridge.
func TestBridgeMoves(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/2001", BehaviourAnswer)
	e := r.connect("ccaas")
	const line = "agentline-2001"
	r.originateUp(e, line, "PJSIP/2001", "agentline")
	body := r.must(200, "POST", "/bridges?bridgeId=home-2001&name=home-2001&type=holding", "")
	if !strings.Contains(body, `"technology":"holding_bridge","bridge_type":"holding","bridge_class":"stasis","creator":"Stasis","name":"home-2001","channels":[]`) {
		t.Errorf("holding bridge %s", body)
	}
	r.must(204, "POST", "/bridges/home-2001/addChannel?channel="+line, "")
	e.expect("ChannelEnteredBridge home-2001 " + line + " [" + line + "]")

	// Cycle 1: bare moves.
	c1 := r.answeredCall(e, "5550002")
	body = r.must(200, "POST", "/bridges?bridgeId=call-2a&name=call-2a&type=mixing", "")
	if !strings.Contains(body, `"technology":"simple_bridge","bridge_type":"mixing"`) {
		t.Errorf("mixing bridge %s", body)
	}
	r.must(204, "POST", "/bridges/call-2a/addChannel?channel="+c1, "")
	e.expect("ChannelEnteredBridge call-2a " + c1 + " [" + c1 + "]")
	r.must(204, "POST", "/bridges/call-2a/addChannel?channel="+line, "")
	e.expect(
		"ChannelLeftBridge home-2001 "+line+" []",
		"ChannelEnteredBridge call-2a "+line+" ["+c1+" "+line+"]",
	)
	if err := r.sim.Hangup(c1); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelHangupRequest "+c1, "ChannelLeftBridge call-2a "+c1+" ["+line+"]", "StasisEnd "+c1)
	r.must(204, "POST", "/bridges/home-2001/addChannel?channel="+line, "")
	e.expect(
		"ChannelLeftBridge call-2a "+line+" []",
		"ChannelEnteredBridge home-2001 "+line+" ["+line+"]",
	)
	r.must(204, "DELETE", "/bridges/call-2a", "")
	r.must(404, "GET", "/bridges/call-2a", "")
	if got := len(r.sim.Bridges()); got != 1 {
		t.Errorf("%d bridges, want 1", got)
	}

	// Cycle 2: removeChannel + addChannel. The BridgeDestroyed of call-2a
	// arrives when the line leaves home-2001.
	c2 := r.answeredCall(e, "5550002")
	r.must(200, "POST", "/bridges?bridgeId=call-2b&type=mixing", "")
	r.must(204, "POST", "/bridges/call-2b/addChannel?channel="+c2, "")
	e.expect("ChannelEnteredBridge call-2b " + c2 + " [" + c2 + "]")
	r.must(204, "POST", "/bridges/home-2001/removeChannel?channel="+line, "")
	e.expect("ChannelLeftBridge home-2001 "+line+" []", "BridgeDestroyed call-2a")
	r.must(204, "POST", "/bridges/call-2b/addChannel?channel="+line, "")
	e.expect("ChannelEnteredBridge call-2b " + line + " [" + c2 + " " + line + "]")
	if err := r.sim.Hangup(c2); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelHangupRequest "+c2, "ChannelLeftBridge call-2b "+c2+" ["+line+"]", "StasisEnd "+c2)
	r.must(204, "POST", "/bridges/call-2b/removeChannel?channel="+line, "")
	e.expect("ChannelLeftBridge call-2b " + line + " []")
	r.must(204, "POST", "/bridges/home-2001/addChannel?channel="+line, "")
	e.expect("ChannelEnteredBridge home-2001 " + line + " [" + line + "]")
	r.destroyBridge(e, "call-2b")

	// addChannel to the bridge the channel is already in.
	r.must(204, "POST", "/bridges/home-2001/addChannel?channel="+line, "")
	e.expect(
		"ChannelLeftBridge home-2001 "+line+" []",
		"ChannelEnteredBridge home-2001 "+line+" ["+line+"]",
	)

	// Logout.
	r.must(204, "DELETE", "/channels/"+line, "")
	e.expect(
		"ChannelHangupRequest "+line+" cause=32 soft",
		"ChannelLeftBridge home-2001 "+line+" []",
		"StasisEnd "+line,
		"ChannelVarset "+line+" STASISSTATUS=SUCCESS",
		"ChannelDestroyed "+line+" 16 Normal Clearing",
	)
	r.destroyBridge(e, "home-2001")
}

// A delayed BridgeDestroyed is also released when the pinning channel hangs up.
func TestDelayedBridgeDestroyedOnHangup(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/2001", BehaviourAnswer)
	e := r.connect("ccaas")
	r.originateUp(e, "line-1", "PJSIP/2001", "agentline")
	r.must(200, "POST", "/bridges/a?type=mixing", "")
	r.must(200, "POST", "/bridges/b?type=holding", "")
	r.must(204, "POST", "/bridges/a/addChannel?channel=line-1", "")
	r.must(204, "POST", "/bridges/b/addChannel?channel=line-1", "")
	e.expect("ChannelEnteredBridge a line-1 [line-1]", "ChannelLeftBridge a line-1 []", "ChannelEnteredBridge b line-1 [line-1]")
	r.must(204, "DELETE", "/bridges/a", "")
	r.must(204, "DELETE", "/channels/line-1", "")
	e.expect(
		"ChannelHangupRequest line-1 cause=32 soft",
		"ChannelLeftBridge b line-1 []",
		"BridgeDestroyed a",
		"StasisEnd line-1",
		"ChannelVarset line-1 STASISSTATUS=SUCCESS",
		"ChannelDestroyed line-1 16 Normal Clearing",
	)
}

// agent-hangup-first: the agent's phone sends BYE while bridged.
func TestFarEndHangup(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/sippagent", BehaviourAnswer)
	e := r.connect("ccaas")
	cust := r.answeredCall(e, "5550012")
	r.originateUp(e, "agent-leg-12", "PJSIP/sippagent", "agentleg")
	r.must(200, "POST", "/bridges?bridgeId=call-12&type=mixing", "")
	r.must(204, "POST", "/bridges/call-12/addChannel?channel="+cust+",agent-leg-12", "")
	e.expect("ChannelEnteredBridge call-12 "+cust+" ["+cust+"]", "ChannelEnteredBridge call-12 agent-leg-12 ["+cust+" agent-leg-12]")

	if err := r.sim.Hangup("agent-leg-12"); err != nil {
		t.Fatal(err)
	}
	e.expect(
		"ChannelHangupRequest agent-leg-12",
		"ChannelLeftBridge call-12 agent-leg-12 ["+cust+"]",
		"StasisEnd agent-leg-12",
		"ChannelVarset agent-leg-12 STASISSTATUS=SUCCESS",
		"ChannelDestroyed agent-leg-12 16 Normal Clearing",
	)
	if got := r.must(200, "GET", "/bridges/call-12", ""); !strings.Contains(got, `"channels":["`+cust+`"]`) {
		t.Errorf("bridge %s", got)
	}
	if err := r.sim.Hangup(cust); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelHangupRequest "+cust, "ChannelLeftBridge call-12 "+cust+" []", "StasisEnd "+cust)
	if err := r.sim.Hangup(cust); !errors.Is(err, ErrNoChannel) {
		t.Errorf("second Hangup: %v, want ErrNoChannel", err)
	}
	r.destroyBridge(e, "call-12") // also proves no ChannelDestroyed came for the customer
}

// originate-failures: each way an originate can fail, and the events it makes.
func TestOriginateFailures(t *testing.T) {
	tests := []struct {
		name      string
		behaviour Behaviour
		endpoint  string // default PJSIP/callee
		timeout   int
		cancel    bool // the app DELETEs the ringing channel
		status    int
		want      []string
	}{
		{name: "unregistered endpoint", behaviour: BehaviourUnreachable, status: 500},
		{name: "busy 486", behaviour: BehaviourBusy, status: 200, want: []string{
			`Dial fail ""`,
			"ChannelHangupRequest fail cause=17 tech=486",
			`Dial fail "BUSY"`,
			"ChannelDestroyed fail 17 User busy tech=486",
		}},
		{name: "rejected 603", behaviour: BehaviourReject, status: 200, want: []string{
			`Dial fail ""`,
			"ChannelHangupRequest fail cause=21 tech=603",
			`Dial fail "NOANSWER"`,
			"ChannelDestroyed fail 21 Call Rejected tech=603",
		}},
		{name: "no answer until timeout", behaviour: BehaviourNoAnswer, timeout: 1, status: 200, want: []string{
			`Dial fail ""`,
			"ChannelStateChange fail Ringing",
			`Dial fail "RINGING"`,
			"ChannelDestroyed fail 19 User alerting, no answer tech=480",
		}},
		{name: "uri nobody answers", behaviour: BehaviourUnreachable, endpoint: "PJSIP/callee/sip:nobody@127.0.0.1:5078", timeout: 1, status: 200, want: []string{
			`Dial fail ""`,
			"ChannelDestroyed fail 19 User alerting, no answer tech=480",
		}},
		{name: "app cancels the ringing leg", behaviour: BehaviourNoAnswer, timeout: 30, cancel: true, status: 200, want: []string{
			`Dial fail ""`,
			"ChannelStateChange fail Ringing",
			`Dial fail "RINGING"`,
			"ChannelHangupRequest fail cause=32 soft",
			`Dial fail "NOANSWER"`,
			"ChannelDestroyed fail 16 Normal Clearing",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// in a bubble: the originate timeouts run on the fake clock
			synctest.Test(t, func(t *testing.T) {
				r := newMemRig(t, Config{})
				r.sim.AddEndpoint("PJSIP/callee", tc.behaviour)
				e := r.connect("ccaas")
				endpoint := tc.endpoint
				if endpoint == "" {
					endpoint = "PJSIP/callee"
				}
				start := time.Now()
				status, body := r.do("POST", "/channels", `{"app":"ccaas","appArgs":"agentleg","channelId":"fail","endpoint":"`+endpoint+`","timeout":`+itoa(tc.timeout)+`}`)
				if status != tc.status {
					t.Fatalf("originate: %d %s, want %d", status, body, tc.status)
				}
				if tc.cancel {
					e.expect(tc.want[:3]...)
					r.must(204, "DELETE", "/channels/fail", "")
					e.expect(tc.want[3:]...)
				} else {
					e.expect(tc.want...)
					if tc.timeout > 0 && time.Since(start) != time.Duration(tc.timeout)*time.Second {
						t.Errorf("the dial ended after %v, want its timeout of %d s", time.Since(start), tc.timeout)
					}
				}
				// No failed originate ever reaches Stasis; the channel is gone.
				r.must(404, "GET", "/channels/fail", "")
				e.quiet(20 * time.Millisecond)
			})
		})
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// customer-abandon: the customer hangs up while the agent leg rings; the app
// cancels the agent leg.
func TestCustomerAbandon(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/agent", BehaviourNoAnswer)
	e := r.connect("ccaas")
	cust := r.answeredCall(e, "5550011")
	r.must(204, "POST", "/channels/"+cust+"/moh", "")
	r.must(200, "POST", "/channels", `{"app":"ccaas","appArgs":"agentleg","channelId":"agent-leg-11","endpoint":"PJSIP/agent"}`)
	e.expect(`Dial agent-leg-11 ""`, "ChannelStateChange agent-leg-11 Ringing", `Dial agent-leg-11 "RINGING"`)
	if err := r.sim.Hangup(cust); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelHangupRequest "+cust, "StasisEnd "+cust)
	r.must(204, "DELETE", "/channels/agent-leg-11", "")
	e.expect("ChannelHangupRequest agent-leg-11 cause=32 soft", `Dial agent-leg-11 "NOANSWER"`, "ChannelDestroyed agent-leg-11 16 Normal Clearing")
}

// hold-resume: MOH and hold make no events but are visible through MOH().
func TestHoldAndMOH(t *testing.T) {
	r := newRig(t, Config{})
	e := r.connect("ccaas")
	cust := r.answeredCall(e, "5550003")
	r.must(200, "POST", "/bridges/call-3?type=mixing", "")
	r.must(204, "POST", "/bridges/call-3/addChannel?channel="+cust, "")
	e.expect("ChannelEnteredBridge call-3 " + cust + " [" + cust + "]")

	steps := []struct {
		name, method, target string
		class                string
		on                   bool
	}{
		{"channel moh", "POST", "/channels/" + cust + "/moh?mohClass=jazz", "jazz", true},
		{"channel moh off", "DELETE", "/channels/" + cust + "/moh", "", false},
		{"hold", "POST", "/channels/" + cust + "/hold", "default", true},
		{"unhold", "DELETE", "/channels/" + cust + "/hold", "", false},
		{"bridge moh", "POST", "/bridges/call-3/moh", "default", true},
		{"bridge moh off", "DELETE", "/bridges/call-3/moh", "", false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r.t = t
			r.must(204, st.method, st.target, "")
			if class, on := r.sim.MOH(cust); class != st.class || on != st.on {
				t.Errorf("MOH = %q %v, want %q %v", class, on, st.class, st.on)
			}
		})
	}
	r.t = t
	// A marker proves no event came from the steps above.
	if err := r.sim.SendDTMF(cust, "1"); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelDtmfReceived " + cust + " 1")
}

// customer-dtmf and bridge playback: playbacks and their events.
func TestPlayback(t *testing.T) {
	r := newRig(t, Config{})
	e := r.connect("ccaas")
	cust := r.answeredCall(e, "5550013")
	target := "channel:" + cust

	tests := []struct {
		name, method, path string
		want               []string
	}{
		{"sound plays", "POST", "/channels/" + cust + "/play?media=sound:beep&playbackId=pb-13",
			[]string{"PlaybackStarted pb-13 " + target + " playing", "PlaybackFinished pb-13 " + target + " done"}},
		{"missing sound fails", "POST", "/channels/" + cust + "/play/pb-missing?media=sound:no-such-sound-file",
			[]string{"PlaybackStarted pb-missing " + target + " playing", "PlaybackFinished pb-missing " + target + " failed"}},
		{"bridge playback", "POST", "/bridges/call-3/play?media=sound:beep&playbackId=pb-3",
			[]string{"PlaybackStarted pb-3 bridge:call-3 playing", "PlaybackFinished pb-3 bridge:call-3 done"}},
	}
	r.must(200, "POST", "/bridges/call-3?type=mixing", "")
	r.must(204, "POST", "/bridges/call-3/addChannel?channel="+cust, "")
	e.expect("ChannelEnteredBridge call-3 " + cust + " [" + cust + "]")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.t, e.t = t, t
			body := r.must(201, tc.method, tc.path, "")
			if !strings.Contains(body, `"state":"queued"`) || !strings.Contains(body, `"language":"en"`) {
				t.Errorf("playback %s", body)
			}
			e.expect(tc.want...)
		})
	}
	r.t, e.t = t, t

	// An unknown scheme starts and never finishes, not even at hangup.
	body := r.must(201, "POST", "/channels/"+cust+"/play?media=bogus:thing", "")
	var pb ari.Playback
	_ = json.Unmarshal([]byte(body), &pb)
	e.expect("PlaybackStarted " + pb.ID + " " + target + " playing")
	r.must(200, "GET", "/playbacks/"+pb.ID, "")
	if err := r.sim.SendDTMF(cust, "5"); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelDtmfReceived " + cust + " 5")
	r.must(204, "DELETE", "/channels/"+cust, "")
	e.expect("ChannelHangupRequest "+cust+" cause=32 soft", "ChannelLeftBridge call-3 "+cust+" []", "StasisEnd "+cust)
	r.must(404, "GET", "/playbacks/"+pb.ID, "")
}

// snoop-monitor: a snoop channel enters Stasis at once and ends with only
// ChannelLeftBridge + StasisEnd when its target goes.
func TestSnoop(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/sippagent", BehaviourAnswer)
	e := r.connect("ccaas")
	r.originateUp(e, "agent-leg-7", "PJSIP/sippagent", "agentleg")
	r.originateUp(e, "sup-leg-7", "PJSIP/sippagent", "supervisor")
	r.must(200, "POST", "/bridges?bridgeId=monitor-7&type=mixing", "")

	r.must(400, "POST", "/channels/agent-leg-7/snoop?app=ccaas", "")
	body := r.must(200, "POST", "/channels/agent-leg-7/snoop?spy=both&whisper=none&app=ccaas&appArgs=snoop,listen&snoopId=snoop-7a", "")
	if !strings.Contains(body, `"id":"snoop-7a","name":"Snoop/agent-leg-7-00000000","state":"Up","protocol_id":""`) ||
		!strings.Contains(body, `"dialplan":{"context":"default","exten":"s","priority":1,"app_name":"Stasis","app_data":"ccaas,snoop,listen"}`) {
		t.Errorf("snoop %s", body)
	}
	e.expect("StasisStart snoop-7a [snoop,listen]")
	r.must(204, "POST", "/bridges/monitor-7/addChannel?channel=snoop-7a,sup-leg-7", "")
	e.expect("ChannelEnteredBridge monitor-7 snoop-7a [snoop-7a]", "ChannelEnteredBridge monitor-7 sup-leg-7 [snoop-7a sup-leg-7]")
	// the agent talks with a customer in call-7: the supervisor hears both,
	// nobody hears the supervisor
	r.originateUp(e, "cust-7", "PJSIP/sippagent", "customer")
	r.must(200, "POST", "/bridges?bridgeId=call-7&type=mixing", "")
	r.must(204, "POST", "/bridges/call-7/addChannel?channel=agent-leg-7,cust-7", "")
	e.expect("ChannelEnteredBridge call-7 agent-leg-7 [agent-leg-7]", "ChannelEnteredBridge call-7 cust-7 [agent-leg-7 cust-7]")
	hears := func(who string, want ...string) {
		t.Helper()
		if got := r.sim.Hears(who); !slices.Equal(got, want) {
			t.Errorf("%s hears %v, want %v", who, got, want)
		}
	}
	hears("sup-leg-7", "agent-leg-7", "cust-7")
	hears("agent-leg-7", "cust-7")
	hears("cust-7", "agent-leg-7")

	// Coach: hang up the listen snoop, snoop again with whisper.
	r.must(204, "DELETE", "/channels/snoop-7a", "")
	e.expect("ChannelHangupRequest snoop-7a cause=32 soft", "ChannelLeftBridge monitor-7 snoop-7a [sup-leg-7]", "StasisEnd snoop-7a")
	r.must(200, "POST", "/channels/agent-leg-7/snoop/snoop-7b?spy=both&whisper=out&app=ccaas&appArgs=snoop,coach", "")
	e.expect("StasisStart snoop-7b [snoop,coach]")
	r.must(204, "POST", "/bridges/monitor-7/addChannel?channel=snoop-7b", "")
	e.expect("ChannelEnteredBridge monitor-7 snoop-7b [sup-leg-7 snoop-7b]")
	hears("sup-leg-7", "agent-leg-7", "cust-7")
	hears("agent-leg-7", "cust-7", "sup-leg-7") // the whisper
	hears("cust-7", "agent-leg-7")
	r.must(204, "POST", "/channels/sup-leg-7/mute?direction=in", "")
	hears("agent-leg-7", "cust-7")
	r.must(204, "DELETE", "/channels/sup-leg-7/mute?direction=in", "")
	r.must(204, "DELETE", "/channels/cust-7", "")
	e.expect("ChannelHangupRequest cust-7 cause=32 soft", "ChannelLeftBridge call-7 cust-7 [agent-leg-7]", "StasisEnd cust-7", "ChannelVarset cust-7 STASISSTATUS=SUCCESS", "ChannelDestroyed cust-7 16 Normal Clearing")
	hears("sup-leg-7", "agent-leg-7")
	r.must(204, "DELETE", "/bridges/call-7", "")
	e.expect("ChannelLeftBridge call-7 agent-leg-7 []", "BridgeDestroyed call-7")

	r.must(204, "DELETE", "/channels/agent-leg-7", "")
	e.expect(
		"ChannelHangupRequest agent-leg-7 cause=32 soft",
		"StasisEnd agent-leg-7",
		"ChannelVarset agent-leg-7 STASISSTATUS=SUCCESS",
		"ChannelLeftBridge monitor-7 snoop-7b [sup-leg-7]",
		"StasisEnd snoop-7b",
		"ChannelDestroyed agent-leg-7 16 Normal Clearing",
	)
	if got := channelIDs(r.sim.Channels()); len(got) != 1 || got[0] != "sup-leg-7" {
		t.Errorf("channels %v", got)
	}
}

// asterisk-restart: everything is hung up with cause 4, the socket drops,
// the ARI is down and then answers 503 before it is back, empty.
func TestRestart(t *testing.T) {
	r := newRig(t, Config{BootDelay: 40 * time.Millisecond})
	r.sim.AddEndpoint("PJSIP/2001", BehaviourAnswer)
	e := r.connect("ccaas")
	cust := r.answeredCall(e, "5550010")
	r.must(204, "POST", "/channels/"+cust+"/moh", "")
	r.must(200, "PUT", "/asterisk/config/dynamic/res_pjsip/endpoint/agentdyn1", `{"fields":[]}`)

	r.sim.Restart()
	e.expect("ChannelHangupRequest "+cust+" cause=4 soft", "StasisEnd "+cust)
	select {
	case _, open := <-e.ch:
		if open {
			t.Fatal("event after StasisEnd")
		}
	case <-time.After(waitFor):
		t.Fatal("events socket still open after restart")
	}
	if err := <-e.done; err == nil || strings.Contains(err.Error(), "1000") {
		t.Errorf("socket ended with %v, want an abnormal closure", err)
	}

	// Poll like an app would: transport errors, then 503, then 200.
	saw503 := false
	deadline := time.Now().Add(waitFor)
	poll := time.NewTicker(2 * time.Millisecond) // polling a real server, as the app does
	defer poll.Stop()
	for ; ; <-poll.C {
		status, body, err := rawGet(r.srv.URL + "/ari/asterisk/ping")
		if err == nil && status == 200 {
			break
		}
		if err == nil && status == 503 {
			if body != `{"message":"Asterisk not booted"}` {
				t.Errorf("503 body %s", body)
			}
			saw503 = true
		}
		if time.Now().After(deadline) {
			t.Fatal("Asterisk did not come back")
		}
	}
	if !saw503 {
		t.Error("never saw 503 while booting")
	}
	r.must(200, "GET", "/asterisk/ping", "")
	if got := r.must(200, "GET", "/channels", ""); got != "[]" {
		t.Errorf("channels after restart %s", got)
	}
	if got := r.must(200, "GET", "/bridges", ""); got != "[]" {
		t.Errorf("bridges after restart %s", got)
	}
	r.must(404, "GET", "/channels/"+cust, "")
	r.must(404, "GET", "/asterisk/config/dynamic/res_pjsip/endpoint/agentdyn1", "")
	if _, err := r.sim.PlaceCall(CallSpec{DID: "1"}); !errors.Is(err, ErrNoApp) {
		t.Errorf("PlaceCall without socket: %v, want ErrNoApp", err)
	}
	e2 := r.connect("ccaas")
	if got := r.must(200, "GET", "/applications/ccaas", ""); got != `{"name":"ccaas","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}` {
		t.Errorf("application %s", got)
	}
	id := r.placeCall(e2, "5550010")
	if !strings.HasSuffix(id, ".0") {
		t.Errorf("first channel after restart %s, want the counter to start at 0", id)
	}
}

// channel-vars: variables set through ARI are reported and stored byte-exact.
func TestChannelVariables(t *testing.T) {
	r := newRig(t, Config{ChannelVars: []string{"CCAAS_FirstName", "CCAAS_Account"}})
	e := r.connect("ccaas")
	id, err := r.sim.PlaceCall(CallSpec{From: "sipp", DID: "5550600", Vars: map[string]string{"CCAAS_Account": "ACC-000042"}})
	if err != nil {
		t.Fatal(err)
	}
	e.expect("StasisStart " + id + " [inbound,5550600]")
	r.must(204, "POST", "/channels/"+id+"/answer", "")
	e.expect("ChannelStateChange " + id + " Up")
	r.must(204, "POST", "/channels/"+id+"/variable", `{"variable":"CCAAS_Account","value":"ACC-CHANGED-BY-ARI"}`)
	ev := e.expect("ChannelVarset " + id + " CCAAS_Account=ACC-CHANGED-BY-ARI")[0].(*ari.ChannelVarset)
	if ev.Channel.ChannelVars["CCAAS_Account"] != "ACC-CHANGED-BY-ARI" {
		t.Errorf("channelvars in ChannelVarset %v", ev.Channel.ChannelVars)
	}
	r.must(204, "POST", "/channels/"+id+"/variable?variable=CCAAS_EMPTY&value=", "")
	e.expect("ChannelVarset " + id + " CCAAS_EMPTY=")
	if got := r.must(200, "GET", "/channels/"+id+"/variable?variable=CCAAS_EMPTY", ""); got != `{"value":""}` {
		t.Errorf("empty variable %s", got)
	}
	if got := r.must(200, "GET", "/channels/"+id, ""); !strings.Contains(got, `"channelvars":{"CCAAS_Account":"ACC-CHANGED-BY-ARI","CCAAS_FirstName":""}`) {
		t.Errorf("channel %s", got)
	}
}

// Events go only to the application that owns the channel.
func TestEventsPerApplication(t *testing.T) {
	r := newRig(t, Config{})
	a := r.connect("ccaas")
	b := r.connect("other")
	idA := r.placeCall(a, "1")
	idB, err := r.sim.PlaceCall(CallSpec{DID: "2", App: "other"})
	if err != nil {
		t.Fatal(err)
	}
	b.expect("StasisStart " + idB + " [inbound,2]")
	if err := r.sim.SendDTMF(idA, "1"); err != nil {
		t.Fatal(err)
	}
	if err := r.sim.SendDTMF(idB, "2"); err != nil {
		t.Fatal(err)
	}
	a.expect("ChannelDtmfReceived " + idA + " 1")
	b.expect("ChannelDtmfReceived " + idB + " 2")
	if _, err := r.sim.PlaceCall(CallSpec{DID: "3", App: "nobody"}); !errors.Is(err, ErrNoApp) {
		t.Errorf("PlaceCall to an app without socket: %v", err)
	}
}

// The tap sees every event once, in order.
func TestSubscribeTap(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/2001", BehaviourAnswer)
	e := r.connect("ccaas")
	tap, stop := r.sim.Subscribe()
	r.originateUp(e, "line-1", "PJSIP/2001", "agentline")
	var got []string
	for len(got) < 7 {
		select {
		case ev := <-tap:
			if ev.Base().Application != "ccaas" || ev.Base().AsteriskID == "" || ev.Base().Timestamp.IsZero() {
				t.Errorf("event base %+v", ev.Base())
			}
			got = append(got, describe(ev))
		case <-time.After(waitFor):
			t.Fatalf("tap got %v", got)
		}
	}
	if got[0] != `Dial line-1 ""` || got[6] != "StasisStart line-1 [agentline]" {
		t.Errorf("tap order %v", got)
	}
	stop()
	if _, open := <-tap; open {
		t.Error("tap still open after stop")
	}
}
