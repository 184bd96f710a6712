package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ccaas/ccaas/http/metricstest"
)

// scrape GETs /metrics with the given Authorization header ("" for none)
// and parses the answer (metricstest.Parse).
func scrape(t *testing.T, base, auth string) (int, map[string]float64) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil
	}
	out, err := metricstest.Parse(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// TestDemoMetrics runs the real binary's demo, takes a queue call over HTTP
// and the CTI socket, and reads each step off /metrics (from loopback, no
// token: the demo's rule).
func TestDemoMetrics(t *testing.T) {
	base := startDemo(t)
	metric := func(key string) float64 {
		t.Helper()
		code, m := scrape(t, base, "")
		if code != http.StatusOK {
			t.Fatalf("scrape: %d", code)
		}
		return m[key]
	}
	const (
		waiting   = `ccaas_calls_waiting{queue="Support",tenant="demo.local"}`
		talking   = `ccaas_calls_talking{tenant="demo.local"}`
		qTalking  = `ccaas_queue_calls_talking{queue="Support",tenant="demo.local"}`
		loggedIn  = `ccaas_agents_logged_in{tenant="demo.local"}`
		ctiSocket = `ccaas_websocket_clients{kind="cti"}`
		estimate  = `ccaas_queue_estimated_wait_seconds{queue="Support",tenant="demo.local"}`
		answers   = `ccaas_ari_request_seconds_count{code="204",method="POST",route="/channels/{id}/answer"}`
	)
	is := func(what, key string, want float64) {
		t.Helper()
		var got float64
		waitUntil(t, fmt.Sprintf("%s: %s = %v", what, key, want), func() bool { got = metric(key); return got == want })
	}

	// nobody logged in: every agent of the demo tenant is logged out, among
	// them the demo's agents, the members of Support
	_, first := scrape(t, base, "")
	agents := 0.0
	for k, v := range first {
		if strings.HasPrefix(k, "ccaas_agents{") && strings.Contains(k, `tenant="demo.local"`) {
			agents += v
		}
	}
	loggedOut := first[`ccaas_agents{state="logged_out",tenant="demo.local"}`]
	members := first[`ccaas_queue_agents{queue="Support",state="logged_out",tenant="demo.local"}`]
	if loggedOut != agents || agents < float64(len(demoAgents)) || members != float64(len(demoAgents)) ||
		first[ctiSocket] != 0 || first[`ccaas_stats_complete{}`] != 1 {
		t.Fatalf("before anyone logs in: %v agents, %v logged out, %v Support members logged out, cti %v, complete %v",
			agents, loggedOut, members, first[ctiSocket], first[`ccaas_stats_complete{}`])
	}

	b := newBrowser(t, base)
	if code, body := b.post("/api/login", `{"username":"bob","password":"bob-demo","domain":"demo.local"}`); code != http.StatusOK {
		t.Fatalf("login: %d %s", code, body)
	}
	ws := b.cti()
	ws.next("snapshot", func(m msg) bool { return m["type"] == "snapshot" })
	is("the agent's socket is open", ctiSocket, 1)
	is("the agent is logged in", loggedIn, 1)

	// bob is Not Ready: the caller waits
	if code, body := b.post("/api/demo/calls", `{"from":"+4930111222"}`); code != http.StatusCreated {
		t.Fatalf("demo call: %d %s", code, body)
	}
	is("one caller, nobody Ready", waiting, 1)
	// bob works in Support (Not Ready: he takes no calls): no estimate yet
	if _, ok := func() (float64, bool) { _, m := scrape(t, base, ""); v, ok := m[estimate]; return v, ok }(); ok {
		t.Fatalf("%s given while nobody takes Support's calls", estimate)
	}
	is("Support is open all week", `ccaas_queue_open{queue="Support",tenant="demo.local"}`, 1)
	if n := metric(talking); n != 0 {
		t.Fatalf("talking %v before anyone answered", n)
	}

	ws.send(`{"id":"1","cmd":"ready"}`)
	offer := ws.next("offer", func(m msg) bool { return m["type"] == "offer" })
	ws.send(`{"id":"2","cmd":"answer","call":"` + offer.sub("call")["id"].(string) + `"}`)
	ws.next("connected", isCall("connected"))
	is("answered: nobody waits", waiting, 0)
	// bob talks: the next caller waits for his call, 3 minutes before any
	// call of the queue ended (the estimate's prior)
	is("bob busy: a caller would wait for his call", estimate, 180)
	is("answered: one call talking", talking, 1)
	is("answered: through Support", qTalking, 1)
	is("bob talks", `ccaas_agents{state="talking",tenant="demo.local"}`, 1)
	is("bob talks as a Support member", `ccaas_queue_agents{queue="Support",state="talking",tenant="demo.local"}`, 1)

	_, m := scrape(t, base, "")
	if m[answers] < 1 {
		t.Fatalf("%s = %v: the customer's answer was not measured", answers, m[answers])
	}
	// bob's Answer was timed to the connection; the caller waited for him
	// to be Ready, so StasisStart → offer has nothing to time
	if n, o := m[`ccaas_call_phase_seconds_count{phase="answer_to_connected"}`], m[`ccaas_call_phase_seconds_count{phase="stasis_to_offer"}`]; n != 1 || o != 0 {
		t.Fatalf("phases timed: answer_to_connected %v, stasis_to_offer %v; want 1 and 0", n, o)
	}
	// the line's and the customer's StasisStart are counted; bridge moves are
	// held back by the app's event filter and never arrive
	if m[`ccaas_ari_events_total{type="StasisStart"}`] < 2 || m[`ccaas_ari_events_total{type="ChannelEnteredBridge"}`] != 0 {
		t.Fatalf("events: StasisStart %v, ChannelEnteredBridge %v", m[`ccaas_ari_events_total{type="StasisStart"}`], m[`ccaas_ari_events_total{type="ChannelEnteredBridge"}`])
	}
	for k := range m {
		if strings.HasPrefix(k, "ccaas_ari_request_seconds_count{") && (strings.Contains(k, "bob") || strings.Contains(k, "cust")) {
			t.Fatalf("an id in a route label: %s", k)
		}
	}

	// the page goes away: the socket closes, bob is logged out, and the
	// customer goes back to the head of the queue
	ws.conn.Close()
	is("the socket is closed", ctiSocket, 0)
	is("bob is logged out", loggedIn, 0)
	is("the caller is back in the queue", waiting, 1)
	is("nobody talks", talking, 0)
}

// TestDemoMetricsToken: with a token, /metrics needs it, from loopback too.
func TestDemoMetricsToken(t *testing.T) {
	const token = "a-long-metrics-token-for-tests"
	t.Setenv("CCAAS_METRICS_TOKEN", token)
	base := startDemo(t)
	tests := []struct {
		name, auth string
		want       int
	}{
		{name: "no token", want: http.StatusUnauthorized},
		{name: "wrong token", auth: "Bearer a-long-metrics-token-for-tests-not", want: http.StatusUnauthorized},
		{name: "right token", auth: "Bearer " + token, want: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, m := scrape(t, base, tt.auth)
			if code != tt.want {
				t.Fatalf("status %d, want %d", code, tt.want)
			}
			if code == http.StatusOK && m[`ccaas_queue_agents{queue="Support",state="logged_out",tenant="demo.local"}`] != float64(len(demoAgents)) {
				t.Fatalf("scrape lacks the demo tenant: %v", m)
			}
		})
	}
}

func TestMetricsTokenValidation(t *testing.T) {
	tests := []struct {
		name, token string
		ok          bool
	}{
		{name: "none", token: "", ok: true},
		{name: "good", token: "Zm9vYmFyYmF6cXV4cXV1eA==", ok: true},
		{name: "short", token: "short"},
		{name: "space", token: "a token with spaces in it"},
		{name: "newline", token: "0123456789abcdef\r\nX-Evil: 1"},
		{name: "non-ASCII", token: "0123456789abcdéf"},
		{name: "too long", token: strings.Repeat("x", 257)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := validMetricsToken(tt.token); (err == nil) != tt.ok {
				t.Fatalf("validMetricsToken(%q) = %v", tt.token, err)
			}
			if !tt.ok {
				// refused before it starts (a cancelled context, should it start anyway)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				args := []string{"demo", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"), "--metrics-token", tt.token}
				err := run(ctx, args, strings.NewReader(""), io.Discard, io.Discard)
				if err == nil || !strings.Contains(err.Error(), "--metrics-token") {
					t.Fatalf("demo with token %q: %v", tt.token, err)
				}
			}
		})
	}
}
