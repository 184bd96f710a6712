package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// desk is a world in which alice (wrapup 30 s) talks to a queue caller
// who brought attached data, and bob is Ready: ready for a consultation.
type desk struct {
	*world
	sa, sb *app.Session
	ka, kb *sink
	la, lb string // their lines
	id     ccaas.CallID
	cust   string
}

func newDesk(t *testing.T, opts worldOpts) *desk {
	t.Helper()
	if opts.wrapupSeconds == 0 {
		opts.wrapupSeconds = 30
	}
	opts.variables = []ccaas.CallVariable{{Key: "Account", Variable: "CCAAS_Account"}}
	w := newWorld(t, opts)
	d := &desk{world: w}
	var snapA, snapB cti.Message
	d.sa, d.ka, snapA = w.loginWith("alice")
	d.sb, d.kb, snapB = w.loginWith("bob")
	d.la, d.lb = w.lineFor(snapA), w.lineFor(snapB)
	w.ready(d.sa, d.ka)
	cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930777", Name: "Jane", DID: testDID, Vars: map[string]string{"CCAAS_Account": "ACC-7"}})
	if err != nil {
		t.Fatal(err)
	}
	d.cust = cust
	offer := d.ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	d.id = offer.Call.ID
	ok(t, w, d.sa, d.ka, cti.Command{Cmd: cti.CmdAnswer, Call: d.id})
	d.ka.call(t, "connected")
	w.ready(d.sb, d.kb)
	return d
}

// consult has alice consult bob, and returns bob's offer.
func (d *desk) consult(t *testing.T) cti.Message {
	t.Helper()
	ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdConsult, Call: d.id, Target: "1002"})
	return d.kb.next(t, "consultation offered to bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
}

// consulted has alice consult bob and bob answer.
func (d *desk) consulted(t *testing.T) {
	t.Helper()
	d.consult(t)
	ok(t, d.world, d.sb, d.kb, cti.Command{Cmd: cti.CmdAnswer, Call: d.id})
	d.kb.call(t, "connected")
	d.ka.find(t, "the consultation answered", consultIs(cti.ConsultConsulting, "connected"))
	d.ka.find(t, "bob joined", func(m cti.Message) bool { return m.Type == cti.MsgNotice && m.Notice.Kind == "joined" })
	d.hears(d.la, d.lb)
	d.hears(d.lb, d.la)
}

func consultIs(role, state string) func(cti.Message) bool {
	return func(m cti.Message) bool {
		return m.Type == cti.MsgCall && m.Call.Consult != nil && m.Call.Consult.Role == role && m.Call.Consult.State == state
	}
}

// noConsult matches a view of the call without a consultation.
func noConsult(state string) func(cti.Message) bool {
	return func(m cti.Message) bool {
		return m.Type == cti.MsgCall && m.Call.State == state && m.Call.Consult == nil
	}
}

// held waits until the customer is on hold: music, out of every bridge.
func (d *desk) held(t *testing.T) { d.onMusic(t, d.cust) }

func TestConsultThenComplete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		bridge := d.sim.BridgeOf(d.cust)
		offer := d.consult(t)
		if c := offer.Call; c.Role != "consult" || c.Caller.Number != "+4930777" || len(c.Data) != 1 || c.Data[0].Value != "ACC-7" ||
			c.Consult == nil || c.Consult.Role != cti.ConsultConsulted || c.Consult.Name != "Alice" || c.Consult.State != "offered" {
			t.Fatalf("bob's offer = %+v consult %+v", c, c.Consult)
		}
		v := d.ka.find(t, "alice consulting", consultIs(cti.ConsultConsulting, "offered")).Call
		if !v.Held || v.HeldSince == nil || v.Consult.Name != "Bob" || v.Consult.Extension != "1002" {
			t.Fatalf("alice's view: held %v consult %+v", v.Held, v.Consult)
		}
		d.held(t)

		ok(t, d.world, d.sb, d.kb, cti.Command{Cmd: cti.CmdAnswer, Call: d.id})
		d.kb.call(t, "connected")
		d.ka.find(t, "the consultation answered", consultIs(cti.ConsultConsulting, "connected"))
		// the two agents hear each other in the call's bridge; the customer hears music
		d.hears(d.la, d.lb)
		d.hears(d.lb, d.la)
		d.held(t)
		if d.sim.BridgeOf(d.la) != bridge {
			t.Fatalf("the consultation is in bridge %s, not the call's %s", d.sim.BridgeOf(d.la), bridge)
		}
		time.Sleep(5 * time.Second) // the customer's hold time

		ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdConsultComplete, Call: d.id})
		if m := d.ka.call(t, "ended"); m.Call.EndReason != "transferred" {
			t.Fatalf("alice's end = %q", m.Call.EndReason)
		}
		d.ka.state(t, "wrapup") // she answered an inbound queue call, as after a blind transfer
		got := d.kb.find(t, "bob with the customer", noConsult("connected")).Call
		if got.Held || got.TransferredBy == nil || got.TransferredBy.Name != "Alice" || got.TransferredBy.Extension != "1001" {
			t.Fatalf("bob's view after the transfer: held %v by %+v", got.Held, got.TransferredBy)
		}
		d.talking(t, d.cust)
		d.hears(d.cust, d.lb)
		d.hears(d.lb, d.cust)

		d.sim.Hangup(d.cust)
		if m := d.kb.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
			t.Fatalf("bob's end = %q", m.Call.EndReason)
		}
		d.kb.state(t, "ready") // no wrapup after a consulted call
		r := d.record(d.id)
		if r.Transfers != 1 || len(r.Agents) != 2 || r.Agents[0].Outcome != "transferred" || r.Agents[1].Role != "consult" ||
			r.Agents[1].Outcome != "caller_hangup" || r.Hold < 5*time.Second || r.EndReason != "caller_hangup" {
			t.Fatalf("record = %+v", r)
		}
	})
}

func TestConsultThenCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		d.consulted(t)
		ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdConsultCancel, Call: d.id})
		if m := d.kb.call(t, "ended"); m.Call.EndReason != "consult_ended" {
			t.Fatalf("bob's end = %q", m.Call.EndReason)
		}
		d.kb.state(t, "ready")
		if v := d.ka.find(t, "back to the customer", noConsult("connected")).Call; v.Held {
			t.Fatal("the customer is still held after the consultation was cancelled")
		}
		d.talking(t, d.cust)
		d.hears(d.la, d.cust)
		d.hears(d.cust, d.la)
		ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdHangup, Call: d.id})
		r := d.record(d.id)
		if r.Transfers != 0 || len(r.Agents) != 2 || r.Agents[0].Role != "consult" || r.Agents[0].Outcome != "consult_ended" || r.Agents[1].Outcome != "agent_hangup" {
			t.Fatalf("record = %+v", r)
		}
	})
}

func TestConsultCancelWhileRinging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		d.consult(t)
		ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdConsultCancel, Call: d.id})
		if m := d.kb.call(t, "ended"); m.Call.EndReason != "withdrawn" {
			t.Fatalf("bob's end = %q", m.Call.EndReason)
		}
		d.kb.state(t, "ready") // not a missed call: Ready again
		d.ka.find(t, "back to the customer", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Consult == nil && !m.Call.Held })
		d.talking(t, d.cust)
	})
}

func TestConsultThenConference(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		d.consulted(t)
		ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdConsultConference, Call: d.id})
		for _, k := range []*sink{d.ka, d.kb} {
			if v := k.find(t, "a conference of three", noConsult("connected")).Call; v.Held || len(v.Parties) != 2 {
				t.Fatalf("view after the conference: held %v parties %+v", v.Held, v.Parties)
			}
		}
		d.hears(d.cust, d.la, d.lb)
		d.hears(d.la, d.cust, d.lb)
		d.hears(d.lb, d.cust, d.la)
		d.sim.Hangup(d.cust)
		d.ka.state(t, "wrapup")
		d.kb.state(t, "ready")
		if r := d.record(d.id); r.Joins != 1 || r.Transfers != 0 {
			t.Fatalf("record = %+v", r)
		}
	})
}

// A refused command changes nothing: the customer stays where they were.
func TestConsultRefusals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		w, sa, ka, sb, kb := d.world, d.sa, d.ka, d.sb, d.kb
		// another tenant's Ready agent of extension 1003 is nobody here
		ctx := context.Background()
		other, _ := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
		if _, err := w.db.CreateAgent(ctx, ccaas.Agent{TenantID: other.ID, Username: "mallory", Name: "Mallory", Extension: "1003", PasswordHash: passwordHash("mallory")}); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		sm, err := w.app.Login(ctx, "other.example", "mallory", "mallory-pw")
		if err != nil {
			t.Fatal(err)
		}
		km := newSink()
		w.app.Attach(ctx, sm, km)
		w.ready(sm, km)
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultComplete, Call: d.id}, cti.CodeNotAllowed, "You are not consulting anyone on this call.")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultCancel, Call: d.id}, cti.CodeNotAllowed, "not consulting anyone")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: d.id, Target: "1001"}, cti.CodeNotAllowed, "your own extension")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: d.id, Target: "1003"}, cti.CodeNotAllowed, "No agent has extension 1003.")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: d.id, Target: "1003"}, cti.CodeNotAllowed, "No agent has extension 1003.")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConference, Call: d.id, Target: "1003"}, cti.CodeNotAllowed, "No agent has extension 1003.")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: d.id, Target: "10&Local"}, cti.CodeBadCommand, "is not an extension")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: "c1-0000000000000000", Target: "1002"}, cti.CodeNoSuchCall, "is not your call")
		w.app.Command(sb, cti.Command{ID: "nr", Cmd: cti.CmdNotReady, Reason: "lunch"})
		kb.state(t, "not_ready")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: d.id, Target: "1002"}, cti.CodeNotAllowed, "Bob (1002) is Not Ready; only a Ready agent can take the call.")
		d.talking(t, d.cust) // nothing changed
		w.ready(sb, kb)

		d.consult(t)
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultComplete, Call: d.id}, cti.CodeNotAllowed, "Bob (1002) has not answered yet: wait for them, or cancel the consultation.")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultConference, Call: d.id}, cti.CodeNotAllowed, "has not answered yet")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: d.id, Target: "1002"}, cti.CodeNotAllowed, "You are consulting Bob (1002): complete the transfer, cancel to go back to the caller, or make it a conference first.")
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: d.id})
		kb.call(t, "connected")
		for _, cmd := range []cti.Command{
			{Cmd: cti.CmdResume, Call: d.id}, {Cmd: cti.CmdHold, Call: d.id}, {Cmd: cti.CmdTransfer, Call: d.id, Target: "1002"},
			{Cmd: cti.CmdTransfer, Call: d.id, Queue: 1}, {Cmd: cti.CmdConference, Call: d.id, Target: "1002"},
		} {
			want := "You are consulting Bob"
			if cmd.Cmd == cti.CmdHold {
				want = "already on hold"
			}
			refused(t, w, sa, ka, cmd, cti.CodeNotAllowed, want)
		}
		// the colleague cannot take the consultation over
		for _, cmd := range []cti.Command{
			{Cmd: cti.CmdResume, Call: d.id}, {Cmd: cti.CmdConsultComplete, Call: d.id}, {Cmd: cti.CmdConsultCancel, Call: d.id},
			{Cmd: cti.CmdConsult, Call: d.id, Target: "1001"}, {Cmd: cti.CmdTransfer, Call: d.id, Target: "1001"},
		} {
			refused(t, w, sb, kb, cmd, cti.CodeNotAllowed, "Alice (1001) is consulting you about this call")
		}
		d.held(t)
		d.hears(d.la, d.lb)
		d.hears(d.lb, d.la)
		for len(km.ch) > 0 {
			if m := <-km.ch; m.Type == cti.MsgOffer {
				t.Fatalf("the other tenant's agent was offered %+v", m.Call)
			}
		}
	})
}

func TestConsultOnlyAboutACustomer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "1002"})
		offer := kb.next(t, "alice's call", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		ka.call(t, "connected")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: offer.Call.ID, Target: "1002"}, cti.CodeNotAllowed, "Only a call with a customer")
	})
}

func TestConsultColleagueDoesNotAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{ringSeconds: 2})
		d.consult(t)
		if m := d.kb.state(t, "not_ready"); m.State.Reason != "missed_call" {
			t.Fatalf("bob after the ring time: %+v", m.State)
		}
		noticeOf(t, d.ka, "no_answer")
		if v := d.ka.find(t, "the consultation gone", noConsult("connected")).Call; !v.Held {
			t.Fatal("the customer came off hold by themselves")
		}
		d.held(t)
		ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdResume, Call: d.id})
		d.talking(t, d.cust)
		d.hears(d.la, d.cust)
	})
}

func TestConsultColleagueHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		d.consulted(t)
		ok(t, d.world, d.sb, d.kb, cti.Command{Cmd: cti.CmdHangup, Call: d.id})
		if m := d.kb.call(t, "ended"); m.Call.EndReason != "left" {
			t.Fatalf("bob's end = %q", m.Call.EndReason)
		}
		noticeOf(t, d.ka, "left")
		if v := d.ka.find(t, "alice back with the held customer", noConsult("connected")).Call; !v.Held || len(v.Parties) != 1 {
			t.Fatalf("alice's view: held %v parties %+v", v.Held, v.Parties)
		}
		d.held(t)
		d.hears(d.la)
	})
}

func TestConsultColleagueLoggedOut(t *testing.T) {
	for _, answered := range []bool{false, true} {
		name := map[bool]string{false: "while ringing", true: "while talking"}[answered]
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDesk(t, worldOpts{})
				if answered {
					d.consulted(t)
				} else {
					d.consult(t)
				}
				d.app.Detach(d.sb, d.kb) // bob's tab closes: he is logged out
				waitUntil(t, "bob logged out", func() bool { _, ok := d.app.Session(d.sb.ID); return !ok })
				noticeOf(t, d.ka, "left")
				if v := d.ka.find(t, "the consultation gone", noConsult("connected")).Call; !v.Held {
					t.Fatal("the customer came off hold by themselves")
				}
				d.held(t)
				ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdResume, Call: d.id})
				d.talking(t, d.cust)
			})
		})
	}
}

// The customer hangs up while on hold: their call ends; the agents go on
// talking on a call of their own; alice owes the customer's call its wrapup.
func TestConsultCustomerHangsUpWhileHeld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{wrapupSeconds: 3})
		d.consulted(t)
		d.sim.Hangup(d.cust)
		var agentsCall ccaas.CallID
		for i, k := range []*sink{d.ka, d.kb} {
			// the new call first, then the notice: a page takes a new call as the end of the old one's notices
			v := k.next(t, "the agents' own call", func(m cti.Message) bool {
				return m.Type == cti.MsgCall && m.Call.ID != d.id && m.Call.State == "connected"
			}).Call
			want := []string{"1002", "1001"}[i]
			if v.Direction != "internal" || v.Caller.Number != want || v.Consult != nil || v.Held {
				t.Fatalf("the agents' call as %d sees it: %+v", i, v)
			}
			// alice still gives her disposition of the customer's call, bob of theirs
			if wantFor := []ccaas.CallID{d.id, v.ID}[i]; v.Disposition == nil || v.Disposition.Call != wantFor {
				t.Fatalf("agent %d gives a disposition of %+v, want of %s", i, v.Disposition, wantFor)
			}
			agentsCall = v.ID
			noticeOf(t, k, "customer_left")
		}
		d.hears(d.la, d.lb)
		d.hears(d.lb, d.la)
		r := d.record(d.id) // written when the customer hung up
		if r.EndReason != "caller_hangup" || len(r.Agents) != 2 || r.Agents[0].Outcome != "caller_hangup" || r.Agents[1].Outcome != "caller_hangup" {
			t.Fatalf("the customer's record = %+v", r)
		}
		time.Sleep(10 * time.Second) // longer than alice's wrapup: it follows the agents' call
		ok(t, d.world, d.sb, d.kb, cti.Command{Cmd: cti.CmdHangup, Call: agentsCall})
		d.ka.call(t, "ended")
		d.kb.state(t, "ready")
		if m := d.ka.state(t, "wrapup"); m.State.Until == nil {
			t.Fatalf("alice's wrapup = %+v", m.State)
		}
		d.ka.state(t, "ready")
		rows, err := d.db.StateLog(context.Background(), d.tenant.ID, d.agent["alice"].ID)
		if err != nil {
			t.Fatal(err)
		}
		var wrapFor ccaas.CallID
		for _, r := range rows {
			if r.To == "wrapup" {
				wrapFor = r.Call
			}
		}
		if wrapFor != d.id {
			t.Fatalf("alice's wrapup belongs to %q, want the customer's call %q", wrapFor, d.id)
		}
		if r := d.record(agentsCall); r.Direction != "internal" || len(r.Agents) != 2 {
			t.Fatalf("the agents' call's record = %+v", r)
		}
	})
}

func TestConsultCustomerHangsUpWhileColleagueRings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDesk(t, worldOpts{})
		d.consult(t)
		d.held(t)
		d.sim.Hangup(d.cust)
		for _, k := range []*sink{d.ka, d.kb} {
			if m := k.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
				t.Fatalf("end = %q", m.Call.EndReason)
			}
		}
		d.ka.state(t, "wrapup")
		d.kb.state(t, "ready")
	})
}

// The consulting agent's browser dies: a colleague who answered gets the
// customer; one whose phone rings is withdrawn and the call goes back to
// the head of its queue.
func TestConsultAgentLost(t *testing.T) {
	t.Run("after the colleague answered", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := newDesk(t, worldOpts{})
			d.consulted(t)
			d.app.Detach(d.sa, d.ka)
			if v := d.kb.find(t, "bob with the customer", noConsult("connected")).Call; v.Held || v.TransferredBy == nil || v.TransferredBy.Name != "Alice" {
				t.Fatalf("bob's view: %+v", v)
			}
			d.talking(t, d.cust)
			d.hears(d.cust, d.lb)
		})
	})
	t.Run("while the colleague's phone rings", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := newDesk(t, worldOpts{})
			d.consult(t)
			d.app.Detach(d.sa, d.ka)
			if m := d.kb.call(t, "ended"); m.Call.EndReason != "withdrawn" {
				t.Fatalf("bob's consultation ended %q", m.Call.EndReason)
			}
			// back at the head of the queue: bob, Ready again, is offered it as a queue call
			again := d.kb.next(t, "the call from the queue", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
			if again.Call.ID != d.id || again.Call.Role != "answer" || again.Call.Held {
				t.Fatalf("bob's offer = %+v", again.Call)
			}
			d.onMusic(t, d.cust)
		})
	})
}

// The consulting agent hangs up: the customer goes to the colleague.
func TestConsultHangupHandsOver(t *testing.T) {
	t.Run("after the colleague answered", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := newDesk(t, worldOpts{})
			d.consulted(t)
			ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdHangup, Call: d.id})
			if m := d.ka.call(t, "ended"); m.Call.EndReason != "transferred" {
				t.Fatalf("alice's end = %q", m.Call.EndReason)
			}
			d.talking(t, d.cust)
			d.hears(d.cust, d.lb)
		})
	})
	t.Run("while the colleague's phone rings: a blind transfer", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := newDesk(t, worldOpts{})
			d.consult(t)
			ok(t, d.world, d.sa, d.ka, cti.Command{Cmd: cti.CmdHangup, Call: d.id})
			if m := d.ka.call(t, "ended"); m.Call.EndReason != "transferred" {
				t.Fatalf("alice's end = %q", m.Call.EndReason)
			}
			d.ka.state(t, "wrapup")
			v := d.kb.find(t, "bob's offer, now a transfer", func(m cti.Message) bool { return m.Type == cti.MsgCall && m.Call.Role == "transfer" }).Call
			if v.State != "offered" || v.Consult != nil || v.TransferredBy == nil {
				t.Fatalf("bob's view: %+v", v)
			}
			d.onMusic(t, d.cust)
			ok(t, d.world, d.sb, d.kb, cti.Command{Cmd: cti.CmdAnswer, Call: d.id})
			d.kb.call(t, "connected")
			d.talking(t, d.cust)
			d.hears(d.cust, d.lb)
			d.sim.Hangup(d.cust)
			if r := d.record(d.id); r.Transfers != 1 || len(r.Agents) != 2 || r.Agents[1].Role != "transfer" {
				t.Fatalf("record = %+v", r)
			}
		})
	})
}

func TestQueueLogAttendedTransfer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newQlogWorld(t, worldOpts{})
		sa, ka, snap := w.loginWith("alice")
		la := w.lineFor(snap)
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "500", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		id := offer.Call.ID
		w.advance(2)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		ka.call(t, "connected")
		w.ready(sb, kb)
		w.advance(5)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
		kb.next(t, "consultation", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		w.advance(1)
		ok(t, w.world, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		bridge := w.sim.BridgeOf(la) // the call's, where the customer joins bob
		w.advance(3)
		ok(t, w.world, sa, ka, cti.Command{Cmd: cti.CmdConsultComplete, Call: id})
		ka.state(t, "ready") // alice has no wrapup in this world
		w.advance(4)
		w.sim.Hangup(cust)
		kb.state(t, "ready")
		w.expect(
			"0|NONE|NONE|NONE|QUEUESTART|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|ADDMEMBER|PAUSED",
			"0|NONE|"+qlSupport+"|"+qlBob+"|ADDMEMBER|PAUSED",
			"0|NONE|NONE|"+qlAlice+"|UNPAUSEALL|",
			"0|NONE|"+qlSupport+"|"+qlAlice+"|UNPAUSE|",
			"0|"+string(id)+"|"+qlSupport+"|NONE|ENTERQUEUE||500|1|",
			"2|"+string(id)+"|"+qlSupport+"|"+qlAlice+"|CONNECT|2|{alice_line}|2",
			"2|NONE|NONE|"+qlBob+"|UNPAUSEALL|",
			"2|NONE|"+qlSupport+"|"+qlBob+"|UNPAUSE|",
			"11|"+string(id)+"|"+qlSupport+"|"+qlAlice+"|ATTENDEDTRANSFER|BRIDGE|"+bridge+"|2|9|1",
		)
		w.done()
	})
}

// Each ARI step of a consultation fails (asterisksim.Fault): the customer
// is never lost, and the agents can go on.
func TestARIFailureConsult(t *testing.T) {
	runFailCases(t, []failCase{
		{
			name: "consult: hold, leave the bridge", method: "POST", path: "/bridges/*/removeChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { consultHoldFails(t, w, arm) },
		},
		{
			name: "consult: hold, music", method: "POST", path: "/channels/*/moh",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) { consultHoldFails(t, w, arm) },
		},
		{
			// the colleague's Answer cannot bridge their line: they are out,
			// the customer stays on hold with the consulting agent
			name: "consult: the colleague's line into the bridge", method: "POST", path: "/bridges/*/addChannel",
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				sa, ka, sb, kb, id, cust := consultFlow(t, w)
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
				offerIn(t, kb)
				w.onMusic(t, cust)
				arm()
				ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
				endedWith(t, kb, "failed")
				noticeOf(t, ka, "left")
				resumedFromHold(t, w, sa, ka, id, cust)
			},
		},
		{
			// a 404 to stopping music means the channel is gone: done
			name: "consult cancel: stop the music", method: "DELETE", path: "/channels/*/moh", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				sa, ka, sb, kb, id, cust := consultFlow(t, w)
				consultAnswered(t, w, sa, ka, sb, kb, id, cust)
				arm()
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultCancel, Call: id})
				endedWith(t, kb, "consult_ended")
				noticeOf(t, ka, "resume_failed")
				resumedFromHold(t, w, sa, ka, id, cust)
			},
		},
		{
			name: "consult complete: stop the music", method: "DELETE", path: "/channels/*/moh", no404: true,
			run: func(t *testing.T, w *world, arm func() *asterisksim.Injected) {
				sa, ka, sb, kb, id, cust := consultFlow(t, w)
				consultAnswered(t, w, sa, ka, sb, kb, id, cust)
				arm()
				ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultComplete, Call: id})
				endedWith(t, ka, "transferred")
				// the colleague has the call, the customer still on hold
				noticeOf(t, kb, "resume_failed")
				resumedFromHold(t, w, sb, kb, id, cust)
			},
		},
	})
}

// consultFlow: alice talks to a caller, bob is Ready.
func consultFlow(t *testing.T, w *world) (sa *app.Session, ka *sink, sb *app.Session, kb *sink, id ccaas.CallID, cust string) {
	t.Helper()
	sa, ka = w.login("alice")
	sb, kb = w.login("bob")
	w.ready(sa, ka)
	id, cust = w.talk(sa, ka, "100")
	w.ready(sb, kb)
	return sa, ka, sb, kb, id, cust
}

// consultAnswered: alice consults bob, who answers.
func consultAnswered(t *testing.T, w *world, sa *app.Session, ka *sink, sb *app.Session, kb *sink, id ccaas.CallID, cust string) {
	t.Helper()
	ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
	offerIn(t, kb)
	ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
	kb.call(t, "connected")
	noticeOf(t, ka, "joined")
	w.onMusic(t, cust)
}

// consultHoldFails: the customer cannot be put on hold for the
// consultation: they are brought back to the agent, and the consultation is
// called off (the colleague's offer withdrawn).
func consultHoldFails(t *testing.T, w *world, arm func() *asterisksim.Injected) {
	sa, ka, _, kb, id, cust := consultFlow(t, w)
	arm()
	ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
	noticeOf(t, ka, "hold_failed")
	endedWith(t, kb, "withdrawn")
	kb.state(t, "ready")
	ka.next(t, "back with the customer", func(m cti.Message) bool {
		return m.Type == cti.MsgCall && !m.Call.Held && m.Call.Consult == nil
	})
	w.talking(t, cust)
	w.sim.Hangup(cust)
	endedWith(t, ka, "caller_hangup")
}

// The team view shows who consults whom, live.
func TestTeamViewShowsConsulting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := supervisedWorld(t, worldOpts{})
		_, kc := w.login("carol")
		sa, ka, sb, kb, id, _ := consultFlow(t, w)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
		row := func(name, role, state string) func(cti.Message) bool {
			return func(m cti.Message) bool {
				if m.Type != cti.MsgTeam {
					return false
				}
				for _, a := range m.Team.Agents {
					if a.Username == name && a.Call != nil && a.Call.Consult != nil && a.Call.Consult.Role == role && a.Call.Consult.State == state {
						return true
					}
				}
				return false
			}
		}
		if m := kc.find(t, "alice consulting bob", row("alice", cti.ConsultConsulting, "offered")); m.Team.Agents[0].Call.Consult.Name == "" {
			t.Fatalf("team row = %+v", m.Team.Agents)
		}
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kc.find(t, "bob consulted by alice", row("bob", cti.ConsultConsulted, "connected"))
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdConsultCancel, Call: id})
		kc.find(t, "the consultation over", func(m cti.Message) bool {
			if m.Type != cti.MsgTeam {
				return false
			}
			for _, a := range m.Team.Agents {
				if a.Username == "alice" && a.Call != nil && a.Call.Consult == nil && !a.Call.Held {
					return true
				}
			}
			return false
		})
	})
}

// resumedFromHold: the customer, still on hold after a failed step, is
// resumed by the agent of s and k, talks, and hangs up.
func resumedFromHold(t *testing.T, w *world, s *app.Session, k *sink, id ccaas.CallID, cust string) {
	t.Helper()
	w.onMusic(t, cust)
	ok(t, w, s, k, cti.Command{Cmd: cti.CmdResume, Call: id})
	w.talking(t, cust)
	w.sim.Hangup(cust)
	endedWith(t, k, "caller_hangup")
}
