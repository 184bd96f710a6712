package asterisksim

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/ccaas/ccaas/ari"
)

const (
	// writeWait bounds every write to an events socket.
	writeWait = 10 * time.Second
	// maxClientMessage: ARI clients send nothing but control frames.
	maxClientMessage = 4096
	// tapBuffer is the capacity of a Subscribe channel.
	tapBuffer = 16384
)

// badRequestApp is the page Asterisk answers an events upgrade without app.
const badRequestApp = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>asterisksim</address>\r\n</body></html>\r\n"

var upgrader = websocket.Upgrader{
	ReadBufferSize:  1024,
	WriteBufferSize: 16384,
	// Asterisk checks allowed_origins; the simulator serves tests and the
	// demo on loopback and accepts any origin.
	CheckOrigin: func(*http.Request) bool { return true },
}

// app is a Stasis application: its events socket and what it is subscribed to.
type app struct {
	name      string
	sess      *session       // nil while no socket is connected
	channels  map[string]int // subscription counts: originate, Stasis, explicit
	bridges   map[string]int
	endpoints map[string]bool // "PJSIP/1001", or "PJSIP" for the whole technology
	// the event filter (PUT …/eventFilter): lists of {"type": …} objects as
	// the client sent them
	allowed, disallowed []any
}

func (s *Sim) appLocked(name string) *app {
	a := s.apps[name]
	if a == nil {
		a = &app{
			name:      name,
			channels:  make(map[string]int),
			bridges:   make(map[string]int),
			endpoints: make(map[string]bool),
		}
		s.apps[name] = a
	}
	return a
}

func (a *app) subscribedToEndpoint(name string) bool {
	if name == "" {
		return false
	}
	tech, _, _ := strings.Cut(name, "/")
	return a.endpoints[name] || a.endpoints[tech]
}

func (a *app) snapshot() applicationJSON {
	out := applicationJSON{
		Application: ari.Application{
			Name:        a.name,
			ChannelIDs:  sortedKeys(a.channels),
			BridgeIDs:   sortedKeys(a.bridges),
			EndpointIDs: []string{},
			DeviceNames: []string{},
		},
		EventsAllowed:    append([]any{}, a.allowed...),
		EventsDisallowed: append([]any{}, a.disallowed...),
	}
	for ep := range a.endpoints {
		out.EndpointIDs = append(out.EndpointIDs, ep)
	}
	slices.Sort(out.EndpointIDs)
	return out
}

// applicationJSON is Asterisk's Application model; ari.Application has only
// the fields the client reads.
type applicationJSON struct {
	ari.Application
	EventsAllowed    []any `json:"events_allowed"`
	EventsDisallowed []any `json:"events_disallowed"`
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// session is one events WebSocket. Emitters append to its queue under the
// simulator's mutex (never blocking); its writer goroutine drains the queue
// in order.
type session struct {
	conn *websocket.Conn
	apps []string

	mu         sync.Mutex
	queue      [][]byte
	closeAfter bool // close (without a close frame) once the queue is drained

	wake chan struct{}
	done chan struct{}
	once sync.Once
}

func newSession(conn *websocket.Conn, apps []string) *session {
	return &session{conn: conn, apps: apps, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (ss *session) push(msg []byte) {
	ss.mu.Lock()
	ss.queue = append(ss.queue, msg)
	ss.mu.Unlock()
	ss.signal()
}

func (ss *session) signal() {
	select {
	case ss.wake <- struct{}{}:
	default:
	}
}

// drainAndDrop makes the writer send what is queued, then drop the TCP
// connection without a close frame, as a stopping Asterisk does.
func (ss *session) drainAndDrop() {
	ss.mu.Lock()
	ss.closeAfter = true
	ss.mu.Unlock()
	ss.signal()
}

// close drops the connection at once. gorilla's Close sends no close frame.
func (ss *session) close() {
	ss.once.Do(func() {
		close(ss.done)
		ss.mu.Lock()
		conn := ss.conn
		ss.mu.Unlock()
		if conn != nil {
			_ = conn.Close()
		}
	})
}

// attach gives the session its connection once the upgrade succeeded; it
// reports false (and drops the connection) if the session was closed first.
func (ss *session) attach(conn *websocket.Conn) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.conn = conn
	select {
	case <-ss.done:
		_ = conn.Close()
		return false
	default:
		return true
	}
}

func (ss *session) writeLoop(s *Sim) {
	for {
		select {
		case <-ss.done:
			return
		case <-ss.wake:
		}
		for {
			ss.mu.Lock()
			batch, drop := ss.queue, ss.closeAfter
			ss.queue = nil
			ss.mu.Unlock()
			if len(batch) == 0 {
				if drop {
					ss.close()
					return
				}
				break
			}
			for _, msg := range batch {
				_ = ss.conn.SetWriteDeadline(time.Now().Add(writeWait))
				if err := ss.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
					s.log.Debug("asterisksim: events socket write failed", "apps", ss.apps, "err", err)
					ss.close()
					return
				}
			}
		}
	}
}

// serveEvents upgrades GET /ari/events?app=a[,b] and registers the socket as
// the events connection of those applications. A later socket for the same
// application replaces an earlier one, as in Asterisk.
func (s *Sim) serveEvents(w http.ResponseWriter, r *http.Request) {
	var apps []string
	for _, v := range r.URL.Query()["app"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" && !slices.Contains(apps, name) {
				apps = append(apps, name)
			}
		}
	}
	if len(apps) == 0 {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(badRequestApp))
		return
	}
	// Register before the upgrade answers 101, so that the application
	// exists as soon as the client sees the socket open; events emitted
	// meanwhile wait in the queue.
	sess := newSession(nil, apps)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		writeResponse(w, fail(http.StatusServiceUnavailable, "Asterisk not booted"))
		return
	}
	prev := make(map[string]*session, len(apps))
	for _, name := range apps {
		a := s.appLocked(name)
		prev[name] = a.sess
		a.sess = sess
	}
	s.sessions[sess] = struct{}{}
	s.mu.Unlock()

	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.mu.Lock()
		delete(s.sessions, sess)
		for _, name := range apps {
			a := s.apps[name]
			if a == nil || a.sess != sess {
				continue
			}
			a.sess = prev[name]
			if a.sess == nil && len(a.channels)+len(a.bridges)+len(a.endpoints) == 0 {
				delete(s.apps, name) // never registered after all
			}
		}
		s.mu.Unlock()
		return // the upgrader has answered
	}
	s.log.Debug("asterisksim: events socket connected", "apps", apps)
	if sess.attach(conn) {
		go sess.writeLoop(s)
	}
	conn.SetReadLimit(maxClientMessage)
	for {
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	sess.close()
	s.mu.Lock()
	delete(s.sessions, sess)
	for _, name := range apps {
		if a := s.apps[name]; a != nil && a.sess == sess {
			a.sess = nil
		}
	}
	s.mu.Unlock()
	s.log.Debug("asterisksim: events socket closed", "apps", apps)
}

// hasSocketLocked reports whether an events socket serves the application.
func (s *Sim) hasSocketLocked(name string) bool {
	a := s.apps[name]
	return a != nil && a.sess != nil
}

// base fills the fields every event has; Application is set per recipient.
func base(typ string) ari.EventBase {
	return ari.EventBase{Type: typ, Timestamp: ariTime(now()), AsteriskID: asteriskID}
}

// emitLocked sends ev to each application in apps, in order; an application
// listed twice gets the event twice (endpoint subscriptions duplicate channel
// events in Asterisk). Every emitted event also goes, once, to the taps.
func (s *Sim) emitLocked(ev ari.Event, apps []string) {
	if len(apps) == 0 {
		return // nobody is subscribed: Asterisk sends it to no application
	}
	b := ev.Base()
	for _, name := range apps {
		a := s.apps[name]
		if a == nil || a.sess == nil || !a.allows(b.Type) {
			continue
		}
		b.Application = name
		msg, err := marshal(ev)
		if err != nil {
			s.log.Error("asterisksim: marshal event", "type", b.Type, "err", err)
			continue
		}
		a.sess.push(msg)
	}
	if len(s.taps) == 0 {
		return
	}
	b.Application = apps[0]
	msg, err := marshal(ev)
	if err != nil {
		return
	}
	for t := range s.taps {
		copyEv, err := ari.DecodeEvent(msg) // a private copy per tap: no sharing with the emitter
		if err != nil {
			continue
		}
		select {
		case t.ch <- copyEv:
		default:
			s.log.Error("asterisksim: Subscribe channel full; closing it", "capacity", tapBuffer)
			t.closeLocked()
			delete(s.taps, t)
		}
	}
}

// tap is one Subscribe channel.
type tap struct {
	ch     chan ari.Event
	closed bool
}

func (t *tap) closeLocked() {
	if !t.closed {
		t.closed = true
		close(t.ch)
	}
}

// Subscribe returns every event the simulator sends to applications from now
// on, in order, once each (an event an endpoint subscription duplicates, or
// that goes to several applications, appears once; Application names the
// first recipient), and a function that ends the subscription. Events of
// applications whose socket is down are included. The channel holds 16384 events; if the reader
// falls that far behind, the channel is closed (and an error logged) rather
// than blocking the simulator or dropping events silently: a test sees its
// tap end early.
func (s *Sim) Subscribe() (<-chan ari.Event, func()) {
	t := &tap{ch: make(chan ari.Event, tapBuffer)}
	s.mu.Lock()
	if s.closed {
		t.closeLocked()
	} else {
		s.taps[t] = struct{}{}
	}
	s.mu.Unlock()
	return t.ch, func() {
		s.mu.Lock()
		delete(s.taps, t)
		t.closeLocked()
		s.mu.Unlock()
	}
}

// Recipients.

// channelAppsLocked lists the applications that get a channel's own events
// (state, dial, variables, hangup, DTMF, playbacks): those subscribed to the
// channel, then once more each application subscribed to its endpoint.
func (s *Sim) channelAppsLocked(ch *channel) []string {
	var out []string
	for _, name := range sortedKeys(s.apps) {
		if s.apps[name].channels[ch.id] > 0 {
			out = append(out, name)
		}
	}
	return append(out, s.endpointAppsLocked(ch.endpoint)...)
}

// bridgeChannelAppsLocked lists, once each, the applications that get
// ChannelEnteredBridge / ChannelLeftBridge: subscribed to the bridge, the
// channel or its endpoint.
func (s *Sim) bridgeChannelAppsLocked(ch *channel, bridgeID string) []string {
	var out []string
	for _, name := range sortedKeys(s.apps) {
		a := s.apps[name]
		if a.bridges[bridgeID] > 0 || a.channels[ch.id] > 0 || a.subscribedToEndpoint(ch.endpoint) {
			out = append(out, name)
		}
	}
	return out
}

func (s *Sim) bridgeAppsLocked(bridgeID string) []string {
	var out []string
	for _, name := range sortedKeys(s.apps) {
		if s.apps[name].bridges[bridgeID] > 0 {
			out = append(out, name)
		}
	}
	return out
}

func (s *Sim) endpointAppsLocked(endpointName string) []string {
	var out []string
	for _, name := range sortedKeys(s.apps) {
		if s.apps[name].subscribedToEndpoint(endpointName) {
			out = append(out, name)
		}
	}
	return out
}
