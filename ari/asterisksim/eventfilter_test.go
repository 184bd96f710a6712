package asterisksim

import (
	"testing"
)

// PUT /applications/{app}/eventFilter: the lists are kept as sent, a
// disallowed type is never sent, an allowed list lets only its types through,
// and a malformed filter is refused without changing the one in place.
func TestEventFilter(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/agent", BehaviourNoAnswer)
	r.must(404, "PUT", "/applications/ccaas/eventFilter", `{}`) // not registered yet
	e := r.connect("ccaas")

	noisy := `{"disallowed":[{"type":"ChannelStateChange"},{"type":"ChannelVarset"},{"type":"ChannelHangupRequest"}]}`
	if got := r.must(200, "PUT", "/applications/ccaas/eventFilter", noisy); got != `{"name":"ccaas","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[{"type":"ChannelStateChange"},{"type":"ChannelVarset"},{"type":"ChannelHangupRequest"}]}` {
		t.Errorf("filter answer %s", got)
	}
	cust := r.placeCall(e, "5550020")
	r.must(204, "POST", "/channels/"+cust+"/answer", "") // ChannelStateChange held back
	if err := r.sim.Hangup(cust); err != nil {
		t.Fatal(err)
	}
	// no ChannelStateChange, no ChannelHangupRequest, no RTPAUDIOQOS varsets
	e.expectAll("StasisEnd " + cust)

	for name, body := range map[string]string{
		"list not an array":     `{"allowed":"StasisStart"}`,
		"item without type":     `{"allowed":[{"kind":"StasisStart"}]}`,
		"item with empty type":  `{"disallowed":[{"type":""}]}`,
		"item not an object":    `{"allowed":["StasisStart"]}`,
		"array of non-objects":  `[1]`,
		"null":                  `null`,
		"one bad list of two":   `{"allowed":[{"type":"StasisStart"}],"disallowed":7}`,
		"string instead of obj": `"StasisStart"`,
	} {
		if status, got := r.do("PUT", "/applications/ccaas/eventFilter", body); status != 400 || got != `{"message":"Invalid format definition"}` {
			t.Errorf("%s: %d %s, want 400 Invalid format definition", name, status, got)
		}
	}
	// only the list given changes
	if got := r.must(200, "PUT", "/applications/ccaas/eventFilter", `{"allowed":[{"type":"StasisStart"},{"type":"StasisEnd"},{"type":"ChannelStateChange"}]}`); got != `{"name":"ccaas","channel_ids":[],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[{"type":"StasisStart"},{"type":"StasisEnd"},{"type":"ChannelStateChange"}],"events_disallowed":[{"type":"ChannelStateChange"},{"type":"ChannelVarset"},{"type":"ChannelHangupRequest"}]}` {
		t.Errorf("filter answer %s", got)
	}
	cust = r.placeCall(e, "5550021")
	r.must(204, "POST", "/channels/"+cust+"/answer", "") // allowed, but disallowed wins
	r.must(200, "POST", "/channels", `{"app":"ccaas","channelId":"agent-leg-21","endpoint":"PJSIP/agent"}`)
	r.must(204, "DELETE", "/channels/agent-leg-21", "") // Dial and ChannelDestroyed are not on the allowed list
	if err := r.sim.Hangup(cust); err != nil {
		t.Fatal(err)
	}
	e.expectAll("StasisEnd " + cust)

	// a bare array sets both lists: everything but StasisStart is held back,
	// and StasisStart too since disallowed wins
	r.must(200, "PUT", "/applications/ccaas/eventFilter", `[{"type":"StasisEnd"}]`)
	silent, err := r.sim.PlaceCall(CallSpec{DID: "5550022"})
	if err != nil {
		t.Fatal(err)
	}
	// {} and no body empty both lists: everything flows again
	r.must(200, "PUT", "/applications/ccaas/eventFilter", `{"allowed":[{"type":"Dial"}]}`)
	if got := r.must(200, "PUT", "/applications/ccaas/eventFilter", `{}`); got != `{"name":"ccaas","channel_ids":["`+silent+`"],"bridge_ids":[],"endpoint_ids":[],"device_names":[],"events_allowed":[],"events_disallowed":[]}` {
		t.Errorf("after {}: %s", got)
	}
	r.must(200, "PUT", "/applications/ccaas/eventFilter", `{"disallowed":[{"type":"StasisStart"}]}`)
	r.must(200, "PUT", "/applications/ccaas/eventFilter", "")
	cust = r.placeCall(e, "5550023") // the call of the bare-array filter sent nothing
	r.must(204, "POST", "/channels/"+cust+"/answer", "")
	e.expectAll("ChannelStateChange " + cust + " Up")
}
