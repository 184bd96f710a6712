package app_test

import (
	"context"
	"fmt"
	"log/slog"
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
)

// crowd is n more agents of the tenant (a01 … ), each with the password
// <name>-pw.
func crowd(n int) []ccaas.Agent {
	out := make([]ccaas.Agent, n)
	for i := range out {
		name := fmt.Sprintf("a%02d", i+1)
		out[i] = ccaas.Agent{Username: name, Name: "Agent " + name, Extension: fmt.Sprint(2000 + i)}
	}
	return out
}

// loginAll logs every one of names in at once and returns their sinks; it
// does not wait for their lines.
func (w *world) loginAll(names []string) []*sink {
	w.t.Helper()
	sinks := make([]*sink, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			s, err := w.app.Login(context.Background(), testDomain, name, name+"-pw")
			if err != nil {
				w.t.Errorf("login %s: %v", name, err)
				return
			}
			sinks[i] = newSink()
			w.app.Attach(context.Background(), s, sinks[i])
		})
	}
	wg.Wait()
	return sinks
}

// linesUp counts the agents' line channels that are up, waiting in Stasis.
func (w *world) linesUp() int {
	n := 0
	for _, ch := range w.sim.Channels() {
		if strings.HasPrefix(ch.ID, "ln") && w.sim.InStasis(ch.ID) {
			n++
		}
	}
	return n
}

// TestLostLinesComeBackAtABoundedRate: Asterisk drops every agent's line at
// once (as an overloaded one does); the app brings them back, each after its
// backoff, but never more than LineRetryRate per second of every tenant's, so
// it does not add load where there is none to spare. Every line comes back,
// and the agents stay logged in.
func TestLostLinesComeBackAtABoundedRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const agents, rate = 30, 5.0
		w := newWorld(t, worldOpts{others: crowd(agents), lineRetryRate: rate})
		var names []string
		for _, a := range crowd(agents) {
			names = append(names, a.Username)
		}
		sinks := w.loginAll(names)
		waitUntil(t, "every line up", func() bool { return w.linesUp() == agents })
		originates := w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels", Count: -1})
		dropped := time.Now()
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.ID, "ln") {
				w.sim.Hangup(ch.ID)
			}
		}
		// each second, at most the rate (and its burst, once)
		var seen []int
		for elapsed := time.Second; ; elapsed += time.Second {
			time.Sleep(time.Until(dropped.Add(elapsed)))
			synctest.Wait()
			n := originates.Hits()
			seen = append(seen, n)
			if limit := int(rate*elapsed.Seconds()) + int(rate); n > limit {
				t.Fatalf("%d lines originated again %s after they were lost, want at most %d (rate %v/s): %v", n, elapsed, limit, rate, seen)
			}
			if n >= agents {
				break
			}
			if elapsed > time.Minute {
				t.Fatalf("only %d of %d lines brought back in a minute: %v", n, agents, seen)
			}
		}
		if len(seen) < int(agents/rate)-1 {
			t.Fatalf("all %d lines back within %d s: faster than %v/s (%v)", agents, len(seen), rate, seen)
		}
		waitUntil(t, "every line up again", func() bool { return w.linesUp() == agents })
		for i, k := range sinks {
			if k.isClosed() {
				t.Fatalf("%s was logged out", names[i])
			}
		}
	})
}

// TestLineSetUpsAreBounded: a shift logging in at once sets their lines up
// at most LineWorkers at a time, the requests of each line's set-up at once;
// every line comes up.
func TestLineSetUpsAreBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const agents, workers = 12, 3
		w := newWorld(t, worldOpts{others: crowd(agents), lineWorkers: workers})
		pushes := w.sim.Inject(asterisksim.Fault{Method: "PUT", Path: "/asterisk/config/dynamic/res_pjsip/*/*", Delay: 100 * time.Millisecond, Count: -1})
		var names []string
		for _, a := range crowd(agents) {
			names = append(names, a.Username)
		}
		go w.loginAll(names)
		most := 0
		for start := time.Now(); w.linesUp() < agents; {
			synctest.Wait()
			most = max(most, pushes.Held())
			time.Sleep(10 * time.Millisecond)
			if time.Since(start) > time.Minute {
				t.Fatalf("only %d of %d lines up after a minute", w.linesUp(), agents)
			}
		}
		// 3 objects per line, the lines' pushes all held at the same moment
		if most != 3*workers {
			t.Fatalf("at most %d pushes held at once, want %d (%d lines at a time, their 3 objects at once)", most, 3*workers, workers)
		}
	})
}

// isClosed: the app closed the sink (the session ended).
func (s *sink) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// TestShutdownTearsDownLines: when the app stops, every logged-in agent's
// line, home bridge and SIP account is gone from Asterisk by the time Run
// returns, even on an Asterisk slow to hang up.
func TestShutdownTearsDownLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		sim, srv := servedSim(t, asterisksim.Config{AutoAnswerPushed: true})
		quiet := slog.New(slog.DiscardHandler)
		db := openDB(t, "shutdown.db")
		defer db.Close()
		ten, _ := db.CreateTenant(ctx, ccaas.Tenant{Domain: testDomain, Name: "Acme"})
		var names []string
		for _, a := range crowd(5) {
			a.TenantID, a.PasswordHash = ten.ID, passwordHash(a.Username)
			if _, err := db.CreateAgent(ctx, a); err != nil {
				t.Fatal(err)
			}
			names = append(names, a.Username)
		}
		tr := &http.Transport{DialContext: srv.Listener.DialContext}
		client, _ := ari.New(ari.Config{URL: srv.URL + "/ari", HTTPClient: &http.Client{Transport: tr}, Username: "ccaas", Password: "ccaas", Application: "ccaas", Logger: quiet})
		a, err := app.New(app.Config{ARI: client, Store: db, Logger: quiet, LineWorkers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Load(ctx); err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithCancel(ctx)
		ran := make(chan struct{})
		go func() { defer close(ran); a.Run(runCtx) }()
		go client.RunEvents(runCtx, a)
		waitUntil(t, "connected", client.Connected)
		for _, name := range names {
			s, err := a.Login(ctx, testDomain, name, name+"-pw")
			if err != nil {
				t.Fatal(err)
			}
			k := newSink()
			a.Attach(ctx, s, k)
			k.next(t, "line up", func(m cti.Message) bool { return m.Type == cti.MsgLine && m.Line.State == "up" })
		}
		sim.Inject(asterisksim.Fault{Method: "DELETE", Path: "/channels/*", Delay: 300 * time.Millisecond, Count: -1})
		cancel()
		<-ran
		left := 0
		for _, ch := range sim.Channels() {
			left++
			t.Logf("left: channel %s", ch.ID)
		}
		for _, b := range sim.Bridges() {
			left++
			t.Logf("left: bridge %s", b.ID)
		}
		eps, _ := client.ListEndpoints(ctx)
		for _, ep := range eps {
			if ep.Resource != "pstn" {
				left++
				t.Logf("left: endpoint %s", ep.Resource)
			}
		}
		if left > 0 {
			t.Fatalf("%d things of the agents' lines left in Asterisk after Run returned", left)
		}
		tr.CloseIdleConnections()
	})
}
