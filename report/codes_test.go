package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
)

func TestCodes(t *testing.T) {
	p, err := ParsePeriod("2026-03-09", "2026-03-09", Day, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	const alice, bob, carol ccaas.AgentID = 1, 2, 3
	in := p.From.Add(time.Hour)
	call := func(id string, q ccaas.QueueID, name string, arrived time.Time, ds ...ccaas.Disposition) ccaas.CallRecord {
		for i := range ds {
			ds[i].Call = ccaas.CallID(id)
		}
		return ccaas.CallRecord{ID: ccaas.CallID(id), Direction: "inbound", Queue: q, QueueName: name, Arrived: arrived, Ended: arrived.Add(time.Minute),
			EndReason: ccaas.EndCallerHangup, Dispositions: ds}
	}
	given := func(ag ccaas.AgentID, q ccaas.QueueID, code string) ccaas.Disposition {
		return ccaas.Disposition{Agent: ag, Queue: q, Code: code, Note: "n"}
	}
	r := Compute(Input{
		Period: p,
		Queues: []ccaas.Queue{{ID: 1, Name: "Sales", WrapupCodes: []string{"Sale", "No sale"}}, {ID: 2, Name: "Support", WrapupCodes: []string{"Complaint"}}},
		Agents: []ccaas.Agent{{ID: alice, Name: "Alice"}, {ID: bob, Name: "Bob"}}, Deleted: []ccaas.Agent{{ID: carol, Name: "Carol"}},
		Calls: []ccaas.CallRecord{
			call("c5", 1, "Sales", p.From.Add(-time.Hour), given(alice, 1, "Sale")), // before the period
			call("c1", 1, "Sales", in, given(alice, 1, "No sale"), given(bob, 1, "No sale")),
			call("c2", 1, "Sales", in, given(alice, 1, "No sale")),
			call("c3", 2, "Support", in, given(carol, 2, "Complaint"), given(bob, 2, "")), // a note only
			call("c4", 1, "Sales", in, given(alice, 1, "Old code"), given(bob, 1, "Sale")),
			call("c6", 9, "Gone", in, given(bob, 9, "X")),
			call("c7", 0, "", in, ccaas.Disposition{Agent: alice, Note: "outbound: a note"}),
		},
	})
	var got []string
	for _, row := range r.Codes {
		who := row.Name
		if row.Total {
			who = "Total"
		}
		got = append(got, fmt.Sprintf("%s/%s/%s=%d", row.QueueName, row.Code, who, row.Calls))
	}
	want := []string{
		"Gone/X/Bob=1", "Gone/X/Total=1",
		"Sales/Sale/Bob=1", "Sales/Sale/Total=1",
		"Sales/No sale/Alice=2", "Sales/No sale/Bob=1", "Sales/No sale/Total=3",
		"Sales/Old code/Alice=1", "Sales/Old code/Total=1",
		"Support/Complaint/Carol (deleted)=1", "Support/Complaint/Total=1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("codes:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if len(r.Calls) != 6 {
		t.Fatalf("the period's calls: %d, want 6", len(r.Calls))
	}
}
