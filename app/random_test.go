package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
)

// TestRandomCallCenter drives the real app through the simulator with random
// sequences of calls arriving and hanging up, agents changing state,
// answering, hanging up, ignoring offers (ring time 1 s) and wrapping up
// (1 s). The tenant loop checks its invariants after every input
// (Config.CheckInvariants): no agent holds two calls or offers, no call is
// with two agents, offers reach only Ready agents, no call waits while an
// eligible agent is Ready, every call ends once. At the end every caller
// hangs up and everything must drain.
func TestRandomCallCenter(t *testing.T) {
	seeds := []uint64{1, 2, 3}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			w := newWorld(t, worldOpts{ringSeconds: 1, wrapupSeconds: 1})
			rng := rand.New(rand.NewPCG(seed, 42))
			type agentRun struct {
				s *app.Session
				k *sink
			}
			agents := map[string]*agentRun{}
			for _, name := range []string{"alice", "bob"} {
				s, k := w.login(name)
				agents[name] = &agentRun{s: s, k: k}
			}
			var customers []string
			for step := 0; step < 150; step++ {
				name := []string{"alice", "bob"}[rng.IntN(2)]
				a := agents[name]
				switch rng.IntN(8) {
				case 0, 1:
					ch, err := w.sim.PlaceCall(asterisksim.CallSpec{From: fmt.Sprint(1000 + step), DID: testDID})
					if err != nil {
						t.Fatal(err)
					}
					customers = append(customers, ch)
				case 2:
					if len(customers) > 0 {
						w.sim.Hangup(customers[rng.IntN(len(customers))])
					}
				case 3:
					w.app.Command(a.s, app.Command{Cmd: app.CmdReady})
				case 4:
					w.app.Command(a.s, app.Command{Cmd: app.CmdNotReady, Reason: "lunch"})
				case 5, 6:
					// answer (or hang up) whatever the agent was offered last
					if id := lastCall(a.k); id != "" {
						cmd := app.CmdAnswer
						if rng.IntN(3) == 0 {
							cmd = app.CmdHangup
						}
						w.app.Command(a.s, app.Command{Cmd: cmd, Call: id})
					}
				case 7:
					w.app.Command(a.s, app.Command{Cmd: app.CmdCancelPending})
				}
				time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
			}
			// everyone hangs up: no call may be left behind
			for _, ch := range customers {
				w.sim.Hangup(ch)
			}
			waitUntil(t, "every caller gone", func() bool {
				for _, ch := range w.sim.Channels() {
					if ch.Dialplan.Context == "from-pstn" {
						return false
					}
				}
				return true
			})
			for name, a := range agents {
				if err := w.app.Logout(context.Background(), a.s); err != nil {
					// a final offer or wrapup may still be running out; give it its time
					time.Sleep(1500 * time.Millisecond)
					if err := w.app.Logout(context.Background(), a.s); err != nil {
						t.Fatalf("%s cannot log out after all callers left: %v", name, err)
					}
				}
			}
		})
	}
}

// lastCall drains the sink and returns the id of the last call it saw.
func lastCall(k *sink) app.CallID {
	var id app.CallID
	for {
		select {
		case m := <-k.ch:
			if m.Call != nil {
				id = m.Call.ID
				if m.Call.State == "ended" {
					id = ""
				}
			}
		default:
			return id
		}
	}
}
