package app_test

import (
	"testing"
	"time"

	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// BenchmarkConsultTransfer runs whole attended transfers through the real
// app, ARI client and simulator over loopback HTTP/WebSocket: alice talks
// to a queue caller, consults bob, bob answers, alice completes, the caller
// hangs up. It reports the steps the agents wait for: the consultation
// offered to the colleague, the colleague's Answer to both agents talking,
// and Complete to the colleague's view of the call with the customer (sent
// at once) and to the customer back in the call's bridge (ARI's answer).
func BenchmarkConsultTransfer(b *testing.B) {
	w := newWorld(b, worldOpts{loopback: true})
	sa, ka := w.login("alice")
	sb, kb := w.login("bob")
	w.ready(sa, ka)
	var offerLat, answerLat, completeLat, bridgedLat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: testDID})
		if err != nil {
			b.Fatal(err)
		}
		offer := ka.next(b, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		id := offer.Call.ID
		w.app.Command(sa, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		ka.call(b, "connected")
		w.ready(sb, kb)

		start := time.Now()
		w.app.Command(sa, cti.Command{Cmd: cti.CmdConsult, Call: id, Target: "1002"})
		kb.next(b, "the consultation offered", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		offerLat = append(offerLat, time.Since(start))

		start = time.Now()
		w.app.Command(sb, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		ka.next(b, "the consultation answered", consultIs(cti.ConsultConsulting, "connected"))
		answerLat = append(answerLat, time.Since(start))

		start = time.Now()
		w.app.Command(sa, cti.Command{Cmd: cti.CmdConsultComplete, Call: id})
		kb.next(b, "bob with the customer", func(m cti.Message) bool {
			return m.Type == cti.MsgCall && m.Call.Consult == nil && m.Call.State == "connected" && !m.Call.Held
		})
		completeLat = append(completeLat, time.Since(start))
		for w.sim.BridgeOf(cust) == "" { // the simulator's word: the customer is in the bridge again
			time.Sleep(20 * time.Microsecond)
		}
		bridgedLat = append(bridgedLat, time.Since(start))

		w.sim.Hangup(cust)
		kb.state(b, "ready")
		w.app.Command(sb, cti.Command{Cmd: cti.CmdNotReady})
		kb.state(b, "not_ready")
		ka.state(b, "ready") // no wrapup time in this world
	}
	b.StopTimer()
	for _, m := range []struct {
		name string
		lat  []time.Duration
	}{{"consult-offer", offerLat}, {"consult-answer", answerLat}, {"complete", completeLat}, {"complete-bridged", bridgedLat}} {
		b.ReportMetric(percentile(m.lat, 50), m.name+"-p50-µs")
		b.ReportMetric(percentile(m.lat, 99), m.name+"-p99-µs")
	}
}
