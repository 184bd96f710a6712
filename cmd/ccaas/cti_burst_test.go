package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestCTICommandBurst: a client that sends its commands back to back and
// reads everything is served, however many it sends: every command is
// answered, in order, and the socket stays open (docs/cti-protocol.md,
// Limits). Each command here changes the agent's state, so the server sends
// two messages for each (the state and the reply).
func TestCTICommandBurst(t *testing.T) {
	_, s := demoAgent(t, startDemo(t), "alice")
	for _, n := range []int{100, 200, 400, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s.t = t
			sent := make(chan error, 1)
			go func() {
				for i := range n {
					cmd := `{"id":"%d","cmd":"ready"}`
					if i%2 == 1 {
						cmd = `{"id":"%d","cmd":"not_ready","reason":"break"}`
					}
					if err := s.conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, cmd, i)); err != nil {
						sent <- err
						return
					}
				}
				sent <- nil
			}()
			for i := range n {
				m := s.next(fmt.Sprintf("the reply to command %d of %d", i, n), func(m msg) bool { return m["type"] == "reply" || m["type"] == "bye" })
				if m["type"] == "bye" {
					t.Fatalf("bye after %d replies: %v", i, m)
				}
				if m["id"] != fmt.Sprint(i) || m["ok"] != true {
					t.Fatalf("reply %d: %v", i, m)
				}
			}
			if err := <-sent; err != nil {
				t.Fatalf("sending: %v", err)
			}
			// the socket is still served
			s.send(`{"id":"after","cmd":"not_ready","reason":"lunch"}`)
			if m := s.next("the reply after the burst", func(m msg) bool { return m["type"] == "reply" }); m["id"] != "after" || m["ok"] != true {
				t.Fatalf("after the burst: %v", m)
			}
		})
	}
}

// TestCTISocketWithoutOrigin: a client that is not a browser sends no Origin
// header; with the session's cookie it is served (docs/cti-protocol.md). A
// browser always sends one, so another site's page cannot leave it out.
func TestCTISocketWithoutOrigin(t *testing.T) {
	base := startDemo(t)
	b := demoLogin(t, base, "bob")
	u, _ := url.Parse(base)
	h := http.Header{}
	for _, c := range b.http.Jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws://"+u.Host+"/api/cti", h)
	if err != nil {
		t.Fatalf("dial without Origin: %v (%v)", err, resp)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m struct{ Type string }
	if _, data, err := conn.ReadMessage(); err != nil || json.Unmarshal(data, &m) != nil || m.Type != "snapshot" {
		t.Fatalf("first message: %s, %v", data, err)
	}
}

// demoLogin logs a demo agent in (password <username>-demo).
func demoLogin(t *testing.T, base, username string) *browser {
	t.Helper()
	b := newBrowser(t, base)
	if code, body := b.post("/api/login", `{"username":"`+username+`","password":"`+username+`-demo","domain":"demo.local"}`); code != http.StatusOK {
		t.Fatalf("login of %s: %d %s", username, code, body)
	}
	return b
}

// demoAgent logs a demo agent in and opens their CTI socket, past its
// snapshot.
func demoAgent(t *testing.T, base, username string) (*browser, *socket) {
	t.Helper()
	b := demoLogin(t, base, username)
	s := b.cti()
	s.next("snapshot", func(m msg) bool { return m["type"] == "snapshot" })
	return b, s
}
