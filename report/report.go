// Package report computes a tenant's contact-center figures from its call
// records and its agent-state log: per queue and per agent, per day or hour.
// It is pure logic: the caller reads the rows (sqlite) and renders the
// result (http).
//
// Two clocks, on purpose:
//   - Call figures (everything counted per call: offered, answered, talk,
//     hold, wrapup, transfers, missed offers) go to the bucket of the call's
//     arrival, whenever the call, its wrapup or its offers happened. A call
//     counts once it has ended (its record is written then).
//   - State times (time in each agent state) go to the bucket in which the
//     time passed: the state-log segments are cut at the bucket edges.
//
// A call belongs to the queue it was in when it ended (a call that overflowed
// from one queue to another counts in the second). Calls without a queue
// (outbound, agent to agent, straight to an extension) appear only in the
// agent figures.
package report

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/wrapup"
)

// Input is what a report is computed from.
type Input struct {
	Period Period
	// Now bounds the state times: the last known state of an agent lasts
	// until the period's end or Now, whichever comes first (zero: the end).
	Now time.Time
	// Queues and Agents name the rows and give the service-level targets
	// (the queues' current targets).
	Queues []ccaas.Queue
	Agents []ccaas.Agent
	// Deleted are the agents deleted since: their rows keep their name,
	// marked "(deleted)".
	Deleted []ccaas.Agent
	// Calls are the tenant's calls that arrived in the period.
	Calls []ccaas.CallRecord
	// Callbacks are the tenant's callbacks requested in the period, and
	// Voicemails its voicemails left in it.
	Callbacks  []ccaas.Callback
	Voicemails []ccaas.Voicemail
	// States are the tenant's state-log rows in the order they were written:
	// every agent's last row before the period (the state they were in at
	// its start), every row in the period, and the rows after it that belong
	// to a call of the period (its wrapups and missed offers).
	States []ccaas.StateChange
}

// QueueFigures are a queue's figures for one bucket (or the whole period).
// Every call counted is an inbound call that arrived in the bucket and ended
// in this queue.
type QueueFigures struct {
	// Offered: calls that arrived (whatever became of them).
	Offered int
	// Answered: calls an agent answered, i.e. was connected to the caller
	// (the record's answer time is set).
	Answered int
	// Abandoned: calls the caller hung up before any agent answered
	// (unanswered, end reason caller_hangup), while waiting or ringing.
	Abandoned int
	// Unanswered: calls that ended without an answer for another reason: the
	// maximum wait with a goodbye, a failure. Offered = Answered + Abandoned
	// + Unanswered.
	Unanswered int
	// AbandonWait is the total time abandoned calls waited before the caller
	// hung up; AbandonWaitMax the longest of those waits.
	AbandonWait, AbandonWaitMax time.Duration
	// InService: answered calls whose wait (arrival to answer) was at most
	// the queue's service-level target.
	InService int
	// Target is the queue's service-level target.
	Target time.Duration
	// Wait is the total wait of answered calls (arrival to answer).
	Wait time.Duration
	// Talk: answer to end of the answered calls, less their hold time.
	Talk time.Duration
	// Hold: time the callers were on hold.
	Hold time.Duration
	// Wrapup: time agents spent in wrapup after these calls (the wrapup
	// segments of the state log that name one of the calls).
	Wrapup time.Duration
	// Transfers: blind transfers made on these calls.
	Transfers int
	// Estimated: answered calls whose caller was told an estimated wait as
	// they entered; EstimateError the total difference, either way, between
	// what they were told and the wait they had (how good the estimates were).
	Estimated     int
	EstimateError time.Duration
}

// EstimateErrorAvg is the average difference between the wait callers were
// told and the wait they had.
func (f QueueFigures) EstimateErrorAvg() time.Duration { return avg(f.EstimateError, f.Estimated) }

// ServiceLevel is InService ÷ Offered in percent: answered within the target
// among all offered calls, abandoned and unanswered ones included (0 when
// nothing was offered).
func (f QueueFigures) ServiceLevel() float64 { return percent(f.InService, f.Offered) }

// AbandonWaitAvg is the average wait before abandoning.
func (f QueueFigures) AbandonWaitAvg() time.Duration { return avg(f.AbandonWait, f.Abandoned) }

// ASA, the average speed of answer, is the average wait of answered calls.
func (f QueueFigures) ASA() time.Duration { return avg(f.Wait, f.Answered) }

// TalkAvg is the talk time per answered call.
func (f QueueFigures) TalkAvg() time.Duration { return avg(f.Talk, f.Answered) }

// HoldAvg is the hold time per answered call.
func (f QueueFigures) HoldAvg() time.Duration { return avg(f.Hold, f.Answered) }

// WrapupAvg is the wrapup time per answered call.
func (f QueueFigures) WrapupAvg() time.Duration { return avg(f.Wrapup, f.Answered) }

// AHT, the average handling time, is (Talk + Hold + Wrapup) ÷ Answered.
func (f QueueFigures) AHT() time.Duration { return avg(f.Talk+f.Hold+f.Wrapup, f.Answered) }

func (f *QueueFigures) add(o QueueFigures) {
	f.Offered += o.Offered
	f.Answered += o.Answered
	f.Abandoned += o.Abandoned
	f.Unanswered += o.Unanswered
	f.AbandonWait += o.AbandonWait
	f.AbandonWaitMax = max(f.AbandonWaitMax, o.AbandonWaitMax)
	f.InService += o.InService
	f.Wait += o.Wait
	f.Talk += o.Talk
	f.Hold += o.Hold
	f.Wrapup += o.Wrapup
	f.Transfers += o.Transfers
	f.Estimated += o.Estimated
	f.EstimateError += o.EstimateError
}

// AgentFigures are an agent's call figures for one bucket (or the whole
// period), over the calls that arrived in it.
type AgentFigures struct {
	// Answered: calls offered to the agent (by a queue, to their extension,
	// or by a transfer) that they answered.
	Answered int
	// Other: other calls they were connected to: their outbound calls, calls
	// from other agents, conferences they joined.
	Other int
	// Talk: time connected to the calls (answered and other), less Hold.
	Talk time.Duration
	// Hold: the calls' hold time while the agent was on them.
	Hold time.Duration
	// Wrapup: time in wrapup after these calls.
	Wrapup time.Duration
	// Transfers: calls the agent passed on by blind transfer.
	Transfers int
	// Missed: offers that rang out without an answer (ring no answer: the
	// agent went Not Ready with reason missed_call).
	Missed int
}

func (f *AgentFigures) add(o AgentFigures) {
	f.Answered += o.Answered
	f.Other += o.Other
	f.Talk += o.Talk
	f.Hold += o.Hold
	f.Wrapup += o.Wrapup
	f.Transfers += o.Transfers
	f.Missed += o.Missed
}

// StateTimes is the time an agent spent in each logged-in state in a bucket
// (or the whole period). Time logged out is not counted.
type StateTimes struct {
	NotReady, Ready, Offered, Connecting, Talking, Wrapup time.Duration
}

// LoggedIn is the sum of the states.
func (s StateTimes) LoggedIn() time.Duration {
	return s.NotReady + s.Ready + s.Offered + s.Connecting + s.Talking + s.Wrapup
}

func (s *StateTimes) add(o StateTimes) {
	s.NotReady += o.NotReady
	s.Ready += o.Ready
	s.Offered += o.Offered
	s.Connecting += o.Connecting
	s.Talking += o.Talking
	s.Wrapup += o.Wrapup
}

// of is the field of a state (nil for logged out or an unknown name).
func (s *StateTimes) of(state string) *time.Duration {
	switch state {
	case wrapup.NotReady.String():
		return &s.NotReady
	case wrapup.Ready.String():
		return &s.Ready
	case wrapup.Offered.String():
		return &s.Offered
	case wrapup.Connecting.String():
		return &s.Connecting
	case wrapup.Talking.String():
		return &s.Talking
	case wrapup.Wrapup.String():
		return &s.Wrapup
	}
	return nil
}

// QueueRow is a queue's figures in one bucket, or over the period (Total).
type QueueRow struct {
	Queue  ccaas.QueueID
	Name   string
	Bucket Bucket // zero in a Total row
	Total  bool
	QueueFigures
}

// AgentRow is an agent's call figures in one bucket, or over the period.
type AgentRow struct {
	Agent  ccaas.AgentID
	Name   string
	Bucket Bucket
	Total  bool
	AgentFigures
}

// StateRow is an agent's state times in one bucket, or over the period.
type StateRow struct {
	Agent  ccaas.AgentID
	Name   string
	Bucket Bucket
	Total  bool
	StateTimes
}

// CallbackRow is a queue's callbacks requested in the period: how many,
// how many reached the customer, failed (every attempt unanswered, or the
// number failed; a callback whose queue was deleted counts as failed) or
// still wait, and the waiting time the callers saved: for each callback an
// agent took, the time from the request to that agent's first dial, which
// the caller would have spent on hold keeping their place.
type CallbackRow struct {
	Queue                            ccaas.QueueID
	Name                             string
	Requested, Reached, Failed, Open int
	Dialled                          int // callbacks an agent took (dialled at least once)
	Saved                            time.Duration
}

// SavedAvg is the waiting time saved per callback an agent took.
func (r CallbackRow) SavedAvg() time.Duration { return avg(r.Saved, r.Dialled) }

// VoicemailRow is a queue's voicemails left in the period: how many, how
// many an agent called back (and reached) or closed, how many the
// retention deleted before anyone closed them, and how many still wait; and
// how long those handled waited for it (left to closed).
type VoicemailRow struct {
	Queue                                   ccaas.QueueID
	Name                                    string
	Left, CalledBack, Closed, Expired, Open int
	HandleWait                              time.Duration // left to closed, over CalledBack + Closed
}

// HandleWaitAvg is how long a handled voicemail waited, on average.
func (r VoicemailRow) HandleWaitAvg() time.Duration {
	return avg(r.HandleWait, r.CalledBack+r.Closed)
}

// Traffic is the calls of all queues in one bucket (the page's chart).
type Traffic struct {
	Bucket                       Bucket
	Offered, Answered, Abandoned int
}

// Report is the computed report. Rows come grouped by queue or agent (by
// name), each group's buckets in order (only buckets with something to
// show) followed by the group's Total row.
type Report struct {
	Period  Period
	Buckets []Bucket
	Traffic []Traffic // every bucket, also the empty ones
	Queues  []QueueRow
	Agents  []AgentRow
	States  []StateRow
	// Codes count the wrapup codes agents gave (codes.go).
	Codes []CodeRow
	// Calls are the period's calls (with their dispositions), for the
	// export of the call records; AgentNames names their agents.
	Calls      []ccaas.CallRecord
	AgentNames map[ccaas.AgentID]string
	Callbacks  []CallbackRow  // by queue name, over the whole period
	Voicemails []VoicemailRow // by queue name, over the whole period
}

type key[ID comparable] struct {
	id     ID
	bucket int
}

// callInfo is what the state log's rows need to know of a period's call.
type callInfo struct {
	bucket int
	queue  ccaas.QueueID
}

// Compute computes the report.
func Compute(in Input) Report {
	bs := bucketer(in.Period.Buckets())
	r := Report{Period: in.Period, Buckets: bs, Traffic: make([]Traffic, len(bs))}
	for i, b := range bs {
		r.Traffic[i].Bucket = b
	}
	targets := make(map[ccaas.QueueID]time.Duration, len(in.Queues))
	queueNames := make(map[ccaas.QueueID]string, len(in.Queues))
	for _, q := range in.Queues {
		targets[q.ID] = time.Duration(q.ServiceLevelSeconds) * time.Second
		queueNames[q.ID] = q.Name
	}
	agentNames := make(map[ccaas.AgentID]string, len(in.Agents)+len(in.Deleted))
	for _, a := range in.Agents {
		agentNames[a.ID] = a.Name
	}
	for _, a := range in.Deleted {
		agentNames[a.ID] = a.Name + " (deleted)"
	}

	queues := map[key[ccaas.QueueID]]*QueueFigures{}
	agents := map[key[ccaas.AgentID]]*AgentFigures{}
	calls := make(map[ccaas.CallID]callInfo, len(in.Calls))
	for _, c := range in.Calls {
		b := bs.of(c.Arrived)
		if b < 0 {
			continue
		}
		// a callback or a voicemail is a task of its queue, not a call
		// offered to it (the caller's call was): only the agents count it
		task := c.Direction == ccaas.DirCallback || c.Direction == ccaas.DirVoicemail
		if task {
			calls[c.ID] = callInfo{bucket: b}
		} else {
			calls[c.ID] = callInfo{bucket: b, queue: c.Queue}
		}
		r.Calls = append(r.Calls, c)
		if c.Queue != 0 && !task {
			queueNames[c.Queue] = queueName(queueNames, c.Queue, c.QueueName) // a deleted queue keeps its name
			target, ok := targets[c.Queue]
			if !ok {
				target = ccaas.DefaultServiceLevelSeconds * time.Second
			}
			f := get(queues, key[ccaas.QueueID]{c.Queue, b})
			f.Target = target
			addCall(f, c)
			r.Traffic[b].Offered++
			if !c.Answered.IsZero() {
				r.Traffic[b].Answered++
			} else if c.EndReason == ccaas.EndCallerHangup {
				r.Traffic[b].Abandoned++
			}
		}
		for _, a := range c.Agents {
			f := get(agents, key[ccaas.AgentID]{a.Agent, b})
			if a.Outcome == ccaas.EndTransferred {
				f.Transfers++
			}
			if a.Joined.IsZero() {
				continue
			}
			switch a.Role {
			case ccaas.PartAnswer, ccaas.PartTransfer:
				f.Answered++
			default:
				f.Other++
			}
			f.Talk += max(a.Left.Sub(a.Joined)-a.Hold, 0)
			f.Hold += a.Hold
		}
	}

	states := map[key[ccaas.AgentID]]*StateTimes{}
	end := in.Period.To
	if !in.Now.IsZero() && in.Now.Before(end) {
		end = in.Now
	}
	for agent, idx := range byAgent(in.States) {
		for k, i := range idx {
			row := &in.States[i]
			next := end // the last known state lasts until the end (or now)
			if k+1 < len(idx) {
				next = in.States[idx[k+1]].At
			}
			// call figures of the state log: by the call's bucket
			if c, ok := calls[row.Call]; ok && row.Call != "" {
				f := get(agents, key[ccaas.AgentID]{agent, c.bucket})
				if row.From == wrapup.Offered.String() && row.Reason == wrapup.ReasonMissedCall {
					f.Missed++
				}
				if row.To == wrapup.Wrapup.String() {
					// an unfinished wrapup counts until the period's end (or now)
					w := max(next.Sub(row.At), 0)
					f.Wrapup += w
					if c.queue != 0 {
						get(queues, key[ccaas.QueueID]{c.queue, c.bucket}).Wrapup += w
					}
				}
			}
			// state times: the segment [row.At, next) cut at the bucket edges
			from, to := maxTime(row.At, in.Period.From), minTime(next, end)
			for b := bs.of(from); b >= 0 && b < len(bs) && from.Before(to); b++ {
				stop := minTime(to, bs[b].End)
				t := get(states, key[ccaas.AgentID]{agent, b})
				if d := t.of(row.To); d != nil {
					*d += stop.Sub(from)
				}
				from = stop
			}
		}
	}

	r.Callbacks = callbackRows(in.Callbacks, queueNames)
	r.Voicemails = voicemailRows(in.Voicemails, queueNames)
	r.Queues = rows(queues, func(id ccaas.QueueID) string { return queueNames[id] },
		func(f *QueueFigures) bool { return f.Offered > 0 },
		func(id ccaas.QueueID, name string, b Bucket, total bool, f QueueFigures) QueueRow {
			return QueueRow{Queue: id, Name: name, Bucket: b, Total: total, QueueFigures: f}
		}, bs, func(t *QueueFigures, f QueueFigures) { t.add(f); t.Target = f.Target })
	r.Agents = rows(agents, func(id ccaas.AgentID) string { return agentName(agentNames, id) },
		func(f *AgentFigures) bool { return *f != AgentFigures{} },
		func(id ccaas.AgentID, name string, b Bucket, total bool, f AgentFigures) AgentRow {
			return AgentRow{Agent: id, Name: name, Bucket: b, Total: total, AgentFigures: f}
		}, bs, (*AgentFigures).add)
	r.States = rows(states, func(id ccaas.AgentID) string { return agentName(agentNames, id) },
		func(s *StateTimes) bool { return s.LoggedIn() > 0 },
		func(id ccaas.AgentID, name string, b Bucket, total bool, s StateTimes) StateRow {
			return StateRow{Agent: id, Name: name, Bucket: b, Total: total, StateTimes: s}
		}, bs, (*StateTimes).add)
	r.Codes = codeRows(r.Calls, in.Queues, queueNames, agentNames)
	r.AgentNames = agentNames
	return r
}

// AgentName is the name of an agent of the report's calls, "(deleted)"
// after a deleted agent's.
func (r Report) AgentName(id ccaas.AgentID) string { return agentName(r.AgentNames, id) }

// callbackRows counts the callbacks per queue.
func callbackRows(cbs []ccaas.Callback, names map[ccaas.QueueID]string) []CallbackRow {
	return perQueue(cbs, names, func(cb ccaas.Callback) (ccaas.QueueID, string) { return cb.Queue, cb.QueueName },
		func(id ccaas.QueueID, name string) CallbackRow { return CallbackRow{Queue: id, Name: name} },
		func(row *CallbackRow, cb ccaas.Callback) {
			row.Requested++
			switch cb.State {
			case ccaas.CallbackReached:
				row.Reached++
			case ccaas.CallbackFailed, ccaas.CallbackCancelled:
				row.Failed++
			default:
				row.Open++
			}
			if !cb.FirstDialled.IsZero() {
				row.Dialled++
				row.Saved += max(cb.FirstDialled.Sub(cb.Requested), 0)
			}
		})
}

// voicemailRows counts the voicemails per queue.
func voicemailRows(vms []ccaas.Voicemail, names map[ccaas.QueueID]string) []VoicemailRow {
	return perQueue(vms, names, func(vm ccaas.Voicemail) (ccaas.QueueID, string) { return vm.Queue, vm.QueueName },
		func(id ccaas.QueueID, name string) VoicemailRow { return VoicemailRow{Queue: id, Name: name} },
		func(row *VoicemailRow, vm ccaas.Voicemail) {
			row.Left++
			switch vm.State {
			case ccaas.VoicemailCalledBack:
				row.CalledBack++
			case ccaas.VoicemailClosed:
				row.Closed++
			case ccaas.VoicemailExpired:
				row.Expired++
			default:
				row.Open++
			}
			if (vm.State == ccaas.VoicemailCalledBack || vm.State == ccaas.VoicemailClosed) && !vm.Closed.IsZero() {
				row.HandleWait += max(vm.Closed.Sub(vm.Left), 0)
			}
		})
}

// queueName is a queue's name in the report: its current name, else the
// one recorded (a deleted queue), else its id.
func queueName(names map[ccaas.QueueID]string, id ccaas.QueueID, recorded string) string {
	if name, ok := names[id]; ok {
		return name
	}
	return cmp.Or(recorded, "queue #"+strconv.FormatInt(int64(id), 10))
}

// perQueue sums items up in one row per queue, listed by the queues'
// names (then ids), so that callbacks and voicemails line up with the
// other per-queue tables: queueOf says an item's queue and the name it
// recorded, newRow starts a queue's row, count adds an item to it.
func perQueue[T, R any](items []T, names map[ccaas.QueueID]string, queueOf func(T) (ccaas.QueueID, string),
	newRow func(ccaas.QueueID, string) R, count func(*R, T)) []R {
	type queueRow struct {
		id   ccaas.QueueID
		name string
		row  R
	}
	byQueue := map[ccaas.QueueID]*queueRow{}
	for _, it := range items {
		id, recorded := queueOf(it)
		q := byQueue[id]
		if q == nil {
			q = &queueRow{id: id, name: queueName(names, id, recorded)}
			q.row = newRow(id, q.name)
			byQueue[id] = q
		}
		count(&q.row, it)
	}
	sorted := slices.SortedFunc(maps.Values(byQueue), func(a, b *queueRow) int {
		return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.id, b.id))
	})
	out := make([]R, len(sorted))
	for i, q := range sorted {
		out[i] = q.row
	}
	return out
}

// addCall counts one call of a queue.
func addCall(f *QueueFigures, c ccaas.CallRecord) {
	f.Offered++
	f.Transfers += c.Transfers
	switch {
	case !c.Answered.IsZero():
		f.Answered++
		f.Wait += c.Wait
		if c.Wait <= f.Target {
			f.InService++
		}
		f.Talk += c.Talk
		f.Hold += c.Hold
		if c.Estimated {
			f.Estimated++
			f.EstimateError += (c.Estimate - c.Wait).Abs()
		}
	case c.EndReason == ccaas.EndCallerHangup:
		f.Abandoned++
		f.AbandonWait += c.Wait
		f.AbandonWaitMax = max(f.AbandonWaitMax, c.Wait)
	default:
		f.Unanswered++
	}
}

// byAgent groups the state rows by agent, as indexes into rows: each
// agent's in time order (rows with the same time keep the order they were
// written in). Indexes, not copies: a long period has millions of rows.
func byAgent(rows []ccaas.StateChange) map[ccaas.AgentID][]int {
	counts := map[ccaas.AgentID]int{}
	for _, r := range rows {
		counts[r.Agent]++
	}
	out := make(map[ccaas.AgentID][]int, len(counts))
	for id, n := range counts {
		out[id] = make([]int, 0, n)
	}
	for i, r := range rows {
		out[r.Agent] = append(out[r.Agent], i)
	}
	for _, idx := range out {
		slices.SortStableFunc(idx, func(a, b int) int { return rows[a].At.Compare(rows[b].At) })
	}
	return out
}

// rows turns per-bucket figures into sorted rows: groups by name (then id),
// buckets in order, each group closed by its total.
func rows[ID cmp.Ordered, F any, R any](m map[key[ID]]*F, name func(ID) string, show func(*F) bool,
	row func(ID, string, Bucket, bool, F) R, bs []Bucket, add func(*F, F)) []R {
	byID := map[ID][]int{}
	for k, f := range m {
		if show(f) {
			byID[k.id] = append(byID[k.id], k.bucket)
		}
	}
	ids := make([]ID, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b ID) int { return cmp.Or(cmp.Compare(name(a), name(b)), cmp.Compare(a, b)) })
	var out []R
	for _, id := range ids {
		buckets := byID[id]
		slices.Sort(buckets)
		var total F
		for _, b := range buckets {
			f := *m[key[ID]{id, b}]
			out = append(out, row(id, name(id), bs[b], false, f))
			add(&total, f)
		}
		out = append(out, row(id, name(id), Bucket{Label: "Total"}, true, total))
	}
	return out
}

func get[K comparable, F any](m map[K]*F, k K) *F {
	f, ok := m[k]
	if !ok {
		f = new(F)
		m[k] = f
	}
	return f
}

func agentName(names map[ccaas.AgentID]string, id ccaas.AgentID) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "deleted agent #" + strconv.FormatInt(int64(id), 10)
}

func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

func avg(total time.Duration, n int) time.Duration {
	if n == 0 {
		return 0
	}
	return total / time.Duration(n)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
