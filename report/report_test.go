package report

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// The fixed world of these tests, worked out by hand. Times are local, in a
// zone one hour east of UTC. The period is 2026-03-09 and 2026-03-10 (two
// days, 48 hours); "now" is 2026-03-11 00:30, after the period.
//
// Queues: Sales (id 1, target 20 s) and Support (id 2, target 30 s).
// Agents: Alice (id 1) and Bob (id 2).
//
// Calls (arrival → what happened):
//
//	C1 Sales   03-09 23:10:00  Alice answers 23:10:15 (wait 15 s, in target), 30 s hold, caller
//	                           hangs up 23:15:15: talk 300-30 = 270 s. Alice wraps up 23:15:15-23:15:45 (30 s).
//	C2 Sales   03-09 23:20:00  rings Bob 23:20:00-23:20:20, he misses it (ring no answer); Alice
//	                           answers 23:20:40 (wait 40 s, over target), transfers it at 23:25:40 to Bob,
//	                           who answers 23:25:50 and holds 60 s; he hangs up 23:30:50.
//	                           Call talk: 23:20:40..23:30:50 = 610 s - 60 s hold = 550 s (the 10 s the
//	                           caller waited for Bob count as the call's talk, but as no agent's).
//	                           Alice wraps up 23:25:40-23:26:10 (30 s); Bob none (transferred in).
//	C3 Sales   03-09 23:50:00  caller hangs up at 23:50:45 unanswered: abandoned after 45 s.
//	C4 Support 03-10 00:05:00  Bob answers 00:05:30 (wait 30 s: exactly the target, in), hangs up
//	                           00:07:30: talk 120 s. Bob wraps up 00:07:30-00:07:50 (20 s).
//	C5 Support 03-10 00:30:00  rings Alice from 00:30:05; caller hangs up at 00:30:12: abandoned after 12 s.
//	C6 Support 03-10 00:40:00  nobody takes it; maximum wait, goodbye at 00:42:00: unanswered (120 s).
//	C7 outbound 03-10 00:50:00 Alice dials out, connected 00:50:00-00:53:00: 180 s talk, no queue.
//	C9 Support 03-10 23:58:00  rings Alice from 23:58:05, she answers, connected 23:58:10 (wait 10 s, in), call ends 03-11 00:01:10 (after
//	                           the period): talk 180 s; her wrapup 00:01:10-00:01:40 (30 s) is after the
//	                           period too but belongs to the call, so it counts.
//	C0 Sales   03-08 23:59:00  before the period: ignored.
func fixture(t *testing.T, g Granularity) (Input, func(day, hms string) time.Time) {
	t.Helper()
	loc := time.FixedZone("UTC+1", 3600)
	at := func(day, hms string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", "2026-03-"+day+" "+hms, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	p, err := ParsePeriod("2026-03-09", "2026-03-10", g, loc)
	if err != nil {
		t.Fatal(err)
	}
	const alice, bob ccaas.AgentID = 1, 2
	s := func(n int) time.Duration { return time.Duration(n) * time.Second }
	leg := func(ag ccaas.AgentID, role, offered, joined, left string, hold int, outcome string) ccaas.CallAgent {
		l := ccaas.CallAgent{Agent: ag, Role: role, Offered: at(offered[:2], offered[3:]), Left: at(left[:2], left[3:]), Hold: s(hold), Outcome: outcome}
		if joined != "" {
			l.Joined = at(joined[:2], joined[3:])
		}
		return l
	}
	call := func(id string, q ccaas.QueueID, arrived, answered, ended string, wait, talk, hold, transfers int, reason string, legs ...ccaas.CallAgent) ccaas.CallRecord {
		c := ccaas.CallRecord{ID: ccaas.CallID(id), Tenant: 1, Direction: "inbound", Queue: q, Arrived: at(arrived[:2], arrived[3:]), Ended: at(ended[:2], ended[3:]),
			Wait: s(wait), Talk: s(talk), Hold: s(hold), Transfers: transfers, EndReason: reason, Agents: legs}
		switch q {
		case 0:
			c.Direction = "outbound"
		case 1:
			c.QueueName = "Sales"
		case 2:
			c.QueueName = "Support"
		}
		if answered != "" {
			c.Answered = at(answered[:2], answered[3:])
		}
		return c
	}
	row := func(ag ccaas.AgentID, when, from, to, reason, cause, callID string) ccaas.StateChange {
		return ccaas.StateChange{Tenant: 1, Agent: ag, At: at(when[:2], when[3:]), From: from, To: to, Reason: reason, Cause: cause, Call: ccaas.CallID(callID)}
	}
	in := Input{
		Period: p,
		Now:    at("11", "00:30:00"),
		Queues: []ccaas.Queue{{ID: 1, Name: "Sales", ServiceLevelSeconds: 20}, {ID: 2, Name: "Support", ServiceLevelSeconds: 30}},
		Agents: []ccaas.Agent{{ID: alice, Name: "Alice"}, {ID: bob, Name: "Bob"}},
		Calls: []ccaas.CallRecord{
			call("C0", 1, "08 23:59:00", "08 23:59:05", "09 00:02:00", 5, 175, 0, 0, "caller_hangup",
				leg(alice, "answer", "08 23:59:01", "08 23:59:05", "09 00:02:00", 0, "caller_hangup")),
			call("C1", 1, "09 23:10:00", "09 23:10:15", "09 23:15:15", 15, 270, 30, 0, "caller_hangup",
				leg(alice, "answer", "09 23:10:05", "09 23:10:15", "09 23:15:15", 30, "caller_hangup")),
			call("C2", 1, "09 23:20:00", "09 23:20:40", "09 23:30:50", 40, 550, 60, 1, "agent_hangup",
				leg(bob, "answer", "09 23:20:00", "", "09 23:20:20", 0, "withdrawn"),
				leg(alice, "answer", "09 23:20:25", "09 23:20:40", "09 23:25:40", 0, "transferred"),
				leg(bob, "transfer", "09 23:25:40", "09 23:25:50", "09 23:30:50", 60, "agent_hangup")),
			call("C3", 1, "09 23:50:00", "", "09 23:50:45", 45, 0, 0, 0, "caller_hangup"),
			call("C4", 2, "10 00:05:00", "10 00:05:30", "10 00:07:30", 30, 120, 0, 0, "agent_hangup",
				leg(bob, "answer", "10 00:05:20", "10 00:05:30", "10 00:07:30", 0, "agent_hangup")),
			call("C5", 2, "10 00:30:00", "", "10 00:30:12", 12, 0, 0, 0, "caller_hangup",
				leg(alice, "answer", "10 00:30:05", "", "10 00:30:12", 0, "caller_hangup")),
			call("C6", 2, "10 00:40:00", "", "10 00:42:00", 120, 0, 0, 0, "max_wait"),
			call("C7", 0, "10 00:50:00", "10 00:50:00", "10 00:53:00", 0, 180, 0, 0, "agent_hangup",
				leg(alice, "dialer", "10 00:50:00", "10 00:50:00", "10 00:53:00", 0, "agent_hangup")),
			call("C9", 2, "10 23:58:00", "10 23:58:10", "11 00:01:10", 10, 180, 0, 0, "caller_hangup",
				leg(alice, "answer", "10 23:58:05", "10 23:58:10", "11 00:01:10", 0, "caller_hangup")),
		},
		// as the store returns them: each agent's last row before the period
		// (Alice: logged out; Bob: Not Ready), the period's rows, and the
		// rows after it that belong to the period's calls (C9's wrapup)
		States: []ccaas.StateChange{
			row(alice, "08 20:00:00", "logged_out", "not_ready", "login", "login", ""), // superseded by the next
			row(alice, "08 21:00:00", "not_ready", "logged_out", "", "logout", ""),
			row(bob, "08 23:30:00", "logged_out", "not_ready", "login", "login", ""),
			row(alice, "09 23:00:00", "logged_out", "not_ready", "login", "login", ""),
			row(bob, "09 23:00:00", "not_ready", "ready", "", "ready", ""),
			row(alice, "09 23:05:00", "not_ready", "ready", "", "ready", ""),
			row(alice, "09 23:10:05", "ready", "offered", "", "offer", "C1"),
			row(alice, "09 23:10:10", "offered", "connecting", "", "answer", "C1"),
			row(alice, "09 23:10:15", "connecting", "talking", "", "connected", "C1"),
			row(alice, "09 23:15:15", "talking", "wrapup", "", "call ended", "C1"),
			row(alice, "09 23:15:45", "wrapup", "ready", "", "wrapup over", "C1"),
			row(bob, "09 23:20:00", "ready", "offered", "", "offer", "C2"),
			row(bob, "09 23:20:20", "offered", "not_ready", "missed_call", "ring no answer", "C2"),
			row(alice, "09 23:20:25", "ready", "offered", "", "offer", "C2"),
			row(alice, "09 23:20:35", "offered", "connecting", "", "answer", "C2"),
			row(alice, "09 23:20:40", "connecting", "talking", "", "connected", "C2"),
			row(bob, "09 23:22:00", "not_ready", "ready", "", "ready", ""),
			row(alice, "09 23:25:40", "talking", "wrapup", "", "call ended", "C2"),
			row(bob, "09 23:25:40", "ready", "offered", "", "offer", "C2"),
			row(bob, "09 23:25:45", "offered", "connecting", "", "answer", "C2"),
			row(bob, "09 23:25:50", "connecting", "talking", "", "connected", "C2"),
			row(alice, "09 23:26:10", "wrapup", "ready", "", "wrapup over", "C2"),
			row(bob, "09 23:30:50", "talking", "ready", "", "call ended", "C2"),
			row(bob, "10 00:05:20", "ready", "offered", "", "offer", "C4"),
			row(bob, "10 00:05:25", "offered", "connecting", "", "answer", "C4"),
			row(bob, "10 00:05:30", "connecting", "talking", "", "connected", "C4"),
			row(bob, "10 00:06:00", "talking", "talking", "", "not ready", "C4"), // pending lunch: same state
			row(bob, "10 00:07:30", "talking", "wrapup", "", "call ended", "C4"),
			row(bob, "10 00:07:50", "wrapup", "not_ready", "lunch", "wrapup over", "C4"), // Not Ready to the end
			row(alice, "10 00:30:05", "ready", "offered", "", "offer", "C5"),
			row(alice, "10 00:30:12", "offered", "ready", "", "withdraw", "C5"),
			row(alice, "10 00:45:00", "ready", "not_ready", "break", "not ready", ""),
			row(alice, "10 00:50:00", "not_ready", "connecting", "", "dial", "C7"),
			row(alice, "10 00:50:00", "connecting", "talking", "", "connected", "C7"), // same instant: order kept
			row(alice, "10 00:53:00", "talking", "not_ready", "break", "call ended", "C7"),
			row(alice, "10 01:00:00", "not_ready", "logged_out", "", "logout", ""),
			row(alice, "10 23:50:00", "logged_out", "not_ready", "login", "login", ""),
			row(alice, "10 23:55:00", "not_ready", "ready", "", "ready", ""),
			row(alice, "10 23:58:05", "ready", "offered", "", "offer", "C9"),
			row(alice, "10 23:58:07", "offered", "connecting", "", "answer", "C9"),
			row(alice, "10 23:58:10", "connecting", "talking", "", "connected", "C9"),
			row(alice, "11 00:01:10", "talking", "wrapup", "", "call ended", "C9"),
			row(alice, "11 00:01:40", "wrapup", "ready", "", "wrapup over", "C9"),
		},
	}
	return in, at
}

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

// Sales and Support as worked out above, the same for hours and days where
// a queue's calls fall in one hour of a day.
var (
	// Sales, 03-09 23:00 (and the whole of 03-09, and the total): C1, C2, C3.
	// offered 3; answered 2 (C1, C2); abandoned 1 (C3, after 45 s: avg = max = 45 s);
	// in target: C1 (15 s ≤ 20 s), not C2 (40 s) → service level 1/3 = 33.3 %;
	// wait of answered 15+40 = 55 s → ASA 27.5 s; talk 270+550 = 820 s → 410 s per call;
	// hold 30+60 = 90 s → 45 s; wrapup 30 (C1) + 30 (C2) = 60 s → 30 s;
	// AHT (820+90+60)/2 = 485 s; transfers 1 (C2).
	sales = QueueFigures{Offered: 3, Answered: 2, Abandoned: 1, AbandonWait: sec(45), AbandonWaitMax: sec(45), InService: 1, Target: sec(20),
		Wait: sec(55), Talk: sec(820), Hold: sec(90), Wrapup: sec(60), Transfers: 1}
	// Support, 03-10 00:00: C4, C5, C6. offered 3; answered 1 (C4); abandoned 1 (C5, 12 s);
	// unanswered 1 (C6, maximum wait); in target: C4 (30 s ≤ 30 s) → 1/3;
	// ASA 30 s; talk 120 s; hold 0; wrapup 20 s (Bob after C4); AHT 140 s.
	support0 = QueueFigures{Offered: 3, Answered: 1, Abandoned: 1, Unanswered: 1, AbandonWait: sec(12), AbandonWaitMax: sec(12), InService: 1, Target: sec(30),
		Wait: sec(30), Talk: sec(120), Wrapup: sec(20)}
	// Support, 03-10 23:00: C9. offered 1, answered 1, in target (10 s) → 100 %;
	// ASA 10 s; talk 180 s; wrapup 30 s (after the period, still C9's); AHT 210 s.
	support23 = QueueFigures{Offered: 1, Answered: 1, InService: 1, Target: sec(30), Wait: sec(10), Talk: sec(180), Wrapup: sec(30)}
	// Support over 03-10 (and the total): the two hours added: offered 4, answered 2,
	// abandoned 1 (12 s), unanswered 1, in target 2 → 50 %; wait 30+10 = 40 s → ASA 20 s;
	// talk 300 s → 150 s; wrapup 50 s → 25 s; AHT (300+50)/2 = 175 s.
	supportDay = QueueFigures{Offered: 4, Answered: 2, Abandoned: 1, Unanswered: 1, AbandonWait: sec(12), AbandonWaitMax: sec(12), InService: 2, Target: sec(30),
		Wait: sec(40), Talk: sec(300), Wrapup: sec(50)}

	// Alice, 03-09 23:00: answered C1 (talk 300-30 = 270 s, hold 30 s) and C2 (her part
	// 23:20:40-23:25:40: 300 s, no hold), transferred C2 away; wrapups 30+30 = 60 s.
	alice9 = AgentFigures{Answered: 2, Talk: sec(570), Hold: sec(30), Wrapup: sec(60), Transfers: 1}
	// Alice, 03-10 00:00: C5 rang her but the caller hung up (not a miss, nothing counted);
	// C7, her outbound call: other 1, talk 180 s.
	alice10h0 = AgentFigures{Other: 1, Talk: sec(180)}
	// Alice, 03-10 23:00: C9 answered, her part 23:58:10-00:01:10 = 180 s, wrapup 30 s.
	alice10h23 = AgentFigures{Answered: 1, Talk: sec(180), Wrapup: sec(30)}
	// Bob, 03-09 23:00: missed C2's first offer; answered it by transfer: his part
	// 23:25:50-23:30:50 = 300 s less 60 s hold = 240 s talk.
	bob9 = AgentFigures{Answered: 1, Talk: sec(240), Hold: sec(60), Missed: 1}
	// Bob, 03-10 00:00: C4, 120 s talk, 20 s wrapup.
	bob10 = AgentFigures{Answered: 1, Talk: sec(120), Wrapup: sec(20)}
)

func TestComputeQueuesAndAgentsPerHour(t *testing.T) {
	in, at := fixture(t, Hour)
	r := Compute(in)
	b := func(day, hm string) Bucket {
		s := at(day, hm+":00")
		return Bucket{Start: s, End: s.Add(time.Hour), Label: "2026-03-" + day + " " + hm}
	}
	total := Bucket{Label: "Total"}
	wantQueues := []QueueRow{
		{Queue: 1, Name: "Sales", Bucket: b("09", "23:00"), QueueFigures: sales},
		{Queue: 1, Name: "Sales", Bucket: total, Total: true, QueueFigures: sales},
		{Queue: 2, Name: "Support", Bucket: b("10", "00:00"), QueueFigures: support0},
		{Queue: 2, Name: "Support", Bucket: b("10", "23:00"), QueueFigures: support23},
		{Queue: 2, Name: "Support", Bucket: total, Total: true, QueueFigures: supportDay},
	}
	checkRows(t, "queues", r.Queues, wantQueues)
	wantAgents := []AgentRow{
		{Agent: 1, Name: "Alice", Bucket: b("09", "23:00"), AgentFigures: alice9},
		{Agent: 1, Name: "Alice", Bucket: b("10", "00:00"), AgentFigures: alice10h0},
		{Agent: 1, Name: "Alice", Bucket: b("10", "23:00"), AgentFigures: alice10h23},
		// 2 + 0 + 1 answered, 1 other, 570+180+180 = 930 s talk, 30 s hold, 60+30 = 90 s wrapup
		{Agent: 1, Name: "Alice", Bucket: total, Total: true, AgentFigures: AgentFigures{Answered: 3, Other: 1, Talk: sec(930), Hold: sec(30), Wrapup: sec(90), Transfers: 1}},
		{Agent: 2, Name: "Bob", Bucket: b("09", "23:00"), AgentFigures: bob9},
		{Agent: 2, Name: "Bob", Bucket: b("10", "00:00"), AgentFigures: bob10},
		{Agent: 2, Name: "Bob", Bucket: total, Total: true, AgentFigures: AgentFigures{Answered: 2, Talk: sec(360), Hold: sec(60), Wrapup: sec(20), Missed: 1}},
	}
	checkRows(t, "agents", r.Agents, wantAgents)

	// the chart: every hour of the period, offered/answered/abandoned of all queues
	if len(r.Traffic) != 48 {
		t.Fatalf("%d traffic buckets, want 48", len(r.Traffic))
	}
	for i, tr := range r.Traffic {
		want := map[int][3]int{23: {3, 2, 1}, 24: {3, 1, 1}, 47: {1, 1, 0}}[i]
		if got := [3]int{tr.Offered, tr.Answered, tr.Abandoned}; got != want || tr.Bucket != r.Buckets[i] {
			t.Errorf("traffic %d (%s) = %v, want %v", i, tr.Bucket.Label, got, want)
		}
	}
}

// dayBuckets are the fixture's two days, by its clock at, and the total.
func dayBuckets(at func(day, hms string) time.Time) (d9, d10, total Bucket) {
	day := func(d string) Bucket {
		start := at(d, "00:00:00")
		return Bucket{Start: start, End: start.AddDate(0, 0, 1), Label: "2026-03-" + d}
	}
	return day("09"), day("10"), Bucket{Label: "Total"}
}

func TestComputePerDay(t *testing.T) {
	in, at := fixture(t, Day)
	r := Compute(in)
	d9, d10, total := dayBuckets(at)
	checkRows(t, "queues", r.Queues, []QueueRow{
		{Queue: 1, Name: "Sales", Bucket: d9, QueueFigures: sales},
		{Queue: 1, Name: "Sales", Bucket: total, Total: true, QueueFigures: sales},
		{Queue: 2, Name: "Support", Bucket: d10, QueueFigures: supportDay},
		{Queue: 2, Name: "Support", Bucket: total, Total: true, QueueFigures: supportDay},
	})
	// Alice on 03-10: C7 and C9: answered 1, other 1, talk 180+180 = 360 s, wrapup 30 s
	alice10 := AgentFigures{Answered: 1, Other: 1, Talk: sec(360), Wrapup: sec(30)}
	checkRows(t, "agents", r.Agents, []AgentRow{
		{Agent: 1, Name: "Alice", Bucket: d9, AgentFigures: alice9},
		{Agent: 1, Name: "Alice", Bucket: d10, AgentFigures: alice10},
		{Agent: 1, Name: "Alice", Bucket: total, Total: true, AgentFigures: AgentFigures{Answered: 3, Other: 1, Talk: sec(930), Hold: sec(30), Wrapup: sec(90), Transfers: 1}},
		{Agent: 2, Name: "Bob", Bucket: d9, AgentFigures: bob9},
		{Agent: 2, Name: "Bob", Bucket: d10, AgentFigures: bob10},
		{Agent: 2, Name: "Bob", Bucket: total, Total: true, AgentFigures: AgentFigures{Answered: 2, Talk: sec(360), Hold: sec(60), Wrapup: sec(20), Missed: 1}},
	})
	if len(r.Traffic) != 2 || r.Traffic[0].Offered != 3 || r.Traffic[0].Answered != 2 || r.Traffic[1].Offered != 4 || r.Traffic[1].Answered != 2 || r.Traffic[1].Abandoned != 1 {
		t.Errorf("traffic = %+v", r.Traffic)
	}
}

// The derived figures of the queue rows, each from its definition.
func TestQueueFigureDefinitions(t *testing.T) {
	approx := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	tests := []struct {
		name                                   string
		f                                      QueueFigures
		sl                                     float64
		abandonAvg, asa, talk, hold, wrap, aht time.Duration
	}{
		// SL 1/3; abandon 45/1; ASA 55/2; talk 820/2; hold 90/2; wrapup 60/2; AHT 970/2
		{"sales", sales, 100.0 / 3, sec(45), 27500 * time.Millisecond, sec(410), sec(45), sec(30), sec(485)},
		// SL 1/3; abandon 12; ASA 30; talk 120; hold 0; wrapup 20; AHT 140
		{"support 00:00", support0, 100.0 / 3, sec(12), sec(30), sec(120), 0, sec(20), sec(140)},
		{"support 23:00", support23, 100, 0, sec(10), sec(180), 0, sec(30), sec(210)},
		// SL 2/4; ASA 40/2; talk 300/2; wrapup 50/2; AHT 350/2
		{"support day", supportDay, 50, sec(12), sec(20), sec(150), 0, sec(25), sec(175)},
		{"nothing offered", QueueFigures{}, 0, 0, 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.f
			if !approx(f.ServiceLevel(), tt.sl) || f.AbandonWaitAvg() != tt.abandonAvg || f.ASA() != tt.asa || f.TalkAvg() != tt.talk ||
				f.HoldAvg() != tt.hold || f.WrapupAvg() != tt.wrap || f.AHT() != tt.aht {
				t.Errorf("SL %v abandon %v ASA %v talk %v hold %v wrapup %v AHT %v", f.ServiceLevel(), f.AbandonWaitAvg(), f.ASA(), f.TalkAvg(), f.HoldAvg(), f.WrapupAvg(), f.AHT())
			}
			if f.Offered != f.Answered+f.Abandoned+f.Unanswered {
				t.Errorf("offered %d ≠ answered %d + abandoned %d + unanswered %d", f.Offered, f.Answered, f.Abandoned, f.Unanswered)
			}
		})
	}
}

func TestComputeStateTimesPerHour(t *testing.T) {
	in, at := fixture(t, Hour)
	r := Compute(in)
	b := func(day string, h int) Bucket {
		s := at(day, fmt.Sprintf("%02d:00:00", h))
		return Bucket{Start: s, End: s.Add(time.Hour), Label: fmt.Sprintf("2026-03-%s %02d:00", day, h)}
	}
	var want []StateRow
	add := func(ag ccaas.AgentID, name string, bk Bucket, s StateTimes) {
		want = append(want, StateRow{Agent: ag, Name: name, Bucket: bk, Total: bk.Label == "Total", StateTimes: s})
	}
	// Alice, 03-09 23:00, logged in at 23:00 (logged out before: her last row before the period):
	// not ready 23:00-23:05 = 300; ready 23:05-23:10:05 (305) + 23:15:45-23:20:25 (280)
	// + 23:26:10-24:00 (2030) = 2615; offered 5+10 = 15; connecting 5+5 = 10;
	// talking 300+300 = 600; wrapup 30+30 = 60. Sum 3600.
	add(1, "Alice", b("09", 23), StateTimes{NotReady: sec(300), Ready: sec(2615), Offered: sec(15), Connecting: sec(10), Talking: sec(600), Wrapup: sec(60)})
	// 03-10 00:00: ready 00:00-00:30:05 (1805) + 00:30:12-00:45 (888) = 2693; offered 7;
	// not ready 00:45-00:50 (300) + 00:53-01:00 (420) = 720; connecting 0 (same instant);
	// talking 00:50-00:53 = 180. Sum 3600. Logged out from 01:00.
	add(1, "Alice", b("10", 0), StateTimes{NotReady: sec(720), Ready: sec(2693), Offered: sec(7), Talking: sec(180)})
	// 03-10 23:00: not ready 23:50-23:55 = 300; ready 23:55-23:58:05 = 185; offered 2;
	// connecting 3; talking 23:58:10-24:00 = 110 (the rest of C9 is after the period). Sum 600.
	add(1, "Alice", b("10", 23), StateTimes{NotReady: sec(300), Ready: sec(185), Offered: sec(2), Connecting: sec(3), Talking: sec(110)})
	add(1, "Alice", Bucket{Label: "Total"}, StateTimes{NotReady: sec(1320), Ready: sec(5493), Offered: sec(24), Connecting: sec(13), Talking: sec(890), Wrapup: sec(60)})
	// Bob was Not Ready when the period began (his last row before it): a full hour of
	// Not Ready for each of 03-09 00:00 to 22:00.
	for h := range 23 {
		add(2, "Bob", b("09", h), StateTimes{NotReady: sec(3600)})
	}
	// 03-09 23:00: ready 23:00-23:20 (1200) + 23:22-23:25:40 (220) + 23:30:50-24:00 (1750) = 3170;
	// offered 20+5 = 25; not ready (missed) 23:20:20-23:22 = 100; connecting 5; talking 300. Sum 3600.
	add(2, "Bob", b("09", 23), StateTimes{NotReady: sec(100), Ready: sec(3170), Offered: sec(25), Connecting: sec(5), Talking: sec(300)})
	// 03-10 00:00: ready 00:00-00:05:20 = 320; offered 5; connecting 5; talking 00:05:30-00:07:30
	// = 120 (across the same-state row at 00:06); wrapup 20; not ready 00:07:50-01:00 = 3130. Sum 3600.
	add(2, "Bob", b("10", 0), StateTimes{NotReady: sec(3130), Ready: sec(320), Offered: sec(5), Connecting: sec(5), Talking: sec(120), Wrapup: sec(20)})
	// then Not Ready (lunch) until the end of the period: 01:00 to 24:00
	for h := 1; h < 24; h++ {
		add(2, "Bob", b("10", h), StateTimes{NotReady: sec(3600)})
	}
	// total: not ready 23*3600 + 100 + 3130 + 23*3600 = 168830; ready 3490; offered 30;
	// connecting 10; talking 420; wrapup 20. Sum 172800 = the 48 hours.
	add(2, "Bob", Bucket{Label: "Total"}, StateTimes{NotReady: sec(168830), Ready: sec(3490), Offered: sec(30), Connecting: sec(10), Talking: sec(420), Wrapup: sec(20)})
	checkRows(t, "states", r.States, want)
	if got := r.States[len(r.States)-1].LoggedIn(); got != 48*time.Hour {
		t.Errorf("Bob logged in %v, want the whole period", got)
	}
}

func TestComputeStateTimesPerDay(t *testing.T) {
	in, at := fixture(t, Day)
	r := Compute(in)
	d9, d10, total := dayBuckets(at)
	checkRows(t, "states", r.States, []StateRow{
		// the 03-09 23:00 hour
		{Agent: 1, Name: "Alice", Bucket: d9, StateTimes: StateTimes{NotReady: sec(300), Ready: sec(2615), Offered: sec(15), Connecting: sec(10), Talking: sec(600), Wrapup: sec(60)}},
		// 00:00 + 23:00: not ready 720+300, ready 2693+185, offered 7+2, connecting 3, talking 180+110
		{Agent: 1, Name: "Alice", Bucket: d10, StateTimes: StateTimes{NotReady: sec(1020), Ready: sec(2878), Offered: sec(9), Connecting: sec(3), Talking: sec(290)}},
		{Agent: 1, Name: "Alice", Bucket: total, Total: true, StateTimes: StateTimes{NotReady: sec(1320), Ready: sec(5493), Offered: sec(24), Connecting: sec(13), Talking: sec(890), Wrapup: sec(60)}},
		// 23 hours + 100 s not ready, and the 23:00 hour
		{Agent: 2, Name: "Bob", Bucket: d9, StateTimes: StateTimes{NotReady: sec(82900), Ready: sec(3170), Offered: sec(25), Connecting: sec(5), Talking: sec(300)}},
		// 3130 s + 23 hours not ready, and the 00:00 hour
		{Agent: 2, Name: "Bob", Bucket: d10, StateTimes: StateTimes{NotReady: sec(85930), Ready: sec(320), Offered: sec(5), Connecting: sec(5), Talking: sec(120), Wrapup: sec(20)}},
		{Agent: 2, Name: "Bob", Bucket: total, Total: true, StateTimes: StateTimes{NotReady: sec(168830), Ready: sec(3490), Offered: sec(30), Connecting: sec(10), Talking: sec(420), Wrapup: sec(20)}},
	})
}

// A period that has not ended: the last known states last until now.
func TestComputeStatesStopAtNow(t *testing.T) {
	in, at := fixture(t, Day)
	in.Now = at("10", "00:06:00")
	r := Compute(in)
	// Bob on 03-10 until 00:06: ready 320, offered 5, connecting 5, talking 00:05:30-00:06 = 30
	want := StateTimes{Ready: sec(320), Offered: sec(5), Connecting: sec(5), Talking: sec(30)}
	for _, row := range r.States {
		if row.Agent == 2 && row.Bucket.Label == "2026-03-10" && row.StateTimes != want {
			t.Errorf("Bob on 03-10 until now = %+v, want %+v", row.StateTimes, want)
		}
		// Alice has been Ready since 03-09 23:26:10: 00:00-00:06
		if row.Agent == 1 && row.Bucket.Label == "2026-03-10" && row.StateTimes != (StateTimes{Ready: sec(360)}) {
			t.Errorf("Alice on 03-10 until now = %+v, want 360 s Ready", row.StateTimes)
		}
	}
}

// Names of queues and agents that no longer exist, and unknown states.
func TestComputeDeletedAndUnknown(t *testing.T) {
	in, at := fixture(t, Day)
	// alice was deleted (her row is kept); bob's row is gone (deleted before
	// agents were kept)
	in.Queues, in.Agents, in.Deleted = nil, nil, in.Agents[:1]
	in.Calls = append(in.Calls, ccaas.CallRecord{ID: "X", Queue: 7, Arrived: at("09", "10:00:00"), Ended: at("09", "10:00:09"), Wait: sec(9), EndReason: "caller_hangup"})
	in.States = append(in.States, ccaas.StateChange{Agent: 3, At: at("09", "10:00:00"), From: "logged_out", To: "meditating"})
	r := Compute(in)
	var names []string
	for _, q := range r.Queues {
		if q.Total {
			names = append(names, fmt.Sprintf("%s/%v", q.Name, q.Target))
		}
	}
	// a deleted queue keeps its recorded name, else its id; its target is the default
	if want := []string{"Sales/20s", "Support/20s", "queue #7/20s"}; !reflect.DeepEqual(names, want) {
		t.Errorf("queues %v, want %v", names, want)
	}
	names = nil
	for _, a := range r.Agents {
		if a.Total {
			names = append(names, a.Name)
		}
	}
	if want := []string{"Alice (deleted)", "deleted agent #2"}; !reflect.DeepEqual(names, want) {
		t.Errorf("agents %v, want %v", names, want)
	}
	for _, s := range r.States {
		if s.Agent == 3 {
			t.Errorf("an unknown state counted: %+v", s)
		}
	}
}

func checkRows[R any](t *testing.T, what string, got, want []R) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s row %d:\n got %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

// oneDay is the period of the waiting room's report tests, 9 March 2026
// in UTC+1, and at, a time of that day ("10:05:00").
func oneDay(t *testing.T) (Period, func(hms string) time.Time) {
	t.Helper()
	loc := time.FixedZone("UTC+1", 3600)
	p, err := ParsePeriod("2026-03-09", "2026-03-09", Day, loc)
	if err != nil {
		t.Fatal(err)
	}
	return p, func(hms string) time.Time {
		tm, _ := time.ParseInLocation("2006-01-02 15:04:05", "2026-03-09 "+hms, loc)
		return tm
	}
}

// TestCallbacks: a queue's callbacks of the period, counted by what became
// of them, with the waiting time the callers saved (request to the first
// dial of those an agent took); the callback's own call record counts for
// its agent, never as a call offered to the queue (the caller's call was).
func TestCallbacks(t *testing.T) {
	p, at := oneDay(t)
	const sales, gone ccaas.QueueID = 1, 9
	cb := func(id string, q ccaas.QueueID, state, requested, dialled string) ccaas.Callback {
		c := ccaas.Callback{ID: ccaas.CallbackID(id), Queue: q, QueueName: "Old queue", State: state, Requested: at(requested)}
		if dialled != "" {
			c.FirstDialled = at(dialled)
		}
		return c
	}
	in := Input{Period: p, Queues: []ccaas.Queue{{ID: sales, Name: "Sales", ServiceLevelSeconds: 20}},
		Callbacks: []ccaas.Callback{
			cb("k1", sales, ccaas.CallbackReached, "10:00:00", "10:05:00"), // 5 min saved
			cb("k2", sales, ccaas.CallbackFailed, "10:01:00", "10:02:00"),  // 1 min saved, never reached
			cb("k3", sales, ccaas.CallbackWaiting, "10:02:00", ""),         // still waits
			cb("k4", gone, ccaas.CallbackCancelled, "11:00:00", ""),        // its queue was deleted
		},
		Calls: []ccaas.CallRecord{
			{ID: "c1", Direction: ccaas.DirInbound, Queue: sales, Arrived: at("09:59:30"), Ended: at("10:00:00"), EndReason: ccaas.EndCallback, Wait: 30 * time.Second},
			{ID: "k1", Direction: ccaas.DirCallback, Queue: sales, Arrived: at("09:59:30"), Answered: at("10:05:10"), Ended: at("10:08:10"), Talk: 3 * time.Minute,
				Agents: []ccaas.CallAgent{{Agent: 1, Role: ccaas.PartAnswer, Offered: at("10:05:00"), Joined: at("10:05:10"), Left: at("10:08:10")}}},
		},
	}
	r := Compute(in)
	want := []CallbackRow{
		{Queue: gone, Name: "Old queue", Requested: 1, Failed: 1},
		{Queue: sales, Name: "Sales", Requested: 3, Reached: 1, Failed: 1, Open: 1, Dialled: 2, Saved: 6 * time.Minute},
	}
	if !reflect.DeepEqual(r.Callbacks, want) {
		t.Fatalf("callbacks\n%+v\nwant\n%+v", r.Callbacks, want)
	}
	if got := want[1].SavedAvg(); got != 3*time.Minute {
		t.Errorf("saved per callback taken %v, want 3m", got)
	}
	total := r.Queues[len(r.Queues)-1]
	if total.Name != "Sales" || total.Offered != 1 || total.Answered != 0 || total.Unanswered != 1 {
		t.Errorf("Sales' calls %+v, want the caller's call only (offered, left for a callback)", total.QueueFigures)
	}
	if a := r.Agents[len(r.Agents)-1]; a.Answered != 1 || a.Talk != 3*time.Minute {
		t.Errorf("the agent who called back: %+v", a.AgentFigures)
	}
}

// TestVoicemails: a queue's voicemails of the period by what became of them,
// with how long the handled ones waited to be closed.
func TestVoicemails(t *testing.T) {
	p, at := oneDay(t)
	vm := func(state, left, closed string) ccaas.Voicemail {
		v := ccaas.Voicemail{Queue: 1, State: state, Left: at(left)}
		if closed != "" {
			v.Closed = at(closed)
		}
		return v
	}
	r := Compute(Input{Period: p, Queues: []ccaas.Queue{{ID: 1, Name: "Sales"}}, Voicemails: []ccaas.Voicemail{
		vm(ccaas.VoicemailCalledBack, "10:00:00", "10:10:00"), // 10 min
		vm(ccaas.VoicemailClosed, "10:00:00", "10:02:00"),     // 2 min
		vm(ccaas.VoicemailExpired, "10:00:00", "12:00:00"),    // not handled: no time
		vm(ccaas.VoicemailNew, "11:00:00", ""),
	}})
	want := []VoicemailRow{{Queue: 1, Name: "Sales", Left: 4, CalledBack: 1, Closed: 1, Expired: 1, Open: 1, HandleWait: 12 * time.Minute}}
	if !reflect.DeepEqual(r.Voicemails, want) {
		t.Fatalf("voicemails\n%+v\nwant\n%+v", r.Voicemails, want)
	}
	if got := want[0].HandleWaitAvg(); got != 6*time.Minute {
		t.Errorf("average time to handle %v, want 6m", got)
	}
}
