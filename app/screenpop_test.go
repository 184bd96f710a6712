package app_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// TestScreenPop: the offer carries the tenant's screen pop filled in with the
// call's values, each URL-encoded, for the agent offered it (the target of a
// transfer gets their own); calls between agents and the agent dialling
// out get none; an admin's change applies to the next offer.
func TestScreenPop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const tpl = "https://crm.example/c/{Account}?phone={caller}&q={queue}&did={did}&agent={agent}&call={call}&n={name}"
		w := newWorld(t, worldOpts{
			variables: []ccaas.CallVariable{{Key: "Account", Variable: "CCAAS_Account"}},
			settings:  &ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", ScreenPopURL: tpl, ScreenPopOn: ccaas.ScreenPopOnOffer},
		})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+49 30&x=1", Name: "José <b>", DID: testDID,
			Vars: map[string]string{"CCAAS_Account": "ACC/42?#&"}})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		id := offer.Call.ID
		want := "https://crm.example/c/ACC%2F42%3F%23&?phone=%2B49%2030%26x%3D1&q=Support&did=5550001&agent=alice&call=" + string(id) + "&n=Jos%C3%A9%20%3Cb%3E"
		if p := offer.Call.ScreenPop; p == nil || p.URL != want || p.On != "offer" {
			t.Fatalf("alice's screen pop\n got %+v\nwant %s on offer", p, want)
		}
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		if m := ka.call(t, "connected"); m.Call.ScreenPop == nil || m.Call.ScreenPop.URL != want {
			t.Fatalf("the connected call's screen pop = %+v", m.Call.ScreenPop)
		}

		// a transfer's target gets the pop with their own name
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
		toBob := kb.next(t, "transferred offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if got := toBob.Call.ScreenPop; got == nil || got.URL != strings.Replace(want, "agent=alice", "agent=bob", 1) {
			t.Fatalf("bob's screen pop = %+v", got)
		}
		w.sim.Hangup(cust)
		kb.call(t, "ended")

		// between agents: nobody to look up
		kb.state(t, "ready") // a transferred-in call has no wrapup
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdNotReady})
		ka.state(t, "not_ready")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "1002"})
		internal := kb.next(t, "alice calls bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if internal.Call.ScreenPop != nil {
			t.Fatalf("a call between agents pops %+v", internal.Call.ScreenPop)
		}
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: internal.Call.ID})
		kb.call(t, "connected")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: internal.Call.ID})
		kb.call(t, "ended")
		kb.state(t, "ready")

		// out through the trunk: the agent dialling is offered nothing
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "+4930999"})
		out := ka.next(t, "outbound connected", func(m cti.Message) bool {
			return m.Type == cti.MsgCall && m.Call.Direction == ccaas.DirOutbound && m.Call.State == "connected"
		})
		if out.Call.ScreenPop != nil {
			t.Fatalf("an outbound call pops %+v", out.Call.ScreenPop)
		}
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: out.Call.ID})

		// the admin's changes apply to the next offer, also for the pages
		// already open: on answer, then none
		for _, s := range []ccaas.Settings{
			{NotifyIncoming: true, Trunk: "pstn", ScreenPopURL: tpl, ScreenPopOn: ccaas.ScreenPopOnAnswer},
			{NotifyIncoming: true, Trunk: "pstn"},
		} {
			if err := w.db.SetSettings(context.Background(), w.tenant.ID, s); err != nil {
				t.Fatal(err)
			}
			if err := w.app.Reload(context.Background(), w.tenant.ID); err != nil {
				t.Fatal(err)
			}
			cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "500", DID: testDID})
			m := kb.next(t, "next offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
			switch p := m.Call.ScreenPop; {
			case s.ScreenPopURL == "" && p != nil:
				t.Fatalf("screen pop after it was turned off = %+v", p)
			case s.ScreenPopURL != "" && (p == nil || p.On != "answer"):
				t.Fatalf("screen pop on answer = %+v", p)
			}
			w.sim.Hangup(cust)
			kb.call(t, "ended")
			kb.state(t, "ready")
		}
	})
}
