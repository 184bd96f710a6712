package app_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari/asterisksim"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/sqlite"
)

// recordingQueue makes Support (testDID, alice and bob) record as mode says.
func recordingQueue(mode string) func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
	return func(ctx context.Context, db *sqlite.DB, ten ccaas.Tenant, ag map[string]ccaas.Agent) error {
		_, err := db.CreateQueue(ctx, ccaas.Queue{TenantID: ten.ID, Name: "Support", RingSeconds: 30, DIDs: []string{testDID}, Record: mode,
			Members: []ccaas.Member{member(ag["alice"], 1), member(ag["bob"], 1)}})
		return err
	}
}

// recState waits for the call message whose recording is in state want.
func recState(t *testing.T, k *sink, want string) cti.Message {
	t.Helper()
	return k.next(t, "recording "+want, func(m cti.Message) bool {
		return m.Type == cti.MsgCall && m.Call.Recording != nil && m.Call.Recording.State == want
	})
}

// TestCallRecordedWithAPause: a queue that records every call records the
// call's bridge from the answer; the agent pauses it (the page says
// "pausing" until Asterisk paused it, then who paused it) and resumes it; the
// file is Asterisk's, and the call's record names it with its length
// without the gap and the gap itself (who, when, how long).
func TestCallRecordedWithAPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{queues: recordingQueue(ccaas.RecordAlways)})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930111", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		if offer.Call.Recording != nil {
			t.Fatalf("an offer shows a recording: %+v", offer.Call.Recording)
		}
		id := offer.Call.ID
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdPauseRecording, Call: id}, cti.CodeNotAllowed, "not connected")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		recState(t, ka, cti.RecRecording)
		name := w.recordingName(t)
		if live, ok := w.sim.LiveRecording(name); !ok || live.State != "recording" || live.TargetURI != "bridge:"+w.sim.BridgeOf(cust) {
			t.Fatalf("Asterisk's recording %+v, %v", live, ok)
		}
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdResumeRecording, Call: id}, cti.CodeNotAllowed, "not paused")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdStartRecording, Call: id}, cti.CodeNotAllowed, "already being recorded")
		// bob is not on the call
		refused(t, w, sb, kb, cti.Command{Cmd: cti.CmdPauseRecording, Call: id}, cti.CodeNoSuchCall, "")

		time.Sleep(20 * time.Second)
		w.app.Command(sa, cti.Command{ID: "p", Cmd: cti.CmdPauseRecording, Call: id})
		if m := recState(t, ka, cti.RecPausing); m.Call.Recording.PausedBy != "Alice" {
			t.Fatalf("pausing %+v", m.Call.Recording)
		}
		paused := recState(t, ka, cti.RecPaused).Call.Recording
		if paused.PausedBy != "Alice" || paused.PausedSince == nil {
			t.Fatalf("paused %+v", paused)
		}
		if live, _ := w.sim.LiveRecording(name); live.State != "paused" {
			t.Fatalf("Asterisk's recording is %s", live.State)
		}
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdPauseRecording, Call: id}, cti.CodeNotAllowed, "already paused")
		time.Sleep(15 * time.Second) // a card number is read out
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdResumeRecording, Call: id})
		if r := recState(t, ka, cti.RecRecording).Call.Recording; r.PausedSeconds != 15 || r.PausedBy != "" {
			t.Fatalf("resumed %+v", r)
		}
		time.Sleep(10 * time.Second)
		w.sim.Hangup(cust)
		ka.call(t, "ended")

		rec := w.record(id)
		if rec.Recording != ccaas.RecordingID(name) || rec.RecordingSeconds != 30 || rec.RecordingFailed || len(rec.RecordingPauses) != 1 {
			t.Fatalf("call record's recording %q %d s failed %v pauses %+v", rec.Recording, rec.RecordingSeconds, rec.RecordingFailed, rec.RecordingPauses)
		}
		if p := rec.RecordingPauses[0]; p.Agent != w.agent["alice"].ID || p.Resumed.Sub(p.Paused) != 15*time.Second {
			t.Fatalf("pause %+v", p)
		}
		waitUntil(t, "Asterisk stored the recording", func() bool { _, _, ok := w.sim.StoredFile(name); return ok })
		if _, secs, _ := w.sim.StoredFile(name); secs < 29 || secs > 31 {
			t.Fatalf("the file is %.1f s, want the 30 s recorded", secs)
		}
		stored, err := w.db.Recording(context.Background(), w.tenant.ID, ccaas.RecordingID(name))
		if err != nil || stored.Kind != ccaas.RecordingCall || stored.Call != id || stored.Seconds != 30 {
			t.Fatalf("recording row %+v, %v", stored, err)
		}
	})
}

// recordingName is the one live or stored recording the simulator has.
func (w *world) recordingName(t *testing.T) string {
	t.Helper()
	var name string
	waitUntil(t, "a recording", func() bool {
		for _, n := range w.sim.LiveRecordingNames() {
			name = n
		}
		return name != ""
	})
	return name
}

// TestRecordingOnDemandAndFailure: a queue that records on demand shows the
// recording off until an agent starts it; a recording Asterisk stops with
// a failure leaves the call going, unrecorded, says so, counts it, and marks
// the call's record; the agent may start it again.
func TestRecordingOnDemandAndFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		failures := 0
		w := newWorld(t, worldOpts{queues: recordingQueue(ccaas.RecordOnDemand), recordingFailed: func() { failures++ }})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930222", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		id := offer.Call.ID
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: id})
		if m := ka.call(t, "connected"); m.Call.Recording == nil || m.Call.Recording.State != cti.RecOff {
			t.Fatalf("recording %+v, want off", m.Call.Recording)
		}
		if names := w.sim.LiveRecordingNames(); len(names) != 0 {
			t.Fatalf("recorded without a demand: %v", names)
		}
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdPauseRecording, Call: id}, cti.CodeNotAllowed, "not being recorded")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdStartRecording, Call: id})
		recState(t, ka, cti.RecRecording)
		first := w.recordingName(t)
		if err := w.sim.FailRecording(first, "disk full"); err != nil {
			t.Fatal(err)
		}
		recState(t, ka, cti.RecFailed)
		if failures != 1 {
			t.Fatalf("%d failures counted", failures)
		}
		if ch, ok := w.sim.Channel(cust); !ok || ch.State != "Up" {
			t.Fatal("the call did not go on")
		}
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdStartRecording, Call: id})
		recState(t, ka, cti.RecRecording)
		time.Sleep(5 * time.Second)
		w.sim.Hangup(cust)
		ka.call(t, "ended")
		rec := w.record(id)
		if rec.Recording == "" || rec.Recording == ccaas.RecordingID(first) || !rec.RecordingFailed || rec.RecordingSeconds != 5 {
			t.Fatalf("call record %q failed %v %d s", rec.Recording, rec.RecordingFailed, rec.RecordingSeconds)
		}
	})
}

// TestNeverRecordedQueue: a queue that never records shows no recording
// and refuses every recording command.
func TestNeverRecordedQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{})
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		cust, _ := w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930333", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		if m := ka.call(t, "connected"); m.Call.Recording != nil {
			t.Fatalf("recording %+v", m.Call.Recording)
		}
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdStartRecording, Call: offer.Call.ID}, cti.CodeNotAllowed, "not recorded")
		refused(t, w, sa, ka, cti.Command{Cmd: cti.CmdPauseRecording, Call: offer.Call.ID}, cti.CodeNotAllowed, "not being recorded")
		w.sim.Hangup(cust)
		ka.call(t, "ended")
		if rec := w.record(offer.Call.ID); rec.Recording != "" || rec.RecordingFailed {
			t.Fatalf("record %+v", rec)
		}
	})
}

// TestRecordingCallsThroughNoQueue: the tenant's setting records an agent's
// outbound calls from the answer; a call between agents, on demand, is
// recorded once one of them starts it.
func TestRecordingCallsThroughNoQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newWorld(t, worldOpts{settings: &ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", RecordOther: ccaas.RecordAlways}})
		sa, ka := w.login("alice")
		sb, kb := w.login("bob")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdNotReady})
		ka.state(t, "not_ready")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "+4930555"})
		out := recState(t, ka, cti.RecRecording)
		time.Sleep(4 * time.Second)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: out.Call.ID})
		ka.call(t, "ended")
		if rec := w.record(out.Call.ID); rec.Recording == "" || rec.RecordingSeconds != 4 || rec.Direction != ccaas.DirOutbound {
			t.Fatalf("outbound call record: %q %d s %s", rec.Recording, rec.RecordingSeconds, rec.Direction)
		}

		s := ccaas.Settings{NotifyIncoming: true, Trunk: "pstn", RecordOther: ccaas.RecordOnDemand}
		if err := w.db.SetSettings(context.Background(), w.tenant.ID, s); err != nil {
			t.Fatal(err)
		}
		if err := w.app.Reload(context.Background(), w.tenant.ID); err != nil {
			t.Fatal(err)
		}
		w.ready(sb, kb)
		ka.state(t, "not_ready")
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdDial, Number: "1002"})
		in := kb.next(t, "alice calls bob", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdAnswer, Call: in.Call.ID})
		if m := kb.call(t, "connected"); m.Call.Recording == nil || m.Call.Recording.State != cti.RecOff {
			t.Fatalf("between agents on demand: %+v", m.Call.Recording)
		}
		ok(t, w, sb, kb, cti.Command{Cmd: cti.CmdStartRecording, Call: in.Call.ID})
		recState(t, ka, cti.RecRecording) // both see it
		recState(t, kb, cti.RecRecording)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdHangup, Call: in.Call.ID})
		kb.call(t, "ended")
		if rec := w.record(in.Call.ID); rec.Recording == "" || rec.Direction != ccaas.DirInternal {
			t.Fatalf("internal call record: %q %s", rec.Recording, rec.Direction)
		}
	})
}

// TestSupervisorSeesAPausedRecording: while an agent's call recording is
// paused, their supervisor's team view says who paused it and since when;
// the resume clears it.
func TestSupervisorSeesAPausedRecording(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		opts := worldOpts{queues: recordingQueue(ccaas.RecordAlways)}
		w := supervisedWorld(t, opts)
		_, kc, snap := w.loginWith("carol")
		b := newBoard(snap.Team)
		sa, ka := w.login("alice")
		w.ready(sa, ka)
		w.sim.PlaceCall(asterisksim.CallSpec{From: "+4930666", DID: testDID})
		offer := ka.next(t, "offer", func(m cti.Message) bool { return m.Type == cti.MsgOffer })
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdAnswer, Call: offer.Call.ID})
		recState(t, ka, cti.RecRecording)
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdPauseRecording, Call: offer.Call.ID})
		recState(t, ka, cti.RecPaused)
		b.until(t, kc, "alice's recording paused", func(b *teamBoard) bool {
			c := b.agents["alice"].Call
			return c != nil && c.RecordingPausedBy == "Alice" && c.RecordingPausedSince != nil
		})
		ok(t, w, sa, ka, cti.Command{Cmd: cti.CmdResumeRecording, Call: offer.Call.ID})
		b.until(t, kc, "alice's recording resumed", func(b *teamBoard) bool {
			c := b.agents["alice"].Call
			return c != nil && c.RecordingPausedBy == "" && c.RecordingPausedSince == nil
		})
	})
}
