package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

// BenchmarkReportQueries reads a day and a month of one of two tenants,
// each with a call a minute for 30 days (43,200 calls, 216,000 state rows).
func BenchmarkReportQueries(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	const days = 30
	var tenants []ccaas.TenantID
	for i := range 2 {
		ten, err := db.CreateTenant(ctx, ccaas.Tenant{Domain: fmt.Sprintf("t%d.example", i), Name: "T"})
		if err != nil {
			b.Fatal(err)
		}
		tenants = append(tenants, ten.ID)
		var agents []ccaas.AgentID
		for a := range 20 {
			ag, err := db.CreateAgent(ctx, ccaas.Agent{TenantID: ten.ID, Username: fmt.Sprint("a", a), Name: "A", Extension: fmt.Sprint(1000 + a), PasswordHash: "x"})
			if err != nil {
				b.Fatal(err)
			}
			agents = append(agents, ag.ID)
		}
		for d := range days {
			var calls []ccaas.CallRecord
			var rows []ccaas.StateChange
			for m := range 24 * 60 {
				t := from.AddDate(0, 0, d).Add(time.Duration(m) * time.Minute)
				id := ccaas.CallID(fmt.Sprintf("t%d-%d-%d", i, d, m))
				ag := agents[m%len(agents)]
				ans, end := t.Add(10*time.Second), t.Add(3*time.Minute)
				calls = append(calls, ccaas.CallRecord{ID: id, Tenant: ten.ID, Direction: "inbound", Queue: 1, Arrived: t, Answered: ans, Ended: end, EndReason: "caller_hangup",
					Agents: []ccaas.CallAgent{{Agent: ag, Role: "answer", Offered: t, Joined: ans, Left: end}}})
				for k, st := range []string{"offered", "connecting", "talking", "wrapup", "ready"} {
					rows = append(rows, ccaas.StateChange{Tenant: ten.ID, Agent: ag, At: t.Add(time.Duration(k) * 40 * time.Second), To: st, Call: id})
				}
			}
			if err := db.AppendCallRecords(ctx, calls); err != nil {
				b.Fatal(err)
			}
			if err := db.AppendStateLog(ctx, rows); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, bc := range []struct {
		name string
		days int
	}{{"a day", 1}, {"a month", days}} {
		mid := from.AddDate(0, 0, days/2)
		f, t := mid, mid.AddDate(0, 0, bc.days)
		if bc.days == days {
			f, t = from, from.AddDate(0, 0, days)
		}
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				calls, err := db.CallRecords(ctx, tenants[1], f, t)
				if err != nil || len(calls) != bc.days*24*60 {
					b.Fatalf("%d calls, %v", len(calls), err)
				}
				rows, err := db.ReportStateLog(ctx, tenants[1], f, t)
				if err != nil || len(rows) < bc.days*24*60*5 {
					b.Fatalf("%d rows, %v", len(rows), err)
				}
			}
		})
	}
}
