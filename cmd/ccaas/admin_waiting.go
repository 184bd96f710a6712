package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/sqlite"
	"github.com/ccaas/ccaas/validate"
)

// A queue's waiting rules on the command line: the same flags for
// "queue add" and "queue set"; set changes only the flags it is given.

// waitingFlags are the waiting rules' flags as given.
type waitingFlags struct {
	fs                                  *flag.FlagSet
	hours, exceptions                   string
	closed, closedTarget                string
	announceEstimate, voicemailKey      string // on or off
	after, above, attempts, retry, vmax int
}

func addWaitingFlags(fs *flag.FlagSet) *waitingFlags {
	w := &waitingFlags{fs: fs}
	fs.StringVar(&w.hours, "hours", "", `weekly opening hours in the tenant's zone, rules separated by ";" or new lines, e.g. "mon-fri 08:00-12:00 13:00-18:00; sat 09:00-13:00" (empty: open all week)`)
	fs.StringVar(&w.exceptions, "hours-exceptions", "", `dated exceptions, e.g. "2026-12-24 08:00-12:00; 2026-12-25 closed"`)
	fs.StringVar(&w.closed, "closed", ccaas.OverflowHangup, "while closed: hangup (a message, then goodbye), voicemail, queue or extension")
	fs.StringVar(&w.closedTarget, "closed-target", "", "the queue's name or the agent's extension callers go to while closed")
	fs.StringVar(&w.announceEstimate, "announce-estimate", "off", "on or off: callers hear their estimated wait")
	fs.IntVar(&w.after, "callback-after", 0, "offer a callback after so many seconds of waiting (0: not for the wait)")
	fs.IntVar(&w.above, "callback-above", 0, "offer a callback at entry when the estimate exceeds so many seconds (0: not for the estimate)")
	fs.IntVar(&w.attempts, "callback-attempts", ccaas.DefaultCallbackAttempts, "dials of a customer called back, 1 to 10")
	fs.IntVar(&w.retry, "callback-retry", ccaas.DefaultCallbackRetrySeconds, "seconds before a customer who did not answer is dialled again")
	fs.StringVar(&w.voicemailKey, "voicemail-key", "off", "on or off: waiting callers may press 2 to leave a message")
	fs.IntVar(&w.vmax, "voicemail-max", ccaas.DefaultVoicemailMaxSeconds, "a message's maximum length in seconds, 5 to 600")
	return w
}

// apply puts the flags given (all of them when all) on the rules and checks
// them; self is the queue's own id (0 for a new one).
func (w *waitingFlags) apply(ctx context.Context, d *sqlite.DB, t ccaas.Tenant, self ccaas.QueueID, r *ccaas.WaitingRules, all bool) error {
	set := func(name string) bool { return all || given(w.fs, name) }
	var errs []error
	if set("hours") {
		r.Hours = scheduleLines(w.hours)
	}
	if set("hours-exceptions") {
		r.HoursExceptions = scheduleLines(w.exceptions)
	}
	if err := validate.Hours(r.Hours, ""); err != nil {
		errs = append(errs, flagErr("--hours", err))
	} else {
		errs = append(errs, flagErr("--hours-exceptions", validate.Hours("", r.HoursExceptions)))
	}
	if set("closed") {
		r.ClosedAction = w.closed
	}
	if r.ClosedAction == "" {
		r.ClosedAction = ccaas.OverflowHangup
	}
	errs = append(errs, flagErr("--closed", validate.ClosedAction(r.ClosedAction)))
	if set("closed") || set("closed-target") {
		target, err := targetByName(ctx, d, t, self, r.ClosedAction, w.closedTarget)
		errs = append(errs, flagErr("--closed-target", err))
		r.ClosedTarget = target
	}
	if set("announce-estimate") {
		errs = append(errs, onOff("--announce-estimate", w.announceEstimate, &r.AnnounceEstimate))
	}
	if set("voicemail-key") {
		errs = append(errs, onOff("--voicemail-key", w.voicemailKey, &r.VoicemailKey))
	}
	for _, n := range []struct {
		name  string
		value int
		dst   *int
		rule  func(int) error
	}{
		{"callback-after", w.after, &r.CallbackAfterSeconds, validate.CallbackSeconds},
		{"callback-above", w.above, &r.CallbackAboveSeconds, validate.CallbackSeconds},
		{"callback-attempts", w.attempts, &r.CallbackAttempts, validate.CallbackAttempts},
		{"callback-retry", w.retry, &r.CallbackRetrySeconds, validate.CallbackRetry},
		{"voicemail-max", w.vmax, &r.VoicemailMaxSeconds, validate.VoicemailSeconds},
	} {
		if set(n.name) {
			*n.dst = n.value
			errs = append(errs, flagErr("--"+n.name, n.rule(n.value)))
		}
	}
	return errors.Join(errs...)
}

// scheduleLines turns the command line's "rule; rule" into the schedule's
// lines.
func scheduleLines(s string) string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' })
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return strings.Join(parts, "\n")
}

// targetByName reads where a caller is sent (an overflow, the closed
// action): another queue by name (kept as its id), an agent's extension;
// nothing for hangup and voicemail.
func targetByName(ctx context.Context, d *sqlite.DB, t ccaas.Tenant, self ccaas.QueueID, kind, target string) (string, error) {
	switch kind {
	case ccaas.OverflowQueue:
		q, err := d.QueueByName(ctx, t.ID, target)
		switch {
		case err != nil:
			return "", fmt.Errorf("%q: no such queue in %s", target, t.Domain)
		case q.ID == self:
			return "", errors.New("a queue cannot send its callers to itself")
		}
		return strconv.FormatInt(int64(q.ID), 10), nil
	case ccaas.OverflowExtension:
		if err := validate.Extension(target); err != nil {
			return "", errors.New("the agent's extension")
		}
		return target, nil
	}
	return "", nil
}

// setQueue changes the waiting rules given of an existing queue.
func setQueue(ctx context.Context, d *sqlite.DB, t ccaas.Tenant, name string, w *waitingFlags) (string, error) {
	cfg, err := d.TenantConfig(ctx, t.ID)
	if err != nil {
		return "", err
	}
	var q *ccaas.Queue
	for i := range cfg.Queues {
		if cfg.Queues[i].Name == name {
			q = &cfg.Queues[i]
		}
	}
	if q == nil {
		return "", fmt.Errorf("--name %q: no such queue in %s", name, t.Domain)
	}
	if err := w.apply(ctx, d, t, q.ID, &q.WaitingRules, false); err != nil {
		return "", err
	}
	if err := d.UpdateQueue(ctx, *q); err != nil {
		return "", err
	}
	return fmt.Sprintf("queue %s of %s: hours %q, exceptions %q, closed: %s %s, estimate told %v, callback after %d s or above %d s (%d attempts, %d s apart), voicemail key %v (at most %d s)",
		q.Name, t.Domain, q.Hours, q.HoursExceptions, q.ClosedAction, q.ClosedTarget, q.AnnounceEstimate, q.CallbackAfterSeconds, q.CallbackAboveSeconds,
		q.CallbackAttempts, q.CallbackRetrySeconds, q.VoicemailKey, q.VoicemailMaxSeconds), nil
}
