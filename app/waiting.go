package app

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/queue"
	"github.com/ccaas/ccaas/wrapup"
)

// What a waiting caller hears besides music on hold (Asterisk core sounds).
var (
	mediaYouAreNext = []string{"sound:queue-youarenext"}
	mediaGoodbye    = []string{"sound:queue-thankyou", "sound:vm-goodbye"}
)

// goodbyeGrace bounds the wait for the goodbye playback before the caller is
// hung up anyway.
const goodbyeGrace = 15 * time.Second

type callTimer int

const (
	timerMaxWait callTimer = iota
	timerAnnounce
	timerGoodbye
)

type msgCallTimer struct {
	call ccaas.CallID
	gen  uint64
	what callTimer
}

// position is a call's place in its queue; 1 once it left the router
// because an agent is being rung for it (it was at the head then).
func (t *tenant) position(c *call) int {
	if p, ok := t.router.Position(queue.CallID(c.id)); ok {
		return p
	}
	return 1
}

// wait puts a call in queue q (at its place by arrival time) with the
// queue's music and timers.
func (t *tenant) wait(c *call, q *ccaas.Queue) {
	entering := (c.queue != q || c.enteredQueue.IsZero()) && !c.adopted
	if entering && t.closedAt(c, q) {
		return // the queue is closed: its closed action instead (hours.go)
	}
	moved := c.queue != nil && c.queue != q
	if c.queue != q || c.enteredQueue.IsZero() {
		c.queue, c.enteredQueue = q, t.now()
	}
	c.state = callWaiting
	if c.queuedIn == 0 {
		c.queuedIn = t.inputs
	}
	t.router.Enqueue(queue.CallID(c.id), queue.ID(q.ID), c.arrived)
	t.emit(event.CallQueued{At: t.now(), Call: c.id, Queue: q.ID, QueueName: q.Name, Number: c.caller.Number, Name: c.caller.Name,
		Position: t.position(c), Entered: c.enteredQueue})
	t.armCallTimers(c)
	if t.entered(c, q, entering) {
		return // an announcement plays first; music after it (room.go)
	}
	if moved {
		t.startMusic(c, "music of the new queue", nil)
	}
}

// armCallTimers (re)starts a waiting call's maximum-wait and announcement
// timers; a call that is not waiting has none.
func (t *tenant) armCallTimers(c *call) {
	for _, tm := range c.timers {
		tm.Stop()
	}
	c.timers, c.announce = c.timers[:0], nil
	c.timerGen++
	if c.state != callWaiting {
		return
	}
	now := t.now()
	q := c.queue
	if q.MaxWaitSeconds > 0 {
		at := c.enteredQueue.Add(time.Duration(q.MaxWaitSeconds) * time.Second)
		c.timers = append(c.timers, t.callTimer(c, max(at.Sub(now), 0), timerMaxWait))
	}
	if q.AnnounceSeconds > 0 {
		c.announce = t.callTimer(c, time.Duration(q.AnnounceSeconds)*time.Second, timerAnnounce)
		c.timers = append(c.timers, c.announce)
	}
	t.armRoomTimers(c)
}

// replaceTimer puts tm among the call's timers in the place of old (stopped),
// or adds it: a timer that is armed again and again (the next position
// announcement, the callback menu's wait for a key) holds one place however
// long the caller waits.
func (c *call) replaceTimer(old, tm *time.Timer) {
	if i := slices.Index(c.timers, old); old != nil && i >= 0 {
		old.Stop()
		c.timers[i] = tm
		return
	}
	c.timers = append(c.timers, tm)
}

func (t *tenant) callTimer(c *call, d time.Duration, what callTimer) *time.Timer {
	id, gen := c.id, c.timerGen
	return time.AfterFunc(d, func() { t.inbox.post(msgCallTimer{call: id, gen: gen, what: what}) })
}

func (t *tenant) onCallTimer(m msgCallTimer) {
	c := t.calls[m.call]
	if c == nil || c.timerGen != m.gen {
		return
	}
	switch m.what {
	case timerMaxWait:
		if c.state == callWaiting {
			t.overflow(c)
		}
	case timerAnnounce:
		if c.state == callWaiting {
			t.announcePosition(c)
			next := t.callTimer(c, time.Duration(c.queue.AnnounceSeconds)*time.Second, timerAnnounce)
			c.replaceTimer(c.announce, next) // a caller waiting an hour holds one announcement timer
			c.announce = next
		}
	case timerGoodbye:
		t.hangupCustomer(c)
	default:
		t.onRoomTimer(c, m.what)
	}
}

// overflow: the call waited as long as its queue allows. It moves to the
// configured queue or extension, or is ended politely. A queue it already
// visited, a missing target or an extension that cannot take the call now
// end it politely too, so a call never loops between queues.
func (t *tenant) overflow(c *call) {
	t.emit(event.CallTimedOut{At: t.now(), Call: c.id, Position: t.position(c)})
	q := c.queue
	t.router.Remove(queue.CallID(c.id))
	if c.visited == nil {
		c.visited = make(map[ccaas.QueueID]bool)
	}
	c.visited[q.ID] = true
	t.log.Info("maximum wait reached", "call", c.id, "queue", q.Name, "overflow", q.Overflow, "target", q.OverflowTarget)
	switch q.Overflow {
	case ccaas.OverflowQueue:
		id, err := strconv.ParseInt(q.OverflowTarget, 10, 64)
		if next := t.queues[ccaas.QueueID(id)]; err == nil && next != nil && !c.visited[next.ID] {
			t.wait(c, next)
			return
		}
	case ccaas.OverflowExtension:
		if ag := t.byExtension(q.OverflowTarget); ag != nil && t.reachable(ag) {
			c.direct = true
			if t.offer(c, ag, roleAnswer, nil) == nil {
				return
			}
			c.direct = false
		}
	case ccaas.OverflowVoicemail:
		t.leaveMessage(c, q)
		return
	}
	t.goodbye(c, ccaas.EndMaxWait)
}

// reachable: an agent may take a call to their extension when logged in with
// their line up, Ready or Not Ready, and without another call (docs/design.md,
// Who can be reached).
func (t *tenant) reachable(ag *agent) bool {
	s := ag.fsm.State()
	return ag.session != nil && ag.line.state == lineUp && ag.call == nil && ag.watch == nil && (s == wrapup.Ready || s == wrapup.NotReady)
}

func (t *tenant) byExtension(ext string) *agent {
	for _, ag := range t.agents {
		if ag.cfg.Extension == ext && ext != "" {
			return ag
		}
	}
	return nil
}

// announcePosition tells a waiting caller their place in the queue, then
// their music resumes (on PlaybackFinished).
func (t *tenant) announcePosition(c *call) {
	pos, ok := t.router.Position(queue.CallID(c.id))
	if !ok || c.playback != "" || c.menu != nil {
		return
	}
	media := mediaYouAreNext
	if pos > 1 {
		media = []string{"sound:queue-thereare", "number:" + strconv.Itoa(pos-1), "sound:queue-callswaiting"}
	}
	t.play(c, append(media, t.roomAnnouncement(c)...))
}

func (t *tenant) play(c *call, media []string) {
	id := newID(kindPlayback, t.cfg.Tenant.ID)
	c.playback = id
	t.playbacks[id] = c
	customer := c.customer
	t.exec(&c.ops, "play to caller", func(ctx context.Context) error {
		if err := ignoreGone(t.app.ari.StopMOH(ctx, customer)); err != nil {
			return err
		}
		_, err := t.app.ari.Play(ctx, customer, ari.PlayRequest{Media: media, PlaybackID: id})
		return err
	}, func(err error) {
		if err != nil {
			t.playbackDone(id)
		}
	})
}

// playbackDone: a playback to a caller ended (or failed to start).
func (t *tenant) playbackDone(id string) {
	c := t.playbacks[id]
	delete(t.playbacks, id)
	if c == nil || c.playback != id {
		return
	}
	c.playback = ""
	if t.roomPlaybackDone(c) {
		return // a menu's prompt: the menu goes on (menu.go)
	}
	switch c.state {
	case callWaiting, callOffered:
		// offered: an agent became Ready during the announcement; the caller
		// hears music while they are rung
		if c.needsMusic() {
			t.startMusic(c, "music after announcement", nil)
		}
	case callEnded:
		t.hangupCustomer(c) // the goodbye was said
	}
}

// goodbye ends a call the contact center cannot take: a short message, then
// the caller is hung up.
func (t *tenant) goodbye(c *call, reason string) {
	t.goodbyeWith(c, reason, mediaGoodbye)
}

// goodbyeWith is goodbye with another message.
func (t *tenant) goodbyeWith(c *call, reason string, media []string) {
	t.router.Remove(queue.CallID(c.id))
	t.end(c, reason)
	t.armCallTimers(c)
	if c.playback != "" {
		old := c.playback
		c.playback = ""
		t.exec(&c.ops, "stop announcement", func(ctx context.Context) error {
			return ignoreGone(t.app.ari.StopPlayback(ctx, old))
		}, nil)
	}
	if bridge := c.bridge; bridge != "" {
		// a call that had agents: the caller says goodbye alone, and the
		// bridge does not outlive the call
		c.bridge, c.prepared = "", nil
		t.execAfter([]*serial{&c.ops, &c.bridgeOps}, "destroy call bridge", func(ctx context.Context) error {
			return ignoreGone(t.app.ari.DestroyBridge(ctx, bridge))
		}, nil)
	}
	t.play(c, media)
	c.timers = append(c.timers, t.callTimer(c, goodbyeGrace, timerGoodbye))
	t.log.Info("call ended politely", "call", c.id, "reason", reason)
}

func (t *tenant) hangupCustomer(c *call) {
	customer := c.customer
	t.exec(&c.ops, "hang up caller", func(ctx context.Context) error {
		return ignoreGone(t.app.ari.Hangup(ctx, customer, "normal"))
	}, nil)
}

func (t *tenant) queueConfig(q *ccaas.Queue) queue.QueueConfig {
	strategy, err := queue.ParseStrategy(q.Strategy)
	if err != nil {
		t.log.Warn("queue has an unknown strategy; using longest idle", "queue", q.Name, "strategy", q.Strategy)
	}
	return queue.QueueConfig{ID: queue.ID(q.ID), Priority: q.Priority, Strategy: strategy}
}
