package app_test

// The agent's desk against a real Asterisk 22 (see real_test.go): a
// consultation completed, one cancelled and one made a conference, the
// colleague or the customer hanging up during one, and a transfer to a
// queue. Asterisk itself says where the customer is: in which bridge, with
// whom.

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/cti"
)

// ok sends a command and fails the test unless the app accepts it.
func (w *realWorld) ok(s *app.Session, k *sink, cmd cti.Command) {
	w.t.Helper()
	cmd.ID = "ok-" + cmd.Cmd
	w.app.Command(s, cmd)
	if m := k.reply(w.t, cmd.ID); m.OK == nil || !*m.OK {
		w.t.Fatalf("%s refused: %+v", cmd.Cmd, m.Error)
	}
}

// customer is the channel the app holds of a customer whose far end the test
// holds: the other half of the Local channel originated by call.
func (w *realWorld) customer(far string) string {
	w.t.Helper()
	ctx := context.Background()
	ch, err := w.cust.GetChannel(ctx, far)
	if err != nil {
		w.t.Fatalf("the customer's far end: %v", err)
	}
	near := strings.TrimSuffix(ch.Name, ";1") + ";2"
	var id string
	pollUntil(w.t, "the customer's channel "+near, func() bool {
		chs, _ := w.ari.ListChannels(ctx)
		for _, c := range chs {
			if c.Name == near {
				id = c.ID
			}
		}
		return id != ""
	})
	return id
}

// callBridge waits until the call's bridge holds n channels, the customer's
// among them or not, and no other bridge holds the customer (on hold: none).
func (w *realWorld) callBridge(t *testing.T, n int, cust string, withCustomer bool) {
	t.Helper()
	pollUntil(t, "the call's bridge as expected", func() bool {
		bs, err := w.ari.ListBridges(context.Background())
		if err != nil {
			return false
		}
		found := false
		for _, b := range bs {
			in := slices.Contains(b.Channels, cust)
			if strings.HasPrefix(b.ID, "cb") && len(b.Channels) == n && in == withCustomer {
				found = true
			} else if in {
				return false // the customer in another bridge
			}
		}
		return found
	})
}

// alive fails the test if the customer's channel is gone.
func (w *realWorld) alive(t *testing.T, cust string) {
	t.Helper()
	if _, err := w.ari.GetChannel(context.Background(), cust); err != nil {
		t.Fatalf("the customer's channel is gone: %v", err)
	}
}

// consulted: alice talks with a queue caller, consults bob, and bob answers;
// the two agents talk in the call's bridge while the customer is held out of it.
func (w *realWorld) consulted(t *testing.T) (sa, sb *app.Session, ka, kb *sink, id ccaas.CallID, far, cust string) {
	t.Helper()
	sa, ka = w.login("alice")
	far = w.call("+4930333")
	id = w.answer(sa, ka)
	cust = w.customer(far)
	w.callBridge(t, 2, cust, true)
	sb, kb = w.login("bob")
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
	if m := kb.next(t, "the consultation offered", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.Role != "consult" {
		t.Fatalf("bob's offer: role %q", m.Call.Role)
	}
	w.callBridge(t, 1, cust, false) // the customer on hold, alice alone in the bridge
	w.ok(sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
	kb.call(t, "connected")
	ka.find(t, "the consultation answered", consultIs(cti.ConsultConsulting, "connected"))
	w.callBridge(t, 2, cust, false) // alice and bob, the customer still held
	w.alive(t, cust)
	return sa, sb, ka, kb, id, far, cust
}

func TestRealAsteriskConsultThenComplete(t *testing.T) {
	w := newRealWorld(t, 1)
	sa, _, ka, kb, id, far, cust := w.consulted(t)
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdConsultComplete, Call: id})
	if m := ka.call(t, "ended"); m.Call.EndReason != "transferred" {
		t.Fatalf("alice's end = %q", m.Call.EndReason)
	}
	ka.state(t, "wrapup")
	if v := kb.find(t, "bob with the customer", noConsult("connected")).Call; v.Held || v.TransferredBy == nil || v.TransferredBy.Extension != "1001" {
		t.Fatalf("bob's view: held %v by %+v", v.Held, v.TransferredBy)
	}
	w.callBridge(t, 2, cust, true) // bob and the customer
	ka.state(t, "ready")           // alice's 1 s of wrapup
	if err := w.cust.Hangup(context.Background(), far, ""); err != nil {
		t.Fatal(err)
	}
	if m := kb.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
		t.Fatalf("bob's end = %q", m.Call.EndReason)
	}
	kb.state(t, "ready")
}

func TestRealAsteriskConsultThenCancel(t *testing.T) {
	w := newRealWorld(t, 0)
	sa, _, ka, kb, id, far, cust := w.consulted(t)
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdConsultCancel, Call: id})
	if m := kb.call(t, "ended"); m.Call.EndReason != "consult_ended" {
		t.Fatalf("bob's end = %q", m.Call.EndReason)
	}
	kb.state(t, "ready")
	if v := ka.find(t, "back to the customer", noConsult("connected")).Call; v.Held {
		t.Fatal("the customer is still held after the consultation was cancelled")
	}
	w.callBridge(t, 2, cust, true) // alice and the customer again
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
	ka.call(t, "ended")
	pollUntil(t, "the customer's far end hung up too", func() bool {
		_, err := w.cust.GetChannel(context.Background(), far)
		return err != nil
	})
}

func TestRealAsteriskTransferToQueue(t *testing.T) {
	w := newRealWorld(t, 0)
	ctx := context.Background()
	billing, err := w.db.CreateQueue(ctx, ccaas.Queue{TenantID: w.tenant.ID, Name: "Billing", RingSeconds: 30, MOHClass: "default",
		Members: []ccaas.Member{{Agent: w.agents["bob"].ID, Skill: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
		t.Fatal(err)
	}
	sa, ka := w.login("alice")
	far := w.call("+4930444")
	id := w.answer(sa, ka)
	cust := w.customer(far)
	w.callBridge(t, 2, cust, true)
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Queue: billing.ID})
	if m := ka.call(t, "ended"); m.Call.EndReason != "transferred" {
		t.Fatalf("alice's end = %q", m.Call.EndReason)
	}
	// the customer waits in Billing: in no bridge, still there
	pollUntil(t, "the customer out of every bridge", func() bool {
		bs, err := w.ari.ListBridges(ctx)
		if err != nil {
			return false
		}
		for _, b := range bs {
			if slices.Contains(b.Channels, cust) {
				return false
			}
		}
		return true
	})
	w.alive(t, cust)
	sb, kb := w.login("bob") // Billing's only member, Ready: offered the call
	offer := kb.next(t, "the transferred call", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	if c := offer.Call; c.ID != id || c.Queue == nil || c.Queue.Name != "Billing" || c.TransferredBy == nil || c.TransferredBy.Extension != "1001" {
		t.Fatalf("bob's offer = %+v", c)
	}
	w.ok(sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
	kb.call(t, "connected")
	w.callBridge(t, 2, cust, true)
	if err := w.cust.Hangup(ctx, far, ""); err != nil {
		t.Fatal(err)
	}
	if m := kb.call(t, "ended"); m.Call.EndReason != "caller_hangup" {
		t.Fatalf("bob's end = %q", m.Call.EndReason)
	}
}

func TestRealAsteriskConsultThenConference(t *testing.T) {
	w := newRealWorld(t, 0)
	sa, sb, ka, kb, id, _, cust := w.consulted(t)
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdConsultConference, Call: id})
	ka.find(t, "all three on the call", noConsult("connected"))
	w.callBridge(t, 3, cust, true) // alice, bob and the customer
	w.ok(sb, kb, cti.Command{Cmd: cti.CmdHangup, Call: id})
	kb.call(t, "ended")
	w.callBridge(t, 2, cust, true) // alice and the customer
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
	ka.call(t, "ended")
}

// The colleague hangs up during the consultation: the customer stays on hold
// with the first agent, who takes them back with Resume.
func TestRealAsteriskConsultColleagueHangsUp(t *testing.T) {
	w := newRealWorld(t, 0)
	sa, sb, ka, kb, id, _, cust := w.consulted(t)
	w.ok(sb, kb, cti.Command{Cmd: cti.CmdHangup, Call: id})
	kb.call(t, "ended")
	ka.find(t, "bob left", func(m cti.Message) bool { return m.Type == cti.MsgNotice && m.Notice.Kind == "left" })
	w.callBridge(t, 1, cust, false) // alice alone in the bridge, the customer still held
	w.alive(t, cust)
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdResume, Call: id})
	w.callBridge(t, 2, cust, true)
	w.ok(sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
	ka.call(t, "ended")
}

// The customer hangs up while held for the consultation: both agents are
// told and go on talking in the same bridge, on a call of their own.
func TestRealAsteriskConsultCustomerHangsUp(t *testing.T) {
	w := newRealWorld(t, 0)
	_, sb, ka, kb, id, far, cust := w.consulted(t)
	if err := w.cust.Hangup(context.Background(), far, ""); err != nil {
		t.Fatal(err)
	}
	var own ccaas.CallID
	for _, k := range []*sink{ka, kb} {
		own = k.next(t, "the agents' own call", func(m cti.Message) bool {
			return m.Type == cti.MsgCall && m.Call.ID != id && m.Call.State == "connected"
		}).Call.ID
		noticeOf(t, k, "customer_left")
	}
	pollUntil(t, "the customer's channel gone", func() bool {
		_, err := w.ari.GetChannel(context.Background(), cust)
		return err != nil
	})
	w.callBridge(t, 2, cust, false) // alice and bob still talking
	w.ok(sb, kb, cti.Command{Cmd: cti.CmdHangup, Call: own})
	ka.call(t, "ended")
	kb.call(t, "ended")
}
