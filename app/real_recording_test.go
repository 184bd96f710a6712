package app_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/ccaas/ccaas"
	"github.com/ccaas/ccaas/ari"
	"github.com/ccaas/ccaas/cti"
)

// TestRealAsteriskCallRecordingPaused: a real Asterisk records the call's
// bridge from the answer; the agent pauses it for a while and resumes it;
// once the call ends the stored file, fetched through the app, is as long
// as the recording without its pause, and the call's record keeps the
// pause.
func TestRealAsteriskCallRecordingPaused(t *testing.T) {
	w := newRealWorld(t, 0)
	ctx := context.Background()
	cfg, err := w.db.TenantConfig(ctx, w.tenant.ID)
	if err != nil {
		t.Fatal(err)
	}
	q := cfg.Queues[0]
	q.Record = ccaas.RecordAlways
	if err := w.db.UpdateQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := w.app.Reload(ctx, w.tenant.ID); err != nil {
		t.Fatal(err)
	}
	sa, ka := w.login("alice")
	far := w.call("+4930444")
	id := w.answer(sa, ka)
	w.bridged(t, 2)
	recState(t, ka, cti.RecRecording)

	time.Sleep(2 * time.Second)
	w.app.Command(sa, cti.Command{Cmd: cti.CmdPauseRecording, Call: id})
	recState(t, ka, cti.RecPaused)
	time.Sleep(3 * time.Second) // the card number
	w.app.Command(sa, cti.Command{Cmd: cti.CmdResumeRecording, Call: id})
	recState(t, ka, cti.RecRecording)
	time.Sleep(2 * time.Second)
	if err := w.cust.Hangup(ctx, far, ""); err != nil {
		t.Fatal(err)
	}
	ka.call(t, "ended")

	var rec ccaas.CallRecord
	pollUntil(t, "the call's record", func() bool {
		rec, err = w.db.CallRecord(ctx, w.tenant.ID, id)
		return err == nil
	})
	if rec.Recording == "" || rec.RecordingFailed || len(rec.RecordingPauses) != 1 || rec.RecordingSeconds < 3 || rec.RecordingSeconds > 5 {
		t.Fatalf("call record: recording %q failed %v %d s pauses %+v", rec.Recording, rec.RecordingFailed, rec.RecordingSeconds, rec.RecordingPauses)
	}
	if p := rec.RecordingPauses[0]; p.Resumed.Sub(p.Paused) < 2500*time.Millisecond {
		t.Fatalf("pause %+v", p)
	}
	t.Cleanup(func() { w.ari.DeleteStoredRecording(context.Background(), string(rec.Recording)) })
	// the bridge's recording ends when the bridge goes, after the call's
	// record: its file is whole once Asterisk no longer has it live (read
	// before, it was 2 s of the 4 now and then)
	pollUntil(t, "the recording no longer live", func() bool {
		_, err := w.ari.LiveRecording(ctx, string(rec.Recording))
		return errors.Is(err, ari.ErrNotFound)
	})
	var data []byte
	pollUntil(t, "Asterisk stored the recording", func() bool {
		_, f, err := w.app.RecordingAudio(ctx, w.tenant.ID, rec.Recording)
		if err == nil {
			data = f.Data
		}
		return err == nil
	})
	// a WAV of 8 kHz 16-bit mono: its data chunk says how long it is
	if len(data) < 44 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file: % x", data[:min(len(data), 16)])
	}
	rate := binary.LittleEndian.Uint32(data[24:28])
	bytesPerSec := binary.LittleEndian.Uint32(data[28:32])
	secs := float64(len(data)-44) / float64(bytesPerSec)
	t.Logf("recording %s: %d Hz, %.2f s (the call was recorded 4 s, paused 3 s)", rec.Recording, rate, secs)
	if secs < 3 || secs > 5.5 {
		t.Fatalf("the file is %.2f s long: want the 4 s recorded, without the 3 s pause", secs)
	}
	// another tenant sees nothing of it
	if _, _, err := w.app.RecordingAudio(ctx, w.tenant.ID+1, rec.Recording); err == nil {
		t.Fatal("another tenant got the recording")
	}
}
