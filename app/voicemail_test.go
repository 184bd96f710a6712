package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/app"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
)

// voicemailQueue takes messages of up to a minute by key 2.
var voicemailQueue = ccaas.Queue{WaitingRules: ccaas.WaitingRules{VoicemailKey: true, VoicemailMaxSeconds: 60}}

// leaveMessage makes a waiting caller press 2, speak for d and press #; it
// returns the recording's name once they heard thanks.
func leaveMessage(t *testing.T, w *world, ear *ear, cust string, d time.Duration) string {
	t.Helper()
	ear.waitFor(cust, "sound:ccaas/voicemail-offer")
	w.sim.SendDTMF(cust, "2")
	ear.waitFor(cust, "sound:ccaas/voicemail-intro")
	var name string
	waitUntil(t, "the caller being recorded", func() bool {
		for _, r := range w.sim.LiveRecordings() {
			if r.TargetURI == "channel:"+cust && r.State == "recording" {
				name = r.Name
				return true
			}
		}
		return false
	})
	time.Sleep(d)
	w.sim.SendDTMF(cust, "#")
	ear.waitFor(cust, "sound:ccaas/voicemail-thanks")
	return name
}

func (w *world) openVoicemails() []ccaas.Voicemail { return openInStore(w, w.db.OpenVoicemails) }

// TestVoicemailByKey: a waiting caller presses 2 and leaves a message (the
// row is written before they hear thanks); it waits in the queue, listed
// for the supervisor, and is offered to the next Ready agent, who may then
// fetch its audio. Answered, it is connected at once; the agent calls the
// caller back through the trunk and closes it: called back.
func TestVoicemailByKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, ql := roomWorld(t, voicemailQueue)
		_, kc := w.login("carol")
		ear := w.ear()
		cust := w.caller("+4930601")
		name := leaveMessage(t, w, ear, cust, 5*time.Second)
		vms := w.openVoicemails()
		if len(vms) != 1 || vms[0].Recording != ccaas.RecordingID(name) || vms[0].Seconds != 5 || vms[0].Number != "+4930601" {
			t.Fatalf("voicemails stored when the caller heard thanks: %+v (recording %s)", vms, name)
		}
		waitUntil(t, "the caller hung up", gone(w, cust))
		if lines := ql.of("EXITWITHKEY"); len(lines) != 1 || !strings.HasPrefix(lines[0], "EXITWITHKEY|2|1|1|") {
			t.Errorf("queue_log %v", lines)
		}
		if r := w.recordOf("+4930601", ccaas.DirInbound); r.EndReason != ccaas.EndVoicemail {
			t.Errorf("the caller's call ended %q, want voicemail", r.EndReason)
		}
		list := kc.find(t, "the supervisor's list of voicemails", func(m cti.Message) bool {
			return m.Type == cti.MsgTeam && len(m.Team.Voicemails) == 1
		}).Team.Voicemails[0]
		if list.Caller.Number != "+4930601" || list.Seconds != 5 || list.URL != "/api/recordings/"+name || list.Agent != "" || list.Queue != "Support" {
			t.Errorf("listed %+v", list)
		}

		s, k, snap := w.loginWith("alice")
		if _, _, err := w.app.RecordingFile(context.Background(), s, ccaas.RecordingID(name)); !errors.Is(err, app.ErrNoSuchRecording) {
			t.Errorf("an agent not offered the voicemail fetched it: %v", err)
		}
		w.ready(s, k)
		offer := offerOf(t, k).Call
		if offer.Direction != ccaas.DirVoicemail || offer.Voicemail == nil || offer.Voicemail.URL != "/api/recordings/"+name ||
			offer.Voicemail.Seconds != 5 || offer.Caller.Number != "+4930601" {
			t.Fatalf("offer %+v (voicemail %+v)", offer, offer.Voicemail)
		}
		_, f, err := w.app.RecordingFile(context.Background(), s, ccaas.RecordingID(name))
		if err != nil || len(f.Data) != 44+5*16000 {
			t.Fatalf("the offered agent's fetch: %v", err)
		}
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: offer.ID})
		k.state(t, "talking")
		k.call(t, "connected")
		kc.find(t, "alice named in the list", func(m cti.Message) bool {
			return m.Type == cti.MsgTeam && len(m.Team.Voicemails) == 1 && m.Team.Voicemails[0].Agent == "Alice"
		})

		// hostile: a call that is not hers (another tenant's id alike), an
		// id with a dial string in it
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdCallback, Call: "c99-0a1b2c3d4e5f6a7b"}, cti.CodeNoSuchCall, "")
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdCallback, Call: "PJSIP/+491@pstn"}, cti.CodeNoSuchCall, "")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdCallback, Call: offer.ID})
		k.call(t, "connecting")
		k.call(t, "connected")
		line := w.lineFor(snap)
		var customer string
		for _, ch := range w.sim.Channels() {
			if strings.HasPrefix(ch.ID, "cu") {
				customer = ch.ID
			}
		}
		if customer == "" || w.sim.BridgeOf(customer) != w.sim.BridgeOf(line) {
			t.Fatalf("the caller called back is not with alice")
		}
		refused(t, w, s, k, cti.Command{Cmd: cti.CmdCallback, Call: offer.ID}, cti.CodeNotAllowed, "calling the caller already")
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: offer.ID})
		k.state(t, "ready")
		waitUntil(t, "the voicemail called back", func() bool {
			all, _ := w.db.Voicemails(context.Background(), w.tenant.ID, time.Time{}, time.Now().Add(time.Hour))
			return len(all) == 1 && all[0].State == ccaas.VoicemailCalledBack && all[0].Agent == w.agent["alice"].ID
		})
		kc.find(t, "the list empty", func(m cti.Message) bool {
			return m.Type == cti.MsgTeam && m.Team.Voicemails != nil && len(m.Team.Voicemails) == 0
		})
		if _, _, err := w.app.RecordingFile(context.Background(), s, ccaas.RecordingID(name)); !errors.Is(err, app.ErrNoSuchRecording) {
			t.Errorf("alice still fetches a voicemail she closed: %v", err)
		}
		if r := w.record(offer.ID); r.Direction != ccaas.DirVoicemail || r.Answered.IsZero() {
			t.Errorf("the voicemail's record %+v", r)
		}
	})
}

// TestVoicemailCallBackNotReached: a caller called back from a voicemail
// who is busy leaves the agent with the voicemail, told so; closing it
// marks it closed.
func TestVoicemailCallBackNotReached(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, voicemailQueue)
		ear := w.ear()
		cust := w.caller("+4930611")
		leaveMessage(t, w, ear, cust, 2*time.Second)
		s, k := w.login("alice")
		w.ready(s, k)
		offer := offerOf(t, k).Call
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdAnswer, Call: offer.ID})
		k.call(t, "connected")
		w.sim.SetBehaviour("PJSIP/pstn", asterisksim.BehaviourBusy)
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdCallback, Call: offer.ID})
		n := k.find(t, "notice busy", func(m cti.Message) bool { return m.Type == cti.MsgNotice })
		if n.Notice.Kind != "busy" || n.Notice.Name != "Caller +4930611" {
			t.Errorf("notice %+v", n.Notice)
		}
		k.call(t, "connected")
		waitUntil(t, "alice's line out of any call bridge", func() bool { return !strings.HasPrefix(w.sim.BridgeOf(w.lineOf().ID), "cb") })
		ok(t, w, s, k, cti.Command{Cmd: cti.CmdHangup, Call: offer.ID})
		waitUntil(t, "the voicemail closed", func() bool {
			all, _ := w.db.Voicemails(context.Background(), w.tenant.ID, time.Time{}, time.Now().Add(time.Hour))
			return len(all) == 1 && all[0].State == ccaas.VoicemailClosed
		})
	})
}

// TestFailedRecordingKeepsTheCaller: a message that cannot be recorded
// (Asterisk refuses the recording, or it fails on the way) leaves the
// caller in the queue at their place, told so, then with music: never in
// silence.
func TestFailedRecordingKeepsTheCaller(t *testing.T) {
	for _, how := range []string{"refused", "failed"} {
		t.Run(how, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w, _ := roomWorld(t, voicemailQueue)
				ear := w.ear()
				first := w.caller("+4930621")
				time.Sleep(time.Millisecond)
				second := w.caller("+4930622")
				if how == "refused" {
					w.sim.Inject(asterisksim.Fault{Method: "POST", Path: "/channels/*/record", Status: 500})
				}
				ear.waitFor(first, "sound:ccaas/voicemail-offer")
				w.sim.SendDTMF(first, "2")
				if how == "failed" {
					waitUntil(t, "the recording", func() bool { return len(w.sim.LiveRecordings()) == 1 })
					w.sim.FailRecording(w.sim.LiveRecordings()[0].Name, "No space left on device")
				}
				ear.waitFor(first, "sound:ccaas/voicemail-failed")
				waitUntil(t, "the caller back to music", waiting(w, first))
				if vms := w.openVoicemails(); len(vms) != 0 {
					t.Fatalf("stored %+v", vms)
				}
				s, k := w.login("alice")
				w.ready(s, k)
				if offer := offerOf(t, k); offer.Call.Caller.Number != "+4930621" {
					t.Fatalf("offered %+v, want the first caller at their place", offer.Call.Caller)
				}
				_ = second
			})
		})
	}
}

// TestCallerHangsUpWhileRecorded: the message of a caller who hangs up
// while being recorded is kept and offered.
func TestCallerHangsUpWhileRecorded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, voicemailQueue)
		ear := w.ear()
		cust := w.caller("+4930631")
		ear.waitFor(cust, "sound:ccaas/voicemail-offer")
		w.sim.SendDTMF(cust, "2")
		waitUntil(t, "recording", func() bool { return len(w.sim.LiveRecordings()) == 1 })
		time.Sleep(3 * time.Second)
		w.sim.Hangup(cust)
		waitUntil(t, "the message stored", func() bool { return len(w.openVoicemails()) == 1 })
		if r := w.recordOf("+4930631", ccaas.DirInbound); r.EndReason != ccaas.EndVoicemail {
			t.Errorf("ended %q", r.EndReason)
		}
		s, k := w.login("alice")
		w.ready(s, k)
		if offer := offerOf(t, k); offer.Call.Voicemail == nil || offer.Call.Voicemail.Seconds != 3 {
			t.Fatalf("offer %+v", offer.Call)
		}
	})
}

// TestVoicemailAfterTheMaximumWait: a queue whose overflow is voicemail
// takes a message after its maximum wait.
func TestVoicemailAfterTheMaximumWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, ql := roomWorld(t, ccaas.Queue{MaxWaitSeconds: 30, Overflow: ccaas.OverflowVoicemail, WaitingRules: ccaas.WaitingRules{VoicemailMaxSeconds: 60}})
		ear := w.ear()
		cust := w.caller("+4930641")
		h := ear.waitFor(cust, "sound:ccaas/voicemail-intro")
		if d := h.at.Sub(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)); d < 30*time.Second {
			t.Errorf("the message was asked for after %v", d)
		}
		waitUntil(t, "recording", func() bool { return len(w.sim.LiveRecordings()) == 1 })
		time.Sleep(2 * time.Second)
		w.sim.SendDTMF(cust, "#")
		ear.waitFor(cust, "sound:ccaas/voicemail-thanks")
		if lines := ql.of("EXITWITHTIMEOUT"); len(lines) != 1 {
			t.Errorf("queue_log %v", lines)
		}
	})
}

// TestVoicemailExpires: the retention deletes a message nobody closed; it
// is no longer offered or listed.
func TestVoicemailExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w, _ := roomWorld(t, voicemailQueue)
		_, kc := w.login("carol")
		ear := w.ear()
		cust := w.caller("+4930651")
		leaveMessage(t, w, ear, cust, 2*time.Second)
		kc.find(t, "listed", func(m cti.Message) bool { return m.Type == cti.MsgTeam && len(m.Team.Voicemails) == 1 })
		time.Sleep(31 * 24 * time.Hour)    // past the default 30 days; the hourly sweep runs meanwhile
		_, _, snap := w.loginWith("carol") // her session expired meanwhile
		if snap.Team == nil || snap.Team.Voicemails == nil || len(snap.Team.Voicemails) != 0 {
			t.Errorf("carol's list after the retention: %+v", snap.Team)
		}
		if names := w.sim.StoredNames(); len(names) != 0 {
			t.Errorf("still in Asterisk: %v", names)
		}
		s, k := w.login("alice")
		w.ready(s, k)
		synctest.Wait()
		if _, offered := k.pending(func(m cti.Message) bool { return m.Type == cti.MsgOffer }); offered {
			t.Error("an expired voicemail was offered")
		}
	})
}
