package http

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/cti"
)

// Limits of a CTI socket (the gorilla chat example's shape).
const (
	ctiMaxMessage  = 4 << 10
	ctiSendBacklog = 256 // messages queued for one client before it is dropped as too slow
)

// ctiTimers are a CTI socket's timers.
type ctiTimers struct {
	writeWait  time.Duration // a write that takes longer drops the client
	pongWait   time.Duration // a client silent this long (no pong) is dropped
	pingPeriod time.Duration // below pongWait
}

var defaultCTITimers = ctiTimers{writeWait: 10 * time.Second, pongWait: 60 * time.Second, pingPeriod: 50 * time.Second}

// upgrader keeps gorilla's default Origin check: the Origin's host must be
// the request's Host, so another site's page cannot open an agent's socket.
// Write buffers come from a pool and are held only while a message is
// written: most sockets are idle most of the time.
var upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}

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
		cmd, err := cti.DecodeCommand(data)
		if err != nil {
			ok := false
			cl.Send(cti.Message{Type: cti.MsgReply, ID: cmd.ID, OK: &ok, Error: &cti.ErrorView{Code: cti.CodeBadCommand, Message: cti.Sentence(err.Error())}})
			continue
		}
		s.cfg.Agents.Command(sess, cmd)
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
	timers    ctiTimers
	mu        sync.Mutex
	queue     []cti.Message
	closed    bool
}

func newCTIClient(conn *websocket.Conn, timers ctiTimers) *ctiClient {
	return &ctiClient{conn: conn, wake: make(chan struct{}, 1), closing: make(chan struct{}), timers: timers}
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
		cl.closeOnce.Do(func() { close(cl.closing) })
		cl.conn.Close()
		return
	}
	cl.queue = append(cl.queue, m)
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
	cl.closeOnce.Do(func() { close(cl.closing) })
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
