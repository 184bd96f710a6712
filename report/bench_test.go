package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// synthetic is a busy tenant: calls every callEvery for days, each
// answered by one of agents (or abandoned), with ~6 state rows per call.
func synthetic(days int, callEvery time.Duration, queues, agents int) Input {
	loc := time.UTC
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, loc)
	p := Period{From: from, To: from.AddDate(0, 0, days), Granularity: Day, Loc: loc}
	in := Input{Period: p, Now: p.To}
	for q := 1; q <= queues; q++ {
		in.Queues = append(in.Queues, ccaas.Queue{ID: ccaas.QueueID(q), Name: fmt.Sprintf("Q%02d", q), ServiceLevelSeconds: 20})
	}
	for a := 1; a <= agents; a++ {
		in.Agents = append(in.Agents, ccaas.Agent{ID: ccaas.AgentID(a), Name: fmt.Sprintf("Agent %03d", a)})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for t := from; t.Before(p.To); t = t.Add(callEvery) {
		n++
		id := ccaas.CallID(fmt.Sprintf("c%d", n))
		c := ccaas.CallRecord{ID: id, Queue: ccaas.QueueID(1 + n%queues), Arrived: t, Wait: time.Duration(rng.IntN(60)) * time.Second}
		if rng.IntN(10) == 0 {
			c.EndReason, c.Ended = "caller_hangup", t.Add(c.Wait)
			in.Calls = append(in.Calls, c)
			continue
		}
		ag := ccaas.AgentID(1 + rng.IntN(agents))
		c.Answered = t.Add(c.Wait)
		c.Talk = time.Duration(60+rng.IntN(300)) * time.Second
		c.Ended = c.Answered.Add(c.Talk)
		c.EndReason = "caller_hangup"
		c.Agents = []ccaas.CallAgent{{Agent: ag, Role: "answer", Offered: c.Answered.Add(-3 * time.Second), Joined: c.Answered, Left: c.Ended}}
		in.Calls = append(in.Calls, c)
		for _, s := range []struct {
			at       time.Time
			from, to string
		}{
			{c.Answered.Add(-3 * time.Second), "ready", "offered"}, {c.Answered.Add(-time.Second), "offered", "connecting"},
			{c.Answered, "connecting", "talking"}, {c.Ended, "talking", "wrapup"}, {c.Ended.Add(10 * time.Second), "wrapup", "ready"},
		} {
			in.States = append(in.States, ccaas.StateChange{Agent: ag, At: s.at, From: s.from, To: s.to, Call: id})
		}
	}
	return in
}

// BenchmarkCompute: a quarter of a busy tenant per day (a call every 20 s:
// ~400,000 calls, 1.8 million state rows), and a week of it per hour.
func BenchmarkCompute(b *testing.B) {
	for _, bc := range []struct {
		name string
		days int
		g    Granularity
	}{{"93 days per day", 93, Day}, {"7 days per hour", 7, Hour}} {
		in := synthetic(bc.days, 20*time.Second, 10, 50)
		in.Period.Granularity = bc.g
		b.Run(bc.name, func(b *testing.B) {
			b.ReportMetric(float64(len(in.Calls)), "calls")
			b.ReportMetric(float64(len(in.States)), "rows")
			for b.Loop() {
				Compute(in)
			}
		})
	}
}
