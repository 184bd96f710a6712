package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
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
	seeds := []uint64{1, 2}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				qlog := &qlogChecker{}
				w := newWorld(t, worldOpts{ringSeconds: 1, wrapupSeconds: 1, queueLog: qlog.log})
				rng := rand.New(rand.NewPCG(seed, 42))
				type agentRun struct {
					s       *app.Session
					k       *sink
					call    ccaas.CallID // the call the agent was last told about, "" once it ended
					ringing bool         // that call is offered to them
				}
				agents := map[string]*agentRun{}
				for _, name := range []string{"alice", "bob"} {
					s, k := w.login(name)
					agents[name] = &agentRun{s: s, k: k}
				}
				var customers []string
				for step := 0; step < 250; step++ {
					name := []string{"alice", "bob"}[rng.IntN(2)]
					a := agents[name]
					other := map[string]string{"alice": "1002", "bob": "1001"}[name]
					id := current(a.k, &a.call, &a.ringing)
					op := rng.IntN(14)
					// like a real agent: mostly answer what rings, mostly go Ready when idle
					if id != "" && a.ringing && rng.IntN(10) < 7 {
						op = 5
					} else if id == "" && rng.IntN(10) < 3 {
						op = 3
					}
					switch op {
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
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdReady})
					case 4:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdNotReady, Reason: "lunch"})
					case 5, 6:
						// answer (or hang up) whatever the agent was offered last
						if id != "" {
							cmd := cti.CmdAnswer
							if !a.ringing {
								if rng.IntN(3) > 0 {
									break // let the call go on for a while
								}
								cmd = cti.CmdHangup
							}
							w.app.Command(a.s, cti.Command{Cmd: cmd, Call: id})
						}
					case 7:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdCancelPending})
					case 8:
						cmd := []string{cti.CmdHold, cti.CmdResume, cti.CmdMute, cti.CmdUnmute}[rng.IntN(4)]
						w.app.Command(a.s, cti.Command{Cmd: cmd, Call: current(a.k, &a.call, &a.ringing)})
					case 9:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdTransfer, Call: current(a.k, &a.call, &a.ringing), Target: other})
					case 10:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdConference, Call: current(a.k, &a.call, &a.ringing), Target: other})
					case 11:
						number := []string{other, "+4930123456"}[rng.IntN(2)]
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdDial, Number: number})
					case 12:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdDTMF, Call: current(a.k, &a.call, &a.ringing), Digits: "1#"})
					case 13:
						if rng.IntN(4) == 0 { // now and then the trunk is busy
							w.sim.SetBehaviour("PJSIP/pstn", asterisksim.BehaviourBusy)
						} else {
							w.sim.SetBehaviour("PJSIP/pstn", asterisksim.BehaviourAnswer)
						}
					}
					time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
				}
				// everyone hangs up: no call may be left behind
				waitUntil(t, "every customer gone", func() bool {
					left := 0
					for _, ch := range w.sim.Channels() {
						if !strings.HasPrefix(ch.ID, "ln") {
							w.sim.Hangup(ch.ID) // callers, and customers the agents dialled
							left++
						}
					}
					return left == 0
				})
				for _, a := range agents { // and any call between the two agents
					if id := current(a.k, &a.call, &a.ringing); id != "" {
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdHangup, Call: id})
					}
				}
				logCallStats(t, w)
				for name, a := range agents {
					if err := w.app.Logout(context.Background(), a.s); err != nil {
						// a final offer or wrapup may still be running out; give it its time
						time.Sleep(1500 * time.Millisecond)
						if err := w.app.Logout(context.Background(), a.s); err != nil {
							t.Fatalf("%s cannot log out after all callers left: %v", name, err)
						}
					}
				}
				qlog.check(t, true)
			})
		})
	}
}

// current drains the sink and returns the agent's call as its messages
// tell it (kept in *call between drains).
func current(k *sink, call *ccaas.CallID, ringing *bool) ccaas.CallID {
	for {
		select {
		case m := <-k.ch:
			if m.Call != nil {
				*call, *ringing = m.Call.ID, m.Call.State == "offered"
				if m.Call.State == "ended" {
					*call = ""
				}
			}
		default:
			return *call
		}
	}
}

// logCallStats reports what kinds of calls a random run produced, to see it
// covers the controls and not only their refusals.
func logCallStats(t *testing.T, w *world) {
	time.Sleep(100 * time.Millisecond) // the recorder writes in batches
	var st struct {
		Calls, Answered, Transfers, Joins, Outbound, Internal, Held int
	}
	err := w.db.Stats(context.Background(), w.tenant.ID, &st.Calls, &st.Answered, &st.Transfers, &st.Joins, &st.Outbound, &st.Internal, &st.Held)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("calls %d, answered %d, transferred %d, conference joins %d, outbound %d, internal %d, held %d",
		st.Calls, st.Answered, st.Transfers, st.Joins, st.Outbound, st.Internal, st.Held)
}
