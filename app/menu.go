package app

import (
	"context"
	"strings"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/event"
)

// The keys a waiting caller may press: 1 for a callback once the queue has
// offered one, 2 to leave a message where the queue takes them. A callback
// asks for the number to call in a short menu, key by key: the caller
// confirms their own number (1) or keys in another (2, then the digits and
// #). A number that is not a valid dial string is refused by voice ("that
// number is not valid") and asked again, twice at most. While the menu
// lasts the caller keeps their place; an agent taking the call ends it.

// menu is the callback menu of a waiting caller.
type menu struct {
	step     menuStep
	number   string      // the caller's own number, offered for confirmation
	digits   string      // keyed in so far
	refused  int         // numbers keyed in and refused
	silences int         // prompts not answered
	gen      uint64      // bumps with every prompt: a stale timeout is dropped
	playing  bool        // a prompt plays: a key stops it
	timer    *time.Timer // the wait for the next key, one of the call's timers
}

type menuStep int

const (
	stepConfirm menuStep = iota // "we will call you back at …: press 1 to confirm, 2 for another number"
	stepEnter                   // "enter the number, then #"
	stepSaving                  // the callback is being written
)

// Limits of the menu.
const (
	menuTimeout    = 10 * time.Second // for a key after a prompt, or the next digit
	menuSilences   = 2                // prompts unanswered before the menu gives up
	menuRefusals   = 3                // invalid numbers before the menu gives up: the first try and two more
	maxNumberDigit = 20
)

// onKey: a caller pressed a key.
func (t *tenant) onKey(c *call, digit string) {
	if c.state != callWaiting || !c.customerUp || c.callback != nil {
		return // only a waiting caller chooses (a '#' ending a message is Asterisk's)
	}
	m := c.menu
	if m == nil {
		switch {
		case digit == "1" && c.callbackOffered && t.canCallBack(c):
			t.startCallbackMenu(c)
		case digit == "2" && c.queue.VoicemailKey:
			t.log.Info("caller asked to leave a message", "call", c.id)
			t.emit(event.CallLeftWithKey{At: t.now(), Call: c.id, Key: "2", Position: t.position(c)})
			t.leaveMessage(c, c.queue)
		}
		return
	}
	if m.playing {
		t.stopPrompt(c) // keys may be pressed during a prompt
	}
	switch m.step {
	case stepConfirm:
		switch digit {
		case "1":
			t.saveCallback(c, m.number)
		case "2":
			m.step, m.silences = stepEnter, 0
			t.menuPlay(c, promptCallbackEnter)
		}
	case stepEnter:
		switch {
		case digit == "#":
			t.numberKeyed(c)
		case len(digit) == 1 && digit[0] >= '0' && digit[0] <= '9':
			if len(m.digits) <= maxNumberDigit {
				m.digits += digit
			}
			t.menuWait(c)
		}
	}
}

// canCallBack: the call may be offered a callback: a customer of a queue
// that offers them, in a tenant with an outbound trunk to dial them.
func (t *tenant) canCallBack(c *call) bool {
	return c.customer != "" && c.direction == ccaas.DirInbound && c.queue != nil && c.queue.OffersCallback() &&
		trunkRE.MatchString(t.cfg.Settings.Trunk)
}

// offerCallback tells a waiting caller they may press 1 (now, or after
// what they hear now).
func (t *tenant) offerCallback(c *call) {
	if c.callbackOffered || !t.canCallBack(c) {
		return
	}
	c.callbackOffered = true
	media := []string{promptCallbackOffer}
	if c.playback != "" || c.menu != nil {
		c.pendingPrompt = media
		return
	}
	t.play(c, media)
}

func (t *tenant) startCallbackMenu(c *call) {
	t.log.Info("caller asked for a callback", "call", c.id)
	m := &menu{step: stepEnter}
	c.menu = m
	if n := c.caller.Number; dialNumberRE.MatchString(n) {
		m.step, m.number = stepConfirm, n
		t.menuPlay(c, confirmMedia(n))
		return
	}
	t.menuPlay(c, promptCallbackEnter)
}

// confirmMedia is "we will call you back at <number>: press 1 to confirm,
// 2 for another number".
func confirmMedia(number string) []string {
	return []string{promptCallbackNumber, "digits:" + strings.TrimPrefix(number, "+"), promptCallbackConfirm}
}

// menuPlay plays a prompt of the menu; the wait for a key starts when it
// ends.
func (t *tenant) menuPlay(c *call, media []string) {
	m := c.menu
	m.gen++
	if c.playback != "" {
		t.stopPrompt(c)
	}
	m.playing = true
	t.play(c, media)
}

// stopPrompt stops what the caller hears now (the playback ends unseen).
func (t *tenant) stopPrompt(c *call) {
	if c.menu != nil {
		c.menu.playing = false
	}
	if c.playback == "" {
		return
	}
	id := c.playback
	c.playback = ""
	delete(t.playbacks, id)
	t.exec(&c.ops, "stop prompt", func(ctx context.Context) error { return ignoreGone(t.app.ari.StopPlayback(ctx, id)) }, nil)
}

// menuPromptDone: the menu's prompt ended; the caller has a while to press.
func (t *tenant) menuPromptDone(c *call) {
	c.menu.playing = false
	t.menuWait(c)
}

// menuWait starts (again) the wait for the caller's next key.
func (t *tenant) menuWait(c *call) {
	m := c.menu
	m.gen++
	id, gen := c.id, m.gen
	old := m.timer
	m.timer = time.AfterFunc(menuTimeout, func() { t.inbox.post(msgMenuTimer{call: id, gen: gen}) })
	c.replaceTimer(old, m.timer) // a caller keying digits without end holds one wait
}

type msgMenuTimer struct {
	call ccaas.CallID
	gen  uint64
}

func (m msgMenuTimer) handleIn(t *tenant) {
	c := t.calls[m.call]
	if c == nil || c.menu == nil || c.menu.gen != m.gen || c.state != callWaiting || c.menu.playing {
		return
	}
	t.menuTimedOut(c)
}

// menuTimedOut: no key came. Digits keyed in count as finished; otherwise
// the prompt is said again, and after two silences the menu gives up: the
// caller keeps waiting with music.
func (t *tenant) menuTimedOut(c *call) {
	m := c.menu
	if m.step == stepEnter && m.digits != "" {
		t.numberKeyed(c)
		return
	}
	if m.step == stepSaving {
		return
	}
	m.silences++
	if m.silences >= menuSilences {
		t.leaveMenu(c, nil)
		return
	}
	if m.step == stepConfirm {
		t.menuPlay(c, confirmMedia(m.number))
		return
	}
	t.menuPlay(c, promptCallbackEnter)
}

// numberKeyed: the caller ended a number with #. A number that is not a
// valid dial string is refused and asked again, twice at most.
func (t *tenant) numberKeyed(c *call) {
	m := c.menu
	number := m.digits
	m.digits = ""
	if dialNumberRE.MatchString(number) {
		t.saveCallback(c, number)
		return
	}
	m.refused++
	t.log.Info("callback number refused", "call", c.id, "digits", len(number), "refused", m.refused)
	if m.refused >= menuRefusals {
		t.leaveMenu(c, append([]string{promptCallbackInvalid}, promptCallbackSorry...))
		return
	}
	m.silences = 0
	t.menuPlay(c, append([]string{promptCallbackInvalid}, promptCallbackEnter...))
}

// leaveMenu ends the menu: the caller keeps their place and hears media,
// then music (music at once without media).
func (t *tenant) leaveMenu(c *call, media []string) {
	c.menu = nil
	if len(media) > 0 && c.customerUp {
		t.play(c, media)
		return
	}
	if c.needsMusic() {
		t.startMusic(c, "music after the menu", nil)
	}
}
