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
	"github.com/ccaas/ccaas/sqlite"
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
				// Support requires a wrapup code (odd seeds); Billing takes transfers
				w := newWorld(t, worldOpts{ringSeconds: 1, wrapupSeconds: 1, queueLog: qlog.log,
					settings: &ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", EndWrapupEarly: true},
					queues: func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
						both := []ccaas.Member{member(ag["alice"], 1), member(ag["bob"], 1)}
						if _, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 1, MOHClass: "default", DIDs: []string{testDID},
							Members: both, WrapupCodes: []string{"Sale"}, CodeRequired: seed%2 == 1}); err != nil {
							return err
						}
						_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Billing", RingSeconds: 1, MOHClass: "default", Members: both})
						return err
					}})
				billing := w.queueID("Billing")
				rng := rand.New(rand.NewPCG(seed, 42))
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
					id := a.poll()
					op := rng.IntN(18)
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
						w.app.Command(a.s, cti.Command{Cmd: cmd, Call: a.poll()})
					case 9:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdTransfer, Call: a.poll(), Target: other})
					case 10:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdConference, Call: a.poll(), Target: other})
					case 11:
						number := []string{other, "+4930123456"}[rng.IntN(2)]
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdDial, Number: number})
					case 12:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdDTMF, Call: a.poll(), Digits: "1#"})
					case 14:
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdConsult, Call: a.poll(), Target: other})
					case 15:
						cmd := []string{cti.CmdConsultComplete, cti.CmdConsultCancel, cti.CmdConsultConference}[rng.IntN(3)]
						w.app.Command(a.s, cti.Command{Cmd: cmd, Call: a.poll()})
					case 16:
						// a wrapup code, or a note, now and then a bad one; also in wrapup
						code := []string{"Sale", "", "Nope"}[rng.IntN(3)]
						call := a.poll()
						if call == "" {
							call = a.last()
						}
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdDisposition, Call: call, Code: code, Note: "note"})
					case 17:
						if rng.IntN(2) == 0 {
							w.app.Command(a.s, cti.Command{Cmd: cti.CmdTransfer, Call: a.poll(), Queue: billing})
						} else {
							w.app.Command(a.s, cti.Command{Cmd: cti.CmdEndWrapup})
						}
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
					if id := a.poll(); id != "" {
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdHangup, Call: id})
					}
				}
				logCallStats(t, w)
				for _, a := range agents { // a wrapup may wait for its code
					a.poll()
					for _, id := range a.seen {
						w.app.Command(a.s, cti.Command{Cmd: cti.CmdDisposition, Call: id, Code: "Sale"})
					}
				}
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

// agentRun is an agent of the random run, as their messages tell it.
type agentRun struct {
	s       *app.Session
	k       *sink
	call    ccaas.CallID   // the call the agent was last told about, "" once it ended
	ringing bool           // that call is offered to them
	seen    []ccaas.CallID // every call they were told about, in order
}

// poll drains the agent's sink and returns their call.
func (a *agentRun) poll() ccaas.CallID {
	for {
		select {
		case m := <-a.k.ch:
			if m.Call != nil {
				if a.call != m.Call.ID {
					a.seen = append(a.seen, m.Call.ID)
				}
				a.call, a.ringing = m.Call.ID, m.Call.State == "offered"
				if m.Call.State == "ended" {
					a.call = ""
				}
			}
		default:
			return a.call
		}
	}
}

// last is the call the agent was last on (the one their wrapup follows).
func (a *agentRun) last() ccaas.CallID {
	if len(a.seen) == 0 {
		return ""
	}
	return a.seen[len(a.seen)-1]
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
