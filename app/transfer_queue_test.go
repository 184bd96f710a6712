package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

// twoQueues: Support (DID testDID, alice) and Billing (DID 5550002, bob,
// its own music and a maximum wait).
func twoQueues(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
	if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, MOHClass: "default", DIDs: []string{testDID},
		Members: []ccaas.Member{member(ag["alice"], 1)}}); err != nil {
		return err
	}
	_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Billing", RingSeconds: 30, MOHClass: "jazz", DIDs: []string{"5550002"},
		Members: []ccaas.Member{member(ag["bob"], 1)}, MaxWaitSeconds: 600, Overflow: ccaas.OverflowHangup})
	return err
}

func (w *world) queueID(name string) ccaas.QueueID {
	w.t.Helper()
	q, err := w.db.QueueByName(context.Background(), w.tenant.ID, name)
	if err != nil {
		w.t.Fatal(err)
	}
	return q.ID
}

func TestTransferToQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{wrapupSeconds: 30, queues: twoQueues, variables: []ccaas.CallVariable{{Key: "Account", Variable: "CCAAS_Account"}}})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		placed := time.Now()
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930777", DID: testDID, Vars: map[string]string{"CCAAS_Account": "ACC-7"}})
		id := offerIn(t, ka).Call.ID
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		ka.call(t, "connected")
		bridge := w.sim.BridgeOf(cust)
		time.Sleep(10 * time.Second)
		// a caller who came later waits in Billing already
		later, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930888", DID: "5550002"})
		w.onMusic(t, later)

		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Queue: w.queueID("Billing")})
		if m := ka.call(t, "ended"); m.Call.EndReason != "transferred" {
			t.Fatalf("alice's end = %q", m.Call.EndReason)
		}
		ka.state(t, "wrapup") // as after a blind transfer
		waitUntil(t, "the customer on Billing's music, the call's bridge gone", func() bool {
			class, on := w.sim.MOH(cust)
			_, exists := w.sim.Bridge(bridge)
			return on && class == "jazz" && w.sim.BridgeOf(cust) == "" && !exists
		})
		// bob is Ready: the transferred call comes first, with its original arrival
		w.ready(sb, kb)
		got := offerIn(t, kb).Call
		if got.ID != id || got.Queue == nil || got.Queue.Name != "Billing" || got.Role != "answer" || len(got.Data) != 1 || got.Data[0].Value != "ACC-7" ||
			got.TransferredBy == nil || got.TransferredBy.Name != "Alice" {
			t.Fatalf("bob's offer = %+v", got)
		}
		if got.ArrivedAt == nil || got.ArrivedAt.Sub(placed) > time.Second {
			t.Fatalf("arrived %v, want the original arrival %v", got.ArrivedAt, placed)
		}
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		w.talking(t, cust)
		w.sim.Hangup(cust)
		kb.state(t, "ready") // bob has no wrapup time
		r := w.record(id)
		if r.QueueName != "Billing" || r.Transfers != 1 || len(r.Agents) != 2 || r.Agents[0].Outcome != "transferred" || r.Agents[1].Role != "answer" {
			t.Fatalf("record = %+v", r)
		}
		// and then the caller who waited in Billing
		if m := kb.next(t, "the next Billing caller", func(m cti.Message) bool { return m.Type == cti.MsgOffer }); m.Call.Caller.Number != "+4930888" {
			t.Fatalf("bob's next offer = %+v", m.Call.Caller)
		}
	})
}

// The new queue's maximum wait counts from the transfer, not the arrival.
func TestTransferToQueueMaximumWaitCountsFromTheTransfer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: twoQueues})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "100")
		time.Sleep(700 * time.Second) // longer than Billing's maximum wait
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Queue: w.queueID("Billing")})
		w.onMusic(t, cust)
		time.Sleep(500 * time.Second)
		if _, alive := w.sim.Channel(cust); !alive || w.sim.Playing(cust) {
			t.Fatal("the maximum wait counted from the call's arrival")
		}
	})
}

func TestTransferToQueueRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: twoQueues})
		ctx := context.Background()
		other, _ := w.db.CreateTenant(ctx, ccaas.Tenant{Domain: "other.example", Name: "Other"})
		foreign, err := w.db.CreateQueue(ctx, ccaas.Queue{TenantID: other.ID, Name: "Theirs", RingSeconds: 20, MOHClass: "default"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "100")
		for _, tc := range []struct {
			queue      ccaas.QueueID
			code, want string
		}{
			{foreign.ID, cti.CodeNotAllowed, "There is no such queue; pick one from the directory."},
			{9999, cti.CodeNotAllowed, "There is no such queue"},
			{w.queueID("Support"), cti.CodeNotAllowed, "The call came through Support already; pick another queue."},
		} {
			refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Queue: tc.queue}, tc.code, tc.want)
		}
		// a transfer naming both is no command at all (the decoder refuses it
		// before the app sees it); nothing changed
		w.talking(t, cust)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: id})
		if r := w.record(id); r.Transfers != 0 || r.QueueName != "Support" {
			t.Fatalf("record = %+v", r)
		}
	})
}

// An outbound call transferred to a queue waits there with its music.
func TestTransferOutboundCallToQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: twoQueues})
		sa, ka := w.login("alice")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "+4930123"})
		c := ka.call(t, "connected").Call
		var cust string
		waitUntil(t, "the dialled customer", func() bool {
			for _, ch := range w.sim.Channels() {
				if ch.ID[:2] == "cu" {
					cust = ch.ID
				}
			}
			return cust != ""
		})
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: c.ID, Queue: w.queueID("Billing")})
		ka.call(t, "ended")
		ka.state(t, "not_ready")
		waitUntil(t, "the customer on Billing's music", func() bool {
			class, on := w.sim.MOH(cust)
			return on && class == "jazz"
		})
		sb, kb := w.login("bob")
		w.ready(sb, kb)
		if got := offerIn(t, kb).Call; got.ID != c.ID || got.Queue.Name != "Billing" {
			t.Fatalf("bob's offer = %+v", got)
		}
	})
}

// A call transferred to a queue the agent is a member of may come back to
// them: they are not told that they transferred it themselves.
func TestTransferToQueueBackToTheSameAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		both := func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
			for _, q := range []ccaas.Queue{
				{TenantID: ten.ID, Name: "Support", RingSeconds: 30, MOHClass: "default", DIDs: []string{testDID}, Members: []ccaas.Member{member(ag["alice"], 1)}},
				{TenantID: ten.ID, Name: "Billing", RingSeconds: 30, MOHClass: "default", Members: []ccaas.Member{member(ag["alice"], 1)}},
			} {
				if _, err := db.CreateQueue(ctx, q); err != nil {
					return err
				}
			}
			return nil
		}
		w := newWorld(t, worldOpts{queues: both})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		id, _ := w.talk(sa, ka, "100")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Queue: w.queueID("Billing")})
		ka.call(t, "ended")
		w.ready(sa, ka)
		if got := offerIn(t, ka).Call; got.ID != id || got.Queue.Name != "Billing" || got.TransferredBy != nil {
			t.Fatalf("alice's offer of the call she transferred: %+v by %+v", got, got.TransferredBy)
		}
	})
}
