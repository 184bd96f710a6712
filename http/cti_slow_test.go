package http

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/internal/memnet"
)

// sinkAgents is the app's side of /api/cti for this test: it keeps each
// session's sink so the test can push messages into it.
type sinkAgents struct {
	fakeAccounts
	mu       sync.Mutex
	sessions map[string]*app.Session
	sinks    map[string]app.Sink
}

func (a *sinkAgents) Session(id string) (*app.Session, bool) {
	s, ok := a.sessions[id]
	return s, ok
}

func (a *sinkAgents) Attach(_ context.Context, s *app.Session, k app.Sink) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.sinks[s.ID] = k
	return nil
}

func (a *sinkAgents) sink(id string) app.Sink {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sinks[id]
}

// ctiSockets serves h in memory, for a test in a synctest bubble, and
// returns a dial function that opens /api/cti as the page of session id.
func ctiSockets(t *testing.T, h http.Handler) func(id string) *websocket.Conn {
	t.Helper()
	srv := memnet.NewServer("ccaas.test", h)
	t.Cleanup(srv.Close)
	d := websocket.Dialer{NetDialContext: srv.Listener.DialContext}
	return func(id string) *websocket.Conn {
		t.Helper()
		header := http.Header{"Origin": {srv.URL}, "Cookie": {SessionCookie + "=" + id}}
		c, _, err := d.Dial("ws://ccaas.test/api/cti", header)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
}

// TestSlowCTIClientIsDropped: a client that stops reading fills its bounded
// backlog and is dropped; another client keeps getting its messages at once.
func TestSlowCTIClientIsDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		agents := &sinkAgents{
			sessions: map[string]*app.Session{"slow": {ID: "slow"}, "fast": {ID: "fast"}},
			sinks:    map[string]app.Sink{},
		}
		dial := ctiSockets(t, New(Config{Agents: agents}))
		slow, fast := dial("slow"), dial("fast")
		synctest.Wait() // both handlers attached their sockets
		slowSink, fastSink := agents.sink("slow"), agents.sink("fast")
		if slowSink == nil || fastSink == nil {
			t.Fatal("sockets never attached")
		}
		// the slow client never reads: flood it until its backlog overflows
		big := strings.Repeat("x", 60<<10)
		for range 5000 {
			slowSink.Send(cti.Message{Type: cti.MsgNotice, Reason: big})
		}
		// the fast client is not held up by it
		fastSink.Send(cti.Message{Type: cti.MsgState, State: &cti.StateView{State: "ready"}})
		fast.SetReadDeadline(time.Now().Add(2 * time.Second))
		var m cti.Message
		if err := fast.ReadJSON(&m); err != nil || m.Type != cti.MsgState {
			t.Fatalf("the fast client: %+v %v", m, err)
		}
		// the slow one was closed by the server (after whatever was already on
		// the wire): its reads end with the connection closed, not a timeout
		slow.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			_, _, err := slow.ReadMessage()
			if err == nil {
				continue
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the slow client was never dropped: %v", err)
			}
			return
		}
	})
}

// detachAgents also records which sessions the server detached.
type detachAgents struct {
	*sinkAgents
	detached chan string
}

func (a detachAgents) Detach(s *app.Session, _ app.Sink) { a.detached <- s.ID }

// TestDeadCTIClientsAreDropped: a client that never answers pings, and one
// whose connection stops taking data, are dropped by the socket's timers;
// a client that reads (and so answers pings) stays, and gets its messages.
// The production timers run on fake time.
func TestDeadCTIClientsAreDropped(t *testing.T) {
	timers := defaultCTITimers
	tests := []struct {
		name   string
		flood  bool          // fill the victim's connection (fewer messages than its backlog)
		within time.Duration // the victim is dropped after this (fake) time
		pings  int           // pings the live client must answer before the check: several pong waits
	}{
		{name: "no pongs", within: timers.pongWait, pings: 9},
		{name: "write blocked", flood: true, within: timers.writeWait},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				agents := detachAgents{
					sinkAgents: &sinkAgents{sessions: map[string]*app.Session{"victim": {ID: "victim"}, "live": {ID: "live"}}, sinks: map[string]app.Sink{}},
					detached:   make(chan string, 2),
				}
				dial := ctiSockets(t, New(Config{Agents: agents}))
				_, live := dial("victim"), dial("live")
				// live reads all the time and answers every ping, counting them
				pings := make(chan struct{}, 1024)
				live.SetPingHandler(func(data string) error {
					pings <- struct{}{}
					return live.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
				})
				got := make(chan cti.Message, 64)
				go func() {
					defer close(got)
					for {
						var m cti.Message
						if err := live.ReadJSON(&m); err != nil {
							return
						}
						got <- m
					}
				}()
				synctest.Wait() // both handlers attached their sockets
				if agents.sink("victim") == nil || agents.sink("live") == nil {
					t.Fatal("sockets never attached")
				}
				start := time.Now()
				if tt.flood {
					big := strings.Repeat("x", 1<<20)
					for range ctiSendBacklog / 4 {
						agents.sink("victim").Send(cti.Message{Type: cti.MsgNotice, Reason: big})
					}
				}
				select {
				case id := <-agents.detached:
					if id != "victim" {
						t.Fatalf("%s was dropped", id)
					}
					if d := time.Since(start); d != tt.within {
						t.Errorf("the victim was dropped after %v, want %v", d, tt.within)
					}
				case <-time.After(2 * tt.within):
					t.Fatal("the dead client was never dropped")
				}
				for range tt.pings {
					select {
					case <-pings:
					case <-time.After(2 * timers.pingPeriod):
						t.Fatal("the live client gets no pings")
					}
				}
				agents.sink("live").Send(cti.Message{Type: cti.MsgState, State: &cti.StateView{State: "ready"}})
				select {
				case m, ok := <-got:
					if !ok || m.Type != cti.MsgState {
						t.Fatalf("live client: %+v (open %v)", m, ok)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("the live client got nothing")
				}
				synctest.Wait()
				select {
				case id := <-agents.detached:
					t.Fatalf("%s was dropped too", id)
				default:
				}
			})
		})
	}
}
