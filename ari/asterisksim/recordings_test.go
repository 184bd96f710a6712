package asterisksim

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ccaas/ccaas/ari"
)

// recordingRig is a rig in memory with a customer in Stasis, answered, for
// a test in a synctest bubble (recordings last seconds of fake time).
func recordingRig(t *testing.T) (*rig, *events, string) {
	t.Helper()
	r := newMemRig(t, Config{})
	e := r.connect("ccaas")
	return r, e, r.answeredCall(e, "5550001")
}

// localCall places a customer as a Local channel and answers it.
func (r *rig) localCall(e *events, did string) string {
	r.t.Helper()
	id, err := r.sim.PlaceCall(CallSpec{From: "+4930555", Name: "Customer", DID: did, Local: true})
	if err != nil {
		r.t.Fatal(err)
	}
	e.expect("StasisStart " + id + " [inbound," + did + "]")
	r.must(204, "POST", "/channels/"+id+"/answer", "")
	e.expect("ChannelStateChange " + id + " Up")
	return id
}

// wavInfo reads a WAV file's format and the length of its audio.
func wavInfo(t *testing.T, data []byte) (rate uint32, bits uint16, seconds float64, samples []int16) {
	t.Helper()
	if len(data) < 44 || string(data[0:4]) != "RIFF" || string(data[8:16]) != "WAVEfmt " || string(data[36:40]) != "data" {
		t.Fatalf("not a WAV file: % x", data[:min(len(data), 44)])
	}
	rate = binary.LittleEndian.Uint32(data[24:28])
	bits = binary.LittleEndian.Uint16(data[34:36])
	size := binary.LittleEndian.Uint32(data[40:44])
	if int(size) != len(data)-44 || binary.LittleEndian.Uint32(data[4:8]) != 36+size {
		t.Fatalf("WAV sizes %d/%d for %d bytes", size, binary.LittleEndian.Uint32(data[4:8]), len(data))
	}
	samples = make([]int16, size/2)
	if err := binary.Read(bytes.NewReader(data[44:]), binary.LittleEndian, samples); err != nil {
		t.Fatal(err)
	}
	return rate, bits, float64(size) / float64(2*rate), samples
}

// TestChannelRecording: a voicemail as the app leaves one, with the answers
// and events of the customer-recording trace: 201 "queued", RecordingStarted,
// the far end's # (ChannelDtmfReceived, then RecordingFinished with its
// seconds), the stored recording listed, fetched as a WAV file of that
// length, played back for as long, copied and deleted.
func TestChannelRecording(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e, cust := recordingRig(t)
		body := r.must(201, "POST", "/channels/"+cust+"/record?name=vm-1&format=wav&maxDurationSeconds=30&beep=true&terminateOn=%23&ifExists=fail", "")
		var live ari.LiveRecording
		if err := json.Unmarshal([]byte(body), &live); err != nil || live != (ari.LiveRecording{Name: "vm-1", Format: "wav", State: "queued", TargetURI: "channel:" + cust}) {
			t.Fatalf("answer %s (%v)", body, err)
		}
		e.expect("RecordingStarted vm-1 channel:" + cust + " recording")
		if got := r.must(200, "GET", "/recordings/live/vm-1", ""); got != `{"name":"vm-1","format":"wav","state":"recording","target_uri":"channel:`+cust+`"}` {
			t.Errorf("live recording %s", got)
		}
		time.Sleep(3 * time.Second) // the caller speaks
		r.sim.SendDTMF(cust, "#")
		e.expect("ChannelDtmfReceived "+cust+" #", "RecordingFinished vm-1 channel:"+cust+" done 3s")
		r.must(404, "GET", "/recordings/live/vm-1", "")
		if got := r.must(200, "GET", "/recordings/stored", ""); got != `[{"name":"vm-1","format":"wav"}]` {
			t.Errorf("stored list %s", got)
		}
		r.must(200, "GET", "/recordings/stored/vm-1", "")

		c, _ := r.ariClient(ari.Config{Application: "ccaas"})
		f, err := c.StoredRecordingFile(context.Background(), "vm-1")
		if err != nil {
			t.Fatal(err)
		}
		if f.ContentType != "audio/wav" {
			t.Errorf("content type %q", f.ContentType)
		}
		if rate, bits, secs, _ := wavInfo(t, f.Data); rate != 8000 || bits != 16 || secs != 3 {
			t.Errorf("file: %d Hz, %d bit, %v s; want 8000 Hz, 16 bit, 3 s", rate, bits, secs)
		}

		start := time.Now()
		r.must(201, "POST", "/channels/"+cust+"/play?media=recording:vm-1&playbackId=pb-1", "")
		e.expect("PlaybackStarted pb-1 channel:"+cust+" playing", "PlaybackFinished pb-1 channel:"+cust+" done")
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("the recording played for %v, want its 3 s", d)
		}

		r.must(200, "POST", "/recordings/stored/vm-1/copy?destinationRecordingName=vm-1-copy", "")
		if _, msg := r.do("POST", "/recordings/stored/vm-1/copy?destinationRecordingName=vm-1-copy", ""); msg != `{"message":"A recording with the same name already exists on the system"}` {
			t.Errorf("second copy: %s", msg)
		}
		r.must(404, "POST", "/recordings/stored/no-such-recording/copy?destinationRecordingName=x", "")
		for _, name := range []string{"vm-1", "vm-1-copy"} {
			r.must(204, "DELETE", "/recordings/stored/"+name, "")
		}
		r.must(404, "DELETE", "/recordings/stored/vm-1", "")
		if _, err := c.StoredRecordingFile(context.Background(), "vm-1"); !errors.Is(err, ari.ErrNotFound) {
			t.Errorf("file of a deleted recording: %v, want ErrNotFound", err)
		}
		if got := r.must(200, "GET", "/recordings/stored", ""); got != `[]` {
			t.Errorf("stored list %s", got)
		}
	})
}

// TestRecordingErrors: the statuses and messages a real Asterisk 22 answers
// POST …/record with (trace customer-recording, and Asterisk's own checks).
func TestRecordingErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e, cust := recordingRig(t)
		r.must(201, "POST", "/channels/"+cust+"/record?name=taken&format=wav&maxDurationSeconds=1", "")
		e.expect("RecordingStarted taken channel:"+cust+" recording", "RecordingFinished taken channel:"+cust+" done 1s")
		for _, tc := range []struct {
			name, target string
			status       int
			msg          string
		}{
			{"name taken", "/channels/" + cust + "/record?name=taken&format=wav&ifExists=fail", 409, "Recording 'taken' already exists and can not be overwritten"},
			{"unknown format", "/channels/" + cust + "/record?name=x&format=bogus", 422, "specified format is unknown on this system"},
			{"no format", "/channels/" + cust + "/record?name=x", 422, "specified format is unknown on this system"},
			{"no name", "/channels/" + cust + "/record?format=wav", 500, "Error parsing request"},
			{"a name outside the directory", "/channels/" + cust + "/record?name=../evil&format=wav", 500, "Error parsing request"},
			{"bad terminateOn", "/channels/" + cust + "/record?name=x&format=wav&terminateOn=x", 400, "terminateOn invalid"},
			{"bad ifExists", "/channels/" + cust + "/record?name=x&format=wav&ifExists=sometimes", 400, "ifExists invalid"},
			{"negative length", "/channels/" + cust + "/record?name=x&format=wav&maxDurationSeconds=-1", 400, "max_duration_seconds cannot be negative"},
			{"unknown channel", "/channels/no-such-channel/record?name=x&format=wav", 404, "Channel not found"},
			{"unknown bridge", "/bridges/no-such-bridge/record?name=x&format=wav", 404, "Bridge not found"},
			{"unknown live recording", "/recordings/live/no-such-recording/stop", 404, "Recording not found"},
			{"unknown stored recording", "/recordings/stored/no-such-recording/file", 404, "Recording not found"},
		} {
			status, body := r.do("POST", tc.target, "")
			if tc.name == "unknown stored recording" {
				status, body = r.do("GET", tc.target, "")
			}
			var eb ari.ErrorBody
			json.Unmarshal([]byte(body), &eb)
			if status != tc.status || eb.Message != tc.msg {
				t.Errorf("%s: %d %s, want %d %q", tc.name, status, body, tc.status, tc.msg)
			}
		}
		// overwrite replaces the file; the refused ones left nothing behind
		r.must(201, "POST", "/channels/"+cust+"/record?name=taken&format=wav&ifExists=overwrite&maxDurationSeconds=2", "")
		e.expect("RecordingStarted taken channel:"+cust+" recording", "RecordingFinished taken channel:"+cust+" done 2s")
		if _, secs, _ := r.sim.StoredFile("taken"); secs != 2 {
			t.Errorf("overwritten recording lasts %v s, want 2", secs)
		}
		r.must(201, "POST", "/channels/"+cust+"/record?name=taken&format=wav&ifExists=append&maxDurationSeconds=1", "")
		e.expect("RecordingStarted taken channel:"+cust+" recording", "RecordingFinished taken channel:"+cust+" done 1s")
		if _, secs, _ := r.sim.StoredFile("taken"); secs != 3 {
			t.Errorf("appended recording lasts %v s, want 3", secs)
		}
		if names := r.sim.StoredNames(); len(names) != 1 {
			t.Errorf("stored %v", names)
		}
	})
}

// TestRecordingControl: pause leaves time out of the file, mute writes
// silence, stop stores it; the maximum length ends one by itself.
func TestRecordingControl(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e, cust := recordingRig(t)
		r.must(201, "POST", "/channels/"+cust+"/record?name=ctl&format=wav", "")
		e.expect("RecordingStarted ctl channel:" + cust + " recording")
		time.Sleep(time.Second)
		r.must(204, "POST", "/recordings/live/ctl/pause", "")
		r.must(204, "POST", "/recordings/live/ctl/pause", "") // again: nothing changes
		if got := r.must(200, "GET", "/recordings/live/ctl", ""); !bytes.Contains([]byte(got), []byte(`"state":"paused"`)) {
			t.Errorf("paused: %s", got)
		}
		time.Sleep(5 * time.Second) // not in the file
		r.must(204, "DELETE", "/recordings/live/ctl/pause", "")
		r.must(204, "POST", "/recordings/live/ctl/mute", "")
		time.Sleep(time.Second) // silence in the file
		r.must(204, "DELETE", "/recordings/live/ctl/mute", "")
		time.Sleep(time.Second)
		r.must(204, "POST", "/recordings/live/ctl/stop", "")
		e.expect("RecordingFinished ctl channel:" + cust + " done 3s")
		r.must(404, "POST", "/recordings/live/ctl/stop", "")
		data, _, _ := r.sim.StoredFile("ctl")
		_, _, secs, samples := wavInfo(t, data)
		if secs != 3 {
			t.Fatalf("file of %v s, want 3 (the pause left out)", secs)
		}
		loud := func(from, to float64) bool {
			for _, v := range samples[int(from*8000):int(to*8000)] {
				if v != 0 {
					return true
				}
			}
			return false
		}
		if !loud(0, 0.5) || loud(1, 2) || !loud(2, 2.5) {
			t.Errorf("voice in the first and last second, silence in the muted one: %v %v %v", loud(0, 0.5), loud(1, 2), loud(2, 2.5))
		}

		start := time.Now()
		r.must(201, "POST", "/channels/"+cust+"/record?name=short&format=wav&maxDurationSeconds=2", "")
		e.expect("RecordingStarted short channel:"+cust+" recording", "RecordingFinished short channel:"+cust+" done 2s")
		if d := time.Since(start); d != 2*time.Second {
			t.Errorf("ended after %v, want its maximum of 2 s", d)
		}
	})
}

// TestRecordingQueueAndCancel: a channel's recordings run one after the
// other; a cancelled one ends "done" (as Asterisk reports it) but is not
// stored; stopping one still queued does not keep it from starting.
func TestRecordingQueueAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e, cust := recordingRig(t)
		r.must(201, "POST", "/channels/"+cust+"/record?name=first&format=wav", "")
		e.expect("RecordingStarted first channel:" + cust + " recording")
		if got := r.must(201, "POST", "/channels/"+cust+"/record?name=second&format=wav", ""); !bytes.Contains([]byte(got), []byte(`"state":"queued"`)) {
			t.Errorf("second: %s", got)
		}
		r.must(409, "POST", "/recordings/live/second/pause", "")
		time.Sleep(time.Second)
		r.must(204, "POST", "/recordings/live/first/stop", "")
		e.expect("RecordingFinished first channel:"+cust+" done 1s", "RecordingStarted second channel:"+cust+" recording")
		time.Sleep(time.Second)
		r.must(204, "DELETE", "/recordings/live/second", "")
		e.expect("RecordingFinished second channel:" + cust + " done 1s")
		if names := r.sim.StoredNames(); len(names) != 1 || names[0] != "first" {
			t.Errorf("stored %v, want the cancelled one thrown away", names)
		}

		r.must(201, "POST", "/channels/"+cust+"/record?name=third&format=wav", "")
		e.expect("RecordingStarted third channel:" + cust + " recording")
		r.must(201, "POST", "/channels/"+cust+"/record?name=fourth&format=wav&maxDurationSeconds=1", "")
		r.must(204, "POST", "/recordings/live/fourth/stop", "") // queued: only marked
		r.must(204, "POST", "/recordings/live/third/stop", "")
		e.expect("RecordingFinished third channel:"+cust+" done 0s", "RecordingStarted fourth channel:"+cust+" recording",
			"RecordingFinished fourth channel:"+cust+" done 1s")
	})
}

// TestRecordingEnds: the caller's hang-up ends and stores a recording
// (between ChannelHangupRequest and StasisEnd, as in the trace); a channel
// in a bridge cannot be recorded; a failure stores nothing.
func TestRecordingEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, e, cust := recordingRig(t)
		r.must(201, "POST", "/channels/"+cust+"/record?name=hung&format=wav&terminateOn=%23", "")
		e.expect("RecordingStarted hung channel:" + cust + " recording")
		time.Sleep(2 * time.Second)
		r.sim.Hangup(cust)
		e.expect("ChannelHangupRequest "+cust, "RecordingFinished hung channel:"+cust+" done 2s", "StasisEnd "+cust)
		if _, secs, ok := r.sim.StoredFile("hung"); !ok || secs != 2 {
			t.Errorf("stored %v, %v s", ok, secs)
		}

		cust = r.answeredCall(e, "5550001")
		r.must(200, "POST", "/bridges/b1?type=mixing", "")
		r.must(204, "POST", "/bridges/b1/addChannel?channel="+cust, "")
		e.expect("ChannelEnteredBridge b1 " + cust + " [" + cust + "]")
		r.must(201, "POST", "/channels/"+cust+"/record?name=bridged&format=wav", "")
		e.expect("RecordingFailed bridged channel:" + cust + " failed (Cannot record channel while in bridge)")
		r.must(204, "POST", "/bridges/b1/removeChannel?channel="+cust, "")
		e.expect("ChannelLeftBridge b1 " + cust + " []")

		r.must(201, "POST", "/channels/"+cust+"/record?name=disk&format=wav", "")
		e.expect("RecordingStarted disk channel:" + cust + " recording")
		if err := r.sim.FailRecording("disk", "No space left on device"); err != nil {
			t.Fatal(err)
		}
		e.expect("RecordingFailed disk channel:" + cust + " failed (No space left on device)")
		if err := r.sim.FailRecording("disk", "again"); !errors.Is(err, ErrNoRecording) {
			t.Errorf("failing an ended recording: %v", err)
		}
		if _, _, ok := r.sim.StoredFile("disk"); ok || len(r.sim.StoredNames()) != 1 {
			t.Errorf("a failed recording is stored: %v", r.sim.StoredNames())
		}

		// stored recordings are files: a restart keeps them, live ones end
		r.sim.Restart()
		if names := r.sim.StoredNames(); len(names) != 1 || names[0] != "hung" {
			t.Errorf("after a restart: %v", names)
		}
	})
}

// TestBridgeRecording: a bridge's mix is recorded through a recorder that
// gives a lone channel a peer (BRIDGEPEER, connected line), as in the
// trace; destroying the bridge ends the recording.
func TestBridgeRecording(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newMemRig(t, Config{})
		e := r.connect("ccaas")
		cust := r.localCall(e, "5550014")
		r.must(200, "POST", "/bridges/rb?type=mixing", "")
		r.must(204, "POST", "/bridges/rb/addChannel?channel="+cust, "")
		e.expect("ChannelEnteredBridge rb " + cust + " [" + cust + "]")
		r.must(201, "POST", "/bridges/rb/record?name=call-1&format=wav", "")
		e.expectAll("ChannelVarset "+cust+" BRIDGEPEER=Recorder/ARI-00000001;2", "RecordingStarted call-1 bridge:rb recording", "ChannelConnectedLine "+cust)
		time.Sleep(2 * time.Second)
		r.must(204, "POST", "/recordings/live/call-1/stop", "")
		e.expect("RecordingFinished call-1 bridge:rb done 2s")

		r.must(201, "POST", "/bridges/rb/record?name=call-2&format=wav", "")
		e.expect("RecordingStarted call-2 bridge:rb recording")
		time.Sleep(time.Second)
		// destroyed while recorded: the file is kept, without an event of
		// the recording's end or the bridge's
		r.must(204, "DELETE", "/bridges/rb", "")
		e.expect("ChannelLeftBridge rb " + cust + " []")
		if _, secs, _ := r.sim.StoredFile("call-2"); secs != 1 || len(r.sim.StoredNames()) != 2 {
			t.Errorf("stored %v, call-2 of %v s", r.sim.StoredNames(), secs)
		}
		r.must(404, "GET", "/recordings/live/call-2", "")

		// a Local channel's far end hangs up with cause 16
		r.sim.Hangup(cust)
		e.expectAll("ChannelHangupRequest "+cust+" cause=16", "StasisEnd "+cust)
	})
}
