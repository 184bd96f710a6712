package asterisksim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/ari"
)

// errorFixture builds the state of the recorded "errors" scenario: a
// customer in Stasis (answered, in err-bridge-2), a customer that hung up, a
// ringing originate not yet in Stasis, and a line "line-10".
type errorFixture struct {
	*rig
	e                         *events
	cust, gone, ringing, line string
	ringingName               string
}

func newErrorFixture(t *testing.T) *errorFixture {
	r := newRig(t, Config{})
	r.sim.AddEndpoint("PJSIP/2001", BehaviourAnswer)
	r.sim.AddEndpoint("PJSIP/1002", BehaviourUnreachable)
	r.sim.AddEndpoint("PJSIP/ring", BehaviourNoAnswer)
	e := r.connect("ccaas")
	f := &errorFixture{rig: r, e: e, ringing: "ringing-5", line: "line-10"}

	f.cust = r.answeredCall(e, "5550005")
	f.gone = r.placeCall(e, "5550005")
	if err := r.sim.Hangup(f.gone); err != nil {
		t.Fatal(err)
	}
	e.expect("ChannelHangupRequest "+f.gone, "StasisEnd "+f.gone)

	r.must(200, "POST", "/channels", `{"endpoint":"PJSIP/ring","app":"ccaas","appArgs":"agentleg","channelId":"ringing-5","timeout":30}`)
	e.expect(`Dial ringing-5 ""`, "ChannelStateChange ringing-5 Ringing", `Dial ringing-5 "RINGING"`)
	r.originateUp(e, f.line, "PJSIP/2001", "agentline")

	r.must(200, "POST", "/bridges?bridgeId=err-bridge&name=err-bridge&type=mixing", "")
	r.must(200, "POST", "/bridges?bridgeId=err-bridge-2&name=err-bridge-2&type=mixing", "")
	r.must(204, "POST", "/bridges/err-bridge-2/addChannel?channel="+f.cust, "")
	e.expect("ChannelEnteredBridge err-bridge-2 " + f.cust + " [" + f.cust + "]")
	ch, _ := r.sim.Channel(f.ringing)
	f.ringingName = ch.Name
	return f
}

func TestRESTErrors(t *testing.T) {
	f := newErrorFixture(t)
	const (
		notFound      = `{"message":"Channel not found"}`
		notInStasis   = `{"message":"Channel not in Stasis application"}`
		allocFailed   = `{"error":"Allocation failed"}`
		invalidEP     = `{"message":"Invalid endpoint specified"}`
		bridgeMissing = `{"message":"Bridge not found"}`
	)
	tests := []struct {
		name           string
		method, target string
		body           string
		status         int
		want           string // exact body; "*" skips the check
	}{
		{"unknown resource", "GET", "/no-such-resource", "", 404, `{"message":"Resource not found"}`},
		{"unsupported method PUT channels", "PUT", "/channels", "", 405, `{"message":"Invalid method"}`},
		{"unsupported method PATCH bridge", "PATCH", "/bridges/err-bridge", "", 405, `{"message":"Invalid method"}`},

		{"answer gone channel", "POST", "/channels/" + f.gone + "/answer", "", 404, notFound},
		{"get gone channel", "GET", "/channels/" + f.gone, "", 404, notFound},
		{"delete gone channel", "DELETE", "/channels/" + f.gone, "", 404, notFound},
		{"moh gone channel", "POST", "/channels/" + f.gone + "/moh", "", 404, notFound},
		{"hold gone channel", "POST", "/channels/" + f.gone + "/hold", "", 404, notFound},
		{"play gone channel", "POST", "/channels/" + f.gone + "/play?media=sound:beep", "", 404, notFound},
		{"variable of gone channel", "GET", "/channels/" + f.gone + "/variable?variable=CALLERID(num)", "", 404, `{"message":"Provided channel was not found"}`},
		{"unknown channel", "GET", "/channels/no-such-channel", "", 404, notFound},
		{"delete unknown channel", "DELETE", "/channels/no-such-channel", "", 404, notFound},

		{"removeChannel in no bridge", "POST", "/bridges/err-bridge/removeChannel?channel=" + f.line, "", 422, `{"message":"Channel not in this bridge"}`},
		{"removeChannel in another bridge", "POST", "/bridges/err-bridge/removeChannel?channel=" + f.cust, "", 422, `{"message":"Channel not in this bridge"}`},
		{"removeChannel unknown channel", "POST", "/bridges/err-bridge/removeChannel?channel=no-such-channel", "", 400, notFound},
		{"removeChannel gone channel", "POST", "/bridges/err-bridge/removeChannel?channel=" + f.gone, "", 400, notFound},
		{"removeChannel without channel", "POST", "/bridges/err-bridge/removeChannel", "", 400, `{"message":"Missing parameter channel"}`},
		{"removeChannel unknown bridge", "POST", "/bridges/no-such-bridge/removeChannel?channel=" + f.cust, "", 404, bridgeMissing},
		{"addChannel unknown bridge", "POST", "/bridges/no-such-bridge/addChannel?channel=" + f.cust, "", 404, bridgeMissing},
		{"addChannel unknown channel", "POST", "/bridges/err-bridge/addChannel?channel=no-such-channel", "", 400, notFound},
		{"addChannel gone channel", "POST", "/bridges/err-bridge/addChannel?channel=" + f.gone, "", 400, notFound},
		{"addChannel without channel", "POST", "/bridges/err-bridge/addChannel", "", 400, `{"message":"Missing parameter channel"}`},
		{"addChannel ringing originate", "POST", "/bridges/err-bridge/addChannel?channel=" + f.ringing, "", 422, notInStasis},

		{"answer ringing originate", "POST", "/channels/" + f.ringing + "/answer", "", 409, notInStasis},
		{"moh ringing originate", "POST", "/channels/" + f.ringing + "/moh", "", 409, notInStasis},
		{"ring ringing originate", "POST", "/channels/" + f.ringing + "/ring", "", 409, notInStasis},
		{"variable of ringing originate", "GET", "/channels/" + f.ringing + "/variable?variable=CHANNEL(name)", "", 200, `{"value":"` + f.ringingName + `"}`},
		{"get ringing originate", "GET", "/channels/" + f.ringing, "", 200, "*"},

		{"variable not set", "GET", "/channels/" + f.cust + "/variable?variable=CCAAS_NOT_SET", "", 404, `{"message":"Provided variable was not found"}`},
		{"variable without name", "GET", "/channels/" + f.cust + "/variable", "", 400, `{"message":"Variable name is required"}`},
		{"unknown function", "GET", "/channels/" + f.cust + "/variable?variable=NOSUCHFUNC(x)", "", 500, `{"message":"Unable to read provided function"}`},
		{"callerid function", "GET", "/channels/" + f.cust + "/variable?variable=CALLERID(num)", "", 200, `{"value":"+15550100"}`},
		{"exten", "GET", "/channels/" + f.cust + "/variable?variable=EXTEN", "", 200, `{"value":"5550005"}`},
		{"set variable without name", "POST", "/channels/" + f.cust + "/variable?value=x", "", 400, `{"message":"Variable name is required"}`},
		{"set variable with array body", "POST", "/channels/" + f.cust + "/variable", `["array"]`, 400, `{"message":"Variable name is required"}`},

		{"originate tech only", "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP","timeout":5}`, 400, invalidEP},
		{"originate empty resource", "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP/","timeout":5}`, 400, invalidEP},
		{"originate no tech", "POST", "/channels", `{"app":"ccaas","endpoint":"sippagent","timeout":5}`, 400, invalidEP},
		{"originate unknown tech", "POST", "/channels", `{"app":"ccaas","endpoint":"Bogus/123","timeout":5}`, 500, allocFailed},
		{"originate unknown endpoint", "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP/nosuchendpoint"}`, 500, allocFailed},
		{"originate bad uri", "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP/2001/not-a-uri"}`, 500, allocFailed},
		{"originate unregistered", "POST", "/channels", `{"app":"ccaas","endpoint":"PJSIP/1002","channelId":"fail-a"}`, 500, allocFailed},
		{"originate variables not an object", "POST", "/channels", `{"endpoint":"PJSIP/1002","app":"ccaas","variables":"not-an-object"}`, 500, allocFailed},
		{"originate without endpoint", "POST", "/channels", `{"app":"ccaas"}`, 400, `{"message":"Endpoint must be specified"}`},
		{"originate numeric endpoint", "POST", "/channels", `{"endpoint":123,"app":"ccaas"}`, 400, `{"message":"Endpoint must be specified"}`},
		{"originate without app", "POST", "/channels", `{"endpoint":"PJSIP/2001"}`, 400, `{"message":"Application or extension must be specified"}`},
		{"originate bad variable", "POST", "/channels", `{"endpoint":"PJSIP/1002","app":"ccaas","variables":{"A":1}}`, 400, `{"message":"` + variablesError + `"}`},
		{"originate duplicate id", "POST", "/channels", `{"endpoint":"PJSIP/2001","app":"ccaas","channelId":"` + f.cust + `"}`, 409, `{"message":"Channel with given unique ID already exists"}`},
		{"originate id prefix of a live id", "POST", "/channels", `{"endpoint":"PJSIP/2001","app":"ccaas","channelId":"line-1"}`, 409, `{"message":"Channel with given unique ID already exists"}`},
		{"originate id extending a live id", "POST", "/channels/line-100", `{"endpoint":"PJSIP/2001","app":"ccaas"}`, 409, `{"message":"Channel with given unique ID already exists"}`},
		{"malformed json", "POST", "/channels", `{"endpoint": "PJSIP/2001", "app": `, 400, `{"message":"Error parsing request body"}`},
		{"not json at all", "POST", "/bridges", `not json at all`, 400, `{"message":"Error parsing request body"}`},

		{"unknown bridge", "GET", "/bridges/no-such-bridge", "", 404, bridgeMissing},
		{"delete unknown bridge", "DELETE", "/bridges/no-such-bridge", "", 404, bridgeMissing},
		{"bogus bridge type", "POST", "/bridges?bridgeId=bogus-bridge&type=bogus", "", 500, `{"message":"Unable to create bridge. Possible duplicate bridge id 'bogus-bridge'"}`},
		{"duplicate bridge", "POST", "/bridges?bridgeId=err-bridge&type=mixing", "", 409, `{"message":"Bridge with id 'err-bridge' already exists"}`},
		{"duplicate bridge by path", "POST", "/bridges/err-bridge?type=holding", "", 409, `{"message":"Bridge with id 'err-bridge' already exists"}`},
		{"stop bridge moh that is not playing", "DELETE", "/bridges/err-bridge/moh", "", 409, `{"message":"Bridge isn't playing music on hold"}`},

		{"bogus hangup reason", "DELETE", "/channels/" + f.cust + "?reason=bogus", "", 400, `{"message":"Invalid reason for hangup reason provided"}`},
		{"dtmf without digits", "POST", "/channels/" + f.cust + "/dtmf", "", 400, `{"message":"DTMF is required"}`},
		{"mute sideways", "POST", "/channels/" + f.cust + "/mute?direction=sideways", "", 400, `{"message":"Invalid direction specified"}`},
		{"unknown playback", "GET", "/playbacks/no-such-playback", "", 404, `{"message":"Playback not found"}`},
		{"unknown endpoint", "GET", "/endpoints/PJSIP/nosuch", "", 404, `{"message":"Endpoint not found"}`},
		{"unknown application", "GET", "/applications/nosuch", "", 404, `{"message":"Application not found"}`},
		{"unsubscribe what was never subscribed", "DELETE", "/applications/ccaas/subscription?eventSource=endpoint:PJSIP/2001", "", 422, `{"message":"Event source was not subscribed to"}`},
		{"subscribe to unknown endpoint", "POST", "/applications/ccaas/subscription?eventSource=endpoint:PJSIP/nosuch", "", 422, `{"message":"Event source does not exist"}`},
		{"unknown config class", "PUT", "/asterisk/config/dynamic/res_nosuch/endpoint/x", `{"fields":[{"attribute":"context","value":"agents"}]}`, 404, `{"message":"configClass 'res_nosuch' not found"}`},
		{"unknown config type", "PUT", "/asterisk/config/dynamic/res_pjsip/nosuchtype/x", `{"fields":[]}`, 404, `{"message":"objectType 'nosuchtype' not found"}`},
		{"unknown config object", "GET", "/asterisk/config/dynamic/res_pjsip/endpoint/agentdyn1", "", 404, `{"message":"Object with id 'agentdyn1' not found"}`},
		{"events without app", "GET", "/events?api_key=ccaas:ccaas", "", 400, badRequestApp},
		{"ping", "GET", "/asterisk/ping", "", 200, "*"},
		{"ring stop on customer", "DELETE", "/channels/" + f.cust + "/ring", "", 204, ""},
		{"hold customer", "POST", "/channels/" + f.cust + "/hold", "", 204, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			status, body := f.do(tc.method, tc.target, tc.body)
			if status != tc.status || (tc.want != "*" && body != tc.want) {
				t.Errorf("%s %s: got %d %s, want %d %s", tc.method, tc.target, status, body, tc.status, tc.want)
			}
		})
	}
}

func TestAuth(t *testing.T) {
	r := newRig(t, Config{Username: "u", Password: "p"})
	tests := []struct {
		name   string
		target string
		user   string
		pass   string
		status int
	}{
		{"no credentials", "/ari/channels", "", "", 401},
		{"wrong password", "/ari/channels", "u", "wrong", 401},
		{"basic auth", "/ari/channels", "u", "p", 200},
		{"api_key", "/ari/channels?api_key=u:p", "", "", 200},
		{"wrong api_key", "/ari/channels?api_key=u:x", "", "", 401},
		{"events with wrong api_key", "/ari/events?app=ccaas&api_key=u:x", "", "", 401},
		{"outside /ari", "/other", "u", "p", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", r.srv.URL+tc.target, nil)
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == 401 {
				var body ari.ErrorBody
				_ = json.NewDecoder(resp.Body).Decode(&body)
				if body.Message != "Authentication required" {
					t.Errorf("body %+v", body)
				}
			}
		})
	}
}

// TestHangupTwice: 204, then 404 once the channel is gone (the simulator
// hangs up synchronously, so a second DELETE never sees it).
func TestHangupTwice(t *testing.T) {
	r := newRig(t, Config{})
	e := r.connect("ccaas")
	id := r.placeCall(e, "5550005")
	r.must(204, "DELETE", "/channels/"+id, "")
	e.expect("ChannelHangupRequest "+id+" cause=32 soft", "StasisEnd "+id)
	r.must(404, "DELETE", "/channels/"+id, "")
}

// TestEndCause: the cause a channel ended with is what its far end was
// told: busy (17) for DELETE ?reason=busy, 16 for a normal hang-up; a
// channel that is up has none, and only the last endedKept are kept.
func TestEndCause(t *testing.T) {
	r := newRig(t, Config{})
	e := r.connect("ccaas")
	busy, normal := r.placeCall(e, "5550005"), r.placeCall(e, "5550006")
	if _, ok := r.sim.EndCause(busy); ok {
		t.Fatal("a cause for a channel that is up")
	}
	r.must(204, "DELETE", "/channels/"+busy+"?reason=busy", "")
	r.must(204, "DELETE", "/channels/"+normal, "")
	if c, ok := r.sim.EndCause(busy); !ok || c != 17 {
		t.Errorf("busy: cause %d (%v), want 17", c, ok)
	}
	if c, ok := r.sim.EndCause(normal); !ok || c != 16 {
		t.Errorf("normal: cause %d (%v), want 16", c, ok)
	}
	r.sim.mu.Lock()
	for i := range endedKept {
		r.sim.endedLocked(fmt.Sprint("later-", i), 16)
	}
	r.sim.mu.Unlock()
	if _, ok := r.sim.EndCause(busy); ok || len(r.sim.ended) != endedKept {
		t.Errorf("kept %d causes, the oldest among them (%v); want %d, not the oldest", len(r.sim.ended), ok, endedKept)
	}
}

func TestAsteriskResources(t *testing.T) {
	r := newRig(t, Config{})
	tests := []struct {
		name   string
		target string
		check  func(t *testing.T, body string)
	}{
		{"ping", "/asterisk/ping", func(t *testing.T, body string) {
			var p ari.AsteriskPing
			if err := json.Unmarshal([]byte(body), &p); err != nil || p.Ping != "pong" || p.AsteriskID == "" || p.Timestamp == "" {
				t.Errorf("ping %s (%v)", body, err)
			}
		}},
		{"info", "/asterisk/info", func(t *testing.T, body string) {
			var info ari.AsteriskInfo
			if err := json.Unmarshal([]byte(body), &info); err != nil || info.System == nil || !strings.HasPrefix(info.System.Version, "22.") {
				t.Errorf("info %s (%v)", body, err)
			}
		}},
		{"modules", "/asterisk/modules", func(t *testing.T, body string) {
			for _, m := range []string{"res_ari.so", "res_stasis.so", "res_pjsip.so", "res_pjsip_session.so", "chan_pjsip.so", "res_musiconhold.so", "res_sorcery_memory.so", "app_stasis.so"} {
				if !strings.Contains(body, `"`+m+`"`) {
					t.Errorf("modules lack %s", m)
				}
			}
		}},
		{"endpoints", "/endpoints", func(t *testing.T, body string) {
			if body != `[{"technology":"PJSIP","resource":"pstn","state":"online","channel_ids":[]}]` {
				t.Errorf("endpoints %s", body)
			}
		}},
		{"empty channels", "/channels", func(t *testing.T, body string) {
			if body != `[]` {
				t.Errorf("channels %s", body)
			}
		}},
		{"empty bridges", "/bridges", func(t *testing.T, body string) {
			if body != `[]` {
				t.Errorf("bridges %s", body)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.t = t
			tc.check(t, r.must(200, "GET", tc.target, ""))
		})
	}
}
