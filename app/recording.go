package app

import (
	"context"
	"fmt"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
	"github.com/ccaas/ccaas/event"
)

// Call recording. Asterisk records the call's mixing bridge (POST
// /bridges/{id}/record), so holds, transfers and conferences stay in one
// recording per call, named by the recording's id. A queue records every
// answered call, or on the demand of an agent on it. An agent may pause the
// recording while a card number is read out and resume it; the pauses are
// kept with the call's record. A recording that fails to start never holds
// up the call: it is logged, counted (Config.RecordingFailed) and marked on
// the call's record, and an agent may start it again.
//
// The page is told "paused" only once Asterisk confirmed the pause (until
// then "pausing"), so that nobody reads a card number into a recording
// that still runs.

// callRecording is a call's recording as the tenant loop keeps it.
type callRecording struct {
	id          ccaas.RecordingID
	state       string // one of cti.Rec…
	started     time.Time
	by          string // the agent who started it on demand
	pausedBy    *agent // the agent who paused it (while pausing, paused)
	pausedAt    time.Time
	pauses      []ccaas.RecordingPause
	pausedTotal time.Duration // of the pauses that ended
	failedOnce  bool          // a start failed on this call (kept in its record)
}

// recordMode is when the call is recorded: as its queue says, or for a call
// through no queue (outbound, between agents) as its tenant said when it
// was dialled.
func (c *call) recordMode() string {
	if c.queue != nil {
		return c.queue.Record
	}
	if c.recordOther == "" {
		return ccaas.RecordNever
	}
	return c.recordOther
}

// recordOnAnswer starts the recording of a call recorded always, when it
// is answered.
func (t *tenant) recordOnAnswer(c *call) {
	if c.recordMode() == ccaas.RecordAlways && c.rec == nil {
		t.startRecording(c, "")
	}
}

// startRecordingCmd: an agent on the call starts its recording (a queue
// that records on demand, or one that failed to start).
func (t *tenant) startRecordingCmd(ag *agent, id ccaas.CallID) error {
	c, _, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	switch {
	case c.recordMode() == ccaas.RecordNever:
		return fmt.Errorf("%w: this call is not recorded (its queue's or your tenant's setting)", ErrNotAllowed)
	case c.rec != nil && c.rec.state != cti.RecFailed:
		return fmt.Errorf("%w: the call is already being recorded", ErrNotAllowed)
	}
	t.startRecording(c, ag.cfg.Username)
	return nil
}

// startRecording asks Asterisk to record the call's bridge.
func (t *tenant) startRecording(c *call, by string) {
	rec := &callRecording{id: ccaas.RecordingID(newID(kindRecording, t.cfg.Tenant.ID)), state: cti.RecStarting, started: t.now(), by: by}
	if c.rec != nil {
		rec.failedOnce = c.rec.failedOnce
	}
	c.rec = rec
	bridge := c.bridge
	t.exec(&c.ops, "record call", func(ctx context.Context) error {
		_, err := t.app.ari.RecordBridge(ctx, bridge, ari.RecordRequest{Name: string(rec.id), Format: RecordingFormat, IfExists: "fail"})
		return err
	}, func(err error) {
		if c.rec != rec || c.state == callEnded {
			return
		}
		if err != nil {
			t.recordingFailed(c, err.Error())
			return
		}
		rec.state, rec.started = cti.RecRecording, t.now()
		t.emit(event.RecordingStarted{At: rec.started, Call: c.id, Recording: rec.id, By: by})
		t.log.Info("call recording started", "call", c.id, "recording", rec.id)
		t.broadcast(c, nil, "")
	})
	t.broadcast(c, nil, "")
}

// recordingFailed: the call's recording could not start, or Asterisk
// stopped it; the call goes on unrecorded.
func (t *tenant) recordingFailed(c *call, cause string) {
	c.rec.state, c.rec.failedOnce = cti.RecFailed, true
	t.log.Error("call recording failed; the call goes on unrecorded", "call", c.id, "recording", c.rec.id, "cause", cause)
	t.emit(event.RecordingFailed{At: t.now(), Call: c.id, Cause: cause})
	if f := t.app.cfg.RecordingFailed; f != nil {
		f()
	}
	t.broadcast(c, nil, "")
}

// recordingBroke: Asterisk says a recording failed (RecordingFailed).
func (t *tenant) recordingBroke(id ccaas.RecordingID, cause string) {
	for _, c := range t.calls {
		if c.rec != nil && c.rec.id == id && c.state != callEnded && c.rec.state != cti.RecFailed {
			t.recordingFailed(c, "Asterisk: "+cause)
			return
		}
	}
}

// pauseRecording pauses (or resumes) the call's recording for an agent on
// it. The page shows pausing (resuming) until Asterisk has done it.
func (t *tenant) pauseRecording(ag *agent, id ccaas.CallID, pause bool) error {
	c, _, err := t.connectedLeg(ag, id)
	if err != nil {
		return err
	}
	rec := c.rec
	switch {
	case rec == nil || rec.state == cti.RecFailed || rec.state == cti.RecOff:
		return fmt.Errorf("%w: the call is not being recorded", ErrNotAllowed)
	case rec.state == cti.RecStarting:
		return fmt.Errorf("%w: the recording is starting; try again in a moment", ErrNotAllowed)
	case pause && rec.state != cti.RecRecording:
		return fmt.Errorf("%w: the recording is already paused", ErrNotAllowed)
	case !pause && rec.state != cti.RecPaused:
		return fmt.Errorf("%w: the recording is not paused", ErrNotAllowed)
	}
	name := string(rec.id)
	if pause {
		rec.state, rec.pausedBy = cti.RecPausing, ag
	} else {
		rec.state = cti.RecResuming
	}
	t.exec(&c.ops, "pause recording", func(ctx context.Context) error {
		if pause {
			return t.app.ari.PauseRecording(ctx, name)
		}
		return t.app.ari.UnpauseRecording(ctx, name)
	}, func(err error) {
		if c.rec != rec || c.state == callEnded {
			return
		}
		now := t.now()
		switch {
		case err != nil && pause:
			rec.state, rec.pausedBy = cti.RecRecording, nil
			t.recordingNotice(c, ag, NoticeRecordingNotPaused)
		case err != nil:
			rec.state = cti.RecPaused
			t.recordingNotice(c, ag, NoticeRecordingNotResumed)
		case pause:
			rec.state, rec.pausedAt = cti.RecPaused, now
			rec.pauses = append(rec.pauses, ccaas.RecordingPause{Agent: ag.cfg.ID, Paused: now})
			t.emit(event.RecordingPaused{At: now, Call: c.id, Recording: rec.id, Agent: ag.cfg.ID, Username: ag.cfg.Username})
		default:
			gap := now.Sub(rec.pausedAt)
			rec.state, rec.pausedTotal, rec.pausedBy = cti.RecRecording, rec.pausedTotal+gap, nil
			rec.pauses[len(rec.pauses)-1].Resumed = now
			t.emit(event.RecordingResumed{At: now, Call: c.id, Recording: rec.id, Agent: ag.cfg.ID, Username: ag.cfg.Username, Paused: gap})
		}
		t.broadcast(c, nil, "")
	})
	t.broadcast(c, nil, "")
	return nil
}

// Notices of a pause or resume Asterisk refused (cti.NoticeView.Kind).
const (
	NoticeRecordingNotPaused  = "recording_not_paused"  // it is still recording
	NoticeRecordingNotResumed = "recording_not_resumed" // it is still paused
)

// recordingNotice tells the agent who asked that a pause or resume did not
// happen.
func (t *tenant) recordingNotice(c *call, ag *agent, kind string) {
	t.log.Warn("call recording: Asterisk refused a pause or resume", "call", c.id, "agent", ag.cfg.Username, "notice", kind)
	t.send(ag, cti.Message{Type: cti.MsgNotice, Notice: &cti.NoticeView{Kind: kind, Name: ag.cfg.Name, Extension: ag.cfg.Extension, Call: c.id}})
}

// recordingView is the call's recording as its agents see it.
func (c *call) recordingView() *cti.RecordingView {
	rec := c.rec
	if rec == nil {
		if c.recordMode() == ccaas.RecordOnDemand {
			return &cti.RecordingView{State: cti.RecOff}
		}
		return nil
	}
	v := &cti.RecordingView{State: rec.state, PausedSeconds: int(rec.pausedTotal / time.Second)}
	if rec.state == cti.RecPaused || rec.state == cti.RecResuming {
		v.PausedSince = timePtr(rec.pausedAt)
	}
	if rec.pausedBy != nil && rec.state != cti.RecRecording {
		v.PausedBy = rec.pausedBy.cfg.Name
	}
	return v
}

// addTo puts the recording into the call's record at its end: its id and
// length without the pauses, the pauses (one still open ran to the end),
// and whether a start failed.
func (rec *callRecording) addTo(r *ccaas.CallRecord, end time.Time) {
	if rec == nil {
		return
	}
	r.RecordingFailed = rec.failedOnce
	if rec.state == cti.RecFailed {
		return
	}
	r.Recording = rec.id
	paused := rec.pausedTotal
	if rec.state == cti.RecPaused || rec.state == cti.RecResuming {
		paused += end.Sub(rec.pausedAt)
	}
	r.RecordingSeconds = int(max(end.Sub(rec.started)-paused, 0) / time.Second)
	r.RecordingPauses = append([]ccaas.RecordingPause(nil), rec.pauses...)
}

// RecordingAudio is one of a tenant's recordings with its audio, fetched
// from Asterisk, for the admin pages, which check who may hear it (an
// admin, or a supervisor of an agent on the call); another tenant's is
// ErrNoSuchRecording.
func (a *App) RecordingAudio(ctx context.Context, tenant ccaas.TenantID, id ccaas.RecordingID) (ccaas.Recording, *ari.RecordingFile, error) {
	return a.recordingWithAudio(ctx, tenant, id, nil)
}
