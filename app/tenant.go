package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/queuelog"
	"github.com/ccaas/ccaas/screenpop"
	"github.com/ccaas/ccaas/wrapup"
)

// Inputs of a tenant loop. Everything that changes a tenant's state arrives
// as one of these, so the loop is the only goroutine that touches it.
type (
	msgARI struct {
		ev ari.Event
		at time.Time // when the events reader got it
	}
	msgLogin struct {
		s    *Session
		done chan error
	}
	msgAttach struct {
		s    *Session
		sink Sink
		done chan error
	}
	msgDetach struct {
		s    *Session
		sink Sink
	}
	msgCommand struct {
		s    *Session
		cmd  cti.Command
		at   time.Time  // when the socket handed it over
		done chan error // nil: nobody waits (App.Command)
	}
	msgLogout struct {
		s    *Session
		done chan error
	}
	msgQueryCustomer struct {
		s    *Session
		done chan error
		out  *string
	}
	msgQuerySIP struct {
		s    *Session
		done chan error
		out  *[2]string
	}
	msgShutdown struct{ done chan error }
	// msgSessionTimer: a session's idle limit (before its first socket) or
	// its maximum age has passed.
	msgSessionTimer struct {
		s      *Session
		maxAge bool
	}
	msgAgentTimer struct {
		agent ccaas.AgentID
		gen   uint64
	}
	msgLineRetry struct {
		agent ccaas.AgentID
		gen   uint64
		// turn: the retry already has its turn under Config.LineRetryRate
		turn bool
	}
	// msgDone carries the outcome of ARI operations back into the loop.
	msgDone struct{ then func() }
)

type lineState int

const (
	lineDown        lineState = iota
	lineRegistering           // waiting for the browser phone to register
	lineConnecting
	lineUp
)

func (s lineState) String() string {
	return [...]string{"down", "registering", "connecting", "up"}[s]
}

// line is an agent's persistent line: a call to the agent's phone that
// waits in Stasis, in no bridge, and is moved into each call's bridge.
type line struct {
	state    lineState
	endpoint string // PJSIP endpoint pushed for this login
	password string // its one-time SIP password
	token    string // sent with the line call; the phone answers only calls carrying it
	channel  string // current line channel
	gen      uint64 // bumps on every (re)origination; stale results are dropped
	ops      serial
	failures int // line attempts that failed in a row, for the retry backoff
	// when the current line channel was originated and the endpoint
	// provisioned: reconcile judges only what is older than its lists
	originated, provisioned time.Time
	// registered: the browser phone is registered (only followed with
	// Config.WaitForPhone; the simulator's phones answer without one).
	registered bool
	// pushed: the endpoint exists in Asterisk; until then a retry
	// provisions again rather than originate to nothing.
	pushed bool
}

type agent struct {
	cfg       ccaas.Agent
	queues    []queue.Membership // queues with skills
	fsm       wrapup.Machine
	session   *Session
	sink      Sink
	line      line
	call      *call         // the call the agent is offered or on
	leg       *leg          // the agent's part in it
	lastCall  ccaas.CallID  // the call the agent's part last ended in (its wrapup belongs to it)
	lastQueue ccaas.QueueID // that call's queue
	watch     *watch        // the call this supervisor listens in on
	by        string        // the supervisor making the change being applied
	stateBy   string        // the supervisor who made the current state, for the screens
	timer     *time.Timer   // fires at the state machine's next deadline
	timerGen  uint64        // bumps on every re-arm; stale timer messages are dropped
	// the session's lifetime: its timers, and whether its page ever
	// attached a socket (tenant.expired: past its maximum age)
	idleTimer, ageTimer *time.Timer
	attached            bool
	// given is the agent's disposition of their current or last call
	// (disposition.go)
	given *ccaas.Disposition
}

type callState int

const (
	callArriving  callState = iota // answered, attached data being read
	callWaiting                    // in its queue
	callOffered                    // an agent is being rung and no agent is connected
	callConnected                  // at least one agent is connected (or connecting, or dialling)
	callEnded
	callAside // out of its queue for a while: the caller leaves a message; a callback waits to be dialled again
)

var callStateNames = [...]string{"arriving", "waiting", "offered", "connected", "ended", "aside"}

func (s callState) String() string { return callStateNames[s] }

type call struct {
	id         ccaas.CallID
	direction  string       // inbound, outbound or internal
	customer   string       // the customer's channel; "" between agents
	customerUp bool         // the customer's channel is answered and alive
	customerIn bool         // the customer is in the bridge (not waiting, held or being transferred)
	caller     ari.CallerID // the customer: who called, or the number dialled; between agents the agent dialled
	dialler    ari.CallerID // between agents: the agent who dialled (otherParty)
	did        string
	queue      *ccaas.Queue // nil for calls that did not come through a queue
	direct     bool         // offered to an agent's extension, not through the queue's routing
	state      callState
	legs       []*leg // the agents taking part
	history    []legRecord
	bridge     string // the call's mixing bridge
	data       []cti.DataItem

	held      bool // the customer is on hold
	heldSince time.Time
	holdTotal time.Duration
	transfers int
	joins     int

	arrived      time.Time
	enteredQueue time.Time // when it joined its current queue (its maximum wait counts from here)
	answeredAt   time.Time
	endedAt      time.Time
	endReason    string
	visited      map[ccaas.QueueID]bool
	playback     string // the announcement or goodbye playing to the caller
	timers       []*time.Timer
	announce     *time.Timer // the next position announcement, one of timers
	timerGen     uint64      // bumps whenever the timers are re-armed; stale timer messages are dropped
	ops          serial
	bridgeOps    serial          // creating the call's bridge while the first offer rings
	prepared     *preparedBridge // that bridge, when one was made so
	ends         int             // how often the call ended: once, or the invariants are broken
	watchers     []*agent        // supervisors listening in on an agent of this call
	music        bool            // music on hold was started on the customer since the last connect

	consult       *leg          // the colleague's leg while an agent consults them (consult.go)
	transferredBy *cti.AgentRef // the agent who last transferred the call
	// for the phase timings (Config.ObservePhase)
	stasisAt time.Time // when the caller's StasisStart reached the app
	queuedIn uint64    // the loop input in which the call first entered a queue
	offers   int       // offers made so far
	// recordings are those its agents may hear in their browser (its
	// voicemail)
	recordings []ccaas.RecordingID
	// rec is the call's recording (recording.go), nil before one starts;
	// recordOther is the tenant's mode for a call through no queue
	rec         *callRecording
	recordOther string

	// the caller's side (room.go): the wait told at entry, the menu the
	// waiting caller is in, the callback or voicemail the call carries to
	// an agent (or the message being left); adopted: found waiting after a
	// restart, so not entering its queue
	estimate        time.Duration
	estimated       bool
	menu            *menu
	callbackOffered bool     // "press 1" was offered: the caller may ask for a callback
	pendingPrompt   []string // to play once the current playback ends
	callback        *callbackTask
	voicemail       *voicemailTask
	adopted         bool
}

// legRecord is one agent's part in a call, for the call record.
type legRecord struct {
	agent     ccaas.AgentID
	role      legRole
	offeredAt time.Time
	joinedAt  time.Time
	leftAt    time.Time
	hold      time.Duration // the call's hold time while this agent was on it
	reason    string
}

type tenant struct {
	app       *App
	cfg       ccaas.TenantConfig
	log       *slog.Logger
	inbox     *mailbox
	agents    map[ccaas.AgentID]*agent
	queues    map[ccaas.QueueID]*ccaas.Queue
	dids      map[string]*ccaas.Queue
	router    *queue.Router
	calls     map[ccaas.CallID]*call
	byChan    map[string]*call  // customer channel → call
	lines     map[string]*agent // line channel → agent
	playbacks map[string]*call  // playback → the call it plays to
	snoops    map[string]*agent // snoop channel → the supervisor listening through it

	// events of the input being handled; the projections read them after it
	events  []event.Event
	inputs  uint64 // inputs handled so far
	counted int    // len(calls) as App.calls last counted it
	// expired are the agents whose session is past its maximum age: it
	// ends when they are next free (expireSessions, after every input)
	expired  map[*agent]bool
	refusing bool // callers are being refused (Config.MaxCalls): logged once
	// replies to the input's caller, sent once the projections have read
	// its events (a logout's queue_log lines are written when it returns)
	replies []func()
	room    *waitingRoom        // opening hours, estimates, callbacks and voicemails (room.go)
	figures *figures            // counts for /metrics and the team view (stats.go)
	team    *teamView           // the supervisors' view (team.go)
	qlog    *queuelog.Book      // the queue_log, if one is written
	dir     *directory          // the agents' directory (directory.go)
	pop     *screenpop.Template // the screen pop (screenpop.go); nil for none
}

func newTenant(a *App, cfg ccaas.TenantConfig) *tenant {
	t := &tenant{
		app:    a,
		cfg:    cfg,
		log:    a.log.With("tenant", cfg.Tenant.Domain),
		inbox:  newMailbox(),
		agents: make(map[ccaas.AgentID]*agent),
		queues: make(map[ccaas.QueueID]*ccaas.Queue),
		dids:   make(map[string]*ccaas.Queue),
		router: queue.NewRouter(),
		calls:  make(map[ccaas.CallID]*call),
		byChan: make(map[string]*call),
		lines:  make(map[string]*agent),

		playbacks: make(map[string]*call),
		snoops:    make(map[string]*agent),
		expired:   make(map[*agent]bool),
		figures:   newFigures(),
	}
	t.team = newTeamView(t, t.figures)
	t.dir = newDirectory(t, t.figures)
	t.setScreenPop(cfg)
	t.room = newWaitingRoom(t, cfg)
	if a.cfg.QueueLog != nil {
		t.qlog = queuelog.NewBook(cfg.Tenant.Domain, a.cfg.QueueLog)
	}
	for i := range cfg.Queues {
		q := &cfg.Queues[i]
		t.queues[q.ID] = q
		for _, did := range q.DIDs {
			t.dids[did] = q
		}
		t.router.SetQueue(t.queueConfig(q))
	}
	for _, ag := range cfg.Agents {
		t.agents[ag.ID] = &agent{cfg: ag}
	}
	for _, q := range cfg.Queues {
		for _, m := range q.Members {
			if ag := t.agents[m.Agent]; ag != nil {
				ag.queues = append(ag.queues, queue.Membership{Queue: queue.ID(q.ID), Skill: m.Skill})
			}
		}
	}
	// the loop has not started: the projections learn the configuration here
	t.emit(event.Configured{At: t.now(), Config: cfg})
	t.hoursChanged(true)
	t.publish()
	return t
}

func (t *tenant) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.inbox.signal:
			for _, m := range t.inbox.drain() {
				t.inputs++
				t.handle(m)
				t.expireSessions()
				t.countCalls()
				// Whatever changed, a waiting call and a Ready agent never
				// stay apart: route after every input.
				t.route()
				t.publish()
				for _, r := range t.replies {
					r()
				}
				clear(t.replies)
				t.replies = t.replies[:0]
				if check := t.app.cfg.CheckInvariants; check != nil {
					if err := t.invariants(); err != nil {
						check(fmt.Errorf("tenant %s after %T: %w", t.cfg.Tenant.Domain, m, err))
					}
				}
			}
			t.team.flush()
			t.dir.flush()
		}
	}
}

// countCalls brings the count of every tenant's calls (Config.MaxCalls) up
// to date after an input.
func (t *tenant) countCalls() {
	n := len(t.calls)
	if n == t.counted {
		return
	}
	t.app.calls.Add(int64(n - t.counted))
	t.counted = n
	if t.refusing && t.full() == "" {
		t.refusing = false
		t.log.Info("below the limit of concurrent calls again: taking new callers")
	}
}

// reply answers an input's caller (Tenant.ask) after the input.
func (t *tenant) reply(done chan error, err error) {
	t.replies = append(t.replies, func() { done <- err })
}

// emit records what happened, for the projections.
func (t *tenant) emit(ev event.Event) { t.events = append(t.events, ev) }

// publish hands the events of an input to every projection, in order, and
// starts a new list.
func (t *tenant) publish() {
	if len(t.events) == 0 {
		return
	}
	t.figures.apply(t.events)
	t.room.apply(t.events)
	t.team.apply(t.events)
	t.dir.apply(t.events)
	if t.qlog != nil {
		t.qlog.Apply(t.events)
	}
	t.app.records.apply(t, t.events)
	clear(t.events) // no projection keeps the list
	t.events = t.events[:0]
}

// ask posts a request and waits for the loop's answer.
func (t *tenant) ask(ctx context.Context, mk func(done chan error) any) error {
	done := make(chan error, 1)
	t.inbox.post(mk(done))
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-t.app.done:
		return ErrShuttingDown
	}
}

func (t *tenant) handle(m any) {
	switch m := m.(type) {
	case msgARI:
		t.onARI(m.ev, m.at)
	case msgLogin:
		t.reply(m.done, t.login(m.s))
	case msgAttach:
		t.reply(m.done, t.attach(m.s, m.sink))
	case msgDetach:
		if ag := t.agentOf(m.s); ag != nil && ag.sink == m.sink {
			ag.sink = nil
			t.team.detach(ag)
			t.dir.close(ag)
			t.endSession(ag, cti.ByeClosed)
		}
	case msgCommand:
		t.command(m.s, m.cmd, m.at)
		if m.done != nil {
			t.reply(m.done, nil)
		}
	case msgLogout:
		t.reply(m.done, t.logout(m.s))
	case msgQueryCustomer:
		ag := t.agentOf(m.s)
		if ag == nil || ag.call == nil || ag.call.state == callEnded || ag.call.customer == "" || !ag.call.customerUp {
			t.reply(m.done, ErrNoSuchCall) // no call, or one without a customer
			return
		}
		*m.out = ag.call.customer
		t.reply(m.done, nil)
	case msgQuerySIP:
		ag := t.agentOf(m.s)
		if ag == nil || ag.line.endpoint == "" {
			t.reply(m.done, ErrNoSession)
			return
		}
		*m.out = [2]string{ag.line.endpoint, ag.line.password}
		t.reply(m.done, nil)
	case msgQueryStats:
		*m.out = t.figures.stats()
		t.fillStats(m.out)
		t.reply(m.done, nil)
	case msgSessionTimer:
		ag := t.agentOf(m.s)
		switch {
		case ag == nil:
		case m.maxAge:
			t.expired[ag] = true // expireSessions ends it once the agent is free
		case !ag.attached:
			t.log.Info("session ended: its page never connected", "agent", ag.cfg.Username, "after", t.app.cfg.SessionIdle)
			t.endSession(ag, cti.ByeExpired)
		}
	case msgShutdown:
		for _, ag := range t.agents {
			if ag.session != nil {
				t.endSession(ag, cti.ByeShutdown)
			}
		}
		t.reply(m.done, nil)
	case msgCallTimer:
		t.onCallTimer(m)
	case msgAgentTimer:
		if ag := t.agents[m.agent]; ag != nil && ag.timerGen == m.gen {
			t.advance(ag)
		}
	case msgLineRetry:
		if ag := t.agents[m.agent]; ag != nil && ag.session != nil && ag.line.gen == m.gen && ag.line.state == lineDown {
			if !m.turn {
				// every tenant's lost lines come back at a bounded rate
				// (Config.LineRetryRate): this one's turn may be later
				if wait := t.app.lineRetries.ReserveN(t.now(), 1).DelayFrom(t.now()); wait > 0 {
					t.retryLineIn(ag, wait)
					return
				}
			}
			switch {
			case !ag.line.pushed:
				t.provisionLine(ag)
			case t.app.cfg.WaitForPhone && !ag.line.registered:
				// the phone's next registration brings the line; the watch
				// is set up again in case that is what failed
				t.awaitPhone(ag)
			default:
				t.originateLine(ag)
			}
		}
	case msgDone:
		m.then()
	case msgReconcile:
		t.reconcile(m)
	case msgAdopt:
		t.adopt(m)
	case msgKnownIDs:
		t.knownIDs(m.out)
		t.reply(m.done, nil)
	case msgReload:
		t.reload(m.cfg)
		t.reply(m.done, nil)
	case msgSeedDay:
		t.team.seed(m)
	case loopMsg:
		m.handleIn(t)
	case msgMayHear:
		t.onMayHear(m)
	case msgRecordingsDeleted:
		t.recordingsDeleted(m.ids)
	default:
		t.log.Error("tenant loop: unknown input", "type", fmt.Sprintf("%T", m))
	}
}

// exec runs an ARI operation outside the loop, in order after the earlier
// operations of the same serial, and brings its error back into the loop.
func (t *tenant) exec(s *serial, what string, op func(ctx context.Context) error, then func(err error)) {
	t.execAfter([]*serial{s}, what, op, then)
}

// execAfter is exec ordered in several serials at once (runAfter).
func (t *tenant) execAfter(ss []*serial, what string, op func(ctx context.Context) error, then func(err error)) {
	t.execGated(nil, ss, what, op, then)
}

// lineExec is exec for the set-up and tear-down of an agent's line: it
// waits for one of the App's line slots (Config.LineWorkers) before its
// requests, and its time-out counts from then.
func (t *tenant) lineExec(ag *agent, what string, op func(ctx context.Context) error, then func(err error)) {
	t.execGated(t.app.lineSlots, []*serial{&ag.line.ops}, what, op, then)
}

func (t *tenant) execGated(gate chan struct{}, ss []*serial, what string, op func(ctx context.Context) error, then func(err error)) {
	t.app.ops.Add(1)
	runAfter(func() {
		defer t.app.ops.Done()
		if gate != nil {
			gate <- struct{}{}
			defer func() { <-gate }()
		}
		ctx, cancel := t.app.opContext()
		err := op(ctx)
		cancel()
		if err != nil {
			t.log.Warn("ARI operation failed", "op", what, "err", err)
		}
		if then != nil {
			t.inbox.post(msgDone{then: func() { then(err) }})
		}
	}, ss...)
}

func (t *tenant) now() time.Time { return t.app.now() }

func (t *tenant) agentOf(s *Session) *agent {
	ag := t.agents[s.Agent.ID]
	if ag == nil || ag.session != s {
		return nil
	}
	return ag
}

// --- sessions -------------------------------------------------------------

func (t *tenant) login(s *Session) error {
	ag := t.agents[s.Agent.ID]
	if ag == nil {
		// an agent created after the tenant was loaded
		ag = &agent{cfg: s.Agent}
		t.agents[s.Agent.ID] = ag
	}
	if ag.session != nil {
		t.endSession(ag, cti.ByeReplaced)
	}
	ag.cfg = s.Agent
	if err := t.step(ag, wrapup.InLogin, ""); err != nil {
		return fmt.Errorf("login %s: %w", ag.cfg.Username, err)
	}
	ag.session = s
	t.app.setSession(s)
	ag.attached = false
	delete(t.expired, ag)
	ag.idleTimer = time.AfterFunc(t.app.cfg.SessionIdle, func() { t.inbox.post(msgSessionTimer{s: s}) })
	ag.ageTimer = time.AfterFunc(t.app.cfg.SessionMaxAge, func() { t.inbox.post(msgSessionTimer{s: s, maxAge: true}) })
	t.log.Info("agent logged in", "agent", ag.cfg.Username)
	t.startLine(ag)
	return nil
}

func (t *tenant) attach(s *Session, sink Sink) error {
	ag := t.agentOf(s)
	if ag == nil {
		return ErrNoSession
	}
	if ag.sink != nil && ag.sink != sink {
		old := ag.sink
		old.Send(cti.Message{Type: cti.MsgBye, Reason: cti.ByeReplaced})
		old.Close()
	}
	ag.sink = sink
	ag.attached = true
	t.team.attach(ag)
	sink.Send(t.snapshot(ag))
	return nil
}

// expireSessions ends the sessions past their maximum age whose agent is
// free: not on a call, an offer or in wrapup. It runs after every input, so
// it looks at those sessions only, not at every agent.
func (t *tenant) expireSessions() {
	for ag := range t.expired {
		if ag.session != nil && ag.call == nil && !ag.fsm.Busy() {
			t.log.Info("session ended: its maximum age passed", "agent", ag.cfg.Username, "max_age", t.app.cfg.SessionMaxAge)
			t.endSession(ag, cti.ByeExpired)
		}
	}
}

func (t *tenant) logout(s *Session) error {
	ag := t.agentOf(s)
	if ag == nil {
		return ErrNoSession
	}
	t.advance(ag)
	if ag.fsm.Busy() {
		// the machine explains why (a call, an offer, wrapup)
		_, err := ag.fsm.Step(wrapup.InLogout, "", t.now())
		return err
	}
	t.endSession(ag, cti.ByeLogout)
	return nil
}

// endSession logs the agent out whatever they are doing: a call they had goes
// back to the head of its queue, and their line is torn down.
func (t *tenant) endSession(ag *agent, reason string) {
	if c := ag.call; c != nil {
		t.agentLost(c, ag.leg, ccaas.EndWithdrawn)
	}
	t.stopWatch(ag, "stopped")
	t.team.detach(ag)
	t.dir.close(ag)
	if ag.fsm.State() != wrapup.LoggedOut {
		t.step(ag, wrapup.InForceLogout, "")
	}
	t.router.SetUnavailable(queue.AgentID(ag.cfg.ID))
	t.router.ResetCounts(queue.AgentID(ag.cfg.ID))
	t.stopLine(ag)
	if ag.sink != nil {
		ag.sink.Send(cti.Message{Type: cti.MsgBye, Reason: reason, By: ag.by})
		ag.sink.Close()
		ag.sink = nil
	}
	if ag.session != nil {
		t.app.dropSession(ag.session)
		ag.session = nil
	}
	for _, tm := range []*time.Timer{ag.idleTimer, ag.ageTimer} {
		if tm != nil {
			tm.Stop()
		}
	}
	ag.idleTimer, ag.ageTimer = nil, nil
	delete(t.expired, ag)
	t.log.Info("agent logged out", "agent", ag.cfg.Username, "reason", reason)
}

// --- commands -------------------------------------------------------------

func (t *tenant) command(s *Session, cmd cti.Command, at time.Time) {
	ag := t.agentOf(s)
	if ag == nil {
		return
	}
	t.advance(ag) // a deadline that passed decides before the command does
	err := t.apply(ag, cmd, at)
	if err == nil {
		if cmd.ID != "" {
			ok := true
			t.send(ag, cti.Message{Type: cti.MsgReply, ID: cmd.ID, OK: &ok})
		}
		return
	}
	ok := false
	code := cti.CodeInternal
	switch {
	case errors.Is(err, ErrBadCommand):
		code = cti.CodeBadCommand
	case errors.Is(err, ErrNoSuchCall):
		code = cti.CodeNoSuchCall
	case errors.Is(err, ErrNotAllowed), errors.Is(err, wrapup.ErrNotAllowed):
		code = cti.CodeNotAllowed
	}
	t.send(ag, cti.Message{Type: cti.MsgReply, ID: cmd.ID, OK: &ok, Error: &cti.ErrorView{Code: code, Message: userMessage(err)}})
}

// userMessage is an error's text without the sentinel's own words, as a
// sentence ("not allowed: you are in wrapup …" reads "You are in wrapup ….").
func userMessage(err error) string {
	msg := err.Error()
	for _, sentinel := range []error{ErrNotAllowed, ErrBadCommand, ErrNoSuchCall} {
		if errors.Is(err, sentinel) {
			msg = strings.TrimPrefix(msg, sentinel.Error()+": ")
		}
	}
	return cti.Sentence(msg)
}

// apply carries out an agent's command; at is when it arrived.
func (t *tenant) apply(ag *agent, cmd cti.Command, at time.Time) error {
	switch cmd.Cmd {
	case cti.CmdReady:
		if ag.fsm.State() == wrapup.Ready {
			return nil
		}
		if ag.watch != nil {
			return fmt.Errorf("%w: stop listening in first", ErrNotAllowed)
		}
		return t.step(ag, wrapup.InReady, "")
	case cti.CmdNotReady:
		if cmd.Reason != "" && !t.knownReason(cmd.Reason) {
			return fmt.Errorf("%w: unknown Not Ready reason", ErrBadCommand)
		}
		return t.step(ag, wrapup.InNotReady, cmd.Reason)
	case cti.CmdCancelPending:
		return t.step(ag, wrapup.InCancelPending, "")
	case cti.CmdLogout:
		return t.logout(ag.session)
	case cti.CmdAnswer:
		return t.answer(ag, cmd.Call, at)
	case cti.CmdHangup:
		return t.hangup(ag, cmd.Call)
	case cti.CmdHold:
		return t.hold(ag, cmd.Call)
	case cti.CmdResume:
		return t.resume(ag, cmd.Call)
	case cti.CmdTransfer:
		if cmd.Queue != 0 {
			return t.transferToQueue(ag, cmd.Call, cmd.Queue)
		}
		return t.transfer(ag, cmd.Call, cmd.Target)
	case cti.CmdConference:
		return t.conference(ag, cmd.Call, cmd.Target)
	case cti.CmdDial:
		if ag.watch != nil {
			return fmt.Errorf("%w: stop listening in first", ErrNotAllowed)
		}
		return t.dial(ag, cmd.Number)
	case cti.CmdMute, cti.CmdUnmute:
		return t.mute(ag, cmd.Call, cmd.Cmd == cti.CmdMute)
	case cti.CmdDTMF:
		return t.dtmf(ag, cmd.Call, cmd.Digits)
	case cti.CmdStartRecording:
		return t.startRecordingCmd(ag, cmd.Call)
	case cti.CmdPauseRecording, cti.CmdResumeRecording:
		return t.pauseRecording(ag, cmd.Call, cmd.Cmd == cti.CmdPauseRecording)
	case cti.CmdCallback:
		return t.callBack(ag, cmd.Call)
	case cti.CmdMonitor, cti.CmdWhisper, cti.CmdBarge:
		return t.watchCall(ag, cmd.Agent, cmd.Cmd)
	case cti.CmdStopWatch:
		t.stopWatch(ag, "stopped")
		return nil
	case cti.CmdAgentReady, cti.CmdAgentNotReady, cti.CmdAgentLogout:
		return t.changeAgentState(ag, cmd)
	// the agent's desk: consultation (consult.go), the directory
	// (directory.go), dispositions and ending wrapup (disposition.go)
	case cti.CmdConsult:
		return t.consult(ag, cmd.Call, cmd.Target)
	case cti.CmdConsultComplete:
		return t.consultComplete(ag, cmd.Call)
	case cti.CmdConsultCancel:
		return t.consultCancel(ag, cmd.Call)
	case cti.CmdConsultConference:
		return t.consultConference(ag, cmd.Call)
	case cti.CmdDirectoryOpen:
		t.dir.open(ag)
		return nil
	case cti.CmdDirectoryClose:
		t.dir.close(ag)
		return nil
	case cti.CmdDisposition:
		return t.dispose(ag, cmd.Call, cmd.Code, cmd.Note)
	case cti.CmdEndWrapup:
		return t.endWrapup(ag)
	}
	return fmt.Errorf("%w: unknown command", ErrBadCommand)
}

func (t *tenant) knownReason(r string) bool {
	for _, k := range t.cfg.Reasons {
		if k == r {
			return true
		}
	}
	return false
}

// step moves the agent's state machine and applies what changed.
func (t *tenant) step(ag *agent, in wrapup.Input, reason string) error {
	trs, err := ag.fsm.Step(in, reason, t.now())
	t.applied(ag, trs)
	return err
}

// advance applies the agent's deadlines that have passed.
func (t *tenant) advance(ag *agent) { t.applied(ag, ag.fsm.Advance(t.now())) }

// applied carries out the consequences of state transitions: a withdrawn
// offer when the ring time ran out, the event, routing, the deadline timer,
// and the agent's screen.
func (t *tenant) applied(ag *agent, trs []wrapup.Transition) {
	if len(trs) == 0 {
		return
	}
	ag.stateBy = ag.by
	for _, tr := range trs {
		if tr.RingNoAnswer() && ag.leg != nil && ag.leg.state == legOffered {
			t.missed(ag.call, ag.leg) // the offer was missed, then the agent went Not Ready
		}
		t.changed(ag, tr)
	}
	t.syncRouting(ag)
	t.armTimer(ag)
	t.send(ag, cti.Message{Type: cti.MsgState, State: stateView(ag)})
}

// armTimer schedules a timer message for the machine's next deadline.
func (t *tenant) armTimer(ag *agent) {
	if ag.timer != nil {
		ag.timer.Stop()
		ag.timer = nil
	}
	ag.timerGen++
	deadline, ok := ag.fsm.Deadline()
	if !ok {
		return
	}
	// at least a millisecond, so a clock behind the timers cannot spin the loop
	wait := max(deadline.Sub(t.now()), time.Millisecond)
	id, gen := ag.cfg.ID, ag.timerGen
	ag.timer = time.AfterFunc(wait, func() { t.inbox.post(msgAgentTimer{agent: id, gen: gen}) })
}

// syncRouting makes the router see the agent as available exactly when they
// are Ready with their line up.
func (t *tenant) syncRouting(ag *agent) {
	id := queue.AgentID(ag.cfg.ID)
	if ag.fsm.State() == wrapup.Ready && ag.line.state == lineUp && ag.call == nil && ag.watch == nil {
		t.router.SetReadyWithSkills(id, ag.queues, ag.fsm.Since())
		return
	}
	t.router.SetUnavailable(id)
}

// changed records one transition of ag. It belongs to the agent's current
// call, or to the one that just ended for the wrapup after it.
func (t *tenant) changed(ag *agent, tr wrapup.Transition) {
	ev := event.AgentChanged{Agent: ag.cfg.ID, Username: ag.cfg.Username, Transition: tr, By: ag.by}
	switch {
	case ag.call != nil:
		ev.Call = ag.call.id
		if ag.call.queue != nil {
			ev.Queue = ag.call.queue.ID
		}
	case tr.From == wrapup.Wrapup || tr.To == wrapup.Wrapup || tr.From == wrapup.Talking || tr.From == wrapup.Connecting || tr.From == wrapup.Offered:
		ev.Call, ev.Queue = ag.lastCall, ag.lastQueue
	}
	t.emit(ev)
}

func (t *tenant) send(ag *agent, m cti.Message) {
	if ag.sink != nil {
		ag.sink.Send(m)
	}
}
