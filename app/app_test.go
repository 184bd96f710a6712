package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/internal/memnet"
	"github.com/ccaas/ccaas/queuelog"
	"github.com/ccaas/ccaas/sqlite"
)

const (
	testDomain = "acme.example"
	testDID    = "5550001"
	waitFor    = 5 * time.Second
)

// world is the app wired to the Asterisk simulator over real HTTP and
// WebSocket through our real ARI client, with a real sqlite store.
//
// A test runs its world inside a testing/synctest bubble (synctest.Test):
// the simulator is served in memory (memnet), so no goroutine of the world
// waits on a socket, and every timer (ring, wrapup, maximum wait,
// announcements, line retry, request timeouts, the simulator's answer and
// playback delays) runs on the bubble's fake clock, which jumps ahead
// whenever every goroutine is idle. The world is stopped by its t.Cleanup
// functions, which run inside the bubble, also after a failure. Only
// benchmarks build a world outside a bubble, on loopback TCP.
type world struct {
	t      testing.TB
	sim    *asterisksim.Sim
	app    *app.App
	ari    *ari.Client
	db     *sqlite.DB
	tenant ccaas.Tenant
	agent  map[string]ccaas.Agent

	mu         sync.Mutex
	violations []error
	lost       map[string]int // rows the recorder could not write, by kind: none may be
}

func (w *world) recordsLost(kind string, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.lost == nil {
		w.lost = map[string]int{}
	}
	w.lost[kind] += n
}

func (w *world) violation(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) < 20 {
		w.violations = append(w.violations, err)
	}
}

type worldOpts struct {
	ringSeconds   int
	wrapupSeconds int // alice's; bob has none
	// queues creates the tenant's queues; default: Support on testDID with both agents.
	queues func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, agent map[string]ccaas.Agent) error
	// settings replace the tenant's defaults (outbound trunk "pstn", the
	// simulator's trunk, and the notification on).
	settings  *ccaas.Settings
	variables []ccaas.CallVariable
	// channelVars are the variables the simulated Asterisk puts on channel
	// snapshots (ari.conf channelvars).
	channelVars []string
	// manualPhones: pushed endpoints register only when the test says so
	// (sim.Register), and the app waits for them (Config.WaitForPhone).
	manualPhones bool
	// wrapStore wraps the store the app writes to (a slow or hung disk).
	wrapStore func(ccaas.Store) ccaas.Store
	// team is alice's and bob's team.
	team string
	// others are more users of the tenant (supervisors), created before the
	// app loads; their password is their username + "-pw".
	others []ccaas.Agent
	// now is the app's clock (default time.Now); queueLog gets its queue_log events.
	now      func() time.Time
	queueLog func(queuelog.Event)
	// requestTimeout bounds each ARI operation (app.Config.RequestTimeout).
	requestTimeout time.Duration
	// sessionIdle and sessionMaxAge are the sessions' lifetimes (app.Config).
	sessionIdle, sessionMaxAge time.Duration
	// observePhase gets the phase timings (app.Config.ObservePhase).
	observePhase func(phase string, d time.Duration)
	// maxCalls, maxTenantCalls: app.Config.MaxCalls, MaxTenantCalls.
	maxCalls, maxTenantCalls int
	// lineRetryRate, lineWorkers: app.Config.LineRetryRate, LineWorkers.
	lineRetryRate float64
	lineWorkers   int
	// outboxWritten and recordingFailed are app.Config's.
	outboxWritten, recordingFailed func()
	// loopback serves the simulator on a loopback TCP socket (httptest)
	// instead of in memory, for benchmarks of the real network path: such a
	// world runs outside a bubble, in real time.
	loopback bool
}

func newWorld(t testing.TB, opts worldOpts) *world {
	t.Helper()
	if opts.ringSeconds == 0 {
		opts.ringSeconds = 30
	}
	ctx, cancel := context.WithCancel(context.Background())
	sim := asterisksim.New(asterisksim.Config{AutoAnswerPushed: !opts.manualPhones, ChannelVars: opts.channelVars, Logger: slog.New(slog.DiscardHandler)})
	var (
		url        string
		httpClient *http.Client // nil: the ari package's own keep-alive client
		closeSrv   func()
	)
	if opts.loopback {
		srv := httptest.NewServer(sim)
		url, closeSrv = srv.URL, srv.Close
	} else {
		srv := memnet.NewServer("asterisk.test:8088", sim)
		url, httpClient, closeSrv = srv.URL, srv.Client(), srv.Close
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel}))
	client, err := ari.New(ari.Config{URL: url + "/ari", HTTPClient: httpClient, Username: "ccaas", Password: "ccaas", Application: "ccaas", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, "ccaas.db")
	w := &world{t: t, sim: sim, ari: client, db: db, agent: map[string]ccaas.Agent{}}
	ten, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: testDomain, Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	w.tenant = ten
	// the numbers the operator assigned to the tenant: every number its
	// tests' queues ring
	if err := db.AssignDIDs(ctx, ten.ID, testDID, "5550002", "5550009", "5550777"); err != nil {
		t.Fatal(err)
	}
	settings := ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", CallerID: "Acme <5550000>"}
	if opts.settings != nil {
		settings = *opts.settings
	}
	if err := db.SetSettings(ctx, ten.ID, settings); err != nil {
		t.Fatal(err)
	}
	for _, v := range opts.variables {
		if err := db.AddCallVariable(ctx, ten.ID, v); err != nil {
			t.Fatal(err)
		}
	}
	var members []ccaas.Member
	for i, name := range []string{"alice", "bob"} {
		hash := passwordHash(name)
		wrap := 0
		if name == "alice" {
			wrap = opts.wrapupSeconds
		}
		ag, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: name, Name: strings.ToUpper(name[:1]) + name[1:],
			Extension: fmt.Sprint(1001 + i), PasswordHash: string(hash), WrapupSeconds: wrap, Team: opts.team})
		if err != nil {
			t.Fatal(err)
		}
		w.agent[name] = ag
		members = append(members, ccaas.Member{Agent: ag.ID, Skill: 1})
	}
	for _, o := range opts.others {
		o.TenantID, o.PasswordHash = ten.ID, passwordHash(o.Username)
		ag, err := db.CreateAgent(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		w.agent[o.Username] = ag
	}
	if opts.queues != nil {
		if err := opts.queues(ctx, db, ten, w.agent); err != nil {
			t.Fatal(err)
		}
	} else if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: opts.ringSeconds, MOHClass: "default",
		DIDs: []string{testDID}, Members: members}); err != nil {
		t.Fatal(err)
	}
	var store ccaas.Store = db
	if opts.wrapStore != nil {
		store = opts.wrapStore(db)
	}
	a, err := app.New(app.Config{ARI: client, Store: store, LineRetry: 50 * time.Millisecond, Logger: quiet,
		CheckInvariants: w.violation, LostRecords: w.recordsLost, WaitForPhone: opts.manualPhones, Now: opts.now, QueueLog: opts.queueLog, RequestTimeout: opts.requestTimeout,
		SessionIdle: opts.sessionIdle, SessionMaxAge: opts.sessionMaxAge,
		ObservePhase: opts.observePhase, MaxCalls: opts.maxCalls, MaxTenantCalls: opts.maxTenantCalls,
		LineRetryRate: opts.lineRetryRate, LineWorkers: opts.lineWorkers, OutboxWritten: opts.outboxWritten, RecordingFailed: opts.recordingFailed})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	w.app = a
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.Run(ctx) }()
	go func() { defer wg.Done(); client.RunEvents(ctx, a) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		sim.Close() // its events sockets are hijacked: the server does not close them
		closeSrv()
		db.Close()
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, err := range w.violations {
			t.Errorf("invariant broken: %v", err)
		}
		if len(w.lost) > 0 {
			t.Errorf("rows lost: %v", w.lost)
		}
	})
	if opts.loopback {
		pollUntil(t, "ARI events connected", client.Connected)
	} else {
		waitUntil(t, "ARI events connected", client.Connected)
	}
	return w
}

// migratedDB is a database file with every migration applied, made once per
// test binary; each world starts from a copy. Migrating costs a third of a
// world's start under -race (goose parses each migration with 4 MB buffers).
var migratedDB = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "ccaas-migrated-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ccaas.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		return nil, err
	}
	if err := db.Close(); err != nil { // the last close checkpoints the WAL into the file
		return nil, err
	}
	return os.ReadFile(path)
})

// openDB opens a new database named name in t's temporary directory,
// migrated, and closes it at the end of the test.
func openDB(t testing.TB, name string) *sqlite.DB {
	t.Helper()
	data, err := migratedDB()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// hashes caches the test users' bcrypt hashes (the password of each is
// their username + "-pw") across worlds.
var hashes sync.Map

func passwordHash(username string) string {
	if h, ok := hashes.Load(username); ok {
		return h.(string)
	}
	h, _ := bcrypt.GenerateFromPassword([]byte(username+"-pw"), bcrypt.MinCost)
	hashes.Store(username, string(h))
	return string(h)
}

// sink records what the app sends to an agent's socket.
type sink struct {
	ch     chan cti.Message
	mu     sync.Mutex
	closed bool
	kept   []cti.Message // read by find but not matched; next and find see them first
}

func newSink() *sink { return &sink{ch: make(chan cti.Message, 1024)} }

func (s *sink) Send(m cti.Message) { s.ch <- m }
func (s *sink) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}

// next waits for the first message that matches, dropping those before it.
func (s *sink) next(t testing.TB, what string, match func(cti.Message) bool) cti.Message {
	t.Helper()
	for len(s.kept) > 0 {
		m := s.kept[0]
		s.kept = s.kept[1:]
		if match(m) {
			return m
		}
	}
	timeout := time.After(waitFor)
	for {
		select {
		case m := <-s.ch:
			if match(m) {
				return m
			}
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// find waits for the first message that matches and keeps the others for
// later next and find calls (a reply may follow the messages it caused).
func (s *sink) find(t testing.TB, what string, match func(cti.Message) bool) cti.Message {
	t.Helper()
	for i, m := range s.kept {
		if match(m) {
			s.kept = append(s.kept[:i:i], s.kept[i+1:]...)
			return m
		}
	}
	timeout := time.After(waitFor)
	for {
		select {
		case m := <-s.ch:
			if match(m) {
				return m
			}
			s.kept = append(s.kept, m)
		case <-timeout:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (s *sink) state(t testing.TB, want string) cti.Message {
	t.Helper()
	return s.next(t, "state "+want, func(m cti.Message) bool { return m.Type == cti.MsgState && m.State.State == want })
}

func (s *sink) call(t testing.TB, want string) cti.Message {
	t.Helper()
	return s.next(t, "call "+want, func(m cti.Message) bool {
		return (m.Type == cti.MsgCall || m.Type == cti.MsgOffer) && m.Call.State == want
	})
}

func (s *sink) reply(t testing.TB, id string) cti.Message {
	t.Helper()
	return s.find(t, "reply "+id, func(m cti.Message) bool { return m.Type == cti.MsgReply && m.ID == id })
}

// login logs an agent in, attaches a sink and waits until the line is up.
func (w *world) login(name string) (*app.Session, *sink) {
	w.t.Helper()
	s, k, _ := w.loginWith(name)
	return s, k
}

// loginWith is login that returns the snapshot too.
func (w *world) loginWith(name string) (*app.Session, *sink, cti.Message) {
	w.t.Helper()
	ctx := context.Background()
	s, err := w.app.Login(ctx, testDomain, name, name+"-pw")
	if err != nil {
		w.t.Fatalf("login %s: %v", name, err)
	}
	k := newSink()
	if err := w.app.Attach(ctx, s, k); err != nil {
		w.t.Fatalf("attach %s: %v", name, err)
	}
	snap := k.next(w.t, "snapshot", func(m cti.Message) bool { return m.Type == cti.MsgSnapshot })
	if snap.State.State != "not_ready" || snap.State.Reason != "login" || snap.Agent.Username != name {
		w.t.Fatalf("snapshot = %+v %+v", snap.State, snap.Agent)
	}
	if snap.Line.State != "up" {
		k.next(w.t, "line up", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
	}
	return s, k, snap
}

func (w *world) ready(s *app.Session, k *sink) {
	w.t.Helper()
	w.app.Command(s, cti.Command{ID: "r", Cmd: cti.CmdReady})
	k.state(w.t, "ready")
}

// lineOf returns the simulator's channel of the one agent line that is up.
func (w *world) lineOf() ari.Channel {
	w.t.Helper()
	var lines []ari.Channel
	for _, ch := range w.sim.Channels() {
		if strings.HasPrefix(ch.ID, "ln") {
			lines = append(lines, ch)
		}
	}
	if len(lines) != 1 {
		w.t.Fatalf("%d line channels, want 1: %+v", len(lines), lines)
	}
	return lines[0]
}

func TestInboundCallAnsweredAndCallerHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		line := w.lineOf()
		if b := w.sim.BridgeOf(line.ID); b != "" || !w.sim.InStasis(line.ID) {
			t.Fatalf("line in bridge %q (in Stasis %v), want it waiting in Stasis, in no bridge", b, w.sim.InStasis(line.ID))
		}
		w.ready(s, k)

		cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930123456", Name: "Jane", DID: testDID})
		if err != nil {
			t.Fatal(err)
		}
		k.state(t, "offered")
		offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if offer.Call.Caller.Number != "+4930123456" || offer.Call.Queue == nil || offer.Call.Queue.Name != "Support" || offer.Call.DID != testDID {
			t.Fatalf("offer = %+v", offer.Call)
		}
		waitUntil(t, "customer answered and hearing the queue's music on hold", func() bool {
			class, on := w.sim.MOH(cust)
			ch, _ := w.sim.Channel(cust)
			return on && class == "default" && ch.State == ari.StateUp
		})

		w.app.Command(s, cti.Command{ID: "a", Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		k.state(t, "connecting")
		k.call(t, "connecting")
		k.state(t, "talking")
		k.call(t, "connected")
		bridge := w.sim.BridgeOf(cust)
		if bridge == "" || w.sim.BridgeOf(line.ID) != bridge {
			t.Fatalf("customer in %q, line in %q: not bridged together", bridge, w.sim.BridgeOf(line.ID))
		}
		if b, _ := w.sim.Bridge(bridge); b.BridgeType != "mixing" {
			t.Fatalf("call bridge type %q", b.BridgeType)
		}
		if _, on := w.sim.MOH(cust); on {
			t.Fatal("customer still hears music on hold while talking")
		}

		if err := w.sim.Hangup(cust); err != nil {
			t.Fatal(err)
		}
		ended := k.call(t, "ended")
		if ended.Call.EndReason != "caller_hangup" {
			t.Fatalf("end reason %q", ended.Call.EndReason)
		}
		k.state(t, "ready")
		waitUntil(t, "line out of the call and call bridge gone", func() bool {
			_, exists := w.sim.Bridge(bridge)
			return w.sim.BridgeOf(line.ID) == "" && w.sim.InStasis(line.ID) && !exists
		})
	})
}

func TestAgentHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "100", DID: testDID})
		offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.app.Command(s, cti.Command{ID: "a", Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		k.call(t, "connected")

		w.app.Command(s, cti.Command{ID: "h", Cmd: cti.CmdHangup, Call: offer.Call.ID})
		if m := k.call(t, "ended"); m.Call.EndReason != "agent_hangup" {
			t.Fatalf("end reason %q", m.Call.EndReason)
		}
		k.state(t, "ready")
		if m := k.reply(t, "h"); m.OK == nil || !*m.OK {
			t.Fatalf("hangup refused: %+v", m.Error)
		}
		waitUntil(t, "customer hung up", func() bool { _, ok := w.sim.Channel(cust); return !ok })
	})
}

func TestCommandsRefused(t *testing.T) {
	tests := []struct {
		name string
		cmd  cti.Command
		code string
	}{
		{name: "answer without offer", cmd: cti.Command{ID: "1", Cmd: cti.CmdAnswer, Call: "c1-0000000000000000"}, code: cti.CodeNoSuchCall},
		{name: "hangup without call", cmd: cti.Command{ID: "2", Cmd: cti.CmdHangup, Call: "c1-0000000000000000"}, code: cti.CodeNoSuchCall},
		{name: "unknown command", cmd: cti.Command{ID: "3", Cmd: "launch"}, code: cti.CodeBadCommand},
		{name: "unknown reason", cmd: cti.Command{ID: "4", Cmd: cti.CmdNotReady, Reason: "<script>"}, code: cti.CodeBadCommand},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, worldOpts{})
				s, k := w.login("alice")
				w.app.Command(s, tt.cmd)
				m := k.reply(t, tt.cmd.ID)
				if m.OK == nil || *m.OK || m.Error == nil || m.Error.Code != tt.code {
					t.Fatalf("reply = %+v %+v, want code %s", m.OK, m.Error, tt.code)
				}
				if strings.HasPrefix(m.Error.Message, "not allowed") || strings.HasPrefix(m.Error.Message, "bad command") || m.Error.Message == "" {
					t.Fatalf("message %q is not for people", m.Error.Message)
				}
			})
		})
	}
}

func TestLogoutRefusedDuringCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		w.sim.PlaceCall(asterisksim.CallSpec{From: "100", DID: testDID})
		offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if err := w.app.Logout(context.Background(), s); !errors.Is(err, app.ErrNotAllowed) {
			t.Fatalf("logout while offered: %v", err)
		}
		w.app.Command(s, cti.Command{ID: "a", Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		k.call(t, "connected")
		if err := w.app.Logout(context.Background(), s); !errors.Is(err, app.ErrNotAllowed) {
			t.Fatalf("logout while talking: %v", err)
		}
		if _, ok := w.app.Session(s.ID); !ok {
			t.Fatal("refused logout ended the session")
		}
	})
}

func TestLogoutTearsDownLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		line := w.lineOf()
		endpoint := strings.TrimPrefix(line.Name, "PJSIP/")
		endpoint = endpoint[:strings.LastIndex(endpoint, "-")] // PJSIP/<endpoint>-<counter>
		if _, err := w.ari.GetConfig(context.Background(), "res_pjsip", "endpoint", endpoint); err != nil {
			t.Fatalf("the login's SIP account %q is not provisioned: %v", endpoint, err)
		}
		if err := w.app.Logout(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		if m := k.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != "logout" {
			t.Fatalf("bye reason %q", m.Reason)
		}
		if _, ok := w.app.Session(s.ID); ok {
			t.Fatal("session still valid after logout")
		}
		waitUntil(t, "line and the login's SIP account gone", func() bool {
			_, lineUp := w.sim.Channel(line.ID)
			_, errEP := w.ari.GetConfig(context.Background(), "res_pjsip", "endpoint", endpoint)
			_, errAuth := w.ari.GetConfig(context.Background(), "res_pjsip", "auth", endpoint)
			return !lineUp && len(w.sim.Bridges()) == 0 && errors.Is(errEP, ari.ErrNotFound) && errors.Is(errAuth, ari.ErrNotFound)
		})
	})
}

func TestRingNoAnswerRequeuesToNextAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{ringSeconds: 1})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "200", DID: testDID})
		first := ka.next(t, "offer to alice", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		// alice does not answer: withdrawn after the ring time, alice Not Ready (missed call), bob gets it
		if m := ka.call(t, "ended"); m.Call.EndReason != "withdrawn" {
			t.Fatalf("end reason %q", m.Call.EndReason)
		}
		if m := ka.state(t, "not_ready"); m.State.Reason != "missed_call" {
			t.Fatalf("reason %q", m.State.Reason)
		}
		second := kb.next(t, "offer to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if second.Call.ID != first.Call.ID {
			t.Fatalf("bob got %s, want the same call %s", second.Call.ID, first.Call.ID)
		}
		if _, on := w.sim.MOH(cust); !on {
			t.Fatal("requeued customer hears no music")
		}
	})
}

func TestClosedSocketRequeuesCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "300", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.app.Command(sa, cti.Command{ID: "a", Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")

		// alice's tab closes: she is logged out, the customer goes back to the queue, bob gets the call
		w.app.Detach(sa, ka)
		waitUntil(t, "alice's session ended", func() bool { _, ok := w.app.Session(sa.ID); return !ok })
		waitUntil(t, "customer back on music", func() bool { _, on := w.sim.MOH(cust); return on })
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		got := kb.next(t, "offer to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if got.Call.ID != offer.Call.ID {
			t.Fatalf("bob offered %s, want %s", got.Call.ID, offer.Call.ID)
		}
	})
}

func TestSecondLoginReplacesFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s1, k1 := w.login("alice")
		s2, _ := w.login("alice")
		if m := k1.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != "replaced" {
			t.Fatalf("bye reason %q", m.Reason)
		}
		if _, ok := w.app.Session(s1.ID); ok {
			t.Fatal("first session still valid")
		}
		if _, ok := w.app.Session(s2.ID); !ok {
			t.Fatal("second session not valid")
		}
	})
}

func TestBadLogin(t *testing.T) {
	tests := []struct{ name, domain, user, pass string }{
		{"wrong password", testDomain, "alice", "nope"},
		{"unknown user", testDomain, "mallory", "alice-pw"},
		{"unknown domain", "other.example", "alice", "alice-pw"},
		{"empty password", testDomain, "alice", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, worldOpts{})
				if _, err := w.app.Login(context.Background(), tt.domain, tt.user, tt.pass); !errors.Is(err, app.ErrBadLogin) {
					t.Fatalf("err = %v, want ErrBadLogin", err)
				}
			})
		})
	}
}

func TestCallerAbandonsWhileOffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "400", DID: testDID})
		k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.sim.Hangup(cust)
		if m := k.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
			t.Fatalf("end reason %q", m.Call.EndReason)
		}
		k.state(t, "ready")
	})
}

// TestOfferSaysHowLongTheCallerWaited: the offer carries the call's arrival,
// so the page shows the caller's wait, not the offer's age.
func TestOfferSaysHowLongTheCallerWaited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		placed := time.Now()
		w.sim.PlaceCall(asterisksim.CallSpec{From: "400", DID: testDID})
		time.Sleep(45 * time.Second) // nobody is Ready
		w.ready(s, k)
		offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer }).Call
		if offer.ArrivedAt == nil || offer.OfferedAt == nil {
			t.Fatalf("offer %+v", offer)
		}
		if got := offer.ArrivedAt.Sub(placed); got < 0 || got > time.Second {
			t.Fatalf("arrived %v after the call was placed", got)
		}
		if waited := offer.OfferedAt.Sub(*offer.ArrivedAt); waited < 45*time.Second {
			t.Fatalf("offered %v after it arrived, want at least 45 s", waited)
		}
	})
}

// TestCallerGoneBeforeTheirMusic: the offer goes out while Asterisk answers
// the caller, so a caller who hangs up at once can be gone when their music
// is asked for, before their StasisEnd has come. Asterisk's 404 there, with
// the channel gone too, is the caller's hang-up (an abandoned call), not a
// failure. (A 404 for a channel that is still there is a failure:
// TestARIFailureCustomerSide.)
func TestCallerGoneBeforeTheirMusic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		// as Asterisk answers once the channel is gone
		w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels/*/moh", Status: http.StatusNotFound})
		w.sim.Inject(asterisksim.Fault{Method: "GET", Path: "/channels/*", Status: http.StatusNotFound})
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "400", DID: testDID})
		k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if m := k.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
			t.Fatalf("end reason %q", m.Call.EndReason)
		}
		k.state(t, "ready")
		w.hungUp(t, cust)
		w.noLeaks(t)
	})
}

// waitUntil waits, inside a synctest bubble, until cond holds (eventually),
// and fails the test if it does not within waitFor of fake time.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !eventually(cond) {
		t.Fatalf("timed out waiting until %s", what)
	}
}

// eventually reports whether cond holds within waitFor of a bubble's fake
// time. It checks cond each time the world has settled (synctest.Wait:
// every goroutine of the bubble is durably blocked, so no request, event
// delivery or store write is half done), and between checks lets the clock
// move on by a millisecond, firing the timers then due (the simulator's
// answer and playback delays, the app's retries).
func eventually(cond func() bool) bool {
	deadline := time.Now().Add(waitFor)
	for {
		synctest.Wait()
		if cond() {
			return true
		}
		if !time.Now().Before(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
}

// pollUntil is waitUntil outside a bubble, in real time: for a real
// Asterisk and for benchmarks.
func pollUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// talk makes a customer call, has the agent answer, and returns the call id
// and the customer's channel.
func (w *world) talk(s *app.Session, k *sink, from string) (ccaas.CallID, string) {
	w.t.Helper()
	cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: from, DID: testDID})
	if err != nil {
		w.t.Fatal(err)
	}
	offer := k.next(w.t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
	k.call(w.t, "connected")
	return offer.Call.ID, cust
}

func TestWrapupAfterQueueCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 1})
		s, k := w.login("alice")
		w.ready(s, k)
		_, cust := w.talk(s, k, "500")
		w.sim.Hangup(cust)
		m := k.state(t, "wrapup")
		if m.State.Until == nil || m.State.Until.Sub(m.State.Since) != time.Second {
			t.Fatalf("wrapup %+v, want one second", m.State)
		}
		// no queue call reaches an agent in wrapup
		w.sim.PlaceCall(asterisksim.CallSpec{From: "501", DID: testDID})
		w.app.Command(s, cti.Command{ID: "r", Cmd: cti.CmdReady})
		if r := k.reply(t, "r"); *r.OK || r.Error.Code != cti.CodeNotAllowed || !strings.Contains(r.Error.Message, "wrapup") {
			t.Fatalf("ready in wrapup: %+v", r.Error)
		}
		if err := w.app.Logout(context.Background(), s); !errors.Is(err, app.ErrNotAllowed) {
			t.Fatalf("logout in wrapup: %v", err)
		}
		// wrapup ends by itself: Ready, and the waiting call is offered at once
		ready := k.state(t, "ready")
		if got := ready.State.Since.Sub(m.State.Since); got < time.Second {
			t.Fatalf("wrapup lasted %v", got)
		}
		if offer := k.next(t, "waiting call offered after wrapup", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); offer.Call.Caller.Number != "501" {
			t.Fatalf("offered %+v", offer.Call.Caller)
		}
	})
}

func TestPendingNotReadyDuringCallAndWrapup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 1})
		s, k := w.login("alice")
		w.ready(s, k)
		_, cust := w.talk(s, k, "600")

		w.app.Command(s, cti.Command{ID: "p", Cmd: cti.CmdNotReady, Reason: "lunch"})
		if m := k.state(t, "talking"); m.State.Pending != "lunch" {
			t.Fatalf("pending = %q", m.State.Pending)
		}
		w.app.Command(s, cti.Command{ID: "c", Cmd: cti.CmdCancelPending})
		if m := k.state(t, "talking"); m.State.Pending != "" {
			t.Fatalf("pending after cancel = %q", m.State.Pending)
		}
		w.app.Command(s, cti.Command{ID: "p2", Cmd: cti.CmdNotReady, Reason: "training"})
		k.state(t, "talking")
		w.sim.Hangup(cust)
		if m := k.state(t, "wrapup"); m.State.Pending != "training" {
			t.Fatalf("pending lost at call end: %+v", m.State)
		}
		if m := k.state(t, "not_ready"); m.State.Reason != "training" {
			t.Fatalf("after wrapup: %+v", m.State)
		}
	})
}

func TestNoWrapupWithoutTalking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 30})
		s, k := w.login("alice")
		w.ready(s, k)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "700", DID: testDID})
		k.state(t, "offered")
		w.sim.Hangup(cust) // abandoned while ringing: nothing to wrap up
		k.state(t, "ready")
	})
}

func TestStateLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		w.app.Command(s, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		k.state(t, "not_ready")
		if err := w.app.Logout(context.Background(), s); err != nil {
			t.Fatal(err)
		}
		want := []struct{ from, to, reason string }{
			{"logged_out", "not_ready", "login"},
			{"not_ready", "ready", ""},
			{"ready", "not_ready", "lunch"},
			{"not_ready", "logged_out", ""},
		}
		var got []ccaas.StateChange
		waitUntil(t, "state log written", func() bool {
			got, _ = w.db.StateLog(context.Background(), w.tenant.ID, w.agent["alice"].ID)
			return len(got) >= len(want)
		})
		for i, wnt := range want {
			g := got[i]
			if g.From != wnt.from || g.To != wnt.to || g.Reason != wnt.reason || g.At.IsZero() {
				t.Fatalf("row %d = %+v, want %+v", i, g, wnt)
			}
			if i > 0 && g.At.Before(got[i-1].At) {
				t.Fatalf("rows out of order: %v before %v", g.At, got[i-1].At)
			}
		}
	})
}

func member(a ccaas.Agent, skill int) ccaas.Member { return ccaas.Member{Agent: a.ID, Skill: skill} }

func TestOverflowToAnotherQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			sales, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Sales", RingSeconds: 30, DIDs: []string{"5550002"}, Members: []ccaas.Member{member(ag["bob"], 1)}})
			if err != nil {
				return err
			}
			_, err = db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["alice"], 1)}, MaxWaitSeconds: 1, Overflow: ccaas.OverflowQueue, OverflowTarget: fmt.Sprint(sales.ID)})
			return err
		}})
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		start := time.Now()
		w.sim.PlaceCall(asterisksim.CallSpec{From: "800", DID: testDID}) // nobody of Support is Ready
		offer := kb.next(t, "overflowed call offered to Sales", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if offer.Call.Queue.Name != "Sales" || offer.Call.Caller.Number != "800" {
			t.Fatalf("offer = %+v", offer.Call)
		}
		if waited := time.Since(start); waited < time.Second {
			t.Fatalf("overflowed after %v, before the maximum wait", waited)
		}
	})
}

func TestOverflowToExtensionReachesNotReadyAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 30, queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["bob"], 1)}, MaxWaitSeconds: 1, Overflow: ccaas.OverflowExtension, OverflowTarget: "1001"})
			return err
		}})
		sa, ka := w.login("alice") // alice (1001) is not a member and stays Not Ready
		w.app.Command(sa, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		ka.state(t, "not_ready")
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "900", DID: testDID})
		offer := ka.next(t, "call to alice's extension", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.app.Command(sa, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		w.sim.Hangup(cust)
		// an extension call has no wrapup, and alice returns to lunch
		if m := ka.state(t, "not_ready"); m.State.Reason != "lunch" {
			t.Fatalf("after the extension call: %+v", m.State)
		}
	})
}

func TestOverflowHangsUpPolitely(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["alice"], 1)}, MaxWaitSeconds: 1, Overflow: ccaas.OverflowHangup})
			return err
		}})
		events, stop := w.sim.Subscribe()
		defer stop()
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "901", DID: testDID})
		heardGoodbye := false
		timeout := time.After(waitFor)
		for !heardGoodbye {
			select {
			case ev := <-events:
				if e, ok := ev.(*ari.PlaybackStarted); ok && e.Playback.TargetURI == "channel:"+cust && e.Playback.MediaURI == mediaGoodbye {
					heardGoodbye = true
				}
			case <-timeout:
				t.Fatal("the caller heard no goodbye")
			}
		}
		waitUntil(t, "caller hung up after the goodbye", func() bool { _, ok := w.sim.Channel(cust); return !ok })
	})
}

const mediaGoodbye = "sound:queue-thankyou"

func TestPositionAnnouncements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["alice"], 1)}, AnnounceSeconds: 1})
			return err
		}})
		events, stop := w.sim.Subscribe()
		defer stop()
		first, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: testDID})
		time.Sleep(time.Millisecond) // the clock is fake: the second caller must come at a later time
		second, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "2", DID: testDID})
		want := map[string]string{"channel:" + first: "sound:queue-youarenext", "channel:" + second: "sound:queue-thereare"}
		finished, started := map[string]bool{}, map[string]bool{}
		timeout := time.After(waitFor)
		for len(finished) < 2 {
			select {
			case ev := <-events:
				switch e := ev.(type) {
				case *ari.PlaybackStarted:
					// the first media of each caller's announcement
					if m, ok := want[e.Playback.TargetURI]; ok && !started[e.Playback.TargetURI] && e.Playback.MediaURI != m {
						t.Fatalf("%s heard %s, want %s", e.Playback.TargetURI, e.Playback.MediaURI, m)
					}
					started[e.Playback.TargetURI] = true
				case *ari.PlaybackFinished:
					if _, ok := want[e.Playback.TargetURI]; ok {
						finished[e.Playback.TargetURI] = true
					}
				}
			case <-timeout:
				t.Fatalf("announcements heard: %v", finished)
			}
		}
		waitUntil(t, "music back after the announcements", func() bool {
			_, on1 := w.sim.MOH(first)
			_, on2 := w.sim.MOH(second)
			return on1 && on2
		})
	})
}

func TestPriorityAndSkill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["alice"], 1), member(ag["bob"], 1)}}); err != nil {
				return err
			}
			// VIP is served before Support, and prefers bob (skill 9) to alice (skill 2)
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "VIP", RingSeconds: 30, Priority: 10, DIDs: []string{"5550009"},
				Members: []ccaas.Member{member(ag["alice"], 2), member(ag["bob"], 9)}})
			return err
		}})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		first, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "support-first", DID: testDID})
		waitUntil(t, "first call waiting", func() bool { _, on := w.sim.MOH(first); return on })
		second, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "vip-second", DID: "5550009"})
		waitUntil(t, "second call waiting", func() bool { _, on := w.sim.MOH(second); return on })
		w.ready(sa, ka) // alice is Ready first: longest idle
		// alice gets the VIP call (priority beats arrival) while bob is not Ready
		if m := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.Queue.Name != "VIP" {
			t.Fatalf("alice offered %s first, want VIP", m.Call.Queue.Name)
		}
		w.ready(sb, kb)
		if m := kb.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.Queue.Name != "Support" {
			t.Fatalf("bob offered %s", m.Call.Queue.Name)
		}
	})
}

// testLogLevel is Error unless CCAAS_TEST_LOG=debug asks for more.
var testLogLevel = func() slog.Level {
	if os.Getenv("CCAAS_TEST_LOG") == "debug" {
		return slog.LevelDebug
	}
	return slog.LevelError
}()

func TestSkillBeatsIdleTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "VIP", RingSeconds: 30, DIDs: []string{testDID},
				Members: []ccaas.Member{member(ag["alice"], 2), member(ag["bob"], 9)}})
			return err
		}})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka) // alice has been idle longer,
		w.ready(sb, kb) // but bob has the higher skill
		w.sim.PlaceCall(asterisksim.CallSpec{From: "vip", DID: testDID})
		kb.next(t, "offer to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	})
}

func TestLineDropDuringCallRequeues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		line := w.lineOf()
		w.ready(sa, ka)
		callID, cust := w.talk(sa, ka, "1200")

		// alice's phone goes away mid-call (the far end hangs up her line)
		if err := w.sim.Hangup(line.ID); err != nil {
			t.Fatal(err)
		}
		if m := ka.call(t, "ended"); m.Call.EndReason != "failed" {
			t.Fatalf("end reason %q", m.Call.EndReason)
		}
		waitUntil(t, "customer back on music, out of the call bridge", func() bool {
			_, on := w.sim.MOH(cust)
			return on && w.sim.BridgeOf(cust) == ""
		})
		// her line comes back by itself; the customer is offered again, first in line
		ka.next(t, "line up again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		if m := ka.next(t, "offer again", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.ID != callID {
			t.Fatalf("offered %s, want the same call %s", m.Call.ID, callID)
		}
	})
}

func TestReloadAppliesWithoutRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		s, k := w.login("alice")
		w.ready(s, k)

		// a new queue with a new DID, and a wrapup time for alice
		if _, err := w.db.CreateQueue(ctx, ccaas.Queue{TenantID: w.tenant.ID, Name: "Billing", RingSeconds: 30, DIDs: []string{"5550777"},
			Members: []ccaas.Member{member(w.agent["alice"], 1)}}); err != nil {
			t.Fatal(err)
		}
		alice := w.agent["alice"]
		alice.WrapupSeconds = 1
		if err := w.db.UpdateAgent(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "700", DID: "5550777"})
		offer := k.next(t, "offer from the new queue", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if offer.Call.Queue.Name != "Billing" {
			t.Fatalf("offer = %+v", offer.Call.Queue)
		}
		w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		k.call(t, "connected")
		w.sim.Hangup(cust)
		if m := k.state(t, "wrapup"); m.State.Until.Sub(m.State.Since) != time.Second {
			t.Fatalf("wrapup %+v, want the new 1 s", m.State)
		}

		// bob is removed while logged in: his session ends and says why
		sb, kb := w.login("bob")
		if err := w.db.DeleteAgent(ctx, w.tenant.ID, w.agent["bob"].ID); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		if m := kb.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != "removed" {
			t.Fatalf("bye = %q", m.Reason)
		}
		if _, ok := w.app.Session(sb.ID); ok {
			t.Fatal("removed agent's session still valid")
		}
		if _, err := w.app.Login(ctx, testDomain, "bob", "bob-pw"); !errors.Is(err, app.ErrBadLogin) {
			t.Fatalf("removed agent logs in: %v", err)
		}
	})
}

func TestReloadStartsNewTenant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		ten, err := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "new.example", Name: "New"})
		if err != nil {
			t.Fatal(err)
		}
		hash, _ := bcrypt.GenerateFromPassword([]byte("carol-pw"), bcrypt.MinCost)
		carol, _ := w.db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "carol", Name: "Carol", Extension: "1001", PasswordHash: string(hash)})
		w.db.AssignDIDs(ctx, ten.ID, "5559000")
		if _, err := w.db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Main", RingSeconds: 30, DIDs: []string{"5559000"}, Members: []ccaas.Member{member(carol, 1)}}); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, ten.ID); err != nil {
			t.Fatal(err)
		}
		_, k := loginReady(t, w.app, "new.example", "carol", "carol-pw")
		w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: "5559000"})
		k.next(t, "offer in the new tenant", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	})
}

func TestTenantsNeverCross(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		ctx := context.Background()
		// a second tenant whose agent also has extension 1001 (and username alice)
		other, _ := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
		hash, _ := bcrypt.GenerateFromPassword([]byte("other-pw"), bcrypt.MinCost)
		twin, _ := w.db.CreateAgent(ctx, ccaas.Agent{TenantID: other.ID, Username: "alice", Name: "Other Alice", Extension: "1001", PasswordHash: string(hash)})
		w.db.AssignDIDs(ctx, other.ID, "5558888")
		w.db.CreateQueue(ctx, ccaas.Queue{TenantID: other.ID, Name: "Other support", RingSeconds: 30, DIDs: []string{"5558888"}, Members: []ccaas.Member{member(twin, 1)}})
		w.db.SetSettings(ctx, other.ID, ccaas.Settings{Trunk: "pstn"})
		if err := w.app.Reload(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		sa, ka := w.login("alice")
		so, err := w.app.Login(ctx, "other.example", "alice", "other-pw")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.app.Login(ctx, "other.example", "alice", "alice-pw"); !errors.Is(err, app.ErrBadLogin) {
			t.Fatalf("acme's password opened the other tenant: %v", err)
		}
		ko := newSink()
		w.app.Attach(ctx, so, ko)
		if snap := ko.next(t, "snapshot", func(m cti.Message) bool { return m.Type == cti.MsgSnapshot }); snap.Line.State != "up" {
			ko.next(t, "line up", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		}
		w.ready(sa, ka)
		w.app.Command(so, cti.Command{Cmd: cti.CmdReady})
		ko.state(t, "ready")

		// a call to acme's DID reaches acme's alice only
		w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: testDID})
		acme := ka.next(t, "acme offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		// the other tenant's alice cannot answer, hang up or transfer it by its id
		for _, cmd := range []cti.Command{
			{ID: "x1", Cmd: cti.CmdAnswer, Call: acme.Call.ID},
			{ID: "x2", Cmd: cti.CmdHangup, Call: acme.Call.ID},
			{ID: "x3", Cmd: cti.CmdHold, Call: acme.Call.ID},
		} {
			w.app.Command(so, cmd)
			if r := ko.reply(t, cmd.ID); *r.OK || r.Error.Code != cti.CodeNoSuchCall {
				t.Fatalf("%s of another tenant's call: %+v", cmd.Cmd, r.Error)
			}
		}
		// transfers and conferences to "1001" stay inside the tenant: acme's alice
		// calling 1001 is her own extension, never the other tenant's
		w.app.Command(sa, cti.Command{Cmd: cti.CmdAnswer, Call: acme.Call.ID})
		ka.call(t, "connected")
		w.app.Command(sa, cti.Command{ID: "t", Cmd: cti.CmdTransfer, Call: acme.Call.ID, Target: "1001"})
		if r := ka.reply(t, "t"); *r.OK || !strings.Contains(r.Error.Message, "your own") {
			t.Fatalf("transfer to 1001: %+v", r.Error)
		}
		// and the other tenant's DID reaches only the other alice
		w.sim.PlaceCall(asterisksim.CallSpec{From: "2", DID: "5558888"})
		if m := ko.next(t, "other offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.Queue.Name != "Other support" {
			t.Fatalf("other tenant offered %+v", m.Call.Queue)
		}
		select {
		case m := <-ka.ch:
			if m.Type == cti.MsgOffer {
				t.Fatalf("acme's alice was offered the other tenant's call: %+v", m.Call)
			}
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func TestLineWaitsForThePhoneAndFollowsIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{manualPhones: true})
		ctx := context.Background()
		s, err := w.app.Login(ctx, testDomain, "alice", "alice-pw")
		if err != nil {
			t.Fatal(err)
		}
		k := newSink()
		w.app.Attach(ctx, s, k)
		snap := k.next(t, "snapshot", func(m cti.Message) bool { return m.Type == cti.MsgSnapshot })
		if snap.Phone == nil || !strings.HasPrefix(snap.Phone.Username, "ag") || len(snap.Phone.Password) < 16 {
			t.Fatalf("snapshot phone = %+v", snap.Phone)
		}
		if snap.Line.State != "registering" {
			k.next(t, "line registering", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "registering" })
		}
		phone := "PJSIP/" + snap.Phone.Username
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.ID, "ln") {
				t.Fatal("the line was originated before the phone registered")
			}
		}
		// the browser phone registers: the line comes up
		if err := w.sim.Register(phone); err != nil {
			t.Fatal(err)
		}
		k.next(t, "line up", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		line := w.lineOf()
		// the tab crashes: Asterisk keeps the call up, the app hangs it up
		if err := w.sim.Unregister(phone); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, "orphaned line hung up", func() bool { _, ok := w.sim.Channel(line.ID); return !ok })
		k.next(t, "line waits for the phone again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "registering" })
		w.sim.Register(phone)
		k.next(t, "line up again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
	})
}

func TestAsteriskRestartReconciles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		callID, _ := w.talk(sa, ka, "1300")
		waiting, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "1301", DID: testDID}) // bob is Not Ready: it waits
		waitUntil(t, "second call waiting", func() bool { _, on := w.sim.MOH(waiting); return on })

		// Asterisk restarts: every channel and bridge is gone, and so is the
		// pushed configuration of both logins
		w.sim.Restart()
		if m := ka.call(t, "ended"); m.Call.ID != callID {
			t.Fatalf("ended %s, want %s", m.Call.ID, callID)
		}
		ka.state(t, "ready") // not stuck talking to nobody
		for name, k := range map[string]*sink{"alice": ka, "bob": kb} {
			k.next(t, name+"'s line back up", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		}
		// the lines really are back in Asterisk, each waiting in Stasis
		waitUntil(t, "two lines up after the restart", func() bool {
			n := 0
			for _, ch := range w.sim.Channels() {
				if strings.HasPrefix(ch.ID, "ln") && w.sim.InStasis(ch.ID) && w.sim.BridgeOf(ch.ID) == "" {
					n++
				}
			}
			return n == 2
		})
		// and calls work again: a new caller reaches alice
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "1302", DID: testDID})
		offer := ka.next(t, "offer after the restart", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.app.Command(sa, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		if w.sim.BridgeOf(cust) == "" {
			t.Fatal("the new caller is not bridged")
		}
		w.app.Command(sb, cti.Command{ID: "b", Cmd: cti.CmdReady}) // bob's session survived too
		if r := kb.reply(t, "b"); !*r.OK {
			t.Fatalf("bob after the restart: %+v", r.Error)
		}
	})
}

// blockedStore is a store whose disk hangs: writes wait until released.
type blockedStore struct {
	ccaas.Store
	release chan struct{}
}

func (s blockedStore) AppendRecords(ctx context.Context, r ccaas.Records) error {
	<-s.release
	return s.Store.AppendRecords(ctx, r)
}

// TestHungDiskDoesNotHoldCalls: the state log and call records are written
// off the call path, so a whole call goes through while the disk hangs, and
// nothing is lost once it writes again.
func TestHungDiskDoesNotHoldCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var once sync.Once
		free := func() { once.Do(func() { close(release) }) }
		w := newWorld(t, worldOpts{wrapStore: func(st ccaas.Store) ccaas.Store { return blockedStore{Store: st, release: release} }})
		t.Cleanup(free) // runs before the world stops, so a failure cannot leave the recorder hung
		s, k := w.login("alice")
		w.ready(s, k)
		id, cust := w.talk(s, k, "1400")
		w.sim.Hangup(cust)
		k.state(t, "ready") // the call went through with every write still waiting
		if _, err := w.db.CallRecord(context.Background(), w.tenant.ID, id); !errors.Is(err, ccaas.ErrNotFound) {
			t.Fatalf("the record was written while the disk hung: %v", err)
		}
		free()
		if r := w.record(id); r.EndReason != "caller_hangup" {
			t.Fatalf("record = %+v", r)
		}
		waitUntil(t, "every state change written", func() bool {
			log, _ := w.db.StateLog(context.Background(), w.tenant.ID, w.agent["alice"].ID)
			return len(log) >= 6 // login, ready, offered, connecting, talking, ready
		})
	})
}

// TestAppRestartKeepsWaitingCallers: the app process restarts while callers
// wait and one talks to an agent; the new process finds them in Stasis and
// queues them with their original arrival time (they keep their place), and
// removes the old process's lines and bridges. Agents log in again.
func TestAppRestartKeepsWaitingCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		sim, srv := servedSim(t, asterisksim.Config{AutoAnswerPushed: true})
		db, _ := restartStore(t, ccaas.Queue{})

		// start runs one process of the app (its own connections) until stop is called
		start := func() (*app.App, func()) { return runApp(t, ctx, srv, db) }

		first, stopFirst := start()
		s, k := loginReady(t, first, testDomain, "alice", "alice-pw")
		talking, _ := sim.PlaceCall(asterisksim.CallSpec{From: "100", DID: testDID})
		offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		first.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		k.call(t, "connected")
		older, _ := sim.PlaceCall(asterisksim.CallSpec{From: "200", DID: testDID})
		waitUntil(t, "the older caller waiting", func() bool { _, on := sim.MOH(older); return on })
		newer, _ := sim.PlaceCall(asterisksim.CallSpec{From: "300", DID: testDID})
		waitUntil(t, "the newer caller waiting", func() bool { _, on := sim.MOH(newer); return on })

		// the process dies (its sessions with it); Asterisk keeps the callers
		stopFirst()
		second, stopSecond := start()
		defer stopSecond()
		waitUntil(t, "the old process's lines and bridges removed", func() bool {
			for _, ch := range sim.Channels() {
				if strings.HasPrefix(ch.ID, "ln") {
					return false
				}
			}
			return len(sim.Bridges()) == 0
		})
		waitUntil(t, "every caller hears music again", func() bool {
			for _, ch := range []string{talking, older, newer} {
				if _, on := sim.MOH(ch); !on {
					return false
				}
			}
			return true
		})
		// alice logs in again: the callers come in their original order
		s2, k2 := loginReady(t, second, testDomain, "alice", "alice-pw")
		for _, want := range []string{"100", "200", "300"} {
			m := k2.next(t, "offer "+want, func(m cti.Message) bool { return m.Type == cti.MsgOffer })
			if m.Call.Caller.Number != want {
				t.Fatalf("offered %s, want %s (original order)", m.Call.Caller.Number, want)
			}
			second.Command(s2, cti.Command{Cmd: cti.CmdAnswer, Call: m.Call.ID})
			k2.call(t, "connected")
			second.Command(s2, cti.Command{Cmd: cti.CmdHangup, Call: m.Call.ID})
			k2.state(t, "ready")
		}
	})
}

// TestAppRestartAdoptsCallersInOrder: after a restart the agent is Ready
// before Asterisk has listed the callers it kept (a slow GET /channels),
// and the list comes newest first (Asterisk promises no order). The callers
// are still offered oldest first: they are queued together, in one input.
func TestAppRestartAdoptsCallersInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		sim, srv := servedSim(t, asterisksim.Config{AutoAnswerPushed: true, ListNewestFirst: true})
		db, _ := restartStore(t, ccaas.Queue{})
		start := func() (*app.App, func()) { return runApp(t, ctx, srv, db) }

		_, stopFirst := start()
		for _, from := range []string{"100", "200", "300"} {
			ch, _ := sim.PlaceCall(asterisksim.CallSpec{From: from, DID: testDID})
			waitUntil(t, "caller "+from+" waiting", func() bool { _, on := sim.MOH(ch); return on })
			time.Sleep(time.Second) // each a second after the other
		}
		stopFirst()

		// the next process's first look at Asterisk's channels takes 2 s
		sim.Inject(asterisksim.Fault{Method: "GET", Path: "/channels", Delay: 2 * time.Second})
		second, stopSecond := start()
		defer stopSecond()
		s, k := loginReady(t, second, testDomain, "alice", "alice-pw")
		for _, want := range []string{"100", "200", "300"} {
			m := k.next(t, "offer "+want, func(m cti.Message) bool { return m.Type == cti.MsgOffer })
			if m.Call.Caller.Number != want {
				t.Fatalf("offered %s, want %s (original order)", m.Call.Caller.Number, want)
			}
			second.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: m.Call.ID})
			k.call(t, "connected")
			second.Command(s, cti.Command{Cmd: cti.CmdHangup, Call: m.Call.ID})
			k.state(t, "ready")
		}
	})
}

// pending takes, without waiting, the first message already sent that
// matches (the others are kept for next and find).
func (s *sink) pending(match func(cti.Message) bool) (cti.Message, bool) {
	for {
		select {
		case m := <-s.ch:
			s.kept = append(s.kept, m)
		default:
			for i, m := range s.kept {
				if match(m) {
					s.kept = append(s.kept[:i:i], s.kept[i+1:]...)
					return m, true
				}
			}
			return cti.Message{}, false
		}
	}
}

// servedSim starts a simulator served in memory, for the tests that run
// the app themselves (runApp) rather than in a world; both close when the
// test ends. A nil Logger is a quiet one.
func servedSim(t testing.TB, cfg asterisksim.Config) (*asterisksim.Sim, *memnet.Server) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	sim := asterisksim.New(cfg)
	srv := memnet.NewServer("asterisk.test:8088", sim)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return sim, srv
}

// restartStore is the store the restart tests run one process after
// another on: tenant Acme, whose alice is the one member of "Support" (q
// with its name, ring time and DID filled in).
func restartStore(t testing.TB, q ccaas.Queue) (*sqlite.DB, ccaas.TenantID) {
	t.Helper()
	ctx := context.Background()
	db := openDB(t, "restart.db")
	t.Cleanup(func() { db.Close() })
	ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: testDomain, Name: "Acme"})
	alice, _ := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "alice", Name: "Alice", Extension: "1001", PasswordHash: passwordHash("alice")})
	db.AssignDIDs(ctx, ten.ID, testDID)
	q.TenantID, q.Name, q.RingSeconds, q.DIDs, q.Members = ten.ID, "Support", 30, []string{testDID}, []ccaas.Member{member(alice, 1)}
	if _, err := db.CreateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	return db, ten.ID
}

// loginReady logs an agent in on a process of the app, waits for their
// line and makes them Ready: an agent back after a restart or a reload.
func loginReady(t testing.TB, a *app.App, domain, username, password string) (*app.Session, *sink) {
	t.Helper()
	ctx := context.Background()
	s, err := a.Login(ctx, domain, username, password)
	if err != nil {
		t.Fatal(err)
	}
	k := newSink()
	if err := a.Attach(ctx, s, k); err != nil {
		t.Fatal(err)
	}
	if snap := k.next(t, "snapshot", func(m cti.Message) bool { return m.Type == cti.MsgSnapshot }); snap.Line.State != "up" {
		k.next(t, "line up", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
	}
	a.Command(s, cti.Command{Cmd: cti.CmdReady})
	k.state(t, "ready")
	return s, k
}

// runApp starts one process of the app on db against the simulator srv
// serves; stop ends it, and another started on the same database is a
// restart of ccaas.
func runApp(t *testing.T, ctx context.Context, srv *memnet.Server, db ccaas.Store) (*app.App, func()) {
	t.Helper()
	tr := &http.Transport{DialContext: srv.Listener.DialContext}
	quiet := slog.New(slog.DiscardHandler)
	client, _ := ari.New(ari.Config{URL: srv.URL + "/ari", HTTPClient: &http.Client{Transport: tr}, Username: "ccaas", Password: "ccaas", Application: "ccaas", Logger: quiet})
	a, err := app.New(app.Config{ARI: client, Store: db, Logger: quiet, CheckInvariants: func(err error) { t.Errorf("invariant: %v", err) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Load(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a.Run(runCtx) }()
	go func() { defer wg.Done(); client.RunEvents(runCtx, a) }()
	waitUntil(t, "connected", client.Connected)
	return a, func() { cancel(); wg.Wait(); tr.CloseIdleConnections() }
}

// TestAnnouncementsKeepOneTimer: each position announcement arms the next;
// a caller waiting through many of them holds one timer for it, not one per
// announcement.
func TestAnnouncementsKeepOneTimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: queueWith(func(q *ccaas.Queue) { q.AnnounceSeconds = 1 })})
		if _, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: testDID}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1500 * time.Millisecond) // the first announcement
		synctest.Wait()
		before := app.CallTimers(w.app, w.tenant.ID)
		time.Sleep(50 * time.Second) // fifty more
		synctest.Wait()
		if after := app.CallTimers(w.app, w.tenant.ID); after > before {
			t.Fatalf("the call holds %d timers after fifty announcements, %d after the first", after, before)
		}
	})
}
