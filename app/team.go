package app

import (
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/wrapup"
)

// The supervisors' team view. Every change an agent sees on their own screen
// (state, call, line) marks them dirty; after each batch of inputs the loop
// sends each attached supervisor the dirty agents of their teams and the
// queue rows that changed. Nothing is computed while no supervisor watches.

// markDirty notes that an agent's row changed (and so, maybe, the counts
// of their queues' rows).
func (t *tenant) markDirty(ag *agent) {
	if len(t.leaders) > 0 {
		t.dirty[ag] = true
		t.queuesDirty = true
	}
}

// markQueuesDirty notes that the queue rows may have changed: a call began
// or stopped waiting, or ended (today's figures).
func (t *tenant) markQueuesDirty() { t.queuesDirty = len(t.leaders) > 0 }

// flushTeam sends the supervisors what changed since the last flush.
func (t *tenant) flushTeam() {
	if len(t.leaders) == 0 {
		return
	}
	var changedQueues []cti.TeamQueueView
	if t.queuesDirty { // recomputing the rows costs O(calls + agents): only when something moved
		t.queuesDirty = false
		for _, v := range t.queueViews() {
			if old, ok := t.queueSent[v.ID]; !ok || !sameQueueView(old, v) {
				t.queueSent[v.ID] = v
				changedQueues = append(changedQueues, v)
			}
		}
	}
	if len(t.dirty) == 0 && len(changedQueues) == 0 {
		return
	}
	dirty := make([]*agent, 0, len(t.dirty))
	for ag := range t.dirty {
		dirty = append(dirty, ag)
	}
	clear(t.dirty)
	for sup := range t.leaders {
		var tv cti.TeamView
		for _, ag := range dirty {
			if sup.cfg.Supervises(ag.cfg) {
				tv.Agents = append(tv.Agents, t.teamAgentView(ag))
			}
		}
		for _, q := range changedQueues {
			if t.servedBy(sup, q.ID) {
				tv.Queues = append(tv.Queues, q)
			}
		}
		if len(tv.Agents) > 0 || len(tv.Queues) > 0 {
			sup.sink.Send(cti.Message{Type: cti.MsgTeam, Team: &tv})
		}
	}
}

// reloadTeams applies changed roles and teams: listening in on an agent who
// is no longer led ends, and every supervisor gets their whole view again.
func (t *tenant) reloadTeams() {
	for _, ag := range t.agents {
		if w := ag.watch; w != nil && !ag.cfg.Supervises(w.target.cfg) {
			t.stopWatch(ag, "stopped")
		}
		if ag.sink == nil {
			continue
		}
		switch {
		case ag.leads():
			t.leaders[ag] = true
			tv := t.teamView(ag)
			tv.Full = true
			ag.sink.Send(cti.Message{Type: cti.MsgTeam, Team: tv})
		case t.leaders[ag]:
			delete(t.leaders, ag)
			ag.sink.Send(cti.Message{Type: cti.MsgTeam, Team: &cti.TeamView{Full: true, Agents: []cti.TeamAgentView{}, Queues: []cti.TeamQueueView{}}})
		}
	}
}

// teamView is everything a supervisor sees, for the snapshot.
func (t *tenant) teamView(sup *agent) *cti.TeamView {
	tv := &cti.TeamView{Agents: []cti.TeamAgentView{}, Queues: []cti.TeamQueueView{}}
	for _, ag := range t.agents {
		if sup.cfg.Supervises(ag.cfg) {
			tv.Agents = append(tv.Agents, t.teamAgentView(ag))
		}
	}
	slices.SortFunc(tv.Agents, func(a, b cti.TeamAgentView) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	for _, v := range t.queueViews() {
		t.queueSent[v.ID] = v
		if t.servedBy(sup, v.ID) {
			tv.Queues = append(tv.Queues, v)
		}
	}
	return tv
}

// servedBy reports whether an agent of sup's teams is a member of the queue.
func (t *tenant) servedBy(sup *agent, id ccaas.QueueID) bool {
	q := t.queues[id]
	if q == nil {
		return false
	}
	for _, m := range q.Members {
		if ag := t.agents[m.Agent]; ag != nil && sup.cfg.Supervises(ag.cfg) {
			return true
		}
	}
	return false
}

func (t *tenant) teamAgentView(ag *agent) cti.TeamAgentView {
	v := cti.TeamAgentView{
		ID: ag.cfg.ID, Name: ag.cfg.Name, Username: ag.cfg.Username, Extension: ag.cfg.Extension, Team: ag.cfg.Team,
		State: *stateView(ag), Line: ag.line.state.String(),
	}
	if c, l := ag.call, ag.leg; c != nil && l != nil {
		cv := &cti.TeamCallView{ID: c.id, State: l.state.String(), Direction: c.direction,
			Caller: cti.CallerView{Number: c.caller.Number, Name: c.caller.Name}, Held: c.held}
		if c.queue != nil {
			cv.Queue = c.queue.Name
		}
		if l.state == legOffered {
			cv.Since = timePtr(l.offeredAt)
		} else {
			cv.Since = timePtr(l.joinedAt)
		}
		if c.held {
			cv.HeldSince = timePtr(c.heldSince)
		}
		v.Call = cv
	}
	return v
}

// queueViews computes every queue's row from the figures /metrics shows
// (stats), so the team view and the metrics count alike: O(calls + members).
func (t *tenant) queueViews() []cti.TeamQueueView {
	stats := t.stats().Queues
	slices.SortFunc(stats, func(a, b QueueStats) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	out := make([]cti.TeamQueueView, 0, len(stats))
	today := t.day()
	for _, qs := range stats {
		m := qs.Members
		v := cti.TeamQueueView{ID: qs.Queue, Name: qs.Name, Waiting: qs.Waiting, Oldest: timePtr(qs.Oldest),
			Ready: m[wrapup.Ready.String()], NotReady: m[wrapup.NotReady.String()],
			Busy: m[wrapup.Offered.String()] + m[wrapup.Connecting.String()] + m[wrapup.Talking.String()] + m[wrapup.Wrapup.String()]}
		target := t.queues[qs.Queue].ServiceLevelSeconds
		v.Today = cti.QueueDay{TargetSeconds: target}
		if d := t.today[qs.Queue]; d != nil && d.day == today {
			v.Today = d.view(target)
		}
		out = append(out, v)
	}
	return out
}

func sameQueueView(a, b cti.TeamQueueView) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqFloat := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ID == b.ID && a.Name == b.Name && a.Waiting == b.Waiting && eqTime(a.Oldest, b.Oldest) &&
		a.Ready == b.Ready && a.Busy == b.Busy && a.NotReady == b.NotReady &&
		a.Today.Offered == b.Today.Offered && a.Today.Answered == b.Today.Answered && a.Today.Abandoned == b.Today.Abandoned &&
		a.Today.TargetSeconds == b.Today.TargetSeconds && eqFloat(a.Today.ServiceLevel, b.Today.ServiceLevel) && eqFloat(a.Today.AHTSeconds, b.Today.AHTSeconds)
}

// queueDay counts a queue's calls of one day, as the reports define them.
type queueDay struct {
	day               string // YYYY-MM-DD, server's local time
	offered, answered int
	abandoned         int
	inServiceLevel    int
	handled           time.Duration // talk, hold and wrapup of the answered calls
}

func (d *queueDay) view(target int) cti.QueueDay {
	v := cti.QueueDay{Offered: d.offered, Answered: d.answered, Abandoned: d.abandoned, TargetSeconds: target}
	if d.offered > 0 {
		sl := float64(d.inServiceLevel) * 100 / float64(d.offered)
		v.ServiceLevel = &sl
	}
	if d.answered > 0 {
		aht := d.handled.Seconds() / float64(d.answered)
		v.AHTSeconds = &aht
	}
	return v
}

func (t *tenant) day() string { return t.now().Local().Format(time.DateOnly) }

// queueDayOf returns today's counters of a queue, new at midnight.
func (t *tenant) queueDayOf(id ccaas.QueueID) *queueDay {
	today := t.day()
	d := t.today[id]
	if d == nil || d.day != today {
		d = &queueDay{day: today}
		t.today[id] = d
	}
	return d
}

// countCall adds an ended inbound queue call to its queue's day (the day it
// arrived on, as the reports bucket calls; a call across midnight counts on
// the new day here).
func (t *tenant) countCall(r ccaas.CallRecord) {
	if r.Direction != ccaas.DirInbound || r.Queue == 0 {
		return
	}
	t.markQueuesDirty()
	d := t.queueDayOf(r.Queue)
	d.offered++
	switch {
	case !r.Answered.IsZero():
		d.answered++
		d.handled += r.Talk + r.Hold
		if q := t.queues[r.Queue]; q != nil && r.Wait <= time.Duration(q.ServiceLevelSeconds)*time.Second {
			d.inServiceLevel++
		}
	case r.EndReason == ccaas.EndCallerHangup:
		d.abandoned++
	}
}

// countWrapup adds an agent's finished wrapup to the handle time of the
// queue whose call it followed.
func (t *tenant) countWrapup(ag *agent, tr wrapup.Transition) {
	switch {
	case tr.To == wrapup.Wrapup:
		ag.wrapupSince, ag.wrapupQueue = tr.At, ag.lastQueue
	case tr.From == wrapup.Wrapup && ag.wrapupQueue != 0 && !ag.wrapupSince.IsZero():
		t.queueDayOf(ag.wrapupQueue).handled += tr.At.Sub(ag.wrapupSince)
		ag.wrapupQueue = 0
	}
}

// DayFigures are a queue's figures of the day so far, from the call records
// and the state log, for the team view's counters to start from when ccaas
// starts during the day (package report computes them; app cannot import it).
type DayFigures struct {
	Offered, Answered, Abandoned, InServiceLevel int
	Handled                                      time.Duration // talk, hold and wrapup of the answered calls
}

// SeedDay starts a tenant's counters of day (YYYY-MM-DD, local) from what
// the records say. Call it after Load and before the ARI events connect, so
// no call is counted twice: the loop takes it first when it starts.
func (a *App) SeedDay(tenant ccaas.TenantID, day string, figures map[ccaas.QueueID]DayFigures) error {
	t := a.tenant(tenant)
	if t == nil {
		return ccaas.ErrNotFound
	}
	t.inbox.post(msgSeedDay{day: day, figures: figures})
	return nil
}

type msgSeedDay struct {
	day     string
	figures map[ccaas.QueueID]DayFigures
}

func (t *tenant) seedDay(m msgSeedDay) {
	if m.day != t.day() {
		return // the day is over
	}
	t.markQueuesDirty()
	for id, f := range m.figures {
		d := t.queueDayOf(id)
		d.offered += f.Offered
		d.answered += f.Answered
		d.abandoned += f.Abandoned
		d.inServiceLevel += f.InServiceLevel
		d.handled += f.Handled
	}
}
