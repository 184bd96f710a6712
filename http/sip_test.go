package http

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
)

func register(user, toUser, authUser string) string {
	msg := "REGISTER sip:asterisk SIP/2.0\r\n" +
		"Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKnashds7\r\n" +
		"From: <sip:" + user + "@asterisk>;tag=8ud3\r\n" +
		"To: <sip:" + toUser + "@asterisk>\r\n" +
		"Call-ID: 3k1t9\r\nCSeq: 1 REGISTER\r\nMax-Forwards: 69\r\n" +
		"Contact: <sip:x@df7jal23ls0d.invalid;transport=ws>\r\n"
	if authUser != "" {
		msg += `Authorization: Digest username="` + authUser + `", realm="asterisk", nonce="n", uri="sip:asterisk", response="r"` + "\r\n"
	}
	return msg + "Content-Length: 0\r\n\r\n"
}

func request(method, from, to string) string {
	return method + " sip:" + to + "@asterisk SIP/2.0\r\nVia: SIP/2.0/WSS x.invalid;branch=z9hG4bK1\r\n" +
		"From: <sip:" + from + "@asterisk>;tag=1\r\nTo: <sip:" + to + "@asterisk>\r\nCall-ID: c1\r\nCSeq: 2 " + method +
		"\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
}

func response(to string) string {
	return "SIP/2.0 200 OK\r\nVia: SIP/2.0/WSS 127.0.0.1;branch=z9hG4bK2\r\nFrom: <sip:ccaas@asterisk>;tag=a\r\n" +
		"To: <sip:" + to + "@asterisk>;tag=b\r\nCall-ID: c2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
}

func TestCheckSIP(t *testing.T) {
	const me = "ag3-0123456789abcdef"
	tests := []struct {
		name string
		msg  string
		want error
	}{
		{name: "own register", msg: register(me, me, "")},
		{name: "own register with credentials", msg: register(me, me, me)},
		{name: "keep-alive", msg: "\r\n\r\n"},
		{name: "register for another endpoint", msg: register(me, "ag3-ffffffffffffffff", ""), want: ErrSIPForeign},
		{name: "register as another endpoint", msg: register("ag4-0000000000000000", "ag4-0000000000000000", ""), want: ErrSIPForeign},
		{name: "another user's credentials", msg: register(me, me, "1001"), want: ErrSIPForeign},
		{name: "bye of own line", msg: request("BYE", me, "ccaas")},
		{name: "invite out of the browser", msg: request("INVITE", me, "5551234"), want: ErrSIPForeign},
		{name: "refer (a transfer)", msg: request("REFER", me, "ccaas"), want: ErrSIPForeign},
		{name: "message", msg: request("MESSAGE", me, "ccaas"), want: ErrSIPForeign},
		{name: "answer to own line", msg: response(me)},
		{name: "answer for someone else", msg: response("1001"), want: ErrSIPForeign},
		{name: "own message with a trailing CRLF", msg: request("OPTIONS", me, "asterisk") + "\r\n"},
		{name: "own options, then an invite as the trunk into another tenant's DID",
			msg: request("OPTIONS", me, "asterisk") + request("INVITE", "pstn", "5550200"), want: ErrSIPSeveral},
		{name: "own register twice in one frame", msg: register(me, me, "") + register(me, me, ""), want: ErrSIPSeveral},
		{name: "a body longer than its Content-Length",
			msg: request("OPTIONS", me, "asterisk") + "INVITE sip:5550200@asterisk SIP/2.0\r\n", want: ErrSIPSeveral},
		{name: "no Content-Length (the end cannot be told)",
			msg: strings.Replace(request("OPTIONS", me, "asterisk"), "Content-Length: 0\r\n", "", 1), want: ErrSIPMalformed},
		{name: "a Content-Length past the frame",
			msg: strings.Replace(request("OPTIONS", me, "asterisk"), "Content-Length: 0", "Content-Length: 900", 1), want: ErrSIPMalformed},
		{name: "garbage", msg: "hello there", want: ErrSIPMalformed},
		{name: "html", msg: "<script>alert(1)</script>", want: ErrSIPMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSIP([]byte(tt.msg), me)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("checkSIP = %v, want %v", err, tt.want)
			}
		})
	}
}

func FuzzCheckSIP(f *testing.F) {
	const me = "ag3-0123456789abcdef"
	for _, s := range []string{register(me, me, me), request("BYE", me, "x"), response(me), "\r\n", "SIP/2.0 200 OK\r\n\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkSIP(data, me) != nil {
			return
		}
		// whatever passes is keep-alive whitespace or a message from/for the endpoint
		if strings.TrimSpace(string(data)) == "" {
			return
		}
		if !strings.Contains(string(data), me) {
			t.Fatalf("accepted a message that never names the endpoint: %q", data)
		}
		// and it is one message, as a stream reader like Asterisk's finds
		// them: a second one behind it would reach Asterisk unchecked
		n := 0
		sip.NewParser().NewSIPStream().ParseSIPStream(data, func(sip.Message) { n++ })
		if n != 1 {
			t.Fatalf("accepted a frame a stream reader finds %d messages in: %q", n, data)
		}
	})
}

// fakeAccounts is the app's side of /sip: one session with one SIP user;
// the session ends when gone (if set) is true.
type fakeAccounts struct {
	session *app.Session
	gone    *atomic.Bool
}

func (f fakeAccounts) Login(context.Context, string, string, string) (*app.Session, error) {
	return nil, app.ErrBadLogin
}
func (f fakeAccounts) Session(id string) (*app.Session, bool) {
	return f.session, id == f.session.ID && (f.gone == nil || !f.gone.Load())
}
func (f fakeAccounts) Attach(context.Context, *app.Session, app.Sink) error { return nil }
func (f fakeAccounts) Detach(*app.Session, app.Sink)                        {}
func (f fakeAccounts) Do(context.Context, *app.Session, cti.Command) error  { return nil }
func (f fakeAccounts) Logout(context.Context, *app.Session) error           { return nil }
func (f fakeAccounts) Healthy() bool                                        { return true }
func (f fakeAccounts) RecordingFile(context.Context, *app.Session, ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error) {
	return ccaas.Recording{}, nil, app.ErrNoSuchRecording
}
func (f fakeAccounts) SIPAccount(_ context.Context, s *app.Session) (string, string, error) {
	return "ag1-0123456789abcdef", "secret", nil
}

// sipProxy serves /sip in front of a stand-in for Asterisk's SIP WebSocket
// that sends a greeting and reports every frame it receives ("(closed)"
// when the proxy closes it). dial opens /sip with a session cookie and an
// Origin.
func sipProxy(t *testing.T, gone *atomic.Bool) (srv *httptest.Server, got <-chan string, dial func(cookie, origin string) (*websocket.Conn, *http.Response, error)) {
	t.Helper()
	frames := make(chan string, 10)
	asterisk := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{Subprotocols: []string{"sip"}}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.WriteMessage(websocket.TextMessage, []byte(response("ag1-0123456789abcdef")))
		for {
			_, data, err := c.ReadMessage()
			if err != nil {
				frames <- "(closed)"
				return
			}
			frames <- string(data)
		}
	}))
	t.Cleanup(asterisk.Close)
	sess := &app.Session{ID: "sess-1", Agent: ccaas.Agent{Username: "alice"}}
	acct := fakeAccounts{session: sess, gone: gone}
	srv = httptest.NewServer(New(Config{Agents: acct, SIP: acct, SIPUpstream: "ws" + strings.TrimPrefix(asterisk.URL, "http")}))
	t.Cleanup(srv.Close)
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/sip"
	dial = func(cookie, origin string) (*websocket.Conn, *http.Response, error) {
		h := http.Header{"Origin": {origin}}
		if cookie != "" {
			h.Set("Cookie", SessionCookie+"="+cookie)
		}
		return (&websocket.Dialer{Subprotocols: []string{"sip"}}).Dial(wsURL, h)
	}
	return srv, frames, dial
}

func TestSIPProxy(t *testing.T) {
	srv, got, dial := sipProxy(t, nil)
	if _, resp, err := dial("", srv.URL); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without a session: %v %v", err, resp)
	}
	if _, resp, err := dial("sess-1", "https://evil.example"); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("from a foreign origin: %v %v", err, resp)
	}
	if _, resp, err := dial("sess-1", strings.Replace(srv.URL, "http:", "https:", 1)); err == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("from the page's host with another scheme: %v %v", err, resp)
	}
	c, _, err := dial("sess-1", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Subprotocol() != "sip" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, data, err := c.ReadMessage(); err != nil || !strings.HasPrefix(string(data), "SIP/2.0 200") {
		t.Fatalf("greeting from Asterisk: %q %v", data, err)
	}
	own := register("ag1-0123456789abcdef", "ag1-0123456789abcdef", "")
	c.WriteMessage(websocket.TextMessage, []byte(own))
	if m := <-got; m != own {
		t.Fatalf("Asterisk got %q", m)
	}
	// speaking as another agent closes the phone's socket, and nothing reaches Asterisk
	c.WriteMessage(websocket.TextMessage, []byte(register("ag1-ffffffffffffffff", "ag1-ffffffffffffffff", "")))
	refusedAndClosed(t, c, got, "after a foreign REGISTER")
}

// openPhone opens /sip as session sess-1's page and reads Asterisk's
// greeting; the socket closes with the test.
func openPhone(t *testing.T, srv *httptest.Server, dial func(cookie, origin string) (*websocket.Conn, *http.Response, error)) *websocket.Conn {
	t.Helper()
	c, _, err := dial("sess-1", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatalf("greeting from Asterisk: %v", err)
	}
	return c
}

// TestSIPProxySmuggledMessage: an agent's own OPTIONS with an INVITE as the
// trunk behind it in the same frame. Asterisk would act on both (a fake
// customer call into another tenant's queue), so the frame is refused
// whole and the socket closed.
func TestSIPProxySmuggledMessage(t *testing.T) {
	srv, got, dial := sipProxy(t, nil)
	const me = "ag1-0123456789abcdef"
	c := openPhone(t, srv, dial)
	smuggled := request("OPTIONS", me, "asterisk") +
		strings.Replace(request("INVITE", "pstn", "5550200"), "From: <sip:pstn@asterisk>", "From: <sip:pstn@203.0.113.9>", 1)
	c.WriteMessage(websocket.TextMessage, []byte(smuggled))
	refusedAndClosed(t, c, got, "after a frame of two messages")
}

// refusedAndClosed: the phone's socket c is closed for a policy violation,
// and so is the proxy's connection to Asterisk, which got nothing more.
func refusedAndClosed(t *testing.T, c *websocket.Conn, got <-chan string, when string) {
	t.Helper()
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.ClosePolicyViolation {
		t.Fatalf("%s: %v", when, err)
	}
	if m := <-got; m != "(closed)" {
		t.Fatalf("Asterisk got %q", m)
	}
}

func TestSIPProxyInDemo(t *testing.T) {
	sess := &app.Session{ID: "s"}
	acct := fakeAccounts{session: sess}
	srv := httptest.NewServer(New(Config{Agents: acct, SIP: acct}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/sip", nil)
	req.Header.Set("Cookie", SessionCookie+"=s")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

// TestSIPProxyOneSocketPerSession: a session opens phone socket after phone
// socket (one session opened 51, each a connection to Asterisk); each new
// one replaces the one before: the older socket is closed, and so is its
// connection to Asterisk, so a session never holds more than one.
func TestSIPProxyOneSocketPerSession(t *testing.T) {
	srv, got, dial := sipProxy(t, nil)
	const me = "ag1-0123456789abcdef"
	var older *websocket.Conn
	for i := range 5 {
		c := openPhone(t, srv, dial)
		if older != nil {
			older.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _, err := older.ReadMessage()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || !strings.Contains(ce.Text, "replaced") {
				t.Fatalf("socket %d after socket %d opened: %v", i, i+1, err)
			}
			if m := <-got; m != "(closed)" {
				t.Fatalf("Asterisk got %q; want the older connection closed", m)
			}
		}
		older = c
	}
	own := register(me, me, "")
	older.WriteMessage(websocket.TextMessage, []byte(own))
	if m := <-got; m != own {
		t.Fatalf("the newest socket does not work: Asterisk got %q", m)
	}
}

// TestSIPProxyClosesWithTheSession: once the agent's session has ended
// (logout, a password reset, an admin's delete), the phone's next message
// closes its socket and nothing more reaches Asterisk.
func TestSIPProxyClosesWithTheSession(t *testing.T) {
	var gone atomic.Bool
	srv, got, dial := sipProxy(t, &gone)
	const me = "ag1-0123456789abcdef"
	c := openPhone(t, srv, dial)
	gone.Store(true)
	c.WriteMessage(websocket.TextMessage, []byte(register(me, me, "")))
	refusedAndClosed(t, c, got, "after the session ended")
}
