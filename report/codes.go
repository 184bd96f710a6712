package report

import (
	"cmp"
	"slices"

	"github.com/ccaas/ccaas"
)

// CodeRow counts the calls of the period that an agent gave a wrapup code
// of a queue, or all agents together (Total: the row that closes the code's
// group). A call counts in the period it arrived in, as every call figure;
// an agent counts a call once, with the code they gave last.
type CodeRow struct {
	Queue     ccaas.QueueID
	QueueName string
	Code      string
	Agent     ccaas.AgentID // 0 in a Total row
	Name      string        // the agent's, "" in a Total row
	Total     bool
	Calls     int
}

type codeKey struct {
	queue ccaas.QueueID
	code  string
}

// codeRows counts the period's dispositions per queue, code and agent:
// queues by name, each queue's codes in its order (codes it no longer has
// after them, by name), each code's agents by name, then the code's total.
func codeRows(calls []ccaas.CallRecord, queues []ccaas.Queue, queueNames map[ccaas.QueueID]string, agentNames map[ccaas.AgentID]string) []CodeRow {
	counts := map[codeKey]map[ccaas.AgentID]int{}
	for _, c := range calls {
		for _, d := range c.Dispositions {
			if d.Code == "" || d.Queue == 0 {
				continue
			}
			recorded := "" // the name a deleted queue had, if it was the call's
			if d.Queue == c.Queue {
				recorded = c.QueueName
			}
			queueNames[d.Queue] = queueName(queueNames, d.Queue, recorded)
			k := codeKey{d.Queue, d.Code}
			if counts[k] == nil {
				counts[k] = map[ccaas.AgentID]int{}
			}
			counts[k][d.Agent]++
		}
	}
	order := map[codeKey]int{}
	for _, q := range queues {
		for i, code := range q.WrapupCodes {
			order[codeKey{q.ID, code}] = i + 1
		}
	}
	keys := make([]codeKey, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b codeKey) int {
		rank := func(k codeKey) int {
			if n, ok := order[k]; ok {
				return n
			}
			return ccaas.MaxWrapupCodes + 1 // codes the queue no longer has come last
		}
		return cmp.Or(cmp.Compare(queueNames[a.queue], queueNames[b.queue]), cmp.Compare(a.queue, b.queue),
			cmp.Compare(rank(a), rank(b)), cmp.Compare(a.code, b.code))
	})
	var out []CodeRow
	for _, k := range keys {
		agents := make([]ccaas.AgentID, 0, len(counts[k]))
		total := 0
		for id, n := range counts[k] {
			agents = append(agents, id)
			total += n
		}
		slices.SortFunc(agents, func(a, b ccaas.AgentID) int {
			return cmp.Or(cmp.Compare(agentName(agentNames, a), agentName(agentNames, b)), cmp.Compare(a, b))
		})
		for _, id := range agents {
			out = append(out, CodeRow{Queue: k.queue, QueueName: queueNames[k.queue], Code: k.code, Agent: id, Name: agentName(agentNames, id), Calls: counts[k][id]})
		}
		out = append(out, CodeRow{Queue: k.queue, QueueName: queueNames[k.queue], Code: k.code, Total: true, Calls: total})
	}
	return out
}
