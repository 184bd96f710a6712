package app

import (
	"context"
	"strconv"
	"time"
	_ "time/tzdata" // tenants' time zones, also on a machine without tzdata

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/estimate"
	"github.com/ccaas/ccaas/event"
	"github.com/ccaas/ccaas/hours"
)

// The waiting room is what a queue's callers get besides music on hold:
// opening hours and the closed action (hours.go), the estimated wait
// (estimate.go), the menu a waiting caller presses keys in (menu.go),
// callbacks that keep their place (callback.go) and voicemail
// (voicemail.go). Callbacks and voicemails reach agents as calls of their
// own, tasks of the queue (tasks.go). The room belongs to the tenant's loop
// like the rest of its state.

// What callers hear. Besides Asterisk's own sounds (digits, numbers), the
// product's prompts live under ccaas/ in the sounds directory;
// docs/deploy.md lists them with their words, for operators to record.
var (
	promptClosed          = []string{"sound:ccaas/closed"}
	promptWaitAbout       = "sound:ccaas/wait-about"
	promptMinute          = "sound:ccaas/minute"
	promptMinutes         = "sound:ccaas/minutes"
	promptCallbackOffer   = "sound:ccaas/callback-offer"
	promptCallbackNumber  = "sound:ccaas/callback-number"
	promptCallbackConfirm = "sound:ccaas/callback-confirm"
	promptCallbackEnter   = []string{"sound:ccaas/callback-enter"}
	promptCallbackInvalid = "sound:ccaas/callback-invalid"
	promptCallbackSorry   = []string{"sound:ccaas/callback-sorry"}
	promptCallbackThanks  = []string{"sound:ccaas/callback-thanks"}
	promptCallbackFailed  = []string{"sound:ccaas/callback-failed"}
	promptVoicemailOffer  = "sound:ccaas/voicemail-offer"
	promptVoicemailIntro  = []string{"sound:ccaas/voicemail-intro"}
	promptVoicemailThanks = []string{"sound:ccaas/voicemail-thanks"}
	promptVoicemailFailed = []string{"sound:ccaas/voicemail-failed"}
	promptVoicemailEmpty  = []string{"sound:ccaas/voicemail-empty"}
	// ringing is what an agent hears while a customer is being called back
	ringing = []string{"tone:ring"}
)

// Prompts are the sounds the product plays besides Asterisk's own (the
// names as in sound: URIs, under the sounds directory); docs/deploy.md
// gives their words.
var Prompts = []string{"ccaas/closed", "ccaas/wait-about", "ccaas/minute", "ccaas/minutes", "ccaas/callback-offer",
	"ccaas/callback-number", "ccaas/callback-confirm", "ccaas/callback-enter", "ccaas/callback-invalid", "ccaas/callback-sorry",
	"ccaas/callback-thanks", "ccaas/callback-failed", "ccaas/voicemail-offer", "ccaas/voicemail-intro", "ccaas/voicemail-thanks",
	"ccaas/voicemail-failed", "ccaas/voicemail-empty"}

type waitingRoom struct {
	t *tenant
	// call control's: the tenant's zone and each queue's opening hours
	loc        *time.Location
	schedules  map[ccaas.QueueID]hours.Schedule
	open       map[ccaas.QueueID]bool      // as last told (QueueHoursChanged)
	until      map[ccaas.QueueID]time.Time // each queue's next change, as of the last hoursChanged
	hoursTimer *time.Timer
	hoursGen   uint64
	// recordings being made (messages), by name
	recordings map[string]*call
	// tasks: the callbacks and voicemails not done yet, by id
	callbacks  map[ccaas.CallbackID]*callbackTask
	voicemails map[ccaas.VoicemailID]*voicemailTask
	// the estimates' projection: each queue's handle times (estimate.go)
	handles *handleTimes
	// figures of the tasks, kept from the events (for the team view and
	// /metrics): callbacks and voicemails not done yet per queue
	openCallbacks  map[ccaas.QueueID]int
	openVoicemails map[ccaas.QueueID]int
}

func newWaitingRoom(t *tenant, cfg ccaas.TenantConfig) *waitingRoom {
	r := &waitingRoom{t: t, schedules: make(map[ccaas.QueueID]hours.Schedule), open: make(map[ccaas.QueueID]bool),
		until:      make(map[ccaas.QueueID]time.Time),
		recordings: make(map[string]*call), callbacks: make(map[ccaas.CallbackID]*callbackTask),
		voicemails: make(map[ccaas.VoicemailID]*voicemailTask), handles: newHandleTimes(),
		openCallbacks: make(map[ccaas.QueueID]int), openVoicemails: make(map[ccaas.QueueID]int)}
	r.reload(cfg)
	return r
}

// reload reads the configuration's time zone and opening hours; a value
// the admin pages would refuse (a database edited by hand) is logged and
// read as open all week.
func (r *waitingRoom) reload(cfg ccaas.TenantConfig) {
	r.loc = time.Local
	if z := cfg.Settings.TimeZone; z != "" {
		if loc, err := time.LoadLocation(z); err == nil {
			r.loc = loc
		} else {
			r.t.log.Warn("the tenant's time zone is unknown; opening hours are read in the server's", "zone", z)
		}
	}
	clear(r.schedules)
	for _, q := range cfg.Queues {
		s, err := hours.Parse(q.Hours, q.HoursExceptions)
		if err != nil {
			r.t.log.Warn("a queue's opening hours do not parse; it is open all week", "queue", q.Name, "err", err)
		}
		r.schedules[q.ID] = s
	}
}

// storeTimeout bounds a store write the caller waits for (a callback's or
// a message's row, before they hear it was taken).
const storeTimeout = 10 * time.Second

func itoa(n int) string { return strconv.Itoa(n) }

// loopMsg is an input of the tenant loop that handles itself: the room's
// timers.
type loopMsg interface{ handleIn(t *tenant) }

// store runs a store write outside the loop, after the earlier ones of the
// same serial, and brings its error back into the loop. It counts among the
// operations Run waits for when it stops, so that no write meets a closed
// store.
func (t *tenant) store(s *serial, what string, op func(ctx context.Context, st ccaas.Store) error, then func(err error)) {
	t.app.ops.Add(1)
	runAfter(func() {
		defer t.app.ops.Done()
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := op(ctx, t.app.store)
		cancel()
		if err != nil {
			t.log.Error("store write failed", "op", what, "err", err)
		}
		if then != nil {
			t.inbox.post(msgDone{then: func() { then(err) }})
		}
	}, s)
}

// event handles the ARI events of the room: a key a caller pressed, a
// message being recorded, a customer called back answering. It reports
// whether the event was the room's.
func (r *waitingRoom) event(ev ari.Event) bool {
	t := r.t
	switch e := ev.(type) {
	case *ari.ChannelDtmfReceived:
		if c := t.byChan[e.Channel.ID]; c != nil {
			t.onKey(c, e.Digit)
		}
		return true
	// a voicemail's recording; a call's recording is recording.go's
	case *ari.RecordingStarted:
		return r.recordings[e.Recording.Name] != nil
	case *ari.RecordingFinished:
		c := r.recordings[e.Recording.Name]
		if c != nil {
			delete(r.recordings, e.Recording.Name)
			t.messageRecorded(c, e.Recording)
		}
		return c != nil
	case *ari.RecordingFailed:
		c := r.recordings[e.Recording.Name]
		if c != nil {
			delete(r.recordings, e.Recording.Name)
			t.messageFailed(c, e.Recording.Cause)
		}
		return c != nil
	case *ari.StasisStart:
		if len(e.Args) >= 1 && e.Args[0] == callbackArg {
			if c := t.byChan[e.Channel.ID]; c != nil {
				t.customerAnswered(c, e.Channel.ID)
				return true
			}
		}
	}
	return false
}

// apply reads the input's events for what the room keeps of them: the
// handle times of the estimates and the tasks' figures.
func (r *waitingRoom) apply(events []event.Event) {
	r.handles.apply(events)
	for _, ev := range events {
		switch e := ev.(type) {
		case event.CallbackQueued:
			r.openCallbacks[e.Callback.Queue]++
		case event.CallbackEnded:
			if e.Callback.State != ccaas.CallbackWaiting {
				r.openCallbacks[e.Callback.Queue]--
			}
		case event.VoicemailLeft:
			r.openVoicemails[e.Voicemail.Queue]++
		case event.VoicemailClosed:
			r.openVoicemails[e.Voicemail.Queue]--
		}
	}
}

// entered: the call was put in queue q (entering it, or back after an agent
// did not answer). Entering, it is told its estimated wait (kept for the
// call record) and, where the queue offers them, the keys it may press;
// true when an announcement plays (music follows it).
func (t *tenant) entered(c *call, q *ccaas.Queue, entering bool) bool {
	c.menu = nil
	if !entering {
		return false
	}
	wait, ok := t.estimateFor(c)
	if !c.estimated && ok {
		c.estimate, c.estimated = wait, true
	}
	var media []string
	if q.AnnounceEstimate && ok && wait > 0 { // 0: a Ready agent takes the call now
		media = append(media, waitMedia(wait)...)
	}
	if q.CallbackAboveSeconds > 0 && ok && wait > time.Duration(q.CallbackAboveSeconds)*time.Second {
		c.callbackOffered = true
	}
	media = append(media, t.keysMedia(c)...)
	if len(media) == 0 || !c.customerUp || c.playback != "" {
		return false
	}
	t.play(c, media)
	return true
}

// waitMedia is "your expected wait is about N minutes".
func waitMedia(d time.Duration) []string {
	n := estimate.Minutes(d)
	unit := promptMinutes
	if n == 1 {
		unit = promptMinute
	}
	return []string{promptWaitAbout, "number:" + itoa(n), unit}
}

// roomAnnouncement is what follows the caller's position in a position
// announcement: the estimated wait, if the queue announces it, and the keys
// they may press.
func (t *tenant) roomAnnouncement(c *call) []string {
	var media []string
	if c.queue != nil && c.queue.AnnounceEstimate {
		if wait, ok := t.estimateFor(c); ok && wait > 0 {
			media = append(media, waitMedia(wait)...)
		}
	}
	return append(media, t.keysMedia(c)...)
}

// keysMedia: "press 1 to be called back" once a callback is offered to the
// caller, "press 2 to leave a message" where the queue takes messages.
func (t *tenant) keysMedia(c *call) []string {
	var media []string
	if c.callbackOffered && t.canCallBack(c) {
		media = append(media, promptCallbackOffer)
	}
	if c.queue != nil && c.queue.VoicemailKey {
		media = append(media, promptVoicemailOffer)
	}
	return media
}

// Timers of the room ride on the call's timers (waiting.go), so a call
// that leaves the queue stops them with the others.
const timerCallbackOffer callTimer = 100 // the caller has waited the queue's callback time

// armRoomTimers adds the room's timers of a waiting call.
func (t *tenant) armRoomTimers(c *call) {
	q := c.queue
	if q.CallbackAfterSeconds > 0 && !c.callbackOffered && t.canCallBack(c) {
		at := c.enteredQueue.Add(time.Duration(q.CallbackAfterSeconds) * time.Second)
		c.timers = append(c.timers, t.callTimer(c, max(at.Sub(t.now()), 0), timerCallbackOffer))
	}
}

func (t *tenant) onRoomTimer(c *call, what callTimer) {
	if c.state != callWaiting {
		return
	}
	if what == timerCallbackOffer {
		t.offerCallback(c)
	}
}

// roomPlaybackDone: a playback to the caller ended; true when it was a
// prompt of the room that something follows (a menu goes on, a message is
// recorded).
func (t *tenant) roomPlaybackDone(c *call) bool {
	switch {
	case c.voicemail != nil && c.voicemail.leaving && c.state == callAside:
		t.recordMessage(c)
		return true
	case c.menu != nil && c.state == callWaiting:
		t.menuPromptDone(c)
		return true
	case c.pendingPrompt != nil && c.state == callWaiting && c.customerUp:
		media := c.pendingPrompt
		c.pendingPrompt = nil
		t.play(c, media)
		return true
	}
	return false
}

// queueRemoved forgets what the room kept of a removed queue.
func (r *waitingRoom) queueRemoved(id ccaas.QueueID) {
	delete(r.schedules, id)
	delete(r.open, id)
	delete(r.until, id)
}
