package app_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

// These tests make one ARI request of a call flow fail (500, 404) or go
// unanswered (the app's RequestTimeout runs out), and check that the call
// ends up safe: the customer hears an agent, music or a message, or is hung
// up; the agents' states match their calls; nothing leaks in Asterisk.

// failTimeout is the app's RequestTimeout in these tests: far above a
// simulated request (about a millisecond), far below waitFor.
const failTimeout = 400 * time.Millisecond

// faultMode is how the one chosen request fails.
type faultMode struct {
	name   string
	status int
	delay  time.Duration
}

var faultModes = []faultMode{
	{name: "500", status: http.StatusInternalServerError},
	{name: "404", status: http.StatusNotFound},
	// held until the app gives up, then dropped: Asterisk never did it
	{name: "timeout", status: http.StatusGatewayTimeout, delay: time.Hour},
	// carried out after the app gave up: a slow Asterisk (failCase.late)
	{name: "late", delay: 2 * failTimeout},
}

// silent reports whether a customer is left in silence: their channel is up
// in Stasis, and they are in no bridge with an agent's line, hear no music on
// hold, hear no playback, and are not being hung up. The simulator, like
// Asterisk, ends a channel the moment it is asked to, so a channel being hung
// up is gone; the app hangs a caller up right after their goodbye ends (a
// playback, so not silent). A flow may pass through silence for a request or
// two; tests therefore wait until a customer is not silent, after the
// failure was handled, and then check where they are.
func (w *world) silent(cust string) bool {
	ch, ok := w.sim.Channel(cust)
	if !ok || ch.State != ari.StateUp || !w.sim.InStasis(cust) {
		return false
	}
	if _, on := w.sim.MOH(cust); on || w.sim.Playing(cust) {
		return false
	}
	return !w.withAgent(cust)
}

// withAgent: the customer is in a bridge with an agent's line.
func (w *world) withAgent(cust string) bool {
	b, ok := w.sim.Bridge(w.sim.BridgeOf(cust))
	if !ok {
		return false
	}
	for _, id := range b.Channels {
		if strings.HasPrefix(id, "ln") {
			return true
		}
	}
	return false
}

func (w *world) heard(t *testing.T, cust string) {
	t.Helper()
	waitUntil(t, "the customer is not left in silence", func() bool { return !w.silent(cust) })
}

// onMusic waits until the customer waits with music, out of any bridge.
func (w *world) onMusic(t *testing.T, cust string) {
	t.Helper()
	w.heard(t, cust)
	waitUntil(t, "the customer on music, out of the bridge", func() bool {
		_, on := w.sim.MOH(cust)
		return on && w.sim.BridgeOf(cust) == ""
	})
}

// answerAndTalk: the agent answers the offer, is connected, and talks to
// the caller cust.
func (w *world) answerAndTalk(t *testing.T, s *app.Session, k *sink, offer cti.Message, cust string) {
	t.Helper()
	w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
	k.call(t, "connected")
	w.talking(t, cust)
}

// talking waits until the customer is bridged with an agent and hears no music.
func (w *world) talking(t *testing.T, cust string) {
	t.Helper()
	waitUntil(t, "the customer talking with an agent", func() bool {
		_, on := w.sim.MOH(cust)
		return !on && w.withAgent(cust)
	})
}

func (w *world) linesHome(t *testing.T) {
	t.Helper()
	waitUntil(t, "every line out of any call", func() bool {
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.ID, "ln") && w.sim.BridgeOf(ch.ID) != "" {
				return false
			}
		}
		return true
	})
}

func (w *world) hungUp(t *testing.T, cust string) {
	t.Helper()
	waitUntil(t, "the customer hung up", func() bool { _, ok := w.sim.Channel(cust); return !ok })
}

// goodbyes records the channels that heard the goodbye message.
func (w *world) goodbyes(t *testing.T) func(cust string) bool {
	events, stop := w.sim.Subscribe()
	var mu sync.Mutex
	heard := map[string]bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if e, ok := ev.(*ari.PlaybackStarted); ok && e.Playback.MediaURI == mediaGoodbye {
				mu.Lock()
				heard[strings.TrimPrefix(e.Playback.TargetURI, "channel:")] = true
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { stop(); <-done })
	return func(cust string) bool {
		mu.Lock()
		defer mu.Unlock()
		return heard[cust]
	}
}

// saidGoodbye waits until the customer heard goodbye and was hung up.
func (w *world) saidGoodbye(t *testing.T, heard func(string) bool, cust string) {
	t.Helper()
	w.heard(t, cust)
	w.hungUp(t, cust)
	if !heard(cust) {
		t.Fatal("the customer was hung up without a goodbye")
	}
}

func (w *world) place(t *testing.T, from string) string {
	t.Helper()
	cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: from, DID: testDID})
	if err != nil {
		t.Fatal(err)
	}
	return cust
}

func offerIn(t *testing.T, k *sink) cti.Message {
	t.Helper()
	return k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
}

// withdrawn: the agent was offered the call of from, which then ended
// without them (the caller could not be served).
func withdrawn(t *testing.T, k *sink, from string) {
	t.Helper()
	if m := offerIn(t, k); m.Call.Caller.Number != from {
		t.Fatalf("offered the call of %q, want %q", m.Call.Caller.Number, from)
	}
	k.call(t, "ended")
	k.state(t, "ready")
}

func endedWith(t *testing.T, k *sink, reason string) {
	t.Helper()
	if m := k.call(t, "ended"); m.Call.EndReason != reason {
		t.Fatalf("call ended %q, want %q", m.Call.EndReason, reason)
	}
}

func noticeOf(t *testing.T, k *sink, kind string) {
	t.Helper()
	if m := k.find(t, "notice "+kind, func(m cti.Message) bool { return m.Type == cti.MsgNotice }); m.Notice.Kind != kind {
		t.Fatalf("notice %+v, want %s", m.Notice, kind)
	}
}

// serves proves the call center works after a failure: a new caller is the
// next offer the (Ready) agent gets, is connected, and hangs up.
func (w *world) serves(t *testing.T, s *app.Session, k *sink, from string) {
	t.Helper()
	cust := w.place(t, from)
	offer := offerIn(t, k)
	if offer.Call.Caller.Number != from {
		t.Fatalf("offered the call of %q, want the new caller %q", offer.Call.Caller.Number, from)
	}
	w.answerAndTalk(t, s, k, offer, cust)
	w.sim.Hangup(cust)
	endedWith(t, k, "caller_hangup")
}

// noLeaks waits until Asterisk holds only the agents' lines, each waiting in
// Stasis in no bridge: the flows end with every caller hung up.
func (w *world) noLeaks(t *testing.T) {
	t.Helper()
	var left []string
	defer func() {
		if t.Failed() {
			t.Logf("left in Asterisk: %v", left)
		}
	}()
	waitUntil(t, "only agent lines left, in no bridge", func() bool {
		left = left[:0]
		for _, ch := range w.sim.Channels() {
			if !strings.HasPrefix(ch.ID, "ln") || w.sim.BridgeOf(ch.ID) != "" {
				left = append(left, "channel "+ch.ID+" in "+w.sim.BridgeOf(ch.ID))
			}
		}
		for _, b := range w.sim.Bridges() {
			left = append(left, "bridge "+b.ID)
		}
		return len(left) == 0
	})
}

// queueWith makes the Support queue with alice and bob and the given tweaks.
func queueWith(tweak func(q *ccaas.Queue)) func(context.Context, *sqlite.DB, ccaas.Tenant, map[string]ccaas.Agent) error {
	return func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
		q := ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, MOHClass: "default", DIDs: []string{testDID},
			Members: []ccaas.Member{member(ag["alice"], 1), member(ag["bob"], 1)}}
		tweak(&q)
		_, err := db.CreateQueue(ctx, q)
		return err
	}
}

// failCase is one ARI step of a flow that is made to fail.
type failCase struct {
	name         string
	method, path string // the request that fails (asterisksim.Fault)
	skip         int    // matching requests let through first
	no404        bool   // a 404 means nothing for this request (a create, an unset variable …)
	// late: also run with the request carried out after the app gave up.
	// For creates and originates, whose late effect would stay behind; a
	// late move can undo a fallback until the flow's next step (ARI cannot
	// cancel a request), so moves are not run late.
	late bool
	opts worldOpts
	// run drives the flow, calls arm right before the step, and checks the
	// outcome.
	run func(t *testing.T, w *world, arm func() *asterisksim.Injected)
}

func runFailCases(t *testing.T, cases []failCase) {
	for _, tc := range cases {
		for _, mode := range faultModes {
			if (mode.status == http.StatusNotFound && tc.no404) || (mode.status == 0 && !tc.late) {
				continue
			}
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				t.Parallel() // each has its own world, in its own bubble
				synctest.Test(t, func(t *testing.T) {
					opts := tc.opts
					opts.requestTimeout = failTimeout
					w := newWorld(t, opts)
					var armed *asterisksim.Injected
					arm := func() *asterisksim.Injected {
						armed = w.sim.Inject(asterisksim.Fault{Method: tc.method, Path: tc.path, Skip: tc.skip, Status: mode.status, Delay: mode.delay})
						return armed
					}
					tc.run(t, w, arm)
					if armed == nil || armed.Hits() != 1 {
						t.Fatal("the fault never hit: the test did not reach the step")
					}
					// a late request has had its effect before leaks are counted
					waitUntil(t, "the failed request answered", func() bool { return armed.Held() == 0 })
					w.noLeaks(t)
				})
			})
		}
	}
}

// Steps that give the customer sound: when they fail, the customer still
// hears something, or is hung up politely.
func TestARIFailureCustomerSide(t *testing.T) {
	announce := worldOpts{queues: queueWith(func(q *ccaas.Queue) { q.AnnounceSeconds = 1 })}
	runFailCases(t, []failCase{
		{
			name: "answer the caller", method: "POST", path: "/channels/*/answer",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				s, k := w.login("alice")
				w.ready(s, k)
				arm()
				cust := w.place(t, "100")
				// the caller is offered while Asterisk answers them; one who
				// cannot be answered is hung up, not left ringing, and the
				// offer withdrawn
				withdrawn(t, k, "100")
				w.hungUp(t, cust)
				w.serves(t, s, k, "101")
			},
		},
		{
			name: "music for the arriving caller", method: "POST", path: "/channels/*/moh",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				heard := w.goodbyes(t)
				s, k := w.login("alice")
				w.ready(s, k)
				arm()
				cust := w.place(t, "100")
				// offered at once; without music the caller hears goodbye
				// rather than silence for the ring time
				withdrawn(t, k, "100")
				w.saidGoodbye(t, heard, cust)
				w.serves(t, s, k, "101")
			},
		},
		{
			name: "read a call variable", method: "GET", path: "/channels/*/variable", no404: true,
			opts: worldOpts{variables: []ccaas.CallVariable{{Key: "Account", Variable: "CCAAS_Account"}}},
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				s, k := w.login("alice")
				w.ready(s, k)
				arm()
				cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "100", DID: testDID, Vars: map[string]string{"CCAAS_Account": "ACC-1"}})
				// attached data is not worth the caller: queued, shown empty
				offer := offerIn(t, k)
				if len(offer.Call.Data) != 1 || offer.Call.Data[0].Key != "Account" || offer.Call.Data[0].Value != "" {
					t.Fatalf("data %+v, want Account shown empty", offer.Call.Data)
				}
				w.onMusic(t, cust)
				w.answerAndTalk(t, s, k, offer, cust)
				w.sim.Hangup(cust)
				endedWith(t, k, "caller_hangup")
			},
		},
		{
			name: "announce the position", method: "POST", path: "/channels/*/play", opts: announce,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				s, k := w.login("alice")
				cust := w.place(t, "100")
				w.onMusic(t, cust)
				f := arm()
				// the announcement stopped the music, then failed: the music comes back
				waitUntil(t, "the announcement tried", func() bool { return f.Hits() == 1 })
				w.onMusic(t, cust)
				w.ready(s, k)
				offer := offerIn(t, k)
				w.answerAndTalk(t, s, k, offer, cust)
				w.sim.Hangup(cust)
				endedWith(t, k, "caller_hangup")
			},
		},
		{
			name: "music after the announcement", method: "POST", path: "/channels/*/moh", skip: 1, opts: announce,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				heard := w.goodbyes(t)
				w.login("alice")
				arm() // the caller's first music plays; the one after the announcement fails
				cust := w.place(t, "100")
				w.saidGoodbye(t, heard, cust)
			},
		},
		{
			name: "goodbye at the maximum wait", method: "POST", path: "/channels/*/play",
			opts: worldOpts{queues: queueWith(func(q *ccaas.Queue) { q.MaxWaitSeconds, q.Overflow = 1, ccaas.OverflowHangup })},
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				w.login("alice")
				cust := w.place(t, "100")
				w.onMusic(t, cust)
				arm()
				// no goodbye to play: hung up at once, not after the grace
				w.hungUp(t, cust)
			},
		},
		{
			name: "hold: leave the bridge", method: "POST", path: "/bridges/*/removeChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { holdFails(t, w, arm) },
		},
		{
			name: "hold: music", method: "POST", path: "/channels/*/moh",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { holdFails(t, w, arm) },
		},
		{
			// a 404 to stopping music means the channel is gone: done
			name: "resume: stop the music", method: "DELETE", path: "/channels/*/moh", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { resumeFails(t, w, arm) },
		},
		{
			name: "resume: rejoin the bridge", method: "POST", path: "/bridges/*/addChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { resumeFails(t, w, arm) },
		},
		{
			name: "transfer: leave the bridge", method: "POST", path: "/bridges/*/removeChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { transferWaitFails(t, w, arm) },
		},
		{
			name: "transfer: music", method: "POST", path: "/channels/*/moh",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { transferWaitFails(t, w, arm) },
		},
	})
}

// holdFails: the customer is brought back to the agent, who is told.
func holdFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	s, k := w.login("alice")
	w.ready(s, k)
	id, cust := w.talk(s, k, "100")
	arm()
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdHold, Call: id})
	noticeOf(t, k, "hold_failed")
	k.next(t, "call not held", func(m cti.Message) bool { return m.Type == cti.MsgCall && !m.Call.Held })
	w.talking(t, cust)
	// hold works again
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdHold, Call: id})
	w.onMusic(t, cust)
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdResume, Call: id})
	w.talking(t, cust)
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: id})
	endedWith(t, k, "agent_hangup")
	w.hungUp(t, cust)
}

// resumeFails: the customer stays on hold with music; the agent is told and
// may resume again.
func resumeFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	s, k := w.login("alice")
	w.ready(s, k)
	id, cust := w.talk(s, k, "100")
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdHold, Call: id})
	w.onMusic(t, cust)
	arm()
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdResume, Call: id})
	noticeOf(t, k, "resume_failed")
	k.next(t, "call held again", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Held })
	w.onMusic(t, cust)
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdResume, Call: id})
	w.talking(t, cust)
	w.sim.Hangup(cust)
	endedWith(t, k, "caller_hangup")
}

// transferWaitFails: the customer cannot be given music while the target
// rings: the target's offer ends, the customer hears goodbye.
func transferWaitFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	heard := w.goodbyes(t)
	sa, ka := w.login("alice")
	sb, kb := w.login("bob")
	w.ready(sa, ka)
	id, cust := w.talk(sa, ka, "100")
	w.ready(sb, kb)
	arm()
	ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
	endedWith(t, ka, "transferred")
	w.saidGoodbye(t, heard, cust)
	endedWith(t, kb, "failed")
	kb.state(t, "ready")
	w.app.Command(sa, cti.Command{Cmd: cti.CmdNotReady})
	ka.state(t, "not_ready")
	w.serves(t, sb, kb, "101")
}

// Steps on the agents' side: when they fail, the customer goes back to the
// head of the queue with music (or stays with the agent still there), the
// agent is told (their call ends "failed") and is free again, and the call
// can be offered again.
func TestARIFailureAgentSide(t *testing.T) {
	runFailCases(t, []failCase{
		{
			name: "offer: create the call bridge", method: "POST", path: "/bridges", no404: true, late: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				s, k := w.login("alice")
				w.ready(s, k)
				arm() // the bridge is made while the offer rings
				cust := w.place(t, "100")
				offer := offerIn(t, k)
				w.onMusic(t, cust)
				// never into a bridge whose creation failed (a late one is swept)
				w.answerFailsThenConnects(t, s, k, offer, cust)
			},
		},
		{
			name: "answer: stop the caller's music", method: "DELETE", path: "/channels/*/moh", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { answerFails(t, w, arm) },
		},
		{
			name: "answer: add line and caller", method: "POST", path: "/bridges/*/addChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { answerFails(t, w, arm) },
		},
		{
			name: "transfer: the target joins", method: "POST", path: "/bridges/*/addChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				sa, ka := w.login("alice")
				sb, kb := w.login("bob")
				w.ready(sa, ka)
				id, cust := w.talk(sa, ka, "100")
				w.app.Command(sa, cti.Command{Cmd: cti.CmdNotReady}) // after this call
				w.ready(sb, kb)
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
				offerIn(t, kb)
				w.onMusic(t, cust)
				w.linesHome(t) // alice's too: bob's answer is the next move
				arm()
				w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
				endedWith(t, kb, "failed")
				kb.state(t, "ready")
				w.onMusic(t, cust)
				// back at the head of the queue: offered again
				if m := offerIn(t, kb); m.Call.ID != id {
					t.Fatalf("offered %s, want the same call %s", m.Call.ID, id)
				}
				w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
				kb.call(t, "connected")
				w.talking(t, cust)
				w.sim.Hangup(cust)
				endedWith(t, kb, "caller_hangup")
			},
		},
		{
			name: "conference: the invited agent joins", method: "POST", path: "/bridges/*/addChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				sa, ka := w.login("alice")
				sb, kb := w.login("bob")
				w.ready(sa, ka)
				id, cust := w.talk(sa, ka, "100")
				w.ready(sb, kb)
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConference, Call: id, Target: "1002"})
				offerIn(t, kb)
				arm()
				w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
				endedWith(t, kb, "failed")
				kb.state(t, "ready")
				noticeOf(t, ka, "left")
				// alice and the customer go on
				w.talking(t, cust)
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
				endedWith(t, ka, "agent_hangup")
				w.hungUp(t, cust)
			},
		},
		{
			name: "leave a conference: line out of the call", method: "POST", path: "/bridges/*/removeChannel", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				sa, ka := w.login("alice")
				sb, kb := w.login("bob")
				w.ready(sa, ka)
				id, cust := w.talk(sa, ka, "100")
				aliceLine := w.sim.Channels()[0].ID // logged in first
				w.ready(sb, kb)
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConference, Call: id, Target: "1002"})
				offerIn(t, kb)
				ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
				kb.call(t, "connected")
				bridge := w.sim.BridgeOf(cust)
				waitUntil(t, "all three in the bridge", func() bool { b, _ := w.sim.Bridge(bridge); return len(b.Channels) == 3 })
				arm()
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
				endedWith(t, ka, "left")
				// alice's line could not leave the call: it must not stay in
				// it hearing it; it is hung up and comes back
				waitUntil(t, "alice's old line gone", func() bool { _, ok := w.sim.Channel(aliceLine); return !ok })
				ka.next(t, "line up again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
				if b, _ := w.sim.Bridge(bridge); len(b.Channels) != 2 {
					t.Fatalf("call bridge holds %v, want the customer and bob", b.Channels)
				}
				w.talking(t, cust)
				w.sim.Hangup(cust)
				endedWith(t, kb, "caller_hangup")
				w.app.Command(sb, cti.Command{Cmd: cti.CmdNotReady})
				kb.state(t, "not_ready")
				w.serves(t, sa, ka, "101")
			},
		},
		{
			name: "hang up: line out of the call", method: "POST", path: "/bridges/*/removeChannel", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				s, k := w.login("alice")
				w.ready(s, k)
				id, cust := w.talk(s, k, "100")
				arm()
				ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: id})
				endedWith(t, k, "agent_hangup")
				w.hungUp(t, cust)
				k.next(t, "line down", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "down" })
				k.next(t, "line up again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
				w.serves(t, s, k, "101")
			},
		},
		{
			name: "dial: create the call bridge", method: "POST", path: "/bridges", no404: true, late: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { dialFails(t, w, arm) },
		},
		{
			name: "dial: add the agent's line", method: "POST", path: "/bridges/*/addChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { dialFails(t, w, arm) },
		},
		{
			name: "dial: originate the customer", method: "POST", path: "/channels", no404: true, late: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { dialFails(t, w, arm) },
		},
		{
			name: "dial: add the customer", method: "POST", path: "/bridges/*/addChannel", skip: 1,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { dialFails(t, w, arm) },
		},
		{
			name: "line: push the endpoint", method: "PUT", path: "/asterisk/config/dynamic/res_pjsip/endpoint/*", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { lineFails(t, w, arm) },
		},

		{
			name: "line: originate", method: "POST", path: "/channels", no404: true, late: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { lineFails(t, w, arm) },
		},
	})
}

// answerFailsThenConnects: the agent's Answer of offer fails (the fault is
// armed): their call ends "failed", they are Ready again, and the customer,
// back on music, is offered the same call, which connects this time; then
// the customer hangs up.
func (w *world) answerFailsThenConnects(t *testing.T, s *app.Session, k *sink, offer cti.Message, cust string) {
	t.Helper()
	w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
	endedWith(t, k, "failed")
	k.state(t, "ready")
	w.onMusic(t, cust)
	if m := offerIn(t, k); m.Call.ID != offer.Call.ID {
		t.Fatalf("offered %s, want the same call %s", m.Call.ID, offer.Call.ID)
	}
	w.answerAndTalk(t, s, k, offer, cust)
	w.sim.Hangup(cust)
	endedWith(t, k, "caller_hangup")
}

// answerFails: the agent's call ends "failed" and they are Ready again; the
// customer waits with music at the head of the queue (before a caller who
// came later) and is offered again.
func answerFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	s, k := w.login("alice")
	w.ready(s, k)
	cust := w.place(t, "100")
	offer := offerIn(t, k)
	w.onMusic(t, cust)
	later := w.place(t, "101")
	w.onMusic(t, later)
	arm()
	w.answerFailsThenConnects(t, s, k, offer, cust)
	w.sim.Hangup(later)
	w.hungUp(t, later)
}

// dialFails: the agent's outbound call ends "failed", they are Not Ready as
// before, and the number can be dialled again.
func dialFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	s, k := w.login("alice")
	arm()
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "5557777"})
	endedWith(t, k, "failed")
	k.state(t, "not_ready")
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "5557777"})
	k.call(t, "connected")
	var cust string
	waitUntil(t, "the customer talking", func() bool {
		for _, ch := range w.sim.Channels() {
			if !strings.HasPrefix(ch.ID, "ln") && w.withAgent(ch.ID) {
				cust = ch.ID
			}
		}
		return cust != ""
	})
	w.sim.Hangup(cust)
	endedWith(t, k, "caller_hangup")
}

// lineFails: the agent's line comes up after all (a retry), and calls reach
// the agent.
func lineFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	arm()
	s, k := w.login("alice") // waits for the line to be up
	w.ready(s, k)
	w.serves(t, s, k, "100")
}

// TestAnnouncementEndingDuringOffer: an agent is offered the call while the
// caller hears their position; when the announcement ends the caller hears
// music while the agent is rung, not silence.
func TestAnnouncementEndingDuringOffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: queueWith(func(q *ccaas.Queue) { q.AnnounceSeconds = 1 })})
		s, k := w.login("alice")
		cust := w.place(t, "100")
		w.onMusic(t, cust)
		// hold the announcement's request a moment (then serve it) so that the
		// offer comes while it is under way
		f := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels/*/play", Delay: 200 * time.Millisecond})
		waitUntil(t, "the announcement under way", func() bool { return f.Hits() == 1 })
		w.ready(s, k)
		offer := offerIn(t, k)
		waitUntil(t, "the announcement started", func() bool { return f.Held() == 0 })
		w.onMusic(t, cust)
		w.answerAndTalk(t, s, k, offer, cust)
		w.sim.Hangup(cust)
		endedWith(t, k, "caller_hangup")
		w.noLeaks(t)
	})
}

// TestLineWithoutSIPAccountComesBack: the agent's pushed SIP account
// disappears behind the app's back (an old process's clean-up, an operator);
// the line cannot be originated to it, so after a few failures the account
// is pushed again and the line comes up instead of failing for ever.
func TestLineWithoutSIPAccountComesBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		line := w.lineOf()
		endpoint := strings.TrimPrefix(line.Name, "PJSIP/")
		endpoint = endpoint[:strings.LastIndex(endpoint, "-")]
		for _, typ := range []string{"endpoint", "aor", "auth"} {
			if err := w.ari.DeleteConfig(context.Background(), "res_pjsip", typ, endpoint); err != nil {
				t.Fatal(err)
			}
		}
		w.sim.Hangup(line.ID)
		k.next(t, "line down", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "down" })
		k.next(t, "line up again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		if _, err := w.ari.GetConfig(context.Background(), "res_pjsip", "endpoint", endpoint); err != nil {
			t.Fatalf("the account %s was not pushed again: %v", endpoint, err)
		}
		w.ready(s, k)
		w.serves(t, s, k, "100")
		w.noLeaks(t)
	})
}
