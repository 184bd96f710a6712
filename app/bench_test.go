package app_test

import (
	"sort"
	"testing"
	"time"

	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// BenchmarkQueueCall runs whole queue calls (arrive, offer, answer, connect,
// caller hangs up, agent Ready again) through the real app, ARI client and
// simulator over loopback HTTP/WebSocket, and reports the latency of the two
// steps agents feel: StasisStart to the offer reaching the agent, and Answer
// to Connected.
func BenchmarkQueueCall(b *testing.B) {
	w := newWorld(b, worldOpts{loopback: true})
	s, k := w.login("alice")
	w.ready(s, k)
	var offerLat, connectLat []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		placed := time.Now()
		cust, err := w.sim.PlaceCall(asterisksim.CallSpec{From: "1", DID: testDID})
		if err != nil {
			b.Fatal(err)
		}
		offer := k.next(w.t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		offerLat = append(offerLat, time.Since(placed))
		answered := time.Now()
		w.app.Command(s, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		k.call(w.t, "connected")
		connectLat = append(connectLat, time.Since(answered))
		w.sim.Hangup(cust)
		k.state(w.t, "ready")
	}
	b.StopTimer()
	b.ReportMetric(percentile(offerLat, 50), "offer-p50-µs")
	b.ReportMetric(percentile(offerLat, 99), "offer-p99-µs")
	b.ReportMetric(percentile(connectLat, 50), "connect-p50-µs")
	b.ReportMetric(percentile(connectLat, 99), "connect-p99-µs")
}

func percentile(ds []time.Duration, p int) float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[(len(s)-1)*p/100].Microseconds())
}
