package ari

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/internal/memnet"
	"github.com/ccaas/ccaas/internal/syncbuf"
)

// waitLimit bounds every wait in these tests; nothing sleeps, a wait that
// hits it is a failure.
const waitLimit = 5 * time.Second

// handlerCall is one call the client made on a recordingHandler.
type handlerCall struct {
	kind      string // "connected", "event", "disconnected"
	ev        Event
	err       error
	connected bool // c.Connected() at the time of the call
}

// recordingHandler records calls in order; its channel is large enough that
// it never blocks the reader.
type recordingHandler struct {
	c     *Client
	calls chan handlerCall
}

func newRecordingHandler(c *Client) *recordingHandler {
	return &recordingHandler{c: c, calls: make(chan handlerCall, 1024)}
}

func (h *recordingHandler) Connected() {
	h.calls <- handlerCall{kind: "connected", connected: h.c.Connected()}
}

func (h *recordingHandler) Disconnected(err error) {
	h.calls <- handlerCall{kind: "disconnected", err: err, connected: h.c.Connected()}
}

func (h *recordingHandler) Event(ev Event) {
	h.calls <- handlerCall{kind: "event", ev: ev}
}

// next waits for the handler's next call and checks its kind.
func (h *recordingHandler) next(t *testing.T, kind string) handlerCall {
	t.Helper()
	return h.nextWithin(t, kind, waitLimit)
}

// nextWithin is next for a call that may take longer than waitLimit (of a
// bubble's fake time).
func (h *recordingHandler) nextWithin(t *testing.T, kind string, limit time.Duration) handlerCall {
	t.Helper()
	select {
	case call := <-h.calls:
		if call.kind != kind {
			t.Fatalf("handler call = %s (%v %v), want %s", call.kind, call.ev, call.err, kind)
		}
		return call
	case <-time.After(limit):
		t.Fatalf("no %s call within %v", kind, limit)
		return handlerCall{}
	}
}

// eventsServer serves eventsHandler on a loopback socket.
func eventsServer(t *testing.T, serve func(n int, conn *websocket.Conn)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(eventsHandler(t, serve))
	t.Cleanup(srv.Close)
	return srv
}

// memEventsServer serves eventsHandler in memory, for a test in a synctest
// bubble.
func memEventsServer(t *testing.T, serve func(n int, conn *websocket.Conn)) *memnet.Server {
	t.Helper()
	srv := memnet.NewServer("asterisk.test:8088", eventsHandler(t, serve))
	t.Cleanup(srv.Close)
	return srv
}

// eventsHandler upgrades /ari/events after checking what Asterisk checks
// (app, credentials) and hands each connection to serve, numbered from 1.
// When serve returns, the server reads until the client goes away, so pings
// are answered and close frames handled.
func eventsHandler(t *testing.T, serve func(n int, conn *websocket.Conn)) http.Handler {
	t.Helper()
	var conns atomic.Int32
	up := websocket.Upgrader{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		user, pass, ok := r.BasicAuth()
		switch {
		case r.URL.Path != "/ari/events":
			http.Error(w, `{"message":"Resource not found"}`, http.StatusNotFound)
			return
		case q.Get("app") != "ccaas" || q.Get("subscribeAll") != "false":
			http.Error(w, "400 Bad Request", http.StatusBadRequest)
			return
		case q.Get("api_key") != "ccaas:ccaas" || !ok || user != "ccaas" || pass != "ccaas":
			ariError(w, http.StatusUnauthorized, "Authentication required")
			return
		}
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		defer conn.Close()
		serve(int(conns.Add(1)), conn)
		readUntilGone(conn)
	})
}

// ariError answers as Asterisk does when it refuses a request.
func ariError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Message: message})
}

// readUntilGone reads an events socket until the client goes away, so that
// pings are answered and close frames handled.
func readUntilGone(conn *websocket.Conn) {
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			return
		}
	}
}

// tcpClient is a client for srv, over loopback TCP. Tests that wait for the
// client's timing (backoff, keep-alive) run in a synctest bubble instead,
// with memEventsServer and memClient.
func tcpClient(t *testing.T, srv *httptest.Server, logBuf *syncbuf.Buffer) *Client {
	t.Helper()
	c, err := New(Config{URL: srv.URL + "/ari", Username: "ccaas", Password: "ccaas", Application: "ccaas",
		RequestTimeout: time.Second, Logger: testLogger(t, logBuf)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// memClient is a client for srv with the production timing, which a
// synctest bubble's fake clock runs at once.
func memClient(t *testing.T, srv *memnet.Server, logBuf *syncbuf.Buffer) *Client {
	t.Helper()
	c, err := New(Config{URL: srv.URL + "/ari", HTTPClient: srv.Client(), Username: "ccaas", Password: "ccaas", Application: "ccaas",
		Logger: testLogger(t, logBuf)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runEvents starts RunEvents and returns a stop function that cancels it
// and returns its result.
func runEvents(t *testing.T, c *Client, h EventHandler) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.RunEvents(ctx, h) }()
	var result error
	stopped := false
	stop = func() error {
		if !stopped {
			stopped = true
			cancel()
			select {
			case result = <-done:
			case <-time.After(waitLimit):
				t.Fatal("RunEvents did not return after cancel")
			}
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

// TestRunEventsDecodesRecordedEvents sends a recorded call's events, byte for
// byte, with a broken and an unknown message mixed in.
func TestRunEventsDecodesRecordedEvents(t *testing.T) {
	recorded := recordedEvents(t, "inbound-queue-call")
	unknown := []byte(`{"type":"ApplicationMoveFailed","application":"ccaas","timestamp":"2026-11-24T11:26:40.080+0000"}`)
	srv := eventsServer(t, func(n int, conn *websocket.Conn) {
		for i, l := range recorded {
			if err := conn.WriteMessage(websocket.TextMessage, l.Event); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			if i == 2 {
				_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"type":`)) // truncated: skipped
				_ = conn.WriteMessage(websocket.TextMessage, []byte(`{"no":"type"}`))
				_ = conn.WriteMessage(websocket.TextMessage, unknown)
			}
		}
	})
	logs := &syncbuf.Buffer{}
	c := tcpClient(t, srv, logs)
	h := newRecordingHandler(c)
	stop := runEvents(t, c, h)

	if call := h.next(t, "connected"); !call.connected {
		t.Error("Connected() was false inside h.Connected")
	}
	for i, l := range recorded {
		ev := h.next(t, "event").ev
		if ev.Base().Type != l.Type {
			t.Fatalf("event %d type = %s, want %s", i, ev.Base().Type, l.Type)
		}
		if _, isUnknown := ev.(*UnknownEvent); isUnknown {
			t.Errorf("event %d (%s) decoded as UnknownEvent", i, l.Type)
		}
		if i == 2 {
			u, ok := h.next(t, "event").ev.(*UnknownEvent)
			if !ok || u.Type != "ApplicationMoveFailed" || string(u.Raw) != string(unknown) {
				t.Errorf("unknown event = %#v", u)
			}
		}
	}
	if !c.Connected() {
		t.Error("Connected() = false while the socket is open")
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("RunEvents = %v, want context.Canceled", err)
	}
	if call := h.next(t, "disconnected"); !errors.Is(call.err, context.Canceled) || call.connected {
		t.Errorf("Disconnected(%v) with Connected() %v, want context.Canceled and false", call.err, call.connected)
	}
	if c.Connected() {
		t.Error("Connected() = true after RunEvents returned")
	}
	if n := strings.Count(logs.String(), "ari event skipped"); n != 2 {
		t.Errorf("logged %d skipped messages, want 2:\n%s", n, logs)
	}

	// The recorded events decode into the right fields, not just types.
	first := recorded[0]
	ev, err := DecodeEvent(first.Event)
	if err != nil {
		t.Fatal(err)
	}
	if ss, ok := ev.(*StasisStart); !ok || ss.Channel.ID != "1795519600.1" || len(ss.Args) != 2 || ss.Args[0] != "inbound" {
		t.Errorf("first event = %#v", ev)
	}
}

// TestRunEventsReconnects drops the socket the way a stopping Asterisk does
// (connection closed, no close frame) and expects a new connection after
// the first backoff (fake time: the production delay).
func TestRunEventsReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		events := recordedEvents(t, "customer-dtmf")
		srv := memEventsServer(t, func(n int, conn *websocket.Conn) {
			_ = conn.WriteMessage(websocket.TextMessage, events[n-1].Event)
			if n == 1 {
				_ = conn.UnderlyingConn().Close() // close 1006 at the client
			}
		})
		c := memClient(t, srv, nil)
		h := newRecordingHandler(c)
		stop := runEvents(t, c, h)

		h.next(t, "connected")
		if ev := h.next(t, "event").ev; ev.Base().Type != events[0].Type {
			t.Errorf("first connection's event = %s, want %s", ev.Base().Type, events[0].Type)
		}
		dis := h.next(t, "disconnected")
		if dis.err == nil || errors.Is(dis.err, context.Canceled) || dis.connected {
			t.Errorf("Disconnected(%v) with Connected() %v, want a read error and false", dis.err, dis.connected)
		}
		if !websocket.IsCloseError(errors.Unwrap(dis.err), websocket.CloseAbnormalClosure) {
			t.Errorf("Disconnected(%v), want close 1006", dis.err)
		}
		dropped := time.Now()
		if call := h.next(t, "connected"); !call.connected {
			t.Error("Connected() false inside the second h.Connected")
		}
		if d, tun := time.Since(dropped), defaultWSTuning(); d < tun.backoffMin/2 || d > tun.backoffMin {
			t.Errorf("redialled after %v, want the first backoff (%v to %v)", d, tun.backoffMin/2, tun.backoffMin)
		}
		if ev := h.next(t, "event").ev; ev.Base().Type != events[1].Type {
			t.Errorf("second connection's event = %s, want %s", ev.Base().Type, events[1].Type)
		}
		select {
		case call := <-h.calls:
			t.Fatalf("unexpected %s before stop (%v)", call.kind, call.err)
		default:
		}
		if err := stop(); !errors.Is(err, context.Canceled) {
			t.Errorf("RunEvents = %v", err)
		}
		h.next(t, "disconnected")
	})
}

// TestRunEventsDialFailures keeps dialling through refused handshakes, with
// the production backoff on fake time, and logs a repeated failure once.
func TestRunEventsDialFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attempts atomic.Int32
		up := websocket.Upgrader{}
		srv := memnet.NewServer("asterisk.test:8088", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if attempts.Add(1) <= 3 {
				ariError(w, http.StatusServiceUnavailable, "Asterisk not booted")
				return
			}
			conn, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer conn.Close()
			readUntilGone(conn)
		}))
		t.Cleanup(srv.Close)
		logs := &syncbuf.Buffer{}
		c := memClient(t, srv, logs)
		h := newRecordingHandler(c)
		start := time.Now()
		stop := runEvents(t, c, h)

		h.next(t, "connected") // no Disconnected for attempts that never connected
		if n := attempts.Load(); n != 4 {
			t.Errorf("connected on attempt %d, want 4", n)
		}
		// three backoffs, each twice the one before, with jitter (TestBackoffDelay)
		if d := time.Since(start); d < 350*time.Millisecond || d > 700*time.Millisecond {
			t.Errorf("connected after %v, want the three backoffs (350 to 700 ms)", d)
		}
		_ = stop()
		h.next(t, "disconnected")
		out := logs.String()
		if n := strings.Count(out, "level=WARN msg=\"ari events dial failed\""); n != 1 {
			t.Errorf("%d warnings for the same dial failure, want 1:\n%s", n, out)
		}
		if strings.Contains(out, "ccaas:ccaas") || strings.Contains(out, "api_key") {
			t.Errorf("log reveals credentials:\n%s", out)
		}
	})
}

// TestDialEventsErrors turns refused handshakes into *Error like REST calls,
// without repeating the credentials that ride in the URL.
func TestDialEventsErrors(t *testing.T) {
	tests := []struct {
		name     string
		password string
		app      string
		wantErr  error // nil: the dial succeeds
		wantMsg  string
		wantCode int
	}{
		{name: "accepted", password: "ccaas", app: "ccaas"},
		{name: "wrong password", password: "s3cret-wrong", app: "ccaas", wantErr: ErrUnauthorized, wantMsg: "Authentication required", wantCode: 401},
		{name: "unknown app", password: "ccaas", app: "other", wantErr: ErrBadRequest, wantMsg: "400 Bad Request", wantCode: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := eventsServer(t, func(int, *websocket.Conn) {})
			c, err := New(Config{URL: srv.URL + "/ari", Username: "ccaas", Password: tt.password, Application: tt.app, Logger: testLogger(t, nil)})
			if err != nil {
				t.Fatal(err)
			}
			conn, err := c.dialEvents(t.Context())
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				_ = conn.Close()
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("dial err = %v, want %v", err, tt.wantErr)
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Status != tt.wantCode || ae.Message != tt.wantMsg || ae.Path != "/events" {
				t.Errorf("dial err = %#v", ae)
			}
			if strings.Contains(err.Error(), "api_key") || strings.Contains(err.Error(), tt.password) {
				t.Errorf("dial err %q reveals credentials", err)
			}
		})
	}
}

// TestRunEventsKeepAlive: a peer that answers pings stays connected past the
// read deadline; one that goes silent is dropped and redialled. The
// production timing (a ping every 10 s, a 25 s read deadline) runs on fake
// time.
func TestRunEventsKeepAlive(t *testing.T) {
	tests := []struct {
		name       string
		silent     bool // the first connection never reads, so never answers pings
		wantReconn bool
	}{
		{name: "pongs extend the deadline"},
		{name: "silent peer is dropped", silent: true, wantReconn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pings := make(chan struct{}, 1024)
				release := make(chan struct{})
				t.Cleanup(func() { close(release) })
				srv := memEventsServer(t, func(n int, conn *websocket.Conn) {
					if tt.silent && n == 1 {
						<-release
						return
					}
					conn.SetPingHandler(func(data string) error {
						pings <- struct{}{}
						return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
					})
				})
				c := memClient(t, srv, nil)
				tun := c.wsTuning
				h := newRecordingHandler(c)
				stop := runEvents(t, c, h)
				h.next(t, "connected")
				connected := time.Now()

				if tt.wantReconn {
					dis := h.nextWithin(t, "disconnected", tun.pongWait+waitLimit)
					var ne net.Error
					if !errors.As(dis.err, &ne) || !ne.Timeout() {
						t.Errorf("Disconnected(%v), want a read timeout", dis.err)
					}
					if d := time.Since(connected); d != tun.pongWait {
						t.Errorf("dropped after %v, want the read deadline %v", d, tun.pongWait)
					}
					h.next(t, "connected")
				}
				// 8 pings answered = 80 s, more than three 25 s read deadlines
				for i := range 8 {
					select {
					case <-pings:
					case <-time.After(2 * tun.pingPeriod):
						t.Fatalf("only %d pings arrived", i)
					}
				}
				synctest.Wait()
				select {
				case call := <-h.calls:
					t.Fatalf("unexpected %s (%v) while pongs flow", call.kind, call.err)
				default:
				}
				_ = stop()
				h.next(t, "disconnected")
			})
		})
	}
}

// TestRunEventsStops covers the ways RunEvents must end: a cancelled
// context before or while Asterisk is unreachable (it keeps redialling
// with backoff, on fake time, until then).
func TestRunEventsStops(t *testing.T) {
	tests := []struct {
		name   string
		ctx    func(t *testing.T) (context.Context, context.CancelFunc)
		wantIs error
		wantAt time.Duration // of fake time
	}{
		{name: "cancelled before start", wantIs: context.Canceled, ctx: func(t *testing.T) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			return ctx, cancel
		}},
		{name: "deadline while Asterisk is down", wantIs: context.DeadlineExceeded, wantAt: 30 * time.Second, ctx: func(t *testing.T) (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), 30*time.Second)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				down := memnet.Listen("asterisk.test:8088")
				down.Close() // connection refused from now on
				tr := &http.Transport{DialContext: down.DialContext}
				defer tr.CloseIdleConnections()
				c, err := New(Config{URL: "http://asterisk.test:8088/ari", HTTPClient: &http.Client{Transport: tr}, Application: "ccaas", Logger: testLogger(t, nil)})
				if err != nil {
					t.Fatal(err)
				}
				h := newRecordingHandler(c)
				ctx, cancel := tt.ctx(t)
				defer cancel()
				start := time.Now()
				if err := c.RunEvents(ctx, h); !errors.Is(err, tt.wantIs) {
					t.Fatalf("RunEvents = %v, want %v", err, tt.wantIs)
				}
				if d := time.Since(start); d != tt.wantAt {
					t.Errorf("RunEvents returned after %v, want %v", d, tt.wantAt)
				}
				if len(h.calls) != 0 {
					t.Errorf("handler got %d calls without a connection", len(h.calls))
				}
			})
		})
	}
}

func TestRunEventsOnlyOnce(t *testing.T) {
	srv := eventsServer(t, func(int, *websocket.Conn) {})
	c := tcpClient(t, srv, nil)
	h := newRecordingHandler(c)
	stop := runEvents(t, c, h)
	h.next(t, "connected")
	if err := c.RunEvents(t.Context(), h); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("second RunEvents = %v, want already running", err)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("RunEvents = %v", err)
	}
	if err := c.RunEvents(t.Context(), nil); err == nil {
		t.Error("RunEvents with nil handler succeeded")
	}
}

func TestBackoffDelay(t *testing.T) {
	tun := defaultWSTuning()
	tests := []struct {
		name     string
		attempt  int
		min, max time.Duration
	}{
		{name: "first retry", attempt: 0, min: 50 * time.Millisecond, max: 100 * time.Millisecond},
		{name: "second retry", attempt: 1, min: 100 * time.Millisecond, max: 200 * time.Millisecond},
		{name: "fifth retry", attempt: 4, min: 800 * time.Millisecond, max: 1600 * time.Millisecond},
		{name: "capped", attempt: 10, min: 2500 * time.Millisecond, max: 5 * time.Second},
		{name: "far past the cap", attempt: 1000, min: 2500 * time.Millisecond, max: 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := backoffDelay(tun, tt.attempt)
				if d < tt.min || d > tt.max {
					t.Fatalf("backoffDelay(%d) = %v, want in [%v, %v]", tt.attempt, d, tt.min, tt.max)
				}
				seen[d] = true
			}
			if len(seen) < 2 {
				t.Errorf("backoffDelay(%d) has no jitter", tt.attempt)
			}
		})
	}
}
