package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// supervisedWorld: alice and bob in team Support, carol supervising it, dan
// supervising Sales.
func supervisedWorld(t *testing.T, opts worldOpts) *world {
	opts.team = "Support"
	opts.others = []ccaas.Agent{
		{Username: "carol", Name: "Carol", Extension: "1090", Role: ccaas.RoleSupervisor, Team: "Support"},
		{Username: "dan", Name: "Dan", Extension: "1091", Role: ccaas.RoleSupervisor, Team: "Sales"},
	}
	return newWorld(t, opts)
}

// lineFor returns the line channel of the login whose SIP account this is.
func (w *world) lineFor(snap cti.Message) string {
	w.t.Helper()
	var id string
	waitUntil(w.t, "line of "+snap.Agent.Username, func() bool {
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.ID, "ln") && strings.Contains(ch.Name, snap.Phone.Username) {
				id = ch.ID
				return w.sim.InStasis(ch.ID)
			}
		}
		return false
	})
	return id
}

func (w *world) hears(who string, want ...string) {
	w.t.Helper()
	slices.Sort(want)
	waitUntil(w.t, who+" hears "+strings.Join(want, ", "), func() bool { return slices.Equal(w.sim.Hears(who), want) })
}

func watchIs(mode, state string) func(cti.Message) bool {
	return func(m cti.Message) bool {
		return m.Type == cti.MsgWatch && m.Watch.Mode == mode && m.Watch.State == state
	}
}

func TestMonitorWhisperBargeOnOneCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		sa, ka, snapA := w.loginWith("alice")
		sc, kc, snapC := w.loginWith("carol")
		alice, carol := w.lineFor(snapA), w.lineFor(snapC)
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "+4930111")
		aliceID := w.agent["alice"].ID

		// monitor: carol hears both; nobody hears carol, and alice is not told
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: aliceID})
		v := kc.find(t, "monitor active", watchIs("monitor", "active")).Watch
		if v.Agent != aliceID || v.Call != id || v.Name != "Alice" {
			t.Fatalf("watch = %+v", v)
		}
		w.hears(carol, alice, cust)
		w.hears(alice, cust)
		w.hears(cust, alice)
		var snoop string
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.Name, "Snoop/"+alice) {
				snoop = ch.ID
			}
		}
		if snoop == "" || w.sim.BridgeOf(snoop) != w.sim.BridgeOf(carol) || w.sim.BridgeOf(carol) == w.sim.BridgeOf(cust) {
			t.Fatalf("snoop %q in %q, carol in %q, call in %q", snoop, w.sim.BridgeOf(snoop), w.sim.BridgeOf(carol), w.sim.BridgeOf(cust))
		}

		// whisper: alice hears carol too, the customer still does not
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdWhisper, Agent: aliceID})
		kc.find(t, "whisper active", watchIs("whisper", "active"))
		w.hears(alice, carol, cust)
		w.hears(cust, alice)
		w.hears(carol, alice, cust)
		if n := ka.find(t, "coaching notice", func(m cti.Message) bool { return m.Type == cti.MsgNotice }); n.Notice.Kind != "coaching" || n.Notice.Name != "Carol" {
			t.Fatalf("alice told %+v", n.Notice)
		}
		// the call's view says so for as long as it lasts (a notice is a moment)
		ka.find(t, "call coached by carol", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Coach == "Carol" })

		// barge: all three hear each other; alice's screen shows carol on the call
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdBarge, Agent: aliceID})
		kc.find(t, "barge active", watchIs("barge", "active"))
		w.hears(cust, alice, carol)
		w.hears(alice, carol, cust)
		w.hears(carol, alice, cust)
		ka.find(t, "call no longer coached", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Coach == "" })
		barged := ka.find(t, "barged notice", func(m cti.Message) bool { return m.Type == cti.MsgNotice && m.Notice.Kind == "barged" })
		if barged.Notice.Name != "Carol" {
			t.Fatalf("barge notice %+v", barged.Notice)
		}
		view := ka.find(t, "call with carol", func(m cti.Message) bool {
			return m.Type == cti.MsgCall && len(m.Call.Parties) == 2
		}).Call
		if p := view.Parties[1]; p.Name != "Carol" || p.Role != ccaas.RoleSupervisor || p.State != "connected" {
			t.Fatalf("parties %+v", view.Parties)
		}

		// back to monitor on the same call, the same line
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: aliceID})
		kc.find(t, "monitor again", watchIs("monitor", "active"))
		w.hears(cust, alice)
		w.hears(carol, alice, cust)
		ka.find(t, "carol left", func(m cti.Message) bool {
			return m.Type == cti.MsgNotice && m.Notice.Kind == "left" && m.Notice.Name == "Carol"
		})
		if line := w.lineFor(snapC); line != carol {
			t.Fatalf("carol's line changed from %s to %s", carol, line)
		}

		// the customer hangs up: carol's watch ends and her line leaves the bridges
		w.sim.Hangup(cust)
		if m := kc.find(t, "watch ended", watchIs("monitor", "ended")); m.Watch.Reason != "call_ended" {
			t.Fatalf("watch ended %+v", m.Watch)
		}
		waitUntil(t, "carol's line in no bridge, snoops and monitor bridges gone", func() bool {
			for _, ch := range w.sim.Channels() {
				if strings.HasPrefix(ch.Name, "Snoop/") {
					return false
				}
			}
			for _, b := range w.sim.Bridges() {
				if strings.HasPrefix(b.ID, "mb") {
					return false
				}
			}
			return w.sim.BridgeOf(carol) == "" && w.sim.InStasis(carol)
		})
	})
}

// TestCoachedForAsLongAsTheWhisperLasts: the agent's call says who whispers
// to them from the moment it is heard until it stops, by Stop or by a change
// to monitor.
func TestCoachedForAsLongAsTheWhisperLasts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		sa, ka, _ := w.loginWith("alice")
		sc, kc, _ := w.loginWith("carol")
		w.ready(sa, ka)
		w.talk(sa, ka, "+4930111")
		aliceID := w.agent["alice"].ID
		coached := func(name string) func(cti.Message) bool {
			return func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Coach == name }
		}
		for _, end := range []cti.Command{{Cmd: cti.CmdStopWatch}, {Cmd: cti.CmdMonitor, Agent: aliceID}} {
			ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdWhisper, Agent: aliceID})
			kc.find(t, "whisper active", watchIs("whisper", "active"))
			ka.find(t, "coached by carol", coached("Carol"))
			ok(t, w, sc, kc, end)
			if m := ka.find(t, "no longer coached after "+end.Cmd, coached("")); m.Call.State != "connected" {
				t.Fatalf("call %+v", m.Call)
			}
		}
		// monitoring is silent: alice's call shows nobody
		kc.find(t, "monitor active", watchIs("monitor", "active"))
		synctest.Wait()
		for len(ka.ch) > 0 {
			ka.kept = append(ka.kept, <-ka.ch)
		}
		if slices.ContainsFunc(ka.kept, coached("Carol")) {
			t.Fatal("alice is told of a silent monitor")
		}
	})
}

func TestSupervisionRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		ctx := context.Background()
		// a supervisor of team Support in another tenant
		other, _ := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
		hash, _ := bcrypt.GenerateFromPassword([]byte("eve-pw"), bcrypt.MinCost)
		w.db.CreateAgent(ctx, ccaas.Agent{TenantID: other.ID, Username: "eve", Name: "Eve", Extension: "1090", PasswordHash: string(hash), Role: ccaas.RoleSupervisor, Team: "Support"})
		w.db.SetSettings(ctx, other.ID, ccaas.Settings{Trunk: "pstn"})
		if err := w.app.Reload(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		se, err := w.app.Login(ctx, "other.example", "eve", "eve-pw")
		if err != nil {
			t.Fatal(err)
		}
		ke := newSink()
		w.app.Attach(ctx, se, ke)
		if snap := ke.next(t, "eve's snapshot", func(m cti.Message) bool { return m.Type == cti.MsgSnapshot }); len(snap.Team.Agents) != 0 {
			t.Fatalf("eve sees agents of another tenant: %+v", snap.Team.Agents)
		}

		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		sc, kc := w.login("carol")
		sd, kd := w.login("dan")
		w.ready(sa, ka)
		w.talk(sa, ka, "+4930222")
		alice := w.agent["alice"].ID
		for _, cmd := range []string{cti.CmdMonitor, cti.CmdWhisper, cti.CmdBarge, cti.CmdAgentNotReady, cti.CmdAgentLogout} {
			refused(t, w, sd, kd, cti.Command{Cmd: cmd, Agent: alice}, cti.CodeNotAllowed, "not in your team")
			refused(t, w, se, ke, cti.Command{Cmd: cmd, Agent: alice}, cti.CodeNotAllowed, "not in your team")
			refused(t, w, sb, kb, cti.Command{Cmd: cmd, Agent: alice}, cti.CodeNotAllowed, "Only supervisors may")
			refused(t, w, sc, kc, cti.Command{Cmd: cmd, Agent: 987654}, cti.CodeNotAllowed, "not in your team")
		}
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: w.agent["bob"].ID}, cti.CodeNotAllowed, "not talking")
		w.ready(sc, kc)
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: alice}, cti.CodeNotAllowed, "Not Ready first")
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdNotReady})
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: alice})
		kc.find(t, "monitor active", watchIs("monitor", "active"))
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdReady}, cti.CodeNotAllowed, "Stop listening in first")
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdDial, Number: "5551234"}, cti.CodeNotAllowed, "Stop listening in first")
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdStopWatch})
		kc.find(t, "stopped", func(m cti.Message) bool {
			return m.Type == cti.MsgWatch && m.Watch.State == "ended" && m.Watch.Reason == "stopped"
		})
		w.ready(sc, kc)
	})
}

func TestSupervisorChangesAgentState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sc, kc := w.login("carol")
		alice := w.agent["alice"].ID

		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentReady, Agent: alice})
		if m := ka.state(t, "ready"); m.State.By != "Carol" {
			t.Fatalf("alice's toolbar says by %q", m.State.By)
		}
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentNotReady, Agent: alice, Reason: "lunch"})
		if m := ka.state(t, "not_ready"); m.State.By != "Carol" || m.State.Reason != "lunch" {
			t.Fatalf("alice's state %+v", m.State)
		}
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentNotReady, Agent: alice, Reason: "<b>nap</b>"}, cti.CodeBadCommand, "Unknown Not Ready reason")
		// her own change clears who did it
		w.ready(sa, ka)

		// during a call: Not Ready waits for the call's end, logout is refused
		id, _ := w.talk(sa, ka, "+4930333")
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentNotReady, Agent: alice, Reason: "break"})
		if m := ka.next(t, "pending", func(m cti.Message) bool { return m.Type == cti.MsgState && m.State.Pending == "break" }); m.State.By != "Carol" {
			t.Fatalf("pending by %q", m.State.By)
		}
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentLogout, Agent: alice}, cti.CodeNotAllowed, "on a call")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
		ka.state(t, "not_ready")

		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentLogout, Agent: alice})
		if m := ka.next(t, "bye", func(m cti.Message) bool { return m.Type == cti.MsgBye }); m.Reason != cti.ByeSupervisor || m.By != "Carol" {
			t.Fatalf("bye %+v", m)
		}
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdAgentReady, Agent: alice}, cti.CodeNotAllowed, "not logged in")

		// the state log keeps who did it
		waitUntil(t, "state log by carol", func() bool {
			rows, _ := w.db.StateLog(context.Background(), w.tenant.ID, alice)
			by := 0
			for _, r := range rows {
				if r.By == "Carol" {
					by++
				}
			}
			return by >= 3 // ready, not ready (lunch), logout
		})
	})
}

// teamBoard merges team messages as the supervisor's page does.
type teamBoard struct {
	agents map[string]cti.TeamAgentView
	queues map[string]cti.TeamQueueView
}

func newBoard(v *cti.TeamView) *teamBoard {
	b := &teamBoard{agents: map[string]cti.TeamAgentView{}, queues: map[string]cti.TeamQueueView{}}
	b.apply(v)
	return b
}

func (b *teamBoard) apply(v *cti.TeamView) {
	for _, a := range v.Agents {
		b.agents[a.Username] = a
	}
	for _, q := range v.Queues {
		b.queues[q.Name] = q
	}
}

// until applies the supervisor's team messages until cond holds.
func (b *teamBoard) until(t *testing.T, k *sink, what string, cond func(*teamBoard) bool) {
	t.Helper()
	if cond(b) {
		return
	}
	k.next(t, what, func(m cti.Message) bool {
		if m.Type != cti.MsgTeam {
			return false
		}
		b.apply(m.Team)
		return cond(b)
	})
}

func TestTeamViewFollowsAgentsAndQueues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		_, kc, snap := w.loginWith("carol")
		if snap.Team == nil || len(snap.Team.Agents) != 2 || snap.Team.Agents[0].Username != "alice" || snap.Team.Agents[1].Username != "bob" {
			t.Fatalf("carol's team %+v", snap.Team)
		}
		if q := snap.Team.Queues; len(q) != 1 || q[0].Name != "Support" || q[0].Waiting != 0 || q[0].Today.TargetSeconds != 20 {
			t.Fatalf("carol's queues %+v", q)
		}
		b := newBoard(snap.Team)

		sa, ka := w.login("alice")
		b.until(t, kc, "alice logged in", func(b *teamBoard) bool {
			a := b.agents["alice"]
			return a.State.State == "not_ready" && a.Line == "up" && b.queues["Support"].NotReady == 1
		})
		w.ready(sa, ka)
		b.until(t, kc, "alice ready", func(b *teamBoard) bool {
			q := b.queues["Support"]
			return b.agents["alice"].State.State == "ready" && q.Ready == 1 && q.NotReady == 0
		})

		id, cust := w.talk(sa, ka, "+4930444")
		b.until(t, kc, "alice talking", func(b *teamBoard) bool {
			c := b.agents["alice"].Call
			return c != nil && c.State == "connected" && b.queues["Support"].Busy == 1
		})
		if c := b.agents["alice"].Call; c.ID != id || c.Caller.Number != "+4930444" || c.Queue != "Support" || c.Since == nil {
			t.Fatalf("alice's call %+v", c)
		}
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHold, Call: id})
		b.until(t, kc, "alice holds", func(b *teamBoard) bool {
			c := b.agents["alice"].Call
			return c != nil && c.Held && c.HeldSince != nil
		})
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdResume, Call: id})
		w.sim.Hangup(cust)
		b.until(t, kc, "one answered today", func(b *teamBoard) bool { return b.queues["Support"].Today.Answered == 1 })
		if d := b.queues["Support"].Today; d.Offered != 1 || d.Abandoned != 0 || d.ServiceLevel == nil || *d.ServiceLevel != 100 || d.AHTSeconds == nil {
			t.Fatalf("today after one answered call %+v", d)
		}
		if b.agents["alice"].Call != nil {
			t.Fatalf("alice still has a call: %+v", b.agents["alice"].Call)
		}

		// nobody Ready: a caller waits, then gives up
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdNotReady})
		cust2, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930555", DID: testDID})
		b.until(t, kc, "a caller waits", func(b *teamBoard) bool { return b.queues["Support"].Waiting == 1 })
		if q := b.queues["Support"]; q.Oldest == nil || q.NotReady != 1 || q.Ready != 0 {
			t.Fatalf("waiting row %+v", q)
		}
		w.sim.Hangup(cust2)
		b.until(t, kc, "abandoned", func(b *teamBoard) bool { return b.queues["Support"].Today.Abandoned == 1 })
		if q := b.queues["Support"]; q.Waiting != 0 || q.Oldest != nil || q.Today.Offered != 2 || *q.Today.ServiceLevel != 50 {
			t.Fatalf("after the abandon %+v", q)
		}
	})
}

func TestTeamChangesApplyLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		ctx := context.Background()
		sa, ka := w.login("alice")
		sc, kc := w.login("carol")
		w.ready(sa, ka)
		w.talk(sa, ka, "+4930666")
		ok(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: w.agent["alice"].ID})
		kc.find(t, "monitor active", watchIs("monitor", "active"))

		// the admin moves alice to Sales: carol's view loses her and the listening ends
		alice := w.agent["alice"]
		alice.Team = "Sales"
		if err := w.db.UpdateAgent(ctx, alice); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		kc.find(t, "listening stopped", watchIs("monitor", "ended"))
		full := kc.find(t, "whole team again", func(m cti.Message) bool { return m.Type == cti.MsgTeam && m.Team.Full }).Team
		if len(full.Agents) != 1 || full.Agents[0].Username != "bob" {
			t.Fatalf("carol's team after the move %+v", full.Agents)
		}
		refused(t, w, sc, kc, cti.Command{Cmd: cti.CmdMonitor, Agent: alice.ID}, cti.CodeNotAllowed, "not in your team")
	})
}

func TestSeededDayAddsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		cfg, err := w.db.TenantConfig(context.Background(), w.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		q := cfg.Queues[0].ID
		today := time.Now().Local().Format(time.DateOnly)
		w.app.SeedDay(w.tenant.ID, "1999-01-01", map[ccaas.QueueID]app.DayFigures{q: {Offered: 100}}) // a day that is over: ignored
		w.app.SeedDay(w.tenant.ID, today, map[ccaas.QueueID]app.DayFigures{q: {Offered: 4, Answered: 3, Abandoned: 1, InServiceLevel: 2, Handled: 3 * time.Minute}})
		sa, ka := w.login("alice")
		_, kc, snap := w.loginWith("carol")
		d := snap.Team.Queues[0].Today
		if d.Offered != 4 || d.Answered != 3 || d.Abandoned != 1 || *d.ServiceLevel != 50 || *d.AHTSeconds != 60 {
			t.Fatalf("seeded day %+v", d)
		}
		w.ready(sa, ka)
		id, _ := w.talk(sa, ka, "+4930999")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
		b := newBoard(snap.Team)
		b.until(t, kc, "the new call counted on top", func(b *teamBoard) bool { return b.queues["Support"].Today.Answered == 4 })
		if d := b.queues["Support"].Today; d.Offered != 5 || d.Abandoned != 1 || *d.ServiceLevel != 60 {
			t.Fatalf("after one more call %+v", d)
		}
	})
}
