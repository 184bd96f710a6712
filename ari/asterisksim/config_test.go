package asterisksim

import (
	"encoding/json"
	"testing"

	"github.com/ccaas/ccaas/ari"
)

// dynamic-config: push configuration with sorcery.conf stacking memory
// under the read-only pjsip.conf store.
func TestPushConfig(t *testing.T) {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/1001", BehaviourAnswer)
	const base = "/asterisk/config/dynamic/res_pjsip/"
	steps := []struct {
		name           string
		method, target string
		body           string
		status         int
		want           map[string]string // fields to find in the answer
		wantBody       string            // exact body, when set
	}{
		{name: "not pushed yet", method: "GET", target: base + "endpoint/agentdyn1", status: 404,
			wantBody: `{"message":"Object with id 'agentdyn1' not found"}`},
		{name: "auth", method: "PUT", target: base + "auth/agentdyn1", status: 200,
			body: `{"fields":[{"attribute":"auth_type","value":"userpass"},{"attribute":"username","value":"agentdyn1"},{"attribute":"password","value":"Xq7"}]}`,
			want: map[string]string{"auth_type": "userpass", "username": "agentdyn1", "password": "Xq7", "nonce_lifetime": "32"}},
		{name: "aor", method: "PUT", target: base + "aor/agentdyn1", status: 200,
			body: `{"fields":[{"attribute":"max_contacts","value":"1"},{"attribute":"remove_existing","value":"yes"}]}`,
			want: map[string]string{"max_contacts": "1", "remove_existing": "true", "default_expiration": "3600"}},
		{name: "endpoint", method: "PUT", target: base + "endpoint/agentdyn1", status: 200,
			body: `{"fields":[{"attribute":"transport","value":"transport-ws"},{"attribute":"context","value":"agents"},{"attribute":"disallow","value":"all"},{"attribute":"allow","value":"ulaw,alaw,opus"},{"attribute":"webrtc","value":"yes"},{"attribute":"dtls_auto_generate_cert","value":"yes"},{"attribute":"bind_rtp_to_media_address","value":"yes"},{"attribute":"callerid","value":"\"Agent Dyn\" <agentdyn1>"}]}`,
			want: map[string]string{"allow": "(ulaw|alaw|opus)", "webrtc": "yes", "dtls_auto_generate_cert": "Yes", "bind_rtp_to_media_address": "true",
				"use_avpf": "true", "media_encryption": "dtls", "ice_support": "true", "callerid": `"Agent Dyn" <agentdyn1>`, "context": "agents"}},
		{name: "second PUT updates only the given fields", method: "PUT", target: base + "endpoint/agentdyn1", status: 200,
			body: `{"fields":[{"attribute":"callerid","value":"\"Agent Dynamic\" <agentdyn1>"}]}`,
			want: map[string]string{"callerid": `"Agent Dynamic" <agentdyn1>`, "context": "agents", "webrtc": "yes"}},
		{name: "endpoint exists, unregistered", method: "GET", target: "/endpoints/PJSIP/agentdyn1", status: 200,
			wantBody: `{"technology":"PJSIP","resource":"agentdyn1","state":"offline","channel_ids":[]}`},
		{name: "unknown attribute", method: "PUT", target: base + "endpoint/agentdyn2", status: 400,
			body:     `{"fields":[{"attribute":"no_such_attribute","value":"1"}]}`,
			wantBody: `{"message":"Creation of object 'agentdyn2' failed field value validation"}`},
		{name: "invalid boolean reads as no", method: "PUT", target: base + "endpoint/agentdyn2", status: 200,
			body: `{"fields":[{"attribute":"webrtc","value":"maybe"}]}`, want: map[string]string{"webrtc": "no", "context": "default"}},
		{name: "static endpoint readable", method: "GET", target: base + "endpoint/1001", status: 200,
			want: map[string]string{"aors": "1001", "auth": "1001", "context": "agents"}},
		{name: "static endpoint not writable", method: "PUT", target: base + "endpoint/1001", status: 403,
			body: `{"fields":[{"attribute":"callerid","value":"x"}]}`, wantBody: `{"message":"Cannot update sorcery objects of type 'endpoint'"}`},
		{name: "static endpoint not deletable", method: "DELETE", target: base + "endpoint/1001", status: 403,
			wantBody: `{"message":"Could not delete object with id '1001'"}`},
		{name: "read-only type", method: "PUT", target: base + "identify/x", status: 403, body: `{"fields":[]}`,
			wantBody: `{"message":"Cannot create sorcery objects of type 'identify'"}`},
		{name: "delete endpoint", method: "DELETE", target: base + "endpoint/agentdyn1", status: 204},
		{name: "delete auth", method: "DELETE", target: base + "auth/agentdyn1", status: 204},
		{name: "delete aor", method: "DELETE", target: base + "aor/agentdyn1", status: 204},
		{name: "delete aor again", method: "DELETE", target: base + "aor/agentdyn1", status: 404,
			wantBody: `{"message":"Object with id 'agentdyn1' not found"}`},
		{name: "endpoint gone", method: "GET", target: "/endpoints/PJSIP/agentdyn1", status: 404,
			wantBody: `{"message":"Endpoint not found"}`},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r.t = t
			status, body := r.do(st.method, st.target, st.body)
			if status != st.status {
				t.Fatalf("status %d %s, want %d", status, body, st.status)
			}
			if st.wantBody != "" && body != st.wantBody {
				t.Errorf("body %s, want %s", body, st.wantBody)
			}
			if len(st.want) == 0 {
				return
			}
			var fields []ari.ConfigTuple
			if err := json.Unmarshal([]byte(body), &fields); err != nil {
				t.Fatalf("fields %s: %v", body, err)
			}
			got := make(map[string]string, len(fields))
			for _, f := range fields {
				got[f.Attribute] = f.Value
			}
			for k, v := range st.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// Pushed endpoints without AutoAnswerPushed stay unregistered until Register.
func TestPushedEndpointRegister(t *testing.T) {
	r := newRig(t, Config{})
	e := r.connect("ccaas")
	r.must(200, "PUT", "/asterisk/config/dynamic/res_pjsip/endpoint/agent7", `{"fields":[{"attribute":"context","value":"agents"}]}`)
	r.must(500, "POST", "/channels", `{"endpoint":"PJSIP/agent7","app":"ccaas"}`)
	r.must(200, "POST", "/applications/ccaas/subscription?eventSource=endpoint:PJSIP", "")
	if err := r.sim.Register("agent7"); err != nil {
		t.Fatal(err)
	}
	e.expect(
		"EndpointStateChange PJSIP/agent7 online []",
		"PeerStatusChange PJSIP/agent7 Reachable",
		"ContactStatusChange PJSIP/agent7 NonQualified",
	)
	r.must(200, "POST", "/channels", `{"endpoint":"PJSIP/agent7","app":"ccaas","channelId":"l7"}`)
	e.expect("EndpointStateChange PJSIP/agent7 online [l7]", "ChannelCreated l7", "ChannelDialplan l7 AppDial2", `Dial l7 ""`, `Dial l7 ""`)
}
