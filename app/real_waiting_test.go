package app_test

// The waiting room against a real Asterisk 22 (see real_test.go for what
// these tests need): a closed queue's callers hear so and are hung up; a
// caller is told their estimated wait; a caller presses 1 for a callback,
// which an agent later takes and the app dials through a trunk.
//
// The product's prompts (sound:ccaas/…) need not be installed on the test's
// Asterisk: a missing one fails at once and the flow goes on, and Asterisk
// logs which one it was asked for. So these tests also read Asterisk's
// messages.log (CCAAS_TEST_ASTERISK_LOG) to check what callers were played.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
)

// realRules are waiting rules with the defaults of a new queue.
func realRules(r ccaas.WaitingRules) ccaas.WaitingRules {
	if r.ClosedAction == "" {
		r.ClosedAction = ccaas.OverflowHangup
	}
	r.CallbackAttempts = max(r.CallbackAttempts, 1)
	r.CallbackRetrySeconds = max(r.CallbackRetrySeconds, 10)
	r.VoicemailMaxSeconds = max(r.VoicemailMaxSeconds, ccaas.DefaultVoicemailMaxSeconds)
	return r
}

// asteriskLog reads what Asterisk logged after a mark.
type asteriskLog struct {
	path string
	from int64
}

// markLog marks the end of Asterisk's log now.
func markLog(t *testing.T) *asteriskLog {
	t.Helper()
	path := os.Getenv("CCAAS_TEST_ASTERISK_LOG")
	if path == "" {
		t.Skip("CCAAS_TEST_ASTERISK_LOG is not set: point it at Asterisk's messages.log to check what callers hear")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Asterisk's log: %v", err)
	}
	return &asteriskLog{path: path, from: st.Size()}
}

// waitFor waits until Asterisk logged a line with each of words since the mark.
func (l *asteriskLog) waitFor(t *testing.T, words ...string) {
	t.Helper()
	var lines []string
	pollLong(t, fmt.Sprintf("Asterisk logged %q", words), func() bool {
		b, err := os.ReadFile(l.path)
		if err != nil || int64(len(b)) < l.from {
			return false
		}
		lines = strings.Split(string(b[l.from:]), "\n")
		for _, line := range lines {
			all := true
			for _, w := range words {
				all = all && strings.Contains(line, w)
			}
			if all {
				return true
			}
		}
		return false
	})
}

// pollLong is pollUntil for what takes a real Asterisk longer (a goodbye,
// a prompt).
func pollLong(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recordOf waits for the record of the call from number.
func (w *realWorld) recordOf(number, direction string) ccaas.CallRecord {
	w.t.Helper()
	return recordFrom(w.t, w.db, w.tenant.ID, number, direction, pollLong)
}

// press has the customer press a key, once their far end is in the test's
// application (it enters when the app answers the call).
func (w *realWorld) press(far, digit string) {
	w.t.Helper()
	var err error
	pollLong(w.t, "the customer pressed "+digit, func() bool {
		err = w.cust.SendDTMF(context.Background(), far, digit)
		return err == nil || !errors.Is(err, ari.ErrConflict)
	})
	if err != nil {
		w.t.Fatalf("press %s: %v", digit, err)
	}
}

func (w *realWorld) gone(far string) func() bool {
	return func() bool { _, err := w.cust.GetChannel(context.Background(), far); return err != nil }
}

// TestRealAsteriskClosedQueue: a queue closed all week (its weekly hours
// name Sunday closed, so every day is) plays its callers the closed message
// and hangs up, even with an agent Ready; the call ends "closed".
func TestRealAsteriskClosedQueue(t *testing.T) {
	w := newRealWorld(t, 0, realRules(ccaas.WaitingRules{Hours: "sun closed"}))
	log := markLog(t)
	_, ka := w.login("alice")
	far := w.call("+4930601")
	pollLong(t, "the caller of the closed queue hung up", w.gone(far))
	log.waitFor(t, "ccaas/closed")
	if r := w.recordOf("+4930601", ccaas.DirInbound); r.EndReason != ccaas.EndClosed || !r.Answered.IsZero() || r.QueueName != "Support" {
		t.Fatalf("the record %+v, want ended closed, never answered, in Support", r)
	}
	if m, offered := ka.pending(func(m cti.Message) bool { return m.Type == cti.MsgOffer }); offered {
		t.Fatalf("alice was offered a call of the closed queue: %+v", m.Call)
	}
}

// TestRealAsteriskEstimateAnnounced: with alice busy on a call, a second
// caller of a queue that announces the estimate is told about 3 minutes
// (the prior handle time, one agent working); the record of their call
// keeps the estimate.
func TestRealAsteriskEstimateAnnounced(t *testing.T) {
	w := newRealWorld(t, 0, realRules(ccaas.WaitingRules{AnnounceEstimate: true}))
	log := markLog(t)
	sa, ka := w.login("alice")
	w.call("+4930611")
	w.answer(sa, ka)
	w.bridged(t, 2)
	far := w.call("+4930612")
	log.waitFor(t, "ccaas/wait-about")
	log.waitFor(t, "ccaas/minutes")
	time.Sleep(time.Second) // the caller waits a moment, then gives up
	if err := w.cust.Hangup(context.Background(), far, ""); err != nil {
		t.Fatal(err)
	}
	if r := w.recordOf("+4930612", ccaas.DirInbound); !r.Estimated || r.Estimate != 3*time.Minute || r.EndReason != ccaas.EndCallerHangup {
		t.Fatalf("the waiting caller's record: estimate %v (%v), ended %q; want 3m0s told at entry, caller hung up", r.Estimate, r.Estimated, r.EndReason)
	}
}

// TestRealAsteriskCallbackKeepsItsPlace: a caller who waited a second is
// offered a callback, presses 1 and 1 again to confirm their own number,
// and is hung up once the callback is a row. When alice is free she is
// offered "Callback to …"; on Answer the app dials the customer through the
// tenant's trunk (here an endpoint whose contact is the SIPp phone that
// answers every call) and bridges them with her.
func TestRealAsteriskCallbackKeepsItsPlace(t *testing.T) {
	w := newRealWorld(t, 0, realRules(ccaas.WaitingRules{CallbackAfterSeconds: 1, CallbackAttempts: 2}))
	ctx := context.Background()
	w.realTrunk(t, "cbtrunk")
	log := markLog(t)
	sa, ka := w.login("alice")
	busy := w.call("+4930620") // alice talks: the next caller waits
	w.answer(sa, ka)
	w.bridged(t, 2)

	far := w.call("+4930621")
	log.waitFor(t, "ccaas/callback-offer")
	w.press(far, "1")
	log.waitFor(t, "ccaas/callback-number")
	w.press(far, "1")
	pollLong(t, "the caller hung up after the confirmation", w.gone(far))
	cbs, err := w.db.OpenCallbacks(ctx, w.tenant.ID)
	if err != nil || len(cbs) != 1 || cbs[0].Number != "+4930621" || cbs[0].State != ccaas.CallbackWaiting {
		t.Fatalf("callbacks %+v (%v), want +4930621's waiting", cbs, err)
	}
	log.waitFor(t, "ccaas/callback-thanks")

	// alice ends her call: the callback is her next offer
	if err := w.cust.Hangup(ctx, busy, ""); err != nil {
		t.Fatal(err)
	}
	ka.call(t, "ended")
	ka.state(t, "ready")
	offer := ka.next(t, "the callback's offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	if offer.Call.Direction != ccaas.DirCallback || offer.Call.Caller.Number != "+4930621" {
		t.Fatalf("offered %+v", offer.Call)
	}
	w.app.Command(sa, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
	ka.call(t, "connected")
	w.bridged(t, 2) // alice's line and the customer, dialled through cbtrunk
	w.app.Command(sa, cti.Command{Cmd: cti.CmdHangup, Call: offer.Call.ID})
	ka.call(t, "ended")
	pollLong(t, "the callback reached", func() bool {
		all, _ := w.db.Callbacks(ctx, w.tenant.ID, time.Time{}, time.Now().Add(time.Hour))
		return len(all) == 1 && all[0].State == ccaas.CallbackReached && all[0].Attempts == 1
	})
}

// realTrunk makes name a PJSIP endpoint (pushed through ARI, as the app
// pushes agents' lines) whose calls reach the SIPp phone that answers
// every call, and the tenant's trunk.
func (w *realWorld) realTrunk(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if _, err := w.ari.PutConfig(ctx, "res_pjsip", "aor", name, []ari.ConfigTuple{{Attribute: "contact", Value: w.phone}}); err != nil {
		t.Fatalf("push the trunk's AOR: %v", err)
	}
	if _, err := w.ari.PutConfig(ctx, "res_pjsip", "endpoint", name, []ari.ConfigTuple{
		{Attribute: "transport", Value: env("CCAAS_TEST_LINE_TRANSPORT", "transport-udp")},
		{Attribute: "context", Value: "agents"}, {Attribute: "disallow", Value: "all"}, {Attribute: "allow", Value: "ulaw"},
		{Attribute: "direct_media", Value: "no"}, {Attribute: "aors", Value: name},
	}); err != nil {
		t.Fatalf("push the trunk's endpoint: %v", err)
	}
	t.Cleanup(func() {
		w.ari.DeleteConfig(context.Background(), "res_pjsip", "endpoint", name)
		w.ari.DeleteConfig(context.Background(), "res_pjsip", "aor", name)
	})
	if err := w.db.SetSettings(ctx, w.tenant.ID, ccaas.Settings{Trunk: name, CallerID: "Acme <5550000>"}); err != nil {
		t.Fatal(err)
	}
	if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
		t.Fatal(err)
	}
}

// TestRealAsteriskVoicemail: behind a busy agent, a caller of a queue that
// takes messages hears so, presses 2, speaks after the beep (the ARI
// recording of their channel) and ends with #; the voicemail is a row with
// its recording stored in Asterisk before they hear thanks and are hung up.
// Alice, free again, is offered the voicemail, takes it and closes it.
func TestRealAsteriskVoicemail(t *testing.T) {
	w := newRealWorld(t, 0, realRules(ccaas.WaitingRules{VoicemailKey: true}))
	ctx := context.Background()
	log := markLog(t)
	sa, ka := w.login("alice")
	busy := w.call("+4930630")
	w.answer(sa, ka)
	w.bridged(t, 2)

	far := w.call("+4930631")
	log.waitFor(t, "ccaas/voicemail-offer")
	w.press(far, "2")
	log.waitFor(t, "ccaas/voicemail-intro")
	// the message: a tone the customer's side sends for 3 s (a Local
	// channel sends no audio of its own, and a silent recording lasts 0 s)
	pb, err := w.cust.Play(ctx, far, ari.PlayRequest{Media: []string{"tone:440"}})
	if err != nil {
		t.Fatalf("the customer speaks: %v", err)
	}
	time.Sleep(3 * time.Second)
	w.cust.StopPlayback(ctx, pb.ID)
	w.press(far, "#")
	var vm ccaas.Voicemail
	pollLong(t, "the voicemail stored", func() bool {
		vms, err := w.db.OpenVoicemails(ctx, w.tenant.ID)
		if err != nil || len(vms) != 1 {
			return false
		}
		vm = vms[0]
		return true
	})
	if vm.Number != "+4930631" || vm.Seconds < 1 || vm.Recording == "" || vm.QueueName != "Support" {
		t.Fatalf("the voicemail %+v", vm)
	}
	pollLong(t, "the caller hung up after the thanks", w.gone(far))
	log.waitFor(t, "ccaas/voicemail-thanks")
	f, err := w.ari.StoredRecordingFile(ctx, string(vm.Recording))
	if err != nil || f.ContentType != "audio/wav" || len(f.Data) <= 44 {
		t.Fatalf("the message's file in Asterisk: %v, %+v", err, f)
	}

	if err := w.cust.Hangup(ctx, busy, ""); err != nil {
		t.Fatal(err)
	}
	ka.call(t, "ended")
	ka.state(t, "ready")
	offer := ka.next(t, "the voicemail's offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
	if offer.Call.Direction != ccaas.DirVoicemail || offer.Call.Voicemail == nil || offer.Call.Voicemail.ID != vm.ID {
		t.Fatalf("offered %+v", offer.Call)
	}
	w.app.Command(sa, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
	ka.call(t, "connected")
	w.app.Command(sa, cti.Command{Cmd: cti.CmdHangup, Call: offer.Call.ID})
	ka.call(t, "ended")
	pollLong(t, "the voicemail closed", func() bool {
		vms, _ := w.db.OpenVoicemails(ctx, w.tenant.ID)
		return len(vms) == 0
	})
	w.ari.DeleteStoredRecording(ctx, string(vm.Recording)) // the retention's job, not this test's
}
