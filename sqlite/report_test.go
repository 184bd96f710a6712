package sqlite

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// reportWorld: two tenants with an agent each (the same username and
// extension), and calls and state rows before, in and after the period
// 2026-03-09T00:00Z..2026-03-10T00:00Z.
type reportWorld struct {
	db       *DB
	t1, t2   ccaas.Tenant
	a1, a1b  ccaas.Agent // tenant 1
	a2       ccaas.Agent // tenant 2
	from, to time.Time
}

func newReportWorld(t *testing.T) reportWorld {
	t.Helper()
	w := reportWorld{db: openTest(t)}
	w.t1 = createTenant(t, w.db, "one.example", "One")
	w.t2 = createTenant(t, w.db, "two.example", "Two")
	w.a1 = createAgent(t, w.db, ccaas.Agent{TenantID: w.t1.ID, Username: "sam", Name: "Sam", Extension: "1001"})
	w.a1b = createAgent(t, w.db, ccaas.Agent{TenantID: w.t1.ID, Username: "kim", Name: "Kim", Extension: "1002"})
	w.a2 = createAgent(t, w.db, ccaas.Agent{TenantID: w.t2.ID, Username: "sam", Name: "Sam Two", Extension: "1001"})
	w.from = time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	w.to = w.from.AddDate(0, 0, 1)
	return w
}

func (w reportWorld) at(hm string) time.Time {
	d, err := time.Parse("2006-01-02 15:04:05.000", hm)
	if err != nil {
		panic(err)
	}
	return d
}

func TestCallRecordsForReport(t *testing.T) {
	ctx := context.Background()
	w := newReportWorld(t)
	call := func(ten ccaas.TenantID, id, arrived string, ag ccaas.AgentID) ccaas.CallRecord {
		a := w.at(arrived)
		return ccaas.CallRecord{ID: ccaas.CallID(id), Tenant: ten, Direction: "inbound", Queue: 5, QueueName: "Sales", Number: "+4930", DID: "555",
			Arrived: a, Answered: a.Add(5 * time.Second), Ended: a.Add(65 * time.Second), Wait: 5 * time.Second, Talk: 50 * time.Second,
			Hold: 10 * time.Second, Transfers: 1, EndReason: "caller_hangup",
			Agents: []ccaas.CallAgent{
				{Agent: ag, Role: "answer", Offered: a.Add(time.Second), Left: a.Add(3 * time.Second), Outcome: "withdrawn"},
				{Agent: ag, Role: "answer", Offered: a.Add(4 * time.Second), Joined: a.Add(5 * time.Second), Left: a.Add(65 * time.Second), Hold: 10 * time.Second, Outcome: "caller_hangup"},
			}}
	}
	calls := []ccaas.CallRecord{
		call(w.t1.ID, "before", "2026-03-08 23:59:59.999", w.a1.ID),
		call(w.t1.ID, "first", "2026-03-09 00:00:00.000", w.a1.ID),
		call(w.t1.ID, "last", "2026-03-09 23:59:59.999", w.a1.ID),
		call(w.t1.ID, "after", "2026-03-10 00:00:00.000", w.a1.ID),
		call(w.t2.ID, "other tenant", "2026-03-09 12:00:00.000", w.a2.ID),
	}
	calls[2].Answered, calls[2].Talk, calls[2].Agents = time.Time{}, 0, nil // unanswered, no agent
	if err := w.db.AppendCallRecords(ctx, calls); err != nil {
		t.Fatal(err)
	}
	got, err := w.db.CallRecords(ctx, w.t1.ID, w.from, w.to)
	if err != nil {
		t.Fatal(err)
	}
	want := []ccaas.CallRecord{calls[1], calls[2]}
	for i := range want {
		want[i].Arrived, want[i].Answered, want[i].Ended = want[i].Arrived.UTC(), want[i].Answered.UTC(), want[i].Ended.UTC()
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("calls of tenant 1:\n got %+v\nwant %+v", got, want)
	}
	if got, _ := w.db.CallRecords(ctx, w.t2.ID, w.from, w.to); len(got) != 1 || got[0].ID != "other tenant" || got[0].Agents[0].Agent != w.a2.ID {
		t.Fatalf("calls of tenant 2: %+v", got)
	}
	if got, _ := w.db.CallRecord(ctx, w.t1.ID, "first"); got.Agents[1].Hold != 10*time.Second || !got.Agents[1].Joined.Equal(calls[1].Agents[1].Joined) {
		t.Fatalf("one call read back: %+v", got.Agents)
	}
}

func TestReportStateLog(t *testing.T) {
	ctx := context.Background()
	w := newReportWorld(t)
	row := func(ten ccaas.TenantID, ag ccaas.AgentID, at, from, to, call string) ccaas.StateChange {
		return ccaas.StateChange{Tenant: ten, Agent: ag, At: w.at(at), From: from, To: to, Cause: "x", Call: ccaas.CallID(call)}
	}
	rows := []ccaas.StateChange{
		row(w.t1.ID, w.a1.ID, "2026-03-08 08:00:00.000", "logged_out", "not_ready", ""),
		row(w.t1.ID, w.a1.ID, "2026-03-08 09:00:00.000", "not_ready", "ready", ""), // sam's last before
		row(w.t1.ID, w.a1b.ID, "2026-03-07 10:00:00.000", "logged_out", "not_ready", ""),
		row(w.t1.ID, w.a1b.ID, "2026-03-08 10:00:00.000", "not_ready", "logged_out", ""), // kim's last before
		row(w.t2.ID, w.a2.ID, "2026-03-08 11:00:00.000", "logged_out", "not_ready", ""),  // other tenant
		row(w.t1.ID, w.a1.ID, "2026-03-09 00:00:00.000", "ready", "offered", "in"),
		row(w.t1.ID, w.a1.ID, "2026-03-09 00:00:00.000", "offered", "connecting", "in"), // same time: written order
		row(w.t2.ID, w.a2.ID, "2026-03-09 01:00:00.000", "not_ready", "ready", ""),
		row(w.t1.ID, w.a1.ID, "2026-03-09 23:59:00.000", "connecting", "talking", "late"),
		row(w.t1.ID, w.a1.ID, "2026-03-10 00:01:00.000", "talking", "wrapup", "late"),    // after, the period's call
		row(w.t1.ID, w.a1.ID, "2026-03-10 00:01:30.000", "wrapup", "ready", "late"),      // after, the period's call
		row(w.t1.ID, w.a1.ID, "2026-03-10 00:02:00.000", "ready", "offered", "next"),     // after, a later call
		row(w.t1.ID, w.a1.ID, "2026-03-10 00:03:00.000", "offered", "not_ready", ""),     // after, no call
		row(w.t2.ID, w.a2.ID, "2026-03-10 00:01:00.000", "talking", "wrapup", "late"),    // another tenant's row naming the same id
		row(w.t1.ID, w.a1b.ID, "2026-03-08 23:59:59.999", "logged_out", "not_ready", ""), // written late, but kim's last before
	}
	if err := w.db.AppendStateLog(ctx, rows); err != nil {
		t.Fatal(err)
	}
	late := w.at("2026-03-09 23:58:00.000")
	if err := w.db.AppendCallRecords(ctx, []ccaas.CallRecord{
		{ID: "late", Tenant: w.t1.ID, Direction: "inbound", Arrived: late, Ended: late.Add(3 * time.Minute), EndReason: "caller_hangup"},
		{ID: "next", Tenant: w.t1.ID, Direction: "inbound", Arrived: w.to.Add(time.Minute), Ended: w.to.Add(2 * time.Minute), EndReason: "caller_hangup"},
	}); err != nil {
		t.Fatal(err)
	}
	got, err := w.db.ReportStateLog(ctx, w.t1.ID, w.from, w.to)
	if err != nil {
		t.Fatal(err)
	}
	var desc []string
	for _, r := range got {
		if r.Tenant != w.t1.ID {
			t.Errorf("another tenant's row: %+v", r)
		}
		desc = append(desc, fmt.Sprintf("%d %s %s>%s %s", r.Agent, r.At.Format("02 15:04:05.000"), r.From, r.To, r.Call))
	}
	sam, kim := w.a1.ID, w.a1b.ID
	want := []string{
		fmt.Sprintf("%d 08 09:00:00.000 not_ready>ready ", sam),
		fmt.Sprintf("%d 08 23:59:59.999 logged_out>not_ready ", kim),
		fmt.Sprintf("%d 09 00:00:00.000 ready>offered in", sam),
		fmt.Sprintf("%d 09 00:00:00.000 offered>connecting in", sam),
		fmt.Sprintf("%d 09 23:59:00.000 connecting>talking late", sam),
		fmt.Sprintf("%d 10 00:01:00.000 talking>wrapup late", sam),
		fmt.Sprintf("%d 10 00:01:30.000 wrapup>ready late", sam),
	}
	if !reflect.DeepEqual(desc, want) {
		t.Fatalf("rows:\n got %s\nwant %s", strings.Join(desc, "\n     "), strings.Join(want, "\n     "))
	}
	if got, _ := w.db.ReportStateLog(ctx, w.t2.ID, w.from, w.to); len(got) != 2 || got[0].Agent != w.a2.ID || got[1].To != "ready" {
		t.Fatalf("tenant 2 gets %+v, want its own last row before and the one in the period (not its row naming tenant 1's call)", got)
	}
}

// The report queries read through indexes, never a whole table: EXPLAIN
// QUERY PLAN says SEARCH (an index) rather than SCAN for every table.
func TestReportQueriesUseIndexes(t *testing.T) {
	w := newReportWorld(t)
	for q, indexes := range map[string][]string{
		reportCallsQuery:      {"calls_tenant_arrived"},
		reportCallAgentsQuery: {"calls_tenant_arrived", "call_agents"},
		// the state before, the rows of the period, the wrapups of its calls after it
		reportStateQuery: {"agent_state_log_agent_at", "agent_state_log_tenant_at", "agent_state_log_call"},
		// the calls of the period, then each one's dispositions by their key
		reportDispositionsQuery: {"calls_tenant_arrived", "sqlite_autoindex_call_dispositions_1"},
	} {
		plan := queryPlan(t, w.db, q, named(w.t1.ID, w.from, w.to)...)
		for _, index := range indexes {
			if !strings.Contains(strings.Join(plan, "\n"), index) {
				t.Errorf("no use of %s:\n%s\nin %s", index, strings.Join(plan, "\n"), q)
			}
		}
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN ") {
				t.Errorf("a full scan:\n%s\nin %s", strings.Join(plan, "\n"), q)
			}
		}
	}
}

// queryPlan is what EXPLAIN QUERY PLAN says of q, a step a line.
func queryPlan(t *testing.T, db *DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.db.Queryx(`EXPLAIN QUERY PLAN `+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}
