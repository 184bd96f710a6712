package http

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/http/metricstest"
)

func parseMetrics(t *testing.T, r io.Reader) map[string]float64 {
	t.Helper()
	out, err := metricstest.Parse(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fakeStats answers Stats with fixed figures and, optionally, an error (a
// tenant that did not answer).
type fakeStats struct {
	stats []app.TenantStats
	err   error
}

func (f fakeStats) Stats(ctx context.Context) ([]app.TenantStats, error) { return f.stats, f.err }

func states(kv ...any) map[string]int {
	m := map[string]int{}
	for _, s := range app.AgentStates {
		m[s] = 0
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1].(int)
	}
	return m
}

func get(t *testing.T, h http.Handler, remote string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = remote
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const tenantSecret = "secret-tenant.example" // a tenant's domain: only authorised scrapers see it

func TestMetricsAccess(t *testing.T) {
	const token = "s3cret-metrics-token-0123456789"
	stats := fakeStats{stats: []app.TenantStats{{Domain: tenantSecret, Agents: states()}}}
	open := New(Config{Agents: fakeAccounts{session: &app.Session{}}, Stats: stats})
	locked := New(Config{Agents: fakeAccounts{session: &app.Session{}}, Stats: stats, MetricsToken: token})
	tests := []struct {
		name   string
		srv    *Server
		remote string
		header http.Header
		want   int
	}{
		{name: "loopback", srv: open, remote: "127.0.0.1:50000", want: http.StatusOK},
		{name: "loopback 127.0.0.53", srv: open, remote: "127.0.0.53:50000", want: http.StatusOK},
		{name: "IPv6 loopback", srv: open, remote: "[::1]:50000", want: http.StatusOK},
		{name: "IPv4-mapped loopback", srv: open, remote: "[::ffff:127.0.0.1]:50000", want: http.StatusOK},
		{name: "another machine", srv: open, remote: "192.0.2.7:50000", want: http.StatusForbidden},
		{name: "another machine over IPv6", srv: open, remote: "[2001:db8::7]:50000", want: http.StatusForbidden},
		{name: "unspecified address", srv: open, remote: "0.0.0.0:1", want: http.StatusForbidden},
		{name: "garbage remote address", srv: open, remote: "localhost", want: http.StatusForbidden},
		{name: "another machine claiming loopback", srv: open, remote: "192.0.2.7:50000", header: http.Header{"X-Forwarded-For": {"127.0.0.1"}}, want: http.StatusForbidden},
		{name: "relayed by a local proxy", srv: open, remote: "127.0.0.1:50000", header: http.Header{"X-Forwarded-For": {"203.0.113.9"}}, want: http.StatusForbidden},
		{name: "relayed with Forwarded", srv: open, remote: "127.0.0.1:50000", header: http.Header{"Forwarded": {"for=203.0.113.9"}}, want: http.StatusForbidden},
		{name: "relayed with X-Real-IP", srv: open, remote: "127.0.0.1:50000", header: http.Header{"X-Real-Ip": {"203.0.113.9"}}, want: http.StatusForbidden},
		{name: "token ignored without one set", srv: open, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Bearer " + token}}, want: http.StatusForbidden},

		{name: "token: right one", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Bearer " + token}}, want: http.StatusOK},
		{name: "token: scheme in lower case", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"bearer " + token}}, want: http.StatusOK},
		{name: "token: loopback needs it too", srv: locked, remote: "127.0.0.1:50000", want: http.StatusUnauthorized},
		{name: "token: wrong one", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Bearer wrong"}}, want: http.StatusUnauthorized},
		{name: "token: a prefix of it", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Bearer " + token[:len(token)-1]}}, want: http.StatusUnauthorized},
		{name: "token: with more after it", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Bearer " + token + "x"}}, want: http.StatusUnauthorized},
		{name: "token: as basic auth", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Basic " + token}}, want: http.StatusUnauthorized},
		{name: "token: without scheme", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {token}}, want: http.StatusUnauthorized},
		{name: "token: empty bearer", srv: locked, remote: "192.0.2.7:50000", header: http.Header{"Authorization": {"Bearer "}}, want: http.StatusUnauthorized},
		{name: "token: in a cookie is not read", srv: locked, remote: "127.0.0.1:50000", header: http.Header{"Cookie": {"token=" + token}}, want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, tt.srv, tt.remote, tt.header)
			if rec.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
			body := rec.Body.String()
			if tt.want != http.StatusOK {
				if strings.Contains(body, tenantSecret) || strings.Contains(body, "ccaas_") {
					t.Fatalf("a refusal shows metrics: %s", body)
				}
				if tt.want == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
				return
			}
			if !strings.Contains(body, `tenant="`+tenantSecret+`"`) {
				t.Fatalf("scrape lacks the tenant figures:\n%s", body)
			}
		})
	}
}

// TestMetricsFigures scrapes the collector over fake figures with hostile
// names and checks each value and that the exposition stays valid.
func TestMetricsFigures(t *testing.T) {
	hostileQueue := "Sales \"EU\"\n<b>\\\xff"
	stats := fakeStats{stats: []app.TenantStats{
		{Domain: "acme.example", Talking: 3, LoggedIn: 4, Agents: states("talking", 3, "ready", 1, "logged_out", 2),
			Refused: map[string]int{event.RefusedNode: 7, event.RefusedTenant: 0},
			Queues: []app.QueueStats{
				{Name: "Support", Waiting: 2, Talking: 1, Members: states("talking", 1, "ready", 1), Open: true, EstimatedWait: 90 * time.Second, Estimated: true, Callbacks: 3, Voicemails: 1},
				{Name: hostileQueue, Waiting: 5, Talking: 2, Members: states("talking", 2)},
			}},
		{Domain: "other.example", Agents: states("logged_out", 1), Queues: []app.QueueStats{{Name: "Support", Members: states("logged_out", 1)}}},
	}}
	m := NewMetrics()
	srv := New(Config{Agents: fakeAccounts{session: &app.Session{}}, Stats: stats, Metrics: m})
	m.ObserveARI("POST", "/channels/{id}/answer", 204, 2*time.Millisecond)
	m.ObserveARI("POST", "/channels/{id}/answer", 204, 3*time.Millisecond)
	m.ObserveARI("DELETE", "/channels/{id}", 0, time.Second)
	m.ObservePhase(app.PhaseOffer, 400*time.Microsecond)
	m.ObservePhase(app.PhaseConnect, time.Millisecond)
	m.ObservePhase(app.PhaseConnect, 2*time.Millisecond)
	for range 3 {
		m.CountEvent("StasisStart")
	}
	m.CountEvent("other")

	rec := get(t, srv, "127.0.0.1:1", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	got := parseMetrics(t, rec.Body)
	hostile := strings.ToValidUTF8(hostileQueue, "\uFFFD")
	want := map[string]float64{
		`ccaas_stats_complete{}`:                                                                  1,
		`ccaas_calls_talking{tenant="acme.example"}`:                                              3,
		`ccaas_calls_talking{tenant="other.example"}`:                                             0,
		`ccaas_agents_logged_in{tenant="acme.example"}`:                                           4,
		`ccaas_agents{state="talking",tenant="acme.example"}`:                                     3,
		`ccaas_agents{state="wrapup",tenant="acme.example"}`:                                      0,
		`ccaas_agents{state="logged_out",tenant="other.example"}`:                                 1,
		`ccaas_calls_waiting{queue="Support",tenant="acme.example"}`:                              2,
		`ccaas_calls_waiting{queue="Support",tenant="other.example"}`:                             0,
		fmt.Sprintf(`ccaas_calls_waiting{queue=%q,tenant="acme.example"}`, hostile):               5,
		fmt.Sprintf(`ccaas_queue_calls_talking{queue=%q,tenant="acme.example"}`, hostile):         2,
		`ccaas_queue_calls_talking{queue="Support",tenant="acme.example"}`:                        1,
		`ccaas_queue_agents{queue="Support",state="ready",tenant="acme.example"}`:                 1,
		`ccaas_queue_agents{queue="Support",state="offered",tenant="acme.example"}`:               0,
		`ccaas_queue_open{queue="Support",tenant="acme.example"}`:                                 1,
		fmt.Sprintf(`ccaas_queue_open{queue=%q,tenant="acme.example"}`, hostile):                  0,
		`ccaas_queue_estimated_wait_seconds{queue="Support",tenant="acme.example"}`:               90,
		`ccaas_queue_callbacks_waiting{queue="Support",tenant="acme.example"}`:                    3,
		`ccaas_queue_voicemails_waiting{queue="Support",tenant="acme.example"}`:                   1,
		`ccaas_ari_request_seconds_count{code="204",method="POST",route="/channels/{id}/answer"}`: 2,
		`ccaas_ari_request_seconds_count{code="error",method="DELETE",route="/channels/{id}"}`:    1,
		`ccaas_ari_events_total{type="StasisStart"}`:                                              3,
		`ccaas_call_phase_seconds_count{phase="stasis_to_offer"}`:                                 1,
		`ccaas_calls_refused_total{reason="node",tenant="acme.example"}`:                          7,
		`ccaas_calls_refused_total{reason="tenant",tenant="acme.example"}`:                        0,
		`ccaas_calls_refused_total{reason="node",tenant="other.example"}`:                         0,
		`ccaas_call_phase_seconds_count{phase="answer_to_connected"}`:                             2,
		`ccaas_ari_events_total{type="other"}`:                                                    1,
		`ccaas_websocket_clients{kind="cti"}`:                                                     0,
		`ccaas_websocket_clients{kind="sip"}`:                                                     0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	if sum := got[`ccaas_call_phase_seconds_sum{phase="answer_to_connected"}`]; sum < 0.0029 || sum > 0.0031 {
		t.Errorf("answer_to_connected sum %v, want 0.003", sum)
	}
	if sum := got[`ccaas_ari_request_seconds_sum{code="204",method="POST",route="/channels/{id}/answer"}`]; sum < 0.0049 || sum > 0.0051 {
		t.Errorf("answer latency sum %v, want 0.005", sum)
	}
	// every state of every queue, none left out
	n := 0
	for k := range got {
		if strings.HasPrefix(k, "ccaas_queue_agents{") {
			n++
		}
	}
	if n != 3*len(app.AgentStates) {
		t.Errorf("%d ccaas_queue_agents series, want %d", n, 3*len(app.AgentStates))
	}
	// no estimate while nobody works in the queue: no series rather than a 0
	if _, ok := got[fmt.Sprintf(`ccaas_queue_estimated_wait_seconds{queue=%q,tenant="acme.example"}`, hostile)]; ok {
		t.Error("an estimate for a queue nobody works in")
	}
	if _, ok := got[`go_goroutines{}`]; !ok {
		t.Error("no Go collector")
	}
	if _, ok := got[`process_open_fds{}`]; !ok {
		t.Error("no process collector")
	}
}

// TestMetricsIncomplete: a tenant loop that does not answer leaves the
// others' figures and says so.
func TestMetricsIncomplete(t *testing.T) {
	stats := fakeStats{
		stats: []app.TenantStats{{Domain: "acme.example", Talking: 1, Agents: states()}},
		err:   fmt.Errorf("stats of tenant 2: %w", context.DeadlineExceeded),
	}
	srv := New(Config{Agents: fakeAccounts{session: &app.Session{}}, Stats: stats})
	rec := get(t, srv, "127.0.0.1:1", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	got := parseMetrics(t, rec.Body)
	if got[`ccaas_stats_complete{}`] != 0 || got[`ccaas_calls_talking{tenant="acme.example"}`] != 1 {
		t.Fatalf("complete %v, talking %v", got[`ccaas_stats_complete{}`], got[`ccaas_calls_talking{tenant="acme.example"}`])
	}
}

// TestMetricsSIPClients counts a /sip socket while it is open.
func TestMetricsSIPClients(t *testing.T) {
	asterisk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := (&websocket.Upgrader{Subprotocols: []string{"sip"}}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	}))
	defer asterisk.Close()
	sess := &app.Session{ID: "sess-1", Agent: ccaas.Agent{Username: "alice"}}
	acct := fakeAccounts{session: sess}
	h := New(Config{Agents: acct, SIP: acct, SIPUpstream: "ws" + strings.TrimPrefix(asterisk.URL, "http")})
	srv := httptest.NewServer(h)
	defer srv.Close()
	sipClients := func() float64 {
		return parseMetrics(t, get(t, h, "127.0.0.1:1", nil).Body)[`ccaas_websocket_clients{kind="sip"}`]
	}
	c, _, err := (&websocket.Dialer{Subprotocols: []string{"sip"}}).Dial("ws"+strings.TrimPrefix(srv.URL, "http")+"/sip",
		http.Header{"Origin": {srv.URL}, "Cookie": {SessionCookie + "=sess-1"}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "one sip client", func() bool { return sipClients() == 1 })
	c.Close()
	eventually(t, "no sip client", func() bool { return sipClients() == 0 })
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// BenchmarkHotPath is what each ARI request and each ARI event adds.
func BenchmarkHotPath(b *testing.B) {
	m := NewMetrics()
	b.Run("ObserveARI", func(b *testing.B) {
		for b.Loop() {
			m.ObserveARI("POST", "/channels/{id}/answer", 204, time.Millisecond)
		}
	})
	b.Run("CountEvent", func(b *testing.B) {
		for b.Loop() {
			m.CountEvent("ChannelEnteredBridge")
		}
	})
}

// BenchmarkScrape serves /metrics for 20 tenants of 5 queues each.
func BenchmarkScrape(b *testing.B) {
	var stats fakeStats
	for i := range 20 {
		ts := app.TenantStats{Domain: fmt.Sprintf("t%d.example", i), Agents: states("ready", 3)}
		for j := range 5 {
			ts.Queues = append(ts.Queues, app.QueueStats{Name: fmt.Sprintf("Queue %d", j), Waiting: j, Members: states("ready", 2)})
		}
		stats.stats = append(stats.stats, ts)
	}
	srv := New(Config{Agents: fakeAccounts{session: &app.Session{}}, Stats: stats})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.RemoteAddr = "127.0.0.1:1"
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
