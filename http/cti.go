package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
)

// Limits of a CTI socket (the gorilla chat example's shape).
const (
	ctiMaxMessage  = 4 << 10
	ctiSendBacklog = 256 // messages queued for one client before it is dropped as too slow
)

// ctiTimers are a CTI socket's timers; tests shorten them (Server.timers).
type ctiTimers struct {
	writeWait  time.Duration // a write that takes longer drops the client
	pongWait   time.Duration // a client silent this long (no pong) is dropped
	pingPeriod time.Duration // below pongWait
}

var defaultCTITimers = ctiTimers{writeWait: 10 * time.Second, pongWait: 60 * time.Second, pingPeriod: 50 * time.Second}

// upgrader keeps gorilla's default Origin check: the Origin's host must be
// the request's Host, so another site's page cannot open an agent's socket.
var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096}

func (s *Server) cti(c *gin.Context) {
	sess, ok := s.sessionOf(c.Request)
	if !ok {
		fail(c, http.StatusUnauthorized, "not logged in")
		return
	}
	conn, err := upgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return // the upgrader has answered (403 for a foreign origin)
	}
	s.cfg.Metrics.ctiClients.Inc()
	defer s.cfg.Metrics.ctiClients.Dec()
	cl := &ctiClient{conn: conn, send: make(chan app.Message, ctiSendBacklog), closing: make(chan struct{}), timers: s.timers}
	go cl.writeLoop()
	if err := s.cfg.Agents.Attach(c.Request.Context(), sess, cl); err != nil {
		cl.Send(app.Message{Type: app.MsgBye, Reason: app.ByeClosed})
		cl.Close()
		return
	}
	s.readLoop(sess, cl)
	cl.Close()
	s.cfg.Agents.Detach(sess, cl)
}

// readLoop reads the client's commands until the socket closes.
func (s *Server) readLoop(sess *app.Session, cl *ctiClient) {
	cl.conn.SetReadLimit(ctiMaxMessage)
	cl.conn.SetReadDeadline(time.Now().Add(cl.timers.pongWait))
	cl.conn.SetPongHandler(func(string) error { return cl.conn.SetReadDeadline(time.Now().Add(cl.timers.pongWait)) })
	for {
		typ, data, err := cl.conn.ReadMessage()
		if err != nil {
			return
		}
		if typ != websocket.TextMessage {
			continue
		}
		cmd, err := DecodeCommand(data)
		if err != nil {
			ok := false
			cl.Send(app.Message{Type: app.MsgReply, ID: cmd.ID, OK: &ok, Error: &app.ErrorView{Code: app.CodeBadCommand, Message: err.Error()}})
			continue
		}
		s.cfg.Agents.Command(sess, cmd)
	}
}

// ErrBadCommand is returned by DecodeCommand.
var ErrBadCommand = errors.New("bad command")

// DecodeCommand parses one CTI command and checks its shape; what the command
// may do is the app's business.
func DecodeCommand(data []byte) (app.Command, error) {
	var cmd app.Command
	if err := json.Unmarshal(data, &cmd); err != nil {
		return app.Command{}, fmt.Errorf("%w: not a JSON command object", ErrBadCommand)
	}
	if len(cmd.ID) > 64 {
		return app.Command{}, fmt.Errorf("%w: id longer than 64 characters", ErrBadCommand)
	}
	if len(cmd.Reason) > 64 || len(cmd.Call) > 64 || len(cmd.Target) > 32 || len(cmd.Number) > 32 || len(cmd.Digits) > 32 {
		return app.Command{ID: cmd.ID}, fmt.Errorf("%w: field too long", ErrBadCommand)
	}
	needs := func(field, value string) error {
		if value == "" {
			return fmt.Errorf("%w: %s needs %s", ErrBadCommand, cmd.Cmd, field)
		}
		return nil
	}
	var err error
	switch cmd.Cmd {
	case app.CmdReady, app.CmdNotReady, app.CmdLogout, app.CmdCancelPending:
	case app.CmdAnswer, app.CmdHangup, app.CmdHold, app.CmdResume, app.CmdMute, app.CmdUnmute:
		err = needs("a call", string(cmd.Call))
	case app.CmdTransfer, app.CmdConference:
		if err = needs("a call", string(cmd.Call)); err == nil {
			err = needs("a target extension", cmd.Target)
		}
	case app.CmdDTMF:
		if err = needs("a call", string(cmd.Call)); err == nil {
			err = needs("digits", cmd.Digits)
		}
	case app.CmdDial:
		err = needs("a number", cmd.Number)
	case app.CmdStopWatch:
	case app.CmdMonitor, app.CmdWhisper, app.CmdBarge, app.CmdAgentReady, app.CmdAgentNotReady, app.CmdAgentLogout:
		if cmd.Agent <= 0 {
			err = fmt.Errorf("%w: %s needs an agent", ErrBadCommand, cmd.Cmd)
		}
	case "":
		return app.Command{ID: cmd.ID}, fmt.Errorf("%w: missing cmd", ErrBadCommand)
	default:
		return app.Command{ID: cmd.ID}, fmt.Errorf("%w: unknown cmd %q", ErrBadCommand, cmd.Cmd)
	}
	if err != nil {
		return app.Command{ID: cmd.ID}, err
	}
	return cmd, nil
}

// ctiClient is one agent socket: the app sends through Send without ever
// blocking; one writer goroutine numbers and writes the messages.
type ctiClient struct {
	conn      *websocket.Conn
	send      chan app.Message
	closing   chan struct{}
	closeOnce sync.Once
	timers    ctiTimers
	mu        sync.Mutex
	closed    bool
}

// Send implements app.Sink. A client whose backlog is full is too slow to
// follow its own calls and is dropped; its page reconnects.
func (cl *ctiClient) Send(m app.Message) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return
	}
	select {
	case cl.send <- m:
	default:
		cl.closed = true
		cl.closeOnce.Do(func() { close(cl.closing) })
		cl.conn.Close()
	}
}

// Close implements app.Sink: the queued messages are written, then the socket closes.
func (cl *ctiClient) Close() {
	cl.mu.Lock()
	cl.closed = true
	cl.mu.Unlock()
	cl.closeOnce.Do(func() { close(cl.closing) })
}

func (cl *ctiClient) writeLoop() {
	ticker := time.NewTicker(cl.timers.pingPeriod)
	defer func() {
		ticker.Stop()
		cl.conn.Close()
	}()
	var seq uint64
	write := func(m app.Message) bool {
		seq++
		m.Seq = seq
		cl.conn.SetWriteDeadline(time.Now().Add(cl.timers.writeWait))
		return cl.conn.WriteJSON(m) == nil
	}
	for {
		select {
		case m := <-cl.send:
			if !write(m) {
				return
			}
		case <-ticker.C:
			cl.conn.SetWriteDeadline(time.Now().Add(cl.timers.writeWait))
			if err := cl.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		case <-cl.closing:
			for {
				select {
				case m := <-cl.send:
					if !write(m) {
						return
					}
				default:
					cl.conn.SetWriteDeadline(time.Now().Add(cl.timers.writeWait))
					cl.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
					return
				}
			}
		}
	}
}
