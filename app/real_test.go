package app_test

// The same call scenarios as the simulator tests, against a real Asterisk 22.
// They run only when CCAAS_TEST_ARI_URL points at one (README: "Testing
// against a real Asterisk"); otherwise they skip.
//
// What they need there: ARI (CCAAS_TEST_ARI_URL, _USER, _PASSWORD), the
// shipped sorcery.conf (writable memory store for res_pjsip), a UDP transport
// named by CCAAS_TEST_LINE_TRANSPORT (default transport-udp), the dialplan
// context from-pstn sending every number to Stasis(ccaas,inbound,${EXTEN}),
// and SIPp (Debian package sip-tester) on this machine.
//
// Agents' lines: the app pushes each login's endpoint as usual, but on UDP
// with a fixed contact: a SIPp UAS that answers every line call (instead of a
// browser). Customers: real channels through the real dialplan, originated as
// Local/<DID>@from-pstn by a second ARI application that holds their far end.

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

const realDID = "5550001"

type realWorld struct {
	t        *testing.T
	app      *app.App
	ari      *ari.Client // the app's client (app "ccaas")
	cust     *ari.Client // the test's client (app "ccaas-test"): customers' far ends
	ends     *endCauses  // how the customers' far ends were hung up
	agents   map[string]ccaas.Agent
	db       *sqlite.DB
	tenant   ccaas.Tenant
	phone    string // the SIP contact of the SIPp phone that answers every call
	startApp func()
	stopApp  func()
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// freeUDPPort finds a free loopback UDP port for SIPp.
func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// realOpts change a real world's app.
type realOpts struct {
	wrapupSeconds int                  // alice's
	maxCalls      int                  // app.Config.MaxCalls
	lineRetryRate float64              // app.Config.LineRetryRate
	rules         []ccaas.WaitingRules // queue Support's waiting rules, if any
}

// newRealWorld is a tenant whose queue Support (realDID; alice and bob)
// has the waiting rules given, if any.
func newRealWorld(t *testing.T, wrapupSeconds int, rules ...ccaas.WaitingRules) *realWorld {
	return newRealWorldWith(t, realOpts{wrapupSeconds: wrapupSeconds, rules: rules})
}

func newRealWorldWith(t *testing.T, opts realOpts) *realWorld {
	wrapupSeconds, rules := opts.wrapupSeconds, opts.rules
	url := os.Getenv("CCAAS_TEST_ARI_URL")
	if url == "" {
		t.Skip("CCAAS_TEST_ARI_URL is not set: no real Asterisk to test against")
	}
	sipp, err := exec.LookPath(env("CCAAS_TEST_SIPP", "sipp"))
	if err != nil {
		t.Skip("SIPp (Debian package sip-tester) is not installed")
	}
	user, pass := env("CCAAS_TEST_ARI_USER", "ccaas"), env("CCAAS_TEST_ARI_PASSWORD", "ccaas")
	ctx, cancel := context.WithCancel(context.Background())

	// the agents' phones: one SIPp UAS answers every line call
	port := freeUDPPort(t)
	uas := exec.CommandContext(ctx, sipp, "-sn", "uas", "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-nostdin", "-m", "1000")
	uas.Dir = t.TempDir()
	if err := uas.Start(); err != nil {
		t.Fatalf("start SIPp: %v", err)
	}

	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel}))
	cust, _ := ari.New(ari.Config{URL: url, Username: user, Password: pass, Application: "ccaas-test", Logger: quiet})
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "real.db"))
	if err != nil {
		t.Fatal(err)
	}
	ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: testDomain, Name: "Acme"})
	w := &realWorld{t: t, cust: cust, agents: map[string]ccaas.Agent{}, ends: &endCauses{causes: map[string]int{}}, db: db, tenant: ten,
		phone: fmt.Sprintf("sip:line@127.0.0.1:%d", port)}
	var members []ccaas.Member
	for i, name := range []string{"alice", "bob"} {
		hash, _ := bcrypt.GenerateFromPassword([]byte(name+"-pw"), bcrypt.MinCost)
		wrap := 0
		if name == "alice" {
			wrap = wrapupSeconds
		}
		ag, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: name, Name: name, Extension: fmt.Sprint(1001 + i),
			PasswordHash: string(hash), WrapupSeconds: wrap, Team: "Support"})
		if err != nil {
			t.Fatal(err)
		}
		w.agents[name] = ag
		members = append(members, ccaas.Member{Agent: ag.ID, Skill: 1})
	}
	// carol supervises them (not a queue member)
	hash, _ := bcrypt.GenerateFromPassword([]byte("carol-pw"), bcrypt.MinCost)
	carol, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: "carol", Name: "carol", Extension: "1090",
		PasswordHash: string(hash), Role: ccaas.RoleSupervisor, Team: "Support"})
	if err != nil {
		t.Fatal(err)
	}
	w.agents["carol"] = carol
	if err := db.AssignDIDs(ctx, ten.ID, realDID); err != nil {
		t.Fatal(err)
	}
	support := ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{realDID}, Members: members}
	if len(rules) > 0 {
		support.WaitingRules = rules[0]
	}
	if _, err := db.CreateQueue(ctx, support); err != nil {
		t.Fatal(err)
	}
	// startApp runs one process of the app; restartApp stops it and starts
	// another on the same database, as a restart of ccaas would
	w.startApp = func() {
		appClient, err := ari.New(ari.Config{URL: url, Username: user, Password: pass, Application: "ccaas", Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		a, err := app.New(app.Config{ARI: appClient, Store: db, Logger: quiet, LineRetry: 200 * time.Millisecond,
			LineFields: []ari.ConfigTuple{
				{Attribute: "transport", Value: env("CCAAS_TEST_LINE_TRANSPORT", "transport-udp")},
				{Attribute: "context", Value: "agents"},
				{Attribute: "disallow", Value: "all"},
				{Attribute: "allow", Value: "ulaw"},
				{Attribute: "direct_media", Value: "no"},
			},
			LineAOR:         []ari.ConfigTuple{{Attribute: "contact", Value: w.phone}},
			CheckInvariants: func(err error) { t.Errorf("invariant broken: %v", err) },
			MaxCalls:        opts.maxCalls,
			LineRetryRate:   opts.lineRetryRate,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Load(ctx); err != nil {
			t.Fatal(err)
		}
		appCtx, stop := context.WithCancel(ctx)
		var appWG sync.WaitGroup
		appWG.Add(2)
		go func() { defer appWG.Done(); a.Run(appCtx) }()
		go func() { defer appWG.Done(); appClient.RunEvents(appCtx, a) }()
		w.app, w.ari = a, appClient
		w.stopApp = func() { stop(); appWG.Wait() }
		pollUntil(t, "the app's ARI application connected", appClient.Connected)
	}
	w.startApp()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); cust.RunEvents(ctx, w.ends) }()
	t.Cleanup(func() {
		w.stopApp()
		cancel()
		wg.Wait()
		uas.Wait()
		db.Close()
	})
	pollUntil(t, "the test's ARI application connected", cust.Connected)
	return w
}

// endCauses notes the cause of every ChannelDestroyed the test's
// application gets: how a customer's far end was hung up.
type endCauses struct {
	mu     sync.Mutex
	causes map[string]int
}

func (e *endCauses) Connected()         {}
func (e *endCauses) Disconnected(error) {}
func (e *endCauses) Event(ev ari.Event) {
	if d, ok := ev.(*ari.ChannelDestroyed); ok {
		e.mu.Lock()
		e.causes[d.Channel.ID] = d.Cause
		e.mu.Unlock()
	}
}

func (e *endCauses) of(channel string) (int, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.causes[channel]
	return c, ok
}

func (w *realWorld) login(name string) (*app.Session, *sink) {
	w.t.Helper()
	s, err := w.app.Login(context.Background(), testDomain, name, name+"-pw")
	if err != nil {
		w.t.Fatal(err)
	}
	k := newSink()
	w.app.Attach(context.Background(), s, k)
	if snap := k.next(w.t, "snapshot", func(m cti.Message) bool { return m.Type == cti.MsgSnapshot }); snap.Line.State != "up" {
		k.next(w.t, "line up (SIPp answered it)", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
	}
	w.app.Command(s, cti.Command{Cmd: cti.CmdReady})
	k.state(w.t, "ready")
	return s, k
}

// call makes a customer call the DID through the real dialplan; it returns
// the customer's far end, which the test hangs up to end the call.
func (w *realWorld) call(from string) string {
	w.t.Helper()
	ch, err := w.cust.Originate(context.Background(), ari.OriginateRequest{
		Endpoint: "Local/" + realDID + "@from-pstn", App: "ccaas-test", AppArgs: "customer",
		CallerID: "Customer <" + from + ">", Timeout: 30,
	})
	if err != nil {
		w.t.Fatalf("originate customer: %v", err)
	}
	w.t.Cleanup(func() { w.cust.Hangup(context.Background(), ch.ID, "") })
	return ch.ID
}

// bridged returns how many channels the agent's call bridge holds, as
// Asterisk itself reports it.
func (w *realWorld) bridged(t *testing.T, want int) {
	t.Helper()
	pollUntil(t, fmt.Sprintf("a call bridge with %d channels", want), func() bool {
		bs, err := w.ari.ListBridges(context.Background())
		if err != nil {
			return false
		}
		for _, b := range bs {
			if strings.HasPrefix(b.ID, "cb") && b.BridgeType == ari.BridgeMixing && len(b.Channels) == want {
				return true
			}
		}
		return false
	})
}

func (w *realWorld) answer(s *app.Session, k *sink) ccaas.CallID {
	w.t.Helper()
	offer := k.next(w.t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
	k.call(w.t, "connected")
	return offer.Call.ID
}

func TestRealAsteriskQueueCallHoldTransferConferenceWrapup(t *testing.T) {
	w := newRealWorld(t, 1)
	sa, ka := w.login("alice")

	// inbound queue call, answered: customer and alice's line in one bridge
	far := w.call("+4930111")
	id := w.answer(sa, ka)
	w.bridged(t, 2)

	// hold takes the customer out of the bridge, resume brings them back
	w.app.Command(sa, cti.Command{Cmd: cti.CmdHold, Call: id})
	w.bridged(t, 1)
	w.app.Command(sa, cti.Command{Cmd: cti.CmdResume, Call: id})
	w.bridged(t, 2)

	// conference bob in: three channels; bob leaves again
	sb, kb := w.login("bob")
	w.app.Command(sa, cti.Command{Cmd: cti.CmdConference, Call: id, Target: "1002"})
	kb.next(t, "conference offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
	kb.call(t, "connected")
	w.bridged(t, 3)
	w.app.Command(sb, cti.Command{Cmd: cti.CmdHangup, Call: id})
	kb.call(t, "ended")
	w.bridged(t, 2)
	kb.state(t, "ready")

	// blind transfer to bob: alice goes to wrapup, bob talks to the customer
	w.app.Command(sa, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
	ka.call(t, "ended")
	ka.state(t, "wrapup")
	kb.next(t, "transferred offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
	kb.call(t, "connected")
	w.bridged(t, 2)
	ka.state(t, "ready") // alice's 1 s of wrapup is over

	// the customer hangs up: the call ends for bob, no wrapup after a transferred-in call
	if err := w.cust.Hangup(context.Background(), far, ""); err != nil {
		t.Fatal(err)
	}
	if m := kb.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
		t.Fatalf("end reason %q", m.Call.EndReason)
	}
	kb.state(t, "ready")
}

func TestRealAsteriskAgentHangsUp(t *testing.T) {
	w := newRealWorld(t, 0)
	sa, ka := w.login("alice")
	far := w.call("+4930222")
	id := w.answer(sa, ka)
	w.bridged(t, 2)
	w.app.Command(sa, cti.Command{Cmd: cti.CmdHangup, Call: id})
	ka.call(t, "ended")
	ka.state(t, "ready")
	pollUntil(t, "the customer's far end hung up too", func() bool {
		_, err := w.cust.GetChannel(context.Background(), far)
		return err != nil
	})
}

// TestRealAsteriskRestart restarts Asterisk under the app (the command is in
// CCAAS_TEST_RESTART_CMD, e.g. `asterisk -rx "core restart now"`): the call in
// progress ends, the agents stay logged in, and their lines come back.
func TestRealAsteriskRestart(t *testing.T) {
	restart := os.Getenv("CCAAS_TEST_RESTART_CMD")
	if restart == "" {
		t.Skip("CCAAS_TEST_RESTART_CMD is not set: the test may not restart this Asterisk")
	}
	w := newRealWorld(t, 0)
	sa, ka := w.login("alice")
	w.call("+4930333")
	w.answer(sa, ka)
	w.bridged(t, 2)
	if out, err := exec.Command("sh", "-c", restart).CombinedOutput(); err != nil {
		t.Fatalf("restart: %v\n%s", err, out)
	}
	// whichever Asterisk hangs up first, the customer or the line
	if m := ka.call(t, "ended"); m.Call.EndReason != "caller_hangup" && m.Call.EndReason != "failed" {
		t.Fatalf("end reason %q", m.Call.EndReason)
	}
	ka.state(t, "ready")
	deadline := time.Now().Add(60 * time.Second)
	for {
		m := ka.next(t, "line state", func(m cti.Message) bool { return m.Type == cti.MsgLine })
		if m.Line.State == "up" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the line did not come back after the restart")
		}
	}
	// calls work again (once the test's own application, which holds the
	// customers' far ends, has reconnected too)
	pollUntil(t, "both ARI applications reconnected", func() bool { return w.ari.Connected() && w.cust.Connected() })
	w.call("+4930334")
	w.answer(sa, ka)
	w.bridged(t, 2)
}

// TestRealAsteriskAppRestart restarts the app (not Asterisk) while one caller
// talks and another waits: the new process finds both in Stasis and offers
// them again in their original order once the agent has logged in again.
func TestRealAsteriskAppRestart(t *testing.T) {
	w := newRealWorld(t, 0)
	sa, ka := w.login("alice")
	w.call("+4930441")
	w.answer(sa, ka)
	w.bridged(t, 2)
	w.call("+4930442") // waits: alice is talking
	time.Sleep(200 * time.Millisecond)
	w.stopApp()
	w.startApp()
	s2, k2 := w.login("alice")
	for _, want := range []string{"+4930441", "+4930442"} {
		m := k2.next(t, "offer "+want, func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if m.Call.Caller.Number != want {
			t.Fatalf("offered %q, want %q", m.Call.Caller.Number, want)
		}
		w.app.Command(s2, cti.Command{Cmd: cti.CmdAnswer, Call: m.Call.ID})
		k2.call(t, "connected")
		w.bridged(t, 2)
		w.app.Command(s2, cti.Command{Cmd: cti.CmdHangup, Call: m.Call.ID})
		k2.state(t, "ready")
	}
}

// TestRealAsteriskSupervision: carol monitors, whispers to and barges in on
// alice's call on a real Asterisk: the snoop channel on alice's line and
// carol's line share a monitor bridge; barge puts carol's line in the call's
// bridge; switching keeps carol's line; the call's end sends it home.
func TestRealAsteriskSupervision(t *testing.T) {
	w := newRealWorld(t, 0)
	sa, ka := w.login("alice")
	sc, kc := w.login("carol")
	w.app.Command(sc, cti.Command{Cmd: cti.CmdNotReady})
	kc.state(t, "not_ready")
	alice := w.agents["alice"].ID
	far := w.call("+4930333")
	w.answer(sa, ka)
	w.bridged(t, 2)

	monitorBridge := func(want int) {
		t.Helper()
		pollUntil(t, fmt.Sprintf("a monitor bridge with %d channels, one a snoop", want), func() bool {
			bs, _ := w.ari.ListBridges(context.Background())
			for _, b := range bs {
				if strings.HasPrefix(b.ID, "mb") && len(b.Channels) == want {
					for _, id := range b.Channels {
						if ch, err := w.ari.GetChannel(context.Background(), id); err == nil && strings.HasPrefix(ch.Name, "Snoop/") {
							return true
						}
					}
				}
			}
			return false
		})
	}
	for _, mode := range []string{cti.CmdMonitor, cti.CmdWhisper} {
		w.app.Command(sc, cti.Command{Cmd: mode, Agent: alice})
		kc.next(t, mode+" active", watchIs(mode, "active"))
		monitorBridge(2)
		w.bridged(t, 2)
	}
	w.app.Command(sc, cti.Command{Cmd: cti.CmdBarge, Agent: alice})
	kc.next(t, "barge active", watchIs(cti.CmdBarge, "active"))
	w.bridged(t, 3)
	w.app.Command(sc, cti.Command{Cmd: cti.CmdMonitor, Agent: alice})
	kc.next(t, "monitor again", watchIs(cti.CmdMonitor, "active"))
	monitorBridge(2)
	w.bridged(t, 2)

	if err := w.cust.Hangup(context.Background(), far, ""); err != nil {
		t.Fatal(err)
	}
	kc.next(t, "watch ended", watchIs(cti.CmdMonitor, "ended"))
	pollUntil(t, "no snoop channels and no monitor bridges left", func() bool {
		chs, err1 := w.ari.ListChannels(context.Background())
		bs, err2 := w.ari.ListBridges(context.Background())
		if err1 != nil || err2 != nil {
			return false
		}
		for _, ch := range chs {
			if strings.HasPrefix(ch.Name, "Snoop/") {
				return false
			}
		}
		for _, b := range bs {
			if strings.HasPrefix(b.ID, "mb") {
				return false
			}
		}
		return true
	})
}

// TestRealAsteriskRefusesBeyondTheLimit: with room for one call, a second
// caller gets busy from the real dialplan's Stasis (the far end of the
// Local channel ends with cause 17) while the first keeps waiting in Stasis.
func TestRealAsteriskRefusesBeyondTheLimit(t *testing.T) {
	w := newRealWorldWith(t, realOpts{maxCalls: 1})
	sa, ka := w.login("alice")
	w.app.Command(sa, cti.Command{Cmd: cti.CmdNotReady})
	ka.state(t, "not_ready")
	first := w.call("+4930551")
	waitCalls := func(what string, want int) {
		t.Helper()
		pollUntil(t, what, func() bool {
			stats, err := w.app.Stats(context.Background())
			return err == nil && len(stats) == 1 && len(stats[0].Queues) == 1 && stats[0].Queues[0].Waiting == want
		})
	}
	waitCalls("the first caller waiting", 1)
	second := w.call("+4930552")
	pollUntil(t, "the second caller's far end hung up with busy (17)", func() bool {
		cause, ok := w.ends.of(second)
		return ok && cause == 17
	})
	if _, err := w.cust.GetChannel(context.Background(), first); err != nil {
		t.Fatalf("the first caller is gone: %v", err)
	}
	waitCalls("the first caller still waiting", 1)
	if stats, _ := w.app.Stats(context.Background()); stats[0].Refused["node"] != 1 {
		t.Fatalf("refused %v, want node 1", stats[0].Refused)
	}
	w.app.Command(sa, cti.Command{Cmd: cti.CmdReady})
	w.answer(sa, ka)
	w.bridged(t, 2)
}

// TestRealAsteriskLostLinesComeBackAtABoundedRate: Asterisk drops the
// lines of alice, bob and carol at once; the app brings them back one per
// second (LineRetryRate 1), each after its backoff, and they stay logged in.
func TestRealAsteriskLostLinesComeBackAtABoundedRate(t *testing.T) {
	w := newRealWorldWith(t, realOpts{lineRetryRate: 1})
	var sinks []*sink
	for _, name := range []string{"alice", "bob", "carol"} {
		_, k := w.login(name)
		sinks = append(sinks, k)
	}
	chans, err := w.ari.ListChannels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dropped := time.Now()
	for _, ch := range chans {
		if strings.HasPrefix(ch.ID, "ln") {
			w.ari.Hangup(context.Background(), ch.ID, "")
		}
	}
	var back []time.Duration
	for _, k := range sinks {
		k.next(t, "line down", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "down" })
		k.next(t, "line up again", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		back = append(back, time.Since(dropped))
	}
	slices.Sort(back)
	// one at once (the burst), the next a second later, the last two
	if back[2] < 1800*time.Millisecond || back[1] < 800*time.Millisecond {
		t.Fatalf("lines back after %v: faster than one per second", back)
	}
	if back[2] > 10*time.Second {
		t.Fatalf("lines back after %v: too slow", back)
	}
}

// TestRealAsteriskTrunkIsNotMatchedByName: an outsider sends an INVITE with
// From: <sip:pstn@…>, the shipped trunk's name, from an address that is no
// trunk's and without credentials. pjsip.conf matches the trunk by address
// only (identify_by = ip), so Asterisk refuses it and no call reaches Stasis.
func TestRealAsteriskTrunkIsNotMatchedByName(t *testing.T) {
	url := os.Getenv("CCAAS_TEST_ARI_URL")
	if url == "" {
		t.Skip("CCAAS_TEST_ARI_URL is not set: no real Asterisk to test against")
	}
	sipp, err := exec.LookPath(env("CCAAS_TEST_SIPP", "sipp"))
	if err != nil {
		t.Fatal("SIPp (Debian package sip-tester) is not installed")
	}
	// listen as the application the dialplan hands inbound calls to
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: testLogLevel}))
	client, err := ari.New(ari.Config{URL: url, Username: env("CCAAS_TEST_ARI_USER", "ccaas"),
		Password: env("CCAAS_TEST_ARI_PASSWORD", "ccaas"), Application: "ccaas", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	starts := make(chan string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); client.RunEvents(ctx, stasisStarts(starts)) }()
	defer func() { cancel(); wg.Wait() }()
	pollUntil(t, "the ARI application connected", client.Connected)

	scenario, _ := filepath.Abs("testdata/sipp/trunk-impostor.xml")
	cmd := exec.Command(sipp, "-sf", scenario, "-s", realDID, "-i", "127.0.0.1", "-p", fmt.Sprint(freeUDPPort(t)),
		"-m", "1", "-timeout", "10s", "-timeout_error", "-nostdin", env("CCAAS_TEST_SIP_ADDR", "127.0.0.1:5060"))
	cmd.Dir = t.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Asterisk did not refuse the INVITE with 401 or 403 (SIPp: %v)\n%s", err, out)
	}
	select {
	case ch := <-starts:
		t.Fatalf("the impostor's call reached Stasis: channel %s", ch)
	case <-time.After(time.Second):
	}
}

// stasisStarts reports the channel of every StasisStart.
type stasisStarts chan string

func (stasisStarts) Connected()         {}
func (stasisStarts) Disconnected(error) {}
func (s stasisStarts) Event(ev ari.Event) {
	if e, ok := ev.(*ari.StasisStart); ok {
		s <- e.Channel.Name
	}
}
