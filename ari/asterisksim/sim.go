// Package asterisksim simulates an Asterisk 22 behind its REST Interface
// (ARI): real HTTP and a real events WebSocket, for tests and the demo mode.
//
// It reproduces what the traces recorded from a real Asterisk 22.11
// (testdata/traces) show it doing: statuses and bodies of REST calls
// (errors included), the events of calls, bridges, endpoints and playbacks
// in the order Asterisk sends them, and its quirks (bare addChannel moves, the delayed
// BridgeDestroyed, ChannelDestroyed only for originated channels, endpoint
// subscriptions that duplicate channel events, the channel id prefix rule).
// There is no audio: phones are simulated by a Behaviour per endpoint, and
// customers are placed with PlaceCall. Inject makes chosen REST requests
// fail or hang, to test a client against an Asterisk that errs mid-flow.
//
// Concurrency: one mutex guards all state; REST handlers, control methods and
// timers change state and queue events under it. Each events socket has one
// writer goroutine fed by an unbounded ordered queue, so nothing ever waits
// for a socket while holding the mutex, and events reach each socket in the
// order they were emitted.
package asterisksim

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// Sentinels returned by the control methods.
var (
	ErrNoApp       = errors.New("asterisksim: no events socket connected for the application")
	ErrNoChannel   = errors.New("asterisksim: no such channel")
	ErrNoEndpoint  = errors.New("asterisksim: no such endpoint")
	ErrNoRecording = errors.New("asterisksim: no such live recording")
	ErrInvalidCall = errors.New("asterisksim: invalid call")
	ErrClosed      = errors.New("asterisksim: closed")
)

// Defaults applied by New.
const (
	DefaultUsername    = "ccaas"
	DefaultPassword    = "ccaas"
	DefaultApp         = "ccaas"
	DefaultAnswerDelay = 2 * time.Millisecond
	DefaultBootDelay   = 50 * time.Millisecond

	// playbackDuration is how long every known sound "plays".
	playbackDuration = 20 * time.Millisecond
	// asteriskID is the asterisk_id (a MAC address) on every event.
	asteriskID = "02:fc:00:00:00:01"
	// pstnEndpoint is the trunk PlaceCall customers come in through; it is
	// created by New so outbound originates through the trunk work too.
	pstnEndpoint = "PJSIP/pstn"
)

// Config configures a Sim. The zero value works.
type Config struct {
	Username, Password string        // ARI credentials; both default "ccaas"
	ChannelVars        []string      // like ari.conf channelvars: these variables ride on every channel snapshot as "channelvars"
	AutoAnswerPushed   bool          // an endpoint pushed via PUT /asterisk/config/dynamic/res_pjsip/endpoint/{id} registers at once as a simulated browser phone that auto-answers originates (BehaviourAnswer)
	AnswerDelay        time.Duration // how long a simulated phone rings before answering (default 2ms)
	Logger             *slog.Logger
	// BootDelay is how long Asterisk takes to come back after Restart
	// (default 50ms): the first half refuses connections, the second half
	// answers 503 {"message":"Asterisk not booted"}.
	BootDelay time.Duration
	// ListNewestFirst makes GET /channels list the newest channel first.
	// Asterisk promises no order for its lists; tests use it to check that
	// nothing relies on one.
	ListNewestFirst bool
}

// Sim is a simulated Asterisk. Serve it with ServeHTTP (it answers under
// /ari/), drive it with the control methods, inspect it with the
// inspection methods. Close it when done.
type Sim struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	closed    bool
	gen       uint64    // bumped by Restart: timers of an older generation do nothing
	startedAt time.Time // for /asterisk/info
	bootStart time.Time // zero when booted; else when the current boot began
	bootUntil time.Time

	seq       int // channel counter: uniqueid suffix and name suffix, like Asterisk's
	snoopSeq  int
	order     int // creation order of channels and bridges
	channels  map[string]*channel
	bridges   map[string]*bridge
	endpoints map[string]*endpoint // "PJSIP/1001"
	apps      map[string]*app
	playbacks map[string]*playback
	// recordings are the live ones; stored are the files, which a restart
	// keeps (recordings.go)
	recordings  map[string]*recording
	stored      map[string]*stored
	recorderSeq int
	sorcery     map[sorceryKey]*sorceryObject
	globals     map[string]string
	// pending holds BridgeDestroyed events of bridges deleted while a
	// channel that left them by a bare move still holds them (see bridges.go).
	pending  map[string]pendingDestroy
	timers   map[*time.Timer]struct{}
	sessions map[*session]struct{}
	taps     map[*tap]struct{}
	faults   []*Injected   // armed by Inject, in order
	stop     chan struct{} // closed by Close: requests held by a fault let go
	// ended keeps the hang-up cause of the last endedKept channels that
	// ended (EndCause), oldest first in endedOrder.
	ended      map[string]int
	endedOrder []string
}

// endedKept bounds what EndCause remembers: the demo and the benchmark run
// the simulator for hours.
const endedKept = 4096

// New builds a simulator. It does no I/O.
func New(cfg Config) *Sim {
	if cfg.Username == "" {
		cfg.Username = DefaultUsername
	}
	if cfg.Password == "" {
		cfg.Password = DefaultPassword
	}
	if cfg.AnswerDelay <= 0 {
		cfg.AnswerDelay = DefaultAnswerDelay
	}
	if cfg.BootDelay <= 0 {
		cfg.BootDelay = DefaultBootDelay
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Sim{
		cfg:       cfg,
		log:       cfg.Logger,
		startedAt: time.Now(),
		endpoints: make(map[string]*endpoint),
		timers:    make(map[*time.Timer]struct{}),
		sessions:  make(map[*session]struct{}),
		taps:      make(map[*tap]struct{}),
		stop:      make(chan struct{}),
		stored:    make(map[string]*stored),
	}
	s.resetLocked()
	s.endpoints[pstnEndpoint] = &endpoint{
		tech: "PJSIP", resource: "pstn", context: "from-pstn",
		registered: true, behaviour: BehaviourAnswer,
	}
	return s
}

// resetLocked forgets everything a restart loses.
func (s *Sim) resetLocked() {
	s.seq = 0
	s.snoopSeq = 0
	s.channels = make(map[string]*channel)
	s.bridges = make(map[string]*bridge)
	s.apps = make(map[string]*app)
	s.playbacks = make(map[string]*playback)
	s.recordings = make(map[string]*recording)
	s.sorcery = make(map[sorceryKey]*sorceryObject)
	s.globals = make(map[string]string)
	s.pending = make(map[string]pendingDestroy)
	if s.ended == nil {
		s.ended = make(map[string]int)
	}
	for name, ep := range s.endpoints {
		if ep.pushed {
			delete(s.endpoints, name)
		}
		ep.channels = nil
	}
}

// Close closes every events socket and stops every timer. Later requests
// answer 503.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.stop)
	s.stopTimersLocked()
	sessions := make([]*session, 0, len(s.sessions))
	for sess := range s.sessions {
		sessions = append(sessions, sess)
	}
	for t := range s.taps {
		t.closeLocked()
	}
	s.mu.Unlock()
	for _, sess := range sessions {
		sess.close()
	}
	return nil
}

// after runs f under the mutex after d, unless the simulator was closed or
// restarted in between.
func (s *Sim) afterLocked(d time.Duration, f func()) {
	gen := s.gen
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.timers, t)
		if s.closed || s.gen != gen {
			return
		}
		f()
	})
	s.timers[t] = struct{}{}
}

func (s *Sim) stopTimersLocked() {
	for t := range s.timers {
		t.Stop()
		delete(s.timers, t)
	}
}

// nextOrder numbers channels and bridges so listings keep creation order.
func (s *Sim) nextOrder() int {
	s.order++
	return s.order
}

// now is Asterisk's wall clock, in UTC like the recorded traces.
func now() time.Time { return time.Now().UTC() }

func ariTime(t time.Time) ari.Time { return ari.Time{Time: t} }

// newUUID returns a random RFC 4122 version 4 UUID, as Asterisk generates
// for ids the client did not choose.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
