package http

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/cti"
)

// Limits of a CTI socket (the gorilla chat example's shape).
const (
	ctiMaxMessage  = 16 << 10 // a command with a note of 2,000 characters (8 KiB of UTF-8 at most) fits
	ctiSendBacklog = 256      // messages queued for one client before it is dropped as too slow
	// ctiReadPause: while this many messages wait to be written to the
	// client, its next command is not read. A client's commands are read one
	// at a time, each once the app has handled the one before, so a burst is
	// served at the pace the client reads and never fills its backlog
	// (docs/cti-protocol.md, Limits).
	ctiReadPause = 64
)

// ctiTimers are a CTI socket's timers.
type ctiTimers struct {
	writeWait  time.Duration // a write that takes longer drops the client
	pongWait   time.Duration // a client silent this long (no pong) is dropped
	pingPeriod time.Duration // below pongWait
}

var defaultCTITimers = ctiTimers{writeWait: 10 * time.Second, pongWait: 60 * time.Second, pingPeriod: 50 * time.Second}

// ctiUpgrader: each Server sets its CheckOrigin to the origin rule
// (origin.go), so another site's page cannot open an agent's socket.
// Write buffers come from a pool and are held only while a message is
// written: most sockets are idle most of the time.
var ctiUpgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}

func (s *Server) cti(c *gin.Context) {
	sess, ok := s.sessionOf(c.Request)
	if !ok {
		fail(c, http.StatusUnauthorized, "not logged in")
		return
	}
	conn, err := s.ctiUpgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		return // the upgrader has answered (403 for a foreign origin)
	}
	s.cfg.Metrics.ctiClients.Inc()
	cl := newCTIClient(conn, defaultCTITimers)
	go cl.writeLoop()
	if err := s.cfg.Agents.Attach(c.Request.Context(), sess, cl); err != nil {
		cl.Send(cti.Message{Type: cti.MsgBye, Reason: cti.ByeClosed})
		cl.Close()
		s.cfg.Metrics.ctiClients.Dec()
		return
	}
	// The reader gets its own goroutine and the handler returns, so the HTTP
	// server lets go of the connection's request buffers (8 KiB a socket).
	// Whatever must last as long as the socket belongs in this goroutine,
	// not in a defer of the handler.
	go func() {
		defer s.cfg.Metrics.ctiClients.Dec()
		s.readLoop(sess, cl)
		cl.Close()
		s.cfg.Agents.Detach(sess, cl)
	}()
}

// readLoop reads the client's commands until the socket closes: one at a
// time, each once the app has handled the one before, and none while the
// client has ctiReadPause messages or more still to take (backpressure).
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
		cmd, err := cti.DecodeCommand(data)
		if err != nil {
			ok := false
			cl.Send(cti.Message{Type: cti.MsgReply, ID: cmd.ID, OK: &ok, Error: &cti.ErrorView{Code: cti.CodeBadCommand, Message: cti.Sentence(err.Error())}})
		} else if err := s.cfg.Agents.Do(cl.ctx, sess, cmd); err != nil {
			return // the session or the app is gone
		}
		waited, open := cl.waitBacklog(ctiReadPause)
		if !open {
			return
		}
		if waited {
			// the client was not read meanwhile: its pongs wait unread, so
			// the time it is given to answer pings starts again
			cl.conn.SetReadDeadline(time.Now().Add(cl.timers.pongWait))
		}
	}
}

// ctiClient is one agent socket: the app sends through Send without ever
// blocking; one writer goroutine numbers and writes the messages. The queue
// is a slice that exists only while messages wait: an idle socket holds no
// buffer (a channel of 256 messages cost 45 KiB per agent).
type ctiClient struct {
	conn      *websocket.Conn
	wake      chan struct{} // capacity 1: the queue has messages
	closing   chan struct{}
	closeOnce sync.Once
	// ctx ends when the socket closes: a command the reader hands the app
	// stops waiting for it then
	ctx    context.Context
	cancel context.CancelFunc
	timers ctiTimers
	// unwritten counts the messages sent and not yet written (queued, or in
	// the writer's batch); drained wakes a reader that waits for it to fall
	unwritten atomic.Int64
	drained   chan struct{} // capacity 1
	mu        sync.Mutex
	queue     []cti.Message
	closed    bool
}

func newCTIClient(conn *websocket.Conn, timers ctiTimers) *ctiClient {
	ctx, cancel := context.WithCancel(context.Background())
	return &ctiClient{conn: conn, wake: make(chan struct{}, 1), closing: make(chan struct{}), ctx: ctx, cancel: cancel,
		timers: timers, drained: make(chan struct{}, 1)}
}

// shut marks the client closing, once: the writer ends, a waiting reader
// and a command in the app stop waiting.
func (cl *ctiClient) shut() {
	cl.closeOnce.Do(func() {
		close(cl.closing)
		cl.cancel()
	})
}

// waitBacklog waits while n or more messages are unwritten; waited says
// whether it had to, open is false if the socket closed meanwhile.
func (cl *ctiClient) waitBacklog(n int64) (waited, open bool) {
	for cl.unwritten.Load() >= n {
		waited = true
		select {
		case <-cl.drained:
		case <-cl.closing:
			return waited, false
		}
	}
	return waited, true
}

// Send implements app.Sink. A client whose backlog is full is too slow to
// follow its own calls and is dropped; its page reconnects.
func (cl *ctiClient) Send(m cti.Message) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return
	}
	if len(cl.queue) >= ctiSendBacklog {
		cl.closed = true
		cl.shut()
		cl.conn.Close()
		return
	}
	cl.queue = append(cl.queue, m)
	cl.unwritten.Add(1)
	select {
	case cl.wake <- struct{}{}:
	default:
	}
}

// Close implements app.Sink: the queued messages are written, then the socket closes.
func (cl *ctiClient) Close() {
	cl.mu.Lock()
	cl.closed = true
	cl.mu.Unlock()
	cl.shut()
}

// take hands the writer what is queued, leaving spare (emptied) as the
// new queue.
func (cl *ctiClient) take(spare []cti.Message) []cti.Message {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	q := cl.queue
	cl.queue = spare[:0]
	return q
}

func (cl *ctiClient) writeLoop() {
	ticker := time.NewTicker(cl.timers.pingPeriod)
	defer func() {
		ticker.Stop()
		cl.Close() // a reader waiting for the backlog to drain stops waiting
		cl.conn.Close()
	}()
	var seq uint64
	var spare []cti.Message
	// writeQueued writes what is queued, in order.
	writeQueued := func() bool {
		batch := cl.take(spare)
		for i := range batch {
			seq++
			batch[i].Seq = seq
			cl.conn.SetWriteDeadline(time.Now().Add(cl.timers.writeWait))
			if cl.conn.WriteJSON(batch[i]) != nil {
				return false
			}
			if cl.unwritten.Add(-1) < ctiReadPause {
				select {
				case cl.drained <- struct{}{}:
				default:
				}
			}
		}
		clear(batch) // drop the messages' references
		if cap(batch) > 16 {
			batch = nil // a burst's buffer is not kept for the socket's life
		}
		spare = batch
		return true
	}
	for {
		select {
		case <-cl.wake:
			if !writeQueued() {
				return
			}
		case <-ticker.C:
			cl.conn.SetWriteDeadline(time.Now().Add(cl.timers.writeWait))
			if err := cl.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		case <-cl.closing:
			if writeQueued() {
				cl.conn.SetWriteDeadline(time.Now().Add(cl.timers.writeWait))
				cl.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			}
			return
		}
	}
}
