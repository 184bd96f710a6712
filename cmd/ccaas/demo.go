package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
	cchttp "github.com/ccaas/ccaas/http"
	"github.com/ccaas/ccaas/sqlite"
)

// The demo tenant that `ccaas demo` seeds (once; an existing one is kept).
const (
	demoDomain = "demo.local"
	demoDID    = "5550001"
)

// demoTeam is the demo agents' team, which the demo supervisor leads.
const demoTeam = "Support"

var demoAgents = []struct {
	username, password, name, extension string
	wrapupSeconds                       int
}{
	{"alice", "alice-demo", "Alice Anders", "1001", 10},
	{"bob", "bob-demo", "Bob Berger", "1002", 0},
}

// demoSupervisor leads the demo team: the team view, monitoring and state
// changes. Not a queue member, so calls go to the agents.
var demoSupervisor = struct{ username, password, name, extension string }{"carol", "carol-demo", "Carol Chen", "1050"}

// runDemo starts the Asterisk simulator on a loopback port, seeds the demo
// tenant, and runs the very same app and web server as `serve` against it.
func runDemo(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	if err := seedDemo(ctx, cfg.DB); err != nil {
		return err
	}
	cfg.ARIUser, cfg.ARIPassword, cfg.ARIApp = "ccaas", "demo-"+fmt.Sprint(rand.Uint64()), "ccaas"
	if cfg.QueueLog == "" {
		cfg.QueueLog = demoQueueLog(cfg.DB)
	}
	sim := asterisksim.New(asterisksim.Config{
		Username:         cfg.ARIUser,
		Password:         cfg.ARIPassword,
		AutoAnswerPushed: true, // the simulated browser phones answer their lines
		// like ari.conf channelvars: attached data rides on the channel snapshots
		ChannelVars: []string{"CCAAS_FirstName", "CCAAS_Account", "CCAAS_Note"},
		Logger:      log.With("component", "asterisksim"),
	})
	defer sim.Close()
	simLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("simulator listener: %w", err)
	}
	simSrv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go simSrv.Serve(simLn)
	defer simSrv.Close()
	metrics := cchttp.NewMetrics()
	client, err := ari.New(ari.Config{
		URL: "http://" + simLn.Addr().String() + "/ari", Username: cfg.ARIUser, Password: cfg.ARIPassword,
		Application: cfg.ARIApp, Logger: log, Observe: metrics.ObserveARI,
	})
	if err != nil {
		return err
	}
	world := &demoWorld{sim: sim, log: log}
	return serve(ctx, cfg, log, client, metrics, world, func(a *app.App, url string) {
		world.app = a
		// The banner is built first and written at once: a reader that sees
		// its first line (a test waiting for the URL) sees all of it.
		var b strings.Builder
		fmt.Fprintf(&b, "\nccaas demo is running: open %s\n\n", url)
		fmt.Fprintf(&b, "  domain   %s\n", demoDomain)
		for _, ag := range demoAgents {
			fmt.Fprintf(&b, "  agent    %-6s password %-11s extension %s  wrapup %ds\n", ag.username, ag.password, ag.extension, ag.wrapupSeconds)
		}
		fmt.Fprintf(&b, "  supervisor %s password %s extension %s  (team %s, on the same page)\n",
			demoSupervisor.username, demoSupervisor.password, demoSupervisor.extension, demoTeam)
		fmt.Fprintf(&b, "  queue    Support, DID %s (wrapup codes: %s)\n", demoDID, strings.Join(demoCodes, ", "))
		fmt.Fprintf(&b, "  queue    %s, no number: calls reach it by transfer (bob)\n", demoBilling)
		fmt.Fprintf(&b, "\n  admin pages     %sadmin     user %s, password %s, domain %s\n", url, demoAdmin.username, demoAdmin.password, demoDomain)
		fmt.Fprintf(&b, "  operator pages  %soperator  user %s, password %s\n", url, demoOperator.username, demoOperator.password)
		fmt.Fprintf(&b, "  reports         %sadmin/reports  (admin, or the supervisor %s)\n", url, demoSupervisor.username)
		fmt.Fprintf(&b, "  metrics         %smetrics  (Prometheus, from this machine)\n", url)
		fmt.Fprintf(&b, "  database        %s  (delete it to start afresh)\n", cfg.DB)
		fmt.Fprintf(&b, "  queue_log       %s\n", cfg.QueueLog)
		if cfg.CallersEvery > 0 {
			fmt.Fprintf(&b, "\nA simulated customer calls about every %s; the page's demo panel places more.\n\n", cfg.CallersEvery)
		} else {
			fmt.Fprint(&b, "\nSimulated callers are off; the page's demo panel places calls.\n\n")
		}
		io.WriteString(stdout, b.String())
		if cfg.CallersEvery > 0 {
			go world.trickle(ctx, cfg.CallersEvery)
		}
	})
}

// seedDemo creates the demo tenant, its agents and its queue if missing.
func seedDemo(ctx context.Context, path string) error {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.TenantByDomain(ctx, demoDomain); err == nil {
		return nil
	} else if !errors.Is(err, ccaas.ErrNotFound) {
		return err
	}
	t, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: demoDomain, Name: "Demo Company"})
	if err != nil {
		return err
	}
	var members []ccaas.Member
	for _, a := range demoAgents {
		hash, err := bcrypt.GenerateFromPassword([]byte(a.password), hashCost)
		if err != nil {
			return err
		}
		ag, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t.ID, Username: a.username, Name: a.name, Extension: a.extension,
			PasswordHash: string(hash), WrapupSeconds: a.wrapupSeconds, Team: demoTeam})
		if err != nil {
			return err
		}
		members = append(members, ccaas.Member{Agent: ag.ID, Skill: 1})
	}
	if err := db.AssignDIDs(ctx, t.ID, demoDID); err != nil { // the operator's part
		return err
	}
	// callers hear their estimated wait, are offered a callback when it is
	// over two minutes, and may leave a message (2); every call is recorded
	if _, err = db.CreateQueue(ctx, ccaas.Queue{TenantID: t.ID, Name: "Support", RingSeconds: 20, MOHClass: "default", Record: ccaas.RecordAlways, DIDs: []string{demoDID}, Members: members,
		WrapupCodes: demoCodes,
		WaitingRules: ccaas.WaitingRules{ClosedAction: ccaas.OverflowHangup, AnnounceEstimate: true, CallbackAboveSeconds: 120,
			CallbackAttempts: ccaas.DefaultCallbackAttempts, CallbackRetrySeconds: ccaas.DefaultCallbackRetrySeconds,
			VoicemailKey: true, VoicemailMaxSeconds: ccaas.DefaultVoicemailMaxSeconds}}); err != nil {
		return err
	}
	// a second queue, without a number of its own: calls reach it by transfer
	if _, err = db.CreateQueue(ctx, ccaas.Queue{TenantID: t.ID, Name: demoBilling, RingSeconds: 20, MOHClass: "default", Members: members[1:],
		WaitingRules: ccaas.WaitingRules{ClosedAction: ccaas.OverflowHangup, CallbackAttempts: ccaas.DefaultCallbackAttempts,
			CallbackRetrySeconds: ccaas.DefaultCallbackRetrySeconds, VoicemailMaxSeconds: ccaas.DefaultVoicemailMaxSeconds}}); err != nil {
		return err
	}
	// the simulator's trunk endpoint takes outbound calls
	if err := db.SetSettings(ctx, t.ID, ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", CallerID: `"Demo Company" <5550000>`, EndWrapupEarly: true}); err != nil {
		return err
	}
	for _, v := range demoVariables {
		if err := db.AddCallVariable(ctx, t.ID, v); err != nil {
			return err
		}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(demoSupervisor.password), hashCost)
	if err != nil {
		return err
	}
	if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t.ID, Username: demoSupervisor.username, Name: demoSupervisor.name,
		Extension: demoSupervisor.extension, PasswordHash: string(hash), Role: ccaas.RoleSupervisor, Team: demoTeam}); err != nil {
		return err
	}
	// someone to try the admin and operator pages with
	hash, err = bcrypt.GenerateFromPassword([]byte(demoAdmin.password), hashCost)
	if err != nil {
		return err
	}
	if _, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: t.ID, Username: demoAdmin.username, Name: "Demo Admin", Extension: "1099",
		PasswordHash: string(hash), Role: ccaas.RoleAdmin}); err != nil {
		return err
	}
	hash, err = bcrypt.GenerateFromPassword([]byte(demoOperator.password), hashCost)
	if err != nil {
		return err
	}
	_, err = db.CreateOperator(ctx, ccaas.Operator{Username: demoOperator.username, PasswordHash: string(hash)})
	return err
}

var (
	demoAdmin    = struct{ username, password string }{"admin", "admin-demo"}
	demoOperator = struct{ username, password string }{"operator", "operator-demo"}
)

// demoCodes are the wrapup codes of the demo's Support queue.
var demoCodes = []string{"Question answered", "Sale", "Complaint", "Wrong number"}

// demoBilling is the demo's second queue (bob's), which calls reach by
// transfer.
const demoBilling = "Billing"

// demoVariables is the demo's attached data: what a simulated IVR asked.
var demoVariables = []ccaas.CallVariable{
	{Key: "Customer name", Variable: "CCAAS_FirstName"},
	{Key: "Account number", Variable: "CCAAS_Account"},
	{Key: "Reason for calling (IVR menu)", Variable: "CCAAS_Note"},
}

var (
	demoNames   = []string{"José Müller", "Aiko Tanaka", "Priya Nair", "Tom O'Brien", "<b>Not bold</b> Smith"}
	demoReasons = []string{"Billing question", "Password reset", "Delivery <late> & \"lost\"", "Cancel contract"}
)

// demoWorld is the simulated outside world: customers who call the DID,
// wait, talk for a while and hang up.
type demoWorld struct {
	sim *asterisksim.Sim
	app *app.App
	log *slog.Logger
}

func randomCaller() string { return fmt.Sprintf("+4930%07d", rand.IntN(10_000_000)) }

// PlaceCall implements cchttp.Demo.
func (w *demoWorld) PlaceCall(did, from, keys string) (string, error) {
	if did == "" {
		did = demoDID
	}
	if from == "" {
		from = randomCaller()
	}
	ch, err := w.sim.PlaceCall(asterisksim.CallSpec{From: from, Name: "Demo caller", DID: did, Vars: map[string]string{
		"CCAAS_FirstName": demoNames[rand.IntN(len(demoNames))],
		"CCAAS_Account":   fmt.Sprintf("ACC-%06d", rand.IntN(1_000_000)),
		"CCAAS_Note":      demoReasons[rand.IntN(len(demoReasons))],
	}})
	if err == nil && keys != "" {
		go w.press(ch, keys)
	}
	return ch, err
}

// keyGap is the time between the keys a simulated caller presses: the
// prompts they answer have played by then (the simulator's are short).
const keyGap = 2 * time.Second

// press has a simulated caller press keys, one every keyGap, while their
// call lasts.
func (w *demoWorld) press(ch, keys string) {
	for _, k := range keys {
		time.Sleep(keyGap)
		if _, ok := w.sim.Channel(ch); !ok {
			return
		}
		if err := w.sim.SendDTMF(ch, string(k)); err != nil {
			w.log.Warn("demo caller could not press a key", "key", string(k), "err", err)
			return
		}
	}
}

// HangupCustomer implements cchttp.Demo.
func (w *demoWorld) HangupCustomer(ctx context.Context, s *app.Session) error {
	if w.app == nil {
		return app.ErrNoSuchCall
	}
	ch, err := w.app.CustomerChannel(ctx, s)
	if err != nil {
		return err
	}
	return w.sim.Hangup(ch)
}

// demoKeysNowAndThen is what a trickling caller presses: now and then they
// ask for a callback (1, then 1 to confirm their number, where one is
// offered) or leave a message (2, then # after a few seconds of talking).
func demoKeysNowAndThen() string {
	switch rand.IntN(10) {
	case 0:
		return "11"
	case 1:
		return "2" + "0000" + "#" // the zeros: a few seconds of message
	}
	return ""
}

// trickle places a simulated caller about every mean interval.
func (w *demoWorld) trickle(ctx context.Context, mean time.Duration) {
	for {
		wait := mean/2 + rand.N(mean)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		ch, err := w.PlaceCall("", "", demoKeysNowAndThen())
		if err != nil {
			w.log.Warn("demo caller could not call", "err", err)
			continue
		}
		go w.caller(ctx, ch)
	}
}

// caller plays one customer: talks 15-45 s once connected to an agent, or
// gives up after 3 minutes of waiting.
func (w *demoWorld) caller(ctx context.Context, ch string) {
	talk := 15*time.Second + rand.N(30*time.Second)
	giveUp := time.Now().Add(3 * time.Minute)
	var connectedAt time.Time
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, ok := w.sim.Channel(ch); !ok {
			return // the agent hung up
		}
		bridged := w.sim.BridgeOf(ch) != ""
		switch {
		case bridged && connectedAt.IsZero():
			connectedAt = time.Now()
		case !bridged:
			connectedAt = time.Time{}
		}
		if (!connectedAt.IsZero() && time.Since(connectedAt) > talk) || (connectedAt.IsZero() && time.Now().After(giveUp)) {
			w.sim.Hangup(ch)
			return
		}
	}
}
