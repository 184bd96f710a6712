package app

import (
	"slices"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/wrapup"
)

// teamView is the supervisors' team view. It reads the tenant's events:
// every change an agent sees on their own screen (state, call, line) marks
// the agent's row dirty, and calls waiting, connecting and ending mark the
// queue rows; after each batch of inputs it sends each attached supervisor
// the dirty agents of their teams and the queue rows that changed. Rows are
// computed from the tenant's agents and the figures, and only while a
// supervisor watches. It also keeps today's figures per queue (the reports'
// definitions) from the calls that ended and the wrapups that followed them.
type teamView struct {
	t       *tenant
	figures *figures
	leaders map[*agent]bool // supervisors with an open socket
	dirty   map[ccaas.AgentID]bool
	// queuesDirty: a queue row may have changed since the last flush
	queuesDirty bool
	queueSent   map[ccaas.QueueID]cti.TeamQueueView
	// shown are the queue rows each supervisor has been sent since their
	// snapshot: a row they got because calls waited goes on being updated
	shown   map[*agent]map[ccaas.QueueID]bool
	today   map[ccaas.QueueID]*queueDay
	wrapups map[ccaas.AgentID]wrapupSpan // running wrapups
	// the voicemails' list (team_room.go): changed since the last
	// flush, and what each supervisor was sent last
	voicemailsDirty bool
	voicemailsSent  map[*agent]string
}

// wrapupSpan is a wrapup under way: its time adds to the handle time of the
// queue whose call it follows.
type wrapupSpan struct {
	since time.Time
	queue ccaas.QueueID
}

func newTeamView(t *tenant, f *figures) *teamView {
	return &teamView{t: t, figures: f, leaders: make(map[*agent]bool), dirty: make(map[ccaas.AgentID]bool),
		queueSent: make(map[ccaas.QueueID]cti.TeamQueueView), shown: make(map[*agent]map[ccaas.QueueID]bool), today: make(map[ccaas.QueueID]*queueDay),
		wrapups: make(map[ccaas.AgentID]wrapupSpan), voicemailsSent: make(map[*agent]string)}
}

func (v *teamView) apply(events []event.Event) {
	for _, ev := range events {
		v.applyRoom(ev)
		switch e := ev.(type) {
		case event.Configured:
			v.configured()
		case event.AgentChanged:
			v.countWrapup(e)
			v.touch(e.Agent)
		case event.LineChanged:
			v.touch(e.Agent)
		case event.CallDialled:
			v.touch(e.Agent)
		case event.CallOffered:
			v.touch(e.ID)
		case event.CallConnected:
			v.touch(e.ID)
		case event.AgentLeftCall:
			v.touch(e.ID)
		case event.ConsultStarted:
			v.touch(e.From)
			v.touch(e.To)
		case event.ConsultEnded:
			v.touch(e.From)
			v.touch(e.To)
		case event.CallHeld:
			v.touchCall(e.Call)
		case event.CallResumed:
			v.touchCall(e.Call)
		case event.RecordingPaused:
			v.touchCall(e.Call)
		case event.RecordingResumed:
			v.touchCall(e.Call)
		case event.CallQueued, event.CallTimedOut, event.CallTransferred:
			v.queuesDirty = len(v.leaders) > 0
		case event.CallEnded:
			v.countCall(e.Record)
			v.queuesDirty = len(v.leaders) > 0
		case event.CallRefused:
			v.queueDayOf(e.Queue).refused++
			v.queuesDirty = len(v.leaders) > 0
		}
	}
}

// touch notes that an agent's row changed (and so, maybe, the counts of
// their queues' rows).
func (v *teamView) touch(id ccaas.AgentID) {
	if len(v.leaders) > 0 {
		v.dirty[id] = true
		v.queuesDirty = true
	}
}

// touchCall: the rows of every agent on the call changed (it was held or
// resumed).
func (v *teamView) touchCall(id ccaas.CallID) {
	if c := v.t.calls[id]; c != nil {
		for _, l := range c.legs {
			v.touch(l.ag.cfg.ID)
		}
	}
}

// attach and detach follow the supervisors' sockets: only attached
// supervisors who lead a team are sent the view.
func (v *teamView) attach(ag *agent) {
	if ag.leads() {
		v.leaders[ag] = true
	}
}

func (v *teamView) detach(ag *agent) {
	delete(v.leaders, ag)
	delete(v.shown, ag)
	delete(v.voicemailsSent, ag)
}

// flush sends the supervisors what changed since the last flush.
func (v *teamView) flush() {
	if len(v.leaders) == 0 {
		return
	}
	var changedQueues []cti.TeamQueueView
	if v.queuesDirty { // only when something moved
		v.queuesDirty = false
		for _, q := range v.queueViews() {
			if old, ok := v.queueSent[q.ID]; !ok || !sameQueueView(old, q) {
				v.queueSent[q.ID] = q
				changedQueues = append(changedQueues, q)
			}
		}
	}
	if len(v.dirty) == 0 && len(changedQueues) == 0 && !v.voicemailsDirty {
		return
	}
	dirty := make([]*agent, 0, len(v.dirty))
	for id := range v.dirty {
		if ag := v.t.agents[id]; ag != nil {
			dirty = append(dirty, ag)
		}
	}
	clear(v.dirty)
	checkVoicemails := v.voicemailsDirty
	v.voicemailsDirty = false
	for sup := range v.leaders {
		var tv cti.TeamView
		for _, ag := range dirty {
			if sup.cfg.Supervises(ag.cfg) {
				tv.Agents = append(tv.Agents, teamAgentView(ag))
			}
		}
		for _, q := range changedQueues {
			if v.shows(sup, q) {
				tv.Queues = append(tv.Queues, q)
			}
		}
		if checkVoicemails {
			tv.Voicemails = v.voicemailsChanged(sup)
		}
		if len(tv.Agents) > 0 || len(tv.Queues) > 0 || tv.Voicemails != nil {
			sup.sink.Send(cti.Message{Type: cti.MsgTeam, Team: &tv})
		}
	}
}

// configured applies changed roles and teams: every supervisor with a
// socket gets their whole view again, one who no longer leads an empty one.
func (v *teamView) configured() {
	for _, ag := range v.t.agents {
		if ag.sink == nil {
			continue
		}
		switch {
		case ag.leads():
			v.leaders[ag] = true
			tv := v.snapshot(ag)
			tv.Full = true
			ag.sink.Send(cti.Message{Type: cti.MsgTeam, Team: tv})
		case v.leaders[ag]:
			delete(v.leaders, ag)
			delete(v.shown, ag)
			ag.sink.Send(cti.Message{Type: cti.MsgTeam, Team: &cti.TeamView{Full: true, Agents: []cti.TeamAgentView{}, Queues: []cti.TeamQueueView{}}})
		}
	}
}

// snapshot is everything a supervisor sees.
func (v *teamView) snapshot(sup *agent) *cti.TeamView {
	tv := &cti.TeamView{Agents: []cti.TeamAgentView{}, Queues: []cti.TeamQueueView{}}
	for _, ag := range v.t.agents {
		if sup.cfg.Supervises(ag.cfg) {
			tv.Agents = append(tv.Agents, teamAgentView(ag))
		}
	}
	slices.SortFunc(tv.Agents, func(a, b cti.TeamAgentView) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	v.shown[sup] = nil
	for _, q := range v.queueViews() {
		v.queueSent[q.ID] = q
		if v.shows(sup, q) {
			tv.Queues = append(tv.Queues, q)
		}
	}
	tv.Voicemails = v.voicemailsFor(sup)
	v.voicemailsSent[sup] = voicemailsKey(tv.Voicemails)
	return tv
}

// shows reports whether a supervisor's view has a queue's row, and notes
// that it has: every queue an agent of their teams serves, and any other
// queue of the tenant while calls wait in it (a queue with no member, or
// none in a team, would otherwise keep callers waiting out of every
// supervisor's sight); such a row, once shown, is kept up to date.
func (v *teamView) shows(sup *agent, q cti.TeamQueueView) bool {
	if !v.servedBy(sup, q.ID) && q.Waiting == 0 && !v.shown[sup][q.ID] {
		return false
	}
	if v.shown[sup] == nil {
		v.shown[sup] = make(map[ccaas.QueueID]bool)
	}
	v.shown[sup][q.ID] = true
	return true
}

// servedBy reports whether an agent of sup's teams is a member of the queue.
func (v *teamView) servedBy(sup *agent, id ccaas.QueueID) bool {
	q := v.t.queues[id]
	if q == nil {
		return false
	}
	for _, m := range q.Members {
		if ag := v.t.agents[m.Agent]; ag != nil && sup.cfg.Supervises(ag.cfg) {
			return true
		}
	}
	return false
}

func teamAgentView(ag *agent) cti.TeamAgentView {
	v := cti.TeamAgentView{
		ID: ag.cfg.ID, Name: ag.cfg.Name, Username: ag.cfg.Username, Extension: ag.cfg.Extension, Team: ag.cfg.Team,
		State: *stateView(ag), Line: ag.line.state.String(),
	}
	if c, l := ag.call, ag.leg; c != nil && l != nil {
		cv := &cti.TeamCallView{ID: c.id, State: l.state.String(), Direction: c.direction,
			Caller: c.otherParty(l), Held: c.held, Consult: consultView(c, l)}
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
		if r := c.rec; r != nil && (r.state == cti.RecPaused || r.state == cti.RecResuming) {
			cv.RecordingPausedSince = timePtr(r.pausedAt)
			if r.pausedBy != nil {
				cv.RecordingPausedBy = r.pausedBy.cfg.Name
			}
		}
		v.Call = cv
	}
	return v
}

// queueViews computes every queue's row from the figures /metrics shows, so
// the team view and the metrics count alike.
func (v *teamView) queueViews() []cti.TeamQueueView {
	stats := v.figures.queueStats()
	slices.SortFunc(stats, func(a, b QueueStats) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	out := make([]cti.TeamQueueView, 0, len(stats))
	today := v.day()
	for _, qs := range stats {
		m := qs.Members
		row := cti.TeamQueueView{ID: qs.Queue, Name: qs.Name, Waiting: qs.Waiting, Oldest: timePtr(qs.Oldest),
			Ready: m[wrapup.Ready.String()], NotReady: m[wrapup.NotReady.String()],
			Busy: m[wrapup.Offered.String()] + m[wrapup.Connecting.String()] + m[wrapup.Talking.String()] + m[wrapup.Wrapup.String()]}
		target := v.t.queues[qs.Queue].ServiceLevelSeconds
		row.Today = cti.QueueDay{TargetSeconds: target}
		if d := v.today[qs.Queue]; d != nil && d.day == today {
			row.Today = d.view(target)
		}
		v.t.fillQueueRow(&row)
		out = append(out, row)
	}
	return out
}

func sameQueueView(a, b cti.TeamQueueView) bool {
	eqTime := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqFloat := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ID == b.ID && a.Name == b.Name && a.Waiting == b.Waiting && eqTime(a.Oldest, b.Oldest) &&
		a.Ready == b.Ready && a.Busy == b.Busy && a.NotReady == b.NotReady &&
		a.Today.Offered == b.Today.Offered && a.Today.Answered == b.Today.Answered && a.Today.Abandoned == b.Today.Abandoned &&
		a.Today.Refused == b.Today.Refused &&
		a.Today.TargetSeconds == b.Today.TargetSeconds && eqFloat(a.Today.ServiceLevel, b.Today.ServiceLevel) && eqFloat(a.Today.AHTSeconds, b.Today.AHTSeconds) &&
		sameRoomRow(a, b)
}

// queueDay counts a queue's calls of one day, as the reports define them.
type queueDay struct {
	day               string // YYYY-MM-DD, server's local time
	offered, answered int
	abandoned         int
	refused           int // turned away at the door (event.CallRefused), not among the offered
	inServiceLevel    int
	handled           time.Duration // talk, hold and wrapup of the answered calls
}

func (d *queueDay) view(target int) cti.QueueDay {
	v := cti.QueueDay{Offered: d.offered, Answered: d.answered, Abandoned: d.abandoned, Refused: d.refused, TargetSeconds: target}
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

func (v *teamView) day() string { return v.t.now().Local().Format(time.DateOnly) }

// queueDayOf returns today's counters of a queue, new at midnight.
func (v *teamView) queueDayOf(id ccaas.QueueID) *queueDay {
	today := v.day()
	d := v.today[id]
	if d == nil || d.day != today {
		d = &queueDay{day: today}
		v.today[id] = d
	}
	return d
}

// countCall adds an ended inbound queue call to its queue's day (the day it
// arrived on, as the reports bucket calls; a call across midnight counts on
// the new day here).
func (v *teamView) countCall(r ccaas.CallRecord) {
	if r.Direction != ccaas.DirInbound || r.Queue == 0 {
		return
	}
	d := v.queueDayOf(r.Queue)
	d.offered++
	switch {
	case !r.Answered.IsZero():
		d.answered++
		d.handled += r.Talk + r.Hold
		if q := v.t.queues[r.Queue]; q != nil && r.Wait <= time.Duration(q.ServiceLevelSeconds)*time.Second {
			d.inServiceLevel++
		}
	case r.EndReason == ccaas.EndCallerHangup:
		d.abandoned++
	}
}

// countWrapup adds an agent's finished wrapup to the handle time of the
// queue whose call it followed.
func (v *teamView) countWrapup(e event.AgentChanged) {
	switch {
	case e.To == wrapup.Wrapup:
		v.wrapups[e.Agent] = wrapupSpan{since: e.At, queue: e.Queue}
	case e.From == wrapup.Wrapup:
		if w, ok := v.wrapups[e.Agent]; ok && w.queue != 0 {
			v.queueDayOf(w.queue).handled += e.At.Sub(w.since)
		}
		delete(v.wrapups, e.Agent)
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

func (v *teamView) seed(m msgSeedDay) {
	if m.day != v.day() {
		return // the day is over
	}
	v.queuesDirty = len(v.leaders) > 0
	for id, f := range m.figures {
		d := v.queueDayOf(id)
		d.offered += f.Offered
		d.answered += f.Answered
		d.abandoned += f.Abandoned
		d.inServiceLevel += f.InServiceLevel
		d.handled += f.Handled
	}
}
