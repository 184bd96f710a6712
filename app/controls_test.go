package app_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// refused sends a command and expects it refused with code, its message
// mentioning want.
func refused(t *testing.T, w *world, s *app.Session, k *sink, cmd cti.Command, code, want string) {
	t.Helper()
	cmd.ID = "refuse-" + cmd.Cmd
	w.app.Command(s, cmd)
	m := k.reply(t, cmd.ID)
	if m.OK == nil || *m.OK || m.Error.Code != code || !strings.Contains(m.Error.Message, want) {
		t.Fatalf("%s: reply %+v, want %s mentioning %q", cmd.Cmd, m.Error, code, want)
	}
}

func ok(t *testing.T, w *world, s *app.Session, k *sink, cmd cti.Command) {
	t.Helper()
	cmd.ID = "ok-" + cmd.Cmd + "-" + cmd.Target + cmd.Number
	w.app.Command(s, cmd)
	if m := k.reply(t, cmd.ID); m.OK == nil || !*m.OK {
		t.Fatalf("%s refused: %+v", cmd.Cmd, m.Error)
	}
}

func (w *world) record(id ccaas.CallID) ccaas.CallRecord {
	w.t.Helper()
	var r ccaas.CallRecord
	waitUntil(w.t, "call record written", func() bool {
		var err error
		r, err = w.db.CallRecord(context.Background(), w.tenant.ID, id)
		return err == nil
	})
	return r
}

func TestHoldAndResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		w.ready(s, k)
		id, cust := w.talk(s, k, "100")
		time.Sleep(10 * time.Millisecond) // some talk time to record (the clock is fake: it moves only when told)
		bridge := w.sim.BridgeOf(cust)
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdResume, Call: id}, cti.CodeNotAllowed, "not on hold")

		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHold, Call: id})
		if m := k.next(t, "held", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Held }); m.Call.HeldSince == nil {
			t.Fatalf("held call without heldSince: %+v", m.Call)
		}
		waitUntil(t, "customer out of the bridge hearing music", func() bool {
			_, on := w.sim.MOH(cust)
			return on && w.sim.BridgeOf(cust) == ""
		})
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdHold, Call: id}, cti.CodeNotAllowed, "already on hold")
		time.Sleep(60 * time.Millisecond) // some hold time to record

		ok(t, w, s, k, cti.Command{Cmd: cti.CmdResume, Call: id})
		k.next(t, "resumed", func(m cti.Message) bool { return m.Type == cti.MsgCall && !m.Call.Held && m.Call.HoldSeconds >= 0 })
		waitUntil(t, "customer back in the call bridge without music", func() bool {
			_, on := w.sim.MOH(cust)
			return !on && w.sim.BridgeOf(cust) == bridge
		})
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: id})
		if r := w.record(id); r.Hold < 50*time.Millisecond || r.EndReason != "agent_hangup" || r.Talk <= 0 {
			t.Fatalf("record = %+v", r)
		}
	})
}

func TestBlindTransfer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 30, variables: []ccaas.CallVariable{{Key: "Account", Variable: "CCAAS_Account"}}})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930777", DID: testDID, Vars: map[string]string{"CCAAS_Account": "ACC-7"}})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		id := offer.Call.ID
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		ka.call(t, "connected")

		// bob is Not Ready: refused, and alice keeps the customer
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"}, cti.CodeNotAllowed, "Bob (1002) is Not Ready; only a Ready agent can take the call.")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1001"}, cti.CodeNotAllowed, "your own")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "9999"}, cti.CodeNotAllowed, "No agent has extension")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "10;Local"}, cti.CodeBadCommand, "not an extension")
		if _, on := w.sim.MOH(cust); on || w.sim.BridgeOf(cust) == "" {
			t.Fatal("a refused transfer disturbed the call")
		}

		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
		if m := ka.call(t, "ended"); m.Call.EndReason != "transferred" {
			t.Fatalf("alice's end = %q", m.Call.EndReason)
		}
		ka.state(t, "wrapup") // she answered an inbound queue call
		got := kb.next(t, "transferred offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if got.Call.ID != id || got.Call.Caller.Number != "+4930777" || len(got.Call.Data) != 1 || got.Call.Data[0].Value != "ACC-7" || got.Call.Role != "transfer" {
			t.Fatalf("bob's offer = %+v", got.Call)
		}
		waitUntil(t, "customer on music while bob rings", func() bool { _, on := w.sim.MOH(cust); return on })
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		waitUntil(t, "customer and bob bridged", func() bool {
			_, on := w.sim.MOH(cust)
			return !on && w.sim.BridgeOf(cust) != ""
		})
		w.sim.Hangup(cust)
		kb.call(t, "ended")
		kb.state(t, "ready") // no wrapup after a transferred-in call
		r := w.record(id)
		if r.Transfers != 1 || len(r.Agents) != 2 || r.Agents[0].Outcome != "transferred" || r.Agents[1].Role != "transfer" {
			t.Fatalf("record = %+v", r)
		}
	})
}

func TestUnansweredTransferGoesBackToQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{ringSeconds: 1})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "300")
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
		kb.next(t, "offer to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		// bob lets it ring out; the call goes back to the head of the queue, and
		// alice (Ready again, no wrapup) gets it
		if m := kb.state(t, "not_ready"); m.State.Reason != "missed_call" {
			t.Fatalf("bob = %+v", m.State)
		}
		if m := ka.next(t, "call back to alice", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.ID != id {
			t.Fatalf("alice offered %s, want %s", m.Call.ID, id)
		}
		if _, on := w.sim.MOH(cust); !on {
			t.Fatal("customer hears no music while waiting again")
		}
	})
}

func TestConference(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "400")
		bridge := w.sim.BridgeOf(cust)
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConference, Call: id, Target: "1002"}, cti.CodeNotAllowed, "Not Ready")
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConference, Call: id, Target: "1002"})
		kb.next(t, "conference offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer && m.Call.Role == "conference" })
		if w.sim.BridgeOf(cust) != bridge {
			t.Fatal("alice and the customer were separated while bob rings")
		}
		// a transfer waits for the invitation; once bob is on, it is for a call one is alone on
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"}, cti.CodeNotAllowed, "Bob (1002) is being invited to this call; transfer once they have answered or the invitation has ended.")
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"}, cti.CodeNotAllowed, "Transfer is for a call you are alone on; to leave the customer with the others in the conference, hang up.")
		if n := ka.find(t, "joined notice", func(m cti.Message) bool { return m.Type == cti.MsgNotice }); n.Notice.Kind != "joined" || n.Notice.Extension != "1002" {
			t.Fatalf("notice = %+v", n.Notice)
		}
		view := ka.find(t, "three-way view", func(m cti.Message) bool {
			return m.Type == cti.MsgCall && len(m.Call.Parties) == 2 && m.Call.Parties[1].State == "connected"
		})
		for _, p := range view.Call.Parties {
			if p.State != "connected" {
				t.Fatalf("parties = %+v", view.Call.Parties)
			}
		}
		waitUntil(t, "all three in one bridge", func() bool {
			b, _ := w.sim.Bridge(bridge)
			return len(b.Channels) == 3
		})
		// bob leaves; alice and the customer go on
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdHangup, Call: id})
		if m := kb.call(t, "ended"); m.Call.EndReason != "left" {
			t.Fatalf("bob's end = %q", m.Call.EndReason)
		}
		if n := ka.next(t, "left notice", func(m cti.Message) bool { return m.Type == cti.MsgNotice }); n.Notice.Kind != "left" {
			t.Fatalf("notice = %+v", n.Notice)
		}
		if _, alive := w.sim.Channel(cust); !alive {
			t.Fatal("the customer was hung up when one of two agents left")
		}
		// the customer hanging up ends it for alice
		w.sim.Hangup(cust)
		if m := ka.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
			t.Fatalf("alice's end = %q", m.Call.EndReason)
		}
		if r := w.record(id); r.Joins != 1 || len(r.Agents) != 2 {
			t.Fatalf("record = %+v", r)
		}
	})
}

func TestCustomerHangupEndsConferenceForEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "401")
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConference, Call: id, Target: "1002"})
		kb.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		w.sim.Hangup(cust)
		for name, k := range map[string]*sink{"alice": ka, "bob": kb} {
			if m := k.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
				t.Fatalf("%s: %q", name, m.Call.EndReason)
			}
		}
	})
}

func TestOutboundCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 30})
		s, k := w.login("alice")
		w.ready(s, k)
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "+4930555"}, cti.CodeNotAllowed, "Not Ready")
		w.app.Command(s, cti.Command{Cmd: cti.CmdNotReady, Reason: "training"})
		k.state(t, "not_ready")
		for _, bad := range []string{"123;Local/x@evil", "PJSIP/100", "+", "1", "12345678901234567890123", "*21#"} {
			refused(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: bad}, cti.CodeBadCommand, "digits")
		}
		events, stop := w.sim.Subscribe()
		defer stop()
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "+4930555"})
		m := k.call(t, "connected")
		if m.Call.Direction != "outbound" || m.Call.Caller.Number != "+4930555" {
			t.Fatalf("call = %+v", m.Call)
		}
		id := m.Call.ID
		var cust string
		for cust == "" {
			select {
			case ev := <-events:
				if s, isStart := ev.(*ari.StasisStart); isStart && len(s.Args) > 0 && s.Args[0] == "outbound" {
					cust = s.Channel.ID
					if s.Channel.Name == "" {
						t.Fatal("no channel name")
					}
				}
			case <-time.After(waitFor):
				t.Fatal("no outbound channel entered the application")
			}
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDTMF, Call: id, Digits: "12#"})
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDTMF, Call: id, Digits: "1;2"}, cti.CodeBadCommand, "DTMF")
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDTMF, Call: id, Digits: "e"}, cti.CodeBadCommand, "DTMF")
		// a-d are the keys A-D: sent as such
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDTMF, Call: id, Digits: "aD*"})
		waitUntil(t, "digits reached the far end", func() bool { return w.sim.DTMFSent(cust) == "12#AD*" })
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: id})
		// no wrapup after an outbound call: back to training
		if m := k.state(t, "not_ready"); m.State.Reason != "training" {
			t.Fatalf("after the call: %+v", m.State)
		}
		if r := w.record(id); r.Direction != "outbound" || r.Number != "+4930555" || r.Agents[0].Role != "dialer" {
			t.Fatalf("record = %+v", r)
		}
	})
}

func TestOutboundBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		if err := w.sim.SetBehaviour("PJSIP/pstn", asterisksim.BehaviourBusy); err != nil {
			t.Fatal(err)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "5550199"})
		if m := k.call(t, "ended"); m.Call.EndReason != "busy" {
			t.Fatalf("end = %q", m.Call.EndReason)
		}
		if m := k.state(t, "not_ready"); m.State.Reason != "login" {
			t.Fatalf("after a busy number: %+v", m.State)
		}
	})
}

func TestNoTrunkNoOutbound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{settings: &ccaas.Settings{NotifyIncoming: true}})
		s, k := w.login("alice")
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "5550199"}, cti.CodeNotAllowed, "trunk")
		// another agent's extension needs no trunk (but bob is not logged in)
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdDial, Number: "1002"}, cti.CodeNotAllowed, "not logged in")
	})
}

func TestAgentToAgentCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "1002"}, cti.CodeNotAllowed, "Not Ready")
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "1002"})
		offer := kb.next(t, "call from alice", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if offer.Call.Direction != "internal" || offer.Call.Role != "callee" {
			t.Fatalf("offer = %+v", offer.Call)
		}
		// each sees the other: bob is offered a call from alice, alice calls bob
		alice, bob := cti.CallerView{Number: "1001", Name: "Alice"}, cti.CallerView{Number: "1002", Name: "Bob"}
		if offer.Call.Caller != alice {
			t.Fatalf("bob's offer names %+v, want the agent who dials, %+v", offer.Call.Caller, alice)
		}
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		if m := kb.call(t, "connected"); m.Call.Caller != alice {
			t.Fatalf("bob's connected call names %+v, want %+v", m.Call.Caller, alice)
		}
		m := ka.find(t, "alice connected", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.State == "connected" })
		if m.Call.Caller != bob {
			t.Fatalf("alice's call names %+v, want whom she called, %+v", m.Call.Caller, bob)
		}
		ka.find(t, "alice talking", func(m cti.Message) bool { return m.Type == cti.MsgState && m.State.State == "talking" })
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdHangup, Call: offer.Call.ID})
		ka.call(t, "ended")
		if m := ka.state(t, "not_ready"); m.State.Reason != "login" {
			t.Fatalf("alice after the call: %+v", m.State)
		}
		kb.state(t, "ready")

		// the record keeps the number dialled and who dialled whom; each
		// agent's recent calls offer to call the other back
		r := w.record(offer.Call.ID)
		if r.Direction != "internal" || r.Number != "1002" || len(r.Agents) != 2 || r.Agents[0].Agent != w.agent["alice"].ID ||
			r.Agents[0].Role != "dialer" || r.Agents[1].Agent != w.agent["bob"].ID || r.Agents[1].Role != "callee" {
			t.Fatalf("record = %+v", r)
		}
		for _, tt := range []struct {
			agent string
			want  cti.CallerView
		}{{"alice", bob}, {"bob", alice}} {
			recent, err := w.db.RecentCalls(context.Background(), w.tenant.ID, w.agent[tt.agent].ID, 5)
			if err != nil || len(recent) != 1 {
				t.Fatalf("%s's recent calls: %+v, %v", tt.agent, recent, err)
			}
			if got := (cti.CallerView{Number: recent[0].Number, Name: recent[0].Name}); got != tt.want || recent[0].Direction != "internal" {
				t.Fatalf("%s's recent call: %+v, want the other agent %+v", tt.agent, recent[0], tt.want)
			}
		}
	})
}

func TestAgentCallReachesNotReadyWhenAllowed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{settings: &ccaas.Settings{AgentCallsNotReady: true}})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.app.Command(sb, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
		kb.state(t, "not_ready")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "1002"})
		offer := kb.next(t, "call from alice", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		kb.call(t, "connected")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: offer.Call.ID})
		if m := kb.state(t, "not_ready"); m.State.Reason != "lunch" {
			t.Fatalf("bob after the call: %+v", m.State)
		}
	})
}

func TestAttachedData(t *testing.T) {
	vars := []ccaas.CallVariable{
		{Key: "Customer name as told to the IVR", Variable: "CCAAS_FirstName"},
		{Key: "Account", Variable: "CCAAS_Account"},
		{Key: "Note", Variable: "CCAAS_Note"},
	}
	tests := []struct {
		name        string
		channelVars []string
	}{
		{name: "read with GET variable"},
		{name: "on the channel snapshot (ari.conf channelvars)", channelVars: []string{"CCAAS_FirstName", "CCAAS_Account", "CCAAS_Note"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := newWorld(t, worldOpts{variables: vars, channelVars: tt.channelVars})
				s, k := w.login("alice")
				w.ready(s, k)
				w.sim.PlaceCall(asterisksim.CallSpec{From: "500", DID: testDID, Vars: map[string]string{
					"CCAAS_FirstName": "José <b>Müller</b> ☎", "CCAAS_Note": `<img src=x onerror=alert(1)> & "q"`}})
				offer := k.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
				want := []cti.DataItem{
					{Key: "Customer name as told to the IVR", Value: "José <b>Müller</b> ☎"},
					{Key: "Account", Value: ""}, // not set by the IVR
					{Key: "Note", Value: `<img src=x onerror=alert(1)> & "q"`},
				}
				if len(offer.Call.Data) != len(want) {
					t.Fatalf("data = %+v", offer.Call.Data)
				}
				for i := range want {
					if offer.Call.Data[i] != want[i] {
						t.Fatalf("data[%d] = %+v, want %+v (byte-exact, in order)", i, offer.Call.Data[i], want[i])
					}
				}
			})
		})
	}
}

func TestMute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		s, k := w.login("alice")
		line := w.lineOf()
		w.ready(s, k)
		id, cust := w.talk(s, k, "600")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdMute, Call: id})
		k.next(t, "muted", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Muted })
		waitUntil(t, "line muted toward the customer", func() bool { return w.sim.Muted(line.ID) == "in" })
		w.sim.Hangup(cust)
		k.call(t, "ended")
		waitUntil(t, "line unmuted for the next call", func() bool { return w.sim.Muted(line.ID) == "" })
	})
}
