package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/gin-gonic/gin"
	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/app"
)

// SIPAccounts tells the proxy which SIP user a session may speak as.
type SIPAccounts interface {
	SIPAccount(ctx context.Context, s *app.Session) (username, password string, err error)
}

// The browser phone speaks SIP over WebSocket (RFC 7118) to /sip; the proxy
// relays it to Asterisk's own SIP WebSocket, which is never exposed. Only
// a logged-in session may open it, from the page's own origin, and every
// message the browser sends must be its own line's: requests from its
// endpoint, responses to requests for it. Anything else closes the socket.

const (
	sipMaxMessage = 64 << 10
	sipWriteWait  = 10 * time.Second
)

// sipMethods the browser may send. It never places calls of its own through
// Asterisk (INVITE), transfers (REFER) or sends messages: its only call is
// the line the app originates to it.
var sipMethods = map[sip.RequestMethod]bool{
	sip.REGISTER: true, sip.ACK: true, sip.BYE: true, sip.CANCEL: true,
	sip.OPTIONS: true, sip.INFO: true, sip.UPDATE: true, sip.PRACK: true,
}

var sipUpgrader = websocket.Upgrader{
	ReadBufferSize: 4096, WriteBufferSize: 4096,
	Subprotocols: []string{"sip"},
	// each Server sets CheckOrigin to the origin rule (origin.go)
}

func (s *Server) sipProxy(c *gin.Context) {
	sess, ok := s.sessionOf(c.Request)
	if !ok {
		fail(c, http.StatusUnauthorized, "not logged in")
		return
	}
	if !s.origins.allowed(c.Request) {
		fail(c, http.StatusForbidden, "foreign origin")
		return
	}
	if s.cfg.SIPUpstream == "" {
		fail(c, http.StatusServiceUnavailable, "no SIP server here (in demo mode the simulator answers the line itself)")
		return
	}
	user, _, err := s.cfg.SIP.SIPAccount(c.Request.Context(), sess)
	if err != nil {
		s.failErr(c, err)
		return
	}
	dialCtx, cancel := context.WithTimeout(c.Request.Context(), 5*time.Second)
	defer cancel()
	up, _, err := (&websocket.Dialer{Subprotocols: []string{"sip"}}).DialContext(dialCtx, s.cfg.SIPUpstream, nil)
	if err != nil {
		s.log.Error("SIP upstream unreachable", "err", err)
		fail(c, http.StatusBadGateway, "the phone server cannot be reached")
		return
	}
	down, err := s.sipUpgrader.Upgrade(c.Writer, c.Request, nil)
	if err != nil {
		up.Close()
		return // the upgrader answered (403 for a foreign origin)
	}
	s.cfg.Metrics.sipClients.Inc()
	defer s.cfg.Metrics.sipClients.Dec()
	p := &sipPipe{up: up, down: down, user: user, log: s.log.With("agent", sess.Agent.Username, "sip_user", user),
		live: func() bool { _, ok := s.cfg.Agents.Session(sess.ID); return ok }}
	s.phones.replace(sess.ID, p)
	defer s.phones.remove(sess.ID, p)
	p.run()
}

// sipPhones keeps each session's one phone socket: a newer one replaces
// (closes) the older, and with it the older's connection to Asterisk.
type sipPhones struct {
	mu    sync.Mutex
	pipes map[string]*sipPipe // by session id
}

func (ps *sipPhones) replace(session string, p *sipPipe) {
	ps.mu.Lock()
	old := ps.pipes[session]
	if ps.pipes == nil {
		ps.pipes = make(map[string]*sipPipe)
	}
	ps.pipes[session] = p
	ps.mu.Unlock()
	if old != nil {
		old.close(websocket.ClosePolicyViolation, "replaced by a newer phone socket of this session")
	}
}

func (ps *sipPhones) remove(session string, p *sipPipe) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.pipes[session] == p {
		delete(ps.pipes, session)
	}
}

type sipPipe struct {
	up, down  *websocket.Conn
	user      string
	log       interface{ Warn(string, ...any) }
	live      func() bool // the session is still live
	closeOnce sync.Once
}

func (p *sipPipe) run() {
	p.up.SetReadLimit(sipMaxMessage)
	p.down.SetReadLimit(sipMaxMessage)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.relay(p.up, p.down, nil) // Asterisk → browser, as is
	}()
	p.relay(p.down, p.up, p.check) // browser → Asterisk, checked
	<-done
}

// relay copies messages until either side ends; a message check refuses
// closes both.
func (p *sipPipe) relay(from, to *websocket.Conn, check func([]byte) error) {
	defer p.close(websocket.CloseNormalClosure, "")
	for {
		typ, data, err := from.ReadMessage()
		if err != nil {
			return
		}
		if check != nil {
			if err := check(data); err != nil {
				p.log.Warn("SIP message refused; closing the phone's socket", "err", err)
				p.close(websocket.ClosePolicyViolation, "refused")
				return
			}
		}
		to.SetWriteDeadline(time.Now().Add(sipWriteWait))
		if err := to.WriteMessage(typ, data); err != nil {
			return
		}
	}
}

func (p *sipPipe) close(code int, text string) {
	p.closeOnce.Do(func() {
		msg := websocket.FormatCloseMessage(code, text)
		deadline := time.Now().Add(time.Second)
		p.down.WriteControl(websocket.CloseMessage, msg, deadline)
		p.up.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
		p.down.Close()
		p.up.Close()
	})
}

// Errors of checkSIP.
var (
	ErrSIPMalformed = errors.New("not a SIP message")
	ErrSIPForeign   = errors.New("not this phone's own SIP traffic")
	// ErrSIPSeveral: Asterisk's SIP WebSocket is a stream transport and
	// acts on every message of a frame, so a frame must hold exactly the
	// one message that was checked.
	ErrSIPSeveral = errors.New("more than one SIP message in a frame")
	// ErrSIPSessionEnded: the agent's session ended (logout, a password
	// reset …); its phone's socket goes with it at its next message.
	ErrSIPSessionEnded = errors.New("the session has ended")
)

// sipParser parses in stream mode: a message must carry its
// Content-Length, and the parser says where it ends.
var sipParser = sip.NewParser()

func (p *sipPipe) check(data []byte) error {
	if !p.live() {
		return ErrSIPSessionEnded
	}
	return checkSIP(data, p.user)
}

var authUsername = regexp.MustCompile(`(?i)\busername\s*=\s*"([^"]*)"`)

// checkSIP allows a frame from the browser only if it holds one message (a
// trailing CRLF aside) and that message is the line's own: a request of an
// allowed method from the endpoint (a REGISTER also for it, and
// authenticating as it), or a response to a request for the endpoint.
func checkSIP(data []byte, user string) error {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil // a keep-alive (CRLF)
	}
	msg, n, err := sipParser.Parse(data, true)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrSIPMalformed, err)
	}
	if len(bytes.Trim(data[n:], "\r\n")) != 0 {
		return ErrSIPSeveral
	}
	from, to := msg.From(), msg.To()
	if from == nil || to == nil {
		return fmt.Errorf("%w: no From or To", ErrSIPMalformed)
	}
	switch m := msg.(type) {
	case *sip.Request:
		if !sipMethods[m.Method] {
			return fmt.Errorf("%w: method %s", ErrSIPForeign, m.Method)
		}
		if from.Address.User != user {
			return fmt.Errorf("%w: From %q", ErrSIPForeign, from.Address.User)
		}
		if m.Method == sip.REGISTER && to.Address.User != user {
			return fmt.Errorf("%w: REGISTER for %q", ErrSIPForeign, to.Address.User)
		}
		for _, h := range m.GetHeaders("Authorization") {
			if u := authUsername.FindStringSubmatch(h.Value()); u == nil || u[1] != user {
				return fmt.Errorf("%w: credentials of another user", ErrSIPForeign)
			}
		}
	case *sip.Response:
		if to.Address.User != user {
			return fmt.Errorf("%w: response for %q", ErrSIPForeign, to.Address.User)
		}
	default:
		return ErrSIPMalformed
	}
	return nil
}
