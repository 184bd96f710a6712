package asterisksim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest throws arbitrary methods, paths and bodies at the REST
// handlers (the request decoder, originate variables, push configuration,
// bridge and channel parameters): the simulator must never panic, and every
// answer must be an HTTP status with either no body or JSON.
func FuzzRequest(f *testing.F) {
	seeds := []struct{ method, target, body string }{
		{"POST", "/channels", `{"endpoint":"PJSIP/2001","app":"ccaas","appArgs":"a,b","channelId":"c1","variables":{"A":"1","B":{"value":"2","report_events":true}}}`},
		{"POST", "/channels", `{"endpoint":"PJSIP/pstn/sip:+15550100@carrier","app":"ccaas","timeout":-1,"callerId":"\"Q\" <1>"}`},
		{"POST", "/channels/c2", `{"endpoint":"PJSIP/1002@pstn","app":"ccaas","variables":{"A":1}}`},
		{"PUT", "/asterisk/config/dynamic/res_pjsip/endpoint/x", `{"fields":[{"attribute":"allow","value":"ulaw,alaw"},{"attribute":"webrtc","value":"yes"}]}`},
		{"PUT", "/asterisk/config/dynamic/res_pjsip/aor/x", `{"fields":"nope"}`},
		{"POST", "/bridges", `{"bridgeId":"b","type":"holding,dtmf_events","name":"n"}`},
		{"POST", "/bridges/b/addChannel", `{"channel":["c1","c2"]}`},
		{"POST", "/bridges/b/removeChannel?channel=c1,c1", ``},
		{"POST", "/channels/c1/snoop?spy=both&app=ccaas&snoopId=s1", ``},
		{"POST", "/channels/c1/play?media=sound:beep,tone:ring&playbackId=p", ``},
		{"POST", "/channels/c1/variable", `{"variable":"CALLERID(name)","value":"x"}`},
		{"DELETE", "/channels/c1?reason_code=17", ``},
		{"POST", "/applications/ccaas/subscription?eventSource=channel:c1,bridge:b,endpoint:PJSIP", ``},
		{"GET", "/%zz/..", `[`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.body)
	}
	sim := New(Config{ChannelVars: []string{"A"}})
	sim.AddEndpoint("PJSIP/2001", BehaviourAnswer)
	f.Cleanup(func() { _ = sim.Close() })

	f.Fuzz(func(t *testing.T, method, target, body string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		if strings.HasPrefix(target, "/events") {
			return // the WebSocket upgrade needs a real connection
		}
		req, err := http.NewRequest(method, "http://sim/ari"+target, strings.NewReader(body))
		if err != nil {
			return
		}
		req.SetBasicAuth("ccaas", "ccaas")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		if rec.Body.Len() > 0 && strings.Contains(rec.Header().Get("Content-Type"), "json") && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%d answer is not JSON: %q", rec.Code, rec.Body.String())
		}
	})
}
