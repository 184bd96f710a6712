package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
)

// TestEstimatedWait: a caller entering a queue that announces it hears
// "about N minutes" from their place, the members working and the queue's
// average handle time (3 minutes before its first call, then learnt from
// the calls), nothing when a Ready agent takes them at once; with the
// position announcements too; the estimate at entry is
// on the call record; nobody working means no estimate. The supervisors'
// row and /metrics show the wait a caller entering now would hear.
func TestEstimatedWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, ccaas.Queue{WaitingRules: ccaas.WaitingRules{AnnounceEstimate: true}})
		ear := w.ear()

		nobody := w.caller("+4930400") // nobody works: no estimate
		waitUntil(t, "the first caller waiting", waiting(w, nobody))
		w.sim.Hangup(nobody)
		if r := w.recordOf("+4930400", ccaas.DirInbound); r.Estimated {
			t.Errorf("an estimate with nobody working: %+v", r)
		}

		s, k := w.login("alice")
		w.ready(s, k)
		first, firstCust := w.talk(s, k, "+4930401") // alice talks: she works, and is not Ready
		second := w.caller("+4930402")
		h := ear.waitFor(second, "sound:ccaas/wait-about")
		if h.next != "number:3" {
			t.Errorf("heard %+v, want about 3 minutes (position 1 of 1 working agent, 3 minutes a call)", h)
		}
		for _, p := range ear.heard {
			if p.target == "channel:"+firstCust {
				t.Errorf("the caller alice took at once heard %+v; a wait of 0 is not announced", p)
			}
		}
		_, kc, snap := w.loginWith("carol")
		if q := snap.Team.Queues[0]; q.EstimatedWaitSeconds == nil || *q.EstimatedWaitSeconds != 360 {
			t.Errorf("the row's wait for a caller entering now: %v, want 360 s (second in line)", q.EstimatedWaitSeconds)
		}
		stats, err := w.app.Stats(context.Background())
		if err != nil || !stats[0].Queues[0].Estimated || stats[0].Queues[0].EstimatedWait != 6*time.Minute {
			t.Errorf("metrics %+v %v", stats[0].Queues, err)
		}

		time.Sleep(55 * time.Second) // a call of 55 s
		w.sim.Hangup(firstCust)
		k.next(t, "the first call ended", func(m cti.Message) bool {
			return m.Type == cti.MsgCall && m.Call.ID == first && m.Call.State == "ended"
		})
		offer := offerOf(t, k) // the second caller, who heard 3 minutes
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		third := w.caller("+4930403")
		h = ear.waitFor(third, "sound:ccaas/wait-about")
		if h.next != "number:1" {
			t.Errorf("heard %+v, want about 1 minute once a call took 55 s", h)
		}
		kc.find(t, "the row following the average", func(m cti.Message) bool {
			return m.Type == cti.MsgTeam && len(m.Team.Queues) == 1 && m.Team.Queues[0].EstimatedWaitSeconds != nil && *m.Team.Queues[0].EstimatedWaitSeconds == 110
		})
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: offer.Call.ID})
		if r := w.record(offer.Call.ID); !r.Estimated || r.Estimate != 3*time.Minute {
			t.Errorf("the second call's record: estimate %v (%v), want the 3 minutes told at entry", r.Estimate, r.Estimated)
		}
	})
}

// TestEstimateWithThePositionAnnouncements: where the queue announces
// positions and the estimate, the estimate follows the position.
func TestEstimateWithThePositionAnnouncements(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, ccaas.Queue{AnnounceSeconds: 30, WaitingRules: ccaas.WaitingRules{AnnounceEstimate: true}})
		s, k := w.login("alice")
		w.ready(s, k)
		w.talk(s, k, "+4930410")
		ear := w.ear()
		cust := w.caller("+4930411")
		ear.waitFor(cust, "sound:ccaas/wait-about") // at entry
		if h := ear.waitFor(cust, "sound:queue-youarenext"); h.next != "sound:ccaas/wait-about" {
			t.Errorf("the position announcement %+v, want the estimate after the position", h)
		}
	})
}
