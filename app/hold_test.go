package app_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/cti"
)

// Each agent's part of a call records the hold time while they were on it
// (reports need it per agent): Alice holds and transfers while the customer
// is held, Bob holds and the customer hangs up on hold.
func TestHoldIsRecordedPerAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		id, cust := w.talk(sa, ka, "100")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHold, Call: id})
		time.Sleep(60 * time.Millisecond) // some hold time to record
		w.ready(sb, kb)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdTransfer, Call: id, Target: "1002"})
		kb.next(t, "transferred offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		time.Sleep(30 * time.Millisecond) // the customer waits for Bob: not hold
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		kb.call(t, "connected")
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdHold, Call: id})
		time.Sleep(60 * time.Millisecond)
		w.sim.Hangup(cust)
		kb.call(t, "ended")
		r := w.record(id)
		if len(r.Agents) != 2 {
			t.Fatalf("agents = %+v", r.Agents)
		}
		alice, bob := r.Agents[0], r.Agents[1]
		if alice.Hold < 60*time.Millisecond || bob.Hold < 60*time.Millisecond {
			t.Fatalf("hold of alice %v, bob %v; want at least 60 ms each", alice.Hold, bob.Hold)
		}
		// the parts add up to the call's hold (each stored in whole milliseconds)
		if d := r.Hold - alice.Hold - bob.Hold; d < -2*time.Millisecond || d > 2*time.Millisecond {
			t.Fatalf("call hold %v ≠ alice %v + bob %v", r.Hold, alice.Hold, bob.Hold)
		}
		// the wait for Bob is neither's hold: Bob's part is his hold plus a little talk
		if bob.Hold > bob.Left.Sub(bob.Joined) {
			t.Fatalf("bob held %v in a part of %v", bob.Hold, bob.Left.Sub(bob.Joined))
		}
	})
}
