package http

import (
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/report"
)

// The export of the call records (GET /admin/reports/calls.csv): one row
// per call and agent part, with the wrapup code and note the agent gave,
// for the reports page's period. A call no agent took has one row without
// agent. A supervisor's file holds the parts of the agents of their teams.

const callsFile = "calls.csv"

// teamCalls keeps the calls an agent the supervisor sees took part in,
// with only those agents' parts and dispositions.
func teamCalls(calls []ccaas.CallRecord, sees func(ccaas.AgentID) bool) []ccaas.CallRecord {
	var out []ccaas.CallRecord
	for _, c := range calls {
		c.Agents = keepRows(c.Agents, func(a ccaas.CallAgent) bool { return sees(a.Agent) })
		c.Dispositions = keepRows(c.Dispositions, func(d ccaas.Disposition) bool { return sees(d.Agent) })
		if len(c.Agents) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// callsTable is the export's table: times in the report's zone, durations
// in seconds. An agent's disposition is on their last part of the call.
func callsTable(r report.Report, loc *time.Location) reportTable {
	t := reportTable{Title: "Call records", File: callsFile, Columns: []reportColumn{
		{"Call", "call", ""}, {"Arrived", "arrived", ""}, {"Direction", "direction", ""}, {"Queue", "queue", ""},
		{"Number", "number", ""}, {"Name", "name", ""}, {"DID", "did", ""}, {"Answered", "answered", ""}, {"Ended", "ended", ""},
		{"Wait", "wait_s", ""}, {"Talk", "talk_s", ""}, {"Hold", "hold_s", ""}, {"Transfers", "transfers", ""}, {"End", "end_reason", ""},
		{"Agent", "agent", ""}, {"Role", "role", ""}, {"Joined", "agent_joined", ""}, {"Left", "agent_left", ""}, {"Outcome", "agent_outcome", ""},
		{"Wrapup code", "code", ""}, {"Note", "note", ""},
	}}
	when := func(tm time.Time) cell {
		if tm.IsZero() {
			return cellText("")
		}
		return cellText(tm.In(loc).Format(time.RFC3339))
	}
	for _, c := range r.Calls {
		head := []cell{cellText(string(c.ID)), when(c.Arrived), cellText(c.Direction), cellText(c.QueueName), cellText(c.Number), cellText(c.Name),
			cellText(c.DID), when(c.Answered), when(c.Ended), cellDur(c.Wait), cellDur(c.Talk), cellDur(c.Hold), cellCount(c.Transfers), cellText(c.EndReason)}
		if len(c.Agents) == 0 {
			row := append(head, make([]cell, 7)...)
			t.Rows = append(t.Rows, reportRow{Values: row})
			continue
		}
		last := map[ccaas.AgentID]int{}
		for i, a := range c.Agents {
			last[a.Agent] = i
		}
		for i, a := range c.Agents {
			var code, note string
			if last[a.Agent] == i {
				for _, d := range c.Dispositions {
					if d.Agent == a.Agent {
						code, note = d.Code, d.Note
					}
				}
			}
			row := append(append([]cell(nil), head...), cellText(r.AgentName(a.Agent)), cellText(a.Role), when(a.Joined), when(a.Left),
				cellText(a.Outcome), cellText(code), cellText(note))
			t.Rows = append(t.Rows, reportRow{Values: row})
		}
	}
	return t
}
