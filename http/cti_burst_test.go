package http

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/cti"
)

// busyAgents answers each command as a state change does: a state message,
// then the reply.
type busyAgents struct{ *sinkAgents }

func (a busyAgents) Do(_ context.Context, s *app.Session, cmd cti.Command) error {
	k := a.sink(s.ID)
	k.Send(cti.Message{Type: cti.MsgState, State: &cti.StateView{State: cmd.Cmd}})
	ok := true
	k.Send(cti.Message{Type: cti.MsgReply, ID: cmd.ID, OK: &ok})
	return nil
}

// TestCTICommandBurstIsServed: a client that sends many commands back to
// back and reads everything gets every reply, in order, and keeps its
// socket: the server reads its commands no faster than the client takes
// the answers (more than the send backlog of them here).
func TestCTICommandBurstIsServed(t *testing.T) {
	for _, n := range []int{100, 200, 400, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				agents := busyAgents{&sinkAgents{sessions: map[string]*app.Session{"a": {ID: "a"}}, sinks: map[string]app.Sink{}}}
				conn := ctiSockets(t, New(Config{Agents: agents}))("a")
				go func() {
					for i := range n {
						if conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `{"id":"%d","cmd":"ready"}`, i)) != nil {
							return
						}
					}
				}()
				conn.SetReadDeadline(time.Now().Add(time.Minute))
				var seq uint64
				for i := range n {
					for {
						var m cti.Message
						if err := conn.ReadJSON(&m); err != nil {
							t.Fatalf("after %d replies of %d: %v", i, n, err)
						}
						if m.Seq != seq+1 {
							t.Fatalf("seq %d after %d", m.Seq, seq)
						}
						seq = m.Seq
						if m.Type == cti.MsgReply {
							if m.ID != fmt.Sprint(i) {
								t.Fatalf("reply %q, want %d", m.ID, i)
							}
							break
						}
					}
				}
			})
		})
	}
}

// TestCTIMessageLimit: a disposition with a note of 2,000 characters of
// four bytes each fits a command (16 KiB); anything larger closes the socket.
func TestCTIMessageLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		agents := busyAgents{&sinkAgents{sessions: map[string]*app.Session{"a": {ID: "a"}}, sinks: map[string]app.Sink{}}}
		conn := ctiSockets(t, New(Config{Agents: agents}))("a")
		note := strings.Repeat("😀", 2000)
		if err := conn.WriteJSON(cti.Command{ID: "big", Cmd: cti.CmdDisposition, Call: "c1", Code: "Sale", Note: note}); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(time.Minute))
		for {
			var m cti.Message
			if err := conn.ReadJSON(&m); err != nil {
				t.Fatalf("a note of 2,000 characters closed the socket: %v", err)
			}
			if m.Type == cti.MsgReply {
				if m.ID != "big" || m.OK == nil || !*m.OK {
					t.Fatalf("reply = %+v %+v", m, m.Error)
				}
				break
			}
		}
		if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"cmd":"ready","pad":"`+strings.Repeat("x", 16<<10)+`"}`)); err != nil {
			t.Fatal(err)
		}
		for {
			var m cti.Message
			if err := conn.ReadJSON(&m); err != nil {
				return // closed, as it should
			}
			if m.Type == cti.MsgReply {
				t.Fatalf("a message over 16 KiB was answered: %+v", m)
			}
		}
	})
}
