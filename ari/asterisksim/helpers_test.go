package asterisksim

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/internal/memnet"
)

// waitFor bounds every wait for an event; tests never sleep for timers.
const waitFor = 5 * time.Second

type rig struct {
	t      *testing.T
	sim    *Sim
	srv    *httptest.Server // nil for a rig in memory
	url    string           // the server's
	client *http.Client
	dialer *websocket.Dialer
}

// newRig serves a simulator on a loopback socket.
func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	s := New(cfg)
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Close()
		srv.Close()
	})
	return &rig{t: t, sim: s, srv: srv, url: srv.URL, client: http.DefaultClient, dialer: websocket.DefaultDialer}
}

// newMemRig serves a simulator in memory, for a test in a synctest bubble:
// its timers (answer delays, originate timeouts) run on the fake clock.
func newMemRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	s := New(cfg)
	srv := memnet.NewServer("asterisk.test:8088", s)
	t.Cleanup(func() {
		_ = s.Close() // its events sockets are hijacked: the server does not close them
		srv.Close()
	})
	return &rig{t: t, sim: s, url: srv.URL, client: srv.Client(), dialer: &websocket.Dialer{NetDialContext: srv.Listener.DialContext}}
}

// ariClient is our ARI client for the rig's server, as ccaas:ccaas, with
// cfg's other settings.
func (r *rig) ariClient(cfg ari.Config) (*ari.Client, error) {
	cfg.URL, cfg.Username, cfg.Password = r.url+"/ari", "ccaas", "ccaas"
	if r.srv == nil {
		cfg.HTTPClient = r.client // in memory; on a socket the client keeps its own
	}
	return ari.New(cfg)
}

// do sends a raw ARI request as ccaas:ccaas; target is a path under /ari
// with an optional query. A body starting with '{' or '[' is sent as JSON,
// any other non-empty body as raw text with a JSON content type.
func (r *rig) do(method, target, body string) (int, string) {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.url+"/ari"+target, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.SetBasicAuth("ccaas", "ccaas")
	resp, err := r.client.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// must is do that fails the test on an unexpected status.
func (r *rig) must(status int, method, target, body string) string {
	r.t.Helper()
	got, data := r.do(method, target, body)
	if got != status {
		r.t.Fatalf("%s %s: status %d %s, want %d", method, target, got, data, status)
	}
	return data
}

// events is one events WebSocket, read by a goroutine into a channel.
type events struct {
	t    *testing.T
	conn *websocket.Conn
	ch   chan ari.Event
	done chan error
}

func (r *rig) connect(app string) *events {
	r.t.Helper()
	u := "ws" + strings.TrimPrefix(r.url, "http") + "/ari/events?app=" + url.QueryEscape(app) + "&api_key=ccaas:ccaas&subscribeAll=false"
	conn, resp, err := r.dialer.Dial(u, nil)
	if err != nil {
		r.t.Fatalf("dial events: %v (%v)", err, resp)
	}
	e := &events{t: r.t, conn: conn, ch: make(chan ari.Event, 4096), done: make(chan error, 1)}
	go func() {
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				e.done <- err
				close(e.ch)
				return
			}
			ev, err := ari.DecodeEvent(data)
			if err != nil {
				e.done <- fmt.Errorf("decode %s: %w", data, err)
				close(e.ch)
				return
			}
			e.ch <- ev
		}
	}()
	r.t.Cleanup(func() { _ = conn.Close() })
	return e
}

// next returns the next event, failing the test after waitFor.
func (e *events) next() ari.Event {
	e.t.Helper()
	select {
	case ev, ok := <-e.ch:
		if !ok {
			e.t.Fatalf("events socket ended: %v", <-e.done)
		}
		return ev
	case <-time.After(waitFor):
		e.t.Fatalf("no event within %v", waitFor)
	}
	return nil
}

// noise are the events a real Asterisk sends around bridging and hangup that
// most tests do not care about.
func noise(ev ari.Event) bool {
	switch v := ev.(type) {
	case *ari.ChannelConnectedLine:
		return true
	case *ari.ChannelVarset:
		return strings.HasPrefix(v.Variable, "RTPAUDIOQOS") || strings.HasPrefix(v.Variable, "BRIDGEP")
	}
	return false
}

// expect reads events, skipping noise, and compares their descriptions with
// want in order. It returns the events read (noise excluded).
func (e *events) expect(want ...string) []ari.Event {
	e.t.Helper()
	var got []ari.Event
	for i, w := range want {
		ev := e.next()
		for noise(ev) {
			ev = e.next()
		}
		got = append(got, ev)
		if d := describe(ev); d != w {
			e.t.Fatalf("event %d: got %q, want %q", i, d, w)
		}
	}
	return got
}

// expectAll is expect without skipping noise.
func (e *events) expectAll(want ...string) {
	e.t.Helper()
	for i, w := range want {
		if d := describe(e.next()); d != w {
			e.t.Fatalf("event %d: got %q, want %q", i, d, w)
		}
	}
}

// quiet asserts that no (non-noise) event arrives within d. It is the one
// bounded wait for an absence; prefer a marker event where one exists.
func (e *events) quiet(d time.Duration) {
	e.t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-e.ch:
			if !ok {
				e.t.Fatalf("events socket ended: %v", <-e.done)
			}
			if !noise(ev) {
				e.t.Fatalf("unexpected event %q", describe(ev))
			}
		case <-deadline:
			return
		}
	}
}

// describe renders an event compactly for order assertions.
func describe(ev ari.Event) string {
	switch v := ev.(type) {
	case *ari.StasisStart:
		return fmt.Sprintf("StasisStart %s [%s]", v.Channel.ID, strings.Join(v.Args, ","))
	case *ari.StasisEnd:
		return "StasisEnd " + v.Channel.ID
	case *ari.ChannelStateChange:
		return "ChannelStateChange " + v.Channel.ID + " " + v.Channel.State
	case *ari.Dial:
		return fmt.Sprintf("Dial %s %q", v.Peer.ID, v.DialStatus)
	case *ari.ChannelVarset:
		id := ""
		if v.Channel != nil {
			id = v.Channel.ID
		}
		return fmt.Sprintf("ChannelVarset %s %s=%s", id, v.Variable, v.Value)
	case *ari.ChannelHangupRequest:
		return "ChannelHangupRequest " + v.Channel.ID + hangupDetail(v)
	case *ari.ChannelDestroyed:
		return fmt.Sprintf("ChannelDestroyed %s %d %s", v.Channel.ID, v.Cause, v.CauseTxt) + techCause(v.TechCause)
	case *ari.ChannelEnteredBridge:
		return fmt.Sprintf("ChannelEnteredBridge %s %s %v", v.Bridge.ID, v.Channel.ID, v.Bridge.Channels)
	case *ari.ChannelLeftBridge:
		return fmt.Sprintf("ChannelLeftBridge %s %s %v", v.Bridge.ID, v.Channel.ID, v.Bridge.Channels)
	case *ari.BridgeDestroyed:
		return "BridgeDestroyed " + v.Bridge.ID
	case *ari.ChannelDtmfReceived:
		return fmt.Sprintf("ChannelDtmfReceived %s %s", v.Channel.ID, v.Digit)
	case *ari.PlaybackStarted:
		return fmt.Sprintf("PlaybackStarted %s %s %s", v.Playback.ID, v.Playback.TargetURI, v.Playback.State)
	case *ari.PlaybackFinished:
		return fmt.Sprintf("PlaybackFinished %s %s %s", v.Playback.ID, v.Playback.TargetURI, v.Playback.State)
	case *ari.EndpointStateChange:
		return fmt.Sprintf("EndpointStateChange %s %s %v", v.Endpoint.Name(), v.Endpoint.State, v.Endpoint.ChannelIDs)
	case *ari.PeerStatusChange:
		return fmt.Sprintf("PeerStatusChange %s %s", v.Endpoint.Name(), v.Peer.PeerStatus)
	case *ari.ContactStatusChange:
		return fmt.Sprintf("ContactStatusChange %s %s", v.Endpoint.Name(), v.ContactInfo.ContactStatus)
	case *ari.ChannelCreated:
		return "ChannelCreated " + v.Channel.ID
	case *ari.ChannelDialplan:
		return fmt.Sprintf("ChannelDialplan %s %s", v.Channel.ID, v.DialplanApp)
	case *ari.ChannelConnectedLine:
		return "ChannelConnectedLine " + v.Channel.ID
	case *ari.RecordingStarted:
		return fmt.Sprintf("RecordingStarted %s %s %s", v.Recording.Name, v.Recording.TargetURI, v.Recording.State)
	case *ari.RecordingFinished:
		return fmt.Sprintf("RecordingFinished %s %s %s %ds", v.Recording.Name, v.Recording.TargetURI, v.Recording.State, v.Recording.Seconds())
	case *ari.RecordingFailed:
		return fmt.Sprintf("RecordingFailed %s %s %s (%s)", v.Recording.Name, v.Recording.TargetURI, v.Recording.State, v.Recording.Cause)
	}
	return ev.Base().Type
}

// hangupDetail is the cause, tech cause and softness a hangup request has,
// as the event descriptions write them.
func hangupDetail(v *ari.ChannelHangupRequest) string {
	s := ""
	if v.Cause != 0 {
		s += fmt.Sprintf(" cause=%d", v.Cause)
	}
	s += techCause(v.TechCause)
	if v.Soft {
		s += " soft"
	}
	return s
}

func techCause(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" tech=%d", n)
}

// placeCall places a customer call and checks its StasisStart.
func (r *rig) placeCall(e *events, did string) string {
	r.t.Helper()
	id, err := r.sim.PlaceCall(CallSpec{From: "+15550100", Name: "Customer", DID: did})
	if err != nil {
		r.t.Fatal(err)
	}
	e.expect("StasisStart " + id + " [inbound," + did + "]")
	return id
}

// answeredCall places a customer call and answers it.
func (r *rig) answeredCall(e *events, did string) string {
	r.t.Helper()
	id := r.placeCall(e, did)
	r.must(204, "POST", "/channels/"+id+"/answer", "")
	e.expect("ChannelStateChange " + id + " Up")
	return id
}

// destroyBridge deletes an empty bridge and reads its BridgeDestroyed.
func (r *rig) destroyBridge(e *events, id string) {
	r.t.Helper()
	r.must(204, "DELETE", "/bridges/"+id, "")
	e.expect("BridgeDestroyed " + id)
}

// originateUp originates to an answering endpoint and reads its events up
// to StasisStart.
func (r *rig) originateUp(e *events, id, endpoint, appArgs string) {
	r.t.Helper()
	r.must(200, "POST", "/channels", fmt.Sprintf(`{"endpoint":%q,"app":"ccaas","appArgs":%q,"channelId":%q,"timeout":30}`, endpoint, appArgs, id))
	e.expect(
		`Dial `+id+` ""`,
		"ChannelStateChange "+id+" Ringing",
		`Dial `+id+` "RINGING"`,
		"ChannelStateChange "+id+" Up",
		`Dial `+id+` "ANSWER"`,
		"ChannelVarset "+id+" STASISSTATUS=",
		"StasisStart "+id+" ["+strings.Join(splitArgs(appArgs), ",")+"]",
	)
}

func channelIDs(chs []ari.Channel) []string {
	out := make([]string, 0, len(chs))
	for _, c := range chs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

// rawGet is an authenticated GET that reports transport errors instead of
// failing the test (Asterisk may be down).
func rawGet(target string) (int, string, error) {
	req, err := http.NewRequest("GET", target, nil)
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth("ccaas", "ccaas")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}
