// Package app is the Stasis application: it owns every tenant's agents,
// queues and calls, one event loop per tenant, and carries out the decisions
// of the wrapup (agent states) and queue (ACD) packages through ARI.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/queuelog"
	"github.com/ccaas/ccaas/wrapup"
)

// ARI is what the app needs of Asterisk; *ari.Client provides it.
type ARI interface {
	Originate(ctx context.Context, req ari.OriginateRequest) (*ari.Channel, error)
	Hangup(ctx context.Context, id, reason string) error
	Answer(ctx context.Context, id string) error
	GetChannel(ctx context.Context, id string) (*ari.Channel, error)
	StartMOH(ctx context.Context, id, class string) error
	StopMOH(ctx context.Context, id string) error
	CreateBridge(ctx context.Context, req ari.BridgeRequest) (*ari.Bridge, error)
	DestroyBridge(ctx context.Context, id string) error
	AddChannel(ctx context.Context, bridgeID string, channelIDs ...string) error
	RemoveChannel(ctx context.Context, bridgeID string, channelIDs ...string) error
	Subscribe(ctx context.Context, eventSource string) (*ari.Application, error)
	FilterEvents(ctx context.Context, f ari.EventFilter) (*ari.Application, error)
	GetEndpoint(ctx context.Context, tech, resource string) (*ari.Endpoint, error)
	ListEndpoints(ctx context.Context) ([]ari.Endpoint, error)
	ListChannels(ctx context.Context) ([]ari.Channel, error)
	ListBridges(ctx context.Context) ([]ari.Bridge, error)
	GetVariable(ctx context.Context, id, name string) (string, error)
	Snoop(ctx context.Context, channelID string, req ari.SnoopRequest) (*ari.Channel, error)
	Mute(ctx context.Context, id, direction string) error
	Unmute(ctx context.Context, id, direction string) error
	SendDTMF(ctx context.Context, id, dtmf string) error
	Play(ctx context.Context, channelID string, req ari.PlayRequest) (*ari.Playback, error)
	BridgePlay(ctx context.Context, bridgeID string, req ari.PlayRequest) (*ari.Playback, error)
	RecordChannel(ctx context.Context, channelID string, req ari.RecordRequest) (*ari.LiveRecording, error)
	StopPlayback(ctx context.Context, id string) error
	RecordBridge(ctx context.Context, bridgeID string, req ari.RecordRequest) (*ari.LiveRecording, error)
	PauseRecording(ctx context.Context, name string) error
	UnpauseRecording(ctx context.Context, name string) error
	StoredRecordingFile(ctx context.Context, name string) (*ari.RecordingFile, error)
	DeleteStoredRecording(ctx context.Context, name string) error
	PutConfig(ctx context.Context, class, typ, id string, fields []ari.ConfigTuple) ([]ari.ConfigTuple, error)
	DeleteConfig(ctx context.Context, class, typ, id string) error
	Connected() bool
}

// Config is what New needs.
type Config struct {
	ARI    ARI
	Store  ccaas.Store
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Application is the Stasis application name; default "ccaas".
	Application string
	// LineFields are the PJSIP endpoint attributes pushed for every agent
	// login, besides auth and aors; default DefaultLineFields.
	LineFields []ari.ConfigTuple
	// LineAOR are the attributes of the pushed AOR; default DefaultLineAOR
	// (one contact, the browser phone's registration).
	LineAOR []ari.ConfigTuple
	// RequestTimeout bounds each ARI operation; default 5s.
	RequestTimeout time.Duration
	// LineRetry is the wait before a lost agent line is originated again; default 2s.
	// It doubles while the line keeps failing (up to a minute), give or take a quarter.
	LineRetry time.Duration
	// LineRetryRate bounds how many lost lines, of every tenant, are brought
	// back per second (default 20): when an overloaded Asterisk drops lines,
	// bringing them all back at once would only add load where there is none
	// to spare. Logins are not held back by it.
	LineRetryRate float64
	// LineWorkers bounds the line set-ups and tear-downs, of every tenant,
	// under way at once (default 16, each a few requests): a shift of agents
	// logging in never keeps Asterisk's HTTP server from the calls' requests.
	LineWorkers int
	// WaitForPhone makes the app wait for the agent's browser phone to
	// register before it originates the line, and hang the line up when the
	// phone goes away (a real Asterisk; the simulator answers by itself).
	WaitForPhone bool
	// CountEvent, if set, is told the type of every ARI event the app
	// receives ("other" for types the ari package does not decode), on the
	// events reader goroutine: it must be quick and never block.
	CountEvent func(eventType string)
	// LostRecords, if set, is told of rows of the state log (RowStateLog)
	// or call records (RowCallRecord) the store refused for good, or did
	// not take before the app stopped; they are logged too. It is called
	// from the recorder's goroutine and must not block.
	LostRecords func(kind string, n int)
	// RecordingFailed, if set, is told of a call recording Asterisk could
	// not start (metrics); it is called from a tenant loop and must not block.
	RecordingFailed func()
	// OutboxWritten, if set, is called after the recorder wrote webhook
	// events into the outbox (the sender's Wake); it must not block.
	OutboxWritten func()
	// CheckInvariants, if set, makes every tenant loop check its invariants
	// after every input and report violations here (tests).
	CheckInvariants func(error)
	// SessionIdle ends a session whose page never opens its CTI socket
	// within it (a login by a script, a page that died at once); default
	// DefaultSessionIdle.
	SessionIdle time.Duration
	// SessionMaxAge ends every session this long after its login; an agent
	// on a call, an offer or in wrapup is logged out once it ends. Default
	// DefaultSessionMaxAge.
	SessionMaxAge time.Duration
	// RecordingSweep is how often recordings past their tenant's retention
	// are deleted; default DefaultRecordingSweep.
	RecordingSweep time.Duration
	// QueueLog, if set, receives the queue_log lines that Asterisk's
	// app_queue would write (a queuelog.Writer's Log writes them to a file).
	// The tenant loops call it, so it must not block.
	QueueLog func(queuelog.Event)
	// MaxCalls, if positive, is how many calls this ccaas carries at once
	// (waiting, ringing, talking, saying goodbye; outbound ones count too);
	// MaxTenantCalls the same for each tenant. A caller beyond either is
	// refused as they arrive: Asterisk gives them busy (SIP 486) at once,
	// at the cost of one request, rather than have an overloaded Asterisk
	// fail calls that are already up.
	MaxCalls, MaxTenantCalls int
	// ObservePhase, if set, is told how long a phase of a call took
	// (PhaseOffer, PhaseConnect), on a tenant loop: it must be quick.
	ObservePhase func(phase string, d time.Duration)
}

// The phases of a call ObservePhase times.
const (
	// PhaseOffer: from a caller's StasisStart reaching the app to the offer
	// sent to an agent, for calls that found an agent Ready on arrival (a
	// wait in the queue is not in it).
	PhaseOffer = "stasis_to_offer"
	// PhaseConnect: from the agent's Answer reaching the app to the agent's
	// line and the caller in the call's bridge (Asterisk said so).
	PhaseConnect = "answer_to_connected"
)

// DefaultLineFields make a WebRTC endpoint as the shipped pjsip.conf's agent
// template does (asterisk-etc).
var DefaultLineFields = []ari.ConfigTuple{
	{Attribute: "transport", Value: "transport-ws"},
	{Attribute: "context", Value: "agents"},
	{Attribute: "disallow", Value: "all"},
	// G.711 first, as the trunk: no translation, offered by every browser;
	// Opus last (it needs codec_opus). docs/deploy.md, "About codecs".
	{Attribute: "allow", Value: "ulaw,alaw,opus"},
	{Attribute: "webrtc", Value: "yes"},
	{Attribute: "dtls_auto_generate_cert", Value: "yes"},
}

// Defaults of the sessions' lifetimes (docs/security.md).
const (
	DefaultSessionIdle   = 2 * time.Minute
	DefaultSessionMaxAge = 12 * time.Hour
)

// RequiredModules are the Asterisk modules the app cannot work without:
// `ccaas serve` checks them at start, and the shipped modules.conf requires
// them (asterisk-etc's tests check it).
var RequiredModules = []string{
	"res_ari.so", "res_stasis.so", "app_stasis.so", "res_ari_channels.so", "res_ari_bridges.so",
	"res_ari_asterisk.so", "res_ari_applications.so", "res_ari_endpoints.so", "res_ari_playbacks.so",
	"res_stasis_playback.so", "res_stasis_snoop.so", "res_pjsip.so", "chan_pjsip.so",
	"res_pjsip_session.so", "res_pjsip_transport_websocket.so", "res_http_websocket.so",
	"res_sorcery_memory.so", "res_musiconhold.so", "res_srtp.so",
}

// DefaultLineAOR lets one registered phone per login.
var DefaultLineAOR = []ari.ConfigTuple{
	{Attribute: "max_contacts", Value: "1"},
	{Attribute: "remove_existing", Value: "yes"},
}

// Errors the app's callers tell apart.
var (
	ErrBadLogin     = errors.New("wrong username, password or domain")
	ErrNoSession    = errors.New("no such session")
	ErrNotAllowed   = wrapup.ErrNotAllowed // the agent's state forbids it; the message says why
	ErrNoSuchCall   = errors.New("no such call")
	ErrBadCommand   = errors.New("bad command")
	ErrShuttingDown = errors.New("shutting down")
)

// Session is one login of an agent; its ID is the secret the browser holds.
type Session struct {
	ID         string
	Tenant     ccaas.TenantID
	Agent      ccaas.Agent
	Domain     string
	TenantName string
	Started    time.Time // the login
}

// App is the contact center's call logic.
type App struct {
	cfg   Config
	log   *slog.Logger
	ari   ARI
	store ccaas.Store
	now   func() time.Time

	mu       sync.RWMutex
	tenants  map[ccaas.TenantID]*tenant
	dids     map[string]ccaas.TenantID
	sessions map[string]*Session

	// customers maps a dialplan channel to its tenant. Only the events
	// reader goroutine touches it.
	customers map[string]ccaas.TenantID

	records *recorder
	calls   atomic.Int64 // calls of every tenant (MaxCalls)

	lineRetries *rate.Limiter  // Config.LineRetryRate
	lineSlots   chan struct{}  // Config.LineWorkers
	ops         sync.WaitGroup // ARI operations under way (tenant.execGated)

	connectedBefore atomic.Bool // the events socket was connected before: the next connect is a reconnect
	adoptMu         sync.Mutex
	adopted         map[string]ccaas.TenantID // customers found in Stasis at start, until the events reader learns them

	ctx     context.Context // the Run context, for the tenants' ARI operations
	loopCtx context.Context // ends the tenant loops after shutdown
	running bool            // Run is running: a tenant added by Reload starts its loop at once
	wg      sync.WaitGroup
	done    chan struct{}
}

// dummyHash is compared against when the user does not exist, so a login
// takes as long for an unknown user as for a wrong password. It is made on
// first use, by the first login (whoever logs in, so that this one's time
// tells nothing either), not when the program starts: a program or test
// binary that logs nobody in does not pay for it.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such user"), dummyHashCost)
	return h
})

// dummyHashCost is the cost of dummyHash: bcrypt's default, the cost of the
// hashes the admin pages and commands make (tests lower it).
var dummyHashCost = bcrypt.DefaultCost

// New returns an App; Run starts it.
func New(cfg Config) (*App, error) {
	if cfg.ARI == nil || cfg.Store == nil {
		return nil, errors.New("app: ARI and Store are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Application == "" {
		cfg.Application = "ccaas"
	}
	if cfg.LineFields == nil {
		cfg.LineFields = DefaultLineFields
	}
	if cfg.LineAOR == nil {
		cfg.LineAOR = DefaultLineAOR
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 5 * time.Second
	}
	if cfg.LineRetry <= 0 {
		cfg.LineRetry = 2 * time.Second
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = DefaultSessionMaxAge
	}
	if cfg.LineRetryRate <= 0 {
		cfg.LineRetryRate = 20
	}
	if cfg.LineWorkers <= 0 {
		cfg.LineWorkers = 16
	}
	if cfg.RecordingSweep <= 0 {
		cfg.RecordingSweep = DefaultRecordingSweep
	}
	a := &App{
		cfg:       cfg,
		log:       cfg.Logger,
		ari:       cfg.ARI,
		store:     cfg.Store,
		now:       cfg.Now,
		tenants:   make(map[ccaas.TenantID]*tenant),
		dids:      make(map[string]ccaas.TenantID),
		sessions:  make(map[string]*Session),
		customers: make(map[string]ccaas.TenantID),
		adopted:   make(map[string]ccaas.TenantID),
		ctx:       context.Background(),
		done:      make(chan struct{}),
	}
	a.records = &recorder{app: a, inbox: newMailbox()}
	a.lineRetries = rate.NewLimiter(rate.Limit(cfg.LineRetryRate), max(1, int(cfg.LineRetryRate)))
	a.lineSlots = make(chan struct{}, cfg.LineWorkers)
	return a, nil
}

// Load reads every tenant's configuration and starts its event loop. It must
// be called once, before Run and before the ARI events are connected.
func (a *App) Load(ctx context.Context) error {
	ts, err := a.store.Tenants(ctx)
	if err != nil {
		return fmt.Errorf("load tenants: %w", err)
	}
	for _, t := range ts {
		cfg, err := a.store.TenantConfig(ctx, t.ID)
		if err != nil {
			return fmt.Errorf("load tenant %s: %w", t.Domain, err)
		}
		a.addTenant(cfg)
		if err := a.loadTasks(ctx, a.tenant(t.ID)); err != nil {
			return fmt.Errorf("load the callbacks and voicemails of tenant %s: %w", t.Domain, err)
		}
	}
	return nil
}

func (a *App) addTenant(cfg ccaas.TenantConfig) {
	t := newTenant(a, cfg)
	a.mu.Lock()
	a.tenants[cfg.Tenant.ID] = t
	for _, q := range cfg.Queues {
		for _, did := range q.DIDs {
			a.dids[did] = cfg.Tenant.ID
		}
	}
	a.mu.Unlock()
}

// Run runs the tenant loops until ctx ends, then ends every session.
// The caller runs the ARI events (ari.Client.RunEvents) with a as handler.
func (a *App) Run(ctx context.Context) error {
	loopCtx, stop := context.WithCancel(context.Background())
	defer stop()
	a.mu.Lock()
	a.ctx, a.loopCtx, a.running = ctx, loopCtx, true
	ts := a.tenantList()
	a.mu.Unlock()
	if a.cfg.QueueLog != nil {
		a.cfg.QueueLog(queuelog.Started(a.now()))
	}
	logDone := make(chan struct{})
	go func() {
		defer close(logDone)
		a.records.run(loopCtx)
	}()
	for _, t := range ts {
		a.startLoop(t)
	}
	sweepDone := make(chan struct{})
	go func() {
		defer close(sweepDone)
		a.sweepRecordings(loopCtx)
	}()
	<-ctx.Done()
	a.mu.Lock()
	a.running = false
	ts = a.tenantList() // with tenants added since
	a.mu.Unlock()
	// End the sessions inside the loops, then let the loops go.
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	for _, t := range ts {
		done := make(chan error, 1)
		t.inbox.post(msgShutdown{done: done})
		select {
		case <-done:
		case <-shutdown.Done():
		}
	}
	stop()
	a.wg.Wait()
	// what the loops asked of Asterisk while stopping (the lines' tear-down)
	// is carried out before Run returns, so no agent's line or
	// account outlives the process
	a.waitOps(opsAtShutdown)
	<-sweepDone
	<-logDone
	a.records.flush() // what the loops logged while stopping
	a.records.dropKept()
	close(a.done)
	return nil
}

// opsAtShutdown bounds the wait for the last ARI operations at shutdown:
// a few round trips per line, LineWorkers at a time, on a sluggish Asterisk.
const opsAtShutdown = 15 * time.Second

// waitOps waits, at most d, for the ARI operations under way.
func (a *App) waitOps(d time.Duration) {
	done := make(chan struct{})
	go func() { a.ops.Wait(); close(done) }()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		a.log.Warn("stopped with ARI operations still under way", "waited", d)
	}
}

func (a *App) startLoop(t *tenant) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		t.run(a.loopCtx)
	}()
}

// tenantList returns every tenant; a.mu must be held.
func (a *App) tenantList() []*tenant {
	ts := make([]*tenant, 0, len(a.tenants))
	for _, t := range a.tenants {
		ts = append(ts, t)
	}
	return ts
}

// opContext returns a context for one ARI operation.
func (a *App) opContext() (context.Context, context.CancelFunc) {
	a.mu.RLock()
	ctx := a.ctx
	a.mu.RUnlock()
	// Operations started during shutdown must still reach Asterisk (hang up lines).
	return context.WithTimeout(context.WithoutCancel(ctx), a.cfg.RequestTimeout)
}

// Healthy reports whether the app is connected to Asterisk.
func (a *App) Healthy() bool { return a.ari.Connected() }

func (a *App) tenant(id ccaas.TenantID) *tenant {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.tenants[id]
}

// Login checks an agent's password and starts a session: the agent is Not
// Ready and their line is being set up. A session the agent had before ends.
func (a *App) Login(ctx context.Context, domain, username, password string) (*Session, error) {
	if domain == "" || username == "" || password == "" || len(password) > 72 {
		return nil, ErrBadLogin
	}
	dummy := dummyHash()
	ten, err := a.store.TenantByDomain(ctx, domain)
	var ag ccaas.Agent
	if err == nil {
		ag, err = a.store.AgentByUsername(ctx, ten.ID, username)
	}
	if err != nil {
		bcrypt.CompareHashAndPassword(dummy, []byte(password))
		if errors.Is(err, ccaas.ErrNotFound) {
			return nil, ErrBadLogin
		}
		return nil, fmt.Errorf("login %s@%s: %w", username, domain, err)
	}
	if bcrypt.CompareHashAndPassword([]byte(ag.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadLogin
	}
	t := a.tenant(ten.ID)
	if t == nil {
		return nil, fmt.Errorf("login %s@%s: tenant not loaded", username, domain)
	}
	s := &Session{ID: randomHex(32), Tenant: ten.ID, Agent: ag, Domain: ten.Domain, TenantName: ten.Name, Started: a.now()}
	if err := t.ask(ctx, func(done chan error) any { return msgLogin{s: s, done: done} }); err != nil {
		return nil, err
	}
	return s, nil
}

// Session returns the live session with this id.
func (a *App) Session(id string) (*Session, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	s, ok := a.sessions[id]
	return s, ok
}

func (a *App) setSession(s *Session) {
	a.mu.Lock()
	a.sessions[s.ID] = s
	a.mu.Unlock()
}

func (a *App) dropSession(s *Session) {
	a.mu.Lock()
	delete(a.sessions, s.ID)
	a.mu.Unlock()
}

// Attach connects the agent's CTI socket: the sink gets a snapshot and then
// every change. A sink attached before to the same session is replaced.
func (a *App) Attach(ctx context.Context, s *Session, sink Sink) error {
	t := a.tenant(s.Tenant)
	if t == nil {
		return ErrNoSession
	}
	return t.ask(ctx, func(done chan error) any { return msgAttach{s: s, sink: sink, done: done} })
}

// Detach tells the app that the sink's socket closed. Closing the socket ends
// the session (docs/design.md, Agent states: a refresh or a closed tab logs
// the agent out).
func (a *App) Detach(s *Session, sink Sink) {
	if t := a.tenant(s.Tenant); t != nil {
		t.inbox.post(msgDetach{s: s, sink: sink})
	}
}

// Command hands an agent's CTI command to its tenant; the answer goes to the
// session's sink as a reply. It does not wait (Do does).
func (a *App) Command(s *Session, cmd cti.Command) {
	if t := a.tenant(s.Tenant); t != nil {
		t.inbox.post(msgCommand{s: s, cmd: cmd, at: a.now()})
	}
}

// Do hands an agent's CTI command to its tenant like Command and returns
// once the tenant has handled it: its reply, and the messages of what it
// changed, are on the session's sink by then. A CTI socket reads its next
// command only after that, so a client's burst is served in order, at the
// pace the client reads (docs/cti-protocol.md, Limits).
func (a *App) Do(ctx context.Context, s *Session, cmd cti.Command) error {
	t := a.tenant(s.Tenant)
	if t == nil {
		return ErrNoSession
	}
	return t.ask(ctx, func(done chan error) any { return msgCommand{s: s, cmd: cmd, at: a.now(), done: done} })
}

// Logout ends a session at the agent's request; refused while the agent has
// a call or an offer.
func (a *App) Logout(ctx context.Context, s *Session) error {
	t := a.tenant(s.Tenant)
	if t == nil {
		return ErrNoSession
	}
	return t.ask(ctx, func(done chan error) any { return msgLogout{s: s, done: done} })
}

// CustomerChannel returns the customer's channel of the session's current
// call (for the demo's "customer hangs up" control).
func (a *App) CustomerChannel(ctx context.Context, s *Session) (string, error) {
	t := a.tenant(s.Tenant)
	if t == nil {
		return "", ErrNoSession
	}
	var ch string
	err := t.ask(ctx, func(done chan error) any {
		return msgQueryCustomer{s: s, done: done, out: &ch}
	})
	return ch, err
}

// SIPAccount returns the one-time SIP credentials provisioned for the
// session's line (the browser phone registers with them through /sip).
func (a *App) SIPAccount(ctx context.Context, s *Session) (username, password string, err error) {
	t := a.tenant(s.Tenant)
	if t == nil {
		return "", "", ErrNoSession
	}
	var acct [2]string
	err = t.ask(ctx, func(done chan error) any { return msgQuerySIP{s: s, done: done, out: &acct} })
	return acct[0], acct[1], err
}

// DIDs returns every DID that routes to a queue, for the demo's callers.
func (a *App) DIDs() []string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]string, 0, len(a.dids))
	for d := range a.dids {
		out = append(out, d)
	}
	return out
}
