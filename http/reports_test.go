package http

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/report"
)

// reportFixture adds to the admin fixture a day of calls and state rows in
// both tenants, a second agent in A (Lee, team South; Sam is in North) and a
// supervisor of North (Sue). All on 2026-03-09, UTC:
//
//	A1 Sales 10:00:00  Sam answers 10:00:10 (wait 10 s), ends 10:02:10 (talk 120 s), wrapup 30 s
//	A2 Sales 10:30:00  the caller hangs up at 10:30:30: abandoned after 30 s
//	A3 Sales 11:00:00  Lee answers 11:00:40 (wait 40 s, over the 20 s target), ends 11:01:40 (talk 60 s)
//	B1 Support (tenant B) 10:15:00, Kim answers: never in A's report
type reportFixture struct {
	*adminFixture
	lee, sue ccaas.Agent
}

const reportQueryUTC = "from=2026-03-09&to=2026-03-09&by=hour&tz=UTC"

func newReportFixture(t *testing.T) *reportFixture {
	t.Helper()
	f := &reportFixture{adminFixture: newAdminFixture(t)}
	ctx := context.Background()
	hash, _ := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.lee, err = f.db.CreateAgent(ctx, ccaas.Agent{TenantID: f.tA.ID, Username: "lee", Name: "Lee", Extension: "1002", PasswordHash: string(hash), Role: ccaas.RoleAgent, Team: "South"})
	must(err)
	f.sue, err = f.db.CreateAgent(ctx, ccaas.Agent{TenantID: f.tA.ID, Username: "sue", Name: "Sue", Extension: "1003", PasswordHash: string(hash), Role: ccaas.RoleSupervisor, Team: "North"})
	must(err)
	f.agentA.Team = "North"
	must(f.db.UpdateAgent(ctx, f.agentA))
	at := func(hms string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04:05", "2026-03-09 "+hms)
		must(err)
		return tm
	}
	answered := func(ten ccaas.TenantID, id string, q ccaas.Queue, ag ccaas.AgentID, arrived, answeredAt, ended string) ccaas.CallRecord {
		a, ans, end := at(arrived), at(answeredAt), at(ended)
		return ccaas.CallRecord{ID: ccaas.CallID(id), Tenant: ten, Direction: "inbound", Queue: q.ID, QueueName: q.Name, Arrived: a, Answered: ans, Ended: end,
			Wait: ans.Sub(a), Talk: end.Sub(ans), EndReason: "agent_hangup",
			Agents: []ccaas.CallAgent{{Agent: ag, Role: "answer", Offered: ans.Add(-5 * time.Second), Joined: ans, Left: end, Outcome: "agent_hangup"}}}
	}
	a1 := answered(f.tA.ID, "A1", f.queueA, f.agentA.ID, "10:00:00", "10:00:10", "10:02:10")
	a1.Estimate, a1.Estimated = time.Minute, true // told about 1 minute, waited 10 s: 50 s off
	must(f.db.AppendCallRecords(ctx, []ccaas.CallRecord{
		a1,
		{ID: "A2", Tenant: f.tA.ID, Direction: "inbound", Queue: f.queueA.ID, QueueName: "Sales", Arrived: at("10:30:00"), Ended: at("10:30:30"), Wait: 30 * time.Second, EndReason: "caller_hangup"},
		answered(f.tA.ID, "A3", f.queueA, f.lee.ID, "11:00:00", "11:00:40", "11:01:40"),
		answered(f.tB.ID, "B1", f.queueB, f.agentB.ID, "10:15:00", "10:15:05", "10:45:05"),
	}))
	// callbacks: A's Sales has one reached (5 minutes saved) and one still
	// waiting; B's must not show in A's report
	for _, cb := range []ccaas.Callback{
		{ID: "K1", Tenant: f.tA.ID, Queue: f.queueA.ID, QueueName: "Sales", Call: "A9", Number: "+4930111", Arrived: at("10:39:00"), Requested: at("10:40:00"),
			State: ccaas.CallbackReached, Attempts: 1, FirstDialled: at("10:45:00"), Reached: at("10:45:20"), Ended: at("10:48:00"), Agent: f.agentA.ID},
		{ID: "K2", Tenant: f.tA.ID, Queue: f.queueA.ID, QueueName: "Sales", Call: "A8", Number: "+4930222", Arrived: at("10:50:00"), Requested: at("10:51:00"), State: ccaas.CallbackWaiting},
		{ID: "KB", Tenant: f.tB.ID, Queue: f.queueB.ID, QueueName: f.queueB.Name, Call: "B9", Number: "+4930333", Arrived: at("10:50:00"), Requested: at("10:51:00"), State: ccaas.CallbackFailed},
	} {
		must(f.db.CreateCallback(ctx, cb))
	}
	// voicemails: A's Sales has one called back 10 minutes after it was
	// left and one nobody closed; B's must not show in A's report
	for _, vm := range []ccaas.Voicemail{
		{ID: "V1", Tenant: f.tA.ID, Queue: f.queueA.ID, QueueName: "Sales", Call: "A7", Number: "+4930444", Arrived: at("10:19:00"), Left: at("10:20:00"),
			Recording: "r-v1", Seconds: 12, State: ccaas.VoicemailCalledBack, Agent: f.agentA.ID, Closed: at("10:30:00")},
		{ID: "V2", Tenant: f.tA.ID, Queue: f.queueA.ID, QueueName: "Sales", Call: "A6", Number: "+4930555", Arrived: at("10:21:00"), Left: at("10:22:00"),
			Recording: "r-v2", Seconds: 5, State: ccaas.VoicemailNew},
		{ID: "VB", Tenant: f.tB.ID, Queue: f.queueB.ID, QueueName: f.queueB.Name, Call: "B8", Number: "+4930666", Arrived: at("10:21:00"), Left: at("10:22:00"),
			Recording: "r-vb", Seconds: 5, State: ccaas.VoicemailClosed, Closed: at("10:23:00")},
	} {
		must(f.db.CreateVoicemail(ctx, vm, ccaas.Recording{ID: vm.Recording, Tenant: vm.Tenant, Kind: ccaas.RecordingVoicemail, Call: vm.Call,
			Format: "wav", Seconds: vm.Seconds, Created: vm.Left}))
	}
	row := func(ten ccaas.TenantID, ag ccaas.AgentID, hms, from, to, call string) ccaas.StateChange {
		return ccaas.StateChange{Tenant: ten, Agent: ag, At: at(hms), From: from, To: to, Call: ccaas.CallID(call)}
	}
	sam, lee := f.agentA.ID, f.lee.ID
	must(f.db.AppendStateLog(ctx, []ccaas.StateChange{
		row(f.tA.ID, sam, "09:55:00", "logged_out", "not_ready", ""),
		row(f.tA.ID, sam, "09:56:00", "not_ready", "ready", ""),
		row(f.tA.ID, sam, "10:00:05", "ready", "offered", "A1"),
		row(f.tA.ID, sam, "10:00:08", "offered", "connecting", "A1"),
		row(f.tA.ID, sam, "10:00:10", "connecting", "talking", "A1"),
		row(f.tA.ID, sam, "10:02:10", "talking", "wrapup", "A1"),
		row(f.tA.ID, sam, "10:02:40", "wrapup", "ready", "A1"),
		row(f.tA.ID, sam, "10:30:00", "ready", "logged_out", ""),
		row(f.tA.ID, lee, "10:59:00", "logged_out", "not_ready", ""),
		row(f.tA.ID, lee, "10:59:30", "not_ready", "ready", ""),
		row(f.tA.ID, lee, "11:00:35", "ready", "offered", "A3"),
		row(f.tA.ID, lee, "11:00:38", "offered", "connecting", "A3"),
		row(f.tA.ID, lee, "11:00:40", "connecting", "talking", "A3"),
		row(f.tA.ID, lee, "11:01:40", "talking", "ready", "A3"),
		row(f.tA.ID, lee, "11:30:00", "ready", "logged_out", ""),
		row(f.tB.ID, f.agentB.ID, "10:00:00", "logged_out", "ready", ""),
		row(f.tB.ID, f.agentB.ID, "10:15:00", "ready", "talking", "B1"),
		row(f.tB.ID, f.agentB.ID, "10:45:05", "talking", "wrapup", "B1"),
	}))
	must(f.db.SetDispositions(ctx, []ccaas.Disposition{
		{Tenant: f.tA.ID, Call: "A1", Agent: sam, Queue: f.queueA.ID, Code: "Sale", Note: "=cmd|' /C calc'!A0\nsecond line", At: at("10:02:20")},
		{Tenant: f.tA.ID, Call: "A3", Agent: lee, Queue: f.queueA.ID, Code: "No sale", At: at("11:01:41")},
		{Tenant: f.tB.ID, Call: "B1", Agent: f.agentB.ID, Queue: f.queueB.ID, Code: "Other tenant's", At: at("10:45:06")},
	}))
	return f
}

func (f *reportFixture) supervisor() *browser {
	f.t.Helper()
	b := f.browser()
	if r := b.login(kindTenantAdmin, "acme.example", "sue", testPassword); r.status != http.StatusSeeOther || r.location != "/admin/reports" {
		f.t.Fatalf("login of sue = %d %q: %s", r.status, r.location, r.body)
	}
	return b
}

// The CSV files of the admin, worked out by hand from the fixture.
var (
	// 10:00: A1 and A2: offered 2, answered 1, abandoned 1 (30 s), A1 in target (10 s ≤ 20 s)
	// → 50 %, ASA 10 s, talk 120 s, wrapup 30 s (Sam after A1), AHT 150 s.
	// 11:00: A3: offered 1, answered 1, not in target (40 s) → 0 %, ASA 40 s, talk 60 s, AHT 60 s.
	// Total: 3 offered, 2 answered, 1 in target → 33.3 %; ASA (10+40)/2 = 25 s; talk 180 s
	// → 90 s; wrapup 30 s → 15 s; AHT (180+30)/2 = 105 s.
	wantQueuesCSV = `queue,period,offered,answered,abandoned,abandon_wait_avg_s,abandon_wait_max_s,unanswered,service_level_target_s,service_level_pct,asa_s,talk_s,talk_avg_s,hold_s,hold_avg_s,wrapup_s,wrapup_avg_s,aht_s,transfers,estimate_error_avg_s
Sales,2026-03-09 10:00,2,1,1,30.0,30.0,0,20.0,50.0,10.0,120.0,120.0,0.0,0.0,30.0,30.0,150.0,0,50.0
Sales,2026-03-09 11:00,1,1,0,,,0,20.0,0.0,40.0,60.0,60.0,0.0,0.0,0.0,0.0,60.0,0,
Sales,Total,3,2,1,30.0,30.0,0,20.0,33.3,25.0,180.0,90.0,0.0,0.0,30.0,15.0,105.0,0,50.0
`
	wantAgentsCSV = `agent,period,answered,other_calls,talk_s,hold_s,wrapup_s,transfers,missed
Lee,2026-03-09 11:00,1,0,60.0,0.0,0.0,0,0
Lee,Total,1,0,60.0,0.0,0.0,0,0
Sam,2026-03-09 10:00,1,0,120.0,0.0,30.0,0,0
Sam,Total,1,0,120.0,0.0,30.0,0,0
`
	// Sam 09:00: not ready 09:55-09:56 (60), ready 09:56-10:00 (240).
	// Sam 10:00: ready 10:00-10:00:05 (5) + 10:02:40-10:30 (1640) = 1645, offered 3,
	// connecting 2, talking 120, wrapup 30: 1800. Logged out from 10:30.
	// Lee 10:00: not ready 30, ready 30. Lee 11:00: ready 35 + 1700 = 1735, offered 3,
	// connecting 2, talking 60: 1800.
	wantStatesCSV = `agent,period,logged_in_s,not_ready_s,ready_s,offered_s,connecting_s,talking_s,wrapup_s
Lee,2026-03-09 10:00,60.0,30.0,30.0,0.0,0.0,0.0,0.0
Lee,2026-03-09 11:00,1800.0,0.0,1735.0,3.0,2.0,60.0,0.0
Lee,Total,1860.0,30.0,1765.0,3.0,2.0,60.0,0.0
Sam,2026-03-09 09:00,300.0,60.0,240.0,0.0,0.0,0.0,0.0
Sam,2026-03-09 10:00,1800.0,0.0,1645.0,3.0,2.0,120.0,30.0
Sam,Total,2100.0,60.0,1885.0,3.0,2.0,120.0,30.0
`
)

// The wrapup codes of the fixture: Sam gave Sale for A1, Lee No sale for A3
// (no code order of the queue: by name).
var wantCodesCSV = `queue,code,agent,calls
Sales,No sale,Lee,1
Sales,No sale,All agents,1
Sales,Sale,Sam,1
Sales,Sale,All agents,1
`

// The call records: a row per call and agent, the code and note on it (a
// note that starts like a formula is defused, its line break quoted).
var wantCallsCSV = `call,arrived,direction,queue,number,name,did,answered,ended,wait_s,talk_s,hold_s,transfers,end_reason,agent,role,agent_joined,agent_left,agent_outcome,code,note
A1,2026-03-09T10:00:00Z,inbound,Sales,,,,2026-03-09T10:00:10Z,2026-03-09T10:02:10Z,10.0,120.0,0.0,0,agent_hangup,Sam,answer,2026-03-09T10:00:10Z,2026-03-09T10:02:10Z,agent_hangup,Sale,"'=cmd|' /C calc'!A0
second line"
A2,2026-03-09T10:30:00Z,inbound,Sales,,,,,2026-03-09T10:30:30Z,30.0,0.0,0.0,0,caller_hangup,,,,,,,
A3,2026-03-09T11:00:00Z,inbound,Sales,,,,2026-03-09T11:00:40Z,2026-03-09T11:01:40Z,40.0,60.0,0.0,0,agent_hangup,Lee,answer,2026-03-09T11:00:40Z,2026-03-09T11:01:40Z,agent_hangup,No sale,
`

// onlyRows keeps the header and the rows of the agents named.
func onlyRows(csvText string, agents ...string) string {
	lines := strings.SplitAfter(csvText, "\n")
	out := lines[0]
	for _, l := range lines[1:] {
		for _, a := range agents {
			if strings.HasPrefix(l, a+",") {
				out += l
			}
		}
	}
	return out
}

func TestReportCSV(t *testing.T) {
	f := newReportFixture(t)
	admin, sup := f.adminOfA(), f.supervisor()
	tests := []struct {
		name string
		b    *browser
		file string
		want string
	}{
		{"admin queues", admin, "queues", wantQueuesCSV},
		{"admin agents", admin, "agents", wantAgentsCSV},
		{"admin states", admin, "states", wantStatesCSV},
		{"admin codes", admin, "codes", wantCodesCSV},
		{"admin calls", admin, "calls", wantCallsCSV},
		{"admin callbacks", admin, "callbacks", "queue,requested,reached,failed,waiting,saved_s,saved_avg_s\nSales,2,1,0,1,300.0,300.0\n"},
		{"supervisor callbacks", sup, "callbacks", "queue,requested,reached,failed,waiting,saved_s,saved_avg_s\nSales,2,1,0,1,300.0,300.0\n"},
		{"admin voicemails", admin, "voicemails", "queue,left,called_back,closed,expired,waiting,handle_wait_avg_s\nSales,2,1,0,0,1,600.0\n"},
		// a supervisor of North sees every queue, but only Sam among the agents
		{"supervisor queues", sup, "queues", wantQueuesCSV},
		{"supervisor agents", sup, "agents", onlyRows(wantAgentsCSV, "Sam")},
		{"supervisor states", sup, "states", onlyRows(wantStatesCSV, "Sam")},
		// a code's total is its queue's figure; the agents' rows are the team's
		{"supervisor codes", sup, "codes", "queue,code,agent,calls\nSales,No sale,All agents,1\nSales,Sale,Sam,1\nSales,Sale,All agents,1\n"},
		// the calls Sam took part in, only: no unanswered call, none of Lee's
		{"supervisor calls", sup, "calls", strings.Join(strings.SplitAfter(wantCallsCSV, "\n")[:3], "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.b.get("/admin/reports/" + tt.file + ".csv?" + reportQueryUTC)
			if r.status != 200 || r.body != tt.want {
				t.Fatalf("%s.csv = %d\n%s\nwant\n%s", tt.file, r.status, r.body, tt.want)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="`+tt.file+`_2026-03-09_2026-03-09_hour.csv"` {
				t.Errorf("Content-Disposition %q", cd)
			}
		})
	}
	t.Run("per day in another zone", func(t *testing.T) {
		// in New York (UTC-4 on 2026-03-09) all of A's calls are on the 9th, 06:00-07:00 local
		r := admin.get("/admin/reports/queues.csv?from=2026-03-09&to=2026-03-10&by=day&tz=America/New_York")
		want := "Sales,2026-03-09,3,2,1,30.0,30.0,0,20.0,33.3,25.0,180.0,90.0,0.0,0.0,30.0,15.0,105.0,0,50.0\n"
		if r.status != 200 || !strings.Contains(r.body, want) || strings.Count(r.body, "\n") != 3 {
			t.Fatalf("queues.csv = %d\n%s", r.status, r.body)
		}
	})
	t.Run("a deleted agent keeps their rows, named, for their team's supervisor too", func(t *testing.T) {
		if err := f.db.DeleteAgent(context.Background(), f.tA.ID, f.agentA.ID); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			b    *browser
			file string
			want string
		}{
			{admin, "agents", strings.ReplaceAll(wantAgentsCSV, "Sam,", "Sam (deleted),")},
			{admin, "states", strings.ReplaceAll(wantStatesCSV, "Sam,", "Sam (deleted),")},
			{sup, "agents", onlyRows(strings.ReplaceAll(wantAgentsCSV, "Sam,", "Sam (deleted),"), "Sam (deleted)")},
		} {
			if r := tt.b.get("/admin/reports/" + tt.file + ".csv?" + reportQueryUTC); r.status != 200 || r.body != tt.want {
				t.Errorf("%s.csv = %d\n%s\nwant\n%s", tt.file, r.status, r.body, tt.want)
			}
		}
	})
}

// Names that a spreadsheet would run as formulas are defused; commas,
// quotes and line breaks are quoted; HTML is text on the page.
func TestReportEscaping(t *testing.T) {
	f := newReportFixture(t)
	ctx := context.Background()
	names := map[*ccaas.Agent]string{&f.agentA: `=HYPERLINK("http://evil.example","x")`, &f.lee: "@SUM(1+1)"}
	for ag, name := range names {
		ag.Name = name
		if err := f.db.UpdateAgent(ctx, *ag); err != nil {
			t.Fatal(err)
		}
	}
	q := f.queueA
	q.Name = "-2+3 <script>alert(1)</script>, \"quoted\"\nnext"
	if err := f.db.UpdateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	admin := f.adminOfA()
	recs := func(file string) [][]string {
		r := admin.get("/admin/reports/" + file + ".csv?" + reportQueryUTC)
		rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
		if r.status != 200 || err != nil {
			t.Fatalf("%s.csv = %d %v\n%s", file, r.status, err, r.body)
		}
		return rows
	}
	var firsts []string
	for _, file := range []string{"queues", "agents"} {
		for _, rec := range recs(file)[1:] {
			firsts = append(firsts, rec[0])
		}
	}
	want := []string{
		"'-2+3 <script>alert(1)</script>, \"quoted\"\nnext", "'-2+3 <script>alert(1)</script>, \"quoted\"\nnext", "'-2+3 <script>alert(1)</script>, \"quoted\"\nnext",
		`'=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`, "'@SUM(1+1)", "'@SUM(1+1)",
	}
	if !reflect.DeepEqual(firsts, want) {
		t.Fatalf("first cells %q\nwant %q", firsts, want)
	}
	page := admin.get("/admin/reports?" + reportQueryUTC)
	if page.status != 200 || strings.Contains(page.body, "<script>") || !strings.Contains(page.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("page = %d, HTML not escaped:\n%s", page.status, page.body)
	}
	for _, s := range []string{"=", "+", "-", "@", "\t", "\r"} {
		if got := csvSafe(s + "1"); got != "'"+s+"1" {
			t.Errorf("csvSafe(%q) = %q", s+"1", got)
		}
	}
	if got := csvSafe("12.5"); got != "12.5" {
		t.Errorf("csvSafe changed a number: %q", got)
	}
}

func TestReportPage(t *testing.T) {
	f := newReportFixture(t)
	admin := f.adminOfA()
	r := admin.get("/admin/reports?" + reportQueryUTC)
	if r.status != 200 {
		t.Fatalf("page = %d\n%s", r.status, r.body)
	}
	for _, want := range []string{
		"2026-03-09, per hour", "times in UTC",
		// the queue table's 10:00 row and total, as the page shows them
		"<td>Sales</td><td>2026-03-09 10:00</td><td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0:30</td>",
		"<td class=\"num\">50.0 %</td>", "<td class=\"num\">33.3 %</td>", "<td class=\"num\">1:45</td>", // AHT of the total: 105 s
		"<td class=\"num\">—</td>", // 11:00 had no abandoned call to average
		// the agents' tables and the chart of states
		"<td>Lee</td>", "<td>Sam</td>", "<span class=\"stack-name\">Sam</span>", "<span class=\"stack-total\">35:00</span>",
		// a column per hour: 10:00 is the highest (2 offered, 1 answered), 11:00 half of it
		`title="2026-03-09 10:00: 2 offered, 1 answered, 1 abandoned"><span class="bar offered h100"></span><span class="bar answered h50"></span>`,
		`title="2026-03-09 11:00: 1 offered, 1 answered, 0 abandoned"><span class="bar offered h50"></span><span class="bar answered h50"></span>`,
		// CSV links with the same period
		`href="/admin/reports/queues.csv?by=hour&amp;from=2026-03-09&amp;to=2026-03-09&amp;tz=UTC"`,
		`href="/admin/reports/agents.csv?by=hour&amp;from=2026-03-09&amp;to=2026-03-09&amp;tz=UTC"`,
		`href="/admin/reports/states.csv?by=hour&amp;from=2026-03-09&amp;to=2026-03-09&amp;tz=UTC"`,
		`href="/admin/reports/codes.csv?by=hour&amp;from=2026-03-09&amp;to=2026-03-09&amp;tz=UTC"`,
		`href="/admin/reports/calls.csv?by=hour&amp;from=2026-03-09&amp;to=2026-03-09&amp;tz=UTC"`,
		// the wrapup codes per queue, code and agent
		`<td>Sales</td><td>Sale</td><td>Sam</td><td class="num">1</td>`,
		`<tr class="total"><td>Sales</td><td>No sale</td><td>All agents</td><td class="num">1</td>`,
		`<a href="/admin/agents"`, // an admin has every section
		// the queues' 19 columns in two tables that fit the window, each a named
		// box the keyboard reaches, with the columns' meanings shown, not hovered
		`id="queues-table-1" role="region" aria-label="Queues: Calls" tabindex="0"`,
		`id="queues-table-2" role="region" aria-label="Queues: Handling time" tabindex="0"`,
		`<dt>AHT</dt><dd>Average handling time: (talk &#43; hold &#43; wrapup) ÷ answered.</dd>`,
		`id="agents-table" role="region" aria-label="Agents" tabindex="0"`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// nothing of tenant B
	for _, not := range []string{"Support", "Kim"} {
		if strings.Contains(r.body, not) {
			t.Errorf("page shows %q of another tenant", not)
		}
	}
	if strings.Count(r.body, `<span class="bar offered`) != 24 {
		t.Errorf("want a column for each of the 24 hours")
	}
	// the stylesheet has the classes the bars use
	css := admin.get("/admin/style.css")
	for _, c := range []string{".h50{height:50%}", ".w100{width:100%}", ".s-talking"} {
		if !strings.Contains(css.body, c) {
			t.Errorf("stylesheet lacks %s", c)
		}
	}
	t.Run("defaults to today per hour in the server's zone", func(t *testing.T) {
		r := admin.get("/admin/reports")
		today := time.Now().Format("2006-01-02")
		if r.status != 200 || !strings.Contains(r.body, `value="`+today+`"`) || !strings.Contains(r.body, "server&#39;s time zone") ||
			!strings.Contains(r.body, "No queue calls ended in this period.") {
			t.Fatalf("default page = %d\n%s", r.status, r.body)
		}
	})
}

func TestReportBadInput(t *testing.T) {
	f := newReportFixture(t)
	admin := f.adminOfA()
	tests := []struct {
		name, query, want string
	}{
		{"not a date", "from=yesterday&to=2026-03-09", "first day is not a date"},
		{"no such day", "from=2026-02-30&to=2026-03-09", "first day is not a date"},
		{"reversed", "from=2026-03-09&to=2026-03-01", "is before the first"},
		{"too long", "from=2026-01-01&to=2026-12-31&by=day", "at most 93 days"},
		{"hours for too long", "from=2026-03-01&to=2026-03-09&by=hour", "per hour are for at most 7 days"},
		{"unknown granularity", "from=2026-03-01&to=2026-03-01&by=minute", "per day or per hour"},
		{"path as zone", "from=2026-03-01&tz=../../../etc/passwd", "is not a time zone"},
		{"absolute path as zone", "from=2026-03-01&tz=/etc/localtime", "is not a time zone"},
		{"unknown zone", "from=2026-03-01&tz=Mars/Olympus_Mons", "is not a time zone"},
		{"html as zone", "from=2026-03-01&tz=%3Cb%3Ebold%3C/b%3E", "&#34;&lt;b&gt;bold&lt;/b&gt;&#34; is not a time zone"},
		{"huge zone", "from=2026-03-01&tz=" + strings.Repeat("A", 5000), "is not a time zone"},
		{"html as date", "from=%3Cscript%3E&to=2026-03-01", "first day is not a date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := admin.get("/admin/reports?" + tt.query)
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, tt.want) || strings.Contains(r.body, "<b>") || strings.Contains(r.body, "<script>") {
				t.Fatalf("page = %d, want 400 saying %q\n%s", r.status, tt.want, r.body)
			}
			if !strings.Contains(r.body, `<form class="card report-form"`) {
				t.Fatal("the form is not shown again")
			}
			for _, file := range append(reportTables, callsFile) {
				if r := admin.get("/admin/reports/" + file + "?" + tt.query); r.status != http.StatusBadRequest || r.header.Get("Content-Disposition") != "" {
					t.Fatalf("%s = %d", file, r.status)
				}
			}
		})
	}
	for _, path := range []string{"/admin/reports/nope.csv", "/admin/reports/queues", "/admin/reports/..%2fagents"} {
		if r := admin.get(path + "?" + reportQueryUTC); r.status != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", path, r.status)
		}
	}
}

// Supervisors may sign in to the admin area for the reports, and nothing
// else; tenant agents may not sign in; operators and strangers get no reports.
func TestReportAccess(t *testing.T) {
	f := newReportFixture(t)
	sup := f.supervisor()
	page := sup.get("/admin/reports?" + reportQueryUTC)
	if page.status != 200 || !strings.Contains(page.body, "<td>Sam</td>") || strings.Contains(page.body, "<td>Lee</td>") ||
		!strings.Contains(page.body, "agents of your teams") {
		t.Fatalf("supervisor's page = %d\n%s", page.status, page.body)
	}
	if strings.Contains(page.body, `href="/admin/agents"`) || strings.Contains(page.body, `href="/admin/settings"`) || !strings.Contains(page.body, `href="/admin/reports"`) {
		t.Error("the supervisor's navigation offers more than the reports")
	}
	if r := sup.get("/admin"); r.status != http.StatusSeeOther || r.location != "/admin/reports" {
		t.Errorf("/admin = %d %q, want the reports", r.status, r.location)
	}
	if r := sup.get("/admin/login"); r.status != http.StatusSeeOther || r.location != "/admin/reports" {
		t.Errorf("/admin/login when signed in = %d %q", r.status, r.location)
	}
	before := f.config(f.tA.ID)
	for _, path := range []string{"/admin/agents", "/admin/agents/new", "/admin/agents/" + id(f.agentA.ID), "/admin/queues", "/admin/queues/new",
		"/admin/queues/" + id(f.queueA.ID), "/admin/variables", "/admin/reasons", "/admin/settings"} {
		if r := sup.get(path); r.status != http.StatusForbidden || !strings.Contains(r.body, "reports only") {
			t.Errorf("GET %s = %d, want 403", path, r.status)
		}
	}
	for path, form := range map[string]url.Values{
		"/admin/agents":                                  {"username": {"eve"}, "name": {"Eve"}, "extension": {"1009"}, "role": {"admin"}, "password": {"a-long-password"}, "password2": {"a-long-password"}},
		"/admin/agents/" + id(f.sue.ID):                  {"name": {"Sue"}, "extension": {"1003"}, "role": {"admin"}, "team": {"North"}},
		"/admin/agents/" + id(f.agentA.ID) + "/password": {"password": {"new-password-1"}, "password2": {"new-password-1"}},
		"/admin/agents/" + id(f.lee.ID) + "/delete":      {"confirm": {"yes"}},
		"/admin/queues/" + id(f.queueA.ID) + "/delete":   {"confirm": {"yes"}},
		"/admin/reasons":                                 {"reasons": {"coaching"}},
		"/admin/settings":                                {"agent_calls_not_ready": {"on"}},
	} {
		if r := sup.post(path, form); r.status != http.StatusForbidden {
			t.Errorf("POST %s = %d, want 403", path, r.status)
		}
	}
	if after := f.config(f.tA.ID); !reflect.DeepEqual(before, after) {
		t.Fatal("a supervisor changed the configuration")
	}
	if r := sup.post("/admin/logout", nil); r.status != http.StatusSeeOther {
		t.Errorf("supervisor logout = %d", r.status)
	}

	t.Run("agents may not sign in", func(t *testing.T) {
		b := f.browser()
		if r := b.login(kindTenantAdmin, "acme.example", "lee", testPassword); r.status != http.StatusForbidden {
			t.Fatalf("login of an agent = %d", r.status)
		}
		if r := b.get("/admin/reports"); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Fatalf("reports without a session = %d %q", r.status, r.location)
		}
	})
	t.Run("operators get no tenant reports", func(t *testing.T) {
		if r := f.operator().get("/admin/reports?" + reportQueryUTC); r.status != http.StatusForbidden || strings.Contains(r.body, "Sales") {
			t.Fatalf("operator = %d", r.status)
		}
	})
	t.Run("another tenant's admin sees only their own", func(t *testing.T) {
		b := f.loggedIn(kindTenantAdmin, "beta.example", "bob", testPassword)
		r := b.get("/admin/reports/queues.csv?" + reportQueryUTC)
		// B1: answered after 5 s, talk 30 min; Kim's wrapup has no end yet in the log: it counts until the day's end
		if r.status != 200 || strings.Contains(r.body, "Sales") || !strings.Contains(r.body, "Support,2026-03-09 10:00,1,1,0,,,0,20.0,100.0,5.0,1800.0,") {
			t.Fatalf("B's queues.csv = %d\n%s", r.status, r.body)
		}
	})
	t.Run("admin made supervisor logs in again and keeps only the reports", func(t *testing.T) {
		b := f.adminOfA()
		f.demoteAdminA(t, ccaas.RoleSupervisor)
		if r := b.get("/admin/agents"); r.status != http.StatusSeeOther || r.location != "/admin/login" {
			t.Fatalf("the admin's session after the role change = %d %q", r.status, r.location)
		}
		if r := b.login(kindTenantAdmin, "acme.example", "ann", testPassword); r.status != http.StatusSeeOther || r.location != "/admin/reports" {
			t.Fatalf("login as supervisor = %d %q", r.status, r.location)
		}
		if r := b.get("/admin/agents"); r.status != http.StatusForbidden {
			t.Fatalf("agents page after demotion = %d", r.status)
		}
		// Ann leads no team: no agent rows at all
		if r := b.get("/admin/reports/agents.csv?" + reportQueryUTC); r.status != 200 || r.body != "agent,period,answered,other_calls,talk_s,hold_s,wrapup_s,transfers,missed\n" {
			t.Fatalf("agents.csv of a supervisor without a team = %d\n%s", r.status, r.body)
		}
	})
}

// FuzzReportQuery: any query is a period within the limits or refused with
// a message for the user; zones never reach the file system by path.
func FuzzReportQuery(f *testing.F) {
	f.Add("2026-03-09", "2026-03-10", "hour", "Europe/Berlin")
	f.Add("", "", "", "")
	f.Add("2026-03-09", "2026-01-01", "day", "../../../../etc/passwd")
	f.Add("2026-01-01", "2026-04-03", "day", "UTC")
	f.Add("<b>", "2026-01-01", "week", "Local")
	now := time.Date(2026, 3, 9, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, from, to, by, tz string) {
		q, err := parseReportQuery(url.Values{"from": {from}, "to": {to}, "by": {by}, "tz": {tz}}, now)
		if err != nil {
			if !errors.Is(err, report.ErrBadPeriod) {
				t.Fatalf("error without ErrBadPeriod: %v", err)
			}
			return
		}
		if strings.Contains(tz, "..") || strings.HasPrefix(strings.TrimSpace(tz), "/") {
			t.Fatalf("zone %q accepted", tz)
		}
		if d := q.period.Days(); d < 1 || d > report.MaxDays || q.period.Granularity == report.Hour && d > report.MaxHourDays {
			t.Fatalf("period of %d days per %s", d, q.period.Granularity)
		}
		if back, err := url.ParseQuery(q.query()); err != nil || back.Get("from") != q.period.FirstDay() || back.Get("to") != q.period.LastDay() {
			t.Fatalf("link query %q does not name the period %s..%s", q.query(), q.period.FirstDay(), q.period.LastDay())
		}
	})
}
