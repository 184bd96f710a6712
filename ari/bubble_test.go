package ari

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/internal/memnet"
)

// TestClientInMemoryInBubble: REST calls and the events WebSocket both dial
// through Config.HTTPClient's Transport (DialContext), so a client can reach
// an in-memory Asterisk inside a synctest bubble; the production keep-alive
// timing (pings every 10 s, 25 s read deadline) then runs on the fake clock.
// The app's test worlds rely on this.
func TestClientInMemoryInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var pings atomic.Int32
		up := websocket.Upgrader{}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /ari/asterisk/info", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"system":{"entity_id":"in-memory"}}`))
		})
		mux.HandleFunc("GET /ari/events", func(w http.ResponseWriter, r *http.Request) {
			conn, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer conn.Close()
			conn.SetPingHandler(func(data string) error {
				pings.Add(1)
				return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
			})
			conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"StasisStart","application":"ccaas","channel":{"id":"c1"}}`))
			readUntilGone(conn)
		})
		srv := memnet.NewServer("asterisk.invalid:8088", mux) // never resolved
		t.Cleanup(srv.Close)

		c, err := New(Config{URL: srv.URL + "/ari", HTTPClient: srv.Client(), Username: "ccaas", Password: "ccaas",
			Application: "ccaas", Logger: testLogger(t, nil)})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.do(context.Background(), call{method: http.MethodGet, path: "/asterisk/info"}); err != nil {
			t.Fatalf("REST over memnet: %v", err)
		}
		h := newRecordingHandler(c)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- c.RunEvents(ctx, h) }()
		h.next(t, "connected")
		if ev := h.next(t, "event"); ev.ev.Base().Type != "StasisStart" {
			t.Fatalf("event %+v", ev.ev)
		}

		// a minute of fake time: the pongs keep the connection past 25 s
		time.Sleep(time.Minute)
		synctest.Wait()
		if !c.Connected() || len(h.calls) != 0 {
			t.Fatalf("connected %v, %d more handler calls: the connection did not survive a minute of pings", c.Connected(), len(h.calls))
		}
		if n := pings.Load(); n != 6 {
			t.Fatalf("%d pings in a minute, want 6 (every 10 s)", n)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("RunEvents: %v", err)
		}
		h.next(t, "disconnected")
	})
}
